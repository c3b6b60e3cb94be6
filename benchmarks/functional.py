"""W7 nn.functional workloads: fused cross_entropy, training batch_norm, embedding backward."""
import numpy as np

import autograd as ag
import nn.functional as F
from .harness import Workload, torch_or_none

CE_N, CE_C = 512, 1000
BN_SHAPE = (64, 64, 16, 16)
EMB_V, EMB_D, EMB_N = 50_000, 128, 4096


def _ce_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((CE_N, CE_C)).astype(np.float32), rng.integers(0, CE_C, CE_N)


def w7a_tapegrad():
    x, t = _ce_data()
    x = ag.tensor(x, requires_grad=True)

    def step():
        x.grad = None
        F.cross_entropy(x, t).backward()
    return step


def w7a_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    x, t = _ce_data()
    x, t = torch.tensor(x, requires_grad=True), torch.tensor(t)

    def step():
        x.grad = None
        torch.nn.functional.cross_entropy(x, t).backward()
    return step


def w7a_numpy():
    x, t = _ce_data()
    rows = np.arange(CE_N)

    def step():
        z = x - x.max(1, keepdims=True)
        p = np.exp(z)
        s = p.sum(1, keepdims=True)
        loss = (np.log(s)[:, 0] - z[rows, t]).mean()
        p /= s * CE_N
        p[rows, t] -= 1 / CE_N
        return loss, p
    return step


def _bn_data():
    rng = np.random.default_rng(1)
    c = BN_SHAPE[1]
    return (rng.standard_normal(BN_SHAPE).astype(np.float32),
            rng.standard_normal(BN_SHAPE).astype(np.float32),
            np.ones(c, np.float32), np.zeros(c, np.float32))


def w7b_tapegrad():
    x, g, w, b = _bn_data()
    x, w, b = (ag.tensor(a, requires_grad=True) for a in (x, w, b))
    rm, rv = np.zeros(w.shape, w.dtype), np.ones(w.shape, w.dtype)

    def step():
        x.grad = w.grad = b.grad = None
        F.batch_norm(x, rm, rv, w, b, training=True).backward(g)
    return step


def w7b_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    x, g, w, b = _bn_data()
    x, w, b = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    g = torch.tensor(g)
    rm, rv = torch.zeros_like(w.data), torch.ones_like(w.data)

    def step():
        x.grad = w.grad = b.grad = None
        torch.nn.functional.batch_norm(x, rm, rv, w, b, training=True).backward(g)
    return step


def w7b_numpy():
    x, g, w, b = _bn_data()
    axes, m = (0, 2, 3), x.size // x.shape[1]
    w4, b4 = w.reshape(1, -1, 1, 1), b.reshape(1, -1, 1, 1)

    def step():
        mu = x.mean(axes, keepdims=True)
        xc = x - mu
        inv = 1 / np.sqrt((xc * xc).mean(axes, keepdims=True) + 1e-5)
        xhat = xc * inv
        y = xhat * w4 + b4
        gb, gw = g.sum(axes, keepdims=True), (g * xhat).sum(axes, keepdims=True)
        gx = (w4 * inv) * (g - gb / m - xhat * (gw / m))
        return y, gx, gw, gb
    return step


def _emb_data():
    rng = np.random.default_rng(2)
    return (rng.standard_normal((EMB_V, EMB_D)).astype(np.float32),
            rng.integers(0, EMB_V, EMB_N),
            rng.standard_normal((EMB_N, EMB_D)).astype(np.float32))


def w7c_tapegrad():
    w, idx, g = _emb_data()
    w = ag.tensor(w, requires_grad=True)
    y = F.embedding(idx, w)

    def step():                          # the backward alone, through a retained graph
        w.grad = None
        y.backward(g, retain_graph=True)
    return step


def w7c_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    w, idx, g = _emb_data()
    w = torch.tensor(w, requires_grad=True)
    y = torch.nn.functional.embedding(torch.tensor(idx), w)
    g = torch.tensor(g)

    def step():
        w.grad = None
        y.backward(g, retain_graph=True)
    return step


def w7c_numpy():
    w, idx, g = _emb_data()

    def step():
        gw = np.zeros_like(w)
        np.add.at(gw, idx, g)
        return gw
    return step


WORKLOADS = [
    Workload("W7a", f"cross_entropy {CE_N}x{CE_C} fwd+bwd",
             {"tapegrad": w7a_tapegrad, "torch": w7a_torch, "numpy": w7a_numpy}, target=1.2),
    Workload("W7b", "batch_norm 64x64x16x16 training fwd+bwd",
             {"tapegrad": w7b_tapegrad, "torch": w7b_torch, "numpy": w7b_numpy}, target=1.5),
    Workload("W7c", f"embedding backward {EMB_V}x{EMB_D}, {EMB_N} indices",
             {"tapegrad": w7c_tapegrad, "torch": w7c_torch, "numpy": w7c_numpy}, target=2.0),
]
