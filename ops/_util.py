"""Helpers shared by the op families."""


def unbroadcast(g, shape_):
    """Sum `g` down to `shape_`: the VJP of NumPy broadcasting."""
    if g.shape == shape_:
        return g
    lead = g.ndim - len(shape_)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape_)
                                      if n == 1 and g.shape[lead + i] != 1)
    return shape.reshape(reduce.sum(g, axes), shape_)      # (..., shape_) -> shape_


def normalize_dims(dim, ndim, op):
    """`dim` (None, int or sequence) as a sorted tuple of non-negative axes, checked."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dimension {d} out of range for a tensor of {ndim} dims")
        out.append(d % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dimension repeated in {dim}")
    return tuple(sorted(out))


from . import reduce, shape   # noqa: E402  (they import normalize_dims from here)
