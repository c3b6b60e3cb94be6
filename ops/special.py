"""Elementwise math beyond the basics: inverse and hyperbolic trigonometry, atan2, the gamma
family (lgamma, digamma, polygamma), erfc, erfinv, the modified Bessel functions i0, i1 and
their scaled forms i0e, i1e, and the compositions PyTorch users reach for
(log2, exp2, sinc, xlogy, hypot, copysign, fmod, frac, logit, lerp, addcmul, ...).

Primitives carry their VJPs; the rest are compositions of ops, so their gradients (and
gradients of gradients) come with them. Values, NaN and infinities follow PyTorch; at a
removable singularity (sinc at 0, xlogy at x = 0) the gradient is PyTorch's limit."""
import math

import numpy as np

from autograd.extend import primitive, unbroadcast, plain, like
from . import elementwise as ew
from . import _special_kernels as k
from ._util import quiet

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _unary(np_fn):
    """The float result of a NumPy ufunc (integer inputs promote as PyTorch's: to float)."""
    return lambda x: np_fn(x if np.result_type(x).kind in "fc" else np.asarray(x, np.float64))


@primitive(save=("x",))
def tan(x):                                             # d tan = 1 + tan^2 = 1 / cos^2
    return _unary(np.tan)(x), (lambda g, y, x: g / ew.cos(x) ** 2,)


@primitive(save=("x",))
@quiet
def asin(x):                                            # d asin = 1 / sqrt(1 - x^2)
    return _unary(np.arcsin)(x), (lambda g, y, x: g / ew.sqrt(1 - x * x),)


@primitive(save=("x",))
@quiet
def acos(x):                                            # d acos = -1 / sqrt(1 - x^2)
    return _unary(np.arccos)(x), (lambda g, y, x: -g / ew.sqrt(1 - x * x),)


@primitive(save=("x",))
def atan(x):                                            # d atan = 1 / (1 + x^2)
    return _unary(np.arctan)(x), (lambda g, y, x: g / (1 + x * x),)


@primitive(save=("x",))
@quiet
def sinh(x):
    return _unary(np.sinh)(x), (lambda g, y, x: g * cosh(x),)


@primitive(save=("x",))
@quiet
def cosh(x):
    return _unary(np.cosh)(x), (lambda g, y, x: g * sinh(x),)


@primitive(save=("x",))
def asinh(x):                                           # d asinh = 1 / sqrt(x^2 + 1)
    return _unary(np.arcsinh)(x), (lambda g, y, x: g / ew.sqrt(x * x + 1),)


@primitive(save=("x",))
@quiet
def acosh(x):                                           # d acosh = 1 / sqrt(x^2 - 1)
    return _unary(np.arccosh)(x), (lambda g, y, x: g / ew.sqrt(x * x - 1),)


@primitive(save=("x",))
@quiet
def atanh(x):                                           # d atanh = 1 / (1 - x^2)
    return _unary(np.arctanh)(x), (lambda g, y, x: g / (1 - x * x),)


@primitive(save=("a", "b"))
def atan2(a, b):
    """The angle of (b, a): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)."""
    return np.arctan2(a, b), (lambda g, y, a, b: unbroadcast(g * b / (a * a + b * b), a.shape),
                              lambda g, y, a, b: unbroadcast(-g * a / (a * a + b * b), b.shape))


@primitive(save=("y",))
@quiet
def rsqrt(x):                                           # d x^(-1/2) = -y^3 / 2
    with np.errstate(divide="ignore"):
        return 1 / _unary(np.sqrt)(x), (lambda g, y, x: -0.5 * g * y * y * y,)


@primitive(save=("x",))
@quiet
def lgamma(x):                                          # d ln|Gamma| = digamma
    return k.lgamma(x), (lambda g, y, x: g * digamma(x),)


@primitive(save=("x",))
@quiet
def digamma(x):                                         # d digamma = polygamma(1, .)
    return k.digamma(x), (lambda g, y, x: g * _polygamma(x, n=1),)


@primitive(save=("x",), static=("n",))
@quiet
def _polygamma(x, n):
    if n == 0:
        return k.digamma(x), (lambda g, y, x: g * _polygamma(x, n=1),)
    return k.polygamma(n, x), (lambda g, y, x: g * _polygamma(x, n=n + 1),)


def polygamma(n, x):
    """The n-th derivative of digamma (n >= 0), PyTorch's argument order."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative int, got {n!r}")
    return _polygamma(x, n=int(n))


def mvlgamma(x, p):
    """The multivariate log-gamma of dimension p: sum_i lgamma(x - i/2) + p(p-1)/4 ln(pi)."""
    if np.any(plain(x) <= (p - 1) / 2):
        raise ValueError(f"mvlgamma: all elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    total = p * (p - 1) / 4 * math.log(math.pi)
    for i in range(p):
        total = total + lgamma(x - i / 2)
    return total


@primitive(save=("x",))
def erfc(x):                                            # d erfc = -2 / sqrt(pi) exp(-x^2)
    return k.erfc(x), (lambda g, y, x: -g * (2 / math.sqrt(math.pi)) * ew.exp(-(x * x)),)


@primitive(save=("y",))
@quiet
def erfinv(x):                                          # d erfinv = sqrt(pi) / 2 exp(y^2)
    return k.erfinv(x), (lambda g, y, x: g * (math.sqrt(math.pi) / 2) * ew.exp(y * y),)


@primitive(save=("x", "y"))
@quiet
def erfcx(x):                                           # d erfcx = 2 x erfcx - 2 / sqrt(pi)
    return k.erfcx(x), (lambda g, y, x: g * (2 * x * y - 2 / math.sqrt(math.pi)),)


@primitive(save=("x",))
@quiet
def i0(x):                                              # d I0 = I1
    """The modified Bessel function of the first kind of order 0."""
    return k.bessel_i(0, x, False), (lambda g, y, x: g * i1(x),)


@primitive(save=("x", "y"))
@quiet
def i1(x):                                              # d I1 = I0 - I1 / x, 1/2 at 0
    """The modified Bessel function of the first kind of order 1."""
    return k.bessel_i(1, x, False), (lambda g, y, x: g * _at_zero(x, i0(x), y),)


@primitive(save=("x", "y"))
@quiet
def i0e(x):                                             # d e^-|x| I0 = I1e - sgn(x) I0e
    """exp(-|x|) i0(x), finite for every finite x."""
    return k.bessel_i(0, x, True), (lambda g, y, x: g * (i1e(x) - ew.sign(x) * y),)


@primitive(save=("x", "y"))
@quiet
def i1e(x):                                             # d I1e = I0e - I1e (sgn(x) + 1/x)
    """exp(-|x|) i1(x), finite for every finite x."""
    return k.bessel_i(1, x, True), (
        lambda g, y, x: g * _at_zero(x, i0e(x) - ew.sign(x) * y, y),)


def _at_zero(x, a, y):
    """a - y / x, and its limit 1/2 where x = 0 (y = I1 or I1e, both x/2 + O(x^2) there)."""
    zero = plain(x) == 0
    return ew.where(zero, 0.5, a - y / ew.where(zero, 1.0, x))


def ndtr(x):
    """The standard normal CDF."""
    return 0.5 * erfc(-x / math.sqrt(2))


def ndtri(p):
    """The inverse of ndtr."""
    return math.sqrt(2) * erfinv(2 * p - 1)


def log_ndtr(x):
    """log(ndtr(x)), accurate in both tails: log1p(-ndtr(-x)) above -1, and through erfcx
    below (ndtr itself underflows near -38)."""
    low = plain(x) < -1
    t = -ew.where(low, x, -1.0) / math.sqrt(2)           # >= 1/sqrt(2) where used
    tail = ew.log(erfcx(t) / 2) - t * t
    return ew.where(low, tail, ew.log1p(-ndtr(-ew.where(low, 0.0, x))))


@primitive(save=("x",))
@quiet
def entr(x):                                            # d (-x log x) = -(1 + log x)
    """-x log(x) for x > 0, 0 at 0, -inf below, NaN at NaN. The gradient is PyTorch's
    -(1 + log x) everywhere: inf at 0, NaN below 0 and at NaN."""
    x = _unary(np.asarray)(x)
    y = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)), np.where(x == 0, 0, -np.inf))
    return np.where(np.isnan(x), x, y).astype(x.dtype), (
        lambda g, y, x: g * -(1 + ew.log(x)),)


def log2(x):
    return ew.log(x) / _LN2


def log10(x):
    return ew.log(x) / _LN10


def exp2(x):
    return ew.exp(x * _LN2)


def logaddexp2(a, b):
    return ew.logaddexp(a * _LN2, b * _LN2) / _LN2


def deg2rad(x):
    return x * (math.pi / 180)


def rad2deg(x):
    return x * (180 / math.pi)


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (with gradient 0 there)."""
    zero = plain(x) == 0
    px = ew.where(zero, 1.0, x) * math.pi
    return ew.where(zero, 1.0, ew.sin(px) / px)


def _x_times(log_fn, x, y):
    """x log_fn(y), 0 where x == 0 unless y is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((np.asarray(x) == 0) & ~np.isnan(y), 0.0, x * log_fn(y))


def _log_grad(log_fn, pole, x, other):
    """d (x log_fn(other)) / dx as PyTorch's: log_fn(other), but 0 where x == 0 and
    other <= pole (where the log is -inf or NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return ew.where((np.asarray(plain(x)) == 0) & (np.asarray(plain(other)) <= pole), 0.0,
                        log_fn(other))


@primitive(save=("x", "other"))
@quiet
def xlogy(x, other):
    """x log(other), 0 where x == 0 (unless other is NaN). Gradients as PyTorch's: log(other)
    (0 where x == 0 and other <= 0) and x / other (NaN at x = other = 0)."""
    return _x_times(np.log, x, other), (
        lambda g, y, x, other: unbroadcast(g * _log_grad(ew.log, 0, x, other), x.shape),
        lambda g, y, x, other: unbroadcast(g * x / other, other.shape))


@primitive(save=("x", "other"))
@quiet
def xlog1py(x, other):
    """x log(1 + other), 0 where x == 0 (unless other is NaN); gradients log1p(other) (0 where
    x == 0 and other <= -1) and x / (1 + other)."""
    return _x_times(np.log1p, x, other), (
        lambda g, y, x, other: unbroadcast(g * _log_grad(ew.log1p, -1, x, other), x.shape),
        lambda g, y, x, other: unbroadcast(g * x / (1 + other), other.shape))


def hypot(a, b):
    """sqrt(a^2 + b^2); gradient 0 at a = b = 0 (sqrt's convention, docs/numerics.md)."""
    return ew.sqrt(a * a + b * b)


def copysign(a, b):
    """|a| with the sign of b (of -0.0 too); no gradient to b."""
    return ew.abs(a) * np.copysign(1.0, plain(b))


@primitive(save=("a", "b"))
@quiet
def fmod(a, b):
    """a - trunc(a / b) b: the remainder with the sign of a. d/da = 1, d/db = -trunc(a / b)."""
    return np.fmod(a, b), (
        lambda g, y, a, b: unbroadcast(g, a.shape),
        lambda g, y, a, b: unbroadcast(-g * np.trunc(np.true_divide(plain(a), plain(b))),
                                       b.shape))


def stepped(x, rounded):
    """`rounded` (an array computed from x: floor, trunc, ...) as a function of x with zero
    gradient, as PyTorch's rounding ops."""
    return ew.where(False, x, rounded)


def frac(x):
    """x - trunc(x), the gradient passing through unchanged."""
    return x - stepped(x, np.trunc(plain(x)))


def float_power(a, b):
    """a ** b in float64."""
    a = ew.astype(a, np.float64) if hasattr(a, "dtype") else np.float64(a)
    b = ew.astype(b, np.float64) if hasattr(b, "dtype") else np.float64(b)
    return ew.pow(a, b)


def logit(x, eps=None):
    """log(x / (1 - x)), x clamped to [eps, 1 - eps] first when eps is given."""
    if eps is not None:
        x = ew.clamp(x, eps, 1 - eps)
    return ew.log(x / (1 - x))


def heaviside(x, values):
    """0 where x < 0, `values` where x == 0, 1 where x > 0. Not differentiable."""
    a = plain(x)
    return like(x, np.where(a == 0, plain(values), (a > 0).astype(np.result_type(a))))


def lerp(start, end, weight):
    """start + weight (end - start)."""
    return start + weight * (end - start)


def addcmul(x, tensor1, tensor2, *, value=1):
    return x + value * tensor1 * tensor2


def addcdiv(x, tensor1, tensor2, *, value=1):
    return x + value * tensor1 / tensor2


def rsub(x, other, *, alpha=1):
    """other - alpha x."""
    return other - alpha * x


def fmax(a, b):
    """maximum, ignoring a NaN in one of the two (NaN only where both are)."""
    return ew.maximum(ew.where(np.isnan(plain(a)), b, a), ew.where(np.isnan(plain(b)), a, b))


def fmin(a, b):
    """minimum, ignoring a NaN in one of the two (NaN only where both are)."""
    return ew.minimum(ew.where(np.isnan(plain(a)), b, a), ew.where(np.isnan(plain(b)), a, b))
