"""The tape: primitives record nodes (backprop.py runs their VJPs in reverse recording order),
and version counters note in-place modifications of what the nodes saved.

A node holds an edge per input (the node that produced it, the leaf Tensor itself, or None
when no gradient flows there) and only the values its primitive declared with `save=`. It is
owned by the tensor it produced and by the nodes that consumed that tensor, so a graph lives
exactly as long as some tensor needs it, and a value no VJP reads is freed with its tensor.
There is no global list.
"""
import inspect
import itertools
from time import perf_counter

import numpy as np

from .grad_mode import _state

PRIMITIVES = {}          # name -> public op function; the test table checks every one has a row


class _NoTensorsYet:
    """The tensor class until autograd.tensor, a layer above ops, defines and registers it:
    nothing is an instance, so ops called before that are plain NumPy."""


Tensor = _NoTensorsYet
_hooks = ()              # active observers (profile, detect_anomaly); empty: nothing to pay
_seq = itertools.count()
_inplace_ops = 0         # in-place modifications so far: a node recorded after the last one
                         # has nothing to check at backward time


def add_hook(hook):
    """Observe every op call: `hook.forward(name, fwd_seconds, op_seconds, out, call)` after
    each, `call` being (inputs, static settings given positionally, keyword settings), and
    hook.before_vjp(), after_vjp(node, seconds), check_vjp(node, gx), backward(seconds)
    around the backward pass (autograd.profiler, autograd.anomaly, autograd.onnx's tracer)."""
    global _hooks
    _hooks = _hooks + (hook,)


def remove_hook(hook):
    global _hooks
    _hooks = tuple(h for h in _hooks if h is not hook)


class Spec:
    """What a primitive's VJPs read: `inputs`, one flag per input (the last one standing for
    every further input of a *xs primitive), and `y`, its output. `unsaved`: the positions not
    read, for a primitive of fixed arity."""
    __slots__ = ("inputs", "y", "every", "unsaved")

    def __init__(self, names, save, variadic):
        self.inputs = tuple(n in save for n in names)
        self.y = "y" in save
        self.every = all(self.inputs)
        self.unsaved = None if variadic else tuple(i for i, k in enumerate(self.inputs) if not k)

    def flags(self, n):
        """The flags of n inputs."""
        k = self.inputs
        return k if len(k) == n else k[:-1] + k[-1:] * (n - len(k) + 1)

    def dropped(self, n):
        """The positions not read among n inputs."""
        return [i for i, k in enumerate(self.flags(n)) if not k]


class Missing:
    """Stands in for a value a VJP may not read: one its primitive did not save, or one that
    was modified in place after it was saved (`versions`: (saved, now)); `what` is an input's
    position or "its output". A VJP may read its
    shape, dtype and ndim; any other use raises the error that says what happened."""
    __slots__ = ("shape", "dtype", "op", "what", "versions")

    def __init__(self, shape, dtype, op, what, versions=None):
        self.shape, self.dtype, self.op, self.what, self.versions = shape, dtype, op, what, versions

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape)))

    def _named(self):
        return self.what if isinstance(self.what, str) else f"input {self.what}"

    def _fail(self, *args, **kwargs):
        if self.versions is None:
            raise RuntimeError(f"{self.op}: its VJP read {self._named()} (shape {self.shape}), "
                               "which the primitive does not declare in save=; add it there")
        saved, now = self.versions
        raise RuntimeError(
            f"{self.op}: one of the values saved for its backward ({self._named()}, shape "
            f"{self.shape}) was modified by an in-place operation: it is at version {now}, "
            f"expected version {saved}. Modify a copy instead, or call the in-place op after "
            "backward.")

    def __array_function__(self, func, types, args, kwargs):
        if func is np.shape or func is np.ndim:         # what a stand-in may tell
            return getattr(self, func.__name__)
        return self._fail()

    __array_ufunc__ = _fail
    __getattr__ = __array__ = __getitem__ = __len__ = __iter__ = __float__ = __neg__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _fail


class Node:
    """One recorded primitive call. `edges[i]` is where the gradient of input i goes: the
    node that produced it, the leaf Tensor, or None. `plain` holds what the VJPs get when the
    backward pass is not recorded, `held` what they get when it is: input i as an array (as
    the op got it) where the VJPs read it, a scalar as is (it costs nothing to keep), and
    otherwise a stand-in that has only its shape and dtype (for a non-leaf input its node,
    which also stands in for the node's own output where that is not saved). `out` is the
    output array where the VJPs read it, else None. `seq` is the node's position on the tape;
    reverse seq order is topological."""
    __slots__ = ("name", "vjps", "spec", "edges", "plain", "held", "out", "shape", "dtype",
                 "seq", "stamp", "versions", "out_version", "trace", "hooks")

    def __init__(self, name, vjps, args, datas, edges, y, spec):
        self.name = name
        self.vjps = vjps
        self.spec = spec
        self.edges = edges
        held, plain = args, datas
        if not spec.every:
            held = list(args)
            for i in spec.unsaved if spec.unsaved is not None else spec.dropped(len(args)):
                a, d, e = args[i], datas[i], edges[i]
                if d is not a or type(d) is np.ndarray:
                    d = e if type(e) is Node else Missing(np.shape(d), d.dtype, name, i)
                elif not (d is None or isinstance(d, (int, float, complex, np.generic))):
                    d = Missing(np.shape(d), np.result_type(d), name, i)
                held[i] = plain[i] = d
        self.held, self.plain = held, plain
        self.out = y if spec.y else None
        self.shape, self.dtype = y.shape, y.dtype
        self.seq = next(_seq)
        self.stamp = _inplace_ops
        # versions of the saved inputs; None stands for all 0 (no in-place op ever ran)
        self.versions = tuple(
            x._version[0] if isinstance(x, Tensor) and x._version is not None else 0
            for x in held) if _inplace_ops else None
        self.out_version = None     # (counter, version) once a saved output has a counter
        self.trace = None           # where the op was called, under detect_anomaly
        self.hooks = None           # hooks registered on the output (autograd.hooks)

    @property
    def saved(self):
        """The inputs the VJPs read, None for the others (freed: None)."""
        if self.held is None:
            return None
        return [h if k else None for h, k in zip(self.held, self.spec.flags(len(self.held)))]

    def __repr__(self):
        return f"<{self.name} node #{self.seq}>"

    # A node also stands in, at no cost, for its output where a VJP gets it without having
    # saved it (its own output, or another node's input): shape, dtype and ndim, nothing else.
    ndim = property(lambda self: len(self.shape))

    def _unsaved(self, *args, **kwargs):
        raise RuntimeError(f"a VJP read the output of {self.name} (shape {self.shape}) that its "
                           "primitive does not declare in save=; add it there")

    def __array_function__(self, func, types, args, kwargs):
        if func is np.shape or func is np.ndim:
            return getattr(self, func.__name__)
        return self._unsaved()

    __array_ufunc__ = __array__ = __getitem__ = __iter__ = __float__ = __neg__ = _unsaved
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _unsaved
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _unsaved
    __lt__ = __le__ = __gt__ = __ge__ = _unsaved


def primitive(fwd=None, *, save, static=()):
    """Make `fwd(*inputs, *settings) -> (out_array, vjps)` a differentiable op.

    The positional parameters of `fwd` are its inputs (all positional arguments if it takes
    *xs), except those named in `static`; those and the keyword-only parameters are settings,
    never differentiated. An input has no default, so a forgotten argument is a TypeError.

    `save` names what the VJPs read: input parameter names and "y" for the output; the node
    keeps only those (and scalar settings passed as inputs, which cost nothing). `vjps` holds one entry per input: None where that input is not
    differentiable, else `vjp(g, y, *xs) -> gx` shaped like that input. A value not saved
    reaches the VJP as a stand-in with only shape, dtype and ndim. When the backward pass is
    not recorded, g, y and xs are arrays; when it is (create_graph, `recording()` true) g and y
    are Tensors and saved inputs are what the op was called with, so VJPs written with ops give
    derivatives of any order.

    Called with no Tensor input, the op is plain NumPy and returns an array.
    """
    if fwd is None:
        return lambda f: primitive(f, save=save, static=static)
    name = fwd.__name__.lstrip("_")     # a private primitive behind a public function
    names, n = _inputs(name, fwd, save, static)
    spec = Spec(names, save, n is None)

    def op(*args, **kwargs):
        hooks = _hooks
        if hooks:
            t_in = perf_counter()
        static = ()
        if len(args) != n:
            args, static = _split_static(name, n, args)
        datas, edges = [], []           # edges[i]: where input i's gradient goes, if recorded
        wrap = record = False
        for a in args:
            if isinstance(a, Tensor):
                wrap = True
                if a.requires_grad:
                    record = True
                    edges.append(a._node or a)
                else:
                    edges.append(None)
                datas.append(a._data)
            else:
                datas.append(a)
                edges.append(None)
        try:
            if not hooks:
                y, vjps = fwd(*datas, *static, **kwargs)
            else:
                t_fwd = perf_counter()
                y, vjps = fwd(*datas, *static, **kwargs)
                t_fwd = perf_counter() - t_fwd
        except (ValueError, TypeError, IndexError) as e:
            raise _named(name, e) from e
        if wrap:
            t = Tensor.__new__(Tensor)
            t._data = y = y if type(y) is np.ndarray else np.asarray(y)
            t.grad = None
            t._version = None
            if record and getattr(_state, "enabled", True) and y.dtype.kind in "fc":
                t.requires_grad = True
                t._node = Node(name, vjps, args, datas, edges, y, spec)
            else:
                t.requires_grad = False
                t._node = None
            if y.base is not None:
                _share_version(t, args)
            y = t
        if hooks:
            for h in hooks:
                h.forward(name, t_fwd, perf_counter() - t_in, y, (args, static, kwargs))
        return y

    op.__name__ = op.__qualname__ = name
    op.__doc__ = fwd.__doc__
    op.__module__ = fwd.__module__
    op.__wrapped__ = fwd
    op.spec = spec
    PRIMITIVES[name] = op
    return op


def _inputs(name, fwd, save, static):
    """The names of `fwd`'s inputs and their count (unbounded for *xs), with the contract
    checked: inputs have no defaults, static settings follow them, `save` names only inputs
    and "y"."""
    params = list(inspect.signature(fwd).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = [p.name for p in params if p.kind is p.VAR_POSITIONAL]
    missing = set(static) - {p.name for p in positional}
    if missing:
        raise TypeError(f"primitive {name}: static={tuple(static)} names {sorted(missing)}, "
                        "which are not positional parameters")
    names = [p.name for p in positional if p.name not in static]
    if [p.name for p in positional[:len(names)]] != names:
        raise TypeError(f"primitive {name}: static settings {tuple(static)} must follow the "
                        "inputs")
    defaulted = [p.name for p in positional[:len(names)] if p.default is not p.empty]
    if defaulted:
        raise TypeError(f"primitive {name}: inputs {defaulted} have defaults; declare settings "
                        "in static= or make them keyword-only")
    if variadic and names:
        raise TypeError(f"primitive {name}: *{variadic[0]} must be its only inputs")
    names = names or variadic
    unknown = set(save) - set(names) - {"y"}
    if unknown or isinstance(save, str):
        raise TypeError(f"primitive {name}: save={save!r} must be a tuple of names among "
                        f"{names + ['y']}")
    return tuple(names), len(names) if not variadic else None


def _named(name, e):
    """The error `e` raised inside op `name`, with a message that starts with the name."""
    if str(e).startswith(name + ":"):
        return e
    try:
        return type(e)(f"{name}: {e}")
    except TypeError:                   # a subclass that takes more than a message
        cls = TypeError if isinstance(e, TypeError) else \
            IndexError if isinstance(e, IndexError) else ValueError
        return cls(f"{name}: {e}")


def _split_static(name, n, args):
    """Split positional arguments into the differentiable inputs and static settings given
    positionally. A static setting may be a Tensor that does not require grad."""
    if n is None:
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
            a = a._data
        static.append(a)
    return args[:n], static


def use_tensor_class(cls):
    """Make `cls` the class of the tensors the engine creates and recognises (called once, by
    autograd.tensor: Tensor's methods call ops, so the class is defined above them)."""
    global Tensor
    Tensor = cls


def version_counter(t):
    """The version counter of `t`, shared with the tensors whose data are views of the same
    array; made on first need, and then also watched by the node that produced `t` if that
    node saved its output."""
    c = t._version
    if c is None:
        c = t._version = [0]
        if t._node is not None and t._node.out is not None:
            t._node.out_version = (c, 0)
    return c


def _share_version(t, args):
    """`t` is a view: give it the counter of the input whose array it views."""
    root = t._data.base
    for a in args:
        if isinstance(a, Tensor) and (a._data is root or a._data.base is root):
            c = t._version = version_counter(a)
            if t._node is not None and t._node.out is not None:
                t._node.out_version = (c, c[0])
            return


def bump_version(t):
    """Record an in-place modification of `t` (and of every view of its array)."""
    global _inplace_ops
    _inplace_ops += 1
    version_counter(t)[0] += 1

