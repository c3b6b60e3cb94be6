"""W8 Adam step over 1M parameters in 100 tensors: the optimizer's array passes and per-tensor
bookkeeping, against PyTorch's single-tensor (foreach=False) path and a hand-written loop."""
import numpy as np

import autograd as ag
import optim
from .harness import Workload, torch_or_none

N_TENSORS, SHAPE, LR = 100, (100, 100), 1e-3


def _arrays():
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(SHAPE, dtype=np.float32) for _ in range(N_TENSORS)]
    grads = [rng.standard_normal(SHAPE, dtype=np.float32) for _ in range(N_TENSORS)]
    return params, grads


def w8_tapegrad():
    params, grads = _arrays()
    params = [ag.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(params, grads):
        p.grad = ag.tensor(g)
    return optim.Adam(params, lr=LR).step


def w8_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    params, grads = _arrays()
    params = [torch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    return torch.optim.Adam(params, lr=LR, foreach=False).step


def w8_numpy():
    params, grads = _arrays()
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    work = np.empty(SHAPE, np.float32)
    step = [0]
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def adam_step():
        step[0] += 1
        step_size = LR / (1 - beta1 ** step[0])
        bc2_sqrt = (1 - beta2 ** step[0]) ** 0.5
        t = work
        for p, g, m, v in zip(params, grads, ms, vs):
            m *= beta1
            np.multiply(g, 1 - beta1, out=t)
            m += t
            v *= beta2
            np.multiply(g, g, out=t)
            t *= 1 - beta2
            v += t
            np.sqrt(v, out=t)
            t /= bc2_sqrt
            t += eps
            np.divide(m, t, out=t)
            t *= -step_size
            p += t
    return adam_step


WORKLOADS = [
    Workload("W8", "Adam step, 1M parameters in 100 tensors",
             {"tapegrad": w8_tapegrad, "torch": w8_torch, "numpy": w8_numpy}, target=1.5),
]
