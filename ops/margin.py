"""Margin, embedding and likelihood losses, as PyTorch's: margin_ranking_loss,
triplet_margin_loss (with pairwise_distance), cosine_embedding_loss, hinge_embedding_loss,
soft_margin_loss, multilabel_soft_margin_loss, gaussian_nll_loss and poisson_nll_loss.

All are compositions of elementwise ops and reductions (so every derivative order follows),
with the `reduction` of loss.py. Targets are data: +1 / -1 labels, 0 / 1 multi-labels.
"""
import math

import numpy as np

from autograd.extend import plain
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .loss import reduce_loss, softplus_neg


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -target (input1 - input2) + margin): input1 should rank above input2 where
    target is 1, below where it is -1."""
    return reduce_loss(ew.relu(-target * (input1 - input2) + margin), reduction,
                   "margin_ranking_loss")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim."""
    return reduce.norm(x1 - x2 + eps, p, -1, keepdim)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with d = pairwise_distance; with `swap`, d(a, n)
    is replaced by d(p, n) where that is smaller."""
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ew.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss(ew.relu(margin + d_pos - d_neg), reduction, "triplet_margin_loss")


def _labels(target, allowed, op):
    t = np.asarray(plain(target))
    if not np.isin(t, allowed).all():
        raise ValueError(f"{op}: target values must be in {allowed}, got "
                         f"{np.unique(t[~np.isin(t, allowed)])[:5].tolist()}")
    return t


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1; the
    cosine along dim 1 of (N, D) inputs (dim 0 of (D,) ones), as PyTorch computes it."""
    t = _labels(target, [-1, 1], "cosine_embedding_loss")
    dim = 0 if np.ndim(plain(input1)) == 1 else 1
    eps = 1e-12
    cos = reduce.sum(input1 * input2, dim) / ew.sqrt(
        (reduce.sum(input1 * input1, dim) + eps) * (reduce.sum(input2 * input2, dim) + eps))
    loss = ew.where(t == 1, 1 - cos, 0) + ew.where(t == -1, ew.relu(cos - margin), 0)
    return reduce_loss(loss, reduction, "cosine_embedding_loss")


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """input where target is 1, max(0, margin - input) where it is -1; any other target value
    takes both terms, as PyTorch's."""
    t = np.asarray(plain(target))
    loss = ew.where(t != 1, ew.relu(margin - input), 0) + ew.where(t != -1, input, 0)
    return reduce_loss(loss, reduction, "hinge_embedding_loss")


def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(-target input)), in a form that never overflows."""
    return reduce_loss(softplus_neg(target * input), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """-(t log sigmoid(x) + (1 - t) log sigmoid(-x)), times the class `weight`, averaged
    over the C classes of (N, C), then reduced over the samples."""
    loss = target * softplus_neg(input) + (1 - target) * softplus_neg(-input)
    if weight is not None:
        loss = loss * weight
    return reduce_loss(reduce.mean(loss, -1), reduction, "multilabel_soft_margin_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log(var) + (input - target)^2 / var) / 2 (+ log(2 pi) / 2 with `full`): the negative
    log-likelihood of target under N(input, var). var is clamped to at least eps without
    blocking its gradient, as PyTorch does; it may lack input's last dim or have it as 1."""
    shape, vshape = np.shape(plain(input)), np.shape(plain(var))
    if vshape != shape:
        if vshape == shape[:-1]:
            var = var[..., None]
        elif not (vshape[:-1] == shape[:-1] and vshape[-1:] == (1,)) and vshape:
            raise ValueError(f"gaussian_nll_loss: var of shape {vshape} does not fit input "
                             f"{shape}")
    v = np.asarray(plain(var))
    if (v < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entries")
    var = var + (np.maximum(v, eps) - v)                   # clamp, gradient as the identity
    loss = (ew.log(var) + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction, "gaussian_nll_loss")


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """exp(input) - target input (log_input), else input - target log(input + eps); `full`
    adds Stirling's approximation of log(target!) where target > 1."""
    if log_input:
        loss = ew.exp(input) - target * input
    else:
        loss = input - target * ew.log(input + eps)
    if full:                            # Stirling's term, differentiated in the target too
        big = np.asarray(plain(target)) > 1
        safe = ew.where(big, target, 1.0)
        loss = loss + ew.where(big, safe * ew.log(safe) - safe
                               + 0.5 * ew.log(2 * math.pi * safe), 0.0)
    return reduce_loss(loss, reduction, "poisson_nll_loss")


def pdist(input, p=2.0):
    """The p-norm distances between the rows i < j of input (N, M), in row-major order."""
    if np.ndim(input) != 2:
        raise ValueError(f"pdist: expects a 2-D input (N, M), got shape {np.shape(input)}")
    i, j = np.triu_indices(np.shape(input)[0], 1)
    return reduce.norm(input[i] - input[j], p, -1)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance (pairwise_distance by default)."""
    d = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = d(anchor, positive), d(anchor, negative)
    if swap:
        d_neg = ew.minimum(d_neg, d(positive, negative))
    return reduce_loss(ew.clamp(d_pos - d_neg + margin, min=0.0), reduction,
                       "triplet_margin_with_distance_loss")


def _class_rows(input, target, op):
    """input as (N, C) rows and target as (N,) class indices, checked."""
    shape = np.shape(input)
    x = input if len(shape) == 2 else input[None] if len(shape) == 1 else None
    if x is None:
        raise ValueError(f"{op}: expects input (N, C) or (C,), got shape {shape}")
    t = np.asarray(plain(target)).reshape(-1)
    n, c = np.shape(x)
    if len(t) != n or (t.size and (t.min() < 0 or t.max() >= c)):
        raise ValueError(f"{op}: target {np.shape(plain(target))} must hold {n} class indices "
                         f"in [0, {c})")
    return x, t


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """sum over j != y of max(0, margin - x[y] + x[j]) ** p (times weight[y]) / C."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p = 1 and p = 2 are supported, got {p}")
    x, t = _class_rows(sh.reshape(input, (1,)) if np.ndim(input) == 0 else input, target,
                       "multi_margin_loss")
    n, c = np.shape(x)
    rows = np.arange(n)
    hinge = ew.clamp(x - sh.reshape(x[rows, t], (-1, 1)) + margin, min=0.0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * sh.reshape(weight[t], (-1, 1))
    other = np.ones((n, c), np.result_type(plain(x)))
    other[rows, t] = 0                                      # j = y does not count
    loss = reduce.sum(hinge * other, 1) / c
    return reduce_loss(loss if np.ndim(input) == 2 else sh.reshape(loss, ()), reduction,
                       "multi_margin_loss")


def multilabel_margin_loss(input, target, reduction="mean"):
    """sum over the target classes j (target's indices up to the first -1, a repeated one
    counting each time, as PyTorch's) and the other classes i of max(0, 1 - (x[j] - x[i])) / C."""
    shape = np.shape(input)
    x = input if len(shape) == 2 else sh.reshape(input, (1, -1))
    t = np.asarray(plain(target)).reshape(np.shape(x))
    n, c = np.shape(x)
    times = np.zeros((n, c), np.result_type(plain(x)))      # how often j is listed
    for r in range(n):
        stop = np.flatnonzero(t[r] < 0)
        np.add.at(times[r], t[r, :stop[0] if stop.size else c], 1)
    hinge = ew.clamp(1 - (sh.reshape(x, (n, c, 1)) - sh.reshape(x, (n, 1, c))), min=0.0)
    pairs = times[:, :, None] * (times == 0)[:, None, :]    # (j listed, i not)
    loss = reduce.sum(hinge * pairs, (1, 2)) / c
    return reduce_loss(loss if len(shape) == 2 else sh.reshape(loss, ()), reduction,
                       "multilabel_margin_loss")
