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
    """`dim` (None, int or sequence) as a sorted tuple of non-negative axes, checked."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dimension {d} out of range for a tensor of {ndim} dims")
        out.append(d % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dimension repeated in {dim}")
    return tuple(sorted(out))


def normalize_dim(dim, ndim, op):
    """One axis `dim` (an int, -ndim <= dim < ndim) as a non-negative int, checked."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dimension {dim} out of range for a tensor of {ndim} dims")
    return dim % ndim


from . import reduce, shape   # noqa: E402  (they import normalize_dims from here)
