"""The tape: primitives record nodes (backprop.py runs their VJPs in reverse recording order),
and version counters note in-place modifications of what the nodes saved.

A node is owned by the tensor it produced and by the nodes that consumed that tensor, so a
graph lives exactly as long as some tensor needs it. There is no global list.
"""
import inspect
import itertools
import sys
from time import perf_counter

import numpy as np

from .grad_mode import _state

PRIMITIVES = {}          # name -> public op function; the test table checks every one has a row
_hooks = ()              # active observers (profile, detect_anomaly); empty: nothing to pay
_seq = itertools.count()
_inplace_ops = 0         # in-place modifications so far: a node recorded after the last one
                         # has nothing to check at backward time


def add_hook(hook):
    global _hooks
    _hooks = _hooks + (hook,)


def remove_hook(hook):
    global _hooks
    _hooks = tuple(h for h in _hooks if h is not hook)


class Node:
    """One recorded primitive call: the inputs it was given, its output array, and one VJP per
    positional input. `seq` is its position on the tape; reverse seq order is topological."""
    __slots__ = ("name", "vjps", "inputs", "out", "seq", "stamp", "versions", "out_version",
                 "trace", "hooks")

    def __init__(self, name, vjps, inputs, out):
        self.name = name
        self.vjps = vjps
        self.inputs = inputs
        self.out = out
        self.seq = next(_seq)
        self.stamp = _inplace_ops
        # versions of the inputs as saved; None stands for all 0 (no in-place op ever ran)
        self.versions = tuple(
            x._version[0] if isinstance(x, Tensor) and x._version is not None else 0
            for x in inputs) if _inplace_ops else None
        self.out_version = None     # (counter, version) once the output has a version counter
        self.trace = None           # where the op was called, under detect_anomaly
        self.hooks = None           # hooks registered on the output (autograd.hooks)

    def __repr__(self):
        return f"<{self.name} node #{self.seq}>"


def primitive(fwd):
    """Make `fwd(*inputs, *static) -> (out_array, vjps)` a differentiable op.

    The parameters of `fwd` without a default are its differentiable inputs (all positional
    arguments if it takes *xs); parameters with a default are static settings. `vjps` holds one
    entry per input: None where that input is not differentiable, else `vjp(g, y, *xs)`
    returning the gradient for that input, shaped like it. `y` is the output and `xs` are the
    inputs: arrays when the backward pass is not recorded, Tensors when it is
    (create_graph=True), so VJPs written with operators and ops give derivatives of any order.

    Called with no Tensor input, the op is plain NumPy and returns an array.
    """
    name = fwd.__name__.lstrip("_")     # a private primitive behind a public function
    params = inspect.signature(fwd).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        n = sys.maxsize
    else:
        n = len([p for p in params if p.default is p.empty and p.kind is not p.KEYWORD_ONLY])

    def op(*args, **kwargs):
        hooks = _hooks
        if hooks:
            t_in = perf_counter()
        static = ()
        if len(args) != n:
            args, static = _split_static(name, n, args)
        datas = []
        wrap = record = False
        for a in args:
            if isinstance(a, Tensor):
                wrap = True
                if a.requires_grad:
                    record = True
                datas.append(a.data)
            else:
                datas.append(a)
        try:
            if not hooks:
                y, vjps = fwd(*datas, *static, **kwargs)
            else:
                t_fwd = perf_counter()
                y, vjps = fwd(*datas, *static, **kwargs)
                t_fwd = perf_counter() - t_fwd
        except (ValueError, TypeError, IndexError) as e:
            if str(e).startswith(name + ":"):
                raise
            try:                        # the same error, named after the op
                named = type(e)(f"{name}: {e}")
            except TypeError:           # a subclass that takes more than a message
                named = TypeError(f"{name}: {e}") if isinstance(e, TypeError) else \
                    (IndexError if isinstance(e, IndexError) else ValueError)(f"{name}: {e}")
            raise named from e
        if wrap:
            t = Tensor.__new__(Tensor)
            t.data = y = y if type(y) is np.ndarray else np.asarray(y)
            t.grad = None
            t._version = None
            if record and getattr(_state, "enabled", True) and y.dtype.kind in "fc":
                t.requires_grad = True
                t._node = Node(name, vjps, args, y)
            else:
                t.requires_grad = False
                t._node = None
            if y.base is not None:
                _share_version(t, args)
            y = t
        if hooks:
            for h in hooks:
                h.forward(name, t_fwd, perf_counter() - t_in, y)
        return y

    op.__name__ = op.__qualname__ = name
    op.__doc__ = fwd.__doc__
    op.__module__ = fwd.__module__
    op.__wrapped__ = fwd
    PRIMITIVES[name] = op
    return op


def _split_static(name, n, args):
    """Split positional arguments into the differentiable inputs and static settings given
    positionally. A static setting may be a Tensor that does not require grad."""
    if n == sys.maxsize:
        return args, ()
    if len(args) < n:
        raise TypeError(f"{name}: expected {n} positional inputs, got {len(args)}")
    static = []
    for a in args[n:]:
        if isinstance(a, Tensor):
            if a.requires_grad:
                raise TypeError(f"{name}: argument of shape {a.shape} is a static setting and "
                                "cannot be differentiated; detach it or use an op that is "
                                "differentiable in it")
            a = a.data
        static.append(a)
    return args[:n], static


def version_counter(t):
    """The version counter of `t`, shared with the tensors whose data are views of the same
    array; made on first need, and then also watched by the node that produced `t`."""
    c = t._version
    if c is None:
        c = t._version = [0]
        if t._node is not None:
            t._node.out_version = (c, 0)
    return c


def _share_version(t, args):
    """`t` is a view: give it the counter of the input whose array it views."""
    root = t.data.base
    for a in args:
        if isinstance(a, Tensor) and (a.data is root or a.data.base is root):
            c = t._version = version_counter(a)
            if t._node is not None:
                t._node.out_version = (c, c[0])
            return


def bump_version(t):
    """Record an in-place modification of `t` (and of every view of its array)."""
    global _inplace_ops
    _inplace_ops += 1
    version_counter(t)[0] += 1


from .tensor import Tensor   # noqa: E402  (Tensor's methods call ops, which need primitive)
