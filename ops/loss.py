"""Losses, with PyTorch's `reduction` ("mean", "sum" or "none").

cross_entropy and nll_loss are fused primitives over class scores of shape (N, C), (C,) or
(N, C, d1, ...): class-index or class-probability targets, per-class `weight`, `ignore_index`,
`label_smoothing`. With `weight`, "mean" divides by the summed weight of the (non-ignored)
targets, as PyTorch; when every target is ignored the mean is nan and the gradient 0.
The two binary cross-entropies are primitives for their stable forms; the regression losses
are compositions. Weights are settings: they are not differentiated.
"""
import warnings

import numpy as np

from autograd.extend import plain, primitive, recording, reuse
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .activation import axis_sum, exp_shifted, exp_shifted_times, log_softmax, softmax
from .index import index_put_add


def reduce_loss(loss, reduction, op):
    """The mean, sum or ("none") elements of an elementwise loss."""
    if reduction == "mean":
        return reduce.mean(loss)
    if reduction == "sum":
        return reduce.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce_fused(loss, reduction, denom):
    """Reduce per-sample losses inside a fused primitive; 0 / 0 (all ignored) is nan."""
    if reduction == "none":
        return loss
    total = np.sum(loss)
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / denom


def _per_sample(g, reduction, denom, kshape):
    """The upstream gradient of each sample, shaped to broadcast against the class axis."""
    if reduction == "none":
        return sh.reshape(g, kshape)                    # per-sample shape -> class axis kept
    return g if reduction == "sum" else g / (denom if denom else 1)


def _class_axis(x, reduction, label_smoothing=0.0):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    if np.ndim(x) == 0:
        raise ValueError("input must have a class dimension, got a 0-d input")
    return 0 if np.ndim(x) == 1 else 1


def _class_weight(weight, x, axis):
    """`weight` (C,) as x's dtype, shaped to broadcast along the class axis; or None."""
    if weight is None:
        return None
    w = np.asarray(weight, dtype=x.dtype)
    if w.shape != (x.shape[axis],):
        raise ValueError(f"weight of shape {w.shape} does not match the {x.shape[axis]} classes "
                         f"of input {x.shape}")
    return w.reshape(w.shape + (1,) * (x.ndim - axis - 1))     # (C,) -> (C, 1, ...)


def _class_targets(x, target, w, ignore_index, axis):
    """Check class-index targets against scores x. Returns (idx, wt, valid): `idx` picks each
    sample's target score (each position once; shape kshape, the target's shape with 1 at the
    class axis), `wt` the target's class weight (0 where ignored), `valid` the non-ignored."""
    t = np.asarray(target)
    expected = x.shape[:axis] + x.shape[axis + 1:]
    if t.dtype.kind not in "iu":
        raise TypeError(f"expected integer class indices of shape {expected} or class "
                        f"probabilities of shape {x.shape}, got target of dtype {t.dtype} and "
                        f"shape {t.shape}")
    if t.shape != expected:
        raise ValueError(f"input {x.shape} expects a target of shape {expected}, got {t.shape}")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= x.shape[axis]))
    if bad.any():
        raise IndexError(f"target values {np.unique(t[bad])[:5].tolist()} are out of bounds for "
                         f"{x.shape[axis]} classes (input {x.shape}, ignore_index={ignore_index})")
    kshape = expected[:axis] + (1,) + expected[axis:]
    tk = np.where(valid, t, 0).reshape(kshape)                      # target -> class axis kept
    idx = [np.arange(k).reshape((1,) * i + (k,) + (1,) * (len(kshape) - i - 1))
           for i, k in enumerate(kshape)]                          # broadcasting grid
    idx[axis] = tk
    valid = valid.reshape(kshape).astype(x.dtype)
    wt = valid if w is None else valid * np.reshape(w, -1)[tk]
    return tuple(idx), wt, valid


def _minus_at(base, v, idx, shape):
    """base - (v placed at the positions `idx`, zeros elsewhere); base None means zeros. The
    positions are distinct, so on arrays this is one in-place fancy-index update."""
    if recording():
        s = index_put_add(v, shape=shape, index=idx)
        return -s if base is None else base - s
    out = np.zeros(shape, np.result_type(v)) if base is None else base
    out[idx] -= v
    return out


def _smoothed(t, eps, n, w):
    """Probability targets with label smoothing and class weights: (t (1 - eps) + eps / n) w."""
    q = t * (1 - eps) + eps / n if eps else t
    return q if w is None else q * w


def _index_terms(x, target, w, ignore_index, axis, eps):
    """For class-index targets: q = a onehot(t) + b w, as (idx, a, b, sq, wt) with sq = sum q
    per sample (b None without smoothing). Cheap enough that the VJP recomputes it from the
    saved target instead of keeping it."""
    idx, wt, valid = _class_targets(x, target, w, ignore_index, axis)
    if not eps:
        return idx, wt, None, wt, wt
    n = x.shape[axis]
    a, b = wt * (1 - eps), valid * (eps / n)
    return idx, a, b, a + b * (n if w is None else np.sum(w)), wt


@primitive(save=("x", "target"),
           static=("weight", "ignore_index", "reduction", "label_smoothing"))
def _cross_entropy(x, target, weight, ignore_index, reduction, label_smoothing):
    axis = _class_axis(x, reduction, label_smoothing)
    n, eps = x.shape[axis], label_smoothing
    w = _class_weight(weight, x, axis)
    _, m, s = exp_shifted(x, axis, "cross_entropy")
    log_s = np.log(s)                                   # log sum exp(x - m)
    lse = m + log_s                                     # all the VJP keeps: x - lse = log softmax
    probs = np.asarray(target).dtype.kind == "f" and np.shape(target) == x.shape
    z = x - m if probs or eps else None
    if probs:
        q = _smoothed(np.asarray(target, x.dtype), eps, n, w)  # x-sized unless it is target
        sq, qz = axis_sum(q, axis), axis_sum(q * z, axis)
        denom = x.size // n
        loss = sq * log_s - qz                          # -sum q log softmax
    else:
        idx, a, b, _, wt = _index_terms(x, target, w, ignore_index, axis, eps)
        q = sq = None                                   # the VJP recomputes its terms
        loss = a * (log_s - (x[idx] - m))
        if eps:
            zw = axis_sum(z if w is None else z * w, axis)
            loss += b * ((n if w is None else np.sum(w)) * log_s - zw)
        denom = np.sum(wt)
    kshape = loss.shape

    def gx(g, y, x, t):                                 # d/dx = g (softmax sum(q) - q)
        gi = _per_sample(g, reduction, denom, kshape)
        if probs:
            q_ = reuse(q, _smoothed, t, eps, n, w)
            sq_ = reduce.sum(q_, axis, True) if recording() else sq
        else:
            idx, a, b, sq_, _ = _index_terms(x, t, w, ignore_index, axis, eps)
        if recording():
            r = softmax(x, axis) * (gi * sq_)
        else:                                           # exp(x - lse): the softmax
            r = exp_shifted_times(x, lse, gi * sq_)
        if probs:
            return r - q_ * gi
        r = _minus_at(r, gi * a, idx, x.shape)
        return r - (gi * b) * (1.0 if w is None else w) if eps else r

    def gt(g, y, x, t):                                 # d/dq = -g log softmax(x)
        gi = _per_sample(g, reduction, denom, kshape)
        lp = log_softmax(x, axis) if recording() else x - lse
        return -(gi * (1 - eps)) * (lp if w is None else lp * w)
    out = _reduce_fused(np.squeeze(loss, axis), reduction, denom)
    return out, (gx, gt if probs else None)


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy of class scores `input` (N, C), (C,) or (N, C, d1, ...) against
    integer class indices (N,) / () / (N, d1, ...) in [0, C) or `ignore_index`, or against class
    probabilities shaped like `input`. One fused primitive; its VJP is
    g (softmax - target) / N from the softmax's saved exponentials. Stable for logits of
    +-1e4."""
    return _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


@primitive(save=(), static=("weight", "ignore_index", "reduction"))
def _nll_loss(x, target, weight, ignore_index, reduction):
    axis = _class_axis(x, reduction)
    idx, wt, _ = _class_targets(x, target, _class_weight(weight, x, axis), ignore_index, axis)
    loss, denom = -wt * x[idx], np.sum(wt)

    def gx(g, y, x, t):                                 # d/dx = -g w_t onehot(t)
        return _minus_at(None, _per_sample(g, reduction, denom, wt.shape) * wt, idx, x.shape)
    return _reduce_fused(np.squeeze(loss, axis), reduction, denom), (gx, None)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities `input` (N, C), (C,) or (N, C, d1, ...) at
    integer class targets, with cross_entropy's weight / ignore_index / mean conventions."""
    return _nll_loss(input, target, weight, ignore_index, reduction)


def _check_same_shape(x, t, op):
    if np.shape(x) != np.shape(t):
        raise ValueError(f"{op}: target of shape {np.shape(t)} must have the same shape as "
                         f"input {np.shape(x)}")
    if np.result_type(plain(t)).kind != "f":
        raise TypeError(f"{op}: target must be floating point, got dtype "
                        f"{np.result_type(plain(t))}")


def _log_clamped(v):
    """max(log v, -100), PyTorch's clamp in binary_cross_entropy; no warning at v = 0."""
    pos = plain(v) > 0
    return ew.where(pos, ew.clamp(ew.log(ew.where(pos, v, 1.0)), min=-100.0), -100.0)


@primitive(save=("x", "target"))
def _binary_cross_entropy(x, target):
    for name, v in (("input", x), ("target", target)):
        if v.size and (np.min(v) < 0 or np.max(v) > 1):
            raise ValueError(f"all elements of {name} should be between 0 and 1, got values in "
                             f"[{np.min(v)}, {np.max(v)}]")
    loss = -(target * _log_clamped(x) + (1 - target) * _log_clamped(1 - x))
    # d/dx = (x - t) / (x (1 - x)), the denominator clamped at 1e-12; d/dt = log(1-x) - log x
    return loss.astype(x.dtype, copy=False), (
        lambda g, y, x, t: g * (x - t) / ew.clamp(x * (1 - x), min=1e-12),
        lambda g, y, x, t: g * (_log_clamped(1 - x) - _log_clamped(x)))


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1], logs clamped at -100.
    `target` must be floating, in [0, 1], and shaped like `input`; `weight` broadcasts."""
    _check_same_shape(input, target, "binary_cross_entropy")
    loss = _binary_cross_entropy(input, target)
    return reduce_loss(loss if weight is None else loss * weight, reduction, "binary_cross_entropy")


def softplus_neg(x):                                   # log(1 + e^-x), never overflows
    return ew.relu(-x) + ew.log1p(ew.exp(-ew.abs(x)))


@primitive(save=("x", "target"), static=("pos_weight",))
def _binary_cross_entropy_with_logits(x, target, pos_weight):
    pw = np.asarray(pos_weight, x.dtype)
    loss = (1 - target) * x + (1 + (pw - 1) * target) * softplus_neg(x)
    # with l = 1 + (pw - 1) t: d/dx = l sigmoid(x) - pw t, d/dt = (pw - 1) log(1 + e^-x) - x
    return loss.astype(x.dtype, copy=False), (
        lambda g, y, x, t: g * ((1 + (pw - 1) * t) * ew.sigmoid(x) - pw * t),
        lambda g, y, x, t: g * ((pw - 1) * softplus_neg(x) - x))


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target) in a stable form, with `pos_weight`
    (broadcast along the last dim) weighting the positive term. A 0/1 `weight` masks terms
    out, as negative sampling needs."""
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    loss = _binary_cross_entropy_with_logits(input, target,
                                             1.0 if pos_weight is None else plain(pos_weight))
    return reduce_loss(loss if weight is None else loss * weight, reduction,
                   "binary_cross_entropy_with_logits")


def _difference(x, t, op):
    """x - t; PyTorch warns when the shapes differ and broadcast, so do we."""
    xs, ts = np.shape(x), np.shape(t)
    if xs != ts:
        try:
            np.broadcast_shapes(xs, ts)
        except ValueError:
            raise ValueError(f"{op}: target of shape {ts} cannot broadcast with input {xs}") \
                from None
        warnings.warn(f"{op}: target size {ts} differs from input size {xs}; they broadcast, "
                      "which is likely not intended", UserWarning, stacklevel=3)
    return x - t


def mse_loss(input, target, *, reduction="mean"):
    d = _difference(input, target, "mse_loss")
    return reduce_loss(d * d, reduction, "mse_loss")


def l1_loss(input, target, *, reduction="mean"):
    """|input - target|; its gradient is 0 where they are equal."""
    return reduce_loss(ew.abs(_difference(input, target, "l1_loss")), reduction, "l1_loss")


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (l1_loss when beta is 0)."""
    d = _difference(input, target, "smooth_l1_loss")
    ad = ew.abs(d)
    if beta == 0:
        return reduce_loss(ad, reduction, "smooth_l1_loss")
    return reduce_loss(ew.where(plain(ad) < beta, d * d * (0.5 / beta), ad - 0.5 * beta), reduction,
                   "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    d = _difference(input, target, "huber_loss")
    ad = ew.abs(d)
    return reduce_loss(ew.where(plain(ad) < delta, d * d * 0.5, (ad - 0.5 * delta) * delta),
                   reduction, "huber_loss")


def kl_div(input, target, *, reduction="mean", log_target=False):
    """sum target (log target - input) for log-probabilities `input`; `target` given as
    probabilities (0 log 0 = 0) or, with log_target, as log-probabilities. "batchmean" divides
    the sum by the batch size (dim 0), "mean" by the element count, as PyTorch."""
    if log_target:
        loss = ew.exp(target) * (target - input)
    else:
        pos = plain(target) > 0
        loss = ew.where(pos, target * ew.log(ew.where(pos, target, 1.0)), 0.0) - target * input
    if reduction == "batchmean":
        n = np.shape(input)[0] if np.ndim(input) else 1
        return reduce.sum(loss) / n
    return reduce_loss(loss, reduction, "kl_div")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 x2, dim) / (max(|x1|, eps) max(|x2|, eps)), the inputs broadcast together."""
    shape = np.broadcast_shapes(np.shape(x1), np.shape(x2))
    x1, x2 = sh.broadcast_to(x1, shape), sh.broadcast_to(x2, shape)     # also along dim
    n1 = ew.clamp(reduce.norm(x1, 2, dim, True), min=eps)
    n2 = ew.clamp(reduce.norm(x2, 2, dim, True), min=eps)
    return reduce.sum((x1 / n1) * (x2 / n2), dim)
