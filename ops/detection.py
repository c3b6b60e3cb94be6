"""Detection operators, as torchvision.ops: box_area, box_iou, box_convert, nms, batched_nms,
roi_pool and roi_align, with torchvision's signatures and rules. Boxes are (x1, y1, x2, y2)
("xyxy") unless a format says otherwise.

The box functions are compositions of ops, so they are differentiable where torchvision's are
(in the coordinates). nms and batched_nms return indices (no gradient). roi_pool and roi_align
are linear in the input once the boxes are fixed: each output element is a weighted sum of input
elements read from a table (the argmax of its bin with weight 1 for roi_pool; the bilinear
taps of its sampling points for roi_align). The output is the primitive roi_gather over that
table; its VJP is roi_scatter (the same table read backwards), whose VJP is roi_gather again,
so every derivative order works. Neither is differentiable in the boxes (nor is torchvision's).
"""
import numpy as np

from autograd.extend import primitive, plain, like
from . import elementwise as ew
from . import shape as sh
from ._detection_kernels import bin_argmax, gather_table, greedy_nms, scatter_table
from .conv import int_tuple

BOX_FORMATS = ("xyxy", "xywh", "cxcywh")


# ---- checks ------------------------------------------------------------------------------------

def _ordered(op, name, coords):
    """Raise if some row of the (K, 4) xyxy array `coords` has x2 < x1 or y2 < y1."""
    bad = np.flatnonzero((coords[:, 2] < coords[:, 0]) | (coords[:, 3] < coords[:, 1]))
    if bad.size:
        i = bad[0]
        raise ValueError(f"{op}: {name}[{i}] = {coords[i].tolist()} has x2 < x1 or y2 < y1 "
                         f"(boxes are (x1, y1, x2, y2))")


def _boxes(op, boxes, name="boxes"):
    """The array behind an (N, 4) xyxy box set, checked for its shape and order."""
    a = np.asarray(plain(boxes))
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"{op}: expected {name} of shape (N, 4), got {name} of shape {a.shape}")
    _ordered(op, name, a)
    return a


# ---- boxes -------------------------------------------------------------------------------------

def box_area(boxes):
    """torchvision.ops.box_area: (x2 - x1) * (y2 - y1) of each row of boxes (N, 4), shape (N,).
    Differentiable in the boxes; raises ValueError for another shape or x2 < x1, y2 < y1."""
    _boxes("box_area", boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1, boxes2):
    """torchvision.ops.box_iou: the (N, M) intersection over union of boxes1 (N, 4) and boxes2
    (M, 4). Differentiable in both (the overlap's max/min split ties as ops.maximum does); NaN
    where both boxes have zero area, as torchvision's."""
    _boxes("box_iou", boxes1, "boxes1"), _boxes("box_iou", boxes2, "boxes2")
    top_left = ew.maximum(boxes1[:, None, :2], boxes2[None, :, :2])        # (N, M, 2)
    bottom_right = ew.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])    # (N, M, 2)
    wh = ew.clamp(bottom_right - top_left, min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :] - inter
    return inter / union


def _corners(boxes, fmt):
    """(x1, y1, x2, y2), each shaped boxes[..., 0], from boxes in format fmt."""
    a, b, c, d = (boxes[..., i] for i in range(4))
    if fmt == "xywh":
        return a, b, a + c, b + d
    if fmt == "cxcywh":
        return a - c / 2, b - d / 2, a + c / 2, b + d / 2
    return a, b, c, d


def box_convert(boxes, in_fmt, out_fmt):
    """torchvision.ops.box_convert: boxes (..., 4) from in_fmt to out_fmt, each one of "xyxy"
    (corners), "xywh" (top-left corner, width, height) and "cxcywh" (centre, width, height).
    Differentiable; raises ValueError naming an unknown format or a last axis other than 4."""
    for fmt in (in_fmt, out_fmt):
        if fmt not in BOX_FORMATS:
            raise ValueError(f"box_convert: unknown box format {fmt!r}, expected one of "
                             f"{BOX_FORMATS}")
    if np.ndim(boxes) < 1 or np.shape(boxes)[-1] != 4:
        raise ValueError(f"box_convert: expected boxes of shape (..., 4), got boxes of shape "
                         f"{np.shape(boxes)}")
    if in_fmt == out_fmt:
        return boxes
    x1, y1, x2, y2 = _corners(boxes, in_fmt)
    if out_fmt == "xywh":
        parts = x1, y1, x2 - x1, y2 - y1
    elif out_fmt == "cxcywh":
        parts = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
    else:
        parts = x1, y1, x2, y2
    return sh.stack(list(parts), dim=-1)


# ---- non-maximum suppression -------------------------------------------------------------------

def _nms(op, boxes, scores, groups, iou_threshold):
    a = _boxes(op, boxes)
    s = np.asarray(plain(scores))
    if s.shape != (len(a),):
        raise ValueError(f"{op}: expected scores of shape ({len(a)},) for boxes of shape "
                         f"{a.shape}, got scores of shape {s.shape}")
    order = np.argsort(-s, kind="stable")          # decreasing score, ties by position
    keep = np.empty(len(a), np.int64)
    n = greedy_nms(np.ascontiguousarray(a[order], np.float64), groups[order],
                   float(iou_threshold), keep)
    return like(boxes, order[keep[:n]])


def nms(boxes, scores, iou_threshold):
    """torchvision.ops.nms: greedy non-maximum suppression. Keeps the highest-scoring box, drops
    every box whose IoU with it exceeds iou_threshold, repeats on the rest. boxes (N, 4) xyxy,
    scores (N,). Returns the int64 indices of the kept boxes by decreasing score (ties: the
    earlier box first); empty input gives an empty int64 result. Not differentiable."""
    return _nms("nms", boxes, scores, np.zeros(len(plain(boxes)), np.int64), iou_threshold)


def batched_nms(boxes, scores, idxs, iou_threshold):
    """torchvision.ops.batched_nms: nms within each category idxs (N,) int: a box suppresses
    only boxes of its own category. Returns the int64 indices kept, by decreasing score. Not
    differentiable."""
    groups = np.asarray(plain(idxs))
    if groups.shape != (np.shape(boxes)[0],) or groups.dtype.kind not in "iub":
        raise ValueError(f"batched_nms: expected integer idxs of shape ({np.shape(boxes)[0]},) "
                         f"for boxes of shape {np.shape(boxes)}, got {groups.dtype} idxs of "
                         f"shape {groups.shape}")
    return _nms("batched_nms", boxes, scores, groups.astype(np.int64), iou_threshold)


# ---- regions of interest -----------------------------------------------------------------------

@primitive(save=())
def _roi_gather(x, *, batch, pos, weight, size):
    """y[k, c, o] = sum_t weight[k, c', o, t] * x[batch[k], c, pos[k, c', o, t]] (see
    _detection_kernels), shaped (K, C, *size): the regions' outputs read from x (N, C, H, W)."""
    n, c = x.shape[:2]
    planes = np.ascontiguousarray(x).reshape(n, c, x.shape[2] * x.shape[3])  # -> (N, C, H*W)
    y = gather_table(planes, batch, pos, weight, np.empty((len(batch), c, pos.shape[2]), x.dtype))
    # y = T x is linear in x: d/dx is T^T g, the scatter of g through the same table
    return y.reshape((len(batch), c) + size), (
        lambda g, y, x: _roi_scatter(g, batch=batch, pos=pos, weight=weight, shape=x.shape),)


@primitive(save=())
def _roi_scatter(g, *, batch, pos, weight, shape):
    """zeros(shape) with each g[k, c, o] added, times its weight, at the positions its table
    row reads: the adjoint of roi_gather."""
    k, c = g.shape[:2]
    rows = np.ascontiguousarray(g).reshape(k, c, pos.shape[2])      # (K, C, Ho, Wo) -> (K, C, O)
    out = np.empty((shape[0], c, shape[2] * shape[3]), g.dtype)
    scatter_table(rows, batch, pos, weight, out)
    # the adjoint of T^T is T: the VJP is the gather
    return out.reshape(shape), (
        lambda gg, y, g: _roi_gather(gg, batch=batch, pos=pos, weight=weight, size=g.shape[2:]),)


def _regions(op, input, boxes, output_size):
    """The input's array, the regions' batch indices (K,) int64 and xyxy coordinates (K, 4) in
    the input's dtype, and the output size (h, w), checked. boxes is a (K, 5) tensor of rows
    [batch_index, x1, y1, x2, y2] or a list of (Ki, 4) tensors, one per image."""
    x = np.asarray(plain(input))
    if x.ndim != 4 or x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating input of shape (N, C, H, W), got {x.dtype} "
                         f"input of shape {x.shape}")
    if isinstance(boxes, (list, tuple)):
        parts = [_boxes(op, b, f"boxes[{i}]") for i, b in enumerate(boxes)]
        coords = np.concatenate(parts) if parts else np.zeros((0, 4))
        batch = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    else:
        rows = np.asarray(plain(boxes))
        if rows.ndim != 2 or rows.shape[1] != 5:
            raise ValueError(f"{op}: expected boxes of shape (K, 5) (rows [batch_index, x1, y1, "
                             f"x2, y2]) or a list of (Ki, 4) tensors, got boxes of shape "
                             f"{rows.shape}")
        coords, batch = rows[:, 1:], rows[:, 0]
        _ordered(op, "boxes", coords)
    out = np.flatnonzero((batch < 0) | (batch >= x.shape[0]) | (batch != np.round(batch)))
    if out.size:
        raise IndexError(f"{op}: boxes[{out[0]}] has batch index {batch[out[0]]}, but input "
                         f"{x.shape} has batch size {x.shape[0]}")
    size = int_tuple(op, "output_size", output_size, 2, 1, x.shape)
    return x, batch.astype(np.int64), coords.astype(x.dtype), size


def _pool_bins(start, end, n_out, n, dtype):
    """Per region (K,), the [lo, hi) of its n_out bins (K, n_out) along an axis of length n:
    the region spans [start, end] inclusive (at least 1), bin o covers
    [floor(o * len / n_out), ceil((o + 1) * len / n_out)) from start, clipped to [0, n]."""
    step = np.maximum(end - start + 1, 1).astype(dtype) / dtype.type(n_out)     # (K,)
    o = np.arange(n_out + 1).astype(dtype)
    edges = o * step[:, None]                                                    # (K, n_out + 1)
    lo = np.floor(edges[:, :-1]).astype(np.int64) + start[:, None]
    hi = np.ceil(edges[:, 1:]).astype(np.int64) + start[:, None]
    return np.clip(lo, 0, n), np.clip(hi, 0, n)


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """torchvision.ops.roi_pool: max pooling of each region of input (N, C, H, W) into
    output_size (an int or (h, w)) bins, result (K, C, h, w). boxes: a (K, 5) tensor of rows
    [batch_index, x1, y1, x2, y2] or a list of per-image (Ki, 4) tensors, in input coordinates
    before spatial_scale. The scaled corners are rounded (half away from zero) to pixels, a
    region is at least 1x1, bin i of h covers rows [floor(i r / h), ceil((i + 1) r / h)) of its
    r rows (clipped to the image); a bin outside the image gives 0. Ties go to the first
    maximum. Differentiable in input: the gradient goes to each bin's argmax."""
    x, batch, coords, (ho, wo) = _regions("roi_pool", input, boxes, output_size)
    scaled = np.abs(coords * x.dtype.type(spatial_scale))
    whole = np.floor(scaled)
    corner = (np.sign(coords) * (whole + (scaled - whole >= 0.5))).astype(np.int64)  # C's round
    h0, h1 = _pool_bins(corner[:, 1], corner[:, 3], ho, x.shape[2], x.dtype)
    w0, w1 = _pool_bins(corner[:, 0], corner[:, 2], wo, x.shape[3], x.dtype)
    shape = (len(batch), x.shape[1], ho * wo, 1)
    pos, weight = bin_argmax(np.ascontiguousarray(x), batch, h0, h1, w0, w1,
                             np.empty(shape, np.int64), np.empty(shape, x.dtype))
    return _roi_gather(input, batch=batch, pos=pos, weight=weight, size=(ho, wo))


def _bilinear_taps(start, length, grid, n_out, n):
    """Along one axis of length n: for each region (K,) and bin (n_out), the 2 * G input
    positions and weights of its sampling points' linear interpolation, G = max(grid). Region
    k's bin o samples grid[k] points start + (o + (i + 0.5) / grid) * length / n_out; a point
    outside [-1, n] reads 0, one in [-1, 0] reads position 0, one past n - 1 reads n - 1.
    Weights include 1 / grid, so that the product over the two axes averages the bin."""
    dtype = start.dtype
    step = length / dtype.type(n_out)                                           # (K,)
    g = max(int(grid.max(initial=1)), 1)
    i = np.arange(g).astype(dtype)
    o = np.arange(n_out).astype(dtype)
    per = np.maximum(grid, 1).astype(dtype)
    p = (start[:, None, None] + o[None, :, None] * step[:, None, None]
         + (i + dtype.type(0.5))[None, None, :] * step[:, None, None] / per[:, None, None])
    inside = (p >= -1) & (p <= n) & (np.arange(g) < grid[:, None, None])       # (K, n_out, G)
    p = np.where(inside, np.maximum(p, 0), 0)
    low = np.floor(p).astype(np.int64)
    last = low >= n - 1
    low = np.where(last, n - 1, low)
    frac = np.where(last, 0, p - low).astype(dtype)
    scale = (inside / per[:, None, None]).astype(dtype)
    pos = np.stack([low, np.where(last, n - 1, low + 1)], -1)                 # (K, n_out, G, 2)
    weight = np.stack([(1 - frac) * scale, frac * scale], -1)
    return pos.reshape(len(start), n_out, 2 * g), weight.reshape(len(start), n_out, 2 * g)


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """torchvision.ops.roi_align: each region of input (N, C, H, W) divided into output_size
    (an int or (h, w)) bins, each bin the average of the input bilinearly interpolated at a
    grid of sampling_ratio x sampling_ratio points (sampling_ratio <= 0: ceil(region size / h)
    by ceil(region size / w), per region), result (K, C, h, w). boxes as roi_pool's. Corners
    are scaled by spatial_scale, shifted by -0.5 pixel when aligned; without aligned a region
    is at least 1x1. A point outside [-1, size] reads 0. Differentiable in input (the gradient
    is scattered back through the interpolation weights)."""
    x, batch, coords, (ho, wo) = _regions("roi_align", input, boxes, output_size)
    c = coords * x.dtype.type(spatial_scale) - x.dtype.type(0.5 if aligned else 0)
    size = c[:, 2:] - c[:, :2]                                                  # (K, 2): w, h
    if not aligned:
        size = np.maximum(size, 1)
    if sampling_ratio > 0:
        grid = np.full(size.shape, sampling_ratio, np.int64)
    else:
        grid = np.ceil(size / np.array([wo, ho], x.dtype)).astype(np.int64)
    ry, wy = _bilinear_taps(c[:, 1], size[:, 1], grid[:, 1], ho, x.shape[2])    # (K, ho, Ty)
    rx, wx = _bilinear_taps(c[:, 0], size[:, 0], grid[:, 0], wo, x.shape[3])    # (K, wo, Tx)
    k, ty, tx = len(batch), ry.shape[2], rx.shape[2]
    # the taps of bin (i, j): every row tap of i with every column tap of j
    pos = ry[:, :, None, :, None] * x.shape[3] + rx[:, None, :, None, :]     # (K, ho, wo, Ty, Tx)
    weight = wy[:, :, None, :, None] * wx[:, None, :, None, :]
    table = (k, 1, ho * wo, ty * tx)                       # one table for all channels
    return _roi_gather(input, batch=batch, pos=pos.reshape(table),
                       weight=np.ascontiguousarray(weight.reshape(table)), size=(ho, wo))
