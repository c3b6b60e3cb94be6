"""Order statistics and data summaries, as PyTorch's: kthvalue, nanmedian, mode, quantile,
nanquantile, msort, cov, corrcoef, trapezoid, cumulative_trapezoid, and the plain-data ones
(histc, bucketize, searchsorted, isin, unique, unique_consecutive, argwhere).

Values picked from the input (kthvalue, quantile's two neighbours) gather it, so the gradient
goes to the elements picked; the counting ones return data that does not require grad."""
import math
import warnings

import numpy as np

from autograd.extend import plain, like, is_tensor
from ._util import along, normalize_dim
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .index import gather
from .reduce import MaxResult
from .sorting import argsort, sort


def _picked(x, dim, keepdim, index, op):
    """(values, indices) of x at `index` (kept dim of size 1) along `dim`."""
    values = gather(x, dim, index)
    if not keepdim:
        values, index = sh.squeeze(values, dim), np.squeeze(index, dim)
    return MaxResult(values, like(x, index))


def kthvalue(x, k, dim=-1, keepdim=False):
    """The k-th smallest element (1-based) along `dim`, and its index."""
    if np.ndim(x) == 0:
        return MaxResult(sh.reshape(x, ()), like(x, np.zeros((), np.int64)))
    dim = normalize_dim(dim, np.ndim(x), "kthvalue")
    n = np.shape(x)[dim]
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue: k ({k}) out of range for dimension {dim} of size {n}")
    index = np.take(plain(argsort(x, dim)), [k - 1], axis=dim)
    return _picked(x, dim, keepdim, index, "kthvalue")


def nanmedian(x, dim=None, keepdim=False):
    """The lower median of the elements that are not NaN (NaN where all are)."""
    a = np.asarray(plain(x))
    if dim is None:
        flat = sh.reshape(x, (-1,))
        count = int((~np.isnan(a)).sum())
        if a.size == 0:
            raise ValueError("nanmedian: the input is empty")
        return sh.reshape(sort(flat).values[max(count - 1, 0) // 2 if count else 0], ())
    if a.ndim == 0:
        return MaxResult(sh.reshape(x, ()), like(x, np.zeros((), np.int64)))
    dim = normalize_dim(dim, a.ndim, "nanmedian")
    count = (~np.isnan(a)).sum(axis=dim, keepdims=True)
    order = plain(argsort(x, dim))                      # NaN sorts last
    index = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis=dim)
    return _picked(x, dim, keepdim, index, "nanmedian")


def mode(x, dim=-1, keepdim=False):
    """The most frequent value along `dim` (the smallest among equally frequent ones) and the
    index of its last occurrence."""
    a = np.asarray(plain(x))
    if a.ndim == 0:
        return MaxResult(sh.reshape(x, ()), like(x, np.zeros((), np.int64)))
    dim = normalize_dim(dim, a.ndim, "mode")
    moved = np.moveaxis(a, dim, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    index = np.empty(len(rows), np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]
        index[r] = np.flatnonzero(row == best)[-1]
    index = np.moveaxis(index.reshape(moved.shape[:-1] + (1,)), -1, dim)
    return _picked(x, dim, keepdim, index, "mode")


def _quantile(x, q, dim, keepdim, interpolation, ignore_nan, op):
    qs = np.asarray(plain(q), dtype=np.float64)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"{op}: q must be in [0, 1], got {qs.tolist()}")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{op}: interpolation must be linear, lower, higher, midpoint or "
                         f"nearest, got {interpolation!r}")
    if dim is None:
        x_, axis = sh.reshape(x, (-1,)), 0
    else:
        x_, axis = (sh.reshape(x, (1,)), 0) if np.ndim(x) == 0 else (
            x, normalize_dim(dim, np.ndim(x), op))
    a = np.asarray(plain(x_))
    if a.shape[axis] == 0:
        raise ValueError(f"{op}: the input is empty along dimension {dim}")
    values = sort(x_, axis).values                      # NaN last
    count = (~np.isnan(a)).sum(axis=axis, keepdims=True) if ignore_nan else \
        np.full(a.shape[:axis] + (1,) + a.shape[axis + 1:], a.shape[axis])
    has_nan = np.isnan(a).any(axis=axis, keepdims=True)
    outs = []
    for k, qv in enumerate(qs.reshape(-1)):
        pos = qv * (np.maximum(count, 1) - 1)
        lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
        if interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        elif interpolation == "nearest":
            lo = hi = np.round(pos).astype(np.int64)    # half to even, as PyTorch
        if interpolation == "linear":   # q differentiable too when it is a Tensor
            qk = sh.reshape(q, (-1,))[k] if is_tensor(q) else float(qv)  # weak, as PyTorch
            w = qk * (np.maximum(count, 1) - 1).astype(a.dtype) - lo.astype(a.dtype)
        else:
            w = np.full(pos.shape, 0.5 if interpolation == "midpoint" else 0.0, a.dtype)
        a_lo, a_hi = gather(values, axis, lo), gather(values, axis, hi)
        y = a_lo + (a_hi - a_lo) * w
        nan_out = (count == 0) if ignore_nan else has_nan
        y = ew.where(nan_out, np.nan, y)
        outs.append(y if keepdim and dim is not None else sh.squeeze(y, axis) if dim is not None
                    else sh.reshape(y, (1,) * np.ndim(x) if keepdim else ()))
    if np.ndim(x) == 0:                 # a 0-d input keeps no dim to keep
        outs = [sh.reshape(y, ()) for y in outs]
    return outs[0] if qs.ndim == 0 else sh.stack(outs, 0)


def quantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles along `dim` (all elements when None); NaN if a NaN takes part."""
    return _quantile(x, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile of the elements that are not NaN."""
    return _quantile(x, q, dim, keepdim, interpolation, True, "nanquantile")


def msort(x):
    """x sorted along its first dim."""
    return sort(x, 0).values


def cov(x, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables in the rows of x (observations in the columns), with
    frequency and (differentiable) importance weights. Where the degrees of freedom are <= 0
    it warns and divides by 0, as PyTorch."""
    x = sh.reshape(x, (1, -1)) if np.ndim(x) < 2 else x
    one_variable = np.shape(x)[0] == 1
    w = np.ones(np.shape(x)[1], np.result_type(plain(x), np.float32))   # each observation's
    if fweights is not None:
        w = w * np.asarray(plain(fweights)).astype(w.dtype)
    if aweights is not None:
        w = w * aweights                                # differentiable, as in PyTorch
    total = reduce.sum(w)
    xc = x - reduce.sum(x * w, 1, True) / total
    dof = total - correction * (reduce.sum(w * aweights) / total if aweights is not None
                                else 1)
    if plain(dof) <= 0:                 # as PyTorch: warn, and divide by 0
        warnings.warn("cov: degrees of freedom is <= 0", RuntimeWarning, stacklevel=2)
        dof = dof - dof                 # +0 (dof * 0 would be -0 when dof < 0)
    c = (xc * w) @ sh.transpose(xc, 0, 1) / dof
    return sh.reshape(c, ()) if one_variable else c


def corrcoef(x):
    """Pearson's correlation coefficients of the rows of x, clipped to [-1, 1]."""
    c = cov(x)
    if np.ndim(c) == 0:
        return c / c
    d = ew.sqrt(sh.reshape(along(sh.reshape(c, (-1,)), 0,
                                 np.arange(0, np.size(plain(c)), np.shape(c)[0] + 1)), (-1,)))
    return ew.clamp(c / sh.reshape(d, (-1, 1)) / sh.reshape(d, (1, -1)), -1, 1)


def _spacing(y, x, dx, axis):
    n = np.shape(y)[axis]
    if x is None:
        return dx
    if np.ndim(x) == 1:
        d = x[1:] - x[:-1]
        return sh.reshape(d, (n - 1,) + (1,) * (np.ndim(y) - axis - 1))
    return along(x, axis, slice(1, None)) - along(x, axis, slice(0, n - 1))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule along `dim`, with sample points x or spacing dx (default 1)."""
    axis = normalize_dim(dim, np.ndim(y), "trapezoid")
    n = np.shape(y)[axis]
    if n == 0:
        return reduce.sum(y, axis)
    mid = (along(y, axis, slice(1, None)) + along(y, axis, slice(0, n - 1))) / 2
    return reduce.sum(mid * _spacing(y, x, 1 if dx is None else dx, axis), axis)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoid sums along `dim` (one fewer than the samples)."""
    axis = normalize_dim(dim, np.ndim(y), "cumulative_trapezoid")
    n = np.shape(y)[axis]
    mid = (along(y, axis, slice(1, None)) + along(y, axis, slice(0, max(n - 1, 0)))) / 2
    return reduce.cumsum(mid * _spacing(y, x, 1 if dx is None else dx, axis), axis)


def histc(x, bins=100, min=0, max=0):
    """Counts in `bins` equal bins over [min, max] (the data's range when both are 0)."""
    a = np.asarray(plain(x)).reshape(-1)
    lo, hi = (float(a.min()), float(a.max())) if min == max and a.size else (min, max)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(a, bins, (lo, hi))
    return like(x, counts.astype(a.dtype))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Insertion indices of `values` into the last axis of `sorted_sequence`."""
    seq = np.asarray(plain(sorted_sequence))
    vals = np.asarray(plain(values))
    right = side == "right" if side is not None else right
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(plain(sorter)), -1)
    how = "right" if right else "left"
    if seq.ndim <= 1:
        out = np.searchsorted(seq, vals, how)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise ValueError(f"searchsorted: the leading dims of sorted_sequence {seq.shape} "
                             f"and values {vals.shape} must match (or sorted_sequence be 1-D)")
        rows = math.prod(seq.shape[:-1])                # (..., n) -> (rows, n), rows may be 0
        out = np.empty((rows, vals.shape[-1]), np.int64)
        for r, (s, v) in enumerate(zip(seq.reshape(rows, seq.shape[-1]),
                                       vals.reshape(rows, vals.shape[-1]))):
            out[r] = np.searchsorted(s, v, how)
        out = out.reshape(vals.shape)
    out = out.astype(np.int32 if out_int32 else np.int64)
    return like(values, out) if is_tensor(values) else like(sorted_sequence, out)


def bucketize(x, boundaries, *, out_int32=False, right=False):
    """The bucket of each element of x among the 1-D `boundaries`."""
    return like(x, np.asarray(plain(searchsorted(boundaries, plain(x), out_int32=out_int32,
                                                 right=right))))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    out = np.isin(plain(elements), plain(test_elements), invert=invert)
    return like(elements, out) if is_tensor(elements) else like(test_elements, out)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (sorted), with the inverse indices and counts when asked."""
    values, inverse, counts = np.unique(plain(x), return_inverse=True, return_counts=True,
                                        axis=dim)
    out = (like(x, values),)
    if return_inverse:
        out += (like(x, inverse.reshape(np.shape(x)) if dim is None else inverse),)
    if return_counts:
        out += (like(x, counts),)
    return out[0] if len(out) == 1 else out


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """x without consecutive repeats (flattened when dim is None)."""
    a = np.asarray(plain(x))
    axis = 0 if dim is None else normalize_dim(dim, a.ndim, "unique_consecutive")
    a = a.reshape(-1) if dim is None else a
    rest = math.prod(a.shape[:axis] + a.shape[axis + 1:])
    moved = np.moveaxis(a, axis, 0).reshape(a.shape[axis], rest)   # (..., n, ...) -> (n, rest)
    change = np.r_[True, (moved[1:] != moved[:-1]).any(axis=1)] if len(moved) else \
        np.zeros(0, bool)
    values = np.compress(change, a, axis=axis)
    out = (like(x, values),)
    if return_inverse:
        out += (like(x, (np.cumsum(change) - 1).reshape(np.shape(x) if dim is None else -1)),)
    if return_counts:
        out += (like(x, np.diff(np.r_[np.flatnonzero(change), len(change)])),)
    return out[0] if len(out) == 1 else out


def bincount(x, weights=None, minlength=0):
    """How often each non-negative int appears in the 1-D x (summing weights if given)."""
    a = np.asarray(plain(x))
    if a.ndim != 1 or a.dtype.kind not in "iu" or (a.size and a.min() < 0):
        raise ValueError(f"bincount: expects a 1-D tensor of non-negative ints, got shape "
                         f"{a.shape} and dtype {a.dtype}")
    w = None if weights is None else np.asarray(plain(weights))
    return like(x, np.bincount(a, w, minlength))


def argwhere(x):
    return like(x, np.argwhere(plain(x)))
