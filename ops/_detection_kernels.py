"""numba kernels of the detection ops (ops/detection.py): arrays in, arrays out, never a Tensor.

A region op reads its output from a table of (position, weight) pairs per output element:

    out[k, c, o] = sum_t weight[k, c', o, t] * x[batch[k], c, pos[k, c', o, t]]

with c' = c when the table has one row per channel (roi_pool: the argmax differs per channel)
and c' = 0 when it is shared by all channels (roi_align: the bilinear weights do not depend on
the channel). x is seen as (N, C, H*W), so a position is h * W + w. The same table read the
other way is the adjoint (gather_table / scatter_table), so backward is a scatter to any order.

Each has a plain NumPy reference in tests/test_ops_detection.py; with NUMBA_DISABLE_JIT=1 they
run as (slow) Python. None is parallel (see _kernels.py for why on this machine).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def gather_table(x, batch, pos, weight, out):
    """out[k, c, o] = sum_t weight[k, c', o, t] * x[batch[k], c, pos[k, c', o, t]].

    x (N, C, P), batch (K,) int64, pos (K, C or 1, O, T) int64, weight like pos in x's dtype,
    out (K, C, O); returns out."""
    shared = pos.shape[1] == 1
    for k in range(out.shape[0]):
        b = batch[k]
        for c in range(out.shape[1]):
            cc = 0 if shared else c
            for o in range(out.shape[2]):
                acc = out.dtype.type(0)
                for t in range(pos.shape[3]):
                    acc += weight[k, cc, o, t] * x[b, c, pos[k, cc, o, t]]
                out[k, c, o] = acc
    return out


@njit(cache=True)
def scatter_table(g, batch, pos, weight, out):
    """The adjoint of gather_table: out (N, C, P) zeroed, then
    out[batch[k], c, pos[k, c', o, t]] += weight[k, c', o, t] * g[k, c, o]; returns out."""
    out[:] = 0
    shared = pos.shape[1] == 1
    for k in range(g.shape[0]):
        b = batch[k]
        for c in range(g.shape[1]):
            cc = 0 if shared else c
            for o in range(g.shape[2]):
                v = g[k, c, o]
                for t in range(pos.shape[3]):
                    out[b, c, pos[k, cc, o, t]] += weight[k, cc, o, t] * v
    return out


@njit(cache=True)
def bin_argmax(x, batch, h0, h1, w0, w1, pos, weight):
    """Per region k, channel c and bin (i, j): the flat position of the first maximum of
    x[batch[k], c] over rows [h0[k, i], h1[k, i]) and columns [w0[k, j], w1[k, j]), written to
    pos[k, c, i * Wo + j, 0] with weight 1, or position 0 with weight 0 for an empty bin.

    x (N, C, H, W), h0/h1 (K, Ho), w0/w1 (K, Wo) int64 inside [0, H] / [0, W], pos (K, C,
    Ho*Wo, 1) int64, weight like pos in x's dtype."""
    width = x.shape[3]
    wo = w0.shape[1]
    for k in range(pos.shape[0]):
        b = batch[k]
        for c in range(pos.shape[1]):
            for i in range(h0.shape[1]):
                for j in range(wo):
                    o = i * wo + j
                    pos[k, c, o, 0] = 0
                    weight[k, c, o, 0] = 0
                    if h1[k, i] <= h0[k, i] or w1[k, j] <= w0[k, j]:
                        continue
                    best = x[b, c, h0[k, i], w0[k, j]]
                    at = h0[k, i] * width + w0[k, j]
                    for h in range(h0[k, i], h1[k, i]):
                        for w in range(w0[k, j], w1[k, j]):
                            if x[b, c, h, w] > best:
                                best = x[b, c, h, w]
                                at = h * width + w
                    pos[k, c, o, 0] = at
                    weight[k, c, o, 0] = 1
    return pos, weight


@njit(cache=True)
def greedy_nms(boxes, groups, threshold, keep):
    """Greedy non-maximum suppression of xyxy `boxes` (n, 4) already sorted by decreasing
    score: keep the first box not yet suppressed, suppress the later boxes of its group whose
    IoU with it exceeds `threshold`, repeat. Writes the kept rows' indices to keep (n,) int64
    and returns their count. IoU is 0 where the union is empty."""
    n = boxes.shape[0]
    suppressed = np.zeros(n, np.bool_)
    count = 0
    for i in range(n):
        if suppressed[i]:
            continue
        keep[count] = i
        count += 1
        area_i = (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
        for j in range(i + 1, n):
            if suppressed[j] or groups[j] != groups[i]:
                continue
            iw = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
            ih = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
            if iw <= 0 or ih <= 0:
                continue
            inter = iw * ih
            union = area_i + (boxes[j, 2] - boxes[j, 0]) * (boxes[j, 3] - boxes[j, 1]) - inter
            if union > 0 and inter / union > threshold:
                suppressed[j] = True
    return count
