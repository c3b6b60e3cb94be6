"""Convolution: conv1d, conv2d, conv_transpose1d, conv_transpose2d, with PyTorch's signatures
and semantics: input (N, C, W) / (N, C, H, W) or unbatched without N, weight
(C_out, C_in / groups, *kernel), transposed weight (C_in, C_out / groups, *kernel).

Three 2-D primitives, each made of the other two's VJPs, so derivatives of any order stay here:

    conv2d(x, w)            y[n, o, p]  = sum over c, k of w[o, c, k] x[n, c, window(p, k)]
    conv_transpose2d(g, w)  the adjoint of conv2d in x: g scattered back through the windows
    conv2d_weight(x, g)     the adjoint of conv2d in w: x's windows correlated with g

1-D ops are 2-D ones of height 1. On arrays: a numba kernel (im2col) copies the windows of a
chunk of images into a buffer of about _CHUNK_BYTES, laid out (C*kh*kw, images, Ho, Wo) so that
one BLAS GEMM per chunk (per group) contracts it with the weight; the weight gradient contracts
the same windows with g; conv_transpose2d is a GEMM with the weight followed by the numba col2im
scatter, which beat a NumPy loop over kernel offsets 1.7x (W4c in benchmarks/conv.py). Wide
3x3 convolutions of stride 1 and padding 1 go through Winograd's F(2x2, 3x3) instead, all
three passes (_winograd.py, which says where it pays). A tensordot over read-only as_strided
windows (W4's numpy column) makes NumPy copy the windows in its generic strided loop: 3x
slower than this, and it would need all of them at once.
"""
import collections
import functools

import numpy as np

from autograd.extend import plain, primitive
from . import _winograd as winograd
from . import reduce
from . import shape as sh
from ._kernels import col2im, im2col

_CHUNK_BYTES = 8 << 20                 # an im2col buffer this size stays in the L3 cache

Geom = collections.namedtuple("Geom", ["stride", "padding", "dilation", "groups"])
Geom.__doc__ = """Window geometry of a 2-D convolution: stride, padding (the low side; the high
side follows from the output size) and dilation as (height, width) pairs, and groups."""


# ---- arrays ---------------------------------------------------------------------------------

def _chunks(n, bytes_per_image):
    """Slices of the batch holding as many images as fit in _CHUNK_BYTES, at least one."""
    step = max(1, min(n, _CHUNK_BYTES // max(bytes_per_image, 1)))
    return [slice(s, min(s + step, n)) for s in range(0, n, step)]


def _buffer(rows, chunks, hw, dtype):
    """view(nb) -> a C-contiguous (rows, nb, *hw) view of one buffer sized for the largest
    chunk, so every chunk reuses the same memory."""
    flat = np.empty(rows * (chunks[0].stop - chunks[0].start) * hw[0] * hw[1], dtype)
    return lambda nb: flat[:rows * nb * hw[0] * hw[1]].reshape((rows, nb) + tuple(hw))


def _windows(x, k, geom, out_hw):
    """(images, windows) per chunk of the batch: windows (C*kh*kw, nb, Ho, Wo) of x[images]."""
    n, c = x.shape[:2]
    (kh, kw), (sh_, sw), (ph, pw), (dh, dw) = k, geom.stride, geom.padding, geom.dilation
    chunks = _chunks(n, c * kh * kw * out_hw[0] * out_hw[1] * x.itemsize)
    view = _buffer(c * kh * kw, chunks, out_hw, x.dtype)
    for s in chunks:
        yield s, im2col(x[s], kh, kw, sh_, sw, ph, pw, dh, dw, view(s.stop - s.start))


def _by_group(a, groups):
    """(N, C, *hw) as a C-contiguous (groups, C/groups, N * prod(hw)): channels first, the
    layout of the windows."""
    n, c = a.shape[:2]
    t = a.reshape(n, groups, c // groups, -1).transpose(1, 2, 0, 3)  # (N, C, *hw) -> (g, C/g, N, L)
    return np.ascontiguousarray(t).reshape(groups, c // groups, -1)   # -> (g, C/g, N*L)


def _operands(x, other):
    """x C-contiguous (the kernels' contract) and `other` as it is (it goes to BLAS or through
    _by_group, which copy only if they must), in one floating dtype."""
    dtype = np.result_type(x, other)
    if dtype.kind != "f":
        raise TypeError(f"expected floating point arrays, got {x.dtype} and {other.dtype}")
    return np.ascontiguousarray(x, dtype), np.asarray(other, dtype)


def _reads_input(offset, stride, n_in, n_out):
    """Whether some output o < n_out reads input position o * stride + offset in [0, n_in)."""
    first = max(0, -(offset // stride))                 # the first o at a position >= 0
    return first < n_out and first * stride + offset < n_in


@functools.lru_cache(maxsize=1024)          # a network asks the same few geometries every step
def _live_taps(geom, k_hw, in_hw, out_hw):
    """(taps, box, geometry) where at most a quarter of the kernel's taps read the input
    anywhere rather than only padding: the flat indices (into kh * kw) of the box of taps
    that do, the box's (height, width), and the geometry of the kernel cut down to it (the low
    padding less the dropped leading taps); else None. Taps outside the box multiply zeros: a
    3x3 kernel with padding 1 on a 1x1 map (ResNet-18's last stage on 32x32 images) has one
    live tap, and the cut kernel's GEMMs do a ninth of the work. Cutting costs a gather of the
    weight (and a scatter of its gradient), which at 4 of 9 taps (stride 2 on a 2x2 map) ate
    what the smaller GEMMs saved."""
    box, pads = [], []
    for k, n_in, n_out, s, p, d in zip(k_hw, in_hw, out_hw, geom.stride, geom.padding,
                                       geom.dilation):
        live = [i for i in range(k) if _reads_input(i * d - p, s, n_in, n_out)] or [0, k - 1]
        first = min(live[0], p // d)                    # the padding stays >= 0
        box.append(range(first, live[-1] + 1))
        pads.append(p - first * d)
    if 4 * len(box[0]) * len(box[1]) > k_hw[0] * k_hw[1]:
        return None
    taps = tuple(i * k_hw[1] + j for i in box[0] for j in box[1])
    return taps, (len(box[0]), len(box[1])), geom._replace(padding=tuple(pads))


def _cut(w, geom, in_hw, out_hw):
    """w (C_out, C/g, kh, kw) and geom with the taps that read only padding dropped (where
    _live_taps finds them)."""
    live = _live_taps(geom, np.shape(w)[2:], tuple(in_hw), tuple(out_hw))
    if live is None:
        return w, geom
    taps, box, cut = live
    w = np.reshape(w, np.shape(w)[:2] + (-1,))[:, :, list(taps)]   # (C_out, C/g, box taps)
    return w.reshape(w.shape[:2] + box), cut


def _correlate(x, w, geom, out_hw):
    """conv2d on arrays: x (N, C, H, W), w (C_out, C/g, kh, kw) -> (N, C_out, Ho, Wo)."""
    w, geom = _cut(w, geom, np.shape(x)[2:], out_hw)
    x, w = _operands(x, w)
    if winograd.applies(x.shape, w.shape, geom, x.dtype):
        return winograd.correlate(x, w)
    n, groups, (co, cg, kh, kw) = x.shape[0], geom.groups, w.shape
    wm = w.reshape(groups, co // groups, -1)           # (C_out, C/g, kh, kw) -> (g, C_out/g, K)
    y = np.empty((n, groups, co // groups, out_hw[0] * out_hw[1]), x.dtype)
    for s, col in _windows(x, (kh, kw), geom, out_hw):
        yc = np.matmul(wm, col.reshape(groups, cg * kh * kw, -1))     # (g, C_out/g, nb*L)
        y[s] = yc.reshape(groups, co // groups, s.stop - s.start, -1).transpose(2, 0, 1, 3)
    return y.reshape((n, co) + tuple(out_hw))          # (N, g, C_out/g, L) -> (N, C_out, Ho, Wo)


def _weight_grad(x, g, geom, k_hw):
    """conv2d_weight on arrays: x (N, C, H, W), g (N, C_out, Ho, Wo) -> (C_out, C/g, kh, kw)."""
    live = _live_taps(geom, tuple(k_hw), np.shape(x)[2:], np.shape(g)[2:])
    if live is not None:                                # dead taps: a zero gradient
        taps, box, cut = live
        part = _weight_grad(x, g, cut, box)
        gw = np.zeros(part.shape[:2] + (k_hw[0] * k_hw[1],), part.dtype)
        gw[:, :, list(taps)] = part.reshape(part.shape[:2] + (-1,))  # (C_out, C/g, box taps)
        return gw.reshape(part.shape[:2] + tuple(k_hw))
    x, g = _operands(x, g)
    if winograd.applies(x.shape, (g.shape[1], x.shape[1]) + tuple(k_hw), geom, x.dtype):
        return winograd.weight_grad(x, np.ascontiguousarray(g))
    c, co, groups = x.shape[1], g.shape[1], geom.groups
    gw = np.empty((groups, co // groups, c // groups * k_hw[0] * k_hw[1]), x.dtype)
    for s, col in _windows(x, tuple(k_hw), geom, g.shape[2:]):
        cols = col.reshape(groups, gw.shape[2], -1)         # (C*kh*kw, nb, Ho, Wo) -> (g, K, nb*L)
        part = (_by_group(g[s], groups), cols.swapaxes(1, 2))  # their product: (g, C_out/g, K)
        # the first chunk writes gw (np.zeros + += took 7-20 ms more on W11's 512-channel layer:
        # the zeroed pages are fresh from the OS, and each of them faults when first written)
        if s.start == 0:
            np.matmul(*part, out=gw)
        else:
            gw += np.matmul(*part)
    return gw.reshape(co, c // groups, *k_hw)          # (g, C_out/g, K) -> (C_out, C/g, kh, kw)


def _scatter(g, w, geom, in_hw):
    """conv_transpose2d on arrays: g (N, C_out, Ho, Wo), w (C_out, C/g, kh, kw) ->
    (N, C, *in_hw): col2im of w^T g."""
    w, geom = _cut(w, geom, in_hw, np.shape(g)[2:])
    w, g = _operands(w, g)
    if winograd.applies(g.shape, (w.shape[1], w.shape[0]) + w.shape[2:], geom, g.dtype):
        # at stride 1 and padding 1, the adjoint of a 3x3 correlation is the correlation
        # (padding 3 - 1 - 1 = 1) with the flipped weight, its channel axes swapped
        flipped = w.swapaxes(0, 1)[:, :, ::-1, ::-1]        # (C, C_out, 3, 3), taps reversed
        return winograd.correlate(np.ascontiguousarray(g), flipped)
    (n, co, ho, wo), (_, cg, kh, kw), groups = g.shape, w.shape, geom.groups
    k = cg * kh * kw
    wt = w.reshape(groups, co // groups, k).swapaxes(1, 2)  # (C_out, C/g, ...) -> (g, K, C_out/g)
    x = np.empty((n, cg * groups) + tuple(in_hw), g.dtype)
    (sh_, sw), (ph, pw), (dh, dw) = geom.stride, geom.padding, geom.dilation
    chunks = _chunks(n, groups * k * ho * wo * g.itemsize)
    view = _buffer(groups * k, chunks, (ho, wo), g.dtype)
    for s in chunks:
        cols = view(s.stop - s.start)                       # (C*kh*kw, nb, Ho, Wo)
        np.matmul(wt, _by_group(g[s], groups), out=cols.reshape(groups, k, -1))  # (g, K, nb*L)
        col2im(cols, kh, kw, sh_, sw, ph, pw, dh, dw, x[s])
    return x


# ---- primitives -----------------------------------------------------------------------------

def _add_bias(y, b):
    if b is not None:
        y += np.reshape(b, (-1, 1, 1))                      # (C_out,) -> (C_out, 1, 1)
    return y


def _bias_vjp(g, y, x, w, b):                               # d/db: sum g over all but channels
    return reduce.sum(g, (0, 2, 3))


@primitive(save=("x", "w"))
def _conv2d(x, w, b, *, geom, out_hw):
    """x (N, C, H, W) correlated with w (C_out, C/groups, kh, kw), plus b (C_out,) or None,
    giving (N, C_out, *out_hw)."""
    y = _add_bias(_correlate(x, w, geom, out_hw), b)
    return y, (lambda g, y, x, w, b: _conv_transpose2d(g, w, None, geom=geom, out_hw=x.shape[2:]),
               lambda g, y, x, w, b: _conv2d_weight(x, g, geom=geom, k_hw=w.shape[2:]),
               _bias_vjp)


@primitive(save=("x", "w"))
def _conv_transpose2d(x, w, b, *, geom, out_hw):
    """The adjoint of conv2d in its input: x (N, C_in, Hi, Wi) scattered through the windows of
    w (C_in, C_out/groups, kh, kw), plus b (C_out,) or None, giving (N, C_out, *out_hw)."""
    y = _add_bias(_scatter(x, w, geom, out_hw), b)
    # d/dx: conv2d of g with the same w; d/dw: conv2d_weight with g as the input
    return y, (lambda g, y, x, w, b: _conv2d(g, w, None, geom=geom, out_hw=x.shape[2:]),
               lambda g, y, x, w, b: _conv2d_weight(g, x, geom=geom, k_hw=w.shape[2:]),
               _bias_vjp)


@primitive(save=("x", "g"))
def _conv2d_weight(x, g, *, geom, k_hw):
    """The adjoint of conv2d in its weight: the windows of x (N, C, H, W) correlated with
    g (N, C_out, Ho, Wo), giving (C_out, C/groups, *k_hw) (torch.nn.grad.conv2d_weight)."""
    # bilinear: <G, conv2d_weight(x, g)> = <g, conv2d(x, G)> = <x, conv_transpose2d(g, G)>
    return _weight_grad(x, g, geom, k_hw), (
        lambda gg, y, x, g: _conv_transpose2d(g, gg, None, geom=geom, out_hw=x.shape[2:]),
        lambda gg, y, x, g: _conv2d(x, gg, None, geom=geom, out_hw=g.shape[2:]))


def window_sums(planes, k, stride, padding, out_hw):
    """The sum of each k window of planes (P, 1, H, W), at `stride` with `padding` on the low
    side, giving (P, 1, *out_hw): a conv2d with a box filter (average pooling's numerator)."""
    box = np.ones((1, 1) + k, np.asarray(plain(planes)).dtype)
    return _conv2d(planes, box, None, geom=Geom(stride, padding, (1, 1), 1), out_hw=out_hw)


# ---- arguments ------------------------------------------------------------------------------

def int_tuple(op, name, value, nd, low, x_shape):
    """`value` (an int, or nd ints or one, each >= low) as an nd-tuple."""
    t = (value,) * nd if isinstance(value, (int, np.integer)) else tuple(value)
    t = t * nd if len(t) == 1 else t                        # [1] for every dim, as PyTorch
    if len(t) != nd or not all(isinstance(v, (int, np.integer)) and v >= low for v in t):
        what = "positive" if low == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be a {what} int or {nd} of them, got {value!r} "
                         f"(input {x_shape})")
    return tuple(int(v) for v in t)


def _batched(op, nd, x, w_shape=None):
    """The shape of x with a batch axis (unbatched inputs have nd + 1 dims), checked."""
    shape = np.shape(x)
    if len(shape) not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, "
                         f"got input of shape {shape}")
    if w_shape is not None and len(w_shape) != nd + 2:
        raise ValueError(f"{op}: weight must be {nd + 2}-D, got weight of shape {w_shape}")
    return shape if len(shape) == nd + 2 else (1,) + shape


def _check_groups(op, groups, x_shape, w_shape, c_in, c_out):
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if c_in % groups or c_out % groups:
        raise ValueError(f"{op}: groups={groups} must divide in_channels {c_in} and out_channels "
                         f"{c_out} (input {x_shape}, weight {w_shape})")


def _check_bias(op, b, c_out):
    if b is not None and np.shape(b) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), got {np.shape(b)}")


def _reshaped(x, shape_):
    return x if np.shape(x) == shape_ else sh.reshape(x, shape_)


def _lift(op, nd, x, w, b, shape, stride, padding, dilation, groups, out):
    """Run the 2-D primitive `op` on batched inputs, 1-D ones as height 1, and give the output
    the caller's layout."""
    unbatched = np.ndim(x) == nd + 1
    if nd == 1:
        stride, padding, dilation, out = (1,) + stride, (0,) + padding, (1,) + dilation, (1,) + out
        w = sh.reshape(w, np.shape(w)[:2] + (1,) + np.shape(w)[2:])   # (o, c, k) -> (o, c, 1, k)
    x = _reshaped(x, shape[:2] + (1,) * (2 - nd) + shape[2:])              # -> (N, C, H, W)
    y = op(x, w, b, geom=Geom(stride, padding, dilation, int(groups)), out_hw=out)
    return _reshaped(y, np.shape(y)[1 if unbatched else 0:2] + out[2 - nd:])  # -> caller's layout


def _conv_padding(op, padding, nd, span, stride, x_shape):
    """(low, high) padding per axis for an int, ints, 'valid' or 'same' (PyTorch's: for an
    even span the extra row or column of 'same' goes to the high side)."""
    if padding == "valid":
        return (0,) * nd, (0,) * nd
    if padding == "same":
        if stride != (1,) * nd:
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions, "
                             f"got stride {stride}")
        return tuple((s - 1) // 2 for s in span), tuple(s - 1 - (s - 1) // 2 for s in span)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or {nd} ints, "
                         f"got {padding!r}")
    lo = int_tuple(op, "padding", padding, nd, 0, x_shape)
    return lo, lo


def convolve(op, nd, x, w, b, stride, padding, dilation, groups, lift=None):
    """The checked geometry of a convolution, then `lift` (the 1-D and 2-D primitive by
    default) on it: lift(nd, x, w, b, shape, stride, low padding, dilation, groups, out)."""
    w_shape = np.shape(w)
    shape = _batched(op, nd, x, w_shape)
    stride = int_tuple(op, "stride", stride, nd, 1, np.shape(x))
    dilation = int_tuple(op, "dilation", dilation, nd, 1, np.shape(x))
    c_out, cg, k = w_shape[0], w_shape[1], w_shape[2:]
    _check_groups(op, groups, np.shape(x), w_shape, shape[1], c_out)
    if cg * groups != shape[1]:
        raise ValueError(f"{op}: weight {w_shape} expects {cg * groups} input channels, got input "
                         f"{np.shape(x)} with {shape[1]}")
    _check_bias(op, b, c_out)
    span = tuple(d * (n - 1) + 1 for d, n in zip(dilation, k))
    lo, hi = _conv_padding(op, padding, nd, span, stride, np.shape(x))
    padded = tuple(n + a + z for n, a, z in zip(shape[2:], lo, hi))
    if any(p < s for p, s in zip(padded, span)):
        raise ValueError(f"{op}: kernel {k} with dilation {dilation} spans {span}, larger than "
                         f"the padded input {padded} (input {np.shape(x)}, padding {padding!r})")
    out = tuple((p - s) // st + 1 for p, s, st in zip(padded, span, stride))
    lift = lift or functools.partial(_lift, _conv2d)
    return lift(nd, x, w, b, shape, stride, lo, dilation, groups, out)


def convolve_transpose(op, nd, x, w, b, stride, padding, output_padding, groups, dilation,
                       lift=None):
    """As convolve, for the transposed convolution."""
    w_shape = np.shape(w)
    shape = _batched(op, nd, x, w_shape)
    stride = int_tuple(op, "stride", stride, nd, 1, np.shape(x))
    dilation = int_tuple(op, "dilation", dilation, nd, 1, np.shape(x))
    padding = int_tuple(op, "padding", padding, nd, 0, np.shape(x))
    output_padding = int_tuple(op, "output_padding", output_padding, nd, 0, np.shape(x))
    c_in, c_out, k = w_shape[0], w_shape[1] * groups, w_shape[2:]
    _check_groups(op, groups, np.shape(x), w_shape, c_in, c_out)
    if c_in != shape[1]:
        raise ValueError(f"{op}: weight {w_shape} expects {c_in} input channels, got input "
                         f"{np.shape(x)} with {shape[1]}")
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either "
                         f"stride {stride} or dilation {dilation}")
    _check_bias(op, b, c_out)
    out = tuple((n - 1) * s - 2 * p + d * (kk - 1) + o + 1 for n, s, p, d, kk, o in
                zip(shape[2:], stride, padding, dilation, k, output_padding))
    if any(n < 1 for n in out):
        raise ValueError(f"{op}: output size {out} is too small (input {np.shape(x)}, weight "
                         f"{w_shape}, padding {padding})")
    lift = lift or functools.partial(_lift, _conv_transpose2d)
    return lift(nd, x, w, b, shape, stride, padding, dilation, groups, out)


# ---- public ops ---------------------------------------------------------------------------

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation (torch.nn.functional.conv1d): input (N, C_in, L) or (C_in, L),
    weight (C_out, C_in/groups, k), bias (C_out,) -> (N, C_out, L_out). padding: an int, 'valid'
    or 'same' (stride 1 only). Raises ValueError naming the shapes at fault."""
    return convolve("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (torch.nn.functional.conv2d): input (N, C_in, H, W) or
    (C_in, H, W), weight (C_out, C_in/groups, kh, kw), bias (C_out,) -> (N, C_out, Ho, Wo).
    stride, padding, dilation: an int or a pair; padding also 'valid' or 'same' (stride 1).
    groups = C_in = C_out is depthwise. Raises ValueError naming the shapes at fault."""
    return convolve("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (torch.nn.functional.conv_transpose1d): input (N, C_in, L),
    weight (C_in, C_out/groups, k) -> (N, C_out, (L-1)*stride - 2*padding +
    dilation*(k-1) + output_padding + 1)."""
    return convolve_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                               output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (torch.nn.functional.conv_transpose2d), the gradient of conv2d
    in its input: input (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw) -> (N, C_out, Ho, Wo)
    with Ho = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1."""
    return convolve_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                               output_padding, groups, dilation)
