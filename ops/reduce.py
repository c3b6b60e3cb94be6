"""Reductions. `dim` (PyTorch) or `axis` (NumPy): None, an int or a tuple; `keepdim` or
`keepdims`. max/min split the gradient evenly between tied maxima (PyTorch's amax does the
same); std and norm have gradient 0 where they are 0."""
import collections
import math
import numbers
import warnings

import numpy as np

from autograd.extend import primitive, plain, is_tensor, like
from ._util import normalize_dim, normalize_dims
from . import elementwise as ew
from . import shape as sh

MaxResult = collections.namedtuple("MaxResult", ["values", "indices"])


def _reduced(x, dim, axis, keepdim, keepdims, op):
    """(dims, keep): the reduced axes, sorted, and whether they are kept."""
    return (normalize_dims(dim if axis is None else axis, np.ndim(x), op),
            keepdim if keepdims is None else keepdims)


def _kept(shape, dims):
    """`shape` with the reduced axes kept as 1: the shape of a keepdim result."""
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _spread(g, dims, shape):
    """The VJP of summing over `dims`: g broadcast back over the reduced axes."""
    kept = _kept(shape, dims)
    if g.shape != kept:
        g = sh.reshape(g, kept)                                 # (reduced) -> (kept)
    return sh.broadcast_to(g, shape)                            # (kept) -> (shape)


def _count(x, dims):
    """How many elements each reduction over `dims` sees."""
    shape = np.shape(x)
    return math.prod([shape[d] for d in dims])


@primitive(save=(), static=("dim", "keepdim"))
def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, "sum")
    y = np.add.reduce(x, axis=dims, keepdims=keep)
    return y, (lambda g, y, x: _spread(g, dims, x.shape),)


@primitive(save=(), static=("dim", "keepdim"))
def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, "mean")
    n = _count(x, dims)
    # np.mean's own arithmetic without its Python overhead
    y = np.add.reduce(x, axis=dims, keepdims=keep) / n
    return y, (lambda g, y, x: _spread(g, dims, x.shape) / n,)


def _extreme(ufunc, x, dim, keepdim, axis, keepdims, op):
    """Forward and VJP of amax / amin: g goes to every extremum, shared evenly among ties."""
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, op)

    def vjp(g, y, x):
        hit = plain(x) == np.reshape(plain(y), _kept(x.shape, dims))
        share = hit / np.add.reduce(hit, axis=dims, keepdims=True)
        return _spread(g, dims, x.shape) * share.astype(x.dtype)
    return ufunc.reduce(x, axis=dims, keepdims=keep), (vjp,)


@primitive(save=("x", "y"), static=("dim", "keepdim"))
def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _extreme(np.maximum, x, dim, keepdim, axis, keepdims, "amax")


@primitive(save=("x", "y"), static=("dim", "keepdim"))
def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _extreme(np.minimum, x, dim, keepdim, axis, keepdims, "amin")


def max(x, dim=None, keepdim=False):
    """torch.max: the maximum of all elements; with an int `dim`, (values, indices) along it;
    with a tensor second argument, the elementwise maximum. Tied maxima share the gradient
    evenly (PyTorch's max(x, dim) gives it all to the returned index instead)."""
    if is_tensor(dim) or isinstance(dim, np.ndarray):
        return ew.maximum(x, dim)
    if dim is None:
        return amax(x)
    normalize_dim(dim, np.ndim(x), "max")
    return MaxResult(amax(x, dim, keepdim), argmax(x, dim, keepdim))


def min(x, dim=None, keepdim=False):
    """torch.min: as `max`, for the minimum."""
    if is_tensor(dim) or isinstance(dim, np.ndarray):
        return ew.minimum(x, dim)
    if dim is None:
        return amin(x)
    normalize_dim(dim, np.ndim(x), "min")
    return MaxResult(amin(x, dim, keepdim), argmin(x, dim, keepdim))


def _arg(np_fn, x, dim, keepdim, op):
    if dim is not None:
        dim = normalize_dim(dim, np.ndim(x), op)
    i = np_fn(plain(x), axis=dim, keepdims=keepdim)
    return like(x, i)


def argmax(x, dim=None, keepdim=False):
    """Index (int64) of the maximum along the int `dim` (flat index when dim is None).
    Not differentiable: the result never requires grad."""
    return _arg(np.argmax, x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    """Index of the minimum; as `argmax`."""
    return _arg(np.argmin, x, dim, keepdim, "argmin")


@primitive(save=("x",), static=("dim", "keepdim"))
def var(x, dim=None, keepdim=False, *, correction=1, axis=None, keepdims=None):
    """Variance with Bessel's `correction` (PyTorch's default 1; 0 for the population).
    Where n - correction <= 0 it warns, and the result and its gradient are inf or NaN, as in
    PyTorch."""
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, "var")
    n = _count(x, dims)
    dof = n - correction
    d = x - np.add.reduce(x, axis=dims, keepdims=True) / n
    if dof > 0:
        y = np.add.reduce(d * d, axis=dims, keepdims=keep) / dof
        scale = 2 / dof
    else:
        warnings.warn(f"var: degrees of freedom {n} - correction {correction} <= 0",
                      RuntimeWarning, stacklevel=3)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.add.reduce(d * d, axis=dims, keepdims=keep) / 0
        scale = np.nan
    # d var = 2 (x - mean) / dof
    return y, (lambda g, y, x: _spread(g, dims, x.shape) * (x - mean(x, dims, True)) * scale,)


def std(x, dim=None, keepdim=False, *, correction=1, axis=None, keepdims=None):
    """sqrt(var): gradient 0 where the standard deviation is 0."""
    return ew.sqrt(var(x, dim, keepdim, correction=correction, axis=axis, keepdims=keepdims))


@primitive(save=(), static=("dim",))
def cumsum(x, dim):
    """Running sums along `dim`."""
    dim = normalize_dim(dim, np.ndim(x), "cumsum")
    # d cumsum: each x_i reaches every y_j with j >= i, so the sums of g taken from the end
    return np.cumsum(x, axis=dim), (
        lambda g, y, x: sh.flip(cumsum(sh.flip(g, dim), dim), dim),)


@primitive(save=("x", "y"), static=("dim", "keepdim"))
def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(x))), shifted by the maximum so that it never overflows."""
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, "logsumexp")
    m = np.maximum.reduce(x, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)                  # all -inf: shift by 0, not by -inf
    with np.errstate(divide="ignore"):
        y = np.log(np.add.reduce(np.exp(x - m), axis=dims, keepdims=True)) + m      # (kept)
    if not keep:
        y = np.squeeze(y, axis=dims)

    def vjp(g, y, x):                                   # d lse = softmax(x) = exp(x - lse)
        return _spread(g, dims, x.shape) * ew.exp(x - sh.reshape(y, _kept(x.shape, dims)))
    return y, (vjp,)


def norm(x, p=2, dim=None, keepdim=False):
    """The p-norm over `dim` (all elements by default): p = 2 ('fro'), 1, inf, -inf (the
    smallest |x|) or any p > 0. The gradient is 0 at x = 0, never NaN."""
    if p in (2, "fro"):
        return ew.sqrt(sum(x * x, dim, keepdim))
    if p == 1:
        return sum(ew.abs(x), dim, keepdim)
    if p == np.inf:
        return amax(ew.abs(x), dim, keepdim)
    if p == -np.inf:
        return amin(ew.abs(x), dim, keepdim)
    if isinstance(p, numbers.Real) and p > 0:
        return _pow0(sum(_pow0(ew.abs(x), p), dim, keepdim), 1.0 / p)
    raise ValueError(f"norm: unsupported order p={p!r}; use 1, 2, 'fro', inf, -inf or a "
                     "number > 0")


def _pow0(a, p):
    """a ** p for a >= 0, with value and gradient 0 where a == 0 (a ** p alone gives inf
    there when p < 1)."""
    zero = plain(a) == 0
    return ew.where(zero, 0, ew.where(zero, 1, a) ** p)
