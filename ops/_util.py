"""Helpers shared by the op families."""
import numpy as np


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
    """One axis `dim` (an int, -ndim <= dim < ndim) as a non-negative int, checked. A 0-d
    tensor accepts dim 0 or -1, as in PyTorch (the op then treats it as a 1-element vector)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    n = ndim or 1
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} out of range for a tensor of {ndim} dims")
    return dim % n



def quiet(fwd):
    """`fwd` computing IEEE special values silently, as PyTorch does (log(0) = -inf, 0/0 = nan,
    exp(1000) = inf): NumPy's divide, invalid and overflow warnings are off inside it. Only
    the ops that meet special values on finite inputs wear it (entering it costs about a
    microsecond); backward passes run under the same setting (autograd.backprop)."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")(fwd)


_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))    # dtype == dtype is quick


def kernel_ready(a, *others):
    """Whether a flat-array kernel takes `a` and `others`: C-contiguous float32 or float64
    ndarrays (not Tensors: a VJP recorded for double backward gets Tensors), of one dtype and
    shape. Called in hot VJPs: a loop, not a generator (0.2 against 0.6 us)."""
    if not (type(a) is np.ndarray and a.dtype in _KERNEL_DTYPES and a.flags.c_contiguous):
        return False
    for o in others:
        if not (type(o) is np.ndarray and o.dtype == a.dtype and o.shape == a.shape
                and o.flags.c_contiguous):
            return False
    return True


def once_per_gradient():
    """shared(g, compute): compute() the first time the output gradient g is seen, its result
    again after: for the VJPs of one node that share one pass over g (one VJP per input, all
    called with the same g)."""
    memo = {}

    def shared(g, compute):
        if memo.get("g") is not g:
            memo["g"], memo["value"] = g, compute()
        return memo["value"]
    return shared
