"""Special functions and the elementwise math of issue 14: gradient rows, the kernels against
PyTorch and the standard library, and the edge values PyTorch defines."""
import math

import numpy as np
import pytest

import autograd as ag
import ops
from ops import _special_kernels as kernels
from gradrows import Row, check, positive, torch_parity


def _unit(xs):
    """Inputs in (-0.9, 0.9): the domain of asin, acos, atanh, erfinv."""
    return [np.tanh(x) * 0.9 for x in xs]


def _above_one(xs):
    return [np.abs(x) + 1.1 for x in xs]


S = [(2, 3)]
GRAD_ROWS = [
    Row("rsqrt", lambda x: x.rsqrt(), S, domain=positive),
    Row("tan", lambda x: x.tan(), S, domain=_unit),
    Row("asin", lambda x: x.asin(), S, domain=_unit),
    Row("acos", lambda x: x.acos(), S, domain=_unit),
    Row("atan", lambda x: x.atan(), S),
    Row("sinh", lambda x: x.sinh(), S),
    Row("cosh", lambda x: x.cosh(), S),
    Row("asinh", lambda x: x.asinh(), S),
    Row("acosh", lambda x: x.acosh(), S, domain=_above_one),
    Row("atanh", lambda x: x.atanh(), S, domain=_unit),
    Row("atan2", lambda a, b: ops.atan2(a, b), [(3, 4), (4,)], domain=positive),
    Row("lgamma", lambda x: x.lgamma(), S, domain=positive),
    Row("digamma", lambda x: x.digamma(), S, domain=positive),
    Row("polygamma", lambda x: ops.polygamma(2, x), S, domain=positive),
    Row("polygamma", lambda x: ops.polygamma(0, x), S, domain=positive, id="n-0"),
    Row("erfc", lambda x: x.erfc(), S),
    Row("erfcx", lambda x: x.erfcx(), S),
    Row("erfinv", lambda x: x.erfinv(), S, domain=_unit),
    Row("entr", lambda x: ops.entr(x), S, domain=positive),
    Row("i0", lambda x: x.i0() * 0.5, S),
    Row("i1", lambda x: ops.i1(x * 3), S),
    Row("i0e", lambda x: ops.i0e(x * 3), S),
    Row("i1e", lambda x: ops.i1e(x * 3), S),
    Row("xlogy", lambda a, b: ops.xlogy(a, b), [(3, 4), (4,)], domain=positive),
    Row("xlog1py", lambda a, b: ops.xlog1py(a, b), [(3, 4), (4,)], domain=positive),
    Row("fmod", lambda a, b: ops.fmod(a, b), [(3, 4), (4,)],
        domain=lambda xs: [xs[0] * 3 + 0.05, positive(xs[1:])[0] + 1.01]),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("name", ["lgamma", "erfc"])
def test_kernels_match_the_standard_library(name):
    x = np.array([-2.5, -0.5, 0.1, 1.0, 3.7, 40.0])
    np.testing.assert_allclose(getattr(kernels, name)(x), [getattr(math, name)(v) for v in x],
                               rtol=1e-13)


def test_special_functions_match_pytorch_at_poles_and_edges():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, -0.0, -1.0, -2.5, 1e-3, 0.5, 7.0, 123.4])
    for name in ("digamma", "lgamma"):
        np.testing.assert_allclose(getattr(kernels, name)(x),
                                   getattr(torch, name)(torch.tensor(x)).numpy(), rtol=1e-12)
    for n in (1, 2, 3):                 # away from the poles (tests/test_numerics.py)
        ours, theirs = kernels.polygamma(n, x[3:]), torch.polygamma(n, torch.tensor(x[3:]))
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8)
    y = np.array([-1.0, -0.999999, -0.3, 0.0, 0.7, 1.0, 1.5])
    np.testing.assert_allclose(kernels.erfinv(y), torch.erfinv(torch.tensor(y)).numpy(),
                               rtol=1e-9, atol=1e-12)


def test_compositions_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 0.5, -1.5], [2.0, -0.0, 3.0]])
    b = np.array([[1.0, 1.0, 2.0], [-0.5, 2.0, 1.5]])
    torch_parity(lambda x, y: (ops.xlogy(x, y.abs()), ops.hypot(x, y + 1), ops.sinc(x),
                               ops.copysign(x, y), ops.logaddexp2(x, y), ops.frac(x * 1.7)),
                 lambda x, y: (torch.xlogy(x, y.abs()), torch.hypot(x, y + 1), torch.sinc(x),
                               torch.copysign(x, y), torch.logaddexp2(x, y),
                               torch.frac(x * 1.7)), a, b)


def test_xlogy_at_zero_follows_pytorch():
    torch = pytest.importorskip("torch")
    with np.errstate(divide="ignore", invalid="ignore"):
        torch_parity(lambda x, y: (ops.xlogy(x, y), ops.xlog1py(x, y)),
                     lambda x, y: (torch.xlogy(x, y), torch.special.xlog1py(x, y)),
                     np.array([0.0, 0.0, 0.0, 1.5]), np.array([0.0, 2.0, -1.0, 0.5]))


def test_polygamma_refuses_a_negative_order():
    with pytest.raises(ValueError, match="polygamma: n must be a non-negative int"):
        ops.polygamma(-1, ag.tensor([1.0]))


def _bessel_by_quadrature(n, x):
    """exp(-|x|) I_n(x) = (1/pi) int_0^pi exp(|x| (cos t - 1)) cos(n t) dt (times sign(x) for
    n = 1): the trapezoid rule, spectrally accurate for this smooth periodic integrand."""
    t = np.linspace(0, np.pi, 4001)
    f = np.exp(np.abs(x)[:, None] * (np.cos(t) - 1)) * np.cos(n * t)
    value = (f[:, 1:-1].sum(1) + (f[:, 0] + f[:, -1]) / 2) / (len(t) - 1)
    return value * (np.sign(x) if n == 1 else 1)


@pytest.mark.parametrize("n", [0, 1])
def test_bessel_i_against_its_integral_and_numpy(n):
    # both sides of the switch from the power series to the asymptotic series at |x| = 20
    x = np.concatenate([np.linspace(-60, 60, 241), [0.0, 1e-8, 19.999, 20.0, 20.001]])
    # atol: the quadrature's sum of cos(t) terms cancels to x / 2 near 0, within 1e-17
    np.testing.assert_allclose(kernels.bessel_i(n, x, True), _bessel_by_quadrature(n, x),
                               rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(kernels.bessel_i(n, x, False),
                               _bessel_by_quadrature(n, x) * np.exp(np.abs(x)), rtol=1e-13,
                               atol=1e-16)
    if n == 0:
        np.testing.assert_allclose(kernels.bessel_i(0, x, False), np.i0(x), rtol=1e-14)


def test_bessel_i_matches_pytorch_with_gradients_at_zero():
    torch = pytest.importorskip("torch")
    x = np.array([-30.0, -20.0, -2.5, -0.0, 0.0, 1e-3, 0.5, 7.0, 19.5, 20.5, 100.0, 700.0])
    torch_parity(lambda t: (ops.i0(t), ops.i1(t), ops.i0e(t), ops.i1e(t)),
                 lambda t: (torch.special.i0(t), torch.special.i1(t), torch.special.i0e(t),
                            torch.special.i1e(t)), x)
    float32 = np.array([-5.0, 0.25, 3.0], np.float32)
    for name in ("i0", "i1", "i0e", "i1e"):
        ours = getattr(ops, name)(ag.tensor(float32))
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.data, getattr(torch.special, name)(
            torch.tensor(float32)).numpy(), rtol=2e-7)
    zero = ag.tensor([0.0], requires_grad=True)           # the limits at 0: 0, 1/2, 0, 1/2
    slopes = [ag.grad(getattr(ops, name)(zero).sum(), zero)[0].item()
              for name in ("i0", "i1", "i0e", "i1e")]
    assert slopes == [0.0, 0.5, 0.0, 0.5]

