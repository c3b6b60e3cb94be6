"""all_reduce as a differentiable op (torch.distributed.nn.functional.all_reduce): every rank
gets y = sum_r x_r, and the gradient of every rank's x is the sum of every rank's upstream
gradient, itself an all_reduce, so it differentiates again. SyncBatchNorm builds on it."""
import numpy as np

from ...extend import primitive, is_tensor
from .. import collectives
from ..collectives import ReduceOp
from ..group import get_world_size


@primitive(save=())
def _all_reduce(x):
    y = np.array(x)                     # a copy: the op's input is left as it was
    collectives.all_reduce(y)
    return y, (lambda g, y, x: _all_reduce(g),)     # d(sum_r x_r)/dx_r' = I on every rank


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """Sum (or average, op=ReduceOp.AVG) `tensor` over the ranks, as a new Tensor on the tape."""
    if op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise ValueError(f"all_reduce: the differentiable all_reduce takes ReduceOp.SUM or AVG, "
                         f"got {op!r}")
    if group is not None:
        raise NotImplementedError("all_reduce: only the default group (group=None) is supported")
    if not is_tensor(tensor):
        raise TypeError(f"all_reduce: expected a Tensor, got {type(tensor).__name__}")
    y = _all_reduce(tensor)
    return y / get_world_size() if op is ReduceOp.AVG else y
