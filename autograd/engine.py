"""The tape: primitives record nodes, backward runs their VJPs in reverse recording order.

A node is owned by the tensor it produced and by the nodes that consumed that tensor, so a
graph lives exactly as long as some tensor needs it. There is no global list.
"""
import heapq
import inspect
import itertools
import sys
from time import perf_counter

import numpy as np

from .grad_mode import _state, set_grad_enabled

PRIMITIVES = {}          # name -> public op function; the test table checks every one has a row
_profiler = None         # the active autograd.profile, if any (set by profiler.py)
_seq = itertools.count()


class Node:
    """One recorded primitive call: the inputs it was given, its output array, and one VJP per
    positional input. `seq` is its position on the tape; reverse seq order is topological."""
    __slots__ = ("name", "vjps", "inputs", "out", "seq")

    def __init__(self, name, vjps, inputs, out):
        self.name = name
        self.vjps = vjps
        self.inputs = inputs
        self.out = out
        self.seq = next(_seq)

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
        prof = _profiler
        if prof is not None:
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
            if prof is None:
                y, vjps = fwd(*datas, *static, **kwargs)
            else:
                t_fwd = perf_counter()
                y, vjps = fwd(*datas, *static, **kwargs)
                t_fwd = perf_counter() - t_fwd
        except (ValueError, TypeError, IndexError) as e:
            if str(e).startswith(name + ":"):
                raise
            raise type(e)(f"{name}: {e}") from e
        if not wrap:
            if prof is not None:
                prof.forward(name, t_fwd, perf_counter() - t_in)
            return y
        t = Tensor.__new__(Tensor)
        t.data = y if type(y) is np.ndarray else np.asarray(y)
        t.grad = None
        if record and getattr(_state, "enabled", True) and t.data.dtype.kind in "fc":
            t.requires_grad = True
            t._node = Node(name, vjps, args, t.data)
        else:
            t.requires_grad = False
            t._node = None
        if prof is not None:
            prof.forward(name, t_fwd, perf_counter() - t_in)
        return t

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


_FREED = ("{}: trying to backward through the graph a second time (or to reuse saved values "
          "after they were freed). Saved values are freed by backward() and grad(); pass "
          "retain_graph=True to the first call if you need to backward through it again.")


def _as_root_grad(out, g, i, create_graph):
    """Check and convert the gradient given for output `i`."""
    if g is None:
        if out.data.size != 1:
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar outputs; "
                               f"output {i} has shape {out.shape}, pass a gradient of that shape")
        g = np.ones_like(out.data)
    if isinstance(g, Tensor):
        g = g if create_graph else g.data
    else:
        g = np.asarray(g, dtype=out.dtype)
    if g.shape != out.shape:
        raise RuntimeError(f"backward: gradient of shape {g.shape} given for output {i} "
                           f"of shape {out.shape}")
    return g


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None):
    """Backpropagate `grad_outputs` from `outputs` through the tape.

    With `inputs` None, leaf gradients accumulate into `.grad`; otherwise the gradients of
    `inputs` are returned (None where an input is unreachable) and `.grad` is untouched."""
    heap, pending, leaves = [], {}, {}

    def push(t, g):
        node = t._node
        if node is None:
            key = id(t)
            if key in leaves:
                leaves[key][1] = leaves[key][1] + g
            else:
                leaves[key] = [t, g]
        elif node in pending:
            pending[node] = pending[node] + g
        else:
            pending[node] = g
            heapq.heappush(heap, (-node.seq, node))

    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            why = (f"has dtype {out.dtype}, which cannot require grad" if out.dtype.kind not in "fc"
                   else "does not require grad and has no grad_fn")
            raise RuntimeError(f"backward: output {i} (shape {out.shape}) {why}")
        push(out, _as_root_grad(out, g, i, create_graph))

    captured = {}
    wanted = {t._node for t in inputs if t._node is not None} if inputs else ()
    prof = _profiler
    if prof is not None:
        t_start = perf_counter()
    with set_grad_enabled(create_graph):
        while heap:
            node = heapq.heappop(heap)[1]
            g = pending.pop(node)
            if node in wanted:
                captured[node] = g
            vjps = node.vjps
            if vjps is None:
                raise RuntimeError(_FREED.format(node.name))
            if create_graph:
                y = Tensor._from_node(node)
                xs = node.inputs
            else:
                y = node.out
                xs = [x.data if isinstance(x, Tensor) else x for x in node.inputs]
            for i, (x, vjp) in enumerate(zip(node.inputs, vjps)):
                if vjp is not None and isinstance(x, Tensor) and x.requires_grad:
                    if prof is None:
                        gx = vjp(g, y, *xs)
                    else:
                        gx = prof.vjp(node.name, vjp, g, y, xs)
                    if gx.shape != x.shape:
                        raise RuntimeError(
                            f"{node.name}: VJP returned a gradient of shape {gx.shape} for input "
                            f"{i} of shape {x.shape}")
                    if gx.dtype != x.dtype:
                        gx = ops.astype(gx, x.dtype)
                    push(x, gx)
            if not retain_graph:
                node.vjps = node.inputs = node.out = None
    if prof is not None:
        prof.backward(perf_counter() - t_start)

    if inputs is None:
        for t, g in leaves.values():
            g = g if isinstance(g, Tensor) else Tensor._wrap(g)
            t.grad = g if t.grad is None else t.grad + g
        return None
    result = []
    for t in inputs:
        g = captured.get(t._node) if t._node is not None else leaves.get(id(t), (None, None))[1]
        if g is not None and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        result.append(g)
    return result


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, as torch.autograd.grad.

    Returns a tuple with one Tensor per input. An input the outputs do not depend on raises,
    unless `allow_unused`, in which case its entry is None."""
    single = isinstance(outputs, Tensor)
    outputs = [outputs] if single else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif single:
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs)
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True if this is intended")
    return tuple(result)


from .tensor import Tensor   # noqa: E402  (Tensor's methods call ops, which need primitive)
import ops                   # noqa: E402
