"""numba kernels of convolution and pooling: arrays in, arrays out, never a Tensor.

Compiled lazily on first call and cached on disk (cache=True), so a fresh process loads them
instead of compiling. Each has a plain NumPy reference in tests/test_kernels.py; with
NUMBA_DISABLE_JIT=1 they run as (slow) Python. None is parallel: on 2 cores the conv kernels run
between BLAS calls whose threads are still spinning, and threads made them slower (see
benchmarks/conv.py).

Window geometry, per spatial axis: output position o reads input positions
o * stride - pad + i * dilation for i < kernel; positions outside the input read as 0 (conv) or
are skipped (pooling).
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
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, col):
    """col[n, (c, i, j), oh, ow] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], 0 outside x.

    x (N, C, H, W), col (N, C*kh*kw, Ho, Wo), both C-contiguous; returns col."""
    n_, c_, h_, w_ = x.shape
    ho, wo = col.shape[2], col.shape[3]
    for n in range(n_):
        for c in range(c_):
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    off = j * dw - pw
                    lo, hi = _span(off, sw, w_, wo)
                    for oh in range(ho):
                        h = oh * sh - ph + i * dh
                        if h < 0 or h >= h_:
                            col[n, r, oh, :] = 0
                            continue
                        col[n, r, oh, :lo] = 0
                        for ow in range(lo, hi):
                            col[n, r, oh, ow] = x[n, c, h, ow * sw + off]
                        col[n, r, oh, hi:] = 0
    return col


@njit(cache=True)
def col2im(col, kh, kw, sh, sw, ph, pw, dh, dw, x):
    """The adjoint of im2col: x = 0, then x[n, c, h, w] += col[n, (c, i, j), oh, ow] at every
    window position (h, w) of (oh, ow) inside x.

    col (N, C*kh*kw, Ho, Wo), x (N, C, H, W), both C-contiguous; returns x."""
    n_, c_, h_, w_ = x.shape
    ho, wo = col.shape[2], col.shape[3]
    for n in range(n_):
        for c in range(c_):
            x[n, c] = 0
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    off = j * dw - pw
                    lo, hi = _span(off, sw, w_, wo)
                    for oh in range(ho):
                        h = oh * sh - ph + i * dh
                        if h < 0 or h >= h_:
                            continue
                        for ow in range(lo, hi):
                            x[n, c, h, ow * sw + off] += col[n, r, oh, ow]
    return x


@njit(cache=True)
def max_pool(x, hs, hn, dh, ws, wn, dw, y, index):
    """Window maxima and their positions, PyTorch's way: the first maximum wins; a NaN wins over
    numbers (the last NaN over earlier ones).

    x (P, H, W). Window (oh, ow) covers rows hs[oh] + i*dh for i < hn[oh] and columns
    ws[ow] + j*dw for j < wn[ow]; positions outside x are skipped (every window must hold one).
    Writes y[p, oh, ow] (dtype of x) and index[p, oh, ow] = h * W + w (int64); returns y."""
    p_, h_, w_ = x.shape
    ho, wo = y.shape[1], y.shape[2]
    for p in range(p_):
        for oh in range(ho):
            for ow in range(wo):
                best = x[p, 0, 0]
                k = -1
                for i in range(hn[oh]):
                    h = hs[oh] + i * dh
                    if h < 0 or h >= h_:
                        continue
                    for j in range(wn[ow]):
                        w = ws[ow] + j * dw
                        if w < 0 or w >= w_:
                            continue
                        v = x[p, h, w]
                        if k < 0 or v > best or np.isnan(v):
                            best = v
                            k = h * w_ + w
                y[p, oh, ow] = best
                index[p, oh, ow] = k
    return y


@njit(cache=True)
def gather_planes(x, index, out):
    """out[p, o] = x[p, index[p, o]]. x (P, S), index and out (P, O); returns out."""
    for p in range(index.shape[0]):
        for o in range(index.shape[1]):
            out[p, o] = x[p, index[p, o]]
    return out


@njit(cache=True)
def scatter_planes(g, index, out):
    """The adjoint of gather_planes: out = 0, then out[p, index[p, o]] += g[p, o] (repeats
    accumulate). g and index (P, O), out (P, S); returns out."""
    for p in range(index.shape[0]):
        out[p] = 0
        for o in range(index.shape[1]):
            out[p, index[p, o]] += g[p, o]
    return out
