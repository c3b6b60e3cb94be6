"""Reductions. `dim` (PyTorch) or `axis` (NumPy): None, an int or a tuple; `keepdim` or
`keepdims`. max/min split the gradient evenly between tied maxima (PyTorch's amax does the
same); std and norm have gradient 0 where they are 0."""
import collections
import math
import numbers
import warnings

import numpy as np

from autograd.extend import primitive, plain, is_tensor, like
from ._util import normalize_dim, normalize_dims, quiet
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


def _cast(x, dtype):
    """x as `dtype` (PyTorch's dtype= on reductions and scans: the input is cast first)."""
    return x if dtype is None else ew.astype(x, np.dtype(dtype))


def sum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The sum over `dim` (all elements when None), of x cast to `dtype` when given."""
    return _sum(_cast(x, dtype), dim, keepdim, axis=axis, keepdims=keepdims)


@primitive(save=(), static=("dim", "keepdim"))
def _sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, "sum")
    y = np.add.reduce(x, axis=dims, keepdims=keep)
    return y, (lambda g, y, x: _spread(g, dims, x.shape),)


def mean(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The mean over `dim` (all elements when None), of x cast to `dtype` when given."""
    return _mean(_cast(x, dtype), dim, keepdim, axis=axis, keepdims=keepdims)


@primitive(save=(), static=("dim", "keepdim"))
@quiet
def _mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
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
    if np.ndim(x) == 0:                                 # the only element: index 0
        return like(x, np.zeros((), np.int64))
    i = np_fn(plain(x), axis=dim, keepdims=keepdim)
    return like(x, i)


def argmax(x, dim=None, keepdim=False):
    """Index (int64) of the maximum along the int `dim` (flat index when dim is None).
    Not differentiable: the result never requires grad."""
    return _arg(np.argmax, x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    """Index of the minimum; as `argmax`."""
    return _arg(np.argmin, x, dim, keepdim, "argmin")


def _correction(dim, unbiased, correction, op):
    """(dim, correction) from PyTorch's spellings: var(x, True) (a bool where dim goes is
    `unbiased`), unbiased=False (correction 0), correction=None (the default, 1)."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{op}: unbiased given twice (as dim={dim} and unbiased={unbiased})")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give either unbiased or correction, not both")
    if unbiased is not None:
        correction = int(bool(unbiased))
    return dim, 1 if correction is None else correction


@primitive(save=("x",), static=("dim", "unbiased", "keepdim"))
def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """Variance with Bessel's `correction` (PyTorch's default 1; 0 for the population), or
    PyTorch's older `unbiased` (True: correction 1), also as var(x, True).
    Where n - correction <= 0 it warns, and the result and its gradient are inf or NaN, as in
    PyTorch."""
    dim, correction = _correction(dim, unbiased, correction, "var")
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


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """sqrt(var), with var's arguments: gradient 0 where the standard deviation is 0."""
    return ew.sqrt(var(x, dim, unbiased, keepdim, correction=correction, axis=axis,
                       keepdims=keepdims))


@primitive(save=(), static=("dim",))
def cumsum(x, dim, *, dtype=None):
    """Running sums along `dim`, in `dtype` when given (the gradient cast back)."""
    if np.ndim(x) == 0:                                 # dim 0 or -1 of a 0-d tensor
        normalize_dim(dim, 1, "cumsum")
        return np.array(x, dtype=dtype, copy=True), (lambda g, y, x: ew.astype(g, x.dtype),)
    dim = normalize_dim(dim, np.ndim(x), "cumsum")
    # d cumsum: each x_i reaches every y_j with j >= i, so the sums of g taken from the end
    return np.cumsum(x, axis=dim, dtype=dtype), (
        lambda g, y, x: ew.astype(sh.flip(cumsum(sh.flip(g, dim), dim), dim), x.dtype),)


@primitive(save=("x", "y"), static=("dim", "keepdim"))
def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(x))), shifted by the maximum so that it never overflows."""
    dims, keep = _reduced(x, dim, axis, keepdim, keepdims, "logsumexp")
    m = np.maximum.reduce(x, axis=dims, keepdims=True, initial=-np.inf)   # empty: -inf
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
    if p == 0:                          # the count of non-zeros: piecewise constant
        return sum(ew.where(plain(x) != 0, 1.0, x * 0), dim, keepdim)
    if isinstance(p, numbers.Real) and p > 0:
        return _pow0(sum(_pow0(ew.abs(x), p), dim, keepdim), 1.0 / p)
    if isinstance(p, numbers.Real):     # p < 0: (sum |x|^p)^(1/p), 0 if some x is 0
        with np.errstate(divide="ignore"):
            return sum(ew.abs(x) ** p, dim, keepdim) ** (1.0 / p)
    raise ValueError(f"norm: unsupported order p={p!r}; use a number, inf, -inf or 'fro'")


def _pow0(a, p):
    """a ** p for a >= 0, with value and gradient 0 where a == 0 (a ** p alone gives inf
    there when p < 1)."""
    zero = plain(a) == 0
    return ew.where(zero, 0, ew.where(zero, 1, a) ** p)
