"""Finite-difference verification of VJPs, in float64, with random upstream gradients."""
import warnings

import numpy as np

from .backprop import grad
from .grad_mode import enable_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytic and numeric gradients disagree; the message says where."""


def _as_inputs(inputs):
    """Tensors for `fn`, and the positions of the differentiable ones (floating inputs)."""
    ts, diff = [], []
    for i, x in enumerate(inputs):
        a = x._data if isinstance(x, Tensor) else np.asarray(x)
        floating = a.dtype.kind == "f" and (not isinstance(x, Tensor) or x.requires_grad)
        ts.append(Tensor._wrap(a, requires_grad=floating))
        if floating:
            diff.append(i)
    return ts, diff


def _outputs(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _value(fn, arrays, us):
    """sum_k <u_k, fn(*arrays)_k>: the scalar whose gradient the VJPs compute."""
    with enable_grad():
        outs = _outputs(fn(*[Tensor._wrap(a, requires_grad=a.dtype.kind == "f") for a in arrays]))
    return float(sum(np.vdot(u, o._data if isinstance(o, Tensor) else o) for u, o in zip(us, outs)))


def _analytic(fn, ts, diff, rng):
    """The upstream gradients u_k and the VJP of each differentiable input."""
    with enable_grad():
        outs = _outputs(fn(*ts))
    us = [rng.standard_normal(np.shape(o)) for o in outs]
    live = [(o, u) for o, u in zip(outs, us) if isinstance(o, Tensor) and o.requires_grad]
    grads = [None] * len(diff)
    if live:
        grads = grad([o for o, _ in live], [ts[i] for i in diff],
                     [u.astype(o.dtype) for o, u in live], allow_unused=True)
    return us, [np.zeros(ts[i].shape) if g is None else g._data.astype(np.float64)
                for i, g in zip(diff, grads)]


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, mode="directional", seed=0):
    """Check the VJPs of `fn` at `inputs` against central differences.

    `fn` takes Tensors and returns a Tensor or a tuple of them. Floating inputs (arrays, or
    Tensors that require grad) are differentiated; others are passed as constants. "directional"
    compares one random directional derivative per input (O(1) evaluations) and falls back to
    "full" on a mismatch; "full" compares every element and names the first ones that
    disagree. Returns True, or raises GradcheckError with the report."""
    if mode not in ("directional", "full"):
        raise ValueError(f"gradcheck: mode must be 'directional' or 'full', got {mode!r}")
    ts, diff = _as_inputs(inputs)
    if any(ts[i].dtype != np.float64 for i in diff):
        warnings.warn("gradcheck: inputs are not float64; central differences in lower precision "
                      "are unreliable", stacklevel=2)
    rng = np.random.default_rng(seed)
    us, analytic = _analytic(fn, ts, diff, rng)
    arrays = [t._data for t in ts]

    def numeric(i, direction):
        plus, minus = list(arrays), list(arrays)
        plus[i] = arrays[i] + eps * direction
        minus[i] = arrays[i] - eps * direction
        return (_value(fn, plus, us) - _value(fn, minus, us)) / (2 * eps)

    if mode == "directional":
        ok = True
        for i, a in zip(diff, analytic):
            v = rng.standard_normal(arrays[i].shape)
            n, d = numeric(i, v), float(np.vdot(a, v))
            ok &= abs(n - d) <= atol + rtol * abs(n)
        if ok:
            return True
    bad = []
    for i, a in zip(diff, analytic):
        for j in np.ndindex(arrays[i].shape):
            e = np.zeros(arrays[i].shape)
            e[j] = 1.0
            n = numeric(i, e)
            if abs(n - a[j]) > atol + rtol * abs(n):
                bad.append(f"  input {i} (shape {arrays[i].shape}) at index {j}: "
                           f"analytic {a[j]:.8g}, numeric {n:.8g}")
    if bad:
        name = getattr(fn, "__name__", "fn")
        raise GradcheckError(f"gradcheck of {name}: {len(bad)} gradient elements disagree with "
                             "central differences:\n" + "\n".join(bad[:10]))
    return True


def gradgradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, mode="directional", seed=0):
    """gradcheck of the recorded backward pass of `fn`: checks second derivatives, both in the
    inputs and in the upstream gradient (given as Tensors), then once more with the upstream
    gradient given as plain arrays, the form `grad(f(x), x, create_graph=True)` takes."""
    ts, diff = _as_inputs(inputs)
    with enable_grad():
        outs = _outputs(fn(*ts))
    rng = np.random.default_rng(seed + 1)
    us = [rng.standard_normal(np.shape(o)) for o in outs]
    name = getattr(fn, "__name__", "fn")

    def vjp_of_fn(xs, u):
        outs = _outputs(fn(*xs))
        live = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not live:
            return ()
        gs = grad([outs[k] for k in live], [xs[i] for i in diff], [u[k] for k in live],
                  create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    def in_both(*args):
        return vjp_of_fn(args[:len(ts)], args[len(ts):])

    def at_array_cotangents(*xs):
        return vjp_of_fn(xs, [u.astype(o.dtype) if isinstance(o, Tensor) else u
                              for u, o in zip(us, outs)])

    in_both.__name__ = f"backward of {name}"
    at_array_cotangents.__name__ = f"backward of {name} (array cotangents)"
    return (gradcheck(in_both, *ts, *us, eps=eps, atol=atol, rtol=rtol, mode=mode, seed=seed)
            and gradcheck(at_array_cotangents, *ts, eps=eps, atol=atol, rtol=rtol, mode=mode,
                          seed=seed))
