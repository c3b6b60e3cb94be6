"""Digits on a canvas: the data of the segmentation and detection examples, made offline.

scikit-learn's 8x8 handwritten digits are upscaled (bilinear) to random sizes and pasted
without overlap at random positions on a textured, noisy background. Every image comes with
a per-pixel class mask and a box per digit, so one generator serves semantic segmentation
(masks) and object detection (boxes).

    from examples.canvas import digit_canvas
    images, masks, labels = digit_canvas(16, size=64, max_digits=3, rng=0)
"""
import functools

import numpy as np

from examples._common import needs

INK = 0.3          # an upscaled digit's pixel of intensity above this (of 1) is ink


@functools.lru_cache(maxsize=1)
def _digits():
    """scikit-learn's digits: images (1797, 8, 8) float64 in [0, 1], targets (1797,)."""
    digits = needs("sklearn.datasets").load_digits()
    return digits.images / 16.0, digits.target


def _interpolation(n_out, n_in):
    """The (n_out, n_in) matrix of 1-D linear interpolation with half-pixel centres (each
    output sample at (i + 0.5) * n_in / n_out - 0.5 in input coordinates, clamped at the
    edges); `W_rows @ image @ W_cols.T` resizes an image bilinearly."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    left = np.minimum(np.floor(pos).astype(int), n_in - 2) if n_in > 1 else np.zeros(n_out, int)
    frac = pos - left
    w = np.zeros((n_out, n_in))
    w[np.arange(n_out), left] = 1 - frac
    if n_in > 1:
        w[np.arange(n_out), left + 1] += frac
    return w


def resize(image, height, width):
    """A 2-D array resized bilinearly to (height, width)."""
    return _interpolation(height, image.shape[0]) @ image @ _interpolation(width, image.shape[1]).T


def _background(size, rng):
    """A smooth random texture (an 8x8 field upscaled) of brightness up to 0.3, plus pixel
    noise: what the networks must learn to call background."""
    texture = resize(rng.random((8, 8)), size, size) * rng.uniform(0.1, 0.3)
    return texture + rng.normal(0, 0.04, (size, size))


def _place(size, side, taken, rng, tries=20):
    """Top-left (row, col) of a side x side square inside the canvas that overlaps none of the
    squares in `taken` (a list of (row, col, side)); None if `tries` random draws all collide."""
    for _ in range(tries):
        r, c = rng.integers(0, size - side + 1, 2)
        if all(r + side <= r2 or r2 + s2 <= r or c + side <= c2 or c2 + s2 <= c
               for r2, c2, s2 in taken):
            return int(r), int(c)
    return None


def digit_canvas(n, size=64, max_digits=3, rng=None, min_scale=0.25, max_scale=0.5):
    """`n` canvases of 1 to `max_digits` digits each.

    A digit's side is a uniform random fraction in [min_scale, max_scale] of the canvas side
    (at least 8 pixels); digits never overlap (one that finds no free place after a few
    draws is left out, so an image may hold fewer), so every pixel has one label. `rng` is a
    NumPy Generator, a seed, or None (fresh entropy).

    Returns (images, masks, labels):
      images (n, 1, size, size) float32 in [0, 1]: digits (bright ink) over the background;
      masks  (n, size, size) int64: 0 background, 1 + digit class on the digit's ink pixels;
      labels (n, max_digits, 5) float32: rows [digit, x1, y1, x2, y2], the tight box of the
             digit's ink in [0, 1] relative to the canvas (x along columns, y along rows,
             x2 and y2 exclusive: the right and bottom edges of the last ink pixel),
             one row per digit in placement order, rows of -1 after them.
    """
    if not 0 < min_scale <= max_scale <= 1:
        raise ValueError(f"digit_canvas: need 0 < min_scale <= max_scale <= 1, got "
                         f"min_scale={min_scale}, max_scale={max_scale}")
    if size < 8 or max_digits < 1 or n < 0:
        raise ValueError(f"digit_canvas: need size >= 8, max_digits >= 1, n >= 0, got "
                         f"size={size}, max_digits={max_digits}, n={n}")
    rng = np.random.default_rng(rng)
    pictures, targets = _digits()
    images = np.zeros((n, 1, size, size), np.float32)
    masks = np.zeros((n, size, size), np.int64)
    labels = np.full((n, max_digits, 5), -1, np.float32)
    for i in range(n):
        canvas = _background(size, rng)
        taken = []
        for _ in range(rng.integers(1, max_digits + 1)):
            side = max(8, round(rng.uniform(min_scale, max_scale) * size))
            corner = _place(size, side, taken, rng)
            if corner is None:
                continue
            r, c = corner
            k = rng.integers(len(targets))
            digit = np.clip(resize(pictures[k], side, side), 0, 1)
            ink = digit > INK
            if not ink.any():
                continue
            window = canvas[r:r + side, c:c + side]          # a view: paste in place
            window[:] = np.maximum(window, digit * rng.uniform(0.7, 1.0))
            masks[i, r:r + side, c:c + side][ink] = 1 + targets[k]
            rows, cols = np.nonzero(ink)
            labels[i, len(taken)] = (targets[k], (c + cols.min()) / size, (r + rows.min()) / size,
                                     (c + cols.max() + 1) / size, (r + rows.max() + 1) / size)
            taken.append((r, c, side))
        images[i, 0] = np.clip(canvas, 0, 1)
    return images, masks, labels


def random_crop(images, masks, size, rng):
    """One random size x size window per image, the same window of its mask (the course's
    augmentation for segmentation: a crop keeps pixels and labels aligned, where a resize
    would blur the labels). images (n, C, H, W), masks (n, H, W)."""
    n, _, height, width = images.shape
    if size > min(height, width):
        raise ValueError(f"random_crop: crop {size} larger than the images ({height}x{width})")
    rows = rng.integers(0, height - size + 1, n)
    cols = rng.integers(0, width - size + 1, n)
    win = np.arange(size)
    r = (rows[:, None] + win)[:, :, None]                     # (n, size, 1)
    c = (cols[:, None] + win)[:, None, :]                     # (n, 1, size)
    batch = np.arange(n)[:, None, None]
    return images.transpose(0, 2, 3, 1)[batch, r, c].transpose(0, 3, 1, 2), masks[batch, r, c]
