"""Helpers shared by the op families."""
import numpy as np



def unbroadcast(g, shape_):
    """Sum `g` down to `shape_`: the VJP of NumPy broadcasting."""
    if g.shape == shape_:
        return g
    lead = g.ndim - len(shape_)
    ones = tuple(lead + i for i, n in enumerate(shape_) if n == 1 and g.shape[lead + i] != 1)
    if not lead:
        return reduce.sum(g, ones, True)                   # one call: keepdim gives shape_
    g = reduce.sum(g, tuple(range(lead)) + ones)
    return g if not ones else shape.reshape(g, shape_)     # (shape_ without its 1s) -> shape_


def normalize_dims(dim, ndim, op):
    """`dim` (None, int or sequence) as a sorted tuple of non-negative axes, checked. A 0-d
    tensor accepts dim 0 or -1, as in PyTorch, and has no axes to reduce."""
    if dim is None:
        return tuple(range(ndim))
    n = ndim or 1
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = sorted({d % n for d in dims if -n <= d < n})
    if len(out) != len(dims):
        for d in dims:
            if not -n <= d < n:
                raise IndexError(f"{op}: dimension {d} out of range for a tensor of {ndim} dims")
        raise ValueError(f"{op}: dimension repeated in {dim}")
    return tuple(out) if ndim else ()


def along(x, dim, index):
    """x indexed by `index` on axis `dim` alone, x[:, ..., index] (getitem on a Tensor)."""
    return x[(slice(None),) * dim + (index,)]


def normalize_dim(dim, ndim, op):
    """One axis `dim` (an int, -ndim <= dim < ndim) as a non-negative int, checked."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dimension {dim} out of range for a tensor of {ndim} dims")
    return dim % ndim


from . import reduce, shape   # noqa: E402  (they import normalize_dims from here)
