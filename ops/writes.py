"""Writing into tensors out of place, as PyTorch's index_add, index_copy, index_fill, scatter
(with reduce=), scatter_reduce, masked_scatter, select_scatter, slice_scatter,
diagonal_scatter and index_put(accumulate=True).

Each is a composition of index_put (overwrite: the gradient of what was overwritten is 0) and
index_put_add (accumulate), so gradients follow."""
import numpy as np

from autograd.extend import is_tensor, plain
from ._util import normalize_dim
from . import elementwise as ew
from . import index as ix
from . import shape as sh


def _along_index(shape, axis, index):
    """The full index that addresses position index[k] of `axis` for every k, everything else
    whole: x[:, ..., index, ...]."""
    return (slice(None),) * axis + (np.asarray(index),)


def _check_vector_index(op, x, dim, index):
    axis = normalize_dim(dim, np.ndim(x), op)
    index = np.asarray(plain(index))
    if index.ndim > 1 or index.dtype.kind not in "iu":
        raise IndexError(f"{op}: index must be a 1-D integer tensor, got shape {index.shape} "
                         f"and dtype {index.dtype}")
    n = np.shape(x)[axis] if np.ndim(x) else 1
    if index.size and not (-n <= index.min() and index.max() < n):
        raise IndexError(f"{op}: index out of range for dimension {dim} of size {n}")
    return axis, index.reshape(-1) % max(n, 1)


def index_add(x, dim, index, source, *, alpha=1):
    """x with alpha * source[k] added at position index[k] of `dim` (repeats accumulate)."""
    if np.ndim(x) == 0:
        return x + alpha * sh.reshape(source, ())
    axis, index = _check_vector_index("index_add", x, dim, index)
    return x + ix.index_put_add(alpha * source, shape=np.shape(x),
                                index=_along_index(np.shape(x), axis, index))


def index_copy(x, dim, index, source):
    """x with source[k] written at position index[k] of `dim`."""
    if np.ndim(x) == 0:                 # a number as source takes x's dtype, as PyTorch's
        source = source if is_tensor(source) else np.asarray(source, np.result_type(plain(x)))
        return sh.reshape(source, ()) + 0 * x if np.size(plain(index)) else x + 0
    axis, index = _check_vector_index("index_copy", x, dim, index)
    return ix.index_put(x, source, index=_along_index(np.shape(x), axis, index))


def index_fill(x, dim, index, value):
    """x with `value` written at the positions `index` of `dim`."""
    if np.ndim(x) == 0:
        return index_copy(x, 0, index, value) if np.size(plain(index)) else x + 0
    axis, index = _check_vector_index("index_fill", x, dim, index)
    index = np.unique(index)            # a place filled twice still takes `value` once
    return ix.index_put(x, sh.reshape(value, ()) if np.ndim(value) else value,
                        index=_along_index(np.shape(x), axis, index))


def _scatter_places(x, dim, index, op):
    """The full NumPy index of torch's scatter: element [i][j][k] of index goes to
    x[index[i][j][k]][j][k] (dim 0), and the slice of src it reads."""
    index, axis = ix._check_index(op, np.shape(x), dim, index)
    return ix._along(index, axis), tuple(slice(0, n) for n in index.shape)


def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """x with src (or the scalar `value`) written at index along `dim`; reduce "add" or
    "multiply" combines instead of overwriting."""
    if src is None:
        src = value
    if np.ndim(x) == 0:
        return _scatter_0d(x, index, src, reduce)
    where, part = _scatter_places(x, dim, index, "scatter")
    if np.ndim(src):
        src = src[part]
    if reduce is None:
        return ix.index_put(x, src, index=where)
    if reduce == "add":
        places = np.shape(plain(index))                 # where's arrays broadcast to these
        return x + ix.index_put_add(sh.broadcast_to(src, places) if np.ndim(src)
                                    else np.full(places, src), shape=np.shape(x), index=where)
    if reduce == "multiply":
        return x * _scattered_product(x, where, src, np.shape(plain(index)))
    raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")


def _scatter_0d(x, index, src, reduce):
    if not np.size(plain(index)):
        return sh.reshape(x, ())
    src = sh.reshape(src, ()) if np.ndim(src) else src
    if reduce == "add":
        return x + src
    if reduce == "multiply":
        return x * src
    return ew.where(True, src, x)


def _scattered_product(x, where, src, shape):
    """Ones shaped like x, times every src element scattered to each place (a product of the
    factors that land there, with gradients: one index_put per round of repeats)."""
    factor = np.ones(np.shape(x), np.result_type(plain(x)))
    flat = np.ravel_multi_index(np.broadcast_arrays(*where), np.shape(x)).reshape(-1)
    src = sh.reshape(sh.broadcast_to(src, shape) if np.ndim(src) else
                     np.full(shape, src, np.result_type(plain(x))), (-1,))
    seen = np.zeros(len(flat), np.int64)
    order = np.argsort(flat, kind="stable")
    runs = np.r_[0, np.flatnonzero(np.diff(flat[order])) + 1]
    seen[order] = np.arange(len(flat)) - np.repeat(runs, np.diff(np.r_[runs, len(flat)]))
    out = factor
    for round_ in range(int(seen.max()) + 1 if len(flat) else 0):
        pick = np.flatnonzero(seen == round_)
        layer = ix.index_put(np.ones(np.size(plain(x)), np.result_type(plain(x))),
                             src[pick], index=(flat[pick],))
        out = out * sh.reshape(layer, np.shape(x))
    return out


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """x with src combined at index along `dim` by "sum", "prod", "mean", "amax" or "amin"
    (include_self=False: the original values at the written places do not take part)."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise ValueError(f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or "
                         f"'amin', got {reduce!r}")
    if np.ndim(x) == 0:
        x, src, index = (sh.reshape(x, (1,)), sh.reshape(src, (-1,)),
                         np.reshape(plain(index), -1))
        return sh.reshape(scatter_reduce(x, 0, index, src, reduce, include_self=include_self),
                          ())
    where, part = _scatter_places(x, dim, index, "scatter_reduce")
    src = src[part]
    hit = np.zeros(np.shape(x), bool)
    hit[where] = True
    base = x if include_self else ew.where(hit, _identity(reduce, x), x)
    if reduce in ("sum", "mean"):
        y = base + ix.index_put_add(src, shape=np.shape(x), index=where)
        if reduce == "mean":
            count = np.zeros(np.shape(x), np.result_type(plain(x)))
            np.add.at(count, where, 1)
            count += 1 if include_self else 0
            count[~hit] = 1
            y = y / count
        return y
    if reduce == "prod":
        return base * _scattered_product(x, where, src, np.shape(plain(index)))
    return _scatter_extreme(x, base, where, src, reduce)


def _identity(reduce, x):
    dtype = np.result_type(plain(x))
    return {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce] \
        if dtype.kind == "f" else 0


def _scatter_extreme(x, base, where, src, reduce):
    """amax / amin: the extreme of base and what lands at each place; the gradient is split
    evenly among the elements that attain it, as PyTorch's."""
    ufunc = np.maximum if reduce == "amax" else np.minimum
    best = np.array(plain(base), dtype=np.result_type(plain(x)), copy=True)
    ufunc.at(best, where, np.asarray(plain(src)))
    src_best = best[where]
    src_wins = np.asarray(plain(src)) == src_best
    base_wins = np.asarray(plain(base)) == best
    count = base_wins.astype(best.dtype)
    np.add.at(count, where, src_wins)
    # best, rebuilt from its winners (each weighted 1 / their count) so gradients reach them;
    # NaN (no winner: 0 / 0) where a NaN took part, as PyTorch's
    with np.errstate(invalid="ignore", divide="ignore"):
        share_base = ew.where(base_wins, base, 0) / count
        contrib = ew.where(src_wins, src, 0) / count[where]
    return share_base + ix.index_put_add(contrib, shape=np.shape(x), index=where)


def masked_scatter(x, mask, source):
    """x with the elements of `source`, in order, written where `mask` (broadcast) is true."""
    mask = np.asarray(plain(mask), bool)
    shape = np.broadcast_shapes(np.shape(x), mask.shape)
    mask = np.broadcast_to(mask, shape)
    count = int(mask.sum())
    if count > np.size(plain(source)):
        raise ValueError(f"masked_scatter: the mask selects {count} elements, but source has "
                         f"only {np.size(plain(source))}")
    values = sh.reshape(source, (-1,))[:count]
    return ix.index_put(sh.broadcast_to(x, shape), values, index=(mask,))


def select_scatter(x, src, dim, index):
    """x with src written at position `index` of `dim`."""
    axis = normalize_dim(dim, np.ndim(x), "select_scatter")
    return ix.index_put(x, src, index=(slice(None),) * axis + (int(index),))


def slice_scatter(x, src, dim=0, start=None, end=None, step=1):
    """x with src written at x[..., start:end:step, ...] on `dim`."""
    axis = normalize_dim(dim, np.ndim(x), "slice_scatter")
    return ix.index_put(x, src, index=(slice(None),) * axis + (slice(start, end, step),))


def diagonal_scatter(x, src, offset=0, dim1=0, dim2=1):
    """x with src written on the diagonal that diagonal(x, offset, dim1, dim2) reads."""
    ndim = np.ndim(x)
    d1, d2 = normalize_dim(dim1, ndim, "diagonal_scatter"), normalize_dim(dim2, ndim,
                                                                          "diagonal_scatter")
    n1, n2 = np.shape(x)[d1], np.shape(x)[d2]
    i = np.arange(max(min(n1 - max(-offset, 0), n2 - max(offset, 0)), 0))
    index = [slice(None)] * ndim
    index[d1], index[d2] = i + max(-offset, 0), i + max(offset, 0)
    # NumPy puts the advanced (diagonal) axis first when d1, d2 are not adjacent, last in
    # diagonal(): move src's last axis to where the indexing expects it
    first = abs(d1 - d2) != 1
    lead = 0 if first else min(d1, d2)
    src = sh.permute(src, list(range(ndim - 2))[:lead] + [ndim - 2] +
                     list(range(ndim - 2))[lead:]) if ndim > 2 or lead else src
    return ix.index_put(x, src, index=tuple(index))


def index_put(x, indices, values, accumulate=False):
    """PyTorch's index_put: x with values written (accumulate: added) at x[indices]."""
    index = tuple(plain(i) for i in indices)
    if not accumulate:
        return ix.index_put(x, values, index=index)
    target = np.shape(np.empty(np.shape(x), bool)[index])
    return x + ix.index_put_add(sh.broadcast_to(values, target), shape=np.shape(x), index=index)


def put(x, index, source, accumulate=False):
    """x with source written (accumulate: added) at the flat positions `index`."""
    flat = sh.reshape(x, (-1,))
    index = np.asarray(plain(index)).reshape(-1) % max(np.size(plain(x)), 1)
    values = sh.reshape(source, (-1,))
    if accumulate:
        flat = flat + ix.index_put_add(values, shape=np.shape(flat), index=(index,))
    else:
        flat = ix.index_put(flat, values, index=(index,))
    return sh.reshape(flat, np.shape(x))


def index_reduce(x, dim, index, source, reduce, *, include_self=True):
    """scatter_reduce with source's slices along `dim` going to the positions `index`."""
    if np.ndim(x) == 0:
        return scatter_reduce(x, 0, index, source, reduce, include_self=include_self)
    axis, index = _check_vector_index("index_reduce", x, dim, index)
    shape = np.shape(source)
    full = np.broadcast_to(index.reshape((1,) * axis + (-1,) + (1,) * (len(shape) - axis - 1)),
                           shape)
    return scatter_reduce(x, axis, full, source, reduce, include_self=include_self)
