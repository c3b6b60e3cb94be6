"""The layering: the engine (autograd.extend and what it stands on) <- ops <- the Tensor class
and its methods <- nn, optim. Checked on the source (what each module imports at its top) and
by importing every module first in a fresh interpreter, the packages after it in every order."""
import ast
from concurrent.futures import ThreadPoolExecutor
import itertools
import json
import os
import pathlib
import pkgutil
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "ops", "nn", "optim")
ENGINE = ("grad_mode", "engine", "backprop", "hooks", "extend")
# packages of optional extras: a module that imports one (autograd.onnx.graph) is only imported
# when the extra is installed
OPTIONAL = ("onnx", "onnxruntime", "safetensors")


def _modules():
    names = []
    for pkg in PACKAGES:
        names.append(pkg)
        names += [m.name for m in pkgutil.walk_packages([str(ROOT / pkg)], pkg + ".")]
    return names


def _imports(path):
    """(module, names) of every import at the top level of a source file."""
    found = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found += [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:                              # relative: resolve against the package
                pkg = path.parent.relative_to(ROOT).parts
                base = ".".join(pkg[:len(pkg) - node.level + 1] + ((base,) if base else ()))
            found.append((base, tuple(a.name for a in node.names)))
    return found


def test_ops_import_only_the_extend_module_of_autograd():
    for path in sorted((ROOT / "ops").glob("*.py")):
        for module, names in _imports(path):
            if module.split(".")[0] == "autograd":
                assert module == "autograd.extend", f"{path.name} imports {module}"
            if module.startswith("ops") and module != "ops":
                private = [n for n in names if n.startswith("_")]
                assert not private, f"{path.name} imports private names {private} of {module}"


def test_the_engine_imports_nothing_above_it():
    for name in ENGINE:
        path = ROOT / "autograd" / f"{name}.py"
        for module, names in _imports(path):
            top = module.split(".")[0]
            assert top not in ("ops", "nn", "optim"), f"autograd.{name} imports {module}"
            assert module not in ("autograd.tensor", "autograd.tensor_methods"), \
                f"autograd.{name} imports {module}"


# A driver imports NumPy and numba (the third-party imports our packages share), then forks a
# child per (module, order): each child is a fresh interpreter as far as our packages go,
# without paying 0.5 s for NumPy and numba again (the test took 52 s of CI as one subprocess
# per module).
DRIVER = """
import json, os, sys, traceback
import numpy, numba
failed = []
for module, order in json.loads(sys.argv[1]):
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        status = 0
        try:
            for name in [module] + order:
                __import__(name)
            import autograd as ag, numpy as np
            x = ag.tensor(np.ones(3), requires_grad=True)
            (x * 2).tanh().sum().backward()
        except ModuleNotFoundError as e:
            if e.name.split(".")[0] not in OPTIONAL:
                os.write(write, traceback.format_exc().encode())
                status = 1
        except BaseException:
            os.write(write, traceback.format_exc().encode())
            status = 1
        os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    if os.waitstatus_to_exitcode(os.wait()[1]) != 0:
        failed.append(f"import {module}, then {order}:\\n{message[-1500:]}")
print(json.dumps(failed))
"""


def _import_first(jobs):
    """The failures of importing each (module, order): `module` first in a fresh interpreter
    (see DRIVER), then the packages in `order`, then a backward pass; a failure for want of an
    optional extra's package does not count."""
    code = f"OPTIONAL = {OPTIONAL!r}\n" + DRIVER
    run = subprocess.run([sys.executable, "-c", code, json.dumps(jobs)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_every_module_imports_first_in_a_fresh_interpreter():
    orders = list(itertools.permutations(PACKAGES))
    jobs = [(m, list(orders[i % len(orders)])) for i, m in enumerate(_modules())]
    workers = os.cpu_count() or 2
    with ThreadPoolExecutor(workers) as pool:
        failed = sum(pool.map(_import_first, [jobs[k::workers] for k in range(workers)]), [])
    assert not failed, "\n\n".join(failed)
