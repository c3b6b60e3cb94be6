"""Memory: graphs and saved arrays are released as soon as nothing needs them."""
import gc
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


def _growth(step, settle=200, steps=800):
    """Bytes still allocated after `steps` more steps, once `settle` steps have warmed the
    caches. gc.collect() also empties Python's free lists, which tracemalloc would count."""
    tracemalloc.start()
    try:
        for _ in range(settle):
            step()
        gc.collect()
        settled = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - settled
    finally:
        tracemalloc.stop()


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    ws, x = _mlp(3, 32, rng), ag.tensor(rng.standard_normal((16, 32)))
    grown = _growth(lambda: _step(ws, x))
    assert grown < 4 * 1024, f"memory grew by {grown} bytes over 800 steps"


def test_cnn_training_loop_memory_is_flat():
    rng = np.random.default_rng(3)
    w = ag.tensor(rng.standard_normal((4, 1, 3, 3)) / 3, requires_grad=True)
    v = ag.tensor(rng.standard_normal((4 * 4 * 4, 3)) / 8, requires_grad=True)
    x = ag.tensor(rng.standard_normal((2, 1, 8, 8)))

    def step():
        h = ops.max_pool2d(ops.relu(ops.conv2d(x, w, padding=1)), 2)      # (2, 4, 4, 4)
        loss = (ops.reshape(h, (2, -1)) @ v).tanh().sum()
        w.grad = v.grad = None
        loss.backward()
        with ag.no_grad():
            w.sub_(w.grad * 1e-3)
            v.sub_(v.grad * 1e-3)
    grown = _growth(step)
    assert grown < 4 * 1024, f"memory grew by {grown} bytes over 800 steps"


def test_evaluation_without_backward_does_not_accumulate():
    rng = np.random.default_rng(1)
    ws, x = _mlp(3, 32, rng), ag.tensor(rng.standard_normal((16, 32)))
    grown = _growth(lambda: (x @ ws[0]).tanh().sum())    # each graph dropped at once
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
