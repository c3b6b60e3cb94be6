"""Elementwise ops: gradient rows, forward against NumPy, subgradient conventions."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check, positive, away_from_zero

B = [(3, 4), (4,)]                    # broadcasting pair
GRAD_ROWS = [
    Row("add", lambda a, b: a + b, B),
    Row("add", lambda a, b: a + b, [(2, 1, 3), (4, 1)], id="both-broadcast"),
    Row("sub", lambda a, b: a - b, B),
    Row("sub", lambda a: 1.5 - a, [(3,)], id="reflected"),
    Row("mul", lambda a, b: a * b, B),
    Row("mul", lambda a, b: a * a * b, [(2, 3), (2, 3)], id="reused"),
    Row("div", lambda a, b: a / b, B, domain=positive),
    Row("div", lambda a: 2.0 / a, [(3,)], domain=positive, id="reflected"),
    Row("neg", lambda a: -a, [(2, 3)]),
    Row("pow", lambda a, b: a ** b, B, domain=positive),
    Row("pow", lambda a: a ** 3, [(2, 3)], id="scalar-exponent"),
    Row("pow", lambda a: 2.0 ** a, [(2, 3)], id="scalar-base"),
    Row("remainder", lambda a, b: a % b, B, domain=lambda xs: [xs[0] * 3 + 0.05, positive(xs[1:])[0] + 1.01]),
    Row("exp", lambda a: a.exp(), [(2, 3)]),
    Row("expm1", lambda a: a.expm1(), [(2, 3)]),
    Row("sin", lambda a: a.sin(), [(2, 3)]),
    Row("cos", lambda a: a.cos() * a, [(2, 3)]),
    Row("log", lambda a: a.log(), [(2, 3)], domain=positive),
    Row("log1p", lambda a: a.log1p(), [(2, 3)], domain=positive),
    Row("sqrt", lambda a: a.sqrt(), [(2, 3)], domain=positive),
    Row("abs", lambda a: a.abs(), [(2, 3)], domain=away_from_zero),
    Row("sign", lambda a: a.sign() * a, [(2, 3)], domain=away_from_zero),
    Row("tanh", lambda a: a.tanh(), [(2, 3)]),
    Row("sigmoid", lambda a: a.sigmoid(), [(2, 3)]),
    Row("relu", lambda a: a.relu(), [(2, 3)], domain=away_from_zero),
    Row("leaky_relu", lambda a: ops.leaky_relu(a, 0.2), [(2, 3)], domain=away_from_zero),
    Row("softplus", lambda a: ops.softplus(a * 10, beta=0.5, threshold=3), [(2, 3)]),
    Row("logaddexp", lambda a, b: ops.logaddexp(a, b), B),
    Row("maximum", lambda a, b: ops.maximum(a, b), B),
    Row("minimum", lambda a, b: ops.minimum(a, b), B),
    Row("clamp", lambda a: a.clamp(-0.5, 0.5), [(3, 4)],
        domain=lambda xs: [np.where(np.abs(np.abs(x) - 0.5) < 0.05, x * 1.3, x) for x in xs]),
    Row("clamp", lambda a: ops.clamp(a, min=0.1), [(5,)], domain=away_from_zero, id="min-only"),
    Row("where", lambda a, b: ops.where(a.data > 0, a, b), B),
    Row("astype", lambda a: ops.astype(a, np.float64) * a, [(2, 3)]),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


UNARY = ["exp", "expm1", "log", "log1p", "sqrt", "abs", "sign", "sin", "cos", "tanh"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", UNARY)
def test_unary_forward_matches_numpy(name, dtype):
    x = np.random.default_rng(0).uniform(0.1, 3, (4, 5)).astype(dtype)
    y = getattr(ops, name)(ag.tensor(x))
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, getattr(np, name)(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op,ref", [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                                    ("div", np.true_divide), ("pow", np.power),
                                    ("maximum", np.maximum), ("minimum", np.minimum),
                                    ("logaddexp", np.logaddexp)])
def test_binary_forward_matches_numpy(op, ref, dtype):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 2, (3, 4)).astype(dtype), rng.uniform(0.5, 2, (4,)).astype(dtype)
    y = getattr(ops, op)(ag.tensor(a), ag.tensor(b))
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, ref(a, b))


def _grad(f, x):
    x = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f(x).sum().backward()
    return x.grad.data


def test_kinks_have_documented_finite_subgradients():
    zero = np.zeros(3)
    assert np.array_equal(_grad(ops.abs, zero), zero)
    assert np.array_equal(_grad(ops.relu, zero), zero)
    assert np.array_equal(_grad(ops.sqrt, zero), zero)
    assert np.array_equal(_grad(lambda x: x ** 0, zero), zero)
    g = _grad(lambda x: ops.maximum(x, ag.tensor(np.zeros(3))), zero)
    assert np.array_equal(g, np.full(3, 0.5))


def test_sigmoid_and_softplus_do_not_overflow():
    x = ag.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    s = ops.sigmoid(x)
    np.testing.assert_allclose(s.data, [0, 1.9287498479639178e-22, 0.5, 1, 1])
    (s + ops.softplus(x)).sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(ops.softplus(x).data[[0, -1]], [0, 1000])


def test_floor_divide_is_not_differentiable():
    x = ag.tensor([3.0, 7.0], requires_grad=True)
    assert not (x // 2).requires_grad
    np.testing.assert_array_equal((x // 2).data, [1, 3])


def test_astype_gradient_comes_back_in_the_input_dtype():
    x = ag.tensor(np.ones(3), requires_grad=True)            # float64
    y = x.float() * 2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [2, 2, 2])
    assert not x.astype(np.int64).requires_grad


def test_logaddexp_matches_pytorch_at_extremes():
    torch = pytest.importorskip("torch")
    a = np.array([-np.inf, -np.inf, 1e4, -1e4, 0.0, 3.0])
    b = np.array([-np.inf, 2.0, 1e4, 1e4, np.inf, -np.inf])
    ours = [ag.tensor(v, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    y, yt = ops.logaddexp(*ours), torch.logaddexp(*theirs)
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    u = np.random.default_rng(0).standard_normal(len(a))
    with np.errstate(invalid="ignore"):             # -inf - -inf: nan, as in PyTorch
        y.backward(u)
    yt.backward(torch.tensor(u))
    for m, t in zip(ours, theirs):
        np.testing.assert_allclose(m.grad.data, t.grad.numpy(), equal_nan=True)
