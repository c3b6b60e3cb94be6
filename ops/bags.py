"""embedding_bag, as PyTorch's: the sum, mean or max of the embedding rows of each bag of
indices, without materialising (bags, length, D) for ragged bags.

Bags are the rows of a 2-D `input`, or the slices of a 1-D `input` that `offsets` starts.
A composition: the rows are an embedding lookup (its VJP scatter-adds into the weight),
summed into their bags by index_put_add; max gathers each bag's largest row entries, so its
gradient reaches only those. Indices equal to padding_idx are left out of every bag
(and of the mean's count); an empty bag gives zeros.
"""
import numpy as np

from autograd.extend import plain
from . import elementwise as ew
from .index import gather, index_put_add
from .sparse import embedding


def _bags(input, offsets, include_last_offset):
    """(flat indices, bag of each, number of bags), checked."""
    idx = np.asarray(plain(input))
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets must be None for a 2-D input (each row is "
                             "a bag)")
        return idx.reshape(-1), np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.shape[0]
    if idx.ndim != 1 or offsets is None:
        raise ValueError(f"embedding_bag: expected a 2-D input, or a 1-D input with offsets, "
                         f"got input of shape {idx.shape} and offsets {offsets is not None}")
    starts = np.asarray(plain(offsets)).astype(np.int64)
    if include_last_offset:
        if starts.size == 0 or starts[-1] != idx.size:
            raise ValueError(f"embedding_bag: with include_last_offset, the last offset must "
                             f"be the input's length {idx.size}")
        starts = starts[:-1]
    if starts.ndim != 1 or (starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0)
                                              or starts[-1] > idx.size)):
        raise ValueError(f"embedding_bag: offsets must start at 0 and not decrease within the "
                         f"input's length {idx.size}, got {starts.tolist()}")
    sizes = np.diff(np.append(starts, idx.size))
    return idx, np.repeat(np.arange(starts.size), sizes), starts.size


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """(bags, D): per bag the "sum", "mean" or "max" of the rows of `weight` (V, D) at its
    indices; per_sample_weights (mode "sum" only) scales each row first."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if sparse:
        raise ValueError("embedding_bag: sparse gradients are not supported; use sparse=False")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"embedding_bag: per_sample_weights needs mode 'sum', got {mode!r}")
    idx, bag, n_bags = _bags(input, offsets, include_last_offset)
    if padding_idx is not None:
        keep = idx != padding_idx % np.shape(weight)[0]
        idx, bag = idx[keep], bag[keep]
    rows = embedding(idx, weight, None, max_norm, norm_type, scale_grad_by_freq)   # (n, D)
    if per_sample_weights is not None:
        w = per_sample_weights.reshape(-1) if padding_idx is None else \
            per_sample_weights.reshape(-1)[keep]
        rows = rows * w[:, None]
    d = np.shape(weight)[1]
    if mode == "max":
        return _bag_max(rows, bag, n_bags, d)
    total = index_put_add(rows, shape=(n_bags, d), index=(bag,))
    if mode == "sum":
        return total
    count = np.bincount(bag, minlength=n_bags).astype(np.result_type(plain(weight)))
    return total / np.maximum(count, 1)[:, None]


def _bag_max(rows, bag, n_bags, d):
    """Each bag's elementwise max of its rows (zeros for an empty bag), by gathering the
    winning rows (the first, on ties): the gradient goes to them alone."""
    r = np.asarray(plain(rows))
    if not r.size:
        return index_put_add(rows, shape=(n_bags, d), index=(bag,))     # all bags empty
    filled = np.bincount(bag, minlength=n_bags) > 0
    starts = np.searchsorted(bag, np.flatnonzero(filled))     # bag ids never decrease
    best = np.maximum.reduceat(r, starts, axis=0)              # (filled bags, D)
    rank = np.cumsum(filled) - 1                               # bag -> its row in best
    at = np.where(r == best[rank[bag]], np.arange(len(r))[:, None], len(r))
    winner = np.zeros((n_bags, d), np.int64)
    winner[filled] = np.minimum.reduceat(at, starts, axis=0)
    return ew.where(filled[:, None], gather(rows, 0, winner), 0)
