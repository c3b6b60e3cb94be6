"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d, with
PyTorch's signatures, output sizes and tie rules; input (N, C, *spatial) or unbatched (C, *spatial).

Max pooling finds each window's maximum and its position in one numba pass. The output is the
primitive pool_gather(x, index), whose VJP is pool_scatter (g added at the same positions),
whose VJP is pool_gather again: backward is a scatter, not a search, to any order. Average
pooling is linear: each channel convolved with a box of ones (conv2d, so its backward is
conv_transpose2d), times 1 / window size. Adaptive average pooling is one einsum of x with a
small averaging matrix per axis.
"""
import math

import numpy as np

from autograd.extend import primitive, plain, like
from . import elementwise as ew
from . import index as ix
from . import linalg, reduce
from . import shape as sh
from ._kernels import gather_planes, max_pool, max_pool_2x2, scatter_planes
from .conv import int_tuple, window_sums


# ---- primitives: gather at the maxima, and its adjoint ------------------------------------

def _planes(a, nd):
    """a (*lead, *spatial) as a C-contiguous (prod(lead), prod(spatial)), the last nd axes
    being spatial."""
    return np.ascontiguousarray(a).reshape(-1, math.prod(np.shape(a)[np.ndim(a) - nd:]))


@primitive(save=())
def _pool_gather(x, *, index, nd, values=None, windows=None):
    """x at the flat positions `index` (int64, shaped like the result) of each plane, a plane
    being the last nd axes of x. `values` is that result when already known (max_pool finds it
    with the index). `windows`, when the index holds the maxima of a pool's windows, are those
    windows (see _max); the gather does not read them, but an exporter (autograd.onnx) does:
    the index depends on the data, the windows do not."""
    if values is None:
        at = _planes(index, nd)
        values = gather_planes(_planes(x, nd), at, np.empty(at.shape, x.dtype))
        values = values.reshape(index.shape)                 # (P, O) -> shape of index
    # d gather = scatter-add of g at the same positions
    return values, (lambda g, y, x: _pool_scatter(g, index=index, nd=nd, shape=x.shape),)


@primitive(save=())
def _pool_scatter(g, *, index, nd, shape):
    """zeros(shape) with g added at the flat positions `index` of each plane (repeats
    accumulate): the adjoint of pool_gather."""
    out = np.empty(shape, g.dtype)
    scatter_planes(_planes(g, nd), _planes(index, nd), _planes(out, nd))
    return out, (lambda gg, y, g: _pool_gather(gg, index=index, nd=nd),)   # adjoint: gather


# ---- window geometry -----------------------------------------------------------------------

def _spatial(op, nd, x):
    """The spatial size of x, checked: (N, C, *spatial) or (C, *spatial), floating."""
    shape = np.shape(x)
    if len(shape) not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, "
                         f"got input of shape {shape}")
    if np.asarray(plain(x)).dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {np.asarray(plain(x)).dtype}")
    return shape[len(shape) - nd:]


def _pool_size(n, k, s, p, d, ceil_mode):
    """PyTorch's output length: with ceil_mode the last window must start inside the input or
    its low padding."""
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    return o - 1 if ceil_mode and (o - 1) * s >= n + p else o


def geometry(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode):
    """kernel, stride, padding, dilation (nd-tuples) and the output size, checked as PyTorch
    does; stride None (or empty) is the kernel size."""
    size, shape = _spatial(op, nd, x), np.shape(x)
    k = int_tuple(op, "kernel_size", kernel_size, nd, 1, shape)
    no_stride = stride is None or (not isinstance(stride, (int, np.integer)) and len(stride) == 0)
    s = k if no_stride else int_tuple(op, "stride", stride, nd, 1, shape)
    p = int_tuple(op, "padding", padding, nd, 0, shape)
    d = int_tuple(op, "dilation", dilation, nd, 1, shape)
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k} "
                         f"(input {shape})")
    out = tuple(_pool_size(*a, ceil_mode) for a in zip(size, k, s, p, d))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: output size {out} is too small: input {shape}, kernel_size {k}, "
                         f"stride {s}, padding {p}, dilation {d}")
    return k, s, p, d, out


def adaptive_output_size(op, nd, x, output_size):
    """An adaptive pool's output size: an int or nd entries, None keeping the input's size."""
    size = _spatial(op, nd, x)
    out = (output_size,) * nd if not isinstance(output_size, (tuple, list)) else output_size
    out = tuple(n if o is None else o for n, o in zip(size, out)) if len(out) == nd else out
    return size, int_tuple(op, "output_size", out, nd, 1, np.shape(x))


def regular_windows(n_out, k, s, p, d):
    """(starts, counts, dilation) of the windows of an ordinary pool along one axis."""
    return np.arange(n_out, dtype=np.int64) * s - p, np.full(n_out, k, np.int64), d


def adaptive_windows(n, n_out):
    """(starts, counts, 1): window o covers [floor(o n / n_out), ceil((o + 1) n / n_out))."""
    o = np.arange(n_out, dtype=np.int64)
    starts = o * n // n_out
    return starts, -(-(o + 1) * n // n_out) - starts, 1


# ---- max ---------------------------------------------------------------------------------------

def _max(nd, x, windows, return_indices, two_by_two=False):
    """The maximum of x over the windows of its last nd axes, windows[a] = (starts, counts,
    dilation) along axis a (see _kernels.max_pool), and optionally its flat index in the plane.
    `two_by_two`: the windows are 2x2 at stride 2 and inside the plane (_kernels.max_pool_2x2)."""
    a = plain(x)
    lead, size = a.shape[:a.ndim - nd], a.shape[a.ndim - nd:]
    if nd == 1:                                                       # a 1-D pool has height 1
        windows, size = [regular_windows(1, 1, 1, 0, 1)] + list(windows), (1,) + size
    out = tuple(len(w[0]) for w in windows)
    planes = _planes(a, nd).reshape((-1,) + size)                    # -> (P, H, W)
    y = np.empty((planes.shape[0],) + out, a.dtype)
    index = np.empty(y.shape, np.int64)
    if two_by_two:
        max_pool_2x2(planes, y, index)
    else:
        max_pool(planes, *windows[0], *windows[1], y, index)
    shape = lead + out[2 - nd:]                                       # (P, Ho, Wo) -> (*lead, *out)
    index = index.reshape(shape)
    y = _pool_gather(x, index=index, nd=nd, values=y.reshape(shape), windows=windows[2 - nd:])
    if not return_indices:
        return y
    return y, like(x, index)


def _max_pool(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    k, s, p, d, out = geometry(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode)
    two_by_two = (nd == 2 and k == s == (2, 2) and p == (0, 0) and d == (1, 1)
                  and all(2 * o <= n for o, n in zip(out, np.shape(x)[-2:])))  # not ceil_mode's
    return _max(nd, x, [regular_windows(*a) for a in zip(out, k, s, p, d)], return_indices,
                two_by_two)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """torch.nn.functional.max_pool1d: input (N, C, L) or (C, L). With return_indices, also the
    int64 position of each maximum along L. Ties go to the first maximum, NaN propagates."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """torch.nn.functional.max_pool2d: input (N, C, H, W) or (C, H, W); kernel_size, stride
    (default: kernel_size), padding (at most half the kernel), dilation: an int or a pair. With
    return_indices, also the int64 flat position h * W + w of each maximum in its plane.
    Ties go to the first maximum, NaN propagates. Raises ValueError naming the shapes."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool1d: window o of L_out covers
    [floor(o L / L_out), ceil((o + 1) L / L_out))."""
    size, out = adaptive_output_size("adaptive_max_pool1d", 1, input, output_size)
    return _max(1, input, [adaptive_windows(*a) for a in zip(size, out)], return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool2d: output_size an int or a pair (None keeps that
    input size); windows as adaptive_max_pool1d along each axis."""
    size, out = adaptive_output_size("adaptive_max_pool2d", 2, input, output_size)
    return _max(2, input, [adaptive_windows(*a) for a in zip(size, out)], return_indices)


# ---- average -------------------------------------------------------------------------------

def _divisors(n, n_out, k, s, p, count_include_pad):
    """Window sizes along one axis, as PyTorch divides by them: the window clipped to the
    padded input, or to the input itself without count_include_pad."""
    start = np.arange(n_out) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_pool(op, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override=None):
    k, s, p, _, out = geometry(op, nd, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError(f"{op}: divisor_override must not be zero")
    shape = np.shape(x)
    if not np.size(plain(x)):           # an empty batch: an empty result, shaped
        return sh.reshape(x, shape[:len(shape) - nd] + out)
    dtype = np.asarray(plain(x)).dtype
    size, lift = shape[len(shape) - nd:], (1,) * (2 - nd)
    planes = sh.reshape(x, (-1, 1) + lift + size)           # (*lead, *size) -> (P, 1, H, W)
    y = window_sums(planes, lift + k, lift + s, (0,) * (2 - nd) + p, lift + out)  # (P, 1, Ho, Wo)
    if divisor_override is not None:
        divisor = np.full(out, divisor_override)
    else:
        counts = [_divisors(*a, count_include_pad) for a in zip(size, out, k, s, p)]
        divisor = counts[0] if nd == 1 else np.multiply.outer(*counts)   # (Ho, Wo)
    y = ew.mul(y, (1 / divisor).astype(dtype))
    return sh.reshape(y, shape[:len(shape) - nd] + out)    # (P, 1, Ho, Wo) -> (*lead, *out)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """torch.nn.functional.avg_pool1d: input (N, C, L) or (C, L); the divisor counts the zero
    padding unless count_include_pad is False."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """torch.nn.functional.avg_pool2d: input (N, C, H, W) or (C, H, W); the divisor counts the
    zero padding unless count_include_pad is False, and is divisor_override when given."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _averaging(n, n_out, dtype):
    """The (n_out, n) matrix that averages adaptive windows along one axis."""
    starts, counts, _ = adaptive_windows(n, n_out)
    cols = np.arange(n)
    inside = (cols >= starts[:, None]) & (cols < (starts + counts)[:, None])
    return (inside / counts[:, None]).astype(dtype)


def adaptive_avg(op, nd, x, output_size):
    """Average over adaptive windows: one einsum of x with an averaging matrix per axis, or for
    global pooling (output size 1) the mean, 2-3x faster."""
    size, out = adaptive_output_size(op, nd, x, output_size)
    if out == (1,) * nd:
        return reduce.mean(x, tuple(range(-nd, 0)), keepdim=True)
    dtype = np.asarray(plain(x)).dtype
    lead = "nc" if np.ndim(x) == nd + 2 else "c"
    axes, outs = "dhw"[3 - nd:], "opq"[3 - nd:]
    subscripts = (f"{lead}{axes}," + ",".join(o + a for o, a in zip(outs, axes))
                  + f"->{lead}{outs}")                                  # e.g. nchw,oh,pw->ncop
    return linalg.einsum(subscripts, x, *[_averaging(*a, dtype) for a in zip(size, out)])


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d: input (N, C, L) or (C, L); output_size 1 is
    global average pooling."""
    return adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d: input (N, C, H, W) or (C, H, W); output_size an
    int or a pair (None keeps that input size); 1 is global average pooling."""
    return adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def _lp_pool(op, nd, x, norm_type, kernel_size, stride, ceil_mode):
    """(sum over each window of x^p)^(1/p), as PyTorch's: the average of x^p times the window
    size, negative averages clipped to 0."""
    k = int_tuple(op, "kernel_size", kernel_size, nd, 1, np.shape(x))
    avg = _avg_pool(op, nd, x ** norm_type, k, stride, 0, ceil_mode, True)
    return (ew.sign(avg) * ew.relu(ew.abs(avg)) * math.prod(k)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def _max_unpool(op, nd, x, indices, kernel_size, stride, padding, output_size):
    """Zeros of the output size with each value of x written at its flat index within its
    (N, C) plane: the inverse of max pooling with return_indices."""
    shape = np.shape(x)
    size = shape[len(shape) - nd:]
    k = int_tuple(op, "kernel_size", kernel_size, nd, 1, shape)
    s = k if stride is None else int_tuple(op, "stride", stride, nd, 1, shape)
    p = int_tuple(op, "padding", padding, nd, 0, shape)
    if output_size is None:
        out = tuple((n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(size, s, p, k))
    else:
        out = tuple(output_size)[-nd:]
    lead = shape[:len(shape) - nd]
    planes = int(np.prod(lead))
    index = np.asarray(plain(indices)).reshape(planes, -1)
    if index.size and (index.min() < 0 or index.max() >= np.prod(out)):
        raise IndexError(f"{op}: indices must lie in [0, {int(np.prod(out))}) for output size "
                         f"{out}, got {index.min()} to {index.max()}")
    zeros = np.zeros((planes, int(np.prod(out))), np.asarray(plain(x)).dtype)
    y = ix.index_put(zeros, sh.reshape(x, (planes, -1)),
                     index=(np.arange(planes)[:, None], index))
    return sh.reshape(y, lead + out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)
