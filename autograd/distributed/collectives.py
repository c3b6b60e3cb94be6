"""Collectives on the default group, as torch.distributed's: in place on a Tensor's data (or a
plain array), every rank calling the same collectives in the same order. Each starts a
non-blocking MPI collective; `async_op=True` returns its Work (`wait()`), otherwise the call
waits for it. A Tensor changed in place gets its version bumped, as an in-place op would.
"""
import enum

import numpy as np

from .. import engine
from . import group


class ReduceOp(enum.Enum):
    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"                       # SUM, then divided by the world size (float dtypes only)


_MPI_OPS = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD",
            ReduceOp.MIN: "MIN", ReduceOp.MAX: "MAX"}


class Work:
    """A collective in flight. `wait()` completes it (and writes its results back) and returns
    True; `is_completed()` asks MPI without waiting."""

    def __init__(self, request, what, finish):
        self._request, self._what, self._finish = request, what, finish

    def is_completed(self):
        if self._finish is None:
            return True
        if not self._request.Test():
            return False
        self.wait()
        return True

    def wait(self, timeout=None):
        """Complete the collective; past `timeout` (a timedelta; default the group's) raise."""
        if self._finish is not None:
            group.wait(self._request, self._what,
                       None if timeout is None else timeout.total_seconds())
            finish, self._finish = self._finish, None
            finish()
        return True


def _array(t, what, name="tensor"):
    """The array a collective reads and writes: a Tensor's data, or an ndarray."""
    a = t._data if isinstance(t, engine.Tensor) else t
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{what}: {name} must be a Tensor or a numpy array, got "
                        f"{type(t).__name__}")
    if a.dtype.kind not in "fiuc":
        raise TypeError(f"{what}: {name} has dtype {a.dtype}; collectives take numeric dtypes")
    return a


def _staging(a):
    """`a` itself if MPI can write into it directly, else a contiguous copy to copy back."""
    return a if a.flags.c_contiguous and a.flags.writeable else np.ascontiguousarray(a)


def _mpi_op(op, dtype, what):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a ReduceOp (SUM, PRODUCT, MIN, MAX, AVG), got {op!r}")
    if op is ReduceOp.AVG and dtype.kind not in "fc":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating dtype, got {dtype}")
    if op in (ReduceOp.MIN, ReduceOp.MAX) and dtype.kind == "c":
        raise TypeError(f"{what}: ReduceOp.{op.name} is not defined for complex dtype {dtype}")
    return getattr(group._mpi(), _MPI_OPS[op])


def _written(targets, op=None, size=1):
    """What completes a collective: divide for AVG, copy each staged buffer back into its
    array, bump the versions of the Tensors written."""
    def finish():
        for t, a, buf in targets:
            if op is ReduceOp.AVG:
                buf /= size
            if buf is not a:
                np.copyto(a, buf.reshape(a.shape))
            if isinstance(t, engine.Tensor):
                engine.bump_version(t)
    return finish


def _run(request, what, finish, async_op):
    work = Work(request, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def _check_group(group_arg, what):
    if group_arg is not None:
        raise NotImplementedError(f"{what}: only the default group (group=None) is supported")


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` over all ranks with `op`; every rank gets the result in place."""
    what = "all_reduce"
    _check_group(group, what)
    comm = _comm(what)
    a = _array(tensor, what)
    buf = _staging(a)
    request = comm.Iallreduce(_in_place(), buf, op=_mpi_op(op, a.dtype, what))
    return _run(request, what, _written([(tensor, a, buf)], op, comm.Get_size()), async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Copy rank `src`'s `tensor` into every rank's, in place."""
    what = "broadcast"
    _check_group(group, what)
    comm = _comm(what)
    _check_rank(src, comm, what, "src")
    a = _array(tensor, what)
    buf = _staging(a)
    request = comm.Ibcast(buf, root=src)
    return _run(request, what, _written([(tensor, a, buf)]), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill tensor_list[r] with rank r's `tensor`, on every rank."""
    what = "all_gather"
    _check_group(group, what)
    comm = _comm(what)
    a = _array(tensor, what)
    outs = _list_like(tensor_list, a, comm.Get_size(), what, "tensor_list")
    gathered = np.empty((len(outs),) + a.shape, a.dtype)             # (world, *shape)
    request = comm.Iallgather(np.ascontiguousarray(a), gathered)
    views = [gathered[i:i + 1].reshape(a.shape) for i in range(len(outs))]  # (1, *shape) -> shape
    return _run(request, what, _written([(t, o, v) for (t, o), v in zip(outs, views)]),
                async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce input_list[r] over all ranks with `op` into rank r's `output`."""
    what = "reduce_scatter"
    _check_group(group, what)
    comm = _comm(what)
    a = _array(output, what, "output")
    ins = _list_like(input_list, a, comm.Get_size(), what, "input_list")
    send = np.stack([x for _, x in ins])                              # (world, *shape)
    buf = _staging(a)
    request = comm.Ireduce_scatter_block(send, buf, op=_mpi_op(op, a.dtype, what))
    return _run(request, what, _written([(output, a, buf)], op, comm.Get_size()), async_op)


def barrier(group=None, async_op=False):
    """Wait until every rank has reached its barrier."""
    _check_group(group, "barrier")
    return _run(_comm("barrier").Ibarrier(), "barrier", lambda: None, async_op)


def _comm(what):
    return group.comm(what)


def _in_place():
    return group._mpi().IN_PLACE


def _check_rank(r, comm, what, name):
    if not isinstance(r, (int, np.integer)) or not 0 <= r < comm.Get_size():
        raise ValueError(f"{what}: {name}={r!r} is not a rank of the group (0 to "
                         f"{comm.Get_size() - 1})")


def _list_like(tensors, a, size, what, name):
    """[(tensor, array)] for a list of `size` tensors shaped and typed like `a`."""
    tensors = list(tensors)
    if len(tensors) != size:
        raise ValueError(f"{what}: {name} has {len(tensors)} entries; the group has {size} "
                         f"ranks")
    pairs = [(t, _array(t, what, f"{name}[{i}]")) for i, t in enumerate(tensors)]
    for i, (_, x) in enumerate(pairs):
        if x.shape != a.shape or x.dtype != a.dtype:
            raise ValueError(f"{what}: {name}[{i}] has shape {x.shape} and dtype {x.dtype}; "
                             f"expected shape {a.shape} and dtype {a.dtype}")
    return pairs
