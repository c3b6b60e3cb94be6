"""NumPy's dispatch protocols for Tensor (`__array_ufunc__`, `__array_function__`): a NumPy
function called on Tensors is looked up in a table (NumPy function -> small adapter), and

* where tapegrad has the op (np.exp, np.add, np.sum(axis=, keepdims=), np.var(ddof=),
  np.concatenate, ...), the adapter maps NumPy's arguments to the op's: the result is a Tensor,
  recorded on the tape when an input requires grad;
* queries and tests (np.shape, np.result_type, np.allclose, np.nonzero, np.zeros_like) are
  answered from the data with plain values; comparisons and np.isnan-like ufuncs give a bool
  Tensor that does not require grad, as Tensor's `==` does;
* anything else (a function, or an argument such as out= or dtype=, that tapegrad has no op
  for) runs as NumPy on the data and returns NumPy's plain result when nothing would be
  recorded, as PyTorch's __array__ lets it (`array += tensor`, np.unique(labels)). Where a
  Tensor requires grad (in grad mode) it raises a TypeError naming the function instead of
  silently dropping the graph.

np.asarray(t) and np.array(t) are not dispatched: they return the data (Tensor.__array__).
See docs/numpy.md.
"""
import operator

import numpy as np

from .grad_mode import is_grad_enabled
from . import engine
import ops

# (ufunc, method) -> adapter, and NumPy function -> adapter. Filled on first use: importing
# ops first imports autograd, so ops may be half-imported when this module is.
_UFUNCS, _FUNCTIONS = {}, {}


def array_ufunc(ufunc, method, inputs, kwargs):
    """Tensor.__array_ufunc__: np.exp(t), array * t, np.add.reduce(t)."""
    if not _UFUNCS:
        _fill_tables()
    adapter = _UFUNCS.get((ufunc, method))
    try:
        if adapter is None:
            raise _Unsupported("")
        if "out" in kwargs:                 # also `array += t`: NumPy's in-place operators
            raise _Unsupported(" with out=")
        if kwargs and method == "__call__":     # ops take no dtype=, where=, casting=
            raise _Unsupported(f" with {next(iter(kwargs))}=")
        return adapter(*inputs, **kwargs)
    except _Unsupported as e:
        name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        return _numpy_on_data(name, str(e), getattr(ufunc, method), inputs, kwargs)


def array_function(func, types, args, kwargs):
    """Tensor.__array_function__: np.sum(t, axis=0), np.concatenate([t, a]), np.shape(t)."""
    for t in types:
        if not issubclass(t, (engine.Tensor, np.ndarray)):
            return NotImplemented           # another array type: let it (or NumPy) answer
    if not _FUNCTIONS:
        _fill_tables()
    adapter = _FUNCTIONS.get(func)
    try:
        if adapter is None:
            raise _Unsupported("")
        return adapter(*args, **kwargs)
    except _Unsupported as e:
        name = f"np{func.__module__.removeprefix('numpy')}.{func.__name__}"    # np.linalg.svd
        return _numpy_on_data(name, str(e), func, args, kwargs)


class _Unsupported(Exception):
    """Raised by an adapter for an argument its op can't take; the message says which, as
    " with dtype=" (or "" for a function with no adapter)."""


def _refuse(**arguments):
    """Raise _Unsupported for the first of `arguments` that was given (is not None)."""
    for name, value in arguments.items():
        if value is not None:
            raise _Unsupported(f" with {name}=")


def _numpy_on_data(name, unsupported, call, args, kwargs):
    """NumPy's own `call` on the data where nothing would be recorded; else a TypeError naming
    the function and what tapegrad has no op for (`unsupported`: "" or " with out=")."""
    if is_grad_enabled() and any(t.requires_grad for t in _tensors((args, *kwargs.values()))):
        raise TypeError(f"{name}{unsupported}: tapegrad has no op for this, so its result can't "
                        "be recorded on the tape for a Tensor that requires grad. Record it with a "
                        "tapegrad op from `ops`, or call it on np.asarray(t) to drop the graph "
                        "explicitly")
    if any(True for _ in _tensors(kwargs.get("out"))):
        raise TypeError(f"{name}: out= can't be a Tensor (the write would bypass the tape); use "
                        "the result, or the Tensor's in-place methods")
    return _on_data(call)(*args, **kwargs)


def _tensors(x):
    """The Tensors in x, looking inside lists and tuples (np.concatenate's sequence)."""
    if isinstance(x, engine.Tensor):
        yield x
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _tensors(v)


def _data(x):
    """x with each Tensor replaced by its array, inside lists and tuples too."""
    if isinstance(x, engine.Tensor):
        return x._data
    if isinstance(x, list):
        return [_data(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_data(v) for v in x)
    return x


def _on_data(func):
    """`func` answered from the arrays behind the Tensors: a plain value, nothing to record."""
    def query(*args, **kwargs):
        return func(*_data(args), **{k: _data(v) for k, v in kwargs.items()})
    return query


def _bool_tensor(ufunc):
    """A comparison or test ufunc on the data, as a Tensor that does not require grad."""
    return lambda *inputs: engine.Tensor._wrap(ufunc(*_data(inputs)))


# ---- adapters: NumPy's signature (parameter names and positions) -> the op's ----------------
def _flat_if_none(a, axis):
    """(a, axis), with a flattened and axis 0 where NumPy's axis=None means the flat array."""
    return (ops.reshape(a, (-1,)), 0) if axis is None else (a, axis)


def _sum_or_mean(op):
    def adapter(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        _refuse(dtype=dtype, out=out, initial=initial, where=where)
        return op(a, axis=axis, keepdims=keepdims)
    return adapter


def _max_or_min(op):
    def adapter(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _refuse(out=out, initial=initial, where=where)
        return op(a, axis=axis, keepdims=keepdims)
    return adapter


def _var_or_std(op):
    def adapter(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
                mean=None, correction=None):
        _refuse(dtype=dtype, out=out, where=where, mean=mean)
        return op(a, axis=axis, keepdims=keepdims,
                  correction=ddof if correction is None else correction)
    return adapter


def _argmax_or_argmin(op):
    def adapter(a, axis=None, out=None, *, keepdims=False):
        _refuse(out=out)
        return op(a, axis, keepdims)
    return adapter


def _axis0(adapter):
    """A ufunc method (np.add.reduce, np.add.accumulate): as the function, but axis defaults to
    0 and out= is handled by array_ufunc."""
    def method(a, axis=0, dtype=None, **kwargs):
        _refuse(dtype=dtype)
        return adapter(a, axis=axis, **kwargs)
    return method


def _cumsum(a, axis=None, dtype=None, out=None):
    _refuse(dtype=dtype, out=out)
    return ops.cumsum(*_flat_if_none(a, axis))


def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    _refuse(order=order)                # every kind sorts to the same values
    return ops.sort(*_flat_if_none(a, axis)).values


def _argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    _refuse(order=order)                # ops' sort is stable: a valid order for every kind
    return ops.argsort(*_flat_if_none(a, axis))


def _concatenate(arrays, axis=0, out=None, *, dtype=None, casting=None):
    _refuse(out=out, dtype=dtype, casting=casting)
    if axis is None:                    # NumPy joins the flattened arrays
        arrays, axis = [ops.reshape(x, (-1,)) for x in arrays], 0
    return ops.concatenate(arrays, axis)


def _stack(arrays, axis=0, out=None, *, dtype=None, casting=None):
    _refuse(out=out, dtype=dtype, casting=casting)
    return ops.stack(arrays, axis)


def _split(np_split):
    """np.split / np.array_split as ops.split: NumPy counts sections or gives split indices,
    ops takes piece sizes, so the sizes are NumPy's own pieces of the positions 0..n-1."""
    def adapter(ary, indices_or_sections, axis=0):
        n = ary.shape[ops._util.normalize_dim(axis, ary.ndim, "split")]
        sizes = [len(piece) for piece in np_split(np.arange(n), indices_or_sections)]
        return list(ops.split(ary, sizes, axis))
    return adapter


def _where(condition, *x_y):
    if not x_y:                         # np.where(c) is np.nonzero(c): indices, plain data
        return np.nonzero(_data(condition))
    return ops.where(condition, *x_y)


def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    _refuse(order=None if order == "C" else order, copy=copy)
    return ops.reshape(a, newshape if shape is None else shape)     # newshape: NumPy < 2.1


def _transpose(a, axes=None):
    return ops.permute(a, tuple(reversed(range(np.ndim(a)))) if axes is None else axes)


def _reshaped_as(func):
    """A NumPy function that only reshapes (np.squeeze, np.expand_dims) as ops.reshape to the
    shape it gives a stand-in of a's shape, so NumPy checks its own arguments."""
    def adapter(a, *args, **kwargs):
        return ops.reshape(a, func(np.broadcast_to(False, a.shape), *args, **kwargs).shape)
    return adapter


def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **unsupported):
    _refuse(out=out, **unsupported)
    return ops.clamp(a, a_min if min is None else min, a_max if max is None else max)


def _dot(a, b, out=None):
    _refuse(out=out)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return ops.mul(a, b)
    if np.ndim(b) > 2:                  # np.dot then sums over b's second-to-last axis
        raise _Unsupported(" of a second operand with more than 2 dims (use np.matmul)")
    return ops.matmul(a, b)             # np.dot is matmul for every other shape


def _outer(a, b, out=None):
    _refuse(out=out)
    return ops.outer(ops.reshape(a, (-1,)), ops.reshape(b, (-1,)))     # NumPy flattens both


def _einsum(subscripts, *operands, out=None, optimize=None, **unsupported):
    _refuse(out=out, **unsupported)     # optimize picks the contraction order, not the result
    if not isinstance(subscripts, str):
        raise _Unsupported(" in its operand, sublist form")
    return ops.einsum(subscripts, *operands)


def _round(a, decimals=0, out=None):
    _refuse(decimals=decimals or None, out=out)     # engine.Tensor.round rounds to integers only
    return a.round()


def _astype(x, dtype, *, copy=True, device=None):
    return ops.astype(x, dtype)         # a new Tensor whatever copy says; device: NumPy's cpu


def _fill_tables():
    """The tables: one adapter per NumPy function or ufunc method tapegrad answers."""
    differentiable = {
        np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul, np.true_divide: ops.div,
        np.negative: ops.neg, np.power: ops.pow, np.remainder: ops.remainder,
        np.floor_divide: ops.floor_divide, np.matmul: ops.matmul, np.maximum: ops.maximum,
        np.minimum: ops.minimum, np.exp: ops.exp, np.expm1: ops.expm1, np.log: ops.log,
        np.log1p: ops.log1p, np.sqrt: ops.sqrt, np.absolute: ops.abs, np.sign: ops.sign,
        np.sin: ops.sin, np.cos: ops.cos, np.tanh: ops.tanh,
        # Tensor's methods of NumPy's name (the ufunc is unary, so its input is the engine.Tensor)
        np.square: engine.Tensor.square, np.reciprocal: engine.Tensor.reciprocal, np.floor: engine.Tensor.floor,
        np.ceil: engine.Tensor.ceil, np.trunc: engine.Tensor.trunc}
    tests = (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
             np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_and, np.logical_or,
             np.logical_xor, np.logical_not, np.bitwise_and, np.bitwise_or, np.bitwise_xor,
             np.invert)
    _UFUNCS.update({(u, "__call__"): op for u, op in differentiable.items()})
    _UFUNCS.update({(u, "__call__"): _bool_tensor(u) for u in tests})
    _UFUNCS.update({(np.add, "reduce"): _axis0(_sum_or_mean(ops.sum)),
                    (np.maximum, "reduce"): _axis0(_max_or_min(ops.amax)),
                    (np.minimum, "reduce"): _axis0(_max_or_min(ops.amin)),
                    (np.add, "accumulate"): _axis0(_cumsum)})

    queries = (np.size, np.result_type, np.iscomplexobj, np.isrealobj, np.may_share_memory,
               np.shares_memory, np.array_equal, np.array_equiv, np.allclose, np.isclose,
               np.all, np.any, np.count_nonzero, np.nonzero, np.argwhere, np.flatnonzero,
               np.zeros_like, np.ones_like, np.empty_like, np.full_like)
    _FUNCTIONS.update({f: _on_data(f) for f in queries})
    _FUNCTIONS.update({
        # the ops ask these of Tensors on every call: straight to the attribute
        np.shape: operator.attrgetter("data.shape"), np.ndim: operator.attrgetter("data.ndim"),
        np.sum: _sum_or_mean(ops.sum), np.mean: _sum_or_mean(ops.mean),
        np.max: _max_or_min(ops.amax), np.amax: _max_or_min(ops.amax),
        np.min: _max_or_min(ops.amin), np.amin: _max_or_min(ops.amin),
        np.var: _var_or_std(ops.var), np.std: _var_or_std(ops.std),
        np.argmax: _argmax_or_argmin(ops.argmax), np.argmin: _argmax_or_argmin(ops.argmin),
        np.cumsum: _cumsum, np.sort: _sort, np.argsort: _argsort,
        np.concatenate: _concatenate, np.stack: _stack,
        np.split: _split(np.split), np.array_split: _split(np.array_split),
        np.where: _where, np.reshape: _reshape, np.transpose: _transpose,
        np.squeeze: _reshaped_as(np.squeeze), np.expand_dims: _reshaped_as(np.expand_dims),
        # NumPy's parameter names, for calls that pass them by keyword (subok: a Tensor anyway)
        np.swapaxes: lambda a, axis1, axis2: ops.swapaxes(a, axis1, axis2),
        np.broadcast_to: lambda array, shape, subok=False: ops.broadcast_to(array, shape),
        np.tile: lambda A, reps: ops.tile(A, reps),
        np.flip: lambda m, axis=None: ops.flip(m, axis),
        np.clip: _clip, np.dot: _dot, np.outer: _outer, np.einsum: _einsum,
        np.round: _round, np.around: _round})
    if hasattr(np, "astype"):               # NumPy >= 2.1
        _FUNCTIONS[np.astype] = _astype
