"""numba kernels of the nn op families (embedding scatter, erf): arrays in, arrays out.

Each has a plain NumPy reference in tests/test_functional_embedding.py and
tests/test_functional_activation.py; with NUMBA_DISABLE_JIT=1 they run as (slow) Python.
"""
import math

import numpy as np
from numba import njit


@njit(cache=True)
def scatter_add_rows(out, indices, rows):
    """out[indices[i]] += rows[i] for every i, repeated indices accumulating (in place).

    out (V, D), indices (n,) int64 in [0, V), rows (n, D); returns out."""
    d = rows.shape[1]
    for i in range(indices.shape[0]):
        r = indices[i]
        for j in range(d):
            out[r, j] += rows[i, j]
    return out


@njit(cache=True)
def _erf_flat(x, out):
    for i in range(x.shape[0]):
        out[i] = math.erf(x[i])
    return out


def erf(x):
    """The error function, elementwise, in the dtype of the floating array `x`."""
    x = np.asarray(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    return _erf_flat(flat, np.empty_like(flat)).reshape(x.shape)
