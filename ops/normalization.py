"""Normalization: batch_norm, layer_norm, group_norm, each one primitive with a fused VJP,
and instance_norm on top of them; rms_norm and local_response_norm are compositions.

With xhat = (x - mean) inv, inv = 1 / sqrt(var + eps), the statistics taken over the
normalized axes (biased variance) and y = xhat * weight + bias:
    dx = inv (dxhat - mean(dxhat) - xhat mean(dxhat xhat)),   dxhat = g weight,
    dweight = sum(g xhat), dbias = sum(g), over the axes the parameters broadcast along.
batch_norm in eval mode normalizes with the running statistics, constants: dx = g weight inv.
Every input is viewed as (A, B, L) and normalized over A and L for each b: batch_norm
(N, C, H*W), layer_norm (1, leading, normalized), group_norm (1, N*G, C/G*spatial). The
statistics, xhat and dx come from numba kernels (one read of x each, float64 sums), which
also give the parameter gradients of batch_norm (the sums its dx needs) and layer_norm (one
pass over the rows for all three); group_norm's are einsums. When the backward pass is
recorded (create_graph), the same formulas run as ops on Tensors instead, so double backward
works.
"""
import numpy as np

from autograd.extend import bump_version, is_tensor, plain, primitive, recording, unbroadcast
from . import elementwise as ew
from . import reduce
from . import shape as sh
from ._nn_kernels import (centered_sums, normalize, normalize_backward, normalize_rows,
                          normalize_rows_backward)
from ._util import once_per_gradient


def _check_param(p, name, shape, x_shape):
    if p is not None and np.shape(p) != shape:
        raise ValueError(f"{name} of shape {np.shape(p)} does not match input {x_shape} "
                         f"(expected {shape})")


def _param_sum(pshape, *arrays):
    """sum(a) or sum(a * b) of same-shaped arrays down to `pshape` (a right-aligned broadcast
    shape): one einsum, no temporary (the NumPy path of the parameter gradients)."""
    letters = "abcdefghijklmnopqrstuvwxyz"[:arrays[0].ndim]
    lead = len(letters) - len(pshape)
    out = "".join(c for i, c in enumerate(letters) if i >= lead and pshape[i - lead] != 1)
    return np.einsum(",".join([letters] * len(arrays)) + "->" + out, *arrays).reshape(pshape)


def _fused(x, weight, bias, view3, ashape, pshape, eps, stats=None, weight_on_b=False,
           weight_on_l=False):
    """Normalize x, viewed as `view3` = (A, B, L), over A and L with its own statistics, or
    with the constant `stats` = (mean, var) of shape (B,); then scale and shift by weight and
    bias viewed as `pshape`, which broadcasts against x viewed as `ashape`. `weight_on_b`:
    weight and bias are one per b (batch_norm), applied inside the kernel; `weight_on_l`:
    A is 1 and they are one per l (layer_norm), applied inside the kernels, whose backward
    gives all three gradients in one pass.
    Returns (y, vjps, mean, var), y shaped like x, mean and var (B,) in float64."""
    outer = x.shape
    x3 = x.reshape(view3)                                           # (outer) -> (A, B, L)
    n_b = x3.shape[1]

    def per(p, n, fill):                # weight or bias as n values of x's dtype
        return np.full(n, fill, x.dtype) if p is None else np.reshape(p, -1).astype(x.dtype)
    if weight_on_l:
        n_l = x3.shape[2]
        w_l = per(weight, n_l, 1)
        y3 = np.empty_like(x3)
        mu, var = normalize_rows(x3[0], eps, w_l, per(bias, n_l, 0), y3[0])
    else:                               # scale and shift per b: batch_norm's, else 1 and 0
        scale = per(weight if weight_on_b else None, n_b, 1)
        shift = per(bias if weight_on_b else None, n_b, 0)
        if stats is None:
            y3, mu, var = normalize(x3, eps, scale, shift)
        else:
            mu, var = (np.asarray(s, np.float64).reshape(-1) for s in stats)
            k = (scale / np.sqrt(var + eps)).astype(x.dtype)
            y3 = (x3 - mu.astype(x.dtype)[:, None]) * k[:, None] + shift[:, None]
    inv = 1 / np.sqrt(var + eps)                                    # (B,) float64
    y = y3.reshape(ashape)                                          # (A, B, L) -> (ashape)
    applied = weight_on_b or weight_on_l
    if not applied and weight is not None:                          # y3 is ours: in place
        y *= np.reshape(weight, pshape)
    if not applied and bias is not None:
        y += np.reshape(bias, pshape)
    dtype = x.dtype

    def per_b():                        # (mean, inv) as (B, 1) in x's dtype: only VJPs need them
        return mu.astype(dtype)[:, None], inv.astype(dtype)[:, None]

    def parts(x):                       # (xhat, inv) of the Tensor x, as recorded ops
        x3 = sh.reshape(x, view3)                                   # (outer) -> (A, B, L)
        if stats is not None:
            mu_x, inv_x = per_b()
            return (x3 - mu_x) * inv_x, inv_x
        x3 = x3 - reduce.mean(x3, (0, 2), True)
        iv = 1 / ew.sqrt(reduce.mean(x3 * x3, (0, 2), True) + eps)
        return x3 * iv, iv

    once = once_per_gradient()

    def sums(g, x):
        """centered_sums of g: with weight_on_b, the sums of gx's kernel are those of gw and gb
        too, so the three VJPs of one g read g and x once."""
        return once(g, lambda: centered_sums(np.reshape(g, view3), x.reshape(view3), mu))

    def rows(g, x):
        """(gx, gw, gb) with weight_on_l, from one normalize_rows_backward."""
        def compute():
            g2, out = np.reshape(g, view3[1:]), np.empty(outer, x.dtype)   # -> (B, L)
            gw, gb = np.zeros(n_l), np.zeros(n_l)
            normalize_rows_backward(g2, x.reshape(view3[1:]), mu, inv, w_l,
                                    out.reshape(view3[1:]), gw, gb)
            return out, gw, gb
        return once(g, compute)

    def gx(g, y, x, w, b):
        if not recording():                                       # NumPy: kernels
            if weight_on_l:
                return rows(g, x)[0]
            k = inv if w is None or not weight_on_b else inv * np.reshape(w, -1)
            d = g if w is None or weight_on_b else g.reshape(ashape) * np.reshape(w, pshape)
            d3 = np.reshape(d, view3)                               # (outer) -> (A, B, L)
            out = np.empty(outer, d3.dtype)     # not a view: the engine keeps it as a .grad
            if stats is not None:
                np.multiply(d3, k.astype(x.dtype)[:, None], out=out.reshape(view3))
            else:
                s1, s2 = sums(g, x) if d is g else centered_sums(d3, x.reshape(view3), mu)
                normalize_backward(d3, x.reshape(view3), mu, inv, k, s1, s2, out.reshape(view3))
            return out
        xh, iv = parts(x)
        d = sh.reshape(g, ashape)
        d = sh.reshape(d if w is None else d * sh.reshape(w, pshape), view3)
        if stats is None:
            d = d - reduce.mean(d, (0, 2), True) - xh * reduce.mean(d * xh, (0, 2), True)
        return sh.reshape(d * iv, outer)

    def gw(g, y, x, w, b):              # sum of g xhat over the broadcast axes
        if recording():
            xh = sh.reshape(parts(x)[0], ashape)
            return sh.reshape(unbroadcast(sh.reshape(g, ashape) * xh, pshape), w.shape)
        if weight_on_b:                 # sum g (x - mean) inv, without forming xhat
            return (sums(g, x)[1] * inv).astype(w.dtype).reshape(w.shape)
        if weight_on_l:
            return rows(g, x)[1].astype(w.dtype).reshape(w.shape)
        mu_x, inv_x = per_b()
        xhat = ((x.reshape(view3) - mu_x) * inv_x).reshape(ashape)
        return _param_sum(pshape, g.reshape(ashape), xhat).reshape(w.shape)

    def gb(g, y, x, w, b):
        if not recording():
            if weight_on_b:
                return sums(g, x)[0].astype(b.dtype).reshape(b.shape)
            if weight_on_l:
                return rows(g, x)[2].astype(b.dtype).reshape(b.shape)
            return _param_sum(pshape, g.reshape(ashape)).reshape(b.shape)
        return sh.reshape(unbroadcast(sh.reshape(g, ashape), pshape), b.shape)
    return np.reshape(y, outer), (gx, gw, gb), mu, var


@primitive(save=("x", "weight"),
           static=("running_mean", "running_var", "training", "momentum", "eps"))
def _batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps):
    if x.ndim < 2:
        raise ValueError(f"expected input of shape (N, C) or (N, C, ...), got {x.shape}")
    c = x.shape[1]
    for p, name in ((weight, "weight"), (bias, "bias"), (running_mean, "running_mean"),
                    (running_var, "running_var")):
        _check_param(p, name, (c,), x.shape)
    layout = ((x.shape[0], c, -1), x.shape, (1, c) + (1,) * (x.ndim - 2))  # view3, ashape, pshape
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("running_mean and running_var are required in eval mode "
                             "(training=False)")
        return _fused(x, weight, bias, *layout, eps, stats=(running_mean, running_var),
                      weight_on_b=True)[:2]
    m = x.size // c
    if m <= 1:
        raise ValueError(f"expected more than 1 value per channel when training, got input "
                         f"of shape {x.shape}")
    y, vjps, mu, var = _fused(x, weight, bias, *layout, eps, weight_on_b=True)
    # In place: the caller's buffers are the state. No version bump, as in PyTorch's batch_norm:
    # a graph that saved a running statistic sees the new values, without an error.
    if running_mean is not None:
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
    running variance is unbiased), else with the running statistics. An empty input gives an
    empty result (and leaves the running statistics alone)."""
    if not np.size(plain(input)):
        return ew.mul(input, 1)
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


@primitive(save=("x", "weight"), static=("normalized_shape", "eps"))
def _layer_norm(x, weight, bias, normalized_shape, eps):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not ns or x.shape[x.ndim - len(ns):] != ns:
        raise ValueError(f"normalized_shape {ns} must be the trailing dims of input {x.shape}")
    _check_param(weight, "weight", ns, x.shape)
    _check_param(bias, "bias", ns, x.shape)
    return _fused(x, weight, bias, (1, -1, int(np.prod(ns))), x.shape, ns, eps,
                  weight_on_l=True)[:2]


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dims `normalized_shape`, then scale and shift by weight and
    bias of that shape."""
    return _layer_norm(input, weight, bias, normalized_shape, eps)


@primitive(save=("x", "weight"), static=("num_groups", "eps"))
def _group_norm(x, weight, bias, num_groups, eps):
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"expected input (N, C, ...) with C divisible by num_groups="
                         f"{num_groups}, got {x.shape}")
    c = x.shape[1]
    _check_param(weight, "weight", (c,), x.shape)
    _check_param(bias, "bias", (c,), x.shape)
    spatial = x.shape[2:]
    inner = (x.shape[0], num_groups, c // num_groups) + spatial     # (N, G, C/G, ...)
    pshape = (1, num_groups, c // num_groups) + (1,) * len(spatial)
    return _fused(x, weight, bias, (1, x.shape[0] * num_groups, -1), inner, pshape, eps)[:2]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the C channels of (N, C, ...) into `num_groups` groups and normalize each group of
    each sample; weight and bias (C,) are per channel. An empty batch gives an empty result."""
    if not np.size(plain(input)):
        return ew.mul(input, 1)
    return _group_norm(input, weight, bias, num_groups, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample of (N, C, ...) over its own spatial positions
    (group_norm with one channel per group), then scale and shift per channel. With
    use_input_stats the running_mean / running_var arrays or Tensors, if given, move by
    `momentum` towards the batch average of the per-sample statistics (the variance
    unbiased); without, the running statistics normalize instead."""
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    x = np.asarray(plain(input))
    spatial = int(np.prod(x.shape[2:]))
    if spatial <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                         f"got input of shape {x.shape}")
    if running_mean is not None:
        axes = tuple(range(2, x.ndim))
        for stat, value in ((running_mean, x.mean(axes)), (running_var, x.var(axes, ddof=1))):
            array = np.asarray(plain(stat))
            array *= 1 - momentum
            array += momentum * value.mean(0)
            if is_tensor(stat):    # as PyTorch's instance_norm (not its batch_norm)
                bump_version(stat)
    return group_norm(input, x.shape[1], weight, bias, eps)



def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing dims `normalized_shape`, times weight; eps
    defaults to the machine epsilon of x's dtype, as PyTorch's."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape = np.shape(input)
    if not ns or shape[len(shape) - len(ns):] != ns:
        raise ValueError(f"rms_norm: normalized_shape {ns} must be the trailing dims of input "
                         f"{shape}")
    if eps is None:
        eps = np.finfo(np.result_type(plain(input))).eps
    dims = tuple(range(len(shape) - len(ns), len(shape)))
    y = input * (reduce.mean(input * input, dims, True) + eps) ** -0.5
    return y if weight is None else y * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha mean(x^2 over `size` neighbouring channels, zero padded)) ** beta."""
    shape = np.shape(input)
    if len(shape) < 3:
        raise ValueError(f"local_response_norm: expected 3 or more dims (N, C, ...), got "
                         f"{shape}")
    channels = shape[1]
    # zero-pad the channel axis: size // 2 before, (size - 1) // 2 after
    squares = sh.pad(input * input, (0, 0) * (len(shape) - 2) + (size // 2, (size - 1) // 2))
    window = 0
    for j in range(size):
        window = window + squares[:, j:j + channels]
    return input / (window * (alpha / size) + k) ** beta
