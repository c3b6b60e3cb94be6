"""Sliding-window patches of (N, C, H, W) batches, as PyTorch's F.unfold (im2col) and F.fold
(col2im, its adjoint): compositions of pad, getitem and index_put_add, so each is the
other's VJP and every derivative order follows."""
import numpy as np

from . import index as ix
from . import shape as sh
from .conv import int_tuple


def _windows(op, spatial, kernel_size, dilation, padding, stride, x_shape):
    """Per spatial axis: the padded input position of each (kernel offset, output position),
    (k, n_out) arrays; and the checked geometry."""
    k = int_tuple(op, "kernel_size", kernel_size, 2, 1, x_shape)
    d = int_tuple(op, "dilation", dilation, 2, 1, x_shape)
    p = int_tuple(op, "padding", padding, 2, 0, x_shape)
    s = int_tuple(op, "stride", stride, 2, 1, x_shape)
    places = []
    for n, kk, dd, pp, ss in zip(spatial, k, d, p, s):
        n_out = (n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
        if n_out < 1:
            raise ValueError(f"{op}: kernel_size {k}, dilation {d}, padding {p} and stride {s} "
                             f"leave no window in spatial size {tuple(spatial)} (input "
                             f"{x_shape})")
        places.append(np.arange(kk)[:, None] * dd + np.arange(n_out)[None, :] * ss)
    return places, p


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C kh kw, L): every sliding window as a column, L windows, channel
    slowest then kernel row then kernel column (PyTorch's im2col layout)."""
    shape = np.shape(input)
    if len(shape) not in (3, 4):
        raise ValueError(f"unfold: expects a 3-D or 4-D input, got shape {shape}")
    x = input if len(shape) == 4 else sh.unsqueeze(input, 0)
    n, c, h, w = np.shape(x)
    (rows, cols), p = _windows("unfold", (h, w), kernel_size, dilation, padding, stride, shape)
    x = sh.pad(x, (p[1], p[1], p[0], p[0]))
    # (N, C, kh, kw, oh, ow): rows (kh, oh) -> (kh, 1, oh, 1), cols (kw, ow) -> (1, kw, 1, ow)
    patches = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]
    kh, oh = rows.shape
    kw, ow = cols.shape
    y = sh.reshape(patches, (n, c * kh * kw, oh * ow))
    return y if len(shape) == 4 else sh.squeeze(y, 0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C kh kw, L) -> (N, C, H, W): columns summed back into their windows (overlaps
    add), the inverse layout of unfold."""
    shape = np.shape(input)
    if len(shape) not in (2, 3):
        raise ValueError(f"fold: expects a 2-D or 3-D input, got shape {shape}")
    cols_in = input if len(shape) == 3 else sh.unsqueeze(input, 0)
    n, ckk, length = np.shape(cols_in)
    h, w = int_tuple("fold", "output_size", output_size, 2, 1, shape)
    (rows, cols), p = _windows("fold", (h, w), kernel_size, dilation, padding, stride, shape)
    kh, oh = rows.shape
    kw, ow = cols.shape
    if ckk % (kh * kw) or length != oh * ow:
        raise ValueError(f"fold: input {shape} must be (N, C * {kh * kw}, {oh * ow}) for "
                         f"kernel_size ({kh}, {kw}) and output_size ({h}, {w})")
    c = ckk // (kh * kw)
    patches = sh.reshape(cols_in, (n, c, kh, kw, oh, ow))
    index = (slice(None), slice(None), rows[:, None, :, None], cols[None, :, None, :])
    y = ix.index_put_add(patches, shape=(n, c, h + 2 * p[0], w + 2 * p[1]), index=index)
    y = y[:, :, p[0]:p[0] + h, p[1]:p[1] + w]
    return y if len(shape) == 3 else sh.squeeze(y, 0)
