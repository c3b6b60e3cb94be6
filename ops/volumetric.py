"""3-D convolution and pooling of (N, C, D, H, W) batches (and unbatched (C, D, H, W)), as
PyTorch's conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_max_pool3d and
adaptive_avg_pool3d.

The 1-D and 2-D ops have numba kernels; these are compositions: the windows are gathered with
one advanced index per spatial axis (getitem, whose VJP scatters back) and contracted with
einsum, or reduced with amax / sum, so every derivative order follows. Geometry and argument
checks are the 1-D and 2-D ops' own (conv.convolve, pool.geometry)."""
import numpy as np

from autograd.extend import plain, like
from . import elementwise as ew
from . import index as ix
from . import reduce
from . import shape as sh
from .conv import convolve, convolve_transpose
from .linalg import einsum
from .pool import adaptive_avg, adaptive_output_size, adaptive_windows, geometry, \
    regular_windows


def _spread(places):
    """Per-axis (k, n) index arrays shaped to broadcast as (k0, k1, k2, n0, n1, n2)."""
    nd = len(places)
    return tuple(p.reshape((1,) * i + (p.shape[0],) + (1,) * (nd - 1) + (p.shape[1],)
                           + (1,) * (nd - 1 - i)) for i, p in enumerate(places))


def _batched(x, shape):
    return sh.reshape(x, shape) if np.shape(x) != shape else x


def _caller_layout(y, x, nd):
    """y (N, C, ...) back to x's layout: without the batch axis when x had none."""
    return sh.squeeze(y, 0) if np.ndim(x) == nd + 1 else y


def _conv_windows(nd, x, w, b, shape, stride, lo, dilation, groups, out):
    """Cross-correlation: (N, C, *in) -> (N, O, *out) (conv.convolve's lift)."""
    xb = _batched(x, shape)
    k = np.shape(w)[2:]
    places = [np.arange(kk)[:, None] * d + np.arange(o)[None, :] * s
              for kk, d, o, s in zip(k, dilation, out, stride)]
    hi = [max(0, p[-1, -1] + 1 - (n + a)) for p, n, a in zip(places, shape[2:], lo)]
    pad = [v for a, z in reversed(list(zip(lo, hi))) for v in (a, z)]
    patches = sh.pad(xb, pad)[(slice(None), slice(None)) + _spread(places)]
    n, c = shape[:2]
    patches = sh.reshape(patches, (n, groups, c // groups) + np.shape(patches)[2:])
    wg = sh.reshape(w, (groups, np.shape(w)[0] // groups) + np.shape(w)[1:])
    y = einsum("ngcabepqr,gfcabe->ngfpqr", patches, wg)          # (N, G, O/G, *out)
    y = sh.reshape(y, (n, np.shape(w)[0]) + tuple(out))
    if b is not None:
        y = y + sh.reshape(b, (1, -1) + (1,) * nd)
    return _caller_layout(y, x, nd)


def _conv_transpose_windows(nd, x, w, b, shape, stride, padding, dilation, groups, out):
    """Transposed convolution: each input element spreads weight-shaped copies, summed
    (conv.convolve_transpose's lift)."""
    xb = _batched(x, shape)
    n, c_in = shape[:2]
    k = np.shape(w)[2:]
    c_out = np.shape(w)[1] * groups
    xg = sh.reshape(xb, (n, groups, c_in // groups) + shape[2:])
    wg = sh.reshape(w, (groups, c_in // groups) + np.shape(w)[1:])
    cols = einsum("ngcxyz,gcfabe->ngfabexyz", xg, wg)             # (N, G, O/G, *k, *in)
    cols = sh.reshape(cols, (n, c_out) + np.shape(cols)[3:])
    places = [np.arange(kk)[:, None] * d + np.arange(m)[None, :] * s
              for kk, d, m, s in zip(k, dilation, shape[2:], stride)]
    full = tuple(max(p[-1, -1] + 1, pp + o) for p, pp, o in zip(places, padding, out))
    y = ix.index_put_add(cols, shape=(n, c_out) + full,
                         index=(slice(None), slice(None)) + _spread(places))
    y = y[(slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(padding, out))]
    if b is not None:
        y = y + sh.reshape(b, (1, -1) + (1,) * nd)
    return _caller_layout(y, x, nd)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation: input (N, C_in, D, H, W), weight (C_out, C_in/groups, kd, kh,
    kw) -> (N, C_out, Do, Ho, Wo); padding also 'valid' or 'same'."""
    return convolve("conv3d", 3, input, weight, bias, stride, padding, dilation, groups,
                    lift=_conv_windows)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """3-D transposed convolution: weight (C_in, C_out/groups, kd, kh, kw)."""
    return convolve_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                              output_padding, groups, dilation, lift=_conv_transpose_windows)


def _windows(x, windows, fill):
    """x's last three axes gathered into windows (..., o0, o1, o2, k0, k1, k2), `fill` where a
    window position lies outside x; the mask of positions inside and their flat indices in
    the (D, H, W) volume, both (o0, o1, o2, k0, k1, k2)."""
    size = np.shape(x)[-3:]
    places, masks = [], []
    for (starts, counts, d), n in zip(windows, size):
        j = np.arange(counts.max())
        pos = starts[:, None] + j[None, :] * d                     # (out, k)
        masks.append((j[None, :] < counts[:, None]) & (pos >= 0) & (pos < n))
        places.append(np.clip(pos, 0, n - 1).T)                   # (k, out)
    index = _spread(places)
    inside = np.ones((), bool)
    for m in _spread([m.T for m in masks]):
        inside = inside & m
    flat = (index[0] * size[1] + index[1]) * size[2] + index[2]
    values = ix.getitem(x, (Ellipsis,) + index)                    # (..., k0, k1, k2, o0, ...)
    values = ew.where(inside, values, fill)
    order = list(range(np.ndim(values) - 6)) + [np.ndim(values) - 3 + i for i in range(3)] \
        + [np.ndim(values) - 6 + i for i in range(3)]
    to_out_first = (3, 4, 5, 0, 1, 2)
    return (sh.permute(values, order), np.transpose(inside, to_out_first),
            np.transpose(np.broadcast_to(flat, inside.shape), to_out_first))


def _max_windows(x, windows, return_indices):
    """The maximum over each window and, when asked, its flat index in the (D, H, W) volume
    (the first one among ties, as PyTorch's)."""
    values, _, flat = _windows(x, windows, -np.inf)
    y = reduce.amax(values, (-3, -2, -1))
    if not return_indices:
        return y
    a = np.asarray(plain(values))
    best = a.reshape(a.shape[:-3] + (-1,)).argmax(-1)                   # (..., o0, o1, o2)
    per_window = flat.reshape(flat.shape[:3] + (-1,))                  # (o0, o1, o2, k)
    per_window = np.broadcast_to(per_window, best.shape + per_window.shape[-1:])
    index = np.take_along_axis(per_window, best[..., None], -1)[..., 0]
    return y, like(x, index.astype(np.int64))


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum over each window (ties share the gradient, docs/numerics.md)."""
    k, s, p, d, out = geometry("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                               ceil_mode)
    windows = [regular_windows(*a) for a in zip(out, k, s, p, d)]
    return _max_windows(input, windows, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    size, out = adaptive_output_size("adaptive_max_pool3d", 3, input, output_size)
    windows = [adaptive_windows(*a) for a in zip(size, out)]
    return _max_windows(input, windows, return_indices)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean over each window; the divisor counts the zero padding (not the windows'
    overhang past it with ceil_mode) unless count_include_pad is False, and is
    divisor_override when given."""
    k, s, p, _, out = geometry("avg_pool3d", 3, input, kernel_size, stride, padding, 1,
                               ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("avg_pool3d: divisor_override must not be zero")
    windows = [regular_windows(*a) for a in zip(out, k, s, p, (1,) * 3)]
    values, inside, _ = _windows(input, windows, 0.0)
    total = reduce.sum(values, (-3, -2, -1))
    if divisor_override is not None:
        return total / divisor_override
    if count_include_pad:               # positions within the padded input count
        counts = [np.minimum(st + kk, n + pp) - st for st, kk, n, pp in
                  zip((w[0] for w in windows), k, np.shape(input)[-3:], p)]
        divisor = counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None]
    else:
        divisor = inside.sum((-3, -2, -1))
    return total / divisor.astype(np.result_type(plain(input)))


def adaptive_avg_pool3d(input, output_size):
    return adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)
