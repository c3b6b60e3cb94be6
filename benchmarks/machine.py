"""W9: the machine's limit, float32 GEMM at 1024^3, so that matmul- and conv-bound workloads can
be read as a fraction of the hardware's peak."""
import numpy as np

import autograd as ag
import ops
from .harness import Workload, torch_or_none

N = 1024


def _operands():
    rng = np.random.default_rng(0)
    return rng.random((N, N), dtype=np.float32), rng.random((N, N), dtype=np.float32)


def w9_tapegrad():
    a, b = (ag.tensor(m) for m in _operands())
    return lambda: ops.matmul(a, b)


def w9_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    a, b = (torch.from_numpy(m) for m in _operands())
    return lambda: a @ b


def w9_numpy():
    a, b = _operands()
    return lambda: a @ b


WORKLOADS = [
    Workload("W9", "float32 GEMM 1024^3 (machine limit)",
             {"tapegrad": w9_tapegrad, "torch": w9_torch, "numpy": w9_numpy},
             flops=2 * N ** 3),
]
