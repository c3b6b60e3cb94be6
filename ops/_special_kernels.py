"""numba kernels of the special functions (ops/special.py): lgamma, erfc, erfinv, digamma,
polygamma, erfcx and the modified Bessel functions I_0 and I_1 (plain and scaled),
elementwise over float arrays: arrays in, arrays out. tests/test_ops_special.py
checks each against PyTorch (and against math where the standard library has it); with
NUMBA_DISABLE_JIT=1 they run as (slow) Python."""
import math

import numpy as np

from ._vecmath import njit_cached


@njit_cached()
def _lgamma(x):
    if x <= 0.0 and x == np.floor(x):  # a pole (or -inf): +inf, as torch; Python's math.lgamma
        return math.inf                # would raise here when NUMBA_DISABLE_JIT=1
    return math.lgamma(x)


@njit_cached()
def _erfc(x):
    return math.erfc(x)


@njit_cached()
def _erfinv(y):
    """Giles' polynomial start ("Approximating the erfinv function", 2010), then two Newton
    steps on erf(x) - y: float64 accuracy."""
    if y <= -1.0 or y >= 1.0:
        if y == -1.0:
            return -math.inf
        return math.inf if y == 1.0 else math.nan
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p = c + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p = c + p * w
    x = p * y
    for _ in range(2):                  # d erf / dx = 2 / sqrt(pi) exp(-x^2)
        x -= (math.erf(x) - y) / (2.0 / math.sqrt(math.pi) * math.exp(-x * x))
    return x


@njit_cached()
def _digamma(x):
    """psi(x): the reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 0, the recurrence
    psi(x) = psi(x + 1) - 1/x up to 10, then the asymptotic series. -inf at 0 (inf at -0),
    NaN at the negative integers, as PyTorch."""
    if x == 0.0:
        return math.copysign(math.inf, -x) if x == x else x
    if x < 0.0:
        if x == math.floor(x):
            return math.nan
        return _digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    r = 0.0
    while x < 10.0:
        r -= 1.0 / x
        x += 1.0
    z = 1.0 / (x * x)                   # ln x - 1/2x - sum B_2k / (2k x^2k)
    s = z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132)))))
    return r + math.log(x) - 0.5 / x - s


@njit_cached()
def _polygamma(n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x) for n >= 1: the Hurwitz zeta as a direct sum
    up to x + k >= 15, then Euler-Maclaurin with six Bernoulli terms. inf at the poles
    x = 0, -1, ... (NaN for even n at negative ones, where the sign is undefined)."""
    if x <= 0.0 and x == math.floor(x):
        return math.inf if n % 2 == 1 or x == 0.0 else math.nan
    s = n + 1.0
    total = 0.0
    while x < 15.0:
        total += (x) ** -s
        x += 1.0
    total += x ** (1.0 - s) / (s - 1.0) + 0.5 * x ** -s
    bernoulli = (1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730)
    rising = s                          # s (s+1) ... (s + 2j - 2)
    fact = 2.0                          # (2j)!
    for j in range(1, 7):
        total += bernoulli[j - 1] / fact * rising * x ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        fact *= (2 * j + 1) * (2 * j + 2)
    sign = 1.0 if n % 2 == 1 else -1.0
    return sign * math.gamma(n + 1.0) * total


@njit_cached()
def _erfcx(z):
    """exp(z^2) erfc(z): directly up to 25, then its asymptotic series (the direct product
    would be inf * 0); below 0 by erfcx(z) = 2 exp(z^2) - erfcx(-z) (inf below about -26.6)."""
    if z != z:
        return z
    if z < 0.0:
        return 2.0 * math.exp(z * z) - _erfcx(-z)
    if z < 25.0:
        return math.exp(z * z) * math.erfc(z)
    w = 1.0 / (2.0 * z * z)             # 1/(z sqrt(pi)) (1 - w + 3 w^2 - 15 w^3 + 105 w^4)
    return (1.0 - w * (1.0 - w * (3.0 - w * (15.0 - 105.0 * w)))) / (z * math.sqrt(math.pi))


@njit_cached()
def _bessel_i(n, x, scaled):
    """I_n(x) for n = 0 or 1, times exp(-|x|) when `scaled`. Below |x| = 20 the power series
    sum_k (x/2)^(2k+n) / (k! (k+n)!), whose terms are all positive (no cancellation); above, the
    asymptotic series e^|x| / sqrt(2 pi |x|) sum_k (-1)^k a_k / |x|^k with
    a_k = a_(k-1) (4n^2 - (2k-1)^2) / (8k), whose terms fall below float64's precision long
    before they would grow again (k ~ 2|x|). I_0 is even and I_1 odd."""
    if x != x:
        return x
    a = abs(x)
    if a < 20.0:
        half = 0.5 * a
        term = 1.0 if n == 0 else half
        total = term
        k = 0
        while term > 1e-17 * total:
            k += 1
            term *= half * half / (k * (k + n))
            total += term
        v = total * math.exp(-a) if scaled else total
    elif a == math.inf:
        v = 0.0 if scaled else math.inf
    else:
        mu = 4.0 * n * n
        term = 1.0
        total = 1.0
        k = 0
        while abs(term) > 1e-17 * total:
            k += 1
            term *= -(mu - (2 * k - 1) ** 2) / (8.0 * k * a)
            total += term
        v = total / math.sqrt(2.0 * math.pi * a)
        if not scaled:                  # e^a in two halves: I_n overflows a little after e^a
            e = math.exp(0.5 * a)
            v = v * e * e
    return -v if n == 1 and x < 0.0 else v


@njit_cached()
def _map(fn_id, n, x, out):
    for i in range(x.shape[0]):
        v = x[i]
        if fn_id == 0:
            out[i] = _lgamma(v)
        elif fn_id == 1:
            out[i] = _erfc(v)
        elif fn_id == 2:
            out[i] = _erfinv(v)
        elif fn_id == 3:
            out[i] = _digamma(v)
        elif fn_id == 5:
            out[i] = _erfcx(v)
        elif fn_id == 6:                # I_n, n = 0 or 1
            out[i] = _bessel_i(n, v, False)
        elif fn_id == 7:                # exp(-|x|) I_n
            out[i] = _bessel_i(n, v, True)
        else:
            out[i] = _polygamma(n, v)
    return out


def _apply(fn_id, x, n=0):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    return _map(fn_id, n, flat, np.empty_like(flat)).reshape(x.shape).astype(x.dtype, copy=False)


def lgamma(x): return _apply(0, x)
def erfc(x): return _apply(1, x)
def erfinv(x): return _apply(2, x)
def digamma(x): return _apply(3, x)
def polygamma(n, x): return _apply(4, x, n)
def erfcx(x): return _apply(5, x)
def bessel_i(n, x, scaled): return _apply(7 if scaled else 6, x, n)
