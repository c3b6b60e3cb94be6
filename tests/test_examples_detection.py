"""examples/detection.py: the SSD's shapes, the mAP and proposal helpers on cases worked by hand,
and a short training run (seconds) whose losses fall and whose pictures are written. Needs the
`examples` extra (scikit-learn for the digits, tqdm, matplotlib); skips cleanly without it."""
import numpy as np
import pytest

from autograd import tensor
from test_examples import needs_jit, one_blas_thread  # noqa: F401 (one_blas_thread: autouse)

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
from examples import detection  # noqa: E402  (after the skips: it imports tqdm's users)

LABELS = np.array([[[3, 0.1, 0.1, 0.3, 0.4], [5, 0.5, 0.5, 0.7, 0.9]],
                   [[3, 0.2, 0.2, 0.4, 0.6], [-1, -1, -1, -1, -1]]], np.float32)


def test_tiny_ssd_shapes():
    model = detection.TinySSD(width=8)
    features, anchors, scores, offsets = model(tensor(np.zeros((2, 1, 64, 64), np.float32)))
    a = (16 * 16 + 8 * 8 + 4 * 4) * 4                     # 4 anchors per cell on 3 scales
    assert features.shape == (2, 8, 16, 16) and anchors.shape == (1, a, 4)
    assert scores.shape == (2, a, 11) and offsets.shape == (2, a * 4)


def _detections(rows):
    """(n, A, 6) detections from per-image lists of rows, padded with class -1."""
    out = np.full((len(rows), max(map(len, rows)), 6), -1.0)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def test_average_precision_by_hand():
    perfect = _detections([[[3, 0.9, 0.1, 0.1, 0.3, 0.4], [5, 0.8, 0.5, 0.5, 0.7, 0.9]],
                           [[3, 0.7, 0.2, 0.2, 0.4, 0.6]]])
    assert detection.average_precision(perfect, LABELS) == 1.0
    # class 3: a miss scored above both hits: precision 1/2 at recall 1/2, 2/3 at recall 1,
    # AP = (0.5 + 1) / 2 * 2/3 = 2/3; class 5: a duplicate after the hit changes nothing (1)
    worse = _detections([[[3, 0.95, 0.6, 0.1, 0.8, 0.3], [3, 0.9, 0.1, 0.1, 0.3, 0.4],
                          [5, 0.8, 0.5, 0.5, 0.7, 0.9], [5, 0.7, 0.5, 0.5, 0.7, 0.9]],
                         [[3, 0.7, 0.2, 0.2, 0.4, 0.6]]])
    assert detection.average_precision(worse, LABELS) == pytest.approx((2 / 3 + 1) / 2)


def test_proposals_are_labelled_by_overlap():
    rois, classes = detection.proposals(LABELS, np.random.default_rng(0), jitter=0.01,
                                        per_box=2, random=0)
    assert rois.shape == (6, 5) and rois[:, 0].tolist() == [0, 0, 0, 0, 1, 1]
    assert classes.tolist() == [4, 4, 6, 6, 4, 4]                 # 1 + digit: IoU near 1
    rois, classes = detection.proposals(LABELS, np.random.default_rng(0), per_box=0, random=5)
    assert ((rois[:, 1:] >= 0) & (rois[:, 1:] <= 1)).all() and rois.shape == (10, 5)
    rois, classes = detection.proposals(LABELS[:, 1:] * 0 - 1, np.random.default_rng(0))
    assert rois.shape == (4, 5) and not classes.any()           # images without digits


@needs_jit
@pytest.mark.parametrize("roi", ["pool", "align"])
def test_short_run_losses_fall_and_pictures_are_written(roi, tmp_path):
    pytest.importorskip("matplotlib")
    boxes, curves = tmp_path / "boxes.png", tmp_path / "curves.png"
    h = detection.main(["--steps", "16", "--batch-size", "8", "--train-size", "48",
                        "--test-size", "8", "--width", "8", "--roi", roi, "--out", str(boxes),
                        "--plot", str(curves)])
    for part in ("class", "region"):
        losses = h.parts[part]
        assert np.mean(losses[:3]) > np.mean(losses[-3:]), part
    assert 0 <= h.last("mAP@0.5") <= 1 and 0 <= h.last("region acc %") <= 100
    assert boxes.stat().st_size > 1000 and curves.stat().st_size > 1000


@needs_jit
def test_the_pytorch_twin_takes_the_same_steps():
    pytest.importorskip("torch")
    from examples import detection_torch
    ours, theirs, _, _ = detection_torch.run(steps=3, batch_size=4, train_size=8, width=8,
                                             threads=1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)      # float32 round-off, through Adam
    assert ours[-1] < ours[0]
