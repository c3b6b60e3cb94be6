"""Indexing: getitem (basic, advanced and boolean), its adjoint index_put_add, index_put (what
`x[index] = v` records), and PyTorch's gather / scatter_add along a dimension. Repeated indices
accumulate their gradients."""
import numpy as np

from autograd.extend import primitive, unbroadcast, plain
from ._nn_kernels import scatter_add_rows
from ._util import normalize_dim


def _index(index):
    """A NumPy index from what a user may write: Tensors and lists become arrays."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        i = plain(i)
        if isinstance(i, list):
            i = np.asarray(i) if i else np.empty(0, np.intp)      # [] selects nothing
        if isinstance(i, np.ndarray) and i.dtype.kind not in "iub":
            raise IndexError(f"tensors used as indices must be integer or bool, got {i.dtype}")
        out.append(i)
    return tuple(out)


def _hits_once(index):
    """True when `index` hits no element twice: ints, slices, None, Ellipsis and boolean
    masks only (an integer array may repeat an index)."""
    return not any(isinstance(i, np.ndarray) and i.dtype != np.bool_ for i in index)


@primitive(save=(), static=("index",))
def getitem(x, index):
    """x[index], with NumPy's basic, advanced and boolean indexing."""
    index = _index(index)
    y = np.asarray(x)[index]
    return y, (lambda g, y, x: index_put_add(g, shape=x.shape, index=index),)


@primitive(save=(), static=("shape", "index"))
def index_put_add(g, shape, index):
    """zeros(shape) with g added at `index` (repeats accumulate): the adjoint of getitem."""
    index = _index(index)
    z = np.zeros(shape, dtype=np.result_type(g))
    if _hits_once(index):
        z[index] = g
    else:
        _add_at(z, index, np.asarray(g))
    return z, (lambda gg, y, g: getitem(gg, index),)


def _add_at(z, index, g):
    """np.add.at(z, index, g), by the numba row scatter where `index` is one array of
    in-range row numbers and g holds a whole row per entry (embedding_bag's sums): there
    np.add.at's generic loop took 15 ms for 7680 rows of 100 into (17688, 100), the
    kernel under 1 ms (measured under load)."""
    rows = index[0] if len(index) == 1 else None
    if (isinstance(rows, np.ndarray) and rows.dtype.kind in "iu" and rows.size and z.size
            and g.dtype in (np.float32, np.float64) and g.shape == rows.shape + z.shape[1:]
            and rows.min() >= 0 and rows.max() < z.shape[0]):
        scatter_add_rows(z.reshape(z.shape[0], -1), rows.reshape(-1).astype(np.int64),
                         g.reshape(rows.size, -1))              # (n, ...) -> (n, row size)
    else:
        np.add.at(z, index, g)


@primitive(save=(), static=("index",))
def index_put(x, v, index):
    """A copy of x with x[index] = v (v broadcast to the indexed shape): `x[index] = v` on a
    Tensor records this. Where an integer index repeats, the last write wins (as in NumPy)."""
    index = _index(index)
    y = np.array(x, copy=True)
    y[index] = v
    # d/dx: g where x survived, 0 where it was overwritten; d/dv: g at the written places
    return y, (lambda g, y, x, v: index_put(g, 0, index=index),
               lambda g, y, x, v: unbroadcast(getitem(g, index), v.shape))


def _along(index, dim):
    """The full index tuple that picks index[...] along `dim` and the identity elsewhere."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _check_index(op, x_shape, dim, index, src_shape=None):
    """The index array and `dim` as a non-negative axis, checked as PyTorch does: an integer
    index with the input's number of dims and no negative entries, no longer than the input
    outside `dim` (and than `src` everywhere)."""
    index = np.asarray(plain(index))
    if index.dtype.kind not in "iu":
        raise IndexError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != len(x_shape):
        raise IndexError(f"{op}: index of shape {index.shape} must have as many dims as the "
                         f"input of shape {x_shape}")
    axis = normalize_dim(dim, len(x_shape), op)
    if any(k > n for d, (k, n) in enumerate(zip(index.shape, x_shape)) if d != axis):
        raise IndexError(f"{op}: index of shape {index.shape} is larger than the input of shape "
                         f"{x_shape} outside dimension {dim}")
    if index.size and index.min() < 0:
        raise IndexError(f"{op}: index {index.min()} is out of bounds for dimension {dim} with "
                         f"size {x_shape[axis]}")
    if src_shape is not None and any(k > n for k, n in zip(index.shape, src_shape)):
        raise IndexError(f"{op}: index of shape {index.shape} is larger than src of shape "
                         f"{src_shape}")
    return index, axis


@primitive(save=())
def _gather(x, *, dim, index):
    index, axis = _check_index("gather", np.shape(x), dim, index)
    where = _along(index, axis)
    # d gather = scatter_add of g into zeros at the same places
    return np.asarray(x)[where], (lambda g, y, x: _scatter_add(np.zeros(x.shape, x.dtype), g,
                                                               dim=dim, index=index),)


def _zero_index(op, index):
    """For an op on a 0-d tensor (a vector of one): `index` as an array, all of it 0."""
    normalize_dim(0, 0, op)
    index = np.asarray(plain(index))
    if index.size and (index.dtype.kind not in "iu" or index.min() != 0 or index.max() != 0):
        raise IndexError(f"{op}: index {index.tolist()} is out of bounds for a 0-d tensor")
    return index


def gather(x, dim, index):
    """torch.gather: out[i][j][k] = x[index[i][j][k]][j][k] for dim = 0, and so on."""
    if np.ndim(x) == 0:
        normalize_dim(dim, 0, "gather")
        index = _zero_index("gather", index)
        return getitem(getitem(x, (None,)), (np.zeros(index.shape, np.intp),))
    if not np.size(plain(index)):       # an empty index of any shape gathers nothing
        normalize_dim(dim, np.ndim(x), "gather")
        return getitem(x, (np.zeros(np.shape(plain(index)), np.intp),) * np.ndim(x))
    return _gather(x, dim=dim, index=index)


@primitive(save=())
def _scatter_add(x, src, *, dim, index):
    index, axis = _check_index("scatter_add", np.shape(x), dim, index, np.shape(src))
    where = _along(index, axis)
    y = np.array(x, copy=True)
    np.add.at(y, where, np.asarray(src)[tuple(slice(0, n) for n in index.shape)])

    def gsrc(g, y, x, src):             # each src element went to one place: gather it back
        gs = _gather(g, dim=dim, index=index)
        return gs if gs.shape == src.shape else index_put_add(
            gs, shape=src.shape, index=tuple(slice(0, n) for n in index.shape))
    return y, (lambda g, y, x, src: g, gsrc)


def scatter_add(x, dim, index, src):
    """torch.scatter_add: a copy of x with src[i][j][k] added at x[index[i][j][k]][j][k]
    (dim = 0), repeated indices accumulating."""
    if np.ndim(x) == 0:                 # as vectors of one
        normalize_dim(dim, 0, "scatter_add")
        index = _zero_index("scatter_add", index).reshape(-1)
        return getitem(_scatter_add(getitem(x, (None,)), getitem(src, (None,)), dim=0,
                                    index=index), 0)
    return _scatter_add(x, src, dim=dim, index=index)
