"""W1 per-op overhead and W2 MLP step: the core engine's workloads."""
import numpy as np

import autograd as ag
import ops
from .harness import Workload, torch_or_none

CHAIN = 33                                     # 33 x (mul, add, tanh) + sum = 100 ops


def _w1_step(x, b):
    """The W1 chain; the same code runs on tapegrad and torch tensors."""
    def step():
        h = x
        for _ in range(CHAIN):
            h = (h * 0.5 + b).tanh()
        h.sum().backward()
    return step


def w1_tapegrad():
    rng = np.random.default_rng(0)
    return _w1_step(ag.tensor(rng.random((16, 16), dtype=np.float32), requires_grad=True),
                    ag.tensor(rng.random((16, 16), dtype=np.float32)))


def w1_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    return _w1_step(torch.rand(16, 16, requires_grad=True), torch.rand(16, 16))


def w1_numpy():
    rng = np.random.default_rng(0)
    x = rng.random((16, 16), dtype=np.float32)
    b = rng.random((16, 16), dtype=np.float32)

    def step():
        h, ys = x, []
        for _ in range(CHAIN):
            h = np.tanh(h * 0.5 + b)
            ys.append(h)
        g = np.ones_like(h)
        for y in reversed(ys):
            g = g * (1 - y * y) * 0.5
        return g
    return step


D_IN, D_H, D_OUT, BATCH, LR = 784, 256, 10, 128, 0.01


def _mlp_data(dtype=np.float32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, D_IN)).astype(dtype)
    y = rng.integers(0, D_OUT, BATCH)
    ws = [(rng.standard_normal((i, o)) / np.sqrt(i)).astype(dtype)
          for i, o in ((D_IN, D_H), (D_H, D_H), (D_H, D_OUT))]
    bs = [np.zeros(o, dtype) for o in (D_H, D_H, D_OUT)]
    return x, y, ws, bs


def cross_entropy_backward(logits, rows, y, params, logsumexp=ops.logsumexp):
    """Cross-entropy written from the core ops (torch's, given torch.logsumexp), then its
    gradients into fresh params' .grad: the same code for both frameworks."""
    loss = (logsumexp(logits, 1) - logits[rows, y]).mean()
    for p in params:
        p.grad = None
    loss.backward()


def w2_tapegrad():
    x, y, ws, bs = _mlp_data()
    params = [ag.tensor(p, requires_grad=True) for p in ws + bs]
    x, rows = ag.tensor(x), np.arange(BATCH)

    def step():
        w1, w2, w3, b1, b2, b3 = params
        h = ops.relu(x @ w1 + b1)
        h = ops.relu(h @ w2 + b2)
        cross_entropy_backward(h @ w3 + b3, rows, y, params)
        for p in params:
            w = p.detach().numpy()                      # the parameter's own array
            w -= LR * p.grad.numpy()
    return step


def w2_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    x, y, ws, bs = _mlp_data()
    params = [torch.tensor(p, requires_grad=True) for p in ws + bs]
    x, y = torch.tensor(x), torch.tensor(y)
    rows = torch.arange(BATCH)

    def step():
        w1, w2, w3, b1, b2, b3 = params
        h = torch.relu(x @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        cross_entropy_backward(h @ w3 + b3, rows, y, params, torch.logsumexp)
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
    return step


def w2_numpy():
    x, y, ws, bs = _mlp_data()
    rows = np.arange(BATCH)

    def step():
        (w1, w2, w3), (b1, b2, b3) = ws, bs
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        logits = h2 @ w3 + b3
        e = np.exp(logits - logits.max(1, keepdims=True))
        p = e / e.sum(1, keepdims=True)
        p[rows, y] -= 1
        g3 = p / BATCH
        g2 = (g3 @ w3.T) * (h2 > 0)
        g1 = (g2 @ w2.T) * (h1 > 0)
        grads = [x.T @ g1, h1.T @ g2, h2.T @ g3, g1.sum(0), g2.sum(0), g3.sum(0)]
        for q, g in zip(ws + bs, grads):
            q -= LR * g
    return step


# forward and weight-gradient GEMMs of every layer, input-gradient GEMMs of layers 2 and 3
MLP_FLOPS = 2 * BATCH * (2 * D_IN * D_H + 3 * D_H * D_H + 3 * D_H * D_OUT)

WORKLOADS = [
    Workload("W1", "per-op overhead, 100 ops on 16x16 fwd+bwd",
             {"tapegrad": w1_tapegrad, "torch": w1_torch, "numpy": w1_numpy},
             unit="us/op", per=3 * CHAIN + 1, target=1.0),
    Workload("W2", "MLP 784-256-256-10 b128 step", {"tapegrad": w2_tapegrad, "torch": w2_torch,
                                                    "numpy": w2_numpy},
             flops=MLP_FLOPS, target=1.1),
]
