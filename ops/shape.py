"""Shape ops. Each VJP is the inverse rearrangement: reshape <-> reshape, permute <-> inverse
permute, broadcast <-> sum, cat <-> slices, pad <-> crop, tile <-> sum over the copies."""
import math

import numpy as np

from autograd.engine import primitive
from ._util import normalize_dims, unbroadcast
from . import index as ix
from . import reduce


@primitive
def reshape(x, shape=()):
    """View `x` with `shape` (one entry may be -1)."""
    return np.reshape(x, shape), (lambda g, y, x: reshape(g, x.shape),)


view = reshape


@primitive
def permute(x, dims=()):
    """Reorder the axes of `x`: output axis i is input axis dims[i]."""
    dims = tuple(dims)
    inverse = tuple(np.argsort(dims))
    return np.transpose(x, dims), (lambda g, y, x: permute(g, inverse),)


def transpose(x, dim0, dim1):
    """Swap two axes (torch.transpose; for NumPy's axis-permuting transpose, use permute)."""
    dims = list(range(np.ndim(x)))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, dims)


swapaxes = transpose


@primitive
def broadcast_to(x, shape=()):
    """A read-only broadcast view of `x` with `shape`."""
    return np.broadcast_to(x, shape), (lambda g, y, x: unbroadcast(g, x.shape),)


def expand(x, sizes):
    """Tensor.expand: broadcast to `sizes`, where -1 keeps the existing size."""
    sizes = tuple(sizes)
    shape = np.shape(x)
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes given for a tensor of shape {shape}")
    return broadcast_to(x, tuple(shape[i - lead] if n == -1 else n for i, n in enumerate(sizes)))


def squeeze(x, dim=None):
    """Remove axes of length 1 (only `dim`, if given; a dim of another length is kept)."""
    shape = np.shape(x)
    dims = normalize_dims(dim, len(shape), "squeeze")
    return reshape(x, tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1)))


def unsqueeze(x, dim):
    """Insert an axis of length 1 at `dim` (-ndim-1 <= dim <= ndim)."""
    shape = np.shape(x)
    if not -len(shape) - 1 <= dim <= len(shape):
        raise IndexError(f"unsqueeze: dimension {dim} out of range for a tensor of "
                         f"{len(shape)} dims")
    dim %= len(shape) + 1
    return reshape(x, shape[:dim] + (1,) + shape[dim:])


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one."""
    shape = np.shape(x)
    if not shape:
        return reshape(x, (1,))
    (start,), (end,) = (normalize_dims(d, len(shape), "flatten") for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, shape[:start] + (-1,) + shape[end + 1:])


@primitive
def _cat(*xs, dim=0):
    """Concatenate along `dim` (the primitive behind cat)."""
    if not xs:
        raise ValueError("expected a non-empty sequence of tensors")
    y = np.concatenate(xs, axis=dim)
    ends = np.cumsum([np.shape(x)[dim] for x in xs])
    axis = dim % y.ndim

    def piece(i):                       # d cat / d x_i = the slice of g where x_i went
        index = (slice(None),) * axis + (slice(ends[i] - np.shape(xs[i])[axis], ends[i]),)
        return lambda g, y, *xs: ix.getitem(g, index)
    return y, tuple(piece(i) for i in range(len(xs)))


def cat(tensors, dim=0):
    """Concatenate a sequence of tensors along an existing axis."""
    return _cat(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Join a sequence of same-shaped tensors along a new axis."""
    return _cat(*[unsqueeze(t, dim) for t in tensors], dim=dim)


def split(x, split_size_or_sections, dim=0):
    """torch.split: pieces of `split_size` along `dim` (the last may be shorter), or pieces of
    the given sizes, which must add up to the length of `dim`."""
    n = np.shape(x)[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} add up to {sum(sizes)}, but dimension "
                             f"{dim} of shape {np.shape(x)} has length {n}")
    axis = dim % np.ndim(x)
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(ix.getitem(x, (slice(None),) * axis + (slice(s, s + k),))
                 for s, k in zip(starts, sizes))


def chunk(x, chunks, dim=0):
    """torch.chunk: at most `chunks` pieces of equal length (the last may be shorter)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    return split(x, max(1, math.ceil(np.shape(x)[dim] / chunks)), dim)


@primitive
def pad(x, pad=(), value=0.0):
    """Constant padding, PyTorch's order: (left, right) of the last axis, then of the one
    before, and so on."""
    pad = tuple(pad)
    ndim = np.ndim(x)
    if len(pad) % 2 or len(pad) // 2 > ndim or any(p < 0 for p in pad):
        raise ValueError(f"pad: padding {pad} must be non-negative (before, after) pairs for at "
                         f"most {ndim} dims of input shape {np.shape(x)}")
    widths = [(0, 0)] * (ndim - len(pad) // 2) + [(pad[2 * i], pad[2 * i + 1])
                                                  for i in reversed(range(len(pad) // 2))]
    crop = tuple(slice(lo, n + lo) for (lo, _), n in zip(widths, np.shape(x)))
    return np.pad(x, widths, constant_values=value), (lambda g, y, x: ix.getitem(g, crop),)


@primitive
def flip(x, dims=()):
    """Reverse the order of elements along `dims`."""
    dims = normalize_dims(dims, np.ndim(x), "flip")
    return np.flip(x, dims), (lambda g, y, x: flip(g, dims),)


@primitive
def tile(x, reps=()):
    """np.tile: repeat `x` reps[i] times along axis i (missing leading reps count as 1)."""
    reps = tuple(reps)
    shape = np.shape(x)
    k = max(len(reps), len(shape))
    reps = (1,) * (k - len(reps)) + reps
    full = (1,) * (k - len(shape)) + shape
    split_shape = tuple(v for r, n in zip(reps, full) for v in (r, n))   # (r0, n0, r1, n1, ...)
    copies = tuple(range(0, 2 * k, 2))

    def vjp(g, y, x):                   # every copy sends its gradient back: sum them
        return reshape(reduce.sum(reshape(g, split_shape), copies), x.shape)
    return np.tile(x, reps), (vjp,)


def repeat(x, sizes):
    """Tensor.repeat: tile with at least as many sizes as `x` has dims."""
    sizes = tuple(sizes)
    if len(sizes) < np.ndim(x):
        raise ValueError(f"repeat: {len(sizes)} repeat sizes given for a tensor of "
                         f"{np.ndim(x)} dims; need at least as many")
    return tile(x, sizes)
