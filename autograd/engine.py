"""The tape: primitives record nodes, backward runs their VJPs in reverse recording order.

A node is owned by the tensor it produced and by the nodes that consumed that tensor, so a
graph lives exactly as long as some tensor needs it. There is no global list.
"""
from heapq import heappop, heappush
import inspect
import itertools
import sys
from time import perf_counter

import numpy as np

from .grad_mode import _state, set_grad_enabled

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
                 "trace")

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
            raise type(e)(f"{name}: {e}") from e
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
    hooks = _hooks
    if hooks:
        t_start = perf_counter()
    with set_grad_enabled(create_graph):
        while heap:
            node = heappop(heap)[1]
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
            if node.stamp != _inplace_ops:
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


from .tensor import Tensor   # noqa: E402  (Tensor's methods call ops, which need primitive)
import ops                   # noqa: E402
