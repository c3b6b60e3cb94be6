"""Anchor boxes as the course ("Dive into Deep Learning", the anchor-box and SSD chapters)
defines them: multibox_prior generates them, multibox_target labels them for training,
multibox_detection turns a detector's outputs into boxes. All coordinates are xyxy in [0, 1]
(fractions of the image's width and height).

None of them is differentiable: they compute targets and predictions from values (a Tensor in
gives a Tensor out that does not require grad). The loss is differentiated through the
network's class and offset outputs, compared with multibox_target's arrays.
"""
import numpy as np

from autograd.extend import plain, like
from ._detection_kernels import greedy_nms
from .detection import box_convert, box_iou

# offsets are normalised by these standard deviations (means 0), as the course's
CENTRE_STD, SIZE_STD = 0.1, 0.2


def multibox_prior(data, sizes, ratios):
    """Anchors centred on every cell of data's last two axes (H, W): for sizes s1..sn and
    ratios r1..rm, n + m - 1 per cell, (s_i, r1) for every size then (s1, r_j) for j >= 2, of
    width s sqrt(r) H / W and height s / sqrt(r) (so that ratio 1 is square in pixels). Returns
    (1, H * W * (n + m - 1), 4) xyxy, cell by cell in row-major order, in data's floating dtype
    (float32 otherwise). Not differentiable (only data's shape is read)."""
    if np.ndim(data) < 2 or not len(sizes) or not len(ratios):
        raise ValueError(f"multibox_prior: expected data with at least 2 dims and non-empty "
                         f"sizes and ratios, got data of shape {np.shape(data)}, sizes {sizes}, "
                         f"ratios {ratios}")
    if min(sizes) <= 0 or min(ratios) <= 0:
        raise ValueError(f"multibox_prior: sizes and ratios must be positive, got sizes "
                         f"{sizes}, ratios {ratios}")
    h, w = np.shape(data)[-2:]
    kind = np.asarray(plain(data)).dtype
    dtype = kind if kind.kind == "f" else np.dtype(np.float32)
    s = np.concatenate([sizes, np.full(len(ratios) - 1, sizes[0])])
    r = np.concatenate([np.full(len(sizes), ratios[0]), ratios[1:]])
    half = np.stack([s * np.sqrt(r) * h / w, s / np.sqrt(r)], -1) / 2          # (A, 2)
    cy, cx = np.meshgrid((np.arange(h) + 0.5) / h, (np.arange(w) + 0.5) / w, indexing="ij")
    centre = np.stack([cx, cy], -1).reshape(-1, 1, 2)                           # (H*W, 1, 2)
    anchors = np.concatenate([centre - half, centre + half], -1)               # (H*W, A, 4)
    return like(data, anchors.reshape(1, -1, 4).astype(dtype))


def _assign(iou, threshold):
    """For the anchor x box IoU matrix (A, B): the box index of each anchor, -1 for none. The
    course's rule: repeatedly the largest overlapping entry pairs its anchor and box, and its
    row and column leave the matrix; then each anchor left takes its best box if IoU >=
    threshold."""
    best = iou.argmax(1) if iou.shape[1] else np.zeros(len(iou), np.int64)
    assigned = np.where(iou.max(1, initial=0) >= threshold, best, -1)
    left = iou.copy()
    for _ in range(iou.shape[1]):
        a, b = np.unravel_index(left.argmax(), left.shape)
        if left[a, b] <= 0:                       # no overlap left: nothing more to pair
            break
        assigned[a] = b
        left[a, :], left[:, b] = -1, -1
    return assigned


def anchor_offsets(anchors, boxes):
    """The course's normalised offsets of boxes from anchors, both (A, 4) xyxy: ((cx_b - cx_a)
    / w_a / 0.1, (cy_b - cy_a) / h_a / 0.1, log(w_b / w_a) / 0.2, log(h_b / h_a) / 0.2)."""
    a, b = box_convert(anchors, "xyxy", "cxcywh"), box_convert(boxes, "xyxy", "cxcywh")
    return np.concatenate([(b[:, :2] - a[:, :2]) / a[:, 2:] / CENTRE_STD,
                           np.log(b[:, 2:] / a[:, 2:]) / SIZE_STD], 1)


def offset_inverse(anchors, offsets):
    """The boxes (A, 4) xyxy that `offsets` (A, 4) describe relative to anchors: the inverse of
    `anchor_offsets`."""
    a = box_convert(anchors, "xyxy", "cxcywh")
    centre = offsets[:, :2] * CENTRE_STD * a[:, 2:] + a[:, :2]
    size = np.exp(offsets[:, 2:] * SIZE_STD) * a[:, 2:]
    return box_convert(np.concatenate([centre, size], 1), "cxcywh", "xyxy")


def multibox_target(anchors, labels, iou_threshold=0.5):
    """Training targets for anchors (1, A, 4) (or (A, 4)) and labels (batch, max_objects, 5)
    with rows [class, x1, y1, x2, y2], class -1 for padding rows. Each anchor is assigned a
    ground-truth box by the course's greedy rule (see _assign). Returns (bbox_offsets (batch,
    A * 4) float32, the normalised offsets of each assigned anchor's box and 0 elsewhere;
    bbox_mask (batch, A * 4) float32, 1 for the assigned anchors' four offsets; class_labels
    (batch, A) int64, 0 for background and class + 1 for an assigned anchor). Not
    differentiable: targets, compared with a network's outputs by the loss."""
    a = np.asarray(plain(anchors), np.float64)
    a = a[0] if a.ndim == 3 and a.shape[0] == 1 else a
    rows = np.asarray(plain(labels), np.float64)
    if a.ndim != 2 or a.shape[1] != 4 or rows.ndim != 3 or rows.shape[2] != 5:
        raise ValueError(f"multibox_target: expected anchors (1, A, 4) and labels (batch, "
                         f"max_objects, 5), got anchors {np.shape(anchors)} and labels "
                         f"{rows.shape}")
    out = np.zeros((len(rows), len(a), 4)), np.zeros((len(rows), len(a), 4))
    classes = np.zeros((len(rows), len(a)), np.int64)
    for i, image in enumerate(rows):
        objects = image[image[:, 0] >= 0]
        assigned = _assign(np.asarray(box_iou(a, objects[:, 1:])), iou_threshold)
        hit = assigned >= 0
        classes[i, hit] = objects[assigned[hit], 0].astype(np.int64) + 1
        out[0][i, hit] = anchor_offsets(a[hit], objects[assigned[hit], 1:])
        out[1][i, hit] = 1
    return tuple(like(labels, t.reshape(len(rows), -1).astype(np.float32)) for t in out) + (
        like(labels, classes),)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5,
                       pos_threshold=0.009):
    """Detections from class probabilities cls_probs (batch, classes + 1, A) (class 0 is
    background), offset predictions (batch, A * 4) and anchors (1, A, 4), as the course's: each
    anchor's box is its offsets applied (offset_inverse), its class the most probable
    non-background one and its score that probability; class-agnostic nms with nms_threshold.
    Returns (batch, A, 6) rows [class, score, x1, y1, x2, y2]: the kept anchors first, by
    decreasing score, then the suppressed ones (by anchor) with class -1. A row whose score is
    below pos_threshold also gets class -1, and score 1 - score (the course's rule). Not
    differentiable (predictions read out for evaluation)."""
    probs = np.asarray(plain(cls_probs), np.float64)
    deltas = np.asarray(plain(offset_preds), np.float64)
    a = np.asarray(plain(anchors), np.float64).reshape(-1, 4)
    if probs.ndim != 3 or probs.shape[2] != len(a) or deltas.shape != (len(probs), 4 * len(a)):
        raise ValueError(f"multibox_detection: expected cls_probs (batch, classes + 1, "
                         f"{len(a)}) and offset_preds (batch, {4 * len(a)}) for anchors "
                         f"{np.shape(anchors)}, got {probs.shape} and {deltas.shape}")
    out = np.empty((len(probs), len(a), 6))
    for i in range(len(probs)):
        score, cls = probs[i, 1:].max(0), probs[i, 1:].argmax(0)
        boxes = offset_inverse(a, deltas[i].reshape(-1, 4))        # (A * 4,) -> (A, 4)
        order = np.argsort(-score, kind="stable")
        keep = np.empty(len(a), np.int64)
        n = greedy_nms(boxes[order], np.zeros(len(a), np.int64), float(nms_threshold), keep)
        kept = order[keep[:n]]
        rest = np.setdiff1d(np.arange(len(a)), kept)
        rows = np.concatenate([kept, rest])
        label = np.where(np.arange(len(a)) < n, cls[rows], -1)
        low = score[rows] < pos_threshold
        out[i] = np.column_stack([np.where(low, -1, label),
                                  np.where(low, 1 - score[rows], score[rows]), boxes[rows]])
    return like(cls_probs, out.astype(np.asarray(plain(cls_probs)).dtype))
