"""The layering: the engine (autograd.extend and what it stands on) <- ops <- the Tensor class
and its methods <- nn, optim. Checked on the source (what each module imports at its top) and
by importing every module first in a fresh interpreter, the packages after it in every order."""
import ast
from concurrent.futures import ThreadPoolExecutor
import itertools
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


def _import_first(module, order):
    """The output of a fresh interpreter that imports `module`, then the packages in `order`,
    then runs a backward pass; None when it succeeds, or fails only for want of an optional
    extra's package."""
    code = f"import {module}\n" + "".join(f"import {p}\n" for p in order) + \
        "import autograd as ag, numpy as np\n" \
        "x = ag.tensor(np.ones(3), requires_grad=True)\n" \
        "(x * 2).tanh().sum().backward()\n"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    missing = re.search(r"ModuleNotFoundError: No module named '(\w+)", run.stderr)
    if run.returncode == 0 or (missing and missing.group(1) in OPTIONAL):
        return None
    return f"import {module}, then {order}:\n{run.stderr[-1500:]}"


def test_every_module_imports_first_in_a_fresh_interpreter():
    orders = list(itertools.permutations(PACKAGES))
    jobs = [(m, orders[i % len(orders)]) for i, m in enumerate(_modules())]
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        failed = [f for f in pool.map(lambda job: _import_first(*job), jobs) if f]
    assert not failed, "\n\n".join(failed)
