"""The vision examples of issue 16: digits on a canvas (the shared data), style transfer,
FCN segmentation and the perceptron chapter. Short runs at tiny sizes: losses fall and the
PNG is written. Tests needing the `examples` extra (scikit-learn, tqdm, matplotlib) or torch
skip cleanly without them."""
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

pytest.importorskip("sklearn")

# CNN training runs call the conv kernels hundreds of times: minutes as plain Python
needs_jit = pytest.mark.skipif(numba.config.DISABLE_JIT,
                               reason="NUMBA_DISABLE_JIT=1: CNN training runs take minutes")


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


def test_shuffled_batches_cover_every_epoch_once():
    from examples._common import shuffled_batches
    batch = shuffled_batches(10, 4, np.random.default_rng(0))
    assert batch.per_epoch == 3
    epochs = [np.concatenate([batch(step) for step in range(e * 3, e * 3 + 3)]) for e in (0, 1)]
    assert [len(batch(s)) for s in range(6, 9)] == [4, 4, 2]
    assert all(sorted(e) == list(range(10)) for e in epochs) and (epochs[0] != epochs[1]).any()


def test_perceptron_cli_mlp_solves_xor_and_writes_the_png(tmp_path, capsys):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    from examples import perceptron
    out = tmp_path / "perceptron.png"
    _, _, histories = perceptron.main(["--epochs", "30", "--points", "24", "--threads", "1",
                                       "--plot", str(out)])
    assert out.stat().st_size > 10_000
    assert [h.name for h in histories] == ["online", "mini-batch 10", "full batch"]
    for h in histories:                                       # every schedule's loss falls
        losses = h.metrics["loss (all points)"]
        assert losses[-1] < 0.5 * losses[0]
    assert "XOR accuracy 100%" in capsys.readouterr().out


TINY_STYLE = ["--size", "32", "--width", "0.125", "--steps", "6", "--threads", "1"]


@needs_jit
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_style_transfer_losses_fall_and_the_pngs_are_written(optimizer, tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    from examples import style_transfer
    out, curves = tmp_path / "styled.png", tmp_path / "curves.png"
    picture, history = style_transfer.main(TINY_STYLE + ["--optimizer", optimizer, "--out",
                                                         str(out), "--plot", str(curves)])
    assert picture.shape == (32, 48, 3) and 0 <= picture.min() and picture.max() <= 1
    assert out.stat().st_size > 1000 and curves.stat().st_size > 10_000
    assert history["content"][0] == 0                        # it starts from the content
    for key in ("style", "total"):
        assert history[key][-1] < history[key][0], key


@needs_jit
def test_style_transfer_from_noise_lowers_all_three_losses():
    pytest.importorskip("tqdm")
    from examples import style_transfer
    _, history = style_transfer.main(TINY_STYLE + ["--init", "noise", "--content-weight", "100"])
    for key in ("content", "style", "tv", "total"):
        assert history[key][-1] < history[key][0], key


def test_style_transfer_layers_are_vgg19s():
    from examples.style_transfer import CONTENT_LAYER, STYLE_LAYERS, vgg19_features
    features = vgg19_features(0.0625)
    assert len(features) == 37 and len(features.state_dict()) == 32    # 16 convolutions
    kinds = [type(layer).__name__ for layer in features]
    blocks = "".join("|" if k == "MaxPool2d" else "c" if k == "Conv2d" else "" for k in kinds)
    assert blocks == "cc|cc|cccc|cccc|cccc|"
    # the ReLU after the first convolution of each block, and after the last of block 4
    assert [kinds[i - 1] for i in STYLE_LAYERS + (CONTENT_LAYER,)] == ["Conv2d"] * 6
    assert [i - 1 for i in STYLE_LAYERS] == [0, 5, 10, 19, 28] and CONTENT_LAYER - 1 == 25


def _torch_vgg19_features(torch, width):
    """vgg19().features' layout in torch, channels scaled by `width` (torchvision is not
    installed here): the reference whose state dict --weights must load."""
    layers, n_in = [], 3
    for convs, channels in ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512)):
        for _ in range(convs):
            layers += [torch.nn.Conv2d(n_in, int(channels * width), 3, padding=1),
                       torch.nn.ReLU(inplace=True)]
            n_in = int(channels * width)
        layers.append(torch.nn.MaxPool2d(kernel_size=2, stride=2))
    return torch.nn.Sequential(*layers)


@needs_jit
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
@pytest.mark.parametrize("whole", [False, True], ids=["features", "whole-vgg"])
def test_style_transfer_loads_torch_weights(tmp_path, suffix, whole):
    """A state dict saved by torch (a small VGG-19 of torchvision's layout, as the README's
    conversion line writes it) loads through --weights' path, and the style and content
    features then equal torch's."""
    torch = pytest.importorskip("torch")
    from autograd import no_grad, tensor
    from examples.style_transfer import CONTENT_LAYER, STYLE_LAYERS, extract, load_weights
    torch.manual_seed(0)
    reference = _torch_vgg19_features(torch, 0.0625)
    state = {("features." if whole else "") + k: v for k, v in reference.state_dict().items()}
    if whole:
        state["classifier.0.weight"] = torch.zeros(3, 5)      # dropped on loading
    path = tmp_path / f"vgg{suffix}"
    if suffix == ".npz":
        np.savez(path, **{k: v.numpy() for k, v in state.items()})
    else:
        pytest.importorskip("safetensors.torch").save_file(state, path)
    features = load_weights(str(path))
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    layers = sorted(STYLE_LAYERS + (CONTENT_LAYER,))
    with no_grad():
        ours = extract(features, tensor(x), layers)
    with torch.no_grad():
        y, theirs = torch.from_numpy(x), []
        for i, layer in enumerate(reference[:max(layers) + 1]):
            y = layer(y)
            if i in layers:
                theirs.append(y.numpy().copy())
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-4, atol=1e-5)


def test_style_transfer_refuses_a_file_without_vgg_features(tmp_path):
    from examples.style_transfer import load_weights
    path = tmp_path / "other.npz"
    np.savez(path, **{"fc.weight": np.zeros((2, 2), np.float32)})
    with pytest.raises(ValueError, match=r"style_transfer: .*other.npz' holds no VGG features"):
        load_weights(str(path))


def test_style_transfer_refuses_an_unknown_optimizer():
    from examples.style_transfer import transfer, vgg19_features
    x = np.zeros((1, 3, 8, 8), np.float32)
    with pytest.raises(ValueError, match="style_transfer: optimizer must be .* "
                                         "got optimizer='sgd', init='content'"):
        transfer(vgg19_features(0.0625), x, x, optimizer="sgd")


def test_style_transfer_gram_and_total_variation():
    from autograd import tensor
    from examples.style_transfer import gram, postprocess, preprocess, total_variation
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 5))
    flat = x.reshape(3, 20)
    np.testing.assert_allclose(gram(tensor(x)).numpy(), flat @ flat.T / 60)
    tv = 0.5 * (np.abs(np.diff(x, axis=2)).mean() + np.abs(np.diff(x, axis=3)).mean())
    assert total_variation(tensor(x)).item() == pytest.approx(tv)
    rgb = np.random.default_rng(1).random((4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(postprocess(preprocess(rgb)), rgb, atol=1e-6)


def test_bilinear_kernel_makes_the_transposed_conv_interpolate():
    """Stride 2, kernel 4, padding 1: inside the border, the transposed convolution with
    the kernel is bilinear interpolation (half-pixel centres); channels stay apart."""
    import nn.functional as F
    from autograd import tensor
    from examples.segmentation import bilinear_kernel
    x = np.random.default_rng(0).random((1, 2, 5, 6)).astype(np.float32)
    up = F.conv_transpose2d(tensor(x), tensor(bilinear_kernel(2, 4)), stride=2, padding=1)
    ref = F.interpolate(tensor(x), scale_factor=2, mode="bilinear", align_corners=False)
    assert up.shape == (1, 2, 10, 12)
    np.testing.assert_allclose(up.numpy()[..., 1:-1, 1:-1], ref.numpy()[..., 1:-1, 1:-1],
                               rtol=1e-6)


def test_pixel_accuracy_and_mean_iou():
    from examples.segmentation import confusion, scores
    truth = np.array([[0, 0, 1, 1], [0, 0, 2, 2]])
    pred = np.array([[0, 1, 1, 1], [0, 0, 2, 0]])
    matrix = confusion(truth, pred, classes=4)
    assert matrix.sum() == 8 and matrix[0, 1] == 1 and matrix[2, 0] == 1
    accuracy, miou = scores(matrix)
    # IoU: background 3 / 5, class 1 2 / 3, class 2 1 / 2; class 3 absent from both: left out
    assert accuracy == 6 / 8 and miou == pytest.approx((3 / 5 + 2 / 3 + 1 / 2) / 3)


@needs_jit
def test_segmentation_short_run_learns_and_writes_the_pngs(tmp_path, capsys):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    from examples import segmentation
    out, curves = tmp_path / "fcn.png", tmp_path / "curves.png"
    history = segmentation.main(["--steps", "8", "--width", "0.125", "--pool", "32",
                                 "--canvas", "40", "--size", "32", "--held-out", "6",
                                 "--batch", "4", "--threads", "1", "--out", str(out),
                                 "--plot", str(curves)])
    assert np.mean(history.losses[-2:]) < history.losses[0]
    assert 0 <= history.last("mean IoU %") <= 100 and 0 <= history.last("pixel acc %") <= 100
    assert out.stat().st_size > 10_000 and curves.stat().st_size > 10_000
    assert "pixel accuracy" in capsys.readouterr().out


@needs_jit
def test_fcn_gives_scores_at_the_input_size_and_refuses_other_sizes():
    from autograd import no_grad, tensor
    from examples.segmentation import FCN, run
    with no_grad():
        scores = FCN(1, 11, width=0.125)(tensor(np.zeros((2, 1, 64, 96), np.float32)))
    assert scores.shape == (2, 11, 64, 96)
    with pytest.raises(ValueError, match="segmentation: the crop size must be a multiple of 32"):
        run(size=48)


@pytest.mark.parametrize("name", ["perceptron", "segmentation", "style_transfer",
                                  "vision_torch"])
def test_help_runs_by_path_and_shows_the_docstring(name):
    """`python examples/NAME.py --help` works from a checkout and starts with the first
    paragraph of the example's docstring."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, os.path.join("examples", f"{name}.py"), "--help"],
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    module = __import__(f"examples.{name}", fromlist=["main"])
    first = module.__doc__.strip().split("\n\n")[0]
    assert "".join(first.split()) in "".join(done.stdout.split())     # rewrapped
    assert "--seed" in done.stdout and ("--plot" in done.stdout) == (name != "vision_torch")


@needs_jit
def test_the_models_run_under_torch_by_swapping_imports():
    """examples.vision_torch builds the FCN and the MLP from the examples' own source with
    torch's modules: same state-dict names and shapes, same outputs from the same weights;
    tapegrad's modules are back in place afterwards."""
    torch = pytest.importorskip("torch")
    import nn
    from autograd import no_grad, tensor
    from examples import models, vision_torch
    pairs = vision_torch.twins(width=0.125, hidden=4)
    assert sys.modules["nn"] is nn and sys.modules["examples.models"] is models
    x = {"fcn": np.random.default_rng(0).random((2, 1, 64, 32)).astype(np.float32),
         "mlp": np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)}
    for name, (ours, theirs) in pairs.items():
        assert isinstance(theirs, torch.nn.Module) and not isinstance(ours, torch.nn.Module)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        ours.eval()
        theirs.eval()
        with no_grad(), torch.no_grad():
            np.testing.assert_allclose(ours(tensor(x[name])).numpy(),
                                       theirs(torch.from_numpy(x[name])).numpy(),
                                       rtol=1e-4, atol=1e-5)


@needs_jit
def test_vision_torch_cli_prints_both_engines(capsys):
    pytest.importorskip("torch")
    from examples import vision_torch
    vision_torch.main(["--width", "0.125", "--batch", "2", "--rounds", "1", "--threads", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert "tapegrad ms" in lines[0] and len(lines) == 3
