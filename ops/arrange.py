"""Arranging and picking: the stack and split families (hstack, vstack, dstack, column_stack,
tensor_split, hsplit, vsplit, dsplit), atleast_nd, select, diagonal, diag_embed, rot90,
fliplr / flipud, meshgrid, broadcast_tensors, block_diag, cartesian_prod, kron, take,
take_along_dim and Tensor.unfold.

All are compositions of shape and index ops, so gradients follow."""
import itertools

import numpy as np

from autograd.extend import plain
from ._util import along, normalize_dim
from . import index as ix
from . import reduce
from . import shape as sh


def _seq(tensors):
    """tensors given as one sequence or as several arguments."""
    return list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) \
        else list(tensors)


def _at_least(x, n):
    shape = np.shape(x)
    if len(shape) >= n:
        return x
    if n == 3 and len(shape) == 2:
        return sh.reshape(x, shape + (1,))                     # (m, k) -> (m, k, 1)
    if n == 3 and len(shape) == 1:
        return sh.reshape(x, (1,) + shape + (1,))              # (k,) -> (1, k, 1)
    return sh.reshape(x, (1,) * (n - len(shape)) + shape)


def _at_least_each(n, tensors):
    xs = [_at_least(x, n) for x in _seq(tensors)]
    return xs[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) \
        else tuple(xs)


def atleast_1d(*tensors):
    return _at_least_each(1, tensors)


def atleast_2d(*tensors):
    return _at_least_each(2, tensors)


def atleast_3d(*tensors):
    return _at_least_each(3, tensors)


def hstack(tensors):
    xs = [_at_least(x, 1) for x in tensors]
    return sh.cat(xs, 0 if np.ndim(xs[0]) == 1 else 1)


def vstack(tensors):
    return sh.cat([_at_least(x, 2) for x in tensors], 0)


def dstack(tensors):
    return sh.cat([_at_least(x, 3) for x in tensors], 2)


def column_stack(tensors):
    return sh.cat([sh.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in tensors], 1)


def tensor_split(x, indices_or_sections, dim=0):
    """Pieces along `dim`: n of nearly equal length (the first n % size one longer), or split
    before each of the given indices."""
    axis = normalize_dim(dim, np.ndim(x), "tensor_split")
    n = np.shape(x)[axis]
    split = plain(indices_or_sections)
    if np.ndim(split) == 0:
        k = int(split)
        if k <= 0:
            raise ValueError(f"tensor_split: sections must be positive, got {k}")
        bounds = [i * (n // k) + min(i, n % k) for i in range(k + 1)]
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in np.asarray(split).tolist()] + [n]
    return tuple(along(x, axis, slice(lo, max(lo, hi))) for lo, hi in zip(bounds, bounds[1:]))


def _split_at_least(x, n, indices_or_sections, dim, op):
    if np.ndim(x) < n:
        raise ValueError(f"{op}: needs a tensor of at least {n} dims, got shape {np.shape(x)}")
    size = np.shape(x)[dim]
    if np.ndim(plain(indices_or_sections)) == 0 and size % int(indices_or_sections):
        raise ValueError(f"{op}: dimension {dim} of size {size} is not divisible by "
                         f"{indices_or_sections}")
    return tensor_split(x, indices_or_sections, dim)


def hsplit(x, indices_or_sections):
    return _split_at_least(x, 1, indices_or_sections, 0 if np.ndim(x) == 1 else 1, "hsplit")


def vsplit(x, indices_or_sections):
    return _split_at_least(x, 2, indices_or_sections, 0, "vsplit")


def dsplit(x, indices_or_sections):
    return _split_at_least(x, 3, indices_or_sections, 2, "dsplit")


def select(x, dim, index):
    """x indexed by the int `index` on `dim`, which disappears."""
    axis = normalize_dim(dim, np.ndim(x), "select")
    n = np.shape(x)[axis]
    if not -n <= index < n:
        raise IndexError(f"select: index {index} out of range for dimension {dim} of size {n}")
    return along(x, axis, int(index))


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, as a new last axis."""
    ndim = np.ndim(x)
    d1, d2 = normalize_dim(dim1, ndim, "diagonal"), normalize_dim(dim2, ndim, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 are the same dimension {dim1}")
    rest = [d for d in range(ndim) if d not in (d1, d2)]
    planes = sh.permute(x, rest + [d1, d2])                     # (..., n1, n2)
    n1, n2 = np.shape(planes)[-2:]
    start1, start2 = max(-offset, 0), max(offset, 0)
    i = np.arange(max(min(n1 - start1, n2 - start2), 0))
    return planes[..., i + start1, i + start2]


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """Tensors whose (dim1, dim2) diagonals at `offset` hold the last axis of x."""
    n = np.shape(x)[-1] + abs(offset)
    out_ndim = np.ndim(x) + 1
    d1, d2 = normalize_dim(dim1, out_ndim, "diag_embed"), normalize_dim(dim2, out_ndim,
                                                                        "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 are the same dimension {dim1}")
    i = np.arange(np.shape(x)[-1])
    lead = np.shape(x)[:-1]
    planes = ix.index_put_add(x, shape=lead + (n, n), index=(Ellipsis, i + max(-offset, 0),
                                                             i + max(offset, 0)))
    rest = [d for d in range(out_ndim) if d not in (d1, d2)]
    order = [0] * out_ndim                                      # planes axis for each output
    for a, d in enumerate(rest + [d1, d2]):
        order[d] = a
    return sh.permute(planes, order)


def diagflat(x, offset=0):
    return diag_embed(sh.reshape(x, (-1,)), offset)


def rot90(x, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane `dims`, from the first toward the second."""
    if len(dims) != 2:
        raise ValueError(f"rot90: dims must name 2 dimensions, got {dims}")
    d0, d1 = (normalize_dim(d, np.ndim(x), "rot90") for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: dims must be different, got {dims}")
    k %= 4
    if k == 1:
        return sh.transpose(sh.flip(x, [d1]), d0, d1)
    if k == 2:
        return sh.flip(x, [d0, d1])
    if k == 3:
        return sh.flip(sh.transpose(x, d0, d1), [d1])
    return sh.reshape(x, np.shape(x))


def fliplr(x):
    if np.ndim(x) < 2:
        raise ValueError(f"fliplr: needs at least 2 dims, got shape {np.shape(x)}")
    return sh.flip(x, [1])


def flipud(x):
    if np.ndim(x) < 1:
        raise ValueError(f"flipud: needs at least 1 dim, got shape {np.shape(x)}")
    return sh.flip(x, [0])


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*[np.shape(t) for t in tensors])
    return tuple(sh.broadcast_to(t, shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids of 1-D (or 0-d) tensors; indexing "ij" (matrix) or "xy" (Cartesian:
    the first two axes swapped)."""
    xs = [sh.reshape(t, (-1,)) for t in _seq(tensors)]
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if indexing == "xy" and len(xs) >= 2:
        xs[0], xs[1] = xs[1], xs[0]
    n = len(xs)
    shape = tuple(np.shape(t)[0] for t in xs)
    grids = [sh.broadcast_to(sh.reshape(t, (1,) * i + (-1,) + (1,) * (n - i - 1)), shape)
             for i, t in enumerate(xs)]
    if indexing == "xy" and n >= 2:                 # the grids of the swapped pair, back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def block_diag(*tensors):
    """A 2-D tensor with the given 0-, 1- or 2-d tensors (as rows) along its diagonal."""
    blocks = [sh.reshape(t, (1, -1)) if np.ndim(t) < 2 else t for t in tensors]
    cols = sum(np.shape(b)[1] for b in blocks)
    rows, start = [], 0
    for b in blocks:
        width = np.shape(b)[1]
        rows.append(sh.pad(b, (start, cols - start - width)))
        start += width
    return sh.cat(rows, 0) if rows else sh.reshape(np.zeros(0), (1, 0))


def cartesian_prod(*tensors):
    if len(tensors) == 1:
        return tensors[0]
    return sh.stack([sh.reshape(g, (-1,)) for g in meshgrid(*tensors, indexing="ij")], 1)


def kron(a, b):
    """The Kronecker product: blocks a[i, j] * b."""
    nd = max(np.ndim(a), np.ndim(b))
    a = sh.reshape(a, (1,) * (nd - np.ndim(a)) + np.shape(a))
    b = sh.reshape(b, (1,) * (nd - np.ndim(b)) + np.shape(b))
    sa, sb = np.shape(a), np.shape(b)
    inter = [v for pair in zip(sa, (1,) * nd) for v in pair]    # (a0, 1, a1, 1, ...)
    ones = [v for pair in zip((1,) * nd, sb) for v in pair]     # (1, b0, 1, b1, ...)
    return sh.reshape(sh.reshape(a, inter) * sh.reshape(b, ones),
                      tuple(m * n for m, n in zip(sa, sb)))


def take(x, index):
    """Elements of the flattened x at `index`, shaped like index."""
    flat = sh.reshape(x, (-1,))
    index = np.asarray(plain(index))
    n = np.shape(flat)[0]
    if index.size and not (-n <= index.min() and index.max() < n):
        raise IndexError(f"take: index out of range for a tensor of {n} elements")
    return ix.getitem(flat, (index % max(n, 1),))


def take_along_dim(x, indices, dim=None):
    """gather with broadcasting of x and indices outside `dim` (flattened when None)."""
    index = np.asarray(plain(indices))
    if dim is None:
        return take(x, index.reshape(-1))
    axis = normalize_dim(dim, np.ndim(x), "take_along_dim")
    xs, ns = list(np.shape(x)), list(index.shape)
    xs[axis] = ns[axis] = 1
    shape = np.broadcast_shapes(tuple(xs), tuple(ns))
    x_shape = shape[:axis] + (np.shape(x)[axis],) + shape[axis + 1:]
    index = np.broadcast_to(index, shape[:axis] + (index.shape[axis],) + shape[axis + 1:])
    return ix.gather(sh.broadcast_to(x, x_shape), axis, index % max(np.shape(x)[axis], 1))


def unfold(x, dimension, size, step):
    """Tensor.unfold: every window of `size` along `dimension`, `step` apart, as a new last
    axis."""
    axis = normalize_dim(dimension, np.ndim(x), "unfold")
    n = np.shape(x)[axis] if np.ndim(x) else 1
    if size > n or step <= 0:
        raise ValueError(f"unfold: size {size} (must be <= {n}) and step {step} (must be > 0) "
                         f"do not fit dimension {dimension} of shape {np.shape(x)}")
    if np.ndim(x) == 0:
        return sh.reshape(x, (1,))
    starts = np.arange(0, n - size + 1, step)
    windows = along(x, axis, starts[:, None] + np.arange(size))  # (..., count, size, ...)
    return sh.permute(windows, [d for d in range(np.ndim(windows)) if d != axis + 1] + [axis + 1])


def sum_to_size(x, size):
    """x summed down to `size`, which x's shape must broadcast from (Tensor.sum_to_size)."""
    shape, size = np.shape(x), tuple(size)
    lead = len(shape) - len(size)
    if lead < 0 or any(s not in (1, n) for s, n in zip(size, shape[lead:])):
        raise ValueError(f"sum_to_size: size {size} is not expandable to shape {shape}")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    return sh.reshape(reduce.sum(x, dims, True), size) if dims else x


def trace(x):
    if np.ndim(x) != 2:
        raise ValueError(f"trace: expects a 2-D tensor, got shape {np.shape(x)}")
    return reduce.sum(diagonal(x))


def combinations(x, r=2, with_replacement=False):
    """The r-element combinations of the 1-D x, as rows (itertools' order)."""
    if np.ndim(x) != 1:
        raise ValueError(f"combinations: expects a 1-D tensor, got shape {np.shape(x)}")
    n = np.shape(x)[0]
    pick = (itertools.combinations_with_replacement if with_replacement
            else itertools.combinations)(range(n), r)
    index = np.array(list(pick), np.intp).reshape(-1, r)
    if not r:                           # as PyTorch: an empty 1-D result
        return x[:0]
    return x[index] if index.size else sh.reshape(x[:0], (0, r))
