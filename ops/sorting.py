"""Ordering: sort, argsort, topk and median, as PyTorch's.

Each finds integer indices on the data, then gathers the values at them, so the values
differentiate through gather (a value's gradient goes back to the element it came from) and
the indices are plain data. Ties keep their input order. NaN counts as the largest value, as
in PyTorch: last in an ascending sort, first in a descending one.
"""
import numpy as np

from autograd.extend import plain, like
from ._util import normalize_dim
from . import shape as sh
from .index import gather
from .reduce import MaxResult


def _order(a, dim, descending):
    """Stable sorting indices of the array `a` along `dim`."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    if a.dtype.kind == "f":                                # NaN first, then largest first
        return np.lexsort((-a, ~np.isnan(a)), axis=dim)
    return np.argsort(-a.astype(np.int64), axis=dim, kind="stable")


def _as_input(x, index):
    return like(x, index)


def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort `x` along `dim` (a stable sort, whatever `stable` says)."""
    dim = normalize_dim(dim, np.ndim(x), "argsort")
    if np.ndim(x) == 0:
        return _as_input(x, np.zeros((), np.int64))
    return _as_input(x, _order(np.asarray(plain(x)), dim, descending))


def sort(x, dim=-1, descending=False, stable=False):
    """(values, indices) of `x` sorted along `dim`."""
    index = plain(argsort(x, dim, descending))
    return MaxResult(gather(x, dim, index), _as_input(x, index))


def topk(x, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along `dim`, in order."""
    dim = normalize_dim(dim, np.ndim(x), "topk")
    n = np.shape(x)[dim] if np.ndim(x) else 1
    if not 0 <= k <= n:
        raise IndexError(f"topk: k ({k}) is out of range for dimension {dim} of size {n} "
                         f"(input {np.shape(x)})")
    if np.ndim(x) == 0:
        index = np.zeros(() if k else (0,), np.int64)
    else:
        index = np.take(plain(argsort(x, dim, largest)), np.arange(k), axis=dim)
    return MaxResult(gather(x, dim, index), _as_input(x, index))


def median(x, dim=None, keepdim=False):
    """The lower median: of all elements when dim is None (a 0-d value), else
    (values, indices) along `dim`."""
    if dim is None:
        flat = sh.reshape(x, (-1,))
        n = np.shape(flat)[0]
        if not n:
            raise ValueError("median: the input is empty")
        return sh.reshape(sort(flat).values[(n - 1) // 2], ())
    dim = normalize_dim(dim, np.ndim(x), "median")
    if np.ndim(x) == 0:
        return MaxResult(sh.reshape(x, ()), _as_input(x, np.zeros((), np.int64)))
    n = np.shape(x)[dim]
    if not n:
        raise IndexError(f"median: dimension {dim} of input {np.shape(x)} is empty")
    index = np.take(plain(argsort(x, dim)), [(n - 1) // 2], axis=dim)      # dim kept, size 1
    values = gather(x, dim, index)
    if not keepdim:
        values, index = sh.squeeze(values, dim), np.squeeze(index, dim)
    return MaxResult(values, _as_input(x, index))
