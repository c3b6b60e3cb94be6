"""ops/_kernels.py: each numba kernel against a plain NumPy reference, and the on-disk cache: a
fresh process loads the compiled kernels (these and the softmax ones) instead of compiling them."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ops import _kernels as K

# (x shape, kernel, stride, padding, dilation, output size): odd and even sizes, padding that
# overhangs and windows past the input (a ceil_mode pool), output smaller than all windows,
# kernel taps that fall in the padding for every output
GEOMETRIES = [
    ((2, 3, 5, 6), (3, 3), (1, 1), (1, 1), (1, 1), (5, 6)),
    ((1, 2, 7, 6), (2, 3), (2, 3), (0, 2), (2, 1), (3, 3)),
    ((2, 1, 4, 5), (3, 2), (3, 2), (2, 1), (1, 2), (3, 4)),
    ((1, 2, 6, 4), (1, 1), (2, 1), (0, 0), (1, 1), (2, 3)),
    ((2, 2, 3, 1), (1, 7), (1, 1), (0, 3), (1, 1), (3, 1)),        # taps with no valid output
    # more than SMALL_MAP outputs per image: the row-by-row kernels (the others: by table)
    ((2, 2, 17, 19), (3, 2), (1, 1), (1, 1), (1, 2), (17, 19)),
]


def _positions(n_out, k, s, p, d):
    """Input position of output o and kernel offset i: (n_out, k)."""
    return np.arange(n_out)[:, None] * s - p + np.arange(k)[None, :] * d


def _reference_windows(shape, k, s, p, d, out):
    """Index arrays (rows, cols, inside) over (kh, kw, Ho, Wo) for x (N, C, H, W)."""
    rows = _positions(out[0], k[0], s[0], p[0], d[0]).T[:, None, :, None]     # (kh, 1, Ho, 1)
    cols = _positions(out[1], k[1], s[1], p[1], d[1]).T[None, :, None, :]     # (1, kw, 1, Wo)
    inside = (rows >= 0) & (rows < shape[2]) & (cols >= 0) & (cols < shape[3])
    return np.clip(rows, 0, shape[2] - 1), np.clip(cols, 0, shape[3] - 1), inside


@pytest.mark.parametrize("shape,k,s,p,d,out", GEOMETRIES)
def test_im2col_matches_numpy_indexing(shape, k, s, p, d, out):
    x = np.random.default_rng(0).standard_normal(shape)
    rows, cols, inside = _reference_windows(shape, k, s, p, d, out)
    ref = np.where(inside, x[:, :, rows, cols], 0)                    # (N, C, kh, kw, Ho, Wo)
    col = K.im2col(x, *k, *s, *p, *d, np.full((shape[1] * k[0] * k[1], shape[0]) + out, np.nan))
    np.testing.assert_array_equal(col, np.moveaxis(ref, 0, 3).reshape(col.shape))


@pytest.mark.parametrize("shape,k,s,p,d,out", GEOMETRIES)
def test_col2im_matches_numpy_add_at(shape, k, s, p, d, out):
    n, c = shape[:2]
    col = np.random.default_rng(1).standard_normal((c * k[0] * k[1], n) + out)
    rows, cols, inside = _reference_windows(shape, k, s, p, d, out)
    ref = np.zeros(shape)
    c6 = np.where(inside, np.moveaxis(col.reshape((c,) + k + (n,) + out), 3, 0), 0)
    nn, cc = np.indices((n, c), sparse=True)
    np.add.at(ref, (nn[..., None, None, None, None], cc[..., None, None, None, None], rows, cols),
              c6)
    x = K.col2im(col, *k, *s, *p, *d, np.full(shape, np.nan))
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-12)


def test_col2im_is_the_adjoint_of_im2col():
    shape, k, s, p, d, out = GEOMETRIES[1]
    rng = np.random.default_rng(2)
    x, c = rng.standard_normal(shape), rng.standard_normal((shape[1] * 6, shape[0]) + out)
    lhs = np.vdot(K.im2col(x, *k, *s, *p, *d, np.empty(c.shape)), c)
    rhs = np.vdot(x, K.col2im(c, *k, *s, *p, *d, np.empty(shape)))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def _pool_reference(x, windows):
    """(max, flat index) per window, with every window's values laid out along a last axis."""
    (hs, hn, dh), (ws, wn, dw) = windows
    p, h, w = x.shape
    rows = hs[:, None] + np.arange(hn.max())[None, :] * dh                     # (Ho, kh)
    cols = ws[:, None] + np.arange(wn.max())[None, :] * dw                     # (Wo, kw)
    rvalid = (np.arange(hn.max()) < hn[:, None]) & (rows >= 0) & (rows < h)
    cvalid = (np.arange(wn.max()) < wn[:, None]) & (cols >= 0) & (cols < w)
    r, c = np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)
    vals = x[:, r[:, None, :, None], c[None, :, None, :]]                   # (P, Ho, Wo, kh, kw)
    valid = rvalid[:, None, :, None] & cvalid[None, :, None, :]
    vals = np.where(valid, vals, -np.inf).reshape(vals.shape[:3] + (-1,))
    flat = (r[:, None, :, None] * w + c[None, :, None, :]).reshape(vals.shape[1:])
    best = vals.argmax(-1)                                                    # first maximum
    return (np.take_along_axis(vals, best[..., None], -1)[..., 0],
            np.take_along_axis(flat[None], best[..., None], -1)[..., 0])


POOLS = [
    ((2, 6, 7), [(np.arange(3) * 2, np.full(3, 2), 1), (np.arange(4) * 2 - 1, np.full(4, 3), 1)]),
    ((3, 5, 8), [(np.arange(2) * 2 - 1, np.full(2, 3), 2), (np.arange(3) * 3, np.full(3, 2), 3)]),
    ((1, 7, 5), [(np.array([0, 2, 4]), np.array([3, 3, 3]), 1),                 # adaptive 7 -> 3
                 (np.array([0, 1, 3]), np.array([2, 3, 2]), 1)]),
]


@pytest.mark.parametrize("shape,windows", POOLS)
def test_max_pool_matches_numpy_argmax(shape, windows):
    x = np.random.default_rng(3).standard_normal(shape).round(1)             # with ties
    windows = [(a.astype(np.int64), b.astype(np.int64), d) for a, b, d in windows]
    out = (shape[0], len(windows[0][0]), len(windows[1][0]))
    y, index = np.empty(out), np.empty(out, np.int64)
    K.max_pool(x, *windows[0], *windows[1], y, index)
    ref_y, ref_index = _pool_reference(x, windows)
    np.testing.assert_array_equal(y, ref_y)
    np.testing.assert_array_equal(index, ref_index)


def test_max_pool_propagates_nan_and_keeps_minus_inf_windows():
    x = np.array([[[np.nan, 2.0, np.nan, np.nan]], [[-np.inf, -np.inf, 0.0, 5.0]]])   # (2, 1, 4)
    one = (np.zeros(1, np.int64), np.ones(1, np.int64), 1)
    pairs = (np.arange(2, dtype=np.int64) * 2, np.full(2, 2, np.int64), 1)
    y, index = np.empty((2, 1, 2)), np.empty((2, 1, 2), np.int64)
    K.max_pool(x, *one, *pairs, y, index)
    assert np.isnan(y[0]).all() and index[0, 0].tolist() == [0, 3]      # the last NaN wins
    assert y[1, 0].tolist() == [-np.inf, 5.0] and index[1, 0].tolist() == [0, 3]


# even and odd planes (the edge left out), of 3-4 and of 16-17 windows a row: both orders of
# max_pool_2x2's two passes
@pytest.mark.parametrize("shape", [(3, 6, 8), (2, 5, 7), (4, 6, 34), (3, 7, 33)])
def test_max_pool_2x2_is_max_pool_on_its_windows(shape):
    x = np.random.default_rng(5).standard_normal(shape).round(1)             # with ties
    x[0, 0, :3], x[1, 2:4, 2:4] = np.nan, -np.inf
    x[-1, 1, 0] = np.nan
    x[1, :, 4:6] = np.nan                                                      # NaN windows
    x[-1] = np.where(np.random.default_rng(6).random(shape[1:]) < 0.3, np.nan, x[-1])
    out = (shape[0], shape[1] // 2, shape[2] // 2)
    windows = [(np.arange(n, dtype=np.int64) * 2, np.full(n, 2, np.int64), 1) for n in out[1:]]
    y, index = np.empty(out), np.empty(out, np.int64)
    K.max_pool(x, *windows[0], *windows[1], y, index)
    y2, index2 = np.empty(out), np.empty(out, np.int64)
    K.max_pool_2x2(x, y2, index2)
    np.testing.assert_array_equal(y2, y)                                       # NaN where y has
    np.testing.assert_array_equal(index2, index)


def test_gather_and_scatter_planes_match_numpy():
    rng = np.random.default_rng(4)
    x, index = rng.standard_normal((3, 10)), rng.integers(0, 10, (3, 7))      # with repeats
    g = rng.standard_normal((3, 7))
    np.testing.assert_array_equal(K.gather_planes(x, index, np.empty((3, 7))),
                                  np.take_along_axis(x, index, 1))
    ref = np.zeros((3, 10))
    np.add.at(ref, (np.arange(3)[:, None], index), g)
    np.testing.assert_allclose(K.scatter_planes(g, index, np.full((3, 10), np.nan)), ref,
                               rtol=1e-12)


FIRST_USE = textwrap.dedent("""
    import json, numpy as np, autograd as ag, ops
    import nn.functional as F
    from ops import _kernels as K, _nn_kernels as NK
    x = ag.tensor(np.ones((2, 3, 8, 8), np.float32), requires_grad=True)
    w = ag.tensor(np.ones((4, 3, 3, 3), np.float32), requires_grad=True)
    y = ops.max_pool2d(ops.conv2d(x, w, padding=1), 2).reshape(2, 64)
    F.cross_entropy(y, np.array([0, 1])).backward()
    kernels = [K.im2col, K.col2im, K.max_pool_2x2, K.scatter_planes, NK.exp_shifted_rows,
               NK.exp_shifted_scaled_rows]
    print(json.dumps({"misses": sum(sum(k.stats.cache_misses.values()) for k in kernels),
                      "hits": sum(sum(k.stats.cache_hits.values()) for k in kernels)}))
""")


def _first_use():
    run = subprocess.run([sys.executable, "-c", FIRST_USE], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_a_fresh_process_loads_the_kernels_from_the_cache():
    numba = pytest.importorskip("numba")
    if numba.config.DISABLE_JIT:
        pytest.skip("NUMBA_DISABLE_JIT=1: nothing is compiled")
    _first_use()                                          # compiles, unless already cached
    second = _first_use()
    assert second == {"misses": 0, "hits": 6}


def test_import_compiles_nothing():
    code = ("import ops\nfrom ops import _kernels as K\n"
            "print(sum(len(getattr(k, 'signatures', ())) for k in "
            "(K.im2col, K.col2im, K.max_pool, K.max_pool_2x2, K.gather_planes, "
            "K.scatter_planes)))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0"]
