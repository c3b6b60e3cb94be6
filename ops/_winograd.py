"""Winograd's F(2x2, 3x3) for the 3x3 convolutions of stride 1 and padding 1 (ResNet's): each
2x2 block of outputs (a tile) is computed from the 4x4 block of input around it as

    Y = A^T [ (G w G^T) * (B^T d B) ] A        (* elementwise, over the 4x4 positions)

    B^T = 1  0 -1  0     G = 1    0    0      A^T = 1  1  1  0
          0  1  1  0         1/2  1/2  1/2          0  1 -1 -1
          0 -1  1  0         1/2 -1/2  1/2
          0  1  0 -1         0    0    1

so the contraction over input channels is 16 GEMMs (one per position (a, b) of the 4x4 block:
U[ab] (C_out, C) @ V[ab] (C, tiles)) doing 16 multiplications per tile and channel pair where
the direct method does 36: 2.25x fewer. The weight gradient runs the same algebra backwards:
dM = A dY A^T per tile, dU[ab] = dM[ab] @ V[ab]^T, dw = G^T dU G. The input gradient of such a
convolution is one too (the weight flipped, its channels swapped), so conv.py sends it here
as well. The numba kernels below move between images and the tile layout (16, C, tiles), the
tiles of a chunk of images side by side, as im2col's windows are.
"""
import numpy as np
from numba import njit

_CHUNK_BYTES = 8 << 20                 # the tile buffer of a chunk of images, as conv's im2col
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.einsum("ai,bj->abij", _G, _G).reshape(16, 9)   # U[ab] = sum over ij of G[a,i] G[b,j] w[ij]

# Where it pays (measured, one process, float32; docs/performance.md): with 128 to 512
# channels and many tiles, 1.2-1.6x faster than im2col + GEMM in each of the three passes
# (VGG-19's 128 x 112^2, 256 x 56^2 and 512 x 28^2 layers at batch 1; 256 x 8^2 at batch 32);
# at 64 channels, or with few tiles (512 x 14^2 at batch 1, ResNet-18's 4x4 and 2x2 maps of
# W11), the transforms cost more than the GEMMs save, and it lost.
MIN_CHANNELS = 128
MIN_WORK = 1 << 25                     # C * C_out * tiles


def applies(x_shape, w_shape, geom, dtype):
    """Whether conv2d of an input of x_shape with this weight and geometry (conv.Geom) goes
    here: a 3x3 convolution of stride 1, padding 1, no dilation and one group, in float32 or
    float64, with at least MIN_CHANNELS channels in and out and MIN_WORK of work."""
    if not (tuple(w_shape[2:]) == (3, 3) and geom.stride == (1, 1) and geom.padding == (1, 1)
            and geom.dilation == (1, 1) and geom.groups == 1
            and dtype in (np.float32, np.float64)):
        return False
    (n, c, h, w), co = x_shape, w_shape[0]
    tiles = n * ((h + 1) // 2) * ((w + 1) // 2)
    return min(c, co) >= MIN_CHANNELS and c * co * tiles >= MIN_WORK


@njit(cache=True)
def _input_tiles(xp, th, tw, v):
    """v[4a + b, c, (n, i, j)] = (B^T d B)[a, b] for d = xp[n, c, 2i:2i+4, 2j:2j+4], xp the
    zero-padded images (N, C, 2 th + 2, 2 tw + 2); returns v (16, C, N th tw), a row of tiles
    at a time."""
    n_, c_, _, wp = xp.shape
    t = np.empty((4, wp), xp.dtype)
    for c in range(c_):                  # c outermost: each row v[k, c] is written in order
        for n in range(n_):
            for i in range(th):
                r0, r1, r2, r3 = xp[n, c, 2 * i], xp[n, c, 2 * i + 1], xp[n, c, 2 * i + 2], \
                    xp[n, c, 2 * i + 3]
                for q in range(wp):                                  # B^T d: the rows
                    t[0, q] = r0[q] - r2[q]
                    t[1, q] = r1[q] + r2[q]
                    t[2, q] = r2[q] - r1[q]
                    t[3, q] = r1[q] - r3[q]
                base = (n * th + i) * tw
                for a in range(4):                                   # (B^T d) B: the columns
                    ta = t[a]
                    v0, v1 = v[4 * a, c, base:base + tw], v[4 * a + 1, c, base:base + tw]
                    v2, v3 = v[4 * a + 2, c, base:base + tw], v[4 * a + 3, c, base:base + tw]
                    for j in range(np.uint64(tw)):
                        v0[j] = ta[2 * j] - ta[2 * j + 2]
                    for j in range(np.uint64(tw)):
                        v1[j] = ta[2 * j + 1] + ta[2 * j + 2]
                    for j in range(np.uint64(tw)):
                        v2[j] = ta[2 * j + 2] - ta[2 * j + 1]
                    for j in range(np.uint64(tw)):
                        v3[j] = ta[2 * j + 1] - ta[2 * j + 3]
    return v


@njit(cache=True)
def _output_tiles(m, th, tw, y):
    """y[n, o, 2i + p, 2j + q] = (A^T M A)[p, q], M[a, b] = m[4a + b, o, (n, i, j)], for the
    positions inside y (N, C_out, H, W); returns y. Each step is a loop over a row of tiles
    (j innermost, unit stride) but the last, which interleaves the even and odd columns."""
    n_, o_, h_, w_ = y.shape
    u = np.empty((2, 4, tw), m.dtype)
    even, odd = np.empty((2, tw), m.dtype), np.empty((2, tw), m.dtype)
    for o in range(o_):                  # o outermost: each row m[k, o] is read in order
        for n in range(n_):
            for i in range(th):
                base = (n * th + i) * tw
                for b in range(4):                                   # A^T M: the rows
                    m0, m1 = m[b, o, base:base + tw], m[4 + b, o, base:base + tw]
                    m2, m3 = m[8 + b, o, base:base + tw], m[12 + b, o, base:base + tw]
                    u0, u1 = u[0, b], u[1, b]
                    for j in range(tw):
                        u0[j] = m0[j] + m1[j] + m2[j]
                        u1[j] = m1[j] - m2[j] - m3[j]
                for p in range(2):                                   # (A^T M) A: the columns
                    up = u[p]
                    for j in range(tw):
                        even[p, j] = up[0, j] + up[1, j] + up[2, j]
                        odd[p, j] = up[1, j] - up[2, j] - up[3, j]
                for p in range(min(2, h_ - 2 * i)):
                    row = y[n, o, 2 * i + p]
                    for j in range(w_ // 2):
                        row[2 * j] = even[p, j]
                        row[2 * j + 1] = odd[p, j]
                    if w_ % 2:
                        row[w_ - 1] = even[p, tw - 1]
    return y


@njit(cache=True)
def _output_tiles_adjoint(g, th, tw, m):
    """The adjoint of _output_tiles: m[4a + b, o, (n, i, j)] = (A dY A^T)[a, b] for the 2x2
    block dY of g (N, C_out, H, W) at (2i, 2j), zero outside g; returns m."""
    n_, o_, h_, w_ = g.shape
    e = np.zeros((2, 4, tw), g.dtype)
    for o in range(o_):                  # o outermost: each row m[k, o] is written in order
        for n in range(n_):
            for i in range(th):
                for p in range(2):                                   # dY A^T: the columns
                    ep = e[p]
                    if 2 * i + p >= h_:
                        ep[:] = 0
                        continue
                    row = g[n, o, 2 * i + p]
                    for j in range(tw):
                        y0 = row[2 * j]
                        y1 = row[2 * j + 1] if 2 * j + 1 < w_ else row.dtype.type(0)
                        ep[0, j], ep[1, j], ep[2, j], ep[3, j] = y0, y0 + y1, y0 - y1, -y1
                base = (n * th + i) * tw
                for b in range(4):                                   # A (dY A^T): the rows
                    e0, e1 = e[0, b], e[1, b]
                    m0, m1 = m[b, o, base:base + tw], m[4 + b, o, base:base + tw]
                    m2, m3 = m[8 + b, o, base:base + tw], m[12 + b, o, base:base + tw]
                    for j in range(tw):
                        m0[j] = e0[j]
                        m1[j] = e0[j] + e1[j]
                        m2[j] = e0[j] - e1[j]
                        m3[j] = -e1[j]
    return m


def _chunks(x, channels):
    """(slices of the batch, tiles per side (th, tw)): chunks of images whose tiles of
    `channels` channels fill about _CHUNK_BYTES."""
    n, (h, w) = x.shape[0], x.shape[2:]
    th, tw = (h + 1) // 2, (w + 1) // 2
    step = max(1, min(n, _CHUNK_BYTES // (16 * channels * th * tw * x.itemsize)))
    return [slice(s, min(s + step, n)) for s in range(0, n, step)], (th, tw)


def _planes(channels, tiles, dtype):
    """An empty (16, channels, tiles) whose 16 planes lie 64 bytes more than their size apart:
    planes a power of two apart map to the same cache sets, and the kernels, which read or
    write all 16 at once, ran 2-3x slower on them."""
    flat = np.empty((16, channels * tiles + 64 // np.dtype(dtype).itemsize), dtype)
    return flat[:, :channels * tiles].reshape(16, channels, tiles)


def _tiles_of(x, th, tw):
    """V (16, C, N th tw) of images x (N, C, H, W): padding 1 on the low sides, zeros past the
    last tile on the high ones."""
    n, c, h, w = x.shape
    xp = np.zeros((n, c, 2 * th + 2, 2 * tw + 2), x.dtype)
    xp[:, :, 1:h + 1, 1:w + 1] = x
    return _input_tiles(xp, th, tw, _planes(c, n * th * tw, x.dtype))


def _weight_planes(w):
    """U (16, C_out, C) of w (C_out, C, 3, 3): G w G^T for every channel pair, one GEMM of
    G's products (16, 9) with the 9 planes of w."""
    planes = np.ascontiguousarray(np.moveaxis(np.reshape(w, w.shape[:2] + (9,)), 2, 0))
    return (_GG.astype(w.dtype) @ planes.reshape(9, -1)).reshape((16,) + w.shape[:2])


def correlate(x, w):
    """conv2d (stride 1, padding 1) of x (N, C, H, W), C-contiguous, with w (C_out, C, 3, 3),
    both of one float dtype: (N, C_out, H, W)."""
    u = _weight_planes(w)
    y = np.empty((x.shape[0], w.shape[0]) + x.shape[2:], x.dtype)
    chunks, (th, tw) = _chunks(x, max(x.shape[1], w.shape[0]))
    for s in chunks:
        v = _tiles_of(x[s], th, tw)
        m = np.matmul(u, v, out=_planes(w.shape[0], v.shape[2], x.dtype))  # (16, C_out, tiles)
        _output_tiles(m, th, tw, y[s])
    return y


def weight_grad(x, g):
    """The weight gradient of correlate: x (N, C, H, W) and g (N, C_out, H, W), C-contiguous,
    of one float dtype: (C_out, C, 3, 3)."""
    (n, c), co = x.shape[:2], g.shape[1]
    chunks, (th, tw) = _chunks(x, max(c, co))
    du = np.empty((16, co, c), x.dtype)
    for s in chunks:
        dm = _output_tiles_adjoint(g[s], th, tw,
                                   _planes(co, (s.stop - s.start) * th * tw, x.dtype))
        part = (dm, _tiles_of(x[s], th, tw).transpose(0, 2, 1))   # (16, C_out, t) @ (16, t, C)
        if s.start == 0:
            np.matmul(*part, out=du)
        else:
            du += np.matmul(*part)
    dw = _GG.T.astype(x.dtype) @ du.reshape(16, -1)      # G^T dU G: _weight_planes' adjoint
    return np.ascontiguousarray(np.moveaxis(dw.reshape(3, 3, co, c), (0, 1), (2, 3)))
