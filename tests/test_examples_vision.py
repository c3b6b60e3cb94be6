"""The vision examples of issue 16: digits on a canvas (the shared data), style transfer,
FCN segmentation and the perceptron chapter. Short runs at tiny sizes: losses fall and the
PNG is written. Tests needing the `examples` extra (scikit-learn, tqdm, matplotlib) or torch
skip cleanly without them."""
import numpy as np
import pytest

pytest.importorskip("sklearn")


def test_digit_canvas_shapes_masks_and_boxes_agree():
    from examples.canvas import digit_canvas
    images, masks, labels = digit_canvas(40, size=48, max_digits=3, rng=0)
    assert images.shape == (40, 1, 48, 48) and images.dtype == np.float32
    assert masks.shape == (40, 48, 48) and masks.dtype == np.int64
    assert labels.shape == (40, 3, 5) and labels.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1 and 0 <= masks.min() and masks.max() <= 10
    for image_masks, rows in zip(masks, labels):
        real = rows[rows[:, 0] >= 0]
        assert len(real) >= 1 and (rows[len(real):] == -1).all()   # padding after the digits
        seen = np.zeros_like(image_masks, bool)
        for digit, x1, y1, x2, y2 in real:
            assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
            c1, r1, c2, r2 = (np.array([x1, y1, x2, y2]) * 48).round().astype(int)
            inside = image_masks[r1:r2, c1:c2] == digit + 1
            # the box is tight: ink on each of its four edges
            assert all(edge.any() for edge in (inside[0], inside[-1], inside[:, 0], inside[:, -1]))
            seen[r1:r2, c1:c2] |= inside
        assert (seen == (image_masks > 0)).all()              # every ink pixel is in its box


def test_digit_canvas_is_reproducible_and_checks_its_arguments():
    from examples.canvas import digit_canvas
    a, b = digit_canvas(3, rng=5), digit_canvas(3, rng=np.random.default_rng(5))
    assert all((x == y).all() for x, y in zip(a, b))
    with pytest.raises(ValueError, match="digit_canvas.*min_scale=0.6, max_scale=0.5"):
        digit_canvas(2, min_scale=0.6, max_scale=0.5)


def test_random_crop_keeps_images_and_masks_aligned():
    from examples.canvas import random_crop
    rng = np.random.default_rng(0)
    images = np.arange(2 * 2 * 10 * 12, dtype=np.float32).reshape(2, 2, 10, 12)
    masks = images[:, 0].astype(np.int64)
    crops, crop_masks = random_crop(images, masks, 6, rng)
    assert crops.shape == (2, 2, 6, 6) and crop_masks.shape == (2, 6, 6)
    assert (crops[:, 0] == crop_masks).all()
    assert (np.diff(crops[:, 0], axis=2) == 1).all() and (np.diff(crops[:, 0], axis=1) == 12).all()
    with pytest.raises(ValueError, match="random_crop: crop 11 larger than the images"):
        random_crop(images, masks, 11, rng)


def test_perceptron_converges_on_separable_data_and_fails_on_xor():
    from examples import perceptron
    rng = np.random.default_rng(0)
    x, y = perceptron.separable(50, rng)
    w, b, mistakes = perceptron.perceptron(x, y, 100)
    assert mistakes[-1] == 0 and (np.sign(x @ w + b) == y).all()
    x, y = perceptron.xor(40, rng)
    w, b, mistakes = perceptron.perceptron(x, y, 30)
    assert len(mistakes) == 30 and min(mistakes) > 0


def test_perceptron_cli_mlp_solves_xor_and_writes_the_png(tmp_path, capsys):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    from examples import perceptron
    out = tmp_path / "perceptron.png"
    _, _, histories = perceptron.main(["--epochs", "30", "--points", "24", "--plot", str(out)])
    assert out.stat().st_size > 10_000
    assert [h.name for h in histories] == ["online", "mini-batch 10", "full batch"]
    for h in histories:                                       # every schedule's loss falls
        losses = h.metrics["loss (all points)"]
        assert losses[-1] < 0.5 * losses[0]
    assert "XOR accuracy 100%" in capsys.readouterr().out
