"""numba kernels of convolution and pooling: arrays in, arrays out, never a Tensor.

Compiled lazily on first call and cached on disk (cache=True), so a fresh process loads them
instead of compiling. Each has a plain NumPy reference in tests/test_kernels.py; with
NUMBA_DISABLE_JIT=1 they run as (slow) Python. None is parallel: on this 2-core machine prange
over planes halved the best times (max_pool 3.5 -> 1.8 ms, scatter 0.30 -> 0.16 ms on W5's
shapes) but multiplied the median ones by 2-30 whenever another process or OpenBLAS's
still-spinning threads held a core, which in a training step they do.

Window geometry, per spatial axis: output position o reads input positions
o * stride - pad + i * dilation for i < kernel; positions outside the input read as 0 (conv) or
are skipped (pooling). Inner loops index with unsigned ints once the range is known to be inside
the array: numba then drops its negative-index wraparound, which made them 3-4x faster.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _span(offset, stride, size, n_out):
    """The outputs o in [lo, hi) whose input position o * stride + offset lies in [0, size)."""
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    hi = 0 if size <= offset else (size - offset + stride - 1) // stride
    hi = min(hi, n_out)
    return min(lo, hi), hi


@njit(cache=True)
def _row_span(j, dw, pw, sw, w_, wo):
    """For kernel column j: the outputs [lo, hi) whose input column lies inside the image, the
    first such input column and lo, both unsigned (see the module docstring)."""
    lo, hi = _span(j * dw - pw, sw, w_, wo)
    return lo, hi, np.uint64(max(lo * sw + j * dw - pw, 0)), np.uint64(lo)


SMALL_MAP = 256             # outputs per image up to which im2col and col2im go through a table


@njit(cache=True)
def _tap_table(h_, w_, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    """table[i * kw + j, oh * Wo + ow]: the flat position in an (H, W) plane that kernel tap
    (i, j) of output (oh, ow) reads, or -1 where it reads padding."""
    table = np.empty((kh * kw, ho * wo), np.int64)
    for i in range(kh):
        for j in range(kw):
            for oh in range(ho):
                h = oh * sh - ph + i * dh
                for ow in range(wo):
                    w = ow * sw - pw + j * dw
                    inside = 0 <= h < h_ and 0 <= w < w_
                    table[i * kw + j, oh * wo + ow] = h * w_ + w if inside else -1
    return table


@njit(cache=True)
def _im2col_small(x, kh, kw, sh, sw, ph, pw, dh, dw, col):
    """im2col for small output maps: a gather through _tap_table, one loop over a whole
    (Ho * Wo) row per tap, channel and image. The row-by-row kernel below spends its time
    per output row: on ResNet-18's 8x8, 4x4 and 2x2 maps this is 2.3-3.8x faster."""
    n_, c_, h_, w_ = x.shape
    ho, wo = col.shape[2], col.shape[3]
    table = _tap_table(h_, w_, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)
    xf = x.reshape(n_, c_, h_ * w_)                       # (N, C, H, W) -> (N, C, H*W)
    cf = col.reshape(col.shape[0], n_, ho * wo)          # (K, N, Ho, Wo) -> (K, N, L)
    zero = col.dtype.type(0)
    for c in range(c_):
        for tap in range(kh * kw):
            positions = table[tap]
            for n in range(n_):
                src, out = xf[n, c], cf[c * kh * kw + tap, n]
                for q in range(ho * wo):
                    k = positions[q]
                    out[q] = src[max(k, 0)] if k >= 0 else zero   # a load, then a select
    return col


@njit(cache=True)
def _col2im_small(col, kh, kw, sh, sw, ph, pw, dh, dw, x):
    """col2im for small output maps, through _tap_table; the same sums in the same order (a
    tap reaches a position at most once)."""
    n_, c_, h_, w_ = x.shape
    ho, wo = col.shape[2], col.shape[3]
    table = _tap_table(h_, w_, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)
    xf = x.reshape(n_, c_, h_ * w_)                       # (N, C, H, W) -> (N, C, H*W)
    cf = col.reshape(col.shape[0], n_, ho * wo)          # (K, N, Ho, Wo) -> (K, N, L)
    for n in range(n_):
        for c in range(c_):
            out = xf[n, c]
            out[:] = 0
            for tap in range(kh * kw):
                positions, src = table[tap], cf[c * kh * kw + tap, n]
                for q in range(ho * wo):
                    k = positions[q]
                    if k >= 0:
                        out[k] += src[q]
    return x


@njit(cache=True)
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, col):
    """col[(c, i, j), n, oh, ow] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], 0 outside x.

    x (N, C, H, W), col (C*kh*kw, N, Ho, Wo), both C-contiguous: the images of a row side by
    side, so that one GEMM serves the whole batch. Returns col. Output maps of up to SMALL_MAP
    positions go through _im2col_small."""
    n_, c_, h_, w_ = x.shape
    ho, wo = col.shape[2], col.shape[3]
    if ho * wo <= SMALL_MAP:
        return _im2col_small(x, kh, kw, sh, sw, ph, pw, dh, dw, col)
    step = np.uint64(sw)
    for c in range(c_):
        for i in range(kh):
            for j in range(kw):
                r = (c * kh + i) * kw + j
                lo, hi, first, lo_u = _row_span(j, dw, pw, sw, w_, wo)
                for n in range(n_):
                    for oh in range(ho):
                        h = oh * sh - ph + i * dh
                        if h < 0 or h >= h_:
                            col[r, n, oh, :] = 0
                            continue
                        col[r, n, oh, :lo] = 0
                        for t in range(np.uint64(hi - lo)):
                            col[r, n, oh, lo_u + t] = x[n, c, h, first + t * step]
                        col[r, n, oh, hi:] = 0
    return col


@njit(cache=True)
def col2im(col, kh, kw, sh, sw, ph, pw, dh, dw, x):
    """The adjoint of im2col: x = 0, then x[n, c, h, w] += col[(c, i, j), n, oh, ow] at every
    window position (h, w) of (oh, ow) inside x.

    col (C*kh*kw, N, Ho, Wo), x (N, C, H, W), both C-contiguous; returns x. Output maps of up
    to SMALL_MAP positions go through _col2im_small."""
    n_, c_, h_, w_ = x.shape
    ho, wo = col.shape[2], col.shape[3]
    if ho * wo <= SMALL_MAP:
        return _col2im_small(col, kh, kw, sh, sw, ph, pw, dh, dw, x)
    step = np.uint64(sw)
    for n in range(n_):
        for c in range(c_):
            x[n, c] = 0
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    lo, hi, first, lo_u = _row_span(j, dw, pw, sw, w_, wo)
                    for oh in range(ho):
                        h = oh * sh - ph + i * dh
                        if h < 0 or h >= h_:
                            continue
                        for t in range(np.uint64(hi - lo)):
                            x[n, c, h, first + t * step] += col[r, n, oh, lo_u + t]
    return x


@njit(cache=True)
def _taps(starts, counts, step, size):
    """Per window along one axis: the first and past-last tap i whose position
    starts[o] + i * step lies in [0, size)."""
    lo, hi = np.empty_like(starts), np.empty_like(starts)
    for o in range(starts.shape[0]):
        lo[o] = 0 if starts[o] >= 0 else (step - 1 - starts[o]) // step
        hi[o] = min(counts[o], (size - 1 - starts[o]) // step + 1)
    return lo, hi


@njit(cache=True)
def max_pool(x, hs, hn, dh, ws, wn, dw, y, index):
    """Window maxima and their positions, PyTorch's way: the first maximum wins; a NaN wins over
    numbers (the last NaN over earlier ones); a window of -inf points at its first position.

    x (P, H, W). Window (oh, ow) covers rows hs[oh] + i*dh for i < hn[oh] and columns
    ws[ow] + j*dw for j < wn[ow] (int64 arrays); positions outside x are skipped, and every
    window must hold one. Writes y[p, oh, ow] and index[p, oh, ow] = h * W + w (int64);
    returns y. Branch-free selects: a compare that goes either way costs no misprediction."""
    p_, h_, w_ = x.shape
    ho, wo = y.shape[1], y.shape[2]
    i0s, i1s = _taps(hs, hn, dh, h_)
    j0s, j1s = _taps(ws, wn, dw, w_)
    for p in range(p_):
        for oh in range(ho):
            i0, i1, h0 = i0s[oh], i1s[oh], hs[oh]
            for ow in range(wo):
                j0, j1, w0 = j0s[ow], j1s[ow], ws[ow]
                best = -np.inf
                k = (h0 + i0 * dh) * w_ + w0 + j0 * dw
                for i in range(i0, i1):
                    h = h0 + i * dh
                    for j in range(j0, j1):
                        w = w0 + j * dw
                        v = x[p, np.uint64(h), np.uint64(w)]
                        better = (v > best) | (v != v)
                        best = v if better else best
                        k = h * w_ + w if better else k
                y[p, oh, ow] = best
                index[p, oh, ow] = k
    return y


@njit(cache=True)
def max_pool_2x2(x, y, index):
    """max_pool with 2x2 windows at stride 2 (window (oh, ow) covers rows 2oh, 2oh + 1 and
    columns 2ow, 2ow + 1 of x (P, H, W), all inside): the same y and index, in two passes per
    plane over pairs of values (_pairs_in_rows_first or, from 8 windows a row,
    _pairs_of_rows_first). A window's four values compared one after another in loops over a
    row of outputs ran scalar, too short for LLVM to vectorize, and their selects of loaded
    values became branches that random data mispredicts (7.8 ms on W5's 2048 planes of 32x32
    against 1.6 on zeros); the passes take 1.7 ms whatever the data."""
    ho, wo = y.shape[1], y.shape[2]
    best = np.empty(2 * ho * wo, x.dtype)             # the larger of each pair ...
    at = np.empty(2 * ho * wo, np.int64)              # ... and its position in the plane
    for p in range(x.shape[0]):
        if wo >= 8:
            _pairs_of_rows_first(x[p], y[p], index[p], best, at)
        else:
            _pairs_in_rows_first(x[p], y[p], index[p], best, at)
    return y


@njit(cache=True)
def _pairs_in_rows_first(x, y, index, pair, at):
    """One plane of max_pool_2x2: the pairs of each row first, then the pairs of rows, which
    keeps max_pool's order (the first maximum wins, and the last NaN). With W even the first
    pass is one loop over the plane (x[h, 2ow] is the plane's element 2 (h Wo + ow)), which
    LLVM vectorizes: the better order for short rows (LeNet's second pool, 5 windows a row)."""
    w_ = x.shape[1]
    ho, wo = y.shape
    if w_ == 2 * wo:
        flat = x.reshape(-1)
        for q in range(2 * ho * wo):                  # an odd last row is in no window
            a, b = flat[2 * q], flat[2 * q + 1]
            later = (b > a) | (b != b)
            pair[q] = b if later else a
            at[q] = 2 * q + 1 if later else 2 * q
    else:                                             # an odd last column is in no window
        for h in range(2 * ho):
            r = x[h]
            for ow in range(wo):
                a, b = r[2 * ow], r[2 * ow + 1]
                later = (b > a) | (b != b)
                pair[h * wo + ow] = b if later else a
                at[h * wo + ow] = h * w_ + 2 * ow + (1 if later else 0)
    for oh in range(ho):
        top, bottom, yb, ib = 2 * oh * wo, (2 * oh + 1) * wo, y[oh], index[oh]
        for ow in range(wo):
            a, b = pair[top + ow], pair[bottom + ow]
            later = (b > a) | (b != b)
            yb[ow] = b if later else a
            ib[ow] = at[bottom + ow] if later else at[top + ow]


@njit(cache=True)
def _pairs_of_rows_first(x, y, index, best, at):
    """One plane of max_pool_2x2: the pairs of rows first (a loop over 2 Wo columns per pair),
    then the pairs of columns, one loop over the plane. Combining a window's left and right
    column pairs, a tie goes to the smaller position and a NaN pair to the larger: max_pool's
    order. Both loops vectorize where the rows are long: W5's planes take 1.66 ms against
    4.8 the other way, but at 10 columns (LeNet's second pool) twice as long."""
    w_ = x.shape[1]
    ho, wo = y.shape
    cols = 2 * wo                                     # an odd last column is in no window
    for oh in range(ho):
        r0, r1, base, top = x[2 * oh], x[2 * oh + 1], oh * cols, 2 * oh * w_
        for w in range(cols):
            a, b = r0[w], r1[w]
            lower = (b > a) | (b != b)
            best[base + w] = b if lower else a
            at[base + w] = top + w_ + w if lower else top + w
    yb, ib = y.reshape(-1), index.reshape(-1)
    for q in range(ho * wo):
        left, right, il, ir = best[2 * q], best[2 * q + 1], at[2 * q], at[2 * q + 1]
        take = (right > left) | ((right != right) & ((left == left) | (ir > il))) | \
            ((right == left) & (ir < il))
        yb[q] = right if take else left
        ib[q] = ir if take else il


@njit(cache=True)
def gather_planes(x, index, out):
    """out[p, o] = x[p, index[p, o]]. x (P, S), index and out (P, O), index in [0, S)
    (unchecked); returns out."""
    for p in range(index.shape[0]):
        for o in range(index.shape[1]):
            out[p, o] = x[p, np.uint64(index[p, o])]
    return out


@njit(cache=True)
def scatter_planes(g, index, out):
    """The adjoint of gather_planes: out = 0, then out[p, index[p, o]] += g[p, o] (repeats
    accumulate). g and index (P, O), out (P, S); returns out."""
    for p in range(index.shape[0]):
        out[p] = 0
        for o in range(index.shape[1]):
            out[p, np.uint64(index[p, o])] += g[p, o]
    return out
