"""W6 recurrent networks and W10 module-call overhead.

W6: a language-model step: one-hot input (seq 35, batch 32, vocab 64), a tanh RNN (hidden 256),
an output Linear back to the vocabulary, cross-entropy over all steps, backward through time.
W6 compares with PyTorch's nn.RNN (and hand-written NumPy BPTT), W6p with the same network as
a PyTorch Python loop, W6l uses an LSTM of the same size against nn.LSTM.
W10: forward of a 10-layer Sequential of Linear(32, 32) at batch 1 (module call overhead).
"""
import numpy as np

import autograd as ag
import nn
import nn.functional as F
from .harness import Workload, torch_or_none

T, B, V, H = 35, 32, 64, 256


def _data():
    rng = np.random.default_rng(0)
    tokens, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    return np.eye(V, dtype=np.float32)[tokens], targets.reshape(-1)


def _tapegrad(layer):
    def setup():
        x, y = _data()
        x = ag.tensor(x)
        rnn, out = layer(V, H), nn.Linear(H, V)
        params = [*rnn.parameters(), *out.parameters()]

        def step():
            for p in params:
                p.grad = None
            h, _ = rnn(x)
            F.cross_entropy(out(h).reshape(T * B, V), y).backward()
        return step
    return setup


def _torch(layer_name):
    def setup():
        torch = torch_or_none()
        if torch is None:
            return None
        x, y = (torch.tensor(a) for a in _data())
        rnn, out = getattr(torch.nn, layer_name)(V, H), torch.nn.Linear(H, V)
        params = [*rnn.parameters(), *out.parameters()]

        def step():
            for p in params:
                p.grad = None
            h, _ = rnn(x)
            torch.nn.functional.cross_entropy(out(h).reshape(T * B, V), y).backward()
        return step
    return setup


def w6_torch_loop():
    torch = torch_or_none()
    if torch is None:
        return None
    x, y = (torch.tensor(a) for a in _data())
    cell, out = torch.nn.RNNCell(V, H), torch.nn.Linear(H, V)
    params = [*cell.parameters(), *out.parameters()]

    def step():
        for p in params:
            p.grad = None
        h, hs = torch.zeros(B, H), []
        for t in range(T):
            h = torch.tanh(x[t] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T
                           + cell.bias_hh)
            hs.append(h)
        logits = out(torch.stack(hs)).reshape(T * B, V)
        torch.nn.functional.cross_entropy(logits, y).backward()
    return step


def w6_numpy():
    x, y = _data()
    rng = np.random.default_rng(1)
    wx, wh = (rng.uniform(-1, 1, s).astype(np.float32) / 16 for s in ((V, H), (H, H)))
    b, wo, bo = np.zeros(H, np.float32), rng.uniform(-1, 1, (H, V)).astype(np.float32) / 16, \
        np.zeros(V, np.float32)
    rows = np.arange(T * B)

    def step():
        hs = np.zeros((T + 1, B, H), np.float32)
        xw = x @ wx + b                                    # all input projections at once
        for t in range(T):
            hs[t + 1] = np.tanh(xw[t] + hs[t] @ wh)
        h = hs[1:].reshape(T * B, H)
        logits = h @ wo + bo
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[rows, y] -= 1
        g = p / (T * B)
        grads = [h.T @ g, g.sum(0)]                        # output layer
        gh = (g @ wo.T).reshape(T, B, H)
        gpre = np.empty_like(gh)
        carry = np.zeros((B, H), np.float32)
        for t in reversed(range(T)):
            gpre[t] = (gh[t] + carry) * (1 - hs[t + 1] ** 2)
            carry = gpre[t] @ wh.T
        flat = gpre.reshape(T * B, H)
        grads += [x.reshape(T * B, V).T @ flat, hs[:-1].reshape(T * B, H).T @ flat, flat.sum(0)]
        return grads
    return step


DEPTH, WIDTH = 10, 32


def w10_tapegrad():
    model = nn.Sequential(*[nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)])
    x = ag.tensor(np.ones((1, WIDTH), np.float32))
    return lambda: model(x)


def w10_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    model = torch.nn.Sequential(*[torch.nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)])
    x = torch.ones(1, WIDTH)
    return lambda: model(x)


# forward, input-gradient and weight-gradient GEMMs of the recurrence and the output layer
RNN_FLOPS = 3 * 2 * T * B * (V * H + H * H + H * V)

WORKLOADS = [
    Workload("W6", "tanh RNN s35 b32 v64 h256 + Linear + CE, BPTT (vs nn.RNN)",
             {"tapegrad": _tapegrad(nn.RNN), "torch": _torch("RNN"), "numpy": w6_numpy},
             flops=RNN_FLOPS, target=1.3),
    Workload("W6p", "same tanh RNN (vs a PyTorch Python loop)",
             {"tapegrad": _tapegrad(nn.RNN), "torch": w6_torch_loop}, flops=RNN_FLOPS),
    Workload("W6l", "LSTM s35 b32 v64 h256 + Linear + CE, BPTT (vs nn.LSTM)",
             {"tapegrad": _tapegrad(nn.LSTM), "torch": _torch("LSTM")},
             flops=3 * 2 * T * B * (4 * (V * H + H * H) + H * V), target=1.5),
    Workload("W10", "module call overhead: 10 x Linear(32, 32), batch 1, forward",
             {"tapegrad": w10_tapegrad, "torch": w10_torch}, unit="us/op", per=DEPTH,
             target=1.5),
]
