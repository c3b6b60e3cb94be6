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
from .grad_mode import recording, set_grad_enabled


def _vjp_args(node, record):
    """(y, xs) for the node's VJPs: arrays, or Tensors when the backward pass is recorded,
    with a stand-in for what was not saved or was modified in place since."""
    out = node.out
    if out is None:
        y = node                                        # stands in for its unsaved output
    elif record:
        y = engine.Tensor._from_node(node)
    else:
        y = out
    xs = node.held if record else node.plain
    if node.stamp != engine._inplace_ops:
        y, xs = _guard_saved(node, y, list(xs))
    return y, xs


def _guard_saved(node, y, xs):
    """y and xs, with a stand-in for each saved value modified in place since it was saved."""
    for i, x in enumerate(node.saved):
        if isinstance(x, engine.Tensor) and x._version is not None:
            saved = node.versions[i] if node.versions else 0
            if x._version[0] != saved:
                xs[i] = engine.Missing(x.shape, x.dtype, node.name, i, (saved, x._version[0]))
    if node.out_version is not None:
        c, saved = node.out_version
        if c[0] != saved:
            y = engine.Missing(node.shape, node.dtype, node.name, "its output", (saved, c[0]))
    return y, xs


_FREED = ("{}: trying to backward through the graph a second time (or to reuse saved values "
          "after they were freed). Saved values are freed by backward() and grad(); pass "
          "retain_graph=True to the first call if you need to backward through it again.")


def _as_root_grad(out, g, i, create_graph):
    """Check and convert the gradient given for output `i`: an array, or a Tensor when the
    backward pass is recorded (a constant one where an array was given)."""
    if g is None:
        if out._data.size != 1:
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar outputs; "
                               f"output {i} has shape {out.shape}, pass a gradient of that shape")
        g = np.ones_like(out._data)
    if isinstance(g, engine.Tensor):
        g = g if create_graph else g._data
    else:
        g = np.asarray(g, dtype=out.dtype)
        if create_graph:
            g = engine.Tensor._wrap(g)
    if g.shape != out.shape:
        raise RuntimeError(f"backward: gradient of shape {g.shape} given for output {i} "
                           f"of shape {out.shape}")
    return g


def _needed(roots, inputs):
    """The nodes with a path to one of `inputs` (their own nodes included), and the ids of the
    leaves among `inputs`: the part of the graph a backward to `inputs` runs."""
    leaves = {id(t) for t in inputs if t._node is None}
    targets = {t._node for t in inputs if t._node is not None}
    reached, stack = set(), [t._node for t in roots if t._node is not None]
    while stack:
        node = stack.pop()
        if node not in reached:
            reached.add(node)
            if node.held is None:
                raise RuntimeError(_FREED.format(node.name))
            stack.extend(e for e in node.edges if isinstance(e, engine.Node))
    needed = set()
    for node in sorted(reached, key=lambda n: n.seq):       # parents before children
        if node in targets or any(e in needed if isinstance(e, engine.Node) else
                                  e is not None and id(e) in leaves for e in node.edges):
            needed.add(node)
    return needed, leaves


def reachable_leaves(outputs):
    """The ids of the leaf Tensors a backward from `outputs` can give a gradient to
    (DistributedDataParallel's find_unused_parameters looks for the parameters not among them)."""
    leaves = {id(t) for t in outputs if t._node is None and t.requires_grad}
    seen, stack = set(), [t._node for t in outputs if t._node is not None]
    while stack:
        node = stack.pop()
        if node in seen or node.edges is None:
            continue
        seen.add(node)
        for e, vjp in zip(node.edges, node.vjps):
            if type(e) is engine.Node:
                stack.append(e)
            elif e is not None and vjp is not None:
                leaves.add(id(e))
    return leaves


_callbacks = []          # one list per backward pass running (they nest): see queue_callback


def queue_callback(fn):
    """Run fn() once the backward pass now running has put every leaf's gradient in .grad
    (PyTorch's engine queue_callback; DistributedDataParallel waits for its all-reduces so)."""
    if not _callbacks:
        raise RuntimeError("queue_callback: no backward pass is running")
    _callbacks[-1].append(fn)


def _leaf_uses(outputs, needed, wanted_leaves):
    """{id(leaf): how many VJP results will reach it} for the leaves with post-accumulate
    hooks, over the part of the graph this backward runs: such a leaf lands in .grad, and its
    hooks run, as soon as its last contribution arrives."""
    uses, seen, stack = {}, set(), [t._node for t in outputs if t._node is not None]
    while stack:
        node = stack.pop()
        if node in seen or node.held is None or (needed is not None and node not in needed):
            continue
        seen.add(node)
        for e, vjp in zip(node.edges, node.vjps):
            if type(e) is engine.Node:
                stack.append(e)
            elif e is not None and vjp is not None and tensor_hooks.post_hooks_of(e):
                if wanted_leaves is None or id(e) in wanted_leaves:
                    uses[id(e)] = uses.get(id(e), 0) + 1
    return uses


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None,
                 accumulate=True):
    """Backpropagate `grad_outputs` from `outputs` through the tape.

    With `inputs`, only the VJPs on paths to them run. With `accumulate`, leaf gradients
    accumulate into `.grad` (of `inputs` only, where given) and None is returned; otherwise
    the gradients of `inputs` are returned (None where an input is unreachable) and `.grad`
    is untouched."""
    heap, pending, leaves, roots = [], {}, {}, []
    uses = owned = None

    def push(e, g):
        if type(e) is not engine.Node:                  # a leaf Tensor
            key = id(e)
            if key in leaves:
                leaves[key][1] = leaves[key][1] + g
            else:
                leaves[key] = [e, g]
            if uses and key in uses:
                uses[key] -= 1
                if not uses[key]:                       # its last contribution: land it now
                    _land(*leaves.pop(key), create_graph, owned)
        elif e in pending:
            pending[e] = pending[e] + g
        else:
            pending[e] = g
            heappush(heap, (-e.seq, e))

    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            why = (f"has dtype {out.dtype}, which cannot require grad" if out.dtype.kind not in "fc"
                   else "does not require grad and has no grad_fn")
            raise RuntimeError(f"backward: output {i} (shape {out.shape}) {why}")
        roots.append(_as_root_grad(out, g, i, create_graph))
    # a .grad array must be its leaf's own: not the caller's gradient, nor another leaf's
    owned = set(map(id, roots))
    for out, g in zip(outputs, roots):
        push(out._node or out, g)

    needed = wanted_leaves = None
    if inputs is not None:
        needed, wanted_leaves = _needed(outputs, inputs)
    if accumulate and tensor_hooks.post_hooks:
        uses = _leaf_uses(outputs, needed, wanted_leaves)
    captured = {}
    wanted = {t._node for t in inputs if t._node is not None} if inputs else ()
    hooks = engine._hooks
    if hooks:
        t_start = perf_counter()
    _callbacks.append([])
    try:
        # VJPs meet IEEE special values silently, as PyTorch's (g / x at x = 0 is inf)
        with set_grad_enabled(create_graph), recording(create_graph), \
                np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            while heap:
                node = heappop(heap)[1]
                g = pending.pop(node)
                if node.hooks:
                    g = tensor_hooks.run(node.hooks, g, create_graph, engine.Tensor._wrap)
                if node in wanted:
                    captured[node] = g
                vjps = node.vjps
                if vjps is None:
                    raise RuntimeError(_FREED.format(node.name))
                y, xs = _vjp_args(node, create_graph)
                for i, e in enumerate(node.edges):
                    if e is None or vjps[i] is None:
                        continue
                    if needed is not None and (e not in needed if type(e) is engine.Node
                                               else id(e) not in wanted_leaves):
                        continue
                    if not hooks:
                        gx = vjps[i](g, y, *xs)
                    else:
                        gx = _hooked_vjp(hooks, node, vjps[i], g, y, xs)
                    if gx.shape != e.shape:
                        raise RuntimeError(
                            f"{node.name}: VJP returned a gradient of shape {gx.shape} for "
                            f"input {i} of shape {e.shape}")
                    dtype = e.dtype
                    if gx.dtype is not dtype and gx.dtype != dtype:
                        gx = gx.astype(dtype)   # a Tensor's is recorded: higher orders see it
                    if type(e) is engine.Node and e not in pending:     # the common case
                        pending[e] = gx
                        heappush(heap, (-e.seq, e))
                    else:
                        push(e, gx)
                if not retain_graph:
                    node.vjps = node.edges = node.held = node.plain = node.out = None
        if hooks:
            for h in hooks:
                h.backward(perf_counter() - t_start)
        if accumulate:
            for t, g in list(leaves.values()):
                _land(t, g, create_graph, owned)
            for node, g in captured.items():            # backward(inputs=) of non-leaves
                t = _input_of(inputs, node)
                g = g if isinstance(g, engine.Tensor) else engine.Tensor._wrap(np.array(g))
                t.grad = g if t.grad is None else t.grad + g
        callbacks = _callbacks[-1]
    finally:
        _callbacks.pop()
    for fn in callbacks:
        fn()
    if accumulate:
        return None
    result = []
    for t in inputs:
        g = captured.get(t._node) if t._node is not None else leaves.get(id(t), (None, None))[1]
        if g is not None:
            g = _hooked(t, g, create_graph)
            if not isinstance(g, engine.Tensor):
                g = engine.Tensor._wrap(g)
        result.append(g)
    return result


def _hooked(t, g, create_graph):
    """g passed through the leaf t's gradient hooks, if it has any."""
    hooks = tensor_hooks.hooks_of_leaf(t) if tensor_hooks.leaf_hooks else None
    return tensor_hooks.run(hooks, g, create_graph, engine.Tensor._wrap) if hooks else g


def _land(t, g, create_graph, owned):
    """Put the summed gradient g of the leaf t, through its hooks, into t.grad; then run its
    post-accumulate hooks. A .grad array is its leaf's own: never the caller's gradient,
    another leaf's, read-only (a broadcast) or a view of an array something else holds."""
    g = _hooked(t, g, create_graph)
    if not isinstance(g, engine.Tensor):
        if (id(g) in owned or not g.flags.writeable
                or (g.base is not None and sys.getrefcount(g.base) > 2)):
            g = g.copy()
        owned.add(id(g))
        g = engine.Tensor._wrap(g)
    t.grad = g if t.grad is None else t.grad + g
    post = tensor_hooks.post_hooks_of(t) if tensor_hooks.post_hooks else None
    if post:
        for hook in list(post.values()):
            hook(t)


def _input_of(inputs, node):
    return next(t for t in inputs if t._node is node)


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
    single = isinstance(outputs, engine.Tensor)
    outputs = [outputs] if single else list(outputs)
    inputs = [inputs] if isinstance(inputs, engine.Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif single:
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, engine.Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs,
                          accumulate=False)
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True if this is intended")
    return tuple(result)
