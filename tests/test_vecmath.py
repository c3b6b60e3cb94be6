"""ops/_vecmath.py: the SIMD-friendly exp, expm1, tanh and maximum against NumPy, from inside a jitted loop
(the way the kernels call them), and the loops they are for really vectorize."""
import re

import numpy as np
import pytest
from numba import config, njit

from ops._vecmath import exp_nonpositive, expm1_nonpositive, maximum, tanh


@njit
def _exp_all(v, out):
    for j in range(v.shape[0]):
        out[j] = exp_nonpositive(v[j])
    return out


@njit
def _expm1_all(v, out):
    for j in range(v.shape[0]):
        out[j] = expm1_nonpositive(v[j])
    return out


@njit(error_model="numpy")               # as the LSTM kernel: no division check, so SIMD
def _tanh_all(v, out):
    for j in range(v.shape[0]):
        out[j] = tanh(v[j])
    return out


def _ulps(got, ref):
    """|got - ref| in units of the last place of ref (of the smallest normal near 0)."""
    tiny = np.finfo(ref.dtype).tiny
    return np.abs(got - ref) / np.spacing(np.maximum(np.abs(ref), tiny))


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
def test_expm1_is_within_4_ulp_of_numpy_near_zero_too(dtype):
    rng = np.random.default_rng(1)
    v = np.concatenate([-rng.uniform(0, 1e-3, 5_000), -rng.uniform(0, 1, 20_000),
                        rng.uniform(SMALLEST[dtype], 0, 5_000), [-0.0, -1e-30, -1e-8]])
    v = v.astype(dtype)
    got, ref = _expm1_all(v, np.empty_like(v)), np.expm1(v.astype(np.float64)).astype(dtype)
    assert got.dtype == dtype and np.max(_ulps(got, ref)) <= 4
    edges = _expm1_all(np.array([-np.inf, -1e30, np.nan], dtype), np.empty(3, dtype))
    assert edges[0] == edges[1] == -1 and np.isnan(edges[2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_is_within_5_ulp_of_numpy_for_any_input(dtype):
    rng = np.random.default_rng(2)
    v = np.concatenate([rng.standard_normal(20_000) * 4, rng.uniform(-1e-4, 1e-4, 5_000),
                        [0.0, 1e-30, -1e-30, 20.0, -20.0, 1e30, -1e30]]).astype(dtype)
    got, ref = _tanh_all(v, np.empty_like(v)), np.tanh(v.astype(np.float64)).astype(dtype)
    assert got.dtype == dtype and np.max(_ulps(got, ref)) <= 5
    edges = _tanh_all(np.array([np.inf, -np.inf, np.nan], dtype), np.empty(3, dtype))
    assert edges[0] == 1 and edges[1] == -1 and np.isnan(edges[2])


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
                                      (_tanh_all, (np.zeros(64, np.float32),) * 2),
                                      (_max_all, (np.zeros(64, np.float32),))])
def test_the_loops_vectorize(fn, args):
    fn(*args)
    asm = fn.inspect_asm(fn.signatures[0])
    assert re.search(r"\s(v?(mul|max)|vfmadd\w*)ps\s", asm)      # packed, not scalar (...ss)
