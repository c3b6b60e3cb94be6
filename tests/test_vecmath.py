"""ops/_vecmath.py: the SIMD-friendly exp and maximum against NumPy, from inside a jitted loop
(the way the kernels call them), and the loops they are for really vectorize."""
import re

import numpy as np
import pytest
from numba import config, njit

from ops._vecmath import exp_nonpositive, maximum


@njit
def _exp_all(v, out):
    for j in range(v.shape[0]):
        out[j] = exp_nonpositive(v[j])
    return out


@njit(fastmath={"reassoc", "nsz"})
def _max_all(v):
    m = v[0]
    for j in range(v.shape[0]):
        m = maximum(m, v[j])
    return m


SMALLEST = {np.float32: -87.33654, np.float64: -708.3964}     # log of the smallest normal


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_is_within_2_ulp_of_numpy(dtype):
    rng = np.random.default_rng(0)
    lo = SMALLEST[dtype]
    v = np.concatenate([-rng.uniform(0, 1, 20_000), rng.uniform(lo, 0, 20_000),
                        [0.0, -0.0, lo, -1e-30]]).astype(dtype)
    got, ref = _exp_all(v, np.empty_like(v)), np.exp(v)
    assert got.dtype == dtype
    assert np.max(np.abs(got - ref) / np.spacing(ref)) <= 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_edges(dtype):
    v = np.array([0.0, -np.inf, np.nan, SMALLEST[dtype] - 1, -1e30], dtype)
    got = _exp_all(v, np.empty_like(v))
    assert got[0] == 1 and got[1] == 0 and np.isnan(got[2])
    assert got[3] == 0 and got[4] == 0          # below the smallest normal: flushed to 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maximum_reduces_like_numpy_max_nan_included(dtype):
    v = np.random.default_rng(1).standard_normal(1001).astype(dtype)
    assert _max_all(v) == np.max(v)
    v[500] = np.nan
    assert np.isnan(_max_all(v))
    assert _max_all(np.array([-np.inf, -np.inf], dtype)) == -np.inf


@pytest.mark.skipif(config.DISABLE_JIT, reason="NUMBA_DISABLE_JIT=1: nothing is compiled")
@pytest.mark.parametrize("fn, args", [(_exp_all, (np.zeros(64, np.float32),) * 2),
                                      (_max_all, (np.zeros(64, np.float32),))])
def test_the_loops_vectorize(fn, args):
    fn(*args)
    asm = fn.inspect_asm(fn.signatures[0])
    assert re.search(r"\s(v?(mul|max)|vfmadd\w*)ps\s", asm)      # packed, not scalar (...ss)
