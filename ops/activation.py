"""Activations beyond the elementwise basics (relu, leaky_relu, softplus, sigmoid and tanh live
in elementwise.py): erf, hardtanh / relu6, elu / selu, gelu, silu, prelu, softmax, log_softmax,
and the compositions celu, hardshrink, softshrink, rrelu.

Kinks follow PyTorch: hardtanh passes the gradient only strictly inside (min_val, max_val)
(so relu6'(0) = relu6'(6) = 0), elu and prelu use the negative branch at x = 0.
"""
import math

import numpy as np

from autograd.extend import plain, primitive, reuse
from . import elementwise as ew
from . import reduce
from . import shape as sh
from ._util import kernel_ready, normalize_dim
from ._nn_kernels import (erf as _erf_kernel, exp_shifted_rows, exp_shifted_scaled_rows,
                          scale_rows, softmax_grad_rows)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_PI = math.sqrt(2 / math.pi)
_GELU_TANH_C = 0.044715


@primitive(save=("x",))
def erf(x):                                             # d erf = 2 / sqrt(pi) exp(-x^2)
    return _erf_kernel(x), (lambda g, y, x: g * (2 / math.sqrt(math.pi)) * ew.exp(-(x * x)),)


@primitive(save=(), static=("min_val", "max_val"))
def hardtanh(x, min_val=-1.0, max_val=1.0):
    """Clip to [min_val, max_val]; gradient 1 strictly inside (and at NaN, as PyTorch), 0
    elsewhere."""
    if min_val > max_val:
        raise ValueError(f"min_val {min_val} must not exceed max_val {max_val}")
    inside = ~(np.less_equal(x, min_val) | np.greater_equal(x, max_val))
    inside = inside.astype(np.result_type(x))
    return np.clip(x, min_val, max_val), (lambda g, y, x: g * inside,)


def relu6(x):
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(x, 0.0, 6.0)


@primitive(save=("x", "y"), static=("alpha", "scale"))
def elu(x, alpha=1.0, scale=1.0):
    """scale * (x if x > 0 else alpha (e^x - 1)); never overflows for large x."""
    neg = np.expm1(np.minimum(x, 0)) * (alpha * scale)
    y = np.where(np.less_equal(x, 0), neg, np.multiply(x, scale)).astype(np.result_type(x),
                                                                         copy=False)
    # d/dx = scale alpha e^x = y + scale alpha for x <= 0, scale otherwise (NaN too, as PyTorch)
    return y, (lambda g, y, x: ew.where(plain(x) <= 0, g * (y + alpha * scale), g * scale),)


def selu(x):
    """Scaled ELU with the self-normalizing constants (Klambauer et al.)."""
    return elu(x, SELU_ALPHA, scale=SELU_SCALE)


def _normal_cdf(x):
    return (erf(x * (1 / math.sqrt(2))) + 1) * 0.5


def _gelu_tanh_inner(x):                                # tanh(sqrt(2/pi) (x + c x^3))
    return ew.tanh((x + _GELU_TANH_C * x * x * x) * _SQRT_2_PI)


@primitive(save=("x",), static=("approximate",))
def gelu(x, approximate="none"):
    """x Phi(x) ("none", exact, via erf) or its tanh approximation ("tanh"), as PyTorch."""
    if approximate == "none":
        cdf = _normal_cdf(x)

        def vjp(g, y, x):                               # d x Phi(x) = Phi(x) + x phi(x)
            pdf = ew.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
            return g * (reuse(cdf, _normal_cdf, x) + x * pdf)
        return (x * cdf).astype(np.result_type(x), copy=False), (vjp,)
    if approximate == "tanh":
        t = _gelu_tanh_inner(x)

        def vjp(g, y, x):                               # d/dx 0.5 x (1 + t), t = tanh(u(x))
            t_ = reuse(t, _gelu_tanh_inner, x)
            du = (1 + 3 * _GELU_TANH_C * x * x) * _SQRT_2_PI
            return g * ((t_ + 1) * 0.5 + x * 0.5 * (1 - t_ * t_) * du)
        return (x * 0.5 * (1 + t)).astype(np.result_type(x), copy=False), (vjp,)
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


@primitive(save=("x",))
def silu(x):                                            # x sigmoid(x)
    s = ew.sigmoid(x)

    def vjp(g, y, x):                                   # d x s(x) = s (1 + x (1 - s))
        s_ = reuse(s, ew.sigmoid, x)
        return g * (s_ * (1 + x * (1 - s_)))
    return x * s, (vjp,)


def prelu(x, weight):
    """x where x > 0, else weight * x; `weight` has one element or one per channel (dim 1 of
    x, or dim 0 of a 1-D x). The negative branch is used at x = 0, as PyTorch."""
    shape, wshape = np.shape(x), np.shape(weight)
    n = int(np.prod(wshape))
    channels = shape[1] if len(shape) >= 2 else shape[0] if shape else 1
    if len(wshape) > 1 or n not in (1, channels):
        raise ValueError(f"prelu: weight of shape {wshape} must have 1 element or one per "
                         f"channel ({channels}) of input {shape}")
    if n > 1 and len(shape) >= 2:
        weight = sh.reshape(weight, (n,) + (1,) * (len(shape) - 2))     # (C,) -> (C, 1, ...)
    elif n == 1:
        weight = sh.reshape(weight, ())                                 # (1,) -> ()
    return ew.where(plain(x) > 0, x, x * weight)


def axis_sum(a, axis):
    """sum(a, axis) with the axis kept, as an einsum (about 3x NumPy's sum along rows). A 0-d
    `a` is its own sum, as np.sum(a, 0, keepdims=True)."""
    if not a.ndim:
        return a
    letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
    out = letters[:axis] + letters[axis + 1:]
    return np.einsum(f"{letters}->{out}", a).reshape(a.shape[:axis] + (1,) + a.shape[axis + 1:])


def exp_shifted(x, dim, op):
    """(e, m, s): e = exp(x - m) with m = max(x, dim), replaced by 0 where it is infinite (the
    shift that keeps softmax from overflowing), and s = sum(e, dim); m and s keep dim. Rows
    along the last axis of a float32 / float64 array take one fused numba pass, about 3x
    NumPy's max, subtract, exp and sum. `op` names the caller in a bad-dim error."""
    if x.ndim:
        dim = normalize_dim(dim, x.ndim, op)
    if x.ndim and dim == x.ndim - 1 and x.dtype in (np.float32, np.float64) and x.size:
        rows = np.ascontiguousarray(x).reshape(-1, x.shape[-1])    # (..., C) -> (R, C)
        e, m, s = np.empty_like(rows), np.empty(len(rows), x.dtype), np.empty(len(rows), x.dtype)
        exp_shifted_rows(rows, e, m, s)
        kshape = x.shape[:-1] + (1,)                                 # (R,) -> (..., 1)
        return e.reshape(x.shape), m.reshape(kshape), s.reshape(kshape)
    # an empty x has no max: its sum (0, shaped as the max would be) stands in
    m = np.max(x, axis=dim, keepdims=True) if x.size else np.sum(x, axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.asarray(np.exp(x - m))                   # an array even for 0-d x: softmax writes to it
    return e, m, axis_sum(e, dim)


def exp_shifted_times(x, m, c):
    """exp(x - m) c, with m >= the maximum (exp_shifted's shift, or the log-sum-exp) and c
    shaped like x with 1 on the reduced axis: one fused numba pass over the rows of the last
    axis of a float array, where NumPy would take three."""
    if x.ndim and m.shape == x.shape[:-1] + (1,) and x.dtype in (np.float32, np.float64) \
            and x.size:
        rows = np.ascontiguousarray(x).reshape(-1, x.shape[-1])   # (..., C) -> (R, C)
        out = exp_shifted_scaled_rows(rows, m.reshape(-1), np.ascontiguousarray(c, x.dtype)
                                      .reshape(-1), np.empty_like(rows))
        return out.reshape(x.shape)
    return np.exp(x - m) * c


def times_rows(a, c, out=None):
    """a * c for c shaped like a with 1 in place of its last axis, into `out` if given: one
    numba pass over the rows of a C-contiguous float array, where NumPy's broadcast of c along
    the rows takes about 2.5x as long. c is cast to a's dtype."""
    if not (kernel_ready(a) and a.size and np.shape(c) == a.shape[:-1] + (1,)):
        return np.multiply(a, c, out=out)
    out = np.empty_like(a) if out is None else out
    rows = a.reshape(-1, a.shape[-1])                       # (..., C) -> (R, C)
    scale_rows(rows, np.ascontiguousarray(c, a.dtype).reshape(-1), out.reshape(rows.shape))
    return out


@primitive(save=("y",), static=("dim",))
def softmax(x, dim=-1):
    """exp(x) / sum(exp(x), dim), shifted by the maximum: never overflows."""
    e, _, s = exp_shifted(x, dim, "softmax")
    with np.errstate(divide="ignore", invalid="ignore"):     # all -inf: nan, as torch
        y = times_rows(e, 1 / s, out=e)

    def vjp(g, y, x):                                   # d softmax: y (g - sum(g y))
        if y.ndim and y.size and kernel_ready(g, y) and dim % y.ndim == y.ndim - 1:
            out = np.empty_like(y)                      # the last axis of arrays: row kernel
            softmax_grad_rows(g.reshape(-1, y.shape[-1]), y.reshape(-1, y.shape[-1]),
                              out.reshape(-1, y.shape[-1]))     # (..., C) -> (R, C)
            return out
        return y * (g - reduce.sum(g * y, dim, True))
    return y, (vjp,)


@primitive(save=("y",), static=("dim",))
def log_softmax(x, dim=-1):
    """x - logsumexp(x, dim), shifted by the maximum: finite for logits of +-1e4."""
    _, m, s = exp_shifted(x, dim, "log_softmax")
    with np.errstate(divide="ignore", invalid="ignore"):     # all -inf: nan, as torch
        y = np.subtract(x, m, dtype=s.dtype)           # integer x: a float result
        y -= np.log(s)
    # d log_softmax: g - softmax sum(g) = g - exp(y) sum(g)
    return y, (lambda g, y, x: g - ew.exp(y) * reduce.sum(g, dim, True),)


def celu(x, alpha=1.0):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)): alpha elu(x / alpha)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return elu(x / alpha) * alpha


def hardshrink(x, lambd=0.5):
    """0 where -lambd <= x <= lambd, else x (NaN stays NaN)."""
    a = plain(x)
    return ew.where((a >= -lambd) & (a <= lambd), 0.0, x)


def softshrink(x, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between (NaN stays NaN)."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    a = plain(x)
    return ew.where(a > lambd, x - lambd, ew.where(a < -lambd, x + lambd, x * 0))


def rrelu(x, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """leaky_relu with a slope drawn uniformly from [lower, upper] per element when training
    (from `generator`, a numpy.random.Generator, or NumPy's default), else their mean."""
    if not training:
        return ew.leaky_relu(x, (lower + upper) / 2)
    rng = np.random.default_rng() if generator is None else generator
    slope = rng.uniform(lower, upper, np.shape(x)).astype(np.result_type(plain(x)))
    return ew.where(plain(x) >= 0, x, x * slope)
