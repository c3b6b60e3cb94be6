"""numba kernels of the nn op families (embedding scatter, normalization, erf, softmax rows,
the LSTM cell): arrays in, arrays out.

Each has a plain NumPy reference in tests/test_functional_embedding.py,
tests/test_functional_activation.py, tests/test_functional_norm.py or
tests/test_nn_recurrence.py; with NUMBA_DISABLE_JIT=1 they run as (slow) Python. All are
declared with _vecmath.njit_cached, so that their on-disk cache follows edits to _vecmath: not
only those that call its helpers now, as a kernel inlines whatever it calls, a call is easily
added, and a missed one would load stale code.
"""
import math

import numpy as np

from ._vecmath import exp_nonpositive, maximum, njit_cached, tanh


@njit_cached()
def relu_flat(x, out):
    """out = max(x, 0) for flat x, NaN kept (np.maximum's rule); returns out. One pass: NumPy's
    maximum took 0.50 ms on W12's 1024 x 1024 activations, this 0.18."""
    zero = x.dtype.type(0)
    for i in range(x.shape[0]):
        out[i] = maximum(x[i], zero)
    return out


@njit_cached()
def relu_grad_flat(g, y, out):
    """out = g where the relu output y is not <= 0 (> 0, or NaN: relu'(NaN) = 1), else 0, for
    flat g and y; returns out. NumPy's `g * ~(y <= 0)` makes three passes."""
    zero = g.dtype.type(0)
    for i in range(g.shape[0]):
        out[i] = zero if y[i] <= 0 else g[i]
    return out


@njit_cached()
def scatter_add_rows(out, indices, rows):
    """out[indices[i]] += rows[i] for every i, repeated indices accumulating (in place).

    out (V, D), indices (n,) int64 in [0, V), rows (n, D); returns out."""
    d = rows.shape[1]
    for i in range(indices.shape[0]):
        r = indices[i]
        for j in range(d):
            out[r, j] += rows[i, j]
    return out


@njit_cached()
def _erf_flat(x, out):
    for i in range(x.shape[0]):
        out[i] = math.erf(x[i])
    return out


def erf(x):
    """The error function, elementwise, in the dtype of the floating array `x`."""
    x = np.asarray(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    return _erf_flat(flat, np.empty_like(flat)).reshape(x.shape)


@njit_cached(fastmath={"reassoc", "nsz"})
def exp_shifted_rows(x, e, m, s):
    """Row by row of x (R, C): m = max (NaN if the row has one; then 0 where not finite),
    e = exp(x - m) and s = sum(e), writing e (R, C), m (R,) and s (R,). The max, the exp and
    the sum are SIMD loops (see _vecmath) over a row that stays in cache between them."""
    zero = s.dtype.type(0)
    for i in range(x.shape[0]):
        mi = x[i, 0]
        for j in range(x.shape[1]):
            mi = maximum(mi, x[i, j])
        if not np.isfinite(mi):
            mi = zero
        acc = zero
        for j in range(x.shape[1]):
            v = exp_nonpositive(x[i, j] - mi)
            e[i, j] = v
            acc += v
        m[i], s[i] = mi, acc


@njit_cached(fastmath={"reassoc", "nsz"})
def softmax_grad_rows(g, y, out):
    """out[i] = y[i] (g[i] - sum_j g[i, j] y[i, j]) for the rows of g, y and out (R, C): the
    VJP of softmax along rows, two passes over each row where NumPy makes four over all of
    them. The sum is taken in float64. Returns out."""
    for i in range(g.shape[0]):
        s = 0.0
        for j in range(g.shape[1]):
            s += g[i, j] * y[i, j]
        for j in range(g.shape[1]):
            out[i, j] = y[i, j] * (g[i, j] - s)
    return out


@njit_cached()
def scale_rows(a, c, out):
    """out[i, j] = a[i, j] c[i] for a and out (R, C) and c (R,); returns out (which may be a)."""
    for i in range(a.shape[0]):
        ci = c[i]
        for j in range(a.shape[1]):
            out[i, j] = a[i, j] * ci
    return out


@njit_cached(error_model="numpy")      # no ZeroDivisionError check (2 + m >= 1): SIMD
def _scaled_tanh(a, x, s, o):
    """a = tanh((a + x) s) s + o along a row: sigmoid with s = o = 1/2, tanh with s = 1, o = 0."""
    for j in range(a.shape[0]):
        a[j] = tanh((a[j] + x[j]) * s) * s + o


@njit_cached(error_model="numpy")
def lstm_cell_forward(a, x, c_prev, c, tc, h):
    """One LSTM step after its GEMM. a (B, 4H) holds h W_hh^T and x (B, 4H) the input's part
    of the gates i, f, g, o; a becomes their activations s, s, tanh, s of a + x. Writes
    c = f c_prev + i g, tc = tanh(c) and h = o tc (B, H). sigmoid(v) = tanh(v / 2) / 2 + 1 / 2,
    as in ops/recurrent.py, with _vecmath's tanh (a few ulp from NumPy's). A loop per gate
    block: LLVM vectorizes each (36 us on W13's step), and gave up on one loop over the four
    blocks choosing sigmoid or tanh per column (62 us) or with the three inlined (109 us)."""
    n = c.shape[1]
    zero, half, one = a.dtype.type(0), a.dtype.type(0.5), a.dtype.type(1)
    for b in range(a.shape[0]):
        ab, xb, pb, cb, tb, hb = a[b], x[b], c_prev[b], c[b], tc[b], h[b]
        _scaled_tanh(ab[:2 * n], xb[:2 * n], half, half)                    # i, f
        _scaled_tanh(ab[2 * n:3 * n], xb[2 * n:3 * n], one, zero)           # g
        _scaled_tanh(ab[3 * n:], xb[3 * n:], half, half)                    # o
        for j in range(n):
            cb[j] = ab[n + j] * pb[j] + ab[j] * ab[2 * n + j]       # f c + i g
        for j in range(n):
            tb[j] = tanh(cb[j])
        for j in range(n):
            hb[j] = ab[3 * n + j] * tb[j]                           # o tanh(c)


@njit_cached()
def lstm_cell_backward(a, tc, c_prev, dh, dc, d):
    """One step of an LSTM's BPTT. a (B, 4H) holds the gates i, f, g, o; tc = tanh(c) and
    c_prev (B, H) the cell after and before the step; dh and dc (B, H) the gradients of h and
    c after it. Writes d (B, 4H), the gradient of the gates' pre-activations, and turns dc
    into the gradient of c_prev. The arithmetic is NumPy's, in a's dtype, in one pass."""
    n = tc.shape[1]
    one = a.dtype.type(1)
    for b in range(tc.shape[0]):
        ab, db, tb, cb, hb, gb = a[b], d[b], tc[b], c_prev[b], dh[b], dc[b]     # rows: SIMD
        for j in range(n):
            i, f, g, o = ab[j], ab[n + j], ab[2 * n + j], ab[3 * n + j]
            t = tb[j]
            c = gb[j] + hb[j] * o * (one - t * t)           # dc + dh o tanh'(c)
            db[j] = c * g * i * (one - i)                   # sigmoid' = s (1 - s)
            db[n + j] = c * cb[j] * f * (one - f)
            db[2 * n + j] = c * i * (one - g * g)           # tanh' = 1 - tanh^2
            db[3 * n + j] = hb[j] * t * o * (one - o)
            gb[j] = c * f


@njit_cached(fastmath=True)
def normalize(x3, eps, scale, shift):
    """y = (x3 - mean) / sqrt(var + eps) * scale[b] + shift[b], the mean and biased variance
    taken over A and L of x3 (A, B, L) for each b. Returns y in x3's dtype and the mean and
    variance (B,) in float64. Each b's slice is read from memory once, then from cache."""
    n_a, n_b, n_l = x3.shape
    m = n_a * n_l
    y = np.empty_like(x3)
    mean, var = np.empty(n_b), np.empty(n_b)
    for b in range(n_b):
        s = 0.0
        for a in range(n_a):
            for i in range(n_l):
                s += x3[a, b, i]
        mu = s / m
        q = 0.0
        for a in range(n_a):
            for i in range(n_l):
                d = x3[a, b, i] - mu
                q += d * d
        k = scale[b] / math.sqrt(q / m + eps)
        for a in range(n_a):
            for i in range(n_l):
                y[a, b, i] = (x3[a, b, i] - mu) * k + shift[b]
        mean[b], var[b] = mu, q / m
    return y, mean, var


@njit_cached(fastmath=True)
def centered_sums(g3, x3, mean):
    """sum(g3) and sum(g3 (x3 - mean[b])) over A and L for each b, in float64: the bias and
    (times inv) the weight gradient of batch_norm."""
    n_a, n_b, n_l = g3.shape
    s1, s2 = np.empty(n_b), np.empty(n_b)
    for b in range(n_b):
        mu = mean[b]
        t1 = 0.0
        t2 = 0.0
        for a in range(n_a):
            for i in range(n_l):
                t1 += g3[a, b, i]
                t2 += g3[a, b, i] * (x3[a, b, i] - mu)
        s1[b], s2[b] = t1, t2
    return s1, s2


@njit_cached(fastmath=True)
def normalize_backward(d3, x3, mean, inv, scale, sums, centered, out):
    """out = scale[b] (d - mean(d) - xhat mean(d xhat)) with xhat = (x3 - mean[b]) inv[b], the
    means over A and L of each b: the input gradient of normalization for d = dL/dxhat (or,
    with scale = weight inv, for d = g). `sums` and `centered` are centered_sums(d3, x3, mean)
    (batch_norm's parameter gradients share them). Writes and returns `out`, shaped like d3."""
    n_a, n_b, n_l = d3.shape
    m = n_a * n_l
    for b in range(n_b):
        mu, iv = mean[b], inv[b]
        s1 = sums[b] / m
        s2 = centered[b] * iv * iv / m
        for a in range(n_a):
            for i in range(n_l):
                out[a, b, i] = scale[b] * (d3[a, b, i] - s1 - (x3[a, b, i] - mu) * s2)
    return out


@njit_cached(fastmath=True)
def normalize_rows(x2, eps, w, b, y):
    """layer_norm's forward: y[r] = (x2[r] - mean_r) / sqrt(var_r + eps) * w + b for each row
    of x2 (R, L), the mean and biased variance taken over the row; w and b (L,). Writes y and
    returns the means and variances (R,) in float64. Each row is read from memory once."""
    n_r, n_l = x2.shape
    mean, var = np.empty(n_r), np.empty(n_r)
    for r in range(n_r):
        s = 0.0
        for i in range(n_l):
            s += x2[r, i]
        mu = s / n_l
        q = 0.0
        for i in range(n_l):
            d = x2[r, i] - mu
            q += d * d
        k = 1 / math.sqrt(q / n_l + eps)
        for i in range(n_l):
            y[r, i] = (x2[r, i] - mu) * k * w[i] + b[i]
        mean[r], var[r] = mu, q / n_l
    return mean, var


@njit_cached(fastmath=True)
def normalize_rows_backward(g2, x2, mean, inv, w, gx, gw, gb):
    """layer_norm's backward for each row r of g2 and x2 (R, L), with d = g2[r] w and
    xhat = (x2[r] - mean[r]) inv[r]: gx[r] = inv[r] (d - mean(d) - xhat mean(d xhat)), and
    sum over rows of g2 xhat and of g2 added to gw and gb (L,) (float64): the three gradients
    in one pass over g2 and x2."""
    n_r, n_l = g2.shape
    for r in range(n_r):
        mu, iv = mean[r], inv[r]
        s1 = 0.0
        s2 = 0.0
        for i in range(n_l):
            xh = (x2[r, i] - mu) * iv
            d = g2[r, i] * w[i]
            s1 += d
            s2 += d * xh
            gw[i] += g2[r, i] * xh
            gb[i] += g2[r, i]
        s1 /= n_l
        s2 /= n_l
        for i in range(n_l):
            gx[r, i] = iv * (g2[r, i] * w[i] - s1 - (x2[r, i] - mu) * iv * s2)


@njit_cached(fastmath={"reassoc", "nsz"})
def exp_shifted_scaled_rows(x, m, c, out):
    """out[i, j] = exp(x[i, j] - m[i]) c[i] for x and out (R, C), m and c (R,), m[i] at least
    the row's maximum: a softmax recomputed and scaled in one pass (so that cross_entropy need
    not keep one for its backward)."""
    for i in range(x.shape[0]):
        mi, ci = m[i], c[i]
        for j in range(x.shape[1]):
            out[i, j] = exp_nonpositive(x[i, j] - mi) * ci
    return out
