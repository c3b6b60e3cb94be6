"""Anchor utilities (ops/anchors.py), on the course's worked examples and small cases computed
by hand. They are not differentiable, so they have no gradient rows."""
import numpy as np
import pytest

import autograd as ag
import ops
from ops.anchors import anchor_offsets, offset_inverse
from gradrows import raises_starting_with

# the anchor-box chapter's example: a dog (class 0) and a cat (class 1), five anchors
GROUND_TRUTH = np.array([[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]])
ANCHORS = np.array([[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
                    [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]])


def test_multibox_prior_by_hand():
    data = ag.tensor(np.zeros((1, 3, 2, 4), np.int64))
    anchors = ops.multibox_prior(data, sizes=[0.5], ratios=[1, 4])
    assert isinstance(anchors, ag.Tensor) and anchors.dtype == np.float32
    assert anchors.shape == (1, 2 * 4 * 2, 4)
    # cell (0, 0) has centre (1/8, 1/4); ratio 1: width 0.5 * 2 / 4, height 0.5; ratio 4:
    # width 0.5 * 2 * 2 / 4, height 0.5 / 2
    np.testing.assert_allclose(anchors.numpy()[0, :2], [[0, 0, 0.25, 0.5],
                                                        [-0.125, 0.125, 0.375, 0.375]])
    cells = anchors.numpy()[0].reshape(2, 4, 2, 4)                 # (H, W, anchors, xyxy)
    centres = (cells[..., :2] + cells[..., 2:]) / 2
    np.testing.assert_allclose(centres[1, 3, 1], [7 / 8, 3 / 4])


def test_multibox_prior_counts_n_plus_m_minus_1_per_cell():
    anchors = ops.multibox_prior(np.zeros((5, 7)), sizes=[0.75, 0.5, 0.25], ratios=[1, 2, 0.5])
    assert anchors.shape == (1, 5 * 7 * 5, 4) and anchors.dtype == np.float64
    wh = (anchors[0, :5, 2:] - anchors[0, :5, :2]) * [7, 5]       # in pixels
    np.testing.assert_allclose(wh[:, 0] / wh[:, 1], [1, 1, 1, 2, 0.5])   # the ratios
    np.testing.assert_allclose(wh[:3, 1], [0.75 * 5, 0.5 * 5, 0.25 * 5])


def test_multibox_target_on_the_course_example():
    labels = np.concatenate([GROUND_TRUTH, [[-1, 0, 0, 0, 0]]])[None]    # one padding row
    offsets, mask, classes = ops.multibox_target(ag.tensor(ANCHORS[None]), ag.tensor(labels))
    # greedy: anchor 1 <-> dog and anchor 2 <-> cat overlap most; anchor 4 has IoU >= 0.5
    # with the cat
    assert classes.numpy().tolist() == [[0, 1, 2, 0, 2]]
    assert mask.numpy().tolist() == [[0] * 4 + [1] * 8 + [0] * 4 + [1] * 4]
    expected = np.zeros((5, 4))
    for a, b in [(1, 0), (2, 1), (4, 1)]:
        (a_lo, a_hi), (b_lo, b_hi) = ANCHORS[a].reshape(2, 2), GROUND_TRUTH[b, 1:].reshape(2, 2)
        wh_a, wh_b = a_hi - a_lo, b_hi - b_lo                       # (width, height)
        expected[a] = np.r_[((b_lo + b_hi) - (a_lo + a_hi)) / 2 / wh_a / 0.1,
                            np.log(wh_b / wh_a) / 0.2]
    np.testing.assert_allclose(offsets.numpy(), expected.reshape(1, -1), rtol=1e-5, atol=1e-6)
    assert offsets.dtype == mask.dtype == np.float32 and classes.dtype == np.int64


def test_multibox_target_per_image_and_without_objects():
    labels = np.stack([np.concatenate([GROUND_TRUTH[1:], -np.ones((1, 5))]),
                       -np.ones((2, 5))])
    offsets, mask, classes = ops.multibox_target(ANCHORS, labels)
    assert offsets.shape == mask.shape == (2, 20) and classes.shape == (2, 5)
    assert classes[0].tolist() == [0, 0, 2, 0, 2]                   # the cat alone
    assert not classes[1].any() and not mask[1].any() and not offsets[1].any()


def test_offsets_and_their_inverse_round_trip():
    boxes = offset_inverse(ANCHORS, anchor_offsets(ANCHORS, GROUND_TRUTH[[0, 1, 1, 0, 1], 1:]))
    np.testing.assert_allclose(boxes, GROUND_TRUTH[[0, 1, 1, 0, 1], 1:], rtol=1e-12)


def test_multibox_detection_on_the_course_example():
    anchors = np.array([[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95],
                        [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]])
    probs = np.array([[0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]])    # bg, dog, cat
    out = ops.multibox_detection(ag.tensor(probs[None]), ag.tensor(np.zeros((1, 16))),
                                 ag.tensor(anchors[None]), nms_threshold=0.5)
    assert out.shape == (1, 4, 6)
    # the dog at 0.9 suppresses the two other dog boxes; the cat stays
    np.testing.assert_allclose(out.numpy()[0], [[0, 0.9, *anchors[0]], [1, 0.9, *anchors[3]],
                                                [-1, 0.8, *anchors[1]], [-1, 0.7, *anchors[2]]])
    low = ops.multibox_detection(probs[None] * 0.001, np.zeros((1, 16)), anchors[None])
    assert (low[0, :, 0] == -1).all()                   # below pos_threshold: background,
    np.testing.assert_allclose(low[0, 0, 1], 1 - 0.0009)   # with score 1 - p


@pytest.mark.parametrize("call,message", [
    (lambda: ops.multibox_prior(np.zeros(3), [0.5], [1]),
     "multibox_prior: expected data with at least 2 dims"),
    (lambda: ops.multibox_prior(np.zeros((2, 2)), [0.5], [0, 1]),
     "multibox_prior: sizes and ratios must be positive"),
    (lambda: ops.multibox_target(ANCHORS, GROUND_TRUTH),
     "multibox_target: expected anchors (1, A, 4) and labels (batch, max_objects, 5), got "
     "anchors (5, 4) and labels (2, 5)"),
    (lambda: ops.multibox_detection(np.zeros((1, 3, 4)), np.zeros((1, 12)), ANCHORS[None]),
     "multibox_detection: expected cls_probs (batch, classes + 1, 5) and offset_preds (batch, "
     "20)"),
])
def test_bad_input_raises_naming_the_op(call, message):
    raises_starting_with(call, message)
