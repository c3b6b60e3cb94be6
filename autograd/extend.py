"""The contract for writing ops: everything an op module imports from the engine, and nothing
else (the modules in `ops` import only this; docs/adding-an-op.md walks through one).

    @primitive(save=("y",))
    def tanh(x):
        return np.tanh(x), (lambda g, y, x: g * (1 - y * y),)    # d tanh = 1 - tanh^2

- `primitive(save=..., static=...)`: the forward takes arrays and returns (output, vjps), one
  `vjp(g, y, *xs)` per input (None where an input is not differentiable). `save` names what
  the VJPs read ("y" and input names); the node keeps only that. Settings are keyword-only or
  named in `static`; inputs have no defaults.
- `recording()`: true while the backward pass is itself recorded (create_graph). Then g and y
  are Tensors and the VJP must compute with ops (so it is differentiated in turn); otherwise
  everything is an array, and a VJP may take a fused NumPy path. `reuse` picks for it.
- `unbroadcast(g, shape)`: the VJP of broadcasting.
- `grad(outputs, inputs, grad_outputs, create_graph=...)`: for a VJP that differentiates a
  composition of ops (a fused op's reference) when it is recorded.
- `bump_version(t)`: an op that writes into a Tensor's data in place (running statistics, a
  renormalized embedding) records it, so that a backward through a graph that saved t raises.
- `plain(x)`: the array behind a Tensor; `is_tensor(x)`; `wrap(array)`: a Tensor that does not
  require grad, for non-differentiable results (indices, masks); `like(x, array)` wraps only
  when x is a Tensor, so an op called on arrays stays plain NumPy.
"""
import numpy as np

from . import engine
from .backprop import grad
from .engine import PRIMITIVES, bump_version, primitive
from .grad_mode import is_recording as recording


def plain(x):
    """The array behind a Tensor, or `x` itself."""
    return x._data if isinstance(x, engine.Tensor) else x


def is_tensor(x):
    return isinstance(x, engine.Tensor)


def wrap(array):
    """`array` as a Tensor that does not require grad (no copy)."""
    return engine.Tensor._wrap(array)


def like(x, array):
    """`array` wrapped as a Tensor that does not require grad when `x` is a Tensor, else as
    is: the result of a non-differentiable op (argmax, a mask) called on x."""
    return engine.Tensor._wrap(array) if isinstance(x, engine.Tensor) else array


def unbroadcast(g, shape):
    """Sum `g` down to `shape`: the VJP of NumPy broadcasting. A Tensor g (a recorded
    backward pass) is reduced with its recorded methods."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if isinstance(g, engine.Tensor):
        g = g.sum(tuple(range(lead)) + ones, keepdim=True)
    else:
        g = np.add.reduce(g, axis=tuple(range(lead)) + ones, keepdims=True)
    return g.reshape(shape) if lead else g       # (1, ..., 1, shape_ with its 1s) -> shape_


def reuse(saved, recompute, *args):
    """In a VJP: `saved`, a value the forward computed from arrays, when the backward pass is
    not recorded; `recompute(*args)`, the same value built from ops on the VJP's Tensors, when
    it is (so that it is differentiated too)."""
    return recompute(*args) if recording() else saved


__all__ = ["PRIMITIVES", "primitive", "recording", "reuse", "unbroadcast", "grad",
           "bump_version", "plain", "is_tensor", "wrap", "like"]
