"""torch.nn.functional for tapegrad: `import nn.functional as F`.

The ops live in ops/ by family (activation, loss, normalization, sparse, conv, pool, ...);
this module re-exports them under PyTorch's names and signatures, and adds pad and dropout. Where
PyTorch takes `inplace`, it is accepted for compatibility and the result is always a new tensor
(in-place updates would corrupt values the tape saved). PyTorch's deprecated `size_average`
and `reduce` arguments are not taken; pass `reduction` (and loss options after `weight`) by
keyword.

Randomness: dropout and dropout2d draw from `generator` (a numpy.random.Generator) when given,
else from the default generator, which `manual_seed(seed)` (autograd.manual_seed) reseeds.
"""
import math
import warnings

import numpy as np

import ops
from autograd.random import default_generator, manual_seed  # noqa: F401  (F.manual_seed)
from autograd.tensor import _plain
from ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                      adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from ops.activation import (gelu, prelu, softmax as _softmax, log_softmax as _log_softmax,
                            SELU_ALPHA, SELU_SCALE, hardshrink, softshrink)
from ops.elementwise import sigmoid, tanh, softplus
from ops.bags import embedding_bag
from ops.sparse import embedding, linear, one_hot
from ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,
                      cosine_similarity, cross_entropy, huber_loss, kl_div, l1_loss, mse_loss,
                      nll_loss, smooth_l1_loss)
from ops.margin import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss,
                        margin_ranking_loss, multilabel_soft_margin_loss, pairwise_distance,
                        poisson_nll_loss, soft_margin_loss, triplet_margin_loss, pdist,
                        triplet_margin_with_distance_loss, multi_margin_loss,
                        multilabel_margin_loss)
from ops.normalization import (batch_norm, group_norm, instance_norm, layer_norm, rms_norm,
                               local_response_norm)
from ops.ctc import ctc_loss
from ops.patches import fold, unfold
from ops.volumetric import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                            conv_transpose3d, max_pool3d)
from ops.pool import lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d, max_unpool3d
from ops.resample import (interpolate, pixel_shuffle, pixel_unshuffle, channel_shuffle,
                          affine_grid, grid_sample)
from ops.sparse import bilinear

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "sigmoid",
           "tanh", "hardtanh", "prelu", "logsigmoid", "softsign", "tanhshrink", "hardsigmoid",
           "hardswish", "mish", "threshold", "glu", "normalize", "softmax", "softmin",
           "log_softmax", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss",
           "huber_loss", "kl_div", "cosine_similarity", "margin_ranking_loss",
           "pairwise_distance", "triplet_margin_loss", "cosine_embedding_loss",
           "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "gaussian_nll_loss", "poisson_nll_loss", "batch_norm", "layer_norm", "group_norm",
           "instance_norm", "pad", "interpolate", "pixel_shuffle", "pixel_unshuffle",
           "scaled_dot_product_attention", "dropout", "dropout1d", "dropout2d", "alpha_dropout",
           "manual_seed", "embedding", "embedding_bag",
           "one_hot", "linear", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
           "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "SELU_ALPHA",
           "SELU_SCALE", "celu", "rrelu", "hardshrink", "softshrink", "pdist",
           "triplet_margin_with_distance_loss", "multi_margin_loss", "multilabel_margin_loss",
           "rms_norm", "local_response_norm", "fold", "unfold", "lp_pool1d", "lp_pool2d",
           "channel_shuffle", "affine_grid", "grid_sample", "bilinear", "upsample",
           "upsample_nearest", "upsample_bilinear", "conv3d", "conv_transpose3d", "max_pool3d",
           "avg_pool3d", "adaptive_max_pool3d", "adaptive_avg_pool3d", "gumbel_softmax",
           "ctc_loss", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def relu(input, inplace=False):
    return ops.relu(input)


def relu6(input, inplace=False):
    return ops.relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return ops.leaky_relu(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return ops.elu(input, alpha)


def selu(input, inplace=False):
    return ops.selu(input)


def silu(input, inplace=False):
    return ops.silu(input)


def celu(input, alpha=1.0, inplace=False):
    return ops.celu(input, alpha)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, *,
          generator=None):
    """leaky_relu with random slopes in [lower, upper] when training (drawn from `generator`
    or the default generator), their mean otherwise."""
    return ops.rrelu(input, lower, upper, training,
                     default_generator() if generator is None else generator)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return ops.hardtanh(input, min_val, max_val)


def logsigmoid(input):
    """log sigmoid(x) = -softplus(-x): finite at +-1000."""
    return -ops.softplus(-input)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (1 + ops.abs(input))


def tanhshrink(input):
    """x - tanh(x)."""
    return input - ops.tanh(input)


def hardsigmoid(input, inplace=False):
    """0 below -3, 1 above 3, x / 6 + 1/2 between (gradient 1/6 strictly inside)."""
    return ops.hardtanh(input / 6 + 0.5, 0.0, 1.0)


def hardswish(input, inplace=False):
    """x hardsigmoid(x)."""
    return input * hardsigmoid(input)


def mish(input, inplace=False):
    """x tanh(softplus(x))."""
    return input * ops.tanh(ops.softplus(input))


def threshold(input, threshold, value, inplace=False):
    """value where x <= threshold, else x (NaN stays NaN)."""
    return ops.where(_plain(input) <= threshold, np.asarray(value, np.result_type(_plain(input))),
                     input)


def glu(input, dim=-1):
    """a sigmoid(b), a and b the halves of the input along `dim`."""
    shape = np.shape(input)
    n = shape[dim] if shape and -len(shape) <= dim < len(shape) else None
    if n is None or n % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} of input "
                         f"{shape} is size {n}")
    a, b = ops.split(input, n // 2, dim)
    return a * ops.sigmoid(b)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p along dim, eps)."""
    return input / ops.clamp(ops.norm(input, p, dim, keepdim=True), min=eps)


def _softmax_dim(input, dim, op):
    """PyTorch's legacy choice when dim is None: 0 for 0-, 1- and 3-d inputs, else 1."""
    if dim is not None:
        return dim
    ndim = np.ndim(_plain(input))
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along `dim`, max-shifted; `dtype` casts the input first."""
    dim = _softmax_dim(input, dim, "softmax")
    return _softmax(input if dtype is None else ops.astype(input, dtype), dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along `dim`."""
    dim = _softmax_dim(input, dim, "softmin")
    return _softmax(-(input if dtype is None else ops.astype(input, dtype)), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along `dim`, max-shifted; `dtype` casts the input first."""
    dim = _softmax_dim(input, dim, "log_softmax")
    return _log_softmax(input if dtype is None else ops.astype(input, dtype), dim)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1, *, generator=None):
    """softmax((logits + g) / tau) with Gumbel noise g = -log(-log(U)) (from `generator` or
    the default generator); hard: the one-hot of its argmax in the forward pass, the soft
    sample's gradient in the backward (straight-through)."""
    rng = default_generator() if generator is None else generator
    uniform = rng.random(np.shape(_plain(logits)))
    gumbels = -np.log(-np.log(uniform)).astype(np.result_type(_plain(logits)))
    soft = _softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    s = _plain(soft)
    index = np.expand_dims(np.argmax(s, axis=dim), dim)
    onehot = np.zeros_like(s)
    np.put_along_axis(onehot, index, 1.0, axis=dim)
    return soft + ops.stepped(soft, onehot - s)         # value onehot, gradient soft's


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated in PyTorch for interpolate, which it calls."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """interpolate(mode="bilinear", align_corners=True), as PyTorch's."""
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) / 2 dims by (left, right) pairs, last dim first. mode "constant"
    fills `value` (0 by default); "reflect", "replicate" and "circular" pad the last 1-3 dims
    of a 2-d to 5-d input with copies of its elements, and take no value."""
    if mode != "constant" and value:
        raise ValueError(f"pad: mode {mode!r} takes no value, got value={value}")
    return ops.pad(input, pad, 0.0 if value is None else value, mode)


def _attend(query, key, value, bias=None, dropout_p=0.0):
    """softmax(query key^T + bias) value over the last two dims, with dropout on the weights:
    (output, weights). query comes scaled; bias (0 or -inf for a mask) broadcasts over the
    scores."""
    scores = ops.matmul(query, ops.transpose(key, -2, -1))
    if bias is not None:
        scores = scores + bias
    weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, True)
    return ops.matmul(weights, value), weights


def _mask_bias(mask, dtype, attend_where_true):
    """An attention mask as the bias added to the scores: a bool mask becomes 0 where attending
    and -inf elsewhere (True attends for scaled_dot_product_attention, True blocks for
    MultiheadAttention); a float mask is the bias itself."""
    if mask is None or np.result_type(_plain(mask)) != np.bool_:
        return mask
    blocked = ~np.asarray(_plain(mask)) if attend_where_true else np.asarray(_plain(mask))
    return np.where(blocked, -np.inf, 0.0).astype(dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query key^T scale + mask) value over (..., L, E) queries and (..., S, E) keys:
    a bool attn_mask attends where True, a float one is added; is_causal masks the future.
    Dropout applies whenever dropout_p > 0, as PyTorch's."""
    if enable_gqa:
        raise ValueError("scaled_dot_product_attention: enable_gqa is not supported")
    shape_q, shape_k = np.shape(query), np.shape(key)
    if len(shape_q) < 2 or shape_k[-1:] != shape_q[-1:] or shape_k[-2:-1] != np.shape(value)[-2:-1]:
        raise ValueError(f"scaled_dot_product_attention: expected query (..., L, E), key "
                         f"(..., S, E) and value (..., S, Ev), got {shape_q}, {shape_k} and "
                         f"{np.shape(value)}")
    dtype = np.result_type(_plain(query))
    bias = _mask_bias(attn_mask, dtype, attend_where_true=True)
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal, not "
                             "both")
        bias = _mask_bias(np.tri(shape_q[-2], shape_k[-2], dtype=bool), dtype, True)
    scale = 1 / math.sqrt(shape_q[-1]) if scale is None else scale
    return _attend(query * scale, key, value, bias, dropout_p)[0]


def _dropout(input, p, training, generator, mask_shape, op):
    """input * mask / (1 - p), the mask drawn with keep probability 1 - p in `mask_shape`
    (broadcast against the input): inverted dropout, the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    rng = default_generator() if generator is None else generator
    mask = (rng.random(mask_shape, dtype=np.float32) >= p).astype(np.result_type(_plain(input)))
    if p < 1:
        mask *= 1 / (1 - p)
    return input * mask


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) when training."""
    return _dropout(input, p, training, generator, np.shape(_plain(input)), "dropout")


def dropout2d(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero whole channels of (N, C, H, W) with probability p (scaling the rest by
    1 / (1 - p)); a 3-d input is taken as (N, C, L), as PyTorch does today."""
    shape = np.shape(_plain(input))
    if len(shape) == 2:                 # PyTorch warns, then drops single elements
        warnings.warn("dropout2d: Received a 2-D input to dropout2d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead.", UserWarning,
                      stacklevel=2)
        return _dropout(input, p, training, generator, shape, "dropout2d")
    if len(shape) not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-d (N, C, L) or 4-d (N, C, H, W) input, got "
                         f"shape {shape}")
    return _dropout(input, p, training, generator, shape[:2] + (1,) * (len(shape) - 2),
                    "dropout2d")


def dropout1d(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero whole channels of (N, C, L) or (C, L) with probability p (scaling the rest by
    1 / (1 - p))."""
    shape = np.shape(_plain(input))
    if len(shape) not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-d (C, L) or 3-d (N, C, L) input, got shape "
                         f"{shape}")
    return _dropout(input, p, training, generator, shape[:-1] + (1,), "dropout1d")


def alpha_dropout(input, p=0.5, training=False, inplace=False, *, generator=None):
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value and
    an affine map a x + b restores zero mean and unit variance, as PyTorch's."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"alpha_dropout: dropout probability has to be between 0 and 1, but "
                         f"got {p}")
    if not training or p == 0:
        return input
    if p == 1:                          # everything dropped: zeros, as PyTorch's
        return input * 0
    x = _plain(input)
    rng = default_generator() if generator is None else generator
    keep = (rng.random(np.shape(x), dtype=np.float32) >= p).astype(np.result_type(x))
    alpha = SELU_ALPHA * SELU_SCALE
    a = 1 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    return input * (keep * a) + ((keep - 1) * alpha * a + alpha * a * p)

