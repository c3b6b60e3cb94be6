"""`python -m autograd.port`: the import rule, --check, and PyTorch programs (tests/programs/)
that run after the rewrite and track PyTorch's losses from the same weights."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from autograd.port import check, port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS = os.path.join(HERE, "programs")


@pytest.mark.parametrize("before, after", [
    ("import torch", "import autograd as torch"),
    ("import torch as th", "import autograd as th"),
    ("import torch.nn as nn", "import nn"),
    ("import torch.nn as tnn", "import nn as tnn"),
    ("import torch.nn.functional as F", "import nn.functional as F"),
    ("import torch.optim as optim", "import optim"),
    ("import torch.optim.lr_scheduler as sched", "import optim.lr_scheduler as sched"),
    ("import torch.utils.data", "import autograd as torch; import autograd.utils.data"),
    ("import torch, numpy as np", "import autograd as torch, numpy as np"),
    ("from torch import nn, optim", "from autograd import nn, optim"),
    ("from torch.utils.data import DataLoader", "from autograd.utils.data import DataLoader"),
    ("from torch.nn import functional as F", "from nn import functional as F"),
    ("from torch.nn import (Linear,\n    ReLU)", "from nn import (Linear,\n    ReLU)"),
    ("import numpy as np", "import numpy as np"),
    ("from torchvision import datasets", "from torchvision import datasets"),
    ("from . import torch", "from . import torch"),
    ("if True: import torch.nn.functional", "if True: import autograd as torch; "
                                            "import autograd.nn.functional"),
])
def test_only_imports_change(before, after):
    body = "\nx = torch.cat([a, b], 1)  # import torch.nn stays in comments\n"
    assert port(before + body) == after + body


def test_the_ported_imports_import():
    source = "\n".join(["import torch", "import torch.nn as nn", "import torch.nn.functional as F",
                        "from torch import nn, optim", "from torch.utils.data import DataLoader",
                        "import torch.optim.lr_scheduler", "from torch.autograd import grad",
                        "x = torch.nn.functional.relu(torch.ones(2)).sum()",
                        "y = torch.float32, torch.utils.data.TensorDataset, torch.optim.SGD"])
    exec(compile(port(source), "ported", "exec"), {})
    assert check(source) == []


def test_check_lists_what_tapegrad_lacks():
    source = "import torch\nimport torchvision\nfrom torch.nn import Linear, NoSuchLayer\n" \
             "z = torch.no_such_function(1) + torch.nn.NoSuchModule.x\n"
    assert check(source) == [(2, "torchvision"), (3, "torch.nn.NoSuchLayer"),
                             (4, "torch.nn.NoSuchModule"), (4, "torch.no_such_function")]


def test_command_line(tmp_path):
    src = tmp_path / "p.py"
    src.write_text("import torch\nprint(torch.ones(2).sum().item())\n")
    out = tmp_path / "q.py"
    run = subprocess.run([sys.executable, "-m", "autograd.port", str(src), "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and out.read_text().startswith("import autograd as torch\n")
    run = subprocess.run([sys.executable, "-m", "autograd.port", str(src), "--check"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0 and "every torch name it uses exists" in run.stdout
    src.write_text("import torch\ntorch.no_such(1)\n")
    run = subprocess.run([sys.executable, "-m", "autograd.port", str(src), "--check"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 1 and "p.py:2: torch.no_such has no tapegrad counterpart" in run.stdout


# ---- whole programs ----------------------------------------------------------------------------
def _weights(name, path):
    """Initial weights for program `name`, from its tapegrad twin (the ported module's model)."""
    import nn
    if name == "classifier":
        model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
    else:
        spec = importlib.util.spec_from_file_location("ported_" + name, path.parent / "ported.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = getattr(module, {"lstm_regression": "Predictor", "probabilistic": "GaussianHead",
                                 "vae": "VAE"}[name])()
    np.savez(path, **{k: v.numpy() for k, v in model.state_dict().items()})


def _losses(cmd, cwd):
    run = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1"))
    assert run.returncode == 0, run.stdout + run.stderr
    return [float(line.split()[-1]) for line in run.stdout.splitlines()]


def _ours_and_theirs(tmp_path, name, args):
    """The losses of tests/programs/NAME.py ported and run, and (where torch is installed)
    of the original run by PyTorch, from the same initial weights."""
    original = os.path.join(PROGRAMS, f"{name}.py")
    with open(original) as f:
        (tmp_path / "ported.py").write_text(port(f.read()))
    _weights(name, tmp_path / "w.npz")
    ours = _losses([sys.executable, "ported.py", *args], tmp_path)
    assert len(ours) > 10 and ours[-2] < ours[0]
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed: the losses were not compared with PyTorch's")
    return ours, _losses([sys.executable, original, *args], tmp_path)


@pytest.mark.parametrize("name, args, rtol", [("classifier", ["w.npz", "ck.npz"], 1e-4),
                                              ("lstm_regression", ["w.npz"], 2e-3),
                                              ("probabilistic", ["w.npz"], 1e-4)])
def test_a_pytorch_program_runs_after_the_rewrite(tmp_path, name, args, rtol):
    ours, theirs = _ours_and_theirs(tmp_path, name, args)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-6)


def test_a_vae_trained_with_rsample_and_data_updates_learns_as_in_pytorch(tmp_path):
    """rsample's noise comes from each framework's own generator, so the trajectories differ
    step by step: compared are the mean loss of the last 20 steps and the ELBO of the trained
    model on the same fixed noise."""
    ours, theirs = _ours_and_theirs(tmp_path, "vae", ["w.npz"])
    assert ours[-2] < 0.5 * ours[0]
    np.testing.assert_allclose(np.mean(ours[-21:-1]), np.mean(theirs[-21:-1]), rtol=0.05)
    np.testing.assert_allclose(ours[-1], theirs[-1], rtol=0.05)
