"""Detection ops (ops/detection.py): gradient rows, values and gradients against NumPy references
written from torchvision's documented rules (torchvision itself cannot be installed here), the
kernels against NumPy, nms against a plain greedy loop, and bad input."""
import math

import numpy as np
import pytest

import autograd as ag
import ops
from ops import detection
from ops._detection_kernels import gather_table, scatter_table
from gradrows import Row, check, distinct, raises_starting_with

# regions on a (2, C, 7, 9) input: inside, past the border, a point, a sliver, image 1
ROWS5 = np.array([[0, 1.2, 0.7, 5.6, 4.9],
                  [1, -2.0, 3.0, 11.5, 8.0],
                  [0, 3.0, 3.0, 3.0, 3.0],
                  [1, 0.4, 2.2, 8.9, 2.6],
                  [1, 6.5, 0.0, 8.0, 6.5]])
SETTINGS = [  # (op, keyword arguments, id)
    ("roi_pool", dict(output_size=(2, 3)), "2x3"),
    ("roi_pool", dict(output_size=3, spatial_scale=0.5), "scale-half"),
    ("roi_pool", dict(output_size=(4, 1), spatial_scale=1.3), "scale-1.3-rounding"),
    ("roi_align", dict(output_size=(2, 3)), "adaptive"),
    ("roi_align", dict(output_size=2, sampling_ratio=2, aligned=True), "aligned-ratio2"),
    ("roi_align", dict(output_size=(3, 2), spatial_scale=0.7, sampling_ratio=1), "scale-ratio1"),
    ("roi_align", dict(output_size=4, spatial_scale=0.5, aligned=True), "aligned-adaptive"),
]


def valid_boxes(xs):
    """Random arrays (N, 4) as xyxy boxes with positive sizes: corners then sizes in [0.5, 2.5)."""
    return [np.concatenate([x[:, :2], x[:, :2] + np.abs(x[:, 2:]) % 2 + 0.5], 1) for x in xs]


def _settings_row(op, kw, id_):
    fn = getattr(ops, op)
    return Row("roi_gather", lambda x: fn(x, ROWS5, **kw), [(2, 2, 7, 9)], id=f"{op}-{id_}",
               domain=distinct if op == "roi_pool" else None)


TABLE = np.random.default_rng(0)
BATCH = np.array([1, 0, 1])
POS = TABLE.integers(0, 12, (3, 1, 4, 5))                     # repeats, shared by channels
WEIGHT = TABLE.standard_normal((3, 1, 4, 5))

GRAD_ROWS = [_settings_row(*s) for s in SETTINGS] + [
    Row("roi_gather", lambda x: ops.roi_align(x, [ROWS5[:2, 1:], ROWS5[2:, 1:]], 2),
        [(2, 2, 7, 9)], id="roi_align-list"),
    Row("roi_scatter", lambda g: detection._roi_scatter(g, batch=BATCH, pos=POS, weight=WEIGHT,
                                                        shape=(2, 2, 3, 4)),
        [(3, 2, 2, 2)], id="table-with-repeats"),
    Row("maximum", lambda a, b: ops.box_iou(a, b), [(3, 4), (2, 4)], domain=valid_boxes,
        id="box_iou"),
    Row("mul", lambda a: ops.box_area(a), [(3, 4)], domain=valid_boxes, id="box_area"),
    Row("cat", lambda a: ops.box_convert(a, "cxcywh", "xywh"), [(3, 4)], id="box_convert"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


# ---- references written from the definitions ----------------------------------------------

def c_round(v):
    """C's round(): halves away from zero."""
    return math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)


def roi_pool_reference(x, rows, out, scale):
    """Values and argmax positions (-1: empty bin) by loops, from torchvision's rules."""
    ho, wo = out
    h, w = x.shape[2:]
    y = np.zeros((len(rows), x.shape[1], ho, wo))
    arg = np.full(y.shape, -1)
    for k, (b, *corners) in enumerate(rows):
        x1, y1, x2, y2 = (c_round(v * scale) for v in corners)
        bh, bw = max(y2 - y1 + 1, 1) / ho, max(x2 - x1 + 1, 1) / wo       # bin sizes
        for i in range(ho):
            top = min(max(math.floor(i * bh) + y1, 0), h)
            bottom = min(max(math.ceil((i + 1) * bh) + y1, 0), h)
            for j in range(wo):
                left = min(max(math.floor(j * bw) + x1, 0), w)
                right = min(max(math.ceil((j + 1) * bw) + x1, 0), w)
                for c in range(x.shape[1]):
                    window = x[int(b), c, top:bottom, left:right]
                    if window.size:
                        r, s = np.unravel_index(window.argmax(), window.shape)
                        y[k, c, i, j] = window[r, s]
                        arg[k, c, i, j] = (top + r) * w + left + s
    return y, arg


def bilinear(plane, py, px):
    """plane read at (py, px) as roi_align does: 0 outside [-1, size], clamped at the edges."""
    h, w = plane.shape
    if not (-1 <= py <= h and -1 <= px <= w):
        return 0.0
    py, px = max(py, 0.0), max(px, 0.0)
    r0, c0 = min(int(py), h - 1), min(int(px), w - 1)
    r1, c1 = min(r0 + 1, h - 1), min(c0 + 1, w - 1)
    fy = py - r0 if r0 < h - 1 else 0.0
    fx = px - c0 if c0 < w - 1 else 0.0
    return ((1 - fy) * (1 - fx) * plane[r0, c0] + (1 - fy) * fx * plane[r0, c1]
            + fy * (1 - fx) * plane[r1, c0] + fy * fx * plane[r1, c1])


def roi_align_reference(x, rows, out, scale, ratio, aligned):
    ho, wo = out
    y = np.zeros((len(rows), x.shape[1], ho, wo))
    for k, (b, *corners) in enumerate(rows):
        x1, y1, x2, y2 = (v * scale - (0.5 if aligned else 0) for v in corners)
        rh, rw = (y2 - y1, x2 - x1) if aligned else (max(y2 - y1, 1), max(x2 - x1, 1))
        gh = ratio if ratio > 0 else math.ceil(rh / ho)
        gw = ratio if ratio > 0 else math.ceil(rw / wo)
        for c in range(x.shape[1]):
            for i in range(ho):
                for j in range(wo):
                    total = sum(bilinear(x[int(b), c], y1 + (i + (s + 0.5) / gh) * rh / ho,
                                         x1 + (j + (t + 0.5) / gw) * rw / wo)
                                for s in range(gh) for t in range(gw))
                    y[k, c, i, j] = total / max(gh * gw, 1)
    return y


def _reference(op, x, rows, kw):
    out = kw["output_size"]
    out = (out, out) if isinstance(out, int) else out
    scale = kw.get("spatial_scale", 1.0)
    if op == "roi_pool":
        return roi_pool_reference(x, rows, out, scale)
    return roi_align_reference(x, rows, out, scale, kw.get("sampling_ratio", -1),
                               kw.get("aligned", False)), None


@pytest.mark.parametrize("op,kw,id_", SETTINGS, ids=[f"{s[0]}-{s[-1]}" for s in SETTINGS])
def test_values_and_gradients_match_the_reference(op, kw, id_):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 9))
    expected, argmax = _reference(op, x, ROWS5, kw)
    t = ag.tensor(x, requires_grad=True)
    y = getattr(ops, op)(t, ROWS5, **kw)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    r = rng.standard_normal(expected.shape)
    (y * ag.tensor(r)).sum().backward()
    if op == "roi_pool":            # the gradient goes to each bin's argmax
        gx = np.zeros((2, 3, 63))
        k, c, i, j = np.nonzero(argmax >= 0)
        np.add.at(gx, (ROWS5[k, 0].astype(int), c, argmax[k, c, i, j]), r[k, c, i, j])
        np.testing.assert_allclose(t.grad.numpy(), gx.reshape(x.shape), rtol=1e-12)
    else:                           # linear: <ref(u), r> = <u, J^T r> for every u
        for seed in range(3):
            u = np.random.default_rng(seed).standard_normal(x.shape)
            lhs = (roi_align_reference(u, ROWS5, y.shape[2:], kw.get("spatial_scale", 1.0),
                                       kw.get("sampling_ratio", -1), kw.get("aligned", False))
                   * r).sum()
            np.testing.assert_allclose(lhs, (u * t.grad.numpy()).sum(), rtol=1e-10)


def test_float32_and_the_list_form_give_the_same_values():
    x = np.random.default_rng(4).standard_normal((2, 2, 7, 9)).astype(np.float32)
    rows = ROWS5.astype(np.float32)
    per_image = [rows[rows[:, 0] == 0, 1:], rows[rows[:, 0] == 1, 1:]]
    order = np.argsort(rows[:, 0], kind="stable")
    for op in (ops.roi_pool, ops.roi_align):
        y = op(ag.tensor(x), ag.tensor(rows), 3)
        assert y.dtype == np.float32 and y.shape == (5, 2, 3, 3)
        listed = op(x, [ag.tensor(b) for b in per_image], 3)
        np.testing.assert_allclose(listed, y.numpy()[order], rtol=1e-6)
        np.testing.assert_allclose(y.numpy(), op(x.astype(np.float64), ROWS5, 3), atol=1e-5)


def test_empty_regions_give_an_empty_result():
    x = np.zeros((2, 3, 5, 5))
    for op in (ops.roi_pool, ops.roi_align):
        assert op(x, np.zeros((0, 5)), (2, 4)).shape == (0, 3, 2, 4)
        assert op(x, [np.zeros((0, 4)), np.zeros((0, 4))], 2).shape == (0, 3, 2, 2)
        t = ag.tensor(x, requires_grad=True)
        op(t, [], 2).sum().backward()
        assert not t.grad.numpy().any()


def test_a_bin_outside_the_image_pools_to_zero():
    x = -np.ones((1, 1, 4, 4))
    y = ops.roi_pool(x, np.array([[0, 2.0, 2.0, 9.0, 9.0]]), 2)    # bins past row/column 4
    np.testing.assert_array_equal(y[0, 0], [[-1, 0], [0, 0]])


def test_roi_pool_rounds_halves_away_from_zero_as_c():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    assert ops.roi_pool(x, np.array([[0, 2.5, 1.5, 2.5, 1.5]]), 1)[0, 0, 0, 0] == 2 * 6 + 3
    below_half = np.float32(0.49999997)                         # + 0.5 rounds up in float32
    y = ops.roi_pool(x.astype(np.float32), np.array([[0, below_half] * 2 + [0]], np.float32), 1)
    assert y[0, 0, 0, 0] == 0


def test_second_order_is_recorded():
    x = ag.tensor(np.random.default_rng(5).standard_normal((2, 2, 7, 9)), requires_grad=True)
    for op in (ops.roi_pool, ops.roi_align):
        (g,) = ag.grad((op(x, ROWS5, 2) ** 2).sum(), [x], create_graph=True)
        assert g.requires_grad
        (gg,) = ag.grad(g.sum(), [x])          # d/dx sum(2 y dy/dx) = 2 T^T T 1
        assert np.isfinite(gg.numpy()).all() and gg.numpy().any()


def test_kernels_match_numpy():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 12))
    for pos, weight in [(POS, WEIGHT), (rng.integers(0, 12, (3, 3, 4, 2)),
                                        rng.standard_normal((3, 3, 4, 2)))]:
        taps = x[BATCH[:, None, None, None], np.arange(3)[None, :, None, None], pos]  # (K, C, O, T)
        expected = (np.broadcast_to(weight, taps.shape) * taps).sum(-1)
        np.testing.assert_allclose(gather_table(x, BATCH, pos, weight, np.empty((3, 3, 4))),
                                   expected, rtol=1e-12)
        g = rng.standard_normal((3, 3, 4))
        out = np.zeros((2, 3, 12))
        np.add.at(out, (BATCH[:, None, None, None], np.arange(3)[None, :, None, None],
                        np.broadcast_to(pos, taps.shape)),
                  np.broadcast_to(weight, taps.shape) * g[..., None])
        np.testing.assert_allclose(scatter_table(g, BATCH, pos, weight, np.empty((2, 3, 12))),
                                   out, rtol=1e-12)


# ---- boxes and nms ---------------------------------------------------------------------------

def random_boxes(rng, n, span=10.0):
    corner = rng.uniform(0, span, (n, 2))
    return np.concatenate([corner, corner + rng.uniform(0.5, span / 2, (n, 2))], 1)


def iou_reference(a, b):
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            w = max(min(p[2], q[2]) - max(p[0], q[0]), 0)
            h = max(min(p[3], q[3]) - max(p[1], q[1]), 0)
            area = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1])
            out[i, j] = w * h / (area - w * h)
    return out


def test_box_area_iou_and_convert_values():
    rng = np.random.default_rng(7)
    a, b = random_boxes(rng, 6), random_boxes(rng, 4)
    np.testing.assert_allclose(ops.box_area(a), (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))
    np.testing.assert_allclose(ops.box_iou(ag.tensor(a), b).numpy(), iou_reference(a, b),
                               rtol=1e-12)
    np.testing.assert_array_equal(ops.box_convert(np.array([[1., 2, 5, 8]]), "xyxy", "xywh"),
                                  [[1, 2, 4, 6]])
    np.testing.assert_array_equal(ops.box_convert(np.array([[1., 2, 5, 8]]), "xyxy", "cxcywh"),
                                  [[3, 5, 4, 6]])
    for f in detection.BOX_FORMATS:
        for g in detection.BOX_FORMATS:
            there = ops.box_convert(ops.box_convert(a, "xyxy", f), f, g)
            np.testing.assert_allclose(ops.box_convert(there, g, "xyxy"), a, rtol=1e-12)
    assert ops.box_convert(a[None], "xyxy", "cxcywh").shape == (1, 6, 4)


def nms_reference(boxes, scores, threshold, groups):
    """The definition: visit boxes by decreasing score; keep one unless a kept box of its group
    overlaps it by more than threshold."""
    kept = []
    for i in sorted(range(len(boxes)), key=lambda i: (-scores[i], i)):
        if all(groups[j] != groups[i] or iou_reference(boxes[[i]], boxes[[j]])[0, 0] <= threshold
               for j in kept):
            kept.append(i)
    return kept


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9])
def test_nms_and_batched_nms_match_the_greedy_definition(threshold):
    rng = np.random.default_rng(8)
    boxes, scores = random_boxes(rng, 60), rng.uniform(size=60)
    scores[5] = scores[9]                                              # a tie
    keep = ops.nms(ag.tensor(boxes), ag.tensor(scores), threshold)
    assert keep.dtype == np.int64
    assert keep.numpy().tolist() == nms_reference(boxes, scores, threshold, np.zeros(60))
    idxs = rng.integers(0, 3, 60)
    assert ops.batched_nms(boxes, scores, idxs, threshold).tolist() == \
        nms_reference(boxes, scores, threshold, idxs)


def test_nms_of_nothing_is_empty_int64():
    keep = ops.nms(ag.tensor(np.zeros((0, 4))), ag.tensor(np.zeros(0)), 0.5)
    assert keep.shape == (0,) and keep.dtype == np.int64
    assert ops.batched_nms(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int), 0.5).shape == (0,)


# ---- bad input -----------------------------------------------------------------------------------

def _roi(op, **kw):
    args = dict(input=np.zeros((2, 1, 4, 4)), boxes=ROWS5[:1], output_size=2)
    return lambda: getattr(ops, op)(**{**args, **kw})


@pytest.mark.parametrize("call,message", [
    (lambda: ops.box_area(np.array([[0, 0, -1, 2.0]])),
     "box_area: boxes[0] = [0.0, 0.0, -1.0, 2.0] has x2 < x1 or y2 < y1"),
    (lambda: ops.box_iou(np.zeros((2, 4)), np.array([[0, 3, 1, 2.0]])),
     "box_iou: boxes2[0] = [0.0, 3.0, 1.0, 2.0] has x2 < x1 or y2 < y1"),
    (lambda: ops.box_iou(np.zeros((2, 3)), np.zeros((2, 4))),
     "box_iou: expected boxes1 of shape (N, 4), got boxes1 of shape (2, 3)"),
    (lambda: ops.box_convert(np.zeros((2, 4)), "xyxy", "xyzw"),
     "box_convert: unknown box format 'xyzw'"),
    (lambda: ops.box_convert(np.zeros((2, 5)), "xyxy", "xywh"),
     "box_convert: expected boxes of shape (..., 4), got boxes of shape (2, 5)"),
    (lambda: ops.nms(np.zeros((3, 4)), np.zeros(2), 0.5),
     "nms: expected scores of shape (3,) for boxes of shape (3, 4), got scores of shape (2,)"),
    (lambda: ops.nms(np.zeros(4), np.zeros(1), 0.5),
     "nms: expected boxes of shape (N, 4), got boxes of shape (4,)"),
    (lambda: ops.batched_nms(np.zeros((3, 4)), np.zeros(3), np.zeros(3), 0.5),
     "batched_nms: expected integer idxs of shape (3,)"),
    (_roi("roi_pool", boxes=np.array([[0, 2, 0, 1, 3.0]])),
     "roi_pool: boxes[0] = [2.0, 0.0, 1.0, 3.0] has x2 < x1 or y2 < y1"),
    (_roi("roi_align", boxes=[np.zeros((1, 4)), np.array([[0, 2, 1, 1.0]])]),
     "roi_align: boxes[1][0] = [0.0, 2.0, 1.0, 1.0] has x2 < x1 or y2 < y1"),
    (_roi("roi_align", boxes=np.zeros((3, 4))),
     "roi_align: expected boxes of shape (K, 5) (rows [batch_index, x1, y1, x2, y2]) or a list"),
    (_roi("roi_pool", boxes=[np.zeros(4)]),
     "roi_pool: expected boxes[0] of shape (N, 4), got boxes[0] of shape (4,)"),
    (_roi("roi_pool", input=np.zeros((1, 4, 4))),
     "roi_pool: expected a floating input of shape (N, C, H, W), got float64 input of shape "
     "(1, 4, 4)"),
    (_roi("roi_align", input=np.zeros((1, 1, 4, 4), int)),
     "roi_align: expected a floating input of shape (N, C, H, W), got int64"),
    (_roi("roi_align", output_size=(2, 0)),
     "roi_align: output_size must be a positive int or 2 of them, got (2, 0)"),
])
def test_bad_input_raises_naming_the_op(call, message):
    raises_starting_with(call, message)


def test_batch_index_out_of_range_raises():
    with pytest.raises(IndexError, match=r"roi_pool: boxes\[1\] has batch index 2.0, but input "
                                         r"\(2, 1, 4, 4\) has batch size 2"):
        _roi("roi_pool", boxes=np.array([[0, 0, 0, 1, 1], [2, 0, 0, 1, 1.0]]))()
    with pytest.raises(IndexError, match="roi_align: boxes"):
        _roi("roi_align", boxes=[np.zeros((1, 4))] * 3)()
