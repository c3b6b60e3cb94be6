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


def call(mode, reverse=False, bias=True):
    def f(xw, w, *rest):
        b, rest = (rest[0], rest[1:]) if bias else (None, rest)
        return ops.recurrence(xw, w, b, *rest, mode=mode, reverse=reverse)
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
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_loop_equals_the_composed_steps(mode, reverse):
    rng = np.random.default_rng(0)
    xs = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes(mode)]
    b = xs.pop(2)
    fused = ops.recurrence(xs[0], xs[1], b, *xs[2:], mode=mode, reverse=reverse)
    steps = R.recurrence_steps(xs[0], xs[1], b, *xs[2:], mode=mode, reverse=reverse)
    np.testing.assert_allclose(fused.data, steps.data, rtol=1e-12, atol=1e-14)
    u = ag.tensor(rng.standard_normal(fused.shape))
    inputs = xs + [b]
    for a, c in zip(ag.grad((fused * u).sum(), inputs), ag.grad((steps * u).sum(), inputs)):
        np.testing.assert_allclose(a.data, c.data, rtol=1e-10, atol=1e-12)


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
    first = [t.grad.data.copy() for t in (xw, w, h0)]
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
    plain = ops.recurrence(xw, w.data, mode="LSTM")          # no Tensor: plain arrays
    assert isinstance(plain, np.ndarray)
    np.testing.assert_array_equal(plain, y.data)


@pytest.mark.parametrize("kwargs,message", [
    (dict(mode="LSTM2"), "mode must be one of"),
    (dict(w_hh=np.zeros((6, 2))), r"LSTM needs w_hh of shape \(4 \* H, H\), got \(6, 2\)"),
    (dict(xw=np.zeros((0, 2, 8))), r"xw must be \(T >= 1, B, 8\), got \(0, 2, 8\)"),
    (dict(b_hh=np.zeros(4)), r"b_hh must be \(8,\), got \(4,\)"),
    (dict(h0=np.zeros((3, 2))), r"h0 must be \(2, 2\), got \(3, 2\)"),
])
def test_bad_arguments(kwargs, message):
    args = {**dict(xw=np.zeros((3, 2, 8)), w_hh=np.zeros((8, 2)), mode="LSTM"), **kwargs}
    with pytest.raises(ValueError, match=message):
        ops.recurrence(**args)
    with pytest.raises(ValueError, match="c0 is only for LSTM"):
        ops.recurrence(np.zeros((3, 2, 2)), np.zeros((2, 2)), c0=np.zeros((2, 2)))
