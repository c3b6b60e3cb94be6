"""The edge-case table of docs/numerics.md, one test per row."""
import warnings

import numpy as np
import pytest

import autograd as ag
import ops
import nn.functional as F
from ops import _special_kernels


def value_and_grad(f, values, dtype=np.float64):
    x = ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)
    y = f(x)
    y.sum().backward()
    return y.data, x.grad.data


def test_log_of_zero():
    """Silent, as PyTorch: this suite turns every RuntimeWarning into an error."""
    y, g = value_and_grad(ops.log, [0.0])
    assert y[0] == -np.inf and g[0] == np.inf


def test_sqrt_of_zero():
    assert value_and_grad(ops.sqrt, [0.0]) == (0.0, 0.0)


def test_pow_at_zero():
    y, g = value_and_grad(lambda x: x ** 0.5, [0.0, 4.0])
    np.testing.assert_array_equal(y, [0, 2])
    np.testing.assert_array_equal(g, [0, 0.25])
    y, g = value_and_grad(lambda x: x ** 0, [0.0])
    assert (y[0], g[0]) == (1.0, 0.0)
    e = ag.tensor([0.0], requires_grad=True)
    (ag.tensor([0.0]) ** e).sum().backward()
    assert e.grad.data[0] == 0.0


def test_zero_over_zero():
    y, g = value_and_grad(lambda x: x / x, [0.0])
    assert np.isnan(y[0]) and np.isnan(g[0])


def test_integer_division_by_zero_raises():
    for op, name in ((lambda a, b: a // b, "floor_divide"), (lambda a, b: a % b, "remainder")):
        with pytest.raises(RuntimeError, match=f"^{name}: ZeroDivisionError"):
            op(ag.tensor([5, 6]), ag.tensor([2, 0]))
        y = op(ag.tensor([5.0]), 0)                       # floats: inf and nan, silently
        assert not np.isfinite(y.numpy()).any()


def test_special_values_are_silent_even_where_numpy_warnings_are_errors():
    """A causal mask log(tril(ones)) and the other special values: no RuntimeWarning, even
    under warnings.simplefilter("error") (NumPy's warnings are off inside these ops)."""
    x = ag.tensor([0.0, 2.0, -1.0, 1e3], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ys = [ag.log(ag.tril(ag.ones(3, 3))), ag.log1p(-x), ag.sqrt(-x), ag.asin(x), ag.acosh(x),
              ag.atanh(x), ag.exp(x), x ** -1, ag.rsqrt(x), ag.lgamma(-x), ag.xlogy(x, x),
              ag.fmod(x, 0), ag.zeros(0, 2).mean(0)]
        sum(y.sum() for y in ys[1:-1]).backward()
    assert ys[0][0, 1] == -np.inf and np.isnan(ys[-1].numpy()).all()


def test_overflow_in_mul_warns():
    """The documented exception: the hot-path ops add and mul keep NumPy's overflow warning."""
    with pytest.warns(RuntimeWarning, match="overflow"):
        ag.tensor([1e38], dtype=np.float32) * 10


def test_kinks_at_zero():
    assert value_and_grad(ops.abs, [0.0])[1][0] == 0.0
    assert value_and_grad(ops.relu, [0.0])[1][0] == 0.0


def test_norm_and_std_at_zero():
    y, g = value_and_grad(ops.norm, [0.0, 0.0])
    assert y == 0 and np.array_equal(g, [0, 0])
    y, g = value_and_grad(ops.std, [1.0, 1.0])
    assert y == 0 and np.array_equal(g, [0, 0])


def test_ties_split_evenly():
    for f in (ops.max, ops.amax, lambda x: ops.max(x, 0).values):
        np.testing.assert_array_equal(value_and_grad(f, [1.0, 1.0, 0.0])[1], [0.5, 0.5, 0])
    np.testing.assert_array_equal(value_and_grad(ops.min, [0.0, 1.0, 0.0])[1], [0.5, 0, 0.5])
    g = value_and_grad(lambda x: ops.maximum(x, ag.tensor([1.0, 0.0])), [1.0, 1.0])[1]
    np.testing.assert_array_equal(g, [0.5, 1])
    volume = np.zeros((1, 1, 1, 1, 2))                  # one window, two tied elements
    g = value_and_grad(lambda x: F.max_pool3d(x, (1, 1, 2)), volume)[1]
    np.testing.assert_array_equal(g.reshape(-1), [0.5, 0.5])


def test_polygamma_at_poles():
    from ops import _special_kernels as kernels
    torch = pytest.importorskip("torch")
    for n in (1, 2, 3):
        assert np.isinf(kernels.polygamma(n, np.array([0.0]))).all()
    theirs = torch.polygamma(1, torch.tensor([-1.0], dtype=torch.float64)).item()
    assert np.isinf(kernels.polygamma(1, np.array([-1.0]))[0]) and 1e32 < theirs < np.inf


def test_eigenvector_signs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((4, 4))
    a = a + a.T
    w, v = ag.linalg.eigh(ag.tensor(a), UPLO="U")
    np.testing.assert_allclose(a @ v.data, v.data * w.data, atol=1e-12)     # a V = V diag(w)
    np.testing.assert_allclose(v.data, np.linalg.eigh(a)[1])                # LAPACK's signs
    tv = torch.linalg.eigh(torch.tensor(a), UPLO="U").eigenvectors.numpy()
    np.testing.assert_allclose(np.abs(v.data), np.abs(tv), atol=1e-12)       # up to sign


def test_softmax_and_cross_entropy_at_1e4():
    logits = [[-1e4, 1e4, 0.0]]
    y, g = value_and_grad(lambda x: F.softmax(x, 1) * ag.tensor([[1.0, 2.0, 3.0]]), logits)
    np.testing.assert_array_equal(y, [[0, 2, 0]])
    assert np.all(np.isfinite(g))
    y, g = value_and_grad(lambda x: F.log_softmax(x, 1), logits)
    np.testing.assert_array_equal(y, [[-2e4, 0, -1e4]])
    assert np.all(np.isfinite(g))
    y, g = value_and_grad(lambda x: F.cross_entropy(x, ag.tensor([0])), logits)
    assert y == 2e4
    np.testing.assert_array_equal(g, [[-1, 1, 0]])


def test_softmax_flushes_subnormal_probabilities():
    x = np.array([[0.0, -100.0]], np.float32)              # exp(-100) = 3.7e-44: subnormal
    y, g = value_and_grad(lambda x: F.softmax(x, -1) * ag.tensor([[1.0, 2.0]]), x, np.float32)
    np.testing.assert_array_equal(y, [[1, 0]])
    np.testing.assert_array_equal(g, [[0, 0]])
    assert F.softmax(ag.tensor(x.T), 0).data[1, 0] > 0     # the NumPy path keeps it
    assert F.cross_entropy(ag.tensor(x), np.array([1])).item() == 100


def test_sigmoid_and_softplus_at_1000():
    y, g = value_and_grad(ops.sigmoid, [-1000.0, 1000.0])
    np.testing.assert_array_equal(y, [0, 1])
    np.testing.assert_array_equal(g, [0, 0])
    y, g = value_and_grad(ops.softplus, [-1000.0, 1000.0])
    np.testing.assert_array_equal(y, [0, 1000])
    np.testing.assert_array_equal(g, [0, 1])


def test_float16_is_supported():
    y, g = value_and_grad(lambda x: (x @ x.T).tanh(), [[0.5, 1.0]], np.float16)
    assert y.dtype == g.dtype == np.float16
    np.testing.assert_allclose(g, 2 * (1 - np.tanh(1.25) ** 2) * np.array([[0.5, 1.0]]),
                               rtol=2e-3)


def test_empty_batch():
    x = np.zeros((0, 3))
    y, g = value_and_grad(lambda t: t.tanh().sum(0), x)
    np.testing.assert_array_equal(y, [0, 0, 0])
    assert g.shape == (0, 3)
    y, g = value_and_grad(lambda t: t @ ag.tensor(np.ones((3, 2))), x)
    assert y.shape == (0, 2) and g.shape == (0, 3)
    y, g = value_and_grad(lambda t: F.cross_entropy(t, ag.tensor(np.zeros(0, np.int64)),
                                                    reduction="sum"), x)
    assert y == 0 and g.shape == (0, 3)
    w = ag.tensor(np.ones((4, 0)), requires_grad=True)     # no input features: y = 0
    y, g = value_and_grad(lambda t: F.linear(t, w), np.zeros((2, 3, 0)))
    assert y.shape == (2, 3, 4) and not y.any() and g.shape == (2, 3, 0)
    assert w.grad.shape == (4, 0)
    for dim in (0, 1):                              # softmax over the empty axis or along it
        for x_ in (x, x.T):
            y, g = value_and_grad(lambda t: F.softmax(t, dim) + F.log_softmax(t, dim), x_)
            assert y.shape == g.shape == x_.shape
    y, _ = value_and_grad(lambda t: t.mean(0), x)
    assert np.all(np.isnan(y))
    with pytest.raises(ValueError, match="^amax: "):
        ops.amax(ag.tensor(x), 0)


def test_non_contiguous_inputs():
    base = np.arange(12.0).reshape(3, 4)
    for view in (base[:, ::-1], base.T, base[::2, 1::2]):
        f = lambda t: (t @ t.T).tanh() * t.sum(1, keepdim=True)        # noqa: E731
        y, g = value_and_grad(f, view)
        y0, g0 = value_and_grad(f, np.ascontiguousarray(view))
        np.testing.assert_array_equal(y, y0)
        np.testing.assert_array_equal(g, g0)


def test_integer_inputs():
    i = ag.tensor([1, 2])
    y = ops.tanh(i)
    assert y.dtype == np.float64 and not y.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(y.data, np.tanh([1.0, 2.0]))


def test_bessel_i_overflow_and_infinities():
    """docs/numerics.md: I_n(+-inf) = +-inf where PyTorch gives NaN, and I_n stays finite up
    to where it overflows (|x| ~ 713.98), not only to where e^|x| does (709.78)."""
    big = _special_kernels.bessel_i(0, np.array([712.0, -712.0]), False)
    assert np.all(np.isfinite(big)) and big[0] == big[1]
    np.testing.assert_allclose(np.log(big[0]), 712 - 0.5 * np.log(2 * np.pi * 712), rtol=1e-6)
    assert np.isinf(_special_kernels.bessel_i(0, np.array([714.0]), False)).all()
    x = np.array([np.inf, -np.inf, np.nan])
    assert np.array_equal(_special_kernels.bessel_i(0, x, False), [np.inf, np.inf, np.nan], equal_nan=True)
    assert np.array_equal(_special_kernels.bessel_i(1, x, False), [np.inf, -np.inf, np.nan],
                          equal_nan=True)
    assert np.array_equal(_special_kernels.bessel_i(0, x, True), [0, 0, np.nan], equal_nan=True)
    scaled = _special_kernels.bessel_i(1, x, True)
    assert np.array_equal(scaled, [0, 0, np.nan], equal_nan=True) and np.signbit(scaled[1])


def test_cov_with_float32_weights():
    x = np.array([[-4.827, -7.5824, -0.6047], [-1.5412, -1.9719, -4.146]])
    w = np.array([0.3666, 0.0583, 0.7006], np.float32)
    ours = ops.cov(ag.tensor(x), aweights=ag.tensor(w, requires_grad=True))
    exact = ops.cov(ag.tensor(x), aweights=ag.tensor(w.astype(np.float64)))
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours.data, exact.data, rtol=1e-15)
