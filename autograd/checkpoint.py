"""Activation checkpointing: trade compute for memory, as torch.utils.checkpoint."""
import numpy as np

from .backprop import grad
from .engine import primitive
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


@primitive
def _checkpoint(*xs, fn=None):
    """fn(*xs) run without recording; backward runs it again, recording, and differentiates
    that. Only the inputs are saved, none of fn's intermediate values."""
    with no_grad():
        y = fn(*[Tensor._wrap(x) if isinstance(x, np.ndarray) else x for x in xs]).data
    recomputed = [None, None]                 # [g, gradients]: one recomputation per backward

    def vjp(k):
        def gk(g, y, *xs):
            if recomputed[0] is not g:
                record = isinstance(g, Tensor)  # create_graph: differentiate the Tensors given
                ts = [x if record or not isinstance(x, np.ndarray) else
                      Tensor._wrap(x, x.dtype.kind == "f") for x in xs]
                diff = [t for t in ts if isinstance(t, Tensor) and t.requires_grad]
                with enable_grad():
                    gs = grad(fn(*ts), diff, g, create_graph=record, allow_unused=True)
                grads = dict(zip(map(id, diff), gs))
                recomputed[:] = g, [grads.get(id(t)) for t in ts]
            gx = recomputed[1][k]
            if gx is None:
                return np.zeros(xs[k].shape, xs[k].dtype)
            return gx if isinstance(g, Tensor) else gx.data
        return gk
    return y, tuple(vjp(k) for k in range(len(xs)))


def checkpoint(fn, *args):
    """fn(*args), a Tensor, without keeping fn's intermediate values for backward: they are
    recomputed when the gradient is needed. fn must be deterministic (no dropout draws)."""
    if not callable(fn):
        raise TypeError(f"checkpoint: fn must be callable, got {type(fn).__name__}")
    return _checkpoint(*args, fn=fn)
