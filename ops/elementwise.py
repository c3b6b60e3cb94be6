"""Elementwise ops: arithmetic, unary math, activations, selection.

Binary ops broadcast as NumPy does and reduce their gradients with `unbroadcast`.
Subgradient conventions (all finite): abs'(0) = 0, relu'(0) = 0, sqrt'(0) = 0,
maximum/minimum split the gradient evenly between tied inputs, clamp passes the gradient
where min <= x <= max.
"""
import numbers

import numpy as np

from autograd.extend import primitive, unbroadcast, plain, is_tensor, wrap, like
from ._nn_kernels import relu_flat, relu_grad_flat
from ._util import kernel_ready, quiet


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promote(a, b):
    """The operands of a binary op, cast as PyTorch promotes (NumPy 2 differs in three ways):
    a NumPy scalar (np.float64(2.0), what np.sqrt returns) is a Python number, so it does not
    widen a float32 array; a floating array meets an integer or bool array in its own dtype
    (float32 with int64 is float32, not float64); and between floats of one category, a 0-d
    array yields to an array with dims (float32 with a 0-d float64 stays float32)."""
    if type(a) is np.ndarray and type(b) is np.ndarray:
        if a.dtype is b.dtype:
            return a, b
        ca, cb = _CATEGORY.get(a.dtype.kind, 4), _CATEGORY.get(b.dtype.kind, 4)
        if ca == cb == 2 and (a.ndim == 0) != (b.ndim == 0):
            return (a.astype(b.dtype), b) if a.ndim == 0 else (a, b.astype(a.dtype))
        if 2 <= ca <= 3 and cb < 2:
            return a, b.astype(a.dtype)
        if 2 <= cb <= 3 and ca < 2:
            return a.astype(b.dtype), b
        return a, b
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    return a, b


@primitive(save=())
def add(a, b):
    a, b = _promote(a, b)
    return np.add(a, b), (lambda g, y, a, b: unbroadcast(g, a.shape),
                          lambda g, y, a, b: unbroadcast(g, b.shape))


@primitive(save=())
def sub(a, b):
    a, b = _promote(a, b)
    return np.subtract(a, b), (lambda g, y, a, b: unbroadcast(g, a.shape),
                               lambda g, y, a, b: unbroadcast(-g, b.shape))


@primitive(save=("a", "b"))
def mul(a, b):                                          # d(ab) = b da + a db
    a, b = _promote(a, b)
    return np.multiply(a, b), (lambda g, y, a, b: unbroadcast(g * b, a.shape),
                               lambda g, y, a, b: unbroadcast(g * a, b.shape))


@primitive(save=("b", "y"))
@quiet
def div(a, b):                                          # d(a/b) = da/b - (a/b) db/b
    a, b = _promote(a, b)
    return np.true_divide(a, b), (lambda g, y, a, b: unbroadcast(g / b, a.shape),
                                  lambda g, y, a, b: unbroadcast(-g * y / b, b.shape))


@primitive(save=())
def neg(x):
    return np.negative(x), (lambda g, y, x: -g,)


@primitive(save=("a", "b", "y"))
@quiet
def pow(a, b):
    """a ** b, for a Tensor or scalar exponent b. At a == 0 the gradients are finite: d/da is
    taken as 0 where b < 1 (so sqrt-like powers behave like sqrt), d/db as 0."""
    a, b = _promote(a, b)
    return np.power(a, b), (_pow_base_vjp,
                            lambda g, y, a, b: unbroadcast(g * y * log(where(a == 0, 1, a)),
                                                           b.shape))


def _pow_base_vjp(g, y, a, b):          # d a^b / da = b a^(b-1)
    if isinstance(b, numbers.Number) and b >= 1:
        return g * b * a ** (b - 1)
    pole = (a == 0) & (b < 1)           # 0^(b-1) is infinite (or 0 * inf): take 0
    return unbroadcast(where(pole, 0, g * b * where(pole, 1, a) ** (b - 1)), a.shape)


def _integer_divisor(a, b, op):
    """Raise as PyTorch does for an integer division by zero (floats give inf and nan)."""
    if np.result_type(a, b).kind in "iub" and not np.all(b):
        raise RuntimeError(f"{op}: ZeroDivisionError (an integer divisor is 0)")


@primitive(save=("a", "b"))
@quiet
def remainder(a, b):
    """a mod b with the sign of b (Python's %). d/da = 1, d/db = -floor(a / b)."""
    _integer_divisor(a, b, "remainder")
    a, b = _promote(a, b)
    return np.remainder(a, b), (
        lambda g, y, a, b: unbroadcast(g, a.shape),
        lambda g, y, a, b: unbroadcast(-g * np.floor_divide(plain(a), plain(b)), b.shape))


@quiet
def floor_divide(a, b):
    """a // b. Piecewise constant, so never differentiable: the result does not require grad."""
    _integer_divisor(plain(a), plain(b), "floor_divide")
    y = np.floor_divide(plain(a), plain(b))
    return wrap(y) if is_tensor(a) or is_tensor(b) else y


@primitive(save=("y",))
@quiet
def exp(x):
    return np.exp(x), (lambda g, y, x: g * y,)          # d e^x = e^x


@primitive(save=("x",))
@quiet
def log(x):
    return np.log(x), (lambda g, y, x: g / x,)


@primitive(save=("x",))
@quiet
def log1p(x):
    return np.log1p(x), (lambda g, y, x: g / (1 + x),)


@primitive(save=("y",))
@quiet
def expm1(x):
    return np.expm1(x), (lambda g, y, x: g * (y + 1),)    # d (e^x - 1) = e^x


@primitive(save=("x",))
def sin(x):
    return np.sin(x), (lambda g, y, x: g * cos(x),)


@primitive(save=("x",))
def cos(x):
    return np.cos(x), (lambda g, y, x: -g * sin(x),)


@primitive(save=("y",))
@quiet
def sqrt(x):                                            # d sqrt x = 1 / (2 sqrt x); 0 at x = 0
    return np.sqrt(x), (lambda g, y, x: g / (2 * where(y == 0, np.inf, y)),)


@primitive(save=("x",))
def abs(x):                                             # d|x| = sign(x), 0 at 0
    return np.abs(x), (lambda g, y, x: g * sign(x),)


@primitive(save=())
def sign(x):                                            # piecewise constant: zero gradient
    y = np.sign(x)                                      # sign(NaN) = 0, as PyTorch's
    return (np.where(np.isnan(y), 0, y) if y.dtype.kind == "f" else y,
            (lambda g, y, x: zeros_like(g),))


@primitive(save=("y",))
def tanh(x):                                            # d tanh = 1 - tanh^2
    return np.tanh(x), (lambda g, y, x: g * (1 - y * y),)


@primitive(save=("y",))
def sigmoid(x):                                         # d s = s (1 - s)
    y = np.asarray(np.negative(x))                      # 0-d: an array, not a scalar
    with np.errstate(over="ignore"):                    # exp(1000) = inf: 1 / (1 + inf) = 0
        np.exp(y, out=y)
    y += 1
    return np.reciprocal(y, out=y), (lambda g, y, x: g * y * (1 - y),)


@primitive(save=("y",))
def relu(x):                                            # relu'(0) = 0; relu'(NaN) = 1
    if not kernel_ready(x):
        return np.maximum(x, 0), (_relu_vjp,)
    return relu_flat(x.reshape(-1), np.empty(x.size, x.dtype)).reshape(x.shape), (_relu_vjp,)


def _relu_vjp(g, y, x):
    """g where y > 0 or y is NaN: a kernel on arrays, ops on Tensors (a recorded backward)."""
    if not kernel_ready(g, y):
        return g * ~(y <= 0)
    return relu_grad_flat(g.reshape(-1), y.reshape(-1), np.empty(g.size, g.dtype)).reshape(g.shape)


@primitive(save=("x",), static=("negative_slope",))
def leaky_relu(x, negative_slope=0.01):
    y = np.where(np.greater(x, 0), x, x * negative_slope)
    return y, (lambda g, y, x: where(x > 0, g, g * negative_slope),)


@primitive(save=("x",), static=("beta", "threshold"))
def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold (as PyTorch)."""
    bx = np.multiply(x, beta)
    y = np.where(bx > threshold, x, np.logaddexp(0, bx) / beta).astype(bx.dtype, copy=False)
    return y, (lambda g, y, x: where(x * beta > threshold, g, g * sigmoid(x * beta)),)


@primitive(save=("a", "b"))
def logaddexp(a, b):
    """log(e^a + e^b) without overflow."""
    # d/da = e^a / (e^a + e^b) = sigmoid(a - b), finite also where a = b = -inf is not
    a, b = _promote(a, b)
    return np.logaddexp(a, b), (lambda g, y, a, b: unbroadcast(g * sigmoid(a - b), a.shape),
                                lambda g, y, a, b: unbroadcast(g * sigmoid(b - a), b.shape))


def _tie_split(g, a, b):
    """g where a wins over b (or either is NaN), g/2 where they tie, 0 where b wins: as
    PyTorch's maximum."""
    return where(a == b, g * 0.5, where(a < b, 0, g))


@primitive(save=("a", "b"))
def maximum(a, b):
    a, b = _promote(a, b)
    return np.maximum(a, b), (lambda g, y, a, b: unbroadcast(_tie_split(g, a, b), a.shape),
                              lambda g, y, a, b: unbroadcast(_tie_split(g, b, a), b.shape))


@primitive(save=("a", "b"))
def minimum(a, b):
    a, b = _promote(a, b)
    return np.minimum(a, b), (lambda g, y, a, b: unbroadcast(_tie_split(g, b, a), a.shape),
                              lambda g, y, a, b: unbroadcast(_tie_split(g, a, b), b.shape))


@primitive(save=(), static=("min", "max"))
def _clamp(x, min=None, max=None):
    """clamp to scalar bounds."""
    keep = ((x >= min) if min is not None else True) & ((x <= max) if max is not None else True)
    return np.clip(x, min, max), (lambda g, y, x: g * keep,)


def clamp(x, min=None, max=None):
    """Clip to [min, max] (either may be None). Scalar bounds are settings; Tensor bounds
    broadcast and are differentiated as PyTorch's: x gets the gradient where
    min <= x <= max, a bound where the result is that bound (max wins where min > max)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if not (is_tensor(min) or is_tensor(max) or isinstance(min, np.ndarray)
            or isinstance(max, np.ndarray)):
        return _clamp(x, min, max)
    if min is not None:
        x = where(x < min, min, x)
    return x if max is None else where(x > max, max, x)


clip = clamp


@primitive(save=())
def where(condition, a, b):
    """a where condition, else b (broadcast). The condition is not differentiable."""
    cond = np.asarray(condition, dtype=bool)
    a, b = _promote(a, b)
    return np.where(cond, a, b), (None,
                                  lambda g, y, c, a, b: unbroadcast(where(cond, g, 0), a.shape),
                                  lambda g, y, c, a, b: unbroadcast(where(cond, 0, g), b.shape))


@primitive(save=(), static=("dtype",))
def astype(x, dtype):
    """Cast to `dtype`; the gradient is cast back. Casts to non-float dtypes are not recorded."""
    return x.astype(dtype, copy=False), (lambda g, y, x: astype(g, x.dtype),)


def zeros_like(x):
    """Zeros shaped like `x`, never requiring grad."""
    z = np.zeros_like(plain(x))
    return like(x, z)
