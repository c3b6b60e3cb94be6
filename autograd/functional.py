"""Higher-level derivatives, as torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp
and hvp of a function of Tensors.

`inputs` is a Tensor (or array) or a tuple of them, and results follow that structure:
jacobian(f, x) has shape f(x).shape + x.shape, tuples of them for tuple inputs or outputs.
Everything is built from `grad`: a VJP is one backward pass, a JVP is the VJP of a VJP
(linear in its dummy cotangent), a Jacobian is one backward pass per output element, a
Hessian is the Jacobian of the gradient. Inputs the function does not use get zero
derivatives (PyTorch's strict=False). Without create_graph the results are detached; with
it they stay on the tape, so these nest.
"""
import numpy as np

import ops
from .backprop import grad
from .tensor import Tensor


def _as_tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    """The inputs as Tensors that require grad: the caller's own under create_graph (so the
    results stay differentiable in them), fresh leaves otherwise."""
    xs, is_tuple = _as_tuple(inputs)
    out = []
    for x in xs:
        if create_graph and isinstance(x, Tensor) and x.requires_grad:
            out.append(x)
        else:
            data = x._data if isinstance(x, Tensor) else np.asarray(x, dtype=float)
            out.append(Tensor(data, requires_grad=True))
    return tuple(out), is_tuple


def _grads(outputs, xs, grad_outputs, create_graph):
    """grad with unused inputs as zeros."""
    gs = grad(outputs, xs, grad_outputs, retain_graph=True, create_graph=create_graph,
              allow_unused=True)
    return tuple(Tensor._wrap(np.zeros_like(x._data)) if g is None else
                 (g if create_graph else g.detach()) for g, x in zip(gs, xs))


def _finish(values, is_tuple):
    return values if is_tuple else values[0]


def _out(y, create_graph):
    ys, is_tuple = _as_tuple(y)
    ys = ys if create_graph else tuple(t.detach() for t in ys)
    return _finish(ys, is_tuple)


def _vector(v, like, name):
    vs, _ = _as_tuple(v)
    if len(vs) != len(like) or any(np.shape(a) != b.shape for a, b in zip(vs, like)):
        raise ValueError(f"{name}: v must match the shapes "
                         f"{[b.shape for b in like]}, got {[np.shape(a) for a in vs]}")
    return [a if isinstance(a, Tensor) else Tensor(np.asarray(a, b.dtype))
            for a, b in zip(vs, like)]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): v shaped like the output (optional for a one-element output)."""
    xs, is_tuple = _prepare(inputs, create_graph)
    ys, _ = _as_tuple(func(*xs))
    vs = None if v is None else _vector(v, ys, "vjp")
    return _out(ys if len(ys) > 1 else ys[0], create_graph), _finish(
        _grads(list(ys), xs, vs, create_graph), is_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): v shaped like the inputs (optional for a one-element input)."""
    xs, is_tuple = _prepare(inputs, create_graph)
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise ValueError("jvp: v can only be omitted for a single one-element input")
        v = np.ones_like(xs[0]._data)
    vs = _vector(v, xs, "jvp")
    ys, out_tuple = _as_tuple(func(*xs))
    us = [Tensor(np.zeros_like(y._data), requires_grad=True) for y in ys]
    gs = _grads(list(ys), xs, us, create_graph=True)       # u -> J^T u, linear in u
    live = [(g, v) for g, v in zip(gs, vs) if g.requires_grad]
    jv = (_grads([g for g, _ in live], us, [v for _, v in live], create_graph) if live
          else tuple(Tensor._wrap(np.zeros_like(y._data)) for y in ys))   # J = 0
    return _out(ys if out_tuple else ys[0], create_graph), _finish(jv, out_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func / d inputs, one backward pass per output element: for each output y and input
    x, a Tensor of shape y.shape + x.shape."""
    xs, in_tuple = _prepare(inputs, create_graph)
    ys, out_tuple = _as_tuple(func(*xs))
    rows = []
    for y in ys:
        per_input = [[] for _ in xs]
        for k in range(y.numel()):
            onehot = np.zeros(y.shape, y.dtype)
            onehot.flat[k] = 1
            for acc, g in zip(per_input, _grads([y], xs, [onehot], create_graph)):
                acc.append(g)
        rows.append(tuple(_stack(acc, y.shape, x.shape) for acc, x in zip(per_input, xs)))
    rows = [_finish(r, in_tuple) for r in rows]
    return _finish(tuple(rows), out_tuple)


def _stack(rows, out_shape, in_shape):
    """Per-output-element gradients (each in_shape) as one out_shape + in_shape Tensor."""
    if not rows:
        return Tensor._wrap(np.zeros(out_shape + in_shape))
    return ops.reshape(ops.stack(rows, 0), out_shape + in_shape)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The second derivatives of a function with a one-element output: shape x.shape +
    x.shape for one input, a tuple of tuples for several."""
    xs, in_tuple = _prepare(inputs, create_graph)

    def gradient(*args):
        y = func(*args)
        if y.numel() != 1:
            raise ValueError(f"hessian: the function must return a one-element Tensor, got "
                             f"shape {y.shape}")
        return _grads([y], args, None, create_graph=True)
    return jacobian(gradient if in_tuple else lambda x: gradient(x)[0],
                    xs if in_tuple else xs[0], create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with a one-element output."""
    xs, is_tuple = _prepare(inputs, create_graph)
    y = func(*xs)
    gs = _grads([y], xs, None, create_graph=True)
    vs = _vector(v, xs, "vhp")
    return _out(y, create_graph), _finish(
        _grads([g for g in gs], xs, vs, create_graph), is_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); H is symmetric for a twice-differentiable function, so this is
    v^T H, computed as vhp."""
    return vhp(func, inputs, v, create_graph, strict)
