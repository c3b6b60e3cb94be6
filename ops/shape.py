"""Shape ops. Each VJP is the inverse rearrangement: reshape <-> reshape, permute <-> inverse
permute, broadcast <-> sum, cat <-> slices, pad <-> crop, tile <-> sum over the copies."""
import math

import numpy as np

from autograd.extend import primitive, unbroadcast
from ._util import along, normalize_dim, normalize_dims
from . import index as ix
from . import reduce


@primitive(save=(), static=("shape",))
def reshape(x, shape):
    """View `x` with `shape` (one entry may be -1); the sizes must match."""
    try:
        y = np.reshape(x, shape)
    except ValueError:
        raise ValueError(f"shape {tuple(np.atleast_1d(shape).tolist())} is invalid for input of "
                         f"shape {np.shape(x)} (size {np.size(x)})") from None
    return y, (lambda g, y, x: reshape(g, x.shape),)


view = reshape


@primitive(save=(), static=("dims",))
def permute(x, dims):
    """Reorder the axes of `x`: output axis i is input axis dims[i] (negative dims count from
    the end); `dims` must be a permutation of the axes."""
    ndim = np.ndim(x)
    dims = tuple(d % ndim if -ndim <= d < 0 else d for d in dims)
    if sorted(dims) != list(range(ndim)):
        raise ValueError(f"dims {dims} are not a permutation of the {ndim} dims of input "
                         f"shape {np.shape(x)}")
    inverse = [0] * ndim
    for i, d in enumerate(dims):
        inverse[d] = i
    return np.transpose(x, dims), (lambda g, y, x: permute(g, inverse),)


def transpose(x, dim0, dim1):
    """Swap two axes (torch.transpose; for NumPy's axis-permuting transpose, use permute)."""
    dims = list(range(np.ndim(x)))
    dim0, dim1 = (normalize_dim(d, len(dims), "transpose") for d in (dim0, dim1))
    if dims:                                            # a 0-d tensor: nothing to swap
        dims[dim0], dims[dim1] = dim1, dim0
    return permute(x, dims)


swapaxes = transpose


def mT(x):
    """The last two axes swapped (Tensor.mT): the transpose of each matrix of a batch."""
    return transpose(x, -1, -2)


@primitive(save=(), static=("shape",))
def broadcast_to(x, shape):
    """A read-only broadcast view of `x` with `shape`."""
    try:
        y = np.broadcast_to(x, shape)
    except ValueError:
        raise ValueError(f"cannot broadcast shape {np.shape(x)} to {tuple(shape)}") from None
    return y, (lambda g, y, x: unbroadcast(g, x.shape),)


def expand(x, sizes):
    """Tensor.expand: broadcast to `sizes`, where -1 keeps the existing size."""
    sizes = tuple(sizes)
    shape = np.shape(x)
    lead = len(sizes) - len(shape)
    if lead < 0 or -1 in sizes[:lead]:
        raise ValueError(f"expand: sizes {sizes} do not fit a tensor of shape {shape} (-1 may "
                         "only stand for an existing dim)")
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
    return reshape(x, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


@primitive(save=())
def _cat(*xs, dim=0):
    """Concatenate along `dim` (the primitive behind cat)."""
    if not xs:
        raise ValueError("expected a non-empty sequence of tensors")
    shapes = [np.shape(x) for x in xs]
    axis = normalize_dim(dim, len(shapes[0]), "cat")
    try:
        y = np.concatenate(xs, axis=axis)
    except ValueError:
        raise ValueError(f"tensors must have the same shape except in dimension {dim}, got "
                         f"shapes {shapes}") from None
    ends = np.cumsum([s[axis] for s in shapes])

    def piece(i):                       # d cat / d x_i = the slice of g where x_i went
        index = (slice(None),) * axis + (slice(ends[i] - np.shape(xs[i])[axis], ends[i]),)
        return lambda g, y, *xs: ix.getitem(g, index)
    return y, tuple(piece(i) for i in range(len(xs)))


def cat(tensors, dim=0):
    """Concatenate a sequence of tensors along an existing axis. As in PyTorch, a legacy
    empty tensor of shape (0,) is skipped beside tensors of other ranks."""
    tensors = list(tensors)
    if any(np.ndim(t) != 1 for t in tensors):
        tensors = [t for t in tensors if np.shape(t) != (0,)] or tensors[:1]
    return _cat(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Join a sequence of same-shaped tensors along a new axis."""
    shapes = {np.shape(t) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: expects tensors of equal shape, got shapes "
                         f"{[np.shape(t) for t in tensors]}")
    return _cat(*[unsqueeze(t, dim) for t in tensors], dim=dim)


def split(x, split_size_or_sections, dim=0):
    """torch.split: pieces of `split_size` along `dim` (the last may be shorter), or pieces of
    the given sizes, which must add up to the length of `dim`."""
    axis = normalize_dim(dim, np.ndim(x), "split")
    n = np.shape(x)[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s)
                 for s in range(0, n, split_size_or_sections)] or [0]      # n = 0: one piece
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n or any(k < 0 for k in sizes):
            raise ValueError(f"split: sections {sizes} must be non-negative and add up to "
                             f"{n}, the length of dimension {dim} of shape {np.shape(x)}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(ix.getitem(x, (slice(None),) * axis + (slice(s, s + k),))
                 for s, k in zip(starts, sizes))


def chunk(x, chunks, dim=0):
    """torch.chunk: at most `chunks` pieces of equal length (the last may be shorter)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = np.shape(x)[normalize_dim(dim, np.ndim(x), "chunk")]
    return split(x, math.ceil(n / chunks) if n else [0] * chunks, dim)    # n = 0: chunks empties


def _pad_widths(x, pad, op="pad", negative=False):
    """PyTorch's flat padding (left, right of the last axis, then of the one before, ...) as
    NumPy's (before, after) per axis, checked (negative widths, which crop, only if allowed)."""
    pad, ndim = tuple(pad), np.ndim(x)
    if len(pad) % 2 or len(pad) // 2 > ndim or (not negative and any(p < 0 for p in pad)):
        raise ValueError(f"{op}: padding {pad} must be non-negative (before, after) pairs for at "
                         f"most {ndim} dims of input shape {np.shape(x)}")
    return [(0, 0)] * (ndim - len(pad) // 2) + [(pad[2 * i], pad[2 * i + 1])
                                                for i in reversed(range(len(pad) // 2))]


@primitive(save=(), static=("pad", "value"))
def _pad(x, pad, value=0.0):
    widths = _pad_widths(x, pad)
    crop = tuple(slice(lo, n + lo) for (lo, _), n in zip(widths, np.shape(x)))
    return np.pad(x, widths, constant_values=value), (lambda g, y, x: ix.getitem(g, crop),)


def _crop(x, amounts):
    """x without amounts (before, after) in pad's order: the negative part of a padding."""
    widths = _pad_widths(x, amounts)
    if any(lo + hi > n for (lo, hi), n in zip(widths, np.shape(x))):
        raise ValueError(f"pad: negative padding {tuple(-a for a in amounts)} removes more "
                         f"than input shape {np.shape(x)} has")
    return ix.getitem(x, tuple(slice(lo, n - hi) for (lo, hi), n in zip(widths, np.shape(x))))


def _source_index(n, lo, hi, mode):
    """For each position of an axis of length n padded by (lo, hi): the input position it
    copies. reflect mirrors about the edge element (2 1 | 0 1 2 | 1 0), replicate repeats it
    (0 0 | 0 1 2 | 2 2), circular wraps around (1 2 | 0 1 2 | 0 1)."""
    p = np.arange(-lo, max(n + hi, -lo))
    if mode == "reflect":
        return (n - 1) - np.abs((n - 1) - np.abs(p))
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    return p % n


def _check_pad_mode(x, pad, mode, widths):
    shape, k = np.shape(x), len(pad) // 2
    if not 1 <= k <= 3 or len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: mode {mode!r} pads the last 1, 2 or 3 dims of an input "
                                  f"with 1 or 2 dims before them; got padding {tuple(pad)} for "
                                  f"input shape {shape}")
    for axis, ((lo, hi), n) in enumerate(zip(widths, shape)):
        if mode == "reflect" and (lo or hi) and max(lo, hi) >= n:
            raise ValueError(f"pad: reflect padding {(lo, hi)} of dim {axis} must be less than "
                             f"its size {n} (input shape {shape})")
        if mode == "circular" and max(lo, hi) > n:
            raise ValueError(f"pad: circular padding {(lo, hi)} of dim {axis} wraps around its "
                             f"size {n} more than once (input shape {shape})")
        if mode == "replicate" and (lo or hi) and not n:
            raise ValueError(f"pad: replicate padding {(lo, hi)} of dim {axis} needs a "
                             f"non-empty dim (input shape {shape})")


def pad(x, pad=(), value=0.0, mode="constant"):
    """Pad the last len(pad) / 2 dims, PyTorch's order: (left, right) of the last axis, then of
    the one before, and so on. mode "constant" fills `value`; "reflect", "replicate" and
    "circular" copy elements of x (see _source_index) and are compositions of getitem, whose
    VJP sums the copies back."""
    pad = tuple(pad)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    # a negative width crops: first for constant and circular padding; for reflect and
    # replicate the output positions -lo .. n + hi - 1 map to their sources (PyTorch's order)
    if mode in ("constant", "circular") and any(p < 0 for p in pad):
        x = _crop(x, tuple(-min(p, 0) for p in pad))
        pad = tuple(max(p, 0) for p in pad)
    if mode == "constant":
        return _pad(x, pad, value)
    widths = _pad_widths(x, pad, negative=True)
    _check_pad_mode(x, pad, mode, widths)
    for axis, ((lo, hi), n) in enumerate(zip(widths, np.shape(x))):
        if lo or hi:
            x = along(x, axis, _source_index(n, lo, hi, mode))
    return x


@primitive(save=(), static=("dims",))
def flip(x, dims):
    """Reverse the order of elements along `dims`."""
    dims = normalize_dims(dims, np.ndim(x), "flip")
    return np.flip(x, dims), (lambda g, y, x: flip(g, dims),)


@primitive(save=(), static=("reps",))
def tile(x, reps):
    """np.tile: repeat `x` reps[i] times along axis i (missing leading reps count as 1)."""
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
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
