"""Activations of nn.functional: gradient rows, PyTorch parity, stability at extreme inputs."""
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
import ops
from ops import _nn_kernels
from gradrows import Row, check, away_from_zero


def _off_kinks(points):
    """Inputs at least 0.05 away from each kink in `points` (scaled by 3 to cover them)."""
    def domain(xs):
        out = []
        for x in xs:
            x = x * 3
            for k in points:
                x = np.where(np.abs(x - k) < 0.05, x + 0.1, x)
            out.append(x)
        return out
    return domain


GRAD_ROWS = [
    Row("erf", lambda x: ops.erf(x), [(3, 4)]),
    Row("hardtanh", lambda x: F.hardtanh(x, -0.5, 1.0), [(3, 4)], domain=_off_kinks([-0.5, 1.0])),
    Row("hardtanh", lambda x: F.relu6(x * 3), [(3, 4)], domain=_off_kinks([0.0, 2.0]),
        id="relu6"),
    Row("elu", lambda x: F.elu(x, 0.7), [(3, 4)], domain=away_from_zero),
    Row("elu", lambda x: F.selu(x), [(3, 4)], domain=away_from_zero, id="selu"),
    Row("gelu", lambda x: F.gelu(x), [(3, 4)]),
    Row("gelu", lambda x: F.gelu(x, approximate="tanh"), [(3, 4)], id="tanh"),
    Row("silu", lambda x: F.silu(x), [(3, 4)]),
    Row("where", lambda x, w: F.prelu(x, w), [(2, 3, 4), (3,)], domain=away_from_zero,
        id="prelu-per-channel"),
    Row("where", lambda x, w: F.prelu(x, w), [(5,), (1,)], domain=away_from_zero,
        id="prelu-shared"),
    Row("softmax", lambda x: F.softmax(x, dim=1), [(2, 3, 4)]),
    Row("softmax", lambda x: F.softmax(x, dim=-1) * x, [(3, 5)], id="last-dim-reused"),
    Row("log_softmax", lambda x: F.log_softmax(x, dim=0), [(4, 3)]),
    Row("log_softmax", lambda x: F.log_softmax(x, dim=2), [(2, 3, 4)], id="dim2"),
    Row("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [(3, 4)], domain=away_from_zero,
        id="functional"),
    Row("softplus", lambda x: F.softplus(x, beta=2.0), [(3, 4)], id="functional"),
    Row("softplus", lambda x: F.logsigmoid(x), [(3, 4)], id="logsigmoid"),
    Row("softplus", lambda x: F.mish(x), [(3, 4)], id="mish"),
    Row("abs", lambda x: F.softsign(x), [(3, 4)], domain=away_from_zero, id="softsign"),
    Row("tanh", lambda x: F.tanhshrink(x), [(3, 4)], id="tanhshrink"),
    Row("hardtanh", lambda x: F.hardsigmoid(x * 3), [(3, 4)], domain=_off_kinks([-1.0, 1.0]),
        id="hardsigmoid"),
    Row("hardtanh", lambda x: F.hardswish(x * 3), [(3, 4)], domain=_off_kinks([-1.0, 1.0]),
        id="hardswish"),
    Row("where", lambda x: F.threshold(x, 0.1, -2.0), [(3, 4)], domain=_off_kinks([0.1]),
        id="threshold"),
    Row("sigmoid", lambda x: F.glu(x, 1), [(3, 4, 2)], id="glu"),
    Row("clamp", lambda x: F.normalize(x, dim=-1), [(3, 4)], id="normalize"),
    Row("clamp", lambda x: F.normalize(x, p=1.0, dim=0), [(3, 4)], domain=away_from_zero,
        id="normalize-p1"),
    Row("softmax", lambda x: F.softmin(x, 1), [(3, 4)], id="softmin"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


def test_erf_kernel_matches_math_erf():
    x = np.linspace(-6, 6, 101)
    np.testing.assert_allclose(_nn_kernels.erf(x), [math.erf(v) for v in x], rtol=1e-15)
    assert _nn_kernels.erf(x.astype(np.float32).reshape(1, 101)).dtype == np.float32


def _exp_shifted_reference(x):
    m = np.max(x, axis=1)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(invalid="ignore"):
        e = np.exp(x - m[:, None])
    return e, m, e.sum(1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernels_match_numpy(dtype):
    x = np.array([-2.0, -0.0, 0.0, 1.5, np.nan, np.inf, -np.inf, 3e-39], dtype)
    x = np.concatenate([x, np.random.default_rng(2).standard_normal(37).astype(dtype)])
    y = _nn_kernels.relu_flat(x, np.empty_like(x))
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert not np.signbit(y).any()                                 # relu(-0.0) is +0.0 there
    g = np.random.default_rng(3).standard_normal(x.size).astype(dtype)
    np.testing.assert_array_equal(_nn_kernels.relu_grad_flat(g, y, np.empty_like(g)),
                                  g * ~(y <= 0))                    # NaN passes g, as PyTorch


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_grad_rows_kernel_matches_numpy(dtype):
    rng = np.random.default_rng(4)
    g, x = (rng.standard_normal((5, 19)).astype(dtype) for _ in range(2))
    y = (np.exp(x) / np.exp(x).sum(1, keepdims=True)).astype(dtype)
    y[2] = np.nan                                                   # a NaN row stays NaN
    out = _nn_kernels.softmax_grad_rows(g, y, np.empty_like(g))
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(out, y * (g - (g * y).sum(1, keepdims=True)), **tol)


def test_relu_on_strided_and_integer_input_takes_numpy():
    x = ag.tensor(np.arange(-6.0, 6.0).reshape(3, 4)[:, ::2], requires_grad=True)
    y = ops.relu(x)
    y.backward(ag.tensor(np.ones((3, 2))))
    np.testing.assert_array_equal(x.grad.numpy(), (x.detach().numpy() > 0) * 1.0)
    assert ops.relu(ag.tensor(np.array([-1, 2]))).numpy().tolist() == [0, 2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_shifted_rows_kernel_matches_numpy(dtype):
    x = (np.random.default_rng(2).standard_normal((7, 37)) * 30).astype(dtype)
    x[1, 3] = np.nan                                # a NaN row: m is 0, e and s NaN
    x[2] = -np.inf                                  # all -inf: m 0, e and s 0
    x[3, 5] = np.inf                                # +inf: m 0, s not finite
    x[4] = 1e4                                      # large but equal: e 1, s 37
    x[5, :30] = -1e4                                # exp(-2e4) underflows to 0
    e, m, s = np.empty_like(x), np.empty(7, dtype), np.empty(7, dtype)
    _nn_kernels.exp_shifted_rows(x, e, m, s)
    ref_e, ref_m, ref_s = _exp_shifted_reference(x)
    np.testing.assert_array_equal(m, ref_m)
    tol = 5e-7 if dtype == np.float32 else 1e-15
    tiny = np.finfo(dtype).tiny                     # subnormal results are flushed to 0
    ok = [0, 2, 4, 5, 6]
    np.testing.assert_allclose(e[ok], ref_e[ok], rtol=tol, atol=tiny)
    np.testing.assert_allclose(s[ok], ref_s[ok], rtol=tol, atol=0)
    assert np.isnan(e[1, 3]) and np.isnan(s[1]) and not np.isfinite(s[3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scale_rows_kernel_and_times_rows_match_numpy(dtype):
    rng = np.random.default_rng(3)
    a, c = rng.standard_normal((4, 5, 6)).astype(dtype), rng.standard_normal((4, 5, 1))
    out = _nn_kernels.scale_rows(a.reshape(20, 6), c.reshape(20).astype(dtype),
                                 np.empty((20, 6), dtype))
    np.testing.assert_array_equal(out, (a * c.astype(dtype)).reshape(20, 6))
    for cc in (c, c[:, :1]):                        # row scaling, then a plain broadcast
        got = ops.activation.times_rows(a, cc.astype(dtype))
        np.testing.assert_array_equal(got, a * cc.astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_shifted_scaled_rows_kernel_and_exp_shifted_times_match_numpy(dtype):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((4, 5, 6)) * 30).astype(dtype)
    c = rng.standard_normal((4, 5, 1)).astype(dtype)
    for m in (x.max(-1, keepdims=True), np.log(np.exp(x.astype(np.float64)).sum(-1,
                                                                           keepdims=True))):
        m = m.astype(dtype)
        out = _nn_kernels.exp_shifted_scaled_rows(x.reshape(20, 6), m.reshape(20),
                                                  c.reshape(20), np.empty((20, 6), dtype))
        tol = 5e-7 if dtype == np.float32 else 1e-15
        ref = np.exp(x - m) * c
        np.testing.assert_allclose(out.reshape(x.shape), ref, rtol=tol,
                                   atol=np.finfo(dtype).tiny)
        np.testing.assert_allclose(ops.activation.exp_shifted_times(x, m, c), ref, rtol=tol,
                                   atol=np.finfo(dtype).tiny)
    m0 = x.max(0, keepdims=True)                    # not along the last axis: NumPy's path
    np.testing.assert_array_equal(ops.activation.exp_shifted_times(x, m0, 2.0),
                                  np.exp(x - m0) * 2.0)


# (our call, torch call) pairs on one input
CASES = {
    "relu": (lambda x: F.relu(x), lambda t, x: t.relu(x)),
    "relu6": (lambda x: F.relu6(x), lambda t, x: t.nn.functional.relu6(x)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    "elu": (lambda x: F.elu(x, 1.3), lambda t, x: t.nn.functional.elu(x, 1.3)),
    "selu": (lambda x: F.selu(x), lambda t, x: t.nn.functional.selu(x)),
    "gelu": (lambda x: F.gelu(x), lambda t, x: t.nn.functional.gelu(x)),
    "gelu-tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    "silu": (lambda x: F.silu(x), lambda t, x: t.nn.functional.silu(x)),
    "softplus": (lambda x: F.softplus(x, 2.0, 5.0),
                 lambda t, x: t.nn.functional.softplus(x, 2.0, 5.0)),
    "sigmoid": (lambda x: F.sigmoid(x), lambda t, x: t.sigmoid(x)),
    "tanh": (lambda x: F.tanh(x), lambda t, x: t.tanh(x)),
    "hardtanh": (lambda x: F.hardtanh(x, -2.0, 3.0),
                 lambda t, x: t.nn.functional.hardtanh(x, -2.0, 3.0)),
    "softmax": (lambda x: F.softmax(x, 1), lambda t, x: t.softmax(x, 1)),
    "softmax-dim0": (lambda x: F.softmax(x, 0), lambda t, x: t.softmax(x, 0)),
    "log_softmax": (lambda x: F.log_softmax(x, -1), lambda t, x: t.log_softmax(x, -1)),
    "softmin": (lambda x: F.softmin(x, 0), lambda t, x: t.nn.functional.softmin(x, 0)),
    "logsigmoid": (lambda x: F.logsigmoid(x), lambda t, x: t.nn.functional.logsigmoid(x)),
    "softsign": (lambda x: F.softsign(x), lambda t, x: t.nn.functional.softsign(x)),
    "tanhshrink": (lambda x: F.tanhshrink(x), lambda t, x: t.nn.functional.tanhshrink(x)),
    "hardsigmoid": (lambda x: F.hardsigmoid(x), lambda t, x: t.nn.functional.hardsigmoid(x)),
    "hardswish": (lambda x: F.hardswish(x), lambda t, x: t.nn.functional.hardswish(x)),
    "mish": (lambda x: F.mish(x), lambda t, x: t.nn.functional.mish(x)),
    "threshold": (lambda x: F.threshold(x, 0.5, -2.0),
                  lambda t, x: t.nn.functional.threshold(x, 0.5, -2.0)),
    "glu": (lambda x: F.glu(ops.cat([x, x * 0.5], 1), 1),
            lambda t, x: t.nn.functional.glu(t.cat([x, x * 0.5], 1), 1)),
    "normalize": (lambda x: F.normalize(x), lambda t, x: t.nn.functional.normalize(x)),
    "normalize-p3-dim0": (lambda x: F.normalize(x, 3.0, 0),
                          lambda t, x: t.nn.functional.normalize(x, 3.0, 0)),
}


def _both(ours, theirs, xs, torch, grad_seed=0):
    """Values and input gradients (for a random upstream gradient) of both frameworks."""
    ts = [ag.tensor(x, requires_grad=True) for x in xs]
    pts = [torch.tensor(x, requires_grad=True) for x in xs]
    y, py = ours(*ts), theirs(torch, *pts)
    u = np.random.default_rng(grad_seed).standard_normal(y.shape).astype(y.dtype)
    y.backward(u)
    py.backward(torch.tensor(u))
    return (y.data, [t.grad.data for t in ts]), (py.detach().numpy(),
                                                 [t.grad.numpy() for t in pts])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(3).standard_normal((4, 6)) * 3).astype(dtype)
    x[0, :3] = [0.0, 6.0, -1.0]                        # kinks included
    (y, (g,)), (py, (pg,)) = _both(CASES[name][0], CASES[name][1], [x], torch)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert y.dtype == dtype and g.dtype == dtype
    np.testing.assert_allclose(y, py, rtol=tol, atol=tol)
    # PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32
    gtol = 1e-7 if name == "hardsigmoid" else tol
    np.testing.assert_allclose(g, pg, rtol=gtol, atol=gtol)


@pytest.mark.parametrize("wshape", [(1,), (3,)])
def test_prelu_matches_torch(wshape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 5)), rng.uniform(0.1, 0.5, wshape)
    x[0, 0, 0] = 0.0
    (y, gs), (py, pgs) = _both(F.prelu, lambda t, x, w: t.nn.functional.prelu(x, w), [x, w], torch)
    np.testing.assert_allclose(y, py, rtol=1e-12)
    for g, pg in zip(gs, pgs):
        np.testing.assert_allclose(g, pg, rtol=1e-12)


def test_softmax_default_dim_follows_torch():
    torch = pytest.importorskip("torch")
    for shape in [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 5)]:
        x = np.random.default_rng(0).standard_normal(shape)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            y = F.softmax(ag.tensor(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_allclose(y.data, torch.nn.functional.softmax(torch.tensor(x)).numpy())


def test_softmax_dtype_casts_first():
    y = F.log_softmax(ag.tensor(np.ones((2, 3), np.float32)), 1, dtype=np.float64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.data, -np.log(3.0))


EXTREME = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [-1e3, -1e3, -1e3]])


@pytest.mark.parametrize("name", sorted(CASES))
def test_stable_at_extreme_inputs(name):
    for dtype in (np.float32, np.float64):
        x = ag.tensor(EXTREME.astype(dtype), requires_grad=True)
        y = CASES[name][0](x)                  # RuntimeWarnings are errors in this suite
        y.backward(np.ones(y.shape, dtype))
        assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all(), name


def test_softmax_of_a_scalar_is_one():
    x = ag.tensor(np.float32(2.0), requires_grad=True)
    y = F.softmax(x, 0)
    assert y.shape == () and y.item() == 1
    assert F.log_softmax(x, -1).item() == 0
    y.backward()
    assert x.grad.item() == 0


def test_softmax_extremes_are_exact():
    y = F.softmax(ag.tensor(EXTREME), 1).data
    np.testing.assert_array_equal(y[0], [0, 0, 1])
    np.testing.assert_array_equal(y[1], [0.5, 0.5, 0])
    np.testing.assert_allclose(F.log_softmax(ag.tensor(EXTREME), 1).data[0], [-2e4, -1e4, 0])


def test_inplace_flag_returns_a_new_tensor():
    x = ag.tensor(np.array([-1.0, 2.0]))
    y = F.relu(x, inplace=True)
    assert y is not x and x.data[0] == -1.0


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        F.gelu(ag.tensor(np.ones(2)), approximate="fast")
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(2,\).*channel \(3\).*\(4, 3\)"):
        F.prelu(ag.tensor(np.ones((4, 3))), ag.tensor(np.ones(2)))
    with pytest.raises(ValueError, match="hardtanh: min_val 2 must not exceed max_val 1"):
        F.hardtanh(ag.tensor(np.ones(2)), 2, 1)
    for op in (ops.softmax, ops.log_softmax):
        with pytest.raises(IndexError, match=f"^{op.__name__}: dimension 1 out of range for a "
                                             "tensor of 1 dims"):
            op(ag.tensor(np.ones(3)), 1)
    assert F.log_softmax(ag.tensor(np.arange(3)), 0).dtype == np.float64   # integer input
    with pytest.raises(ValueError, match=r"glu: halving dimension must be even, but dimension "
                                         r"1 of input \(2, 3\) is size 3"):
        F.glu(ag.tensor(np.ones((2, 3))), 1)
