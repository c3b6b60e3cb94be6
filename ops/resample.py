"""Resampling of (N, C, *spatial) batches, as PyTorch's: interpolate (nearest, nearest-exact,
area, linear, bilinear, bicubic, trilinear), pixel_shuffle / pixel_unshuffle, channel_shuffle,
affine_grid and grid_sample.

All are compositions: interpolation picks source positions along each spatial axis in turn
(getitem with index arrays, whose VJP sums the copies back) and blends neighbours with
constant weights, so every derivative order follows. Source positions follow PyTorch: with
`size`, scale = in / out; with `scale_factor`, scale = 1 / scale_factor; align_corners maps
the corner pixels onto each other.
"""
import math

import numpy as np

from autograd.extend import plain
from . import elementwise as ew
from . import shape as sh
from ._util import along
from .linalg import matmul

# mode: the number of spatial dims it needs (None: any); every mode is separable, one axis
# at a time
_SPATIAL = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2,
            "bicubic": 2, "trilinear": 3}
_CUBIC_A = -0.75                                            # PyTorch's (and OpenCV's) choice


def _output_sizes(in_sizes, size, scale_factor, recompute_scale_factor=None):
    n = len(in_sizes)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor, got "
                         f"size={size!r} and scale_factor={scale_factor!r}")
    if size is not None:
        out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        scales = [i / o for i, o in zip(in_sizes, out)]
    else:
        factors = (tuple(scale_factor) if isinstance(scale_factor, (tuple, list))
                   else (scale_factor,) * n)
        out = tuple(math.floor(i * f) for i, f in zip(in_sizes, factors))
        scales = ([i / o if o else 0.0 for i, o in zip(in_sizes, out)]
                  if recompute_scale_factor else [1 / f for f in factors])
    if len(out) != n or any(o <= 0 for o in out):
        raise ValueError(f"interpolate: output size {out} does not fit the {n} spatial dims "
                         f"{tuple(in_sizes)} of the input")
    return out, scales


def _nearest(x, axis, n_in, n_out, scale, exact):
    offset = 0.5 if exact else 0.0
    src = np.minimum(np.floor((np.arange(n_out) + offset) * scale).astype(np.int64), n_in - 1)
    return along(x, axis, src)


def _linear(x, axis, n_in, n_out, scale, align_corners):
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    w = (src - lo).astype(np.result_type(x)).reshape((n_out,) + (1,) * (np.ndim(x) - axis - 1))
    a, b = along(x, axis, lo), along(x, axis, hi)
    return a + (b - a) * w                                 # (1 - w) a + w b


def _cubic_weights(t):
    """The four taps' weights of Keys' cubic convolution (a = -0.75) at fraction t."""
    a = _CUBIC_A

    def near(d):                                           # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):                                            # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _cubic(x, axis, n_in, n_out, scale, align_corners):
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = (dst + 0.5) * scale - 0.5
    base = np.floor(src).astype(np.int64)
    trail = (n_out,) + (1,) * (np.ndim(x) - axis - 1)
    y = 0
    for k, w in enumerate(_cubic_weights(src - base), start=-1):
        tap = along(x, axis, np.clip(base + k, 0, n_in - 1))
        y = y + tap * w.astype(np.result_type(x)).reshape(trail)
    return y


def _area(x, axis, n_in, n_out):
    """Output i averages input [floor(i n_in / n_out), ceil((i + 1) n_in / n_out)): adaptive
    average pooling, as a matrix applied along the axis."""
    weights = np.zeros((n_out, n_in), np.result_type(x))
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -(-(i + 1) * n_in // n_out)
        weights[i, lo:hi] = 1 / (hi - lo)
    moved = sh.transpose(x, axis, -1)                      # (..., n_in) along the last axis
    return sh.transpose(matmul(moved, weights.T), axis, -1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of `input` (N, C, *spatial) to `size`, or scale them by
    `scale_factor`: mode "nearest", "nearest-exact", "area" (any spatial dims), "linear"
    (3-D input), "bilinear" or "bicubic" (4-D), "trilinear" (5-D). recompute_scale_factor:
    source positions from the computed output size rather than from scale_factor.
    antialias is not supported (True raises)."""
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    shape = np.shape(input)
    if mode not in _SPATIAL:
        raise ValueError(f"interpolate: mode must be one of {', '.join(_SPATIAL)}, got "
                         f"{mode!r}")
    spatial = _SPATIAL[mode]
    if len(shape) < 3 or (spatial is not None and len(shape) != spatial + 2):
        want = f"{spatial + 2}-D" if spatial else "an (N, C, *spatial)"
        raise ValueError(f"interpolate: mode {mode!r} needs {want} input, got shape {shape}")
    if spatial is not None and np.result_type(input).kind != "f":
        raise TypeError(f"interpolate: mode {mode!r} needs a floating input, got "
                        f"{np.result_type(input)}")
    if align_corners is not None and mode in ("nearest", "nearest-exact", "area"):
        raise ValueError("interpolate: align_corners can only be set with the interpolating "
                         "modes linear and bilinear")
    out, scales = _output_sizes(shape[2:], size, scale_factor, recompute_scale_factor)
    x = input
    for axis, (n_in, n_out, scale) in enumerate(zip(shape[2:], out, scales), start=2):
        if mode == "area":
            x = _area(x, axis, n_in, n_out)
        elif mode == "bicubic":
            x = _cubic(x, axis, n_in, n_out, scale, bool(align_corners))
        elif spatial is None:
            x = _nearest(x, axis, n_in, n_out, scale, mode == "nearest-exact")
        else:
            x = _linear(x, axis, n_in, n_out, scale, bool(align_corners))
    return x


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each r x r block of channels becomes pixels."""
    *lead, c, h, w = np.shape(input)
    r = upscale_factor
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: channels {c} of input {np.shape(input)} must be "
                         f"divisible by upscale_factor^2 = {r * r}")
    x = sh.reshape(input, (*lead, c // (r * r), r, r, h, w))   # (.., C, r, r, H, W)
    n = len(lead)
    x = sh.permute(x, (*range(n), n, n + 3, n + 1, n + 4, n + 2))  # (.., C, H, r, W, r)
    return sh.reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of pixel_shuffle."""
    *lead, c, h, w = np.shape(input)
    r = downscale_factor
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: height and width of input {np.shape(input)} must "
                         f"be divisible by downscale_factor {r}")
    x = sh.reshape(input, (*lead, c, h // r, r, w // r, r))    # (.., C, H, r, W, r)
    n = len(lead)
    x = sh.permute(x, (*range(n), n, n + 2, n + 4, n + 1, n + 3))  # (.., C, r, r, H, W)
    return sh.reshape(x, (*lead, c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """(N, C, ...) with the channels regrouped: g groups of C/g become C/g groups of g."""
    shape = np.shape(input)
    if len(shape) < 3 or shape[1] % groups:
        raise ValueError(f"channel_shuffle: expects (N, C, ...) with C divisible by groups="
                         f"{groups}, got {shape}")
    x = sh.reshape(input, shape[:1] + (groups, shape[1] // groups) + shape[2:])
    return sh.reshape(sh.transpose(x, 1, 2), shape)


def _base_coordinates(n, align_corners):
    """Normalized [-1, 1] coordinates of n pixels (their centres, or corners when aligned)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (np.arange(n) * 2 + 1) / n - 1


def affine_grid(theta, size, align_corners=False):
    """The sampling grid (N, H, W, 2) of the 2-D affine maps theta (N, 2, 3), for an output
    of size (N, C, H, W): grid[n, i, j] = theta[n] @ (x_j, y_i, 1)."""
    n, _, h, w = size
    if np.shape(theta) != (n, 2, 3):
        raise ValueError(f"affine_grid: expects theta of shape ({n}, 2, 3) for size {tuple(size)},"
                         f" got {np.shape(theta)}")
    xs, ys = _base_coordinates(w, align_corners), _base_coordinates(h, align_corners)
    base = np.stack([np.broadcast_to(xs, (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w))], -1).reshape(1, h * w, 3).astype(np.result_type(theta))
    return sh.reshape(matmul(base, sh.transpose(theta, 1, 2)), (n, h, w, 2))


def _unnormalize(coord, n, align_corners):
    """Grid coordinates in [-1, 1] as input pixel positions along an axis of n pixels."""
    return (coord + 1) / 2 * (n - 1) if align_corners else ((coord + 1) * n - 1) / 2


def _reflect(coord, n, align_corners):
    """coord mirrored into the image (about the edge pixels' centres when aligned, else about
    their outer edges), then clipped: PyTorch's padding_mode="reflection"."""
    low, span = (0.0, n - 1.0) if align_corners else (-0.5, float(n))
    if span <= 0:
        return coord * 0
    distance = ew.abs(coord - low)
    flips = np.floor(plain(distance) / span)
    extra = distance - flips * span                     # fmod, with the gradient of distance
    mirrored = ew.where(flips % 2 == 0, extra + low, span - extra + low)
    return _clip(mirrored, n - 1)


def _clip(coord, top):
    """coord clipped to [0, top], its gradient 0 at the bounds too (PyTorch's for border)."""
    a = plain(coord)
    return ew.where(a <= 0, 0.0, ew.where(a >= top, float(top), coord))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) (x then y, in [-1, 1]): mode
    "bilinear" or "nearest", padding_mode "zeros" (outside reads 0), "border" (clamped) or
    "reflection" (mirrored).
    Differentiable in input and, for bilinear, in grid."""
    if mode not in ("bilinear", "nearest") or padding_mode not in ("zeros", "border",
                                                                   "reflection"):
        raise NotImplementedError(f"grid_sample: mode {mode!r} with padding_mode "
                                  f"{padding_mode!r} is not supported (bilinear or nearest; "
                                  "zeros, border or reflection)")
    n, c, h, w = np.shape(input)
    if np.shape(grid)[0] != n or np.shape(grid)[-1] != 2 or np.ndim(grid) != 4:
        raise ValueError(f"grid_sample: expects grid (N, Ho, Wo, 2) for input {np.shape(input)},"
                         f" got {np.shape(grid)}")
    ix_, iy = (_unnormalize(grid[..., 0], w, align_corners),
               _unnormalize(grid[..., 1], h, align_corners))
    if padding_mode == "border":
        ix_, iy = _clip(ix_, w - 1), _clip(iy, h - 1)
    elif padding_mode == "reflection":
        ix_, iy = _reflect(ix_, w, align_corners), _reflect(iy, h, align_corners)
    batch = np.arange(n)[:, None, None]

    def read(yy, xx):                   # input at integer positions, (N, Ho, Wo, C); 0 outside
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        v = sh.permute(input, (0, 2, 3, 1))[batch, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return v * inside[..., None]
    if mode == "nearest":
        out = read(np.round(plain(iy)).astype(np.int64), np.round(plain(ix_)).astype(np.int64))
    else:
        x0, y0 = np.floor(plain(ix_)).astype(np.int64), np.floor(plain(iy)).astype(np.int64)
        wx, wy = ix_ - x0, iy - y0
        out = 0
        for dy, fy in ((0, 1 - wy), (1, wy)):
            for dx, fx in ((0, 1 - wx), (1, wx)):
                out = out + read(y0 + dy, x0 + dx) * sh.unsqueeze(fy * fx, -1)
    return sh.permute(out, (0, 3, 1, 2))
