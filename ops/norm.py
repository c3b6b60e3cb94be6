"""Normalization: batch_norm, layer_norm, group_norm, each one primitive with a fused VJP.

With xhat = (x - mean) inv, inv = 1 / sqrt(var + eps), the statistics taken over the
normalized axes (biased variance) and y = xhat * weight + bias:
    dx = inv (dxhat - mean(dxhat) - xhat mean(dxhat xhat)),   dxhat = g weight,
    dweight = sum(g xhat), dbias = sum(g), over the axes the parameters broadcast along.
batch_norm in eval mode normalizes with the running statistics, constants: dx = g weight inv.
The VJPs are built from ops, so double backward works; they reuse the saved xhat unless the
backward pass is recorded.
"""
import numpy as np

from autograd.engine import primitive
from . import elementwise as ew
from . import reduce
from . import shape as sh
from ._util import unbroadcast
from .activation import _recorded


def _check_param(p, name, shape, x_shape):
    if p is not None and np.shape(p) != shape:
        raise ValueError(f"{name} of shape {np.shape(p)} does not match input {x_shape} "
                         f"(expected {shape})")


def _fused(x, weight, bias, axes, pshape, eps, inner=None, stats=None):
    """Normalize x (viewed as `inner` if given) over `axes` with its own statistics, or with
    the constant `stats` = (mean, var) broadcastable to `pshape`; then scale and shift by
    weight and bias viewed as `pshape`. Returns (y, vjps, mean, var)."""
    outer = x.shape
    xi = x if inner is None else x.reshape(inner)                  # (outer) -> (inner)
    if stats is None:
        mu = np.mean(xi, axis=axes, keepdims=True)
        xc = xi - mu
        var = np.mean(np.square(xc), axis=axes, keepdims=True)
    else:
        mu, var = (np.reshape(np.asarray(s, x.dtype), pshape) for s in stats)
        xc = xi - mu
    inv = 1 / np.sqrt(var + eps)
    xhat = xc * inv
    y = xhat if weight is None else xhat * np.reshape(weight, pshape)
    if bias is not None:
        y = y + np.reshape(bias, pshape)

    def parts(x):                       # (xhat, inv) as functions of the Tensor x
        x = x if inner is None else sh.reshape(x, inner)           # (outer) -> (inner)
        if stats is not None:
            return (x - mu) * inv, inv
        c = x - reduce.mean(x, axes, True)
        iv = 1 / ew.sqrt(reduce.mean(c * c, axes, True) + eps)
        return c * iv, iv

    def inner_g(g):
        return g if inner is None else sh.reshape(g, inner)         # (outer) -> (inner)

    def gx(g, y, x, w, b):
        xh, iv = _recorded(x, (xhat, inv), parts)
        dxh = inner_g(g) if w is None else inner_g(g) * sh.reshape(w, pshape)
        if stats is None:
            dxh = dxh - reduce.mean(dxh, axes, True) - xh * reduce.mean(dxh * xh, axes, True)
        return sh.reshape(dxh * iv, outer)                          # (inner) -> (outer)

    def gw(g, y, x, w, b):              # sum of g xhat over the broadcast axes
        xh = _recorded(x, (xhat, inv), parts)[0]
        return sh.reshape(unbroadcast(inner_g(g) * xh, pshape), w.shape)

    def gb(g, y, x, w, b):
        return sh.reshape(unbroadcast(inner_g(g), pshape), b.shape)
    return np.reshape(y, outer), (gx, gw, gb), mu, var


@primitive
def _batch_norm(x, weight, bias, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5):
    if x.ndim < 2:
        raise ValueError(f"expected input of shape (N, C) or (N, C, ...), got {x.shape}")
    c = x.shape[1]
    for p, name in ((weight, "weight"), (bias, "bias"), (running_mean, "running_mean"),
                    (running_var, "running_var")):
        _check_param(p, name, (c,), x.shape)
    axes, pshape = (0,) + tuple(range(2, x.ndim)), (1, c) + (1,) * (x.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("running_mean and running_var are required in eval mode "
                             "(training=False)")
        return _fused(x, weight, bias, axes, pshape, eps, stats=(running_mean, running_var))[:2]
    m = x.size // c
    if m <= 1:
        raise ValueError(f"expected more than 1 value per channel when training, got input "
                         f"of shape {x.shape}")
    y, vjps, mu, var = _fused(x, weight, bias, axes, pshape, eps)
    if running_mean is not None:        # in place: the caller's buffers are the state
        running_mean *= 1 - momentum
        running_mean += momentum * mu.reshape(c)
    if running_var is not None:         # the running variance is the unbiased one
        running_var *= 1 - momentum
        running_var += (momentum * m / (m - 1)) * var.reshape(c)
    return y, vjps


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize (N, C, ...) per channel: with batch statistics when `training` (updating the
    running_mean / running_var arrays or Tensors in place, if given, by `momentum`; the
    running variance is unbiased), else with the running statistics."""
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


@primitive
def _layer_norm(x, weight, bias, normalized_shape=(), eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not ns or x.shape[x.ndim - len(ns):] != ns:
        raise ValueError(f"normalized_shape {ns} must be the trailing dims of input {x.shape}")
    _check_param(weight, "weight", ns, x.shape)
    _check_param(bias, "bias", ns, x.shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    return _fused(x, weight, bias, axes, ns, eps)[:2]


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dims `normalized_shape`, then scale and shift by weight and
    bias of that shape."""
    return _layer_norm(input, weight, bias, normalized_shape, eps)


@primitive
def _group_norm(x, weight, bias, num_groups=1, eps=1e-5):
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"expected input (N, C, ...) with C divisible by num_groups="
                         f"{num_groups}, got {x.shape}")
    c = x.shape[1]
    _check_param(weight, "weight", (c,), x.shape)
    _check_param(bias, "bias", (c,), x.shape)
    spatial = x.shape[2:]
    inner = (x.shape[0], num_groups, c // num_groups) + spatial     # (N, C, ...) -> (N, G, C/G, ...)
    pshape = (1, num_groups, c // num_groups) + (1,) * len(spatial)
    return _fused(x, weight, bias, tuple(range(2, len(inner))), pshape, eps, inner=inner)[:2]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the C channels of (N, C, ...) into `num_groups` groups and normalize each group of
    each sample; weight and bias (C,) are per channel."""
    return _group_norm(input, weight, bias, num_groups, eps)
