"""Reductions: gradient rows, forward against NumPy, tie and zero conventions, bad input, and
parity with PyTorch where it is installed."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check, away_from_zero, distinct, torch_parity

X = [(2, 3, 4)]


def distinct_abs(xs):
    """Inputs of both signs with distinct |x| >= 0.8: no ties for the inf-norms, no kinks."""
    return [(d + 2) * np.where(x < 0, -1, 1) for d, x in zip(distinct(xs), xs)]


GRAD_ROWS = [
    Row("sum", lambda x: x.sum(), X),
    Row("sum", lambda x: x.sum(1), X, id="dim"),
    Row("sum", lambda x: x.sum(-1, keepdim=True), X, id="negative-dim-keepdim"),
    Row("sum", lambda x: x.sum((0, 2)), X, id="tuple-dims"),
    Row("sum", lambda x: ops.sum(x, axis=(-1, 0), keepdims=True), X, id="numpy-spelling"),
    Row("sum", lambda x: x.sum(), [()], id="0-d"),
    Row("mean", lambda x: x.mean(), X),
    Row("mean", lambda x: x.mean((0, -1), keepdim=True), X, id="tuple-dims-keepdim"),
    Row("amax", lambda x: x.amax(), X, domain=distinct),
    Row("amax", lambda x: x.amax((0, 2), keepdim=True), X, domain=distinct, id="tuple-keepdim"),
    Row("amin", lambda x: x.amin(-2), X, domain=distinct),
    Row("amin", lambda x: ops.amin(x, axis=0), X, domain=distinct, id="numpy-spelling"),
    Row("amax", lambda x: x.max(), X, domain=distinct, id="max"),
    Row("amax", lambda x: x.max(1).values, X, domain=distinct, id="max-dim"),
    Row("amax", lambda x: x.max(-1, keepdim=True)[0], X, domain=distinct, id="max-dim-keepdim"),
    Row("amin", lambda x: x.min(), X, domain=distinct, id="min"),
    Row("amin", lambda x: ops.min(x, 0).values, X, domain=distinct, id="min-dim"),
    Row("var", lambda x: x.var(), X),
    Row("var", lambda x: x.var(1, correction=0), X, id="dim-correction-0"),
    Row("var", lambda x: x.var((0, 2), keepdim=True, correction=2), X, id="tuple-keepdim"),
    Row("var", lambda x: x.std(-1), X, id="std"),
    Row("var", lambda x: ops.std(x, axis=(0, 1), correction=0), X, id="std-population"),
    Row("cumsum", lambda x: x.cumsum(1), X),
    Row("cumsum", lambda x: ops.cumsum(x, -1) * x, X, id="last-reused"),
    Row("logsumexp", lambda x: x.logsumexp(), X),
    Row("logsumexp", lambda x: x.logsumexp(1, keepdim=True), X, id="dim-keepdim"),
    Row("logsumexp", lambda x: ops.logsumexp(x * 50 + 800, (0, -1)), X, id="large"),
    Row("sqrt", lambda x: x.norm(), X, id="norm-2"),
    Row("sqrt", lambda x: ops.norm(x, "fro", dim=(1, 2)), X, id="norm-fro-dims"),
    Row("abs", lambda x: x.norm(1, 1), X, domain=away_from_zero, id="norm-1"),
    Row("amax", lambda x: x.norm(np.inf, -1, keepdim=True), X, domain=distinct_abs, id="norm-inf"),
    Row("amin", lambda x: ops.norm(x, -np.inf), X, domain=distinct_abs, id="norm-minus-inf"),
    Row("pow", lambda x: x.norm(3, 0), X, domain=away_from_zero, id="norm-3"),
    Row("pow", lambda x: x.norm(0.5, (1, 2), keepdim=True), X, domain=away_from_zero,
        id="norm-half"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


def _data(dtype, shape=(3, 4, 5)):
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,ref", [("sum", np.sum), ("mean", np.mean), ("amax", np.max),
                                      ("amin", np.min),
                                      ("var", lambda x, **kw: np.var(x, ddof=1, **kw))])
@pytest.mark.parametrize("dim", [None, 1, -1, (0, 2)])
def test_forward_matches_numpy(name, ref, dim, dtype):
    x = _data(dtype)
    for keepdim in (False, True):
        y = getattr(ops, name)(ag.tensor(x), dim, keepdim=keepdim)
        expected = ref(x, axis=dim, keepdims=keepdim)
        assert y.dtype == dtype and y.shape == expected.shape
        np.testing.assert_array_equal(y.data, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_logsumexp_norm_arg_forward(dtype):
    x, t = _data(dtype), ag.tensor(_data(dtype))
    tol = dict(rtol=1e-6 if dtype == np.float32 else 1e-13)
    for y, expected in [(t.std(1), np.std(x, 1, ddof=1)),
                        (t.logsumexp((0, 2)), np.log(np.exp(x).sum((0, 2)))),
                        (t.norm(), np.linalg.norm(x.ravel())),
                        (t.norm(1, -1), np.linalg.norm(x, 1, -1)),
                        (t.norm(np.inf, 0), np.abs(x).max(0)),
                        (t.norm(3, 2, keepdim=True), np.linalg.norm(x, 3, 2, keepdims=True))]:
        assert y.dtype == dtype and y.shape == expected.shape
        np.testing.assert_allclose(y.data, expected, **tol)
    np.testing.assert_array_equal(t.argmax(1).data, x.argmax(1))
    np.testing.assert_array_equal(ops.argmin(t, -1, keepdim=True).data, x.argmin(-1, keepdims=True))
    assert t.argmax().item() == x.argmax() and not t.argmax().requires_grad


def test_a_0d_tensor_accepts_dim_0_and_minus_1():
    x = ag.tensor(np.float64(2.5), requires_grad=True)
    y = x.sum(0) + x.mean(-1, keepdim=True) + x.amax(0) + ops.logsumexp(x, (0,))
    assert y.shape == () and y.item() == 10
    y.backward()
    assert x.grad.item() == 4


def _grad(f, x):
    x = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f(x).sum().backward()
    return x.grad.data


def test_ties_share_the_gradient_evenly():
    x = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]
    np.testing.assert_array_equal(_grad(lambda x: x.max(), [1.0, 3.0, 3.0]), [0, 0.5, 0.5])
    np.testing.assert_array_equal(_grad(lambda x: x.max(1).values, x),
                                  [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_array_equal(_grad(lambda x: x.min(1).values, x),
                                  [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_array_equal(_grad(lambda x: x.amax(0), x), [[0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(_grad(lambda x: x.norm(np.inf), [-2.0, 2.0, 1.0]),
                                  [-0.5, 0.5, 0])
    values, indices = ops.max(ag.tensor(np.array(x)), 1)
    np.testing.assert_array_equal(indices.data, [1, 0])
    assert indices.dtype == np.int64 and not indices.requires_grad


@pytest.mark.parametrize("f", [lambda x: x.norm(), lambda x: x.norm(3), lambda x: x.norm(0.5),
                               lambda x: x.norm(1), lambda x: x.norm(np.inf),
                               lambda x: x.std(), lambda x: x.std(0, correction=0)],
                         ids=["norm-2", "norm-3", "norm-half", "norm-1", "norm-inf", "std",
                              "std-population"])
def test_gradient_at_zero_is_zero_not_nan(f):
    np.testing.assert_array_equal(_grad(f, np.zeros(3)), np.zeros(3))


def test_norm_half_is_finite_at_zero_elements():
    g = _grad(lambda x: x.norm(0.5), [0.0, 1.0, 4.0])
    np.testing.assert_allclose(g, [0, 3, 1.5])          # (sum sqrt|x|) / sqrt|x| = 3 / sqrt|x|


def test_std_of_a_constant_has_zero_gradient():
    np.testing.assert_array_equal(_grad(lambda x: x.std(), np.full(4, 2.0)), np.zeros(4))


def test_logsumexp_is_stable():
    x = ag.tensor(np.array([[1000.0, 1000.0], [-1000.0, -np.inf]]), requires_grad=True)
    y = x.logsumexp(1)
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.5], [1, 0]])
    assert ops.logsumexp(np.full(3, -np.inf)) == -np.inf


def test_var_without_degrees_of_freedom_is_nan_as_in_pytorch():
    x = ag.tensor(np.array([1.5]), requires_grad=True)
    with pytest.warns(RuntimeWarning, match=r"var: degrees of freedom 1 - correction 1 <= 0"):
        y = x.var()
    assert np.isnan(y.item())
    y.backward()
    assert np.isnan(x.grad.item())


def test_reduction_of_a_float32_tensor_has_a_float32_gradient():
    x = ag.tensor(_data(np.float32), requires_grad=True)
    (x.var(0).sum() + x.logsumexp(1).sum() + x.amax() + x.norm(3)).backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


@pytest.mark.parametrize("call,exc,message", [
    (lambda x: x.sum(2), IndexError, r"sum: dimension 2 out of range for a tensor of 2 dims"),
    (lambda x: x.mean(-3), IndexError, r"mean: dimension -3 out of range"),
    (lambda x: x.var((0, -2)), ValueError, r"var: dimension repeated in \(0, -2\)"),
    (lambda x: x.amax((1, 5)), IndexError, r"amax: dimension 5 out of range"),
    (lambda x: x.max((0, 1)), TypeError, r"max: dim must be an int, got \(0, 1\)"),
    (lambda x: x.min(2), IndexError, r"min: dimension 2 out of range"),
    (lambda x: x.argmax(-3), IndexError, r"argmax: dimension -3 out of range for a tensor of 2"),
    (lambda x: ops.norm(x, "nuc"), ValueError, r"norm: unsupported order p='nuc'"),
    (lambda x: x.norm("inf"), ValueError, r"norm: unsupported order p='inf'"),
    (lambda x: x.logsumexp(3), IndexError, r"logsumexp: dimension 3 out of range"),
])
def test_bad_input(call, exc, message):
    with pytest.raises(exc, match="^" + message):
        call(ag.tensor(np.ones((2, 3)), requires_grad=True))


# ---- parity with PyTorch ----------------------------------------------------------------

A = distinct([np.zeros((3, 4, 5))])[0]
B = distinct_abs([np.random.default_rng(3).standard_normal((3, 4, 5))])[0]


@pytest.mark.parametrize("dim,keepdim", [(1, False), (-1, True), (0, False)])
def test_max_min_with_dim_match_torch(dim, keepdim):
    torch_parity(lambda x: x.max(dim, keepdim), lambda x: x.max(dim, keepdim), A)
    torch_parity(lambda x: ops.min(x, dim, keepdim), lambda x: x.min(dim, keepdim), A)
    torch_parity(lambda x: (x.max(), x.min()), lambda x: (x.max(), x.min()), A)


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, True), ((0, 2), False)])
def test_var_std_match_torch(dim, keepdim, correction):
    X = np.random.default_rng(1).standard_normal((3, 4, 5))
    torch_parity(lambda x: (x.var(dim, keepdim=keepdim, correction=correction),
                            x.std(dim, keepdim=keepdim, correction=correction)),
                 lambda x: (x.var(dim, keepdim=keepdim, correction=correction),
                            x.std(dim, keepdim=keepdim, correction=correction)), X)


@pytest.mark.parametrize("dim,keepdim", [((0, 1, 2), False), (1, True), ((0, 2), False)])
def test_logsumexp_matches_torch(dim, keepdim):
    X = np.random.default_rng(2).standard_normal((3, 4, 5)) * 30
    torch_parity(lambda x: x.logsumexp(dim, keepdim), lambda x: x.logsumexp(dim, keepdim), X)


NORM_CASES = [(p, dim, keepdim) for p in [1, 2, np.inf, -np.inf, 3, 0.5]
              for dim, keepdim in [(None, False), (-1, True), ((0, 2), False)]]


@pytest.mark.parametrize("p,dim,keepdim",
                         NORM_CASES + [("fro", None, False), ("fro", (0, 2), True)])
def test_norm_matches_torch(p, dim, keepdim):
    torch_parity(lambda x: x.norm(p, dim, keepdim), lambda x: x.norm(p, dim, keepdim), B)
