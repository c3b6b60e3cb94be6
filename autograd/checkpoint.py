"""Activation checkpointing: trade compute for memory, as torch.utils.checkpoint."""
import numpy as np

from .backprop import grad
from .engine import primitive
from .grad_mode import enable_grad, is_recording, no_grad
from .tensor import Tensor


@primitive(save=("xs",))
def _checkpoint(*xs, fn):
    """fn(*xs) run without recording; backward runs it again, recording, and differentiates
    that. Only the inputs are saved, none of fn's intermediate values."""
    with no_grad():
        y = fn(*[Tensor._wrap(x) if isinstance(x, np.ndarray) else x for x in xs])._data
    recomputed = [None, None]                 # [g, gradients]: one recomputation per backward

    def vjp(k):
        def gk(g, y, *xs):
            if recomputed[0] is not g:
                record = is_recording()       # create_graph: differentiate the Tensors given
                ts = [Tensor._wrap(x, not record and x.dtype.kind == "f")
                      if isinstance(x, np.ndarray) else x for x in xs]
                diff = [t for t in ts if isinstance(t, Tensor) and t.requires_grad]
                with enable_grad():
                    gs = grad(fn(*ts), diff, g, create_graph=record, allow_unused=True)
                grads = dict(zip(map(id, diff), gs))
                recomputed[:] = g, [grads.get(id(t)) for t in ts]
            gx = recomputed[1][k]
            if gx is None:
                return np.zeros(xs[k].shape, xs[k].dtype)
            return gx if is_recording() else gx._data
        return gk
    return y, tuple(vjp(k) for k in range(len(xs)))


def checkpoint(fn, *args):
    """fn(*args), a Tensor, without keeping fn's intermediate values for backward: they are
    recomputed when the gradient is needed. fn must be deterministic (no dropout draws)."""
    if not callable(fn):
        raise TypeError(f"checkpoint: fn must be callable, got {type(fn).__name__}")
    return _checkpoint(*args, fn=fn)
