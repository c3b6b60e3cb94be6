"""ops.recurrence, the fused RNN / LSTM / GRU time loop behind nn.RNN, nn.LSTM and nn.GRU: its
gradient rows (first and second order), agreement with the same recurrence composed of
primitives, the LSTM cell's backward kernel against NumPy, and its argument checks. (PyTorch
parity of the layers: test_nn_rnn.py.)"""
import importlib

import numpy as np
import pytest

import autograd as ag
import ops
from ops import _nn_kernels
from gradrows import Row, check

R = importlib.import_module("ops.recurrent")
T, B, H = 3, 2, 2


def shapes(mode, bias=True):
    g = R.GATES[mode] * H
    return [(T, B, g), (g, H)] + ([(g,)] if bias else []) + [(B, H)] * (
        2 if mode == "LSTM" else 1)


def call(mode, reverse=False, bias=True, batch_sizes=None):
    def f(xw, w, *rest):
        b, rest = (rest[0], rest[1:]) if bias else (None, rest)
        return ops.recurrence(xw, w, b, *rest, mode=mode, reverse=reverse,
                              batch_sizes=batch_sizes)
    return f


def scaled(xs):
    return [x * 0.7 for x in xs]                   # moderate pre-activations: no saturation


GRAD_ROWS = [
    Row("recurrence", call(mode, reverse, bias), shapes(mode, bias), domain=scaled,
        id=f"{mode}{'-reverse' if reverse else ''}{'' if bias else '-nobias'}")
    for mode in ("RNN_TANH", "LSTM", "GRU") for reverse, bias in ((False, True), (True, False))
] + [
    Row("recurrence", call("RNN_RELU"), shapes("RNN_RELU"),
        domain=lambda xs: [x + np.sign(x) * 0.3 for x in scaled(xs)], id="RNN_RELU"),
] + [
    Row("recurrence", call(mode, reverse, batch_sizes=(2, 1, 1)), shapes(mode), domain=scaled,
        id=f"{mode}{'-reverse' if reverse else ''}-packed")
    for mode in ("RNN_TANH", "LSTM", "GRU") for reverse in (False, True)
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [None, (2, 2, 1)])
def test_fused_loop_equals_the_composed_steps(mode, reverse, batch_sizes):
    rng = np.random.default_rng(0)
    xs = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes(mode)]
    b = xs.pop(2)
    kw = dict(mode=mode, reverse=reverse, batch_sizes=batch_sizes)
    fused = ops.recurrence(xs[0], xs[1], b, *xs[2:], **kw)
    steps = R.recurrence_steps(xs[0], xs[1], b, *xs[2:], **kw)
    np.testing.assert_allclose(fused.data, steps.data, rtol=1e-12, atol=1e-14)
    u = ag.tensor(rng.standard_normal(fused.shape))
    inputs = xs + [b]
    for a, c in zip(ag.grad((fused * u).sum(), inputs), ag.grad((steps * u).sum(), inputs)):
        np.testing.assert_allclose(a.data, c.data, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_batch_sizes_run_each_sequence_over_its_own_length(mode, reverse):
    """With batch_sizes, row b is the recurrence over its first len_b steps alone: the same
    outputs there, the same final state (at its last step forward, at step 0 reverse), and
    the same gradients, with none reaching its padding."""
    rng = np.random.default_rng(1)
    lengths, g = [4, 3, 1], R.GATES[mode] * H
    xw, w, b = (ag.tensor(rng.standard_normal(s) * 0.7, requires_grad=True)
                for s in [(4, 3, g), (g, H), (g,)])
    states = [ag.tensor(rng.standard_normal((3, H)) * 0.7, requires_grad=True)
              for _ in range(2 if mode == "LSTM" else 1)]
    y = ops.recurrence(xw, w, b, *states, mode=mode, reverse=reverse, batch_sizes=(3, 2, 2, 1))
    u = rng.standard_normal(y.shape)
    for i, n in enumerate(lengths):
        u[n:4, i] = 0                                      # padding outputs are not used
    inputs = [xw, w, b] + states
    grads = ag.grad((y * ag.tensor(u)).sum(), inputs)
    loss = 0
    for i, n in enumerate(lengths):
        one = ops.recurrence(xw[:n, i:i + 1], w, b, *(s[i:i + 1] for s in states), mode=mode,
                             reverse=reverse)
        np.testing.assert_allclose(y.data[:n, i], one.data[:n, 0], rtol=1e-12)
        last = 0 if reverse else n - 1
        np.testing.assert_allclose(y.data[0 if reverse else 3, i], one.data[last, 0],
                                   rtol=1e-12)
        loss = loss + (one[:n, 0] * ag.tensor(u[:n, i])).sum()
        if mode == "LSTM":                                 # c_n after the sequence's end
            np.testing.assert_allclose(y.data[4, i], one.data[n, 0], rtol=1e-12)
            loss = loss + (one[n, 0] * ag.tensor(u[4, i])).sum()
    for got, want in zip(grads, ag.grad(loss, inputs)):
        np.testing.assert_allclose(got.data, want.data, rtol=1e-10, atol=1e-12)
    assert not grads[0].data[1:, 2].any() and not grads[0].data[3:, 1].any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_cell_forward_kernel_matches_numpy(dtype):
    rng = np.random.default_rng(4)
    a, x = ((rng.standard_normal((3, 4 * 5)) * 2).astype(dtype) for _ in range(2))
    c_prev = rng.standard_normal((3, 5)).astype(dtype)
    pre = a.astype(np.float64) + x
    sig = 1 / (1 + np.exp(-pre))
    i, f, o, g = sig[:, :5], sig[:, 5:10], sig[:, 15:], np.tanh(pre[:, 10:15])
    c = f * c_prev + i * g
    c_new, tc, h = (np.empty((3, 5), dtype) for _ in range(3))
    _nn_kernels.lstm_cell_forward(a, x, c_prev, c_new, tc, h)
    tol = dict(rtol=20 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)
    np.testing.assert_allclose(a, np.concatenate([i, f, g, o], 1), **tol)
    np.testing.assert_allclose(c_new, c, **tol)
    np.testing.assert_allclose(tc, np.tanh(c), **tol)
    np.testing.assert_allclose(h, o * np.tanh(c), **tol)
    assert a.dtype == c_new.dtype == h.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_cell_backward_kernel_matches_numpy(dtype):
    rng = np.random.default_rng(5)
    a, tc, c_prev, dh, dc = (rng.uniform(-1, 1, s).astype(dtype)
                             for s in [(3, 8), (3, 2), (3, 2), (3, 2), (3, 2)])
    i, f, g, o = (a[:, k * 2:(k + 1) * 2] for k in range(4))
    c = dc + dh * o * (1 - tc * tc)
    ref = np.concatenate([c * g * i * (1 - i), c * c_prev * f * (1 - f), c * i * (1 - g * g),
                          dh * tc * o * (1 - o)], 1)
    d = np.empty_like(a)
    _nn_kernels.lstm_cell_backward(a, tc, c_prev, dh, dc, d)
    np.testing.assert_allclose(d, ref, rtol=4 * np.finfo(dtype).eps, atol=0)
    np.testing.assert_allclose(dc, c * f, rtol=4 * np.finfo(dtype).eps, atol=0)
    assert d.dtype == dtype


def test_one_bptt_serves_every_input_and_a_second_backward():
    rng = np.random.default_rng(1)
    xw, w, h0 = (ag.tensor(rng.standard_normal(s), requires_grad=True)
                 for s in ((T, B, H), (H, H), (B, H)))
    y = ops.recurrence(xw, w, None, h0).sum()
    y.backward(retain_graph=True)
    first = [t.grad.numpy().copy() for t in (xw, w, h0)]
    y.backward()
    for t, g in zip((xw, w, h0), first):
        np.testing.assert_allclose(t.grad.data, 2 * g)


def test_data_inputs_and_float32():
    rng = np.random.default_rng(2)
    xw = rng.standard_normal((4, 3, 8)).astype(np.float32)
    w = ag.tensor(rng.standard_normal((8, 2)).astype(np.float32), requires_grad=True)
    y = ops.recurrence(xw, w, mode="LSTM")
    assert y.shape == (5, 3, 2) and y.dtype == np.float32
    y.sum().backward()
    assert w.grad.dtype == np.float32
    plain = ops.recurrence(xw, w.detach().numpy(), mode="LSTM")          # no Tensor: plain arrays
    assert isinstance(plain, np.ndarray)
    np.testing.assert_array_equal(plain, y.data)


@pytest.mark.parametrize("kwargs,message", [
    (dict(mode="LSTM2"), "mode must be one of"),
    (dict(w_hh=np.zeros((6, 2))), r"LSTM needs w_hh of shape \(4 \* H, H\), got \(6, 2\)"),
    (dict(xw=np.zeros((0, 2, 8))), r"xw must be \(T >= 1, B, 8\), got \(0, 2, 8\)"),
    (dict(b_hh=np.zeros(4)), r"b_hh must be \(8,\), got \(4,\)"),
    (dict(h0=np.zeros((3, 2))), r"h0 must be \(2, 2\), got \(3, 2\)"),
    (dict(batch_sizes=[2, 1]), r"batch_sizes must be 3 non-increasing counts in \[1, 2\], "
                               r"got \[2, 1\]"),
    (dict(batch_sizes=[1, 2, 2]), r"batch_sizes must be 3 non-increasing"),
    (dict(batch_sizes=[2, 1, 0]), r"batch_sizes must be 3 non-increasing"),
])
def test_bad_arguments(kwargs, message):
    args = {**dict(xw=np.zeros((3, 2, 8)), w_hh=np.zeros((8, 2)), mode="LSTM"), **kwargs}
    with pytest.raises(ValueError, match=message):
        ops.recurrence(**args)
    with pytest.raises(ValueError, match="c0 is only for LSTM"):
        ops.recurrence(np.zeros((3, 2, 2)), np.zeros((2, 2)), c0=np.zeros((2, 2)))
