"""Backpropagation: run the VJPs of the tape's nodes in reverse recording order (a heap keyed
by each node's position, so no recursion), accumulate leaf gradients, and `grad`.

A value a node saved that was modified in place since (engine's version counters) is replaced
by a stand-in that raises, naming the op, if a VJP touches it.
"""
from heapq import heappop, heappush
import sys
from time import perf_counter

import numpy as np

from . import engine
from . import hooks as tensor_hooks
from .grad_mode import set_grad_enabled
from .tensor import Tensor
import ops


class _Modified:
    """Stands in for a saved value that was modified in place after it was saved: a VJP may read
    its shape and dtype; any other use raises the error that says what happened."""
    __array_ufunc__ = None

    def __init__(self, op, what, shape, dtype, saved, now):
        self.shape, self.dtype, self.ndim = shape, dtype, len(shape)
        self._why = (f"{op}: one of the values saved for its backward ({what}, shape {shape}) "
                     f"was modified by an in-place operation: it is at version {now}, expected "
                     f"version {saved}. Modify a copy instead, or call the in-place op after "
                     "backward.")

    def _fail(self, *args, **kwargs):
        raise RuntimeError(self._why)

    __getattr__ = __array__ = __getitem__ = __len__ = __iter__ = __float__ = __neg__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _fail


def _guard_saved(node, y, xs):
    """y and xs, with a _Modified stand-in for each one modified in place since it was saved."""
    xs = list(xs)
    for i, x in enumerate(node.inputs):
        if isinstance(x, Tensor) and x._version is not None:
            saved = node.versions[i] if node.versions else 0
            if x._version[0] != saved:
                xs[i] = _Modified(node.name, f"input {i}", x.shape, x.dtype, saved, x._version[0])
    if node.out_version is not None:
        c, saved = node.out_version
        if c[0] != saved:
            y = _Modified(node.name, "its output", node.out.shape, node.out.dtype, saved, c[0])
    return y, xs


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
    heap, pending, leaves, roots = [], {}, {}, []

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
            heappush(heap, (-node.seq, node))

    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            why = (f"has dtype {out.dtype}, which cannot require grad" if out.dtype.kind not in "fc"
                   else "does not require grad and has no grad_fn")
            raise RuntimeError(f"backward: output {i} (shape {out.shape}) {why}")
        g = _as_root_grad(out, g, i, create_graph)
        roots.append(g)
        push(out, g)

    captured = {}
    wanted = {t._node for t in inputs if t._node is not None} if inputs else ()
    hooks = engine._hooks
    if hooks:
        t_start = perf_counter()
    with set_grad_enabled(create_graph):
        while heap:
            node = heappop(heap)[1]
            g = pending.pop(node)
            if node.hooks:
                g = tensor_hooks.run(node.hooks, g, create_graph, Tensor._wrap)
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
            if node.stamp != engine._inplace_ops:
                y, xs = _guard_saved(node, y, xs)
            for i, (x, vjp) in enumerate(zip(node.inputs, vjps)):
                if vjp is not None and isinstance(x, Tensor) and x.requires_grad:
                    if not hooks:
                        gx = vjp(g, y, *xs)
                    else:
                        gx = _hooked_vjp(hooks, node, vjp, g, y, xs)
                    data = x.data
                    if gx.shape != data.shape:
                        raise RuntimeError(
                            f"{node.name}: VJP returned a gradient of shape {gx.shape} for input "
                            f"{i} of shape {data.shape}")
                    if gx.dtype is not data.dtype and gx.dtype != data.dtype:
                        gx = ops.astype(gx, data.dtype)
                    parent = x._node
                    if parent is None or parent in pending:
                        push(x, gx)
                    else:                                   # the common case, inlined
                        pending[parent] = gx
                        heappush(heap, (-parent.seq, parent))
            if not retain_graph:
                node.vjps = node.inputs = node.out = None
    if hooks:
        for h in hooks:
            h.backward(perf_counter() - t_start)

    if tensor_hooks.leaf_hooks:
        for entry in leaves.values():                   # [leaf, its summed gradient]
            hooks = tensor_hooks.hooks_of_leaf(entry[0])
            if hooks:
                entry[1] = tensor_hooks.run(hooks, entry[1], create_graph, Tensor._wrap)
    if inputs is None:
        # a .grad array must be its leaf's own: not the caller's gradient, not another leaf's,
        # not read-only (a broadcast), not a view of an array that something else holds
        owned = set(map(id, roots))
        for t, g in leaves.values():
            if not isinstance(g, Tensor):
                if (id(g) in owned or not g.flags.writeable
                        or (g.base is not None and sys.getrefcount(g.base) > 2)):
                    g = g.copy()
                owned.add(id(g))
                g = Tensor._wrap(g)
            t.grad = g if t.grad is None else t.grad + g
        return None
    result = []
    for t in inputs:
        g = captured.get(t._node) if t._node is not None else leaves.get(id(t), (None, None))[1]
        if g is not None and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        result.append(g)
    return result


def _hooked_vjp(hooks, node, vjp, g, y, xs):
    for h in hooks:
        h.before_vjp()
    t = perf_counter()
    try:
        gx = vjp(g, y, *xs)
    finally:
        t = perf_counter() - t
        for h in hooks:
            h.after_vjp(node, t)
    for h in hooks:
        h.check_vjp(node, gx)
    return gx


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
