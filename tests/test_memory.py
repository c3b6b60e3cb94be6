"""Memory: graphs and saved arrays are released as soon as nothing needs them."""
import tracemalloc

import numpy as np

import autograd as ag
import ops


def _mlp(depth, width, rng):
    return [ag.tensor(rng.standard_normal((width, width)) / np.sqrt(width), requires_grad=True)
            for _ in range(depth)]


def _step(ws, x, lr=1e-3):
    h = x
    for w in ws:
        h = ops.relu(h @ w)
    loss = (h * h).mean()
    for w in ws:
        w.grad = None
    loss.backward()
    with ag.no_grad():
        for w in ws:
            w.sub_(w.grad * lr)
    return loss.item()


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    ws, x = _mlp(3, 32, rng), ag.tensor(rng.standard_normal((16, 32)))
    tracemalloc.start()
    try:
        for _ in range(600):                     # until Python's tuple free list is full
            _step(ws, x)
        settled = tracemalloc.get_traced_memory()[0]
        for _ in range(400):
            _step(ws, x)
        grown = tracemalloc.get_traced_memory()[0] - settled
    finally:
        tracemalloc.stop()
    assert grown < 4 * 1024, f"memory grew by {grown} bytes over 400 steps"


def test_evaluation_without_backward_does_not_accumulate():
    rng = np.random.default_rng(1)
    ws, x = _mlp(3, 32, rng), ag.tensor(rng.standard_normal((16, 32)))
    tracemalloc.start()
    try:
        for _ in range(600):
            (x @ ws[0]).tanh().sum()
        settled = tracemalloc.get_traced_memory()[0]
        for _ in range(400):
            (x @ ws[0]).tanh().sum()           # graph dropped at once each time
        grown = tracemalloc.get_traced_memory()[0] - settled
    finally:
        tracemalloc.stop()
    assert grown < 4 * 1024


def test_backward_peak_is_bounded_by_a_few_activations():
    depth, width, batch = 100, 64, 32
    rng = np.random.default_rng(2)
    ws, x = _mlp(depth, width, rng), ag.tensor(rng.standard_normal((batch, width)))
    act = batch * width * 8
    tracemalloc.start()
    try:
        h = x
        for w in ws:
            h = (h @ w).tanh()
        loss = h.sum()
        del h
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    grads = depth * width * width * 8            # the weight gradients are results, kept
    assert peak < grads + 8 * act, f"backward peak {peak} > grads {grads} + 8 activations"
