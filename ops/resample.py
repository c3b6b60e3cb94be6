"""Resampling of (N, C, *spatial) batches, as PyTorch's: interpolate (nearest, nearest-exact,
linear, bilinear) and pixel_shuffle / pixel_unshuffle.

All are compositions: interpolation picks source positions along each spatial axis in turn
(getitem with index arrays, whose VJP sums the copies back) and blends neighbours with
constant weights, so every derivative order follows. Source positions follow PyTorch: with
`size`, scale = in / out; with `scale_factor`, scale = 1 / scale_factor; align_corners maps
the corner pixels onto each other.
"""
import math

import numpy as np

from . import shape as sh
from ._util import along

_SPATIAL = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2}


def _output_sizes(in_sizes, size, scale_factor):
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
        scales = [1 / f for f in factors]
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


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize the spatial dims of `input` (N, C, *spatial) to `size`, or scale them by
    `scale_factor`: mode "nearest", "nearest-exact", "linear" (3-D input) or "bilinear"
    (4-D)."""
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
    if align_corners is not None and spatial is None:
        raise ValueError("interpolate: align_corners can only be set with the interpolating "
                         "modes linear and bilinear")
    out, scales = _output_sizes(shape[2:], size, scale_factor)
    x = input
    for axis, (n_in, n_out, scale) in enumerate(zip(shape[2:], out, scales), start=2):
        if spatial is None:
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
