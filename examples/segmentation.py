"""Semantic segmentation with a fully convolutional network (FCN, Long et al., 2015): label
every pixel of a canvas of handwritten digits with its digit class or background.

    python -m examples.segmentation --out fcn.png --plot fcn-curves.png
    python -m examples.segmentation --steps 100 --width 0.25       # a quicker, coarser run

The network is examples.models' ResNet-18 without its global pooling and linear layer (the
feature map is 1/32 of the input's side), a 1x1 convolution to the 11 classes (background +
10 digits), and a transposed convolution (kernel 64, stride 32, padding 16) that brings the
class scores back to the input's size, initialised to bilinear upsampling and trained with the
rest. The loss is the cross-entropy of every pixel. Data: canvases from examples/canvas.py
(scikit-learn's digits at random scales and places); each training batch is a random crop of
canvases drawn from a fixed pool. Reported on held-out canvases: pixel accuracy and the mean
over classes of intersection over union (IoU); the PNG shows input, truth and prediction in
class colours.
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import no_grad, tensor
from examples import models
from examples._common import (needs, parse_args, parser, plot, predict, save_figure,
                              seed_all, train)
from examples.canvas import digit_canvas, random_crop

CLASSES = 11                         # background + digits 0-9
STRIDE = 32                          # ResNet-18's downsampling: the stem's 4, then 2 x 2 x 2


def bilinear_kernel(channels, size):
    """A (channels, channels, size, size) weight with which a transposed convolution of
    stride size // 2 and padding size // 4 upsamples each channel on its own by bilinear
    interpolation. The 1-D profile is a tent 1 - |i - c| / f with centre c = (size - 1) / 2
    and half-width f = ceil(size / 2); the 2-D kernel is its outer product, placed on the
    diagonal (channel i feeds only channel i)."""
    f = (size + 1) // 2
    tent = 1 - np.abs(np.arange(size) - (size - 1) / 2) / f
    weight = np.zeros((channels, channels, size, size), np.float32)
    weight[np.arange(channels), np.arange(channels)] = np.outer(tent, tent)
    return weight


class FCN(nn.Module):
    """ResNet-18 features (width-scaled) -> 1x1 conv to `classes` -> transposed conv x32.
    Input (N, in_channels, H, W) with H and W multiples of 32; output scores (N, classes, H, W)."""

    def __init__(self, in_channels=1, classes=CLASSES, width=0.5):
        super().__init__()
        resnet = models.resnet18(in_channels, classes, width)
        self.backbone = resnet[:-3]              # without AdaptiveAvgPool2d, Flatten, Linear
        self.classifier = nn.Conv2d(resnet[-1].in_features, classes, 1)
        self.upsample = nn.ConvTranspose2d(classes, classes, 2 * STRIDE, STRIDE, STRIDE // 2)
        with no_grad():
            self.upsample.weight.copy_(tensor(bilinear_kernel(classes, 2 * STRIDE)))

    def forward(self, x):
        return self.upsample(self.classifier(self.backbone(x)))


def confusion(truth, pred, classes=CLASSES):
    """The (classes, classes) count matrix of (true class, predicted class) over all pixels."""
    return np.bincount(truth.ravel() * classes + pred.ravel(),
                       minlength=classes * classes).reshape(classes, classes)


def scores(matrix):
    """(pixel accuracy, mean IoU) from a confusion matrix; the mean runs over the classes
    that occur in the truth or the prediction (IoU = TP / (TP + FP + FN))."""
    tp = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - tp
    present = union > 0
    return tp.sum() / matrix.sum(), float(np.mean(tp[present] / union[present]))


def colours(masks):
    """Class masks (..., H, W) as RGB (..., H, W, 3): background black, digits in tab10."""
    palette = np.vstack([[0, 0, 0], needs("matplotlib").colormaps["tab10"](np.arange(10))[:, :3]])
    return palette[masks]


def show(images, truth, pred, path, title=""):
    """A grid of rows (input, truth, prediction) for each image, to `path`."""
    needs("matplotlib").use("Agg")
    plt = needs("matplotlib.pyplot")
    n = len(images)
    fig, axes = plt.subplots(3, n, figsize=(1.8 * n, 5.8), squeeze=False)
    rows = (("input", images[:, 0], dict(cmap="gray", vmin=0, vmax=1)),
            ("truth", colours(truth), {}), ("prediction", colours(pred), {}))
    for r, (name, pictures, style) in enumerate(rows):
        axes[r, 0].set_ylabel(name)
        for ax, picture in zip(axes[r], pictures):
            ax.imshow(picture, **style)
            ax.set_xticks([])
            ax.set_yticks([])
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours(np.arange(CLASSES))]
    fig.legend(handles, ["bg"] + [str(d) for d in range(10)], loc="lower center", ncol=CLASSES,
               fontsize="small", frameon=False)
    fig.suptitle(title)
    save_figure(fig, path, rect=(0, 0.05, 1, 1))


def run(steps=600, width=0.5, size=64, canvas=80, batch_size=16, pool=2000, held_out=200,
        lr=2e-3, seed=0, quiet=False):
    """Train an FCN on random size x size crops of a pool of canvas x canvas digit canvases
    (Adam, cosine-annealed) for `steps` steps. Returns (model, History with held-out pixel
    accuracy and mean IoU, (held-out images, masks, predicted masks))."""
    if size % STRIDE:
        raise ValueError(f"segmentation: the crop size must be a multiple of {STRIDE}, got {size}")
    rng = seed_all(seed)
    images, masks, _ = digit_canvas(pool, canvas, max_digits=3, rng=rng)
    test_images, test_masks, _ = digit_canvas(held_out, size, max_digits=3, rng=seed + 1000)
    model = FCN(1, CLASSES, width)
    optimizer = optim.Adam(model.parameters(), lr=lr)

    def loss_at(step):
        idx = rng.integers(0, pool, batch_size)
        x, y = random_crop(images[idx], masks[idx], size, rng)
        return F.cross_entropy(model(tensor(x)), y)           # scores (B, 11, H, W), y (B, H, W)

    def evaluate():
        pred = predict(model, test_images, 50).argmax(1)
        accuracy, miou = scores(confusion(test_masks, pred))
        return {"pixel acc %": 100 * accuracy, "mean IoU %": 100 * miou}

    history = train(model, optimizer, loss_at, steps, evaluate, eval_every=max(1, steps // 6),
                    scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, steps),
                    name="fcn", quiet=quiet)
    pred = predict(model, test_images, 50).argmax(1)
    return model, history, (test_images, test_masks, pred)


def main(argv=None):
    p = parser(__doc__, steps=600)
    p.add_argument("--width", type=float, default=0.5,
                   help="ResNet-18 channel scale (1.0 is the paper's 64-512; default 0.5)")
    p.add_argument("--size", type=int, default=64, help="training crop and held-out canvas "
                   "side, a multiple of 32 (default 64)")
    p.add_argument("--canvas", type=int, default=80, help="side of the canvases cropped for "
                   "training (default 80)")
    p.add_argument("--batch", type=int, default=16, help="crops per step (default 16)")
    p.add_argument("--pool", type=int, default=2000, help="training canvases (default 2000)")
    p.add_argument("--held-out", type=int, default=200, help="test canvases (default 200)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate (default 2e-3)")
    p.add_argument("--out", metavar="OUT.png", help="save input / truth / prediction here")
    args = parse_args(p, argv)
    _, history, (images, truth, pred) = run(
        args.steps, args.width, args.size, args.canvas, args.batch, args.pool, args.held_out,
        args.lr, args.seed)
    accuracy, miou = history.last("pixel acc %"), history.last("mean IoU %")
    print(f"FCN (ResNet-18 x{args.width}), {args.steps} steps of {args.batch} crops "
          f"{args.size}x{args.size}: loss {history.losses[0]:.3f} -> "
          f"{np.mean(history.losses[-20:]):.3f}; held-out ({args.held_out} canvases) pixel "
          f"accuracy {accuracy:.1f}%, mean IoU {miou:.1f}% ({history.seconds:.0f} s)")
    if args.out:
        show(images[:8], truth[:8], pred[:8], args.out,
             f"FCN: pixel accuracy {accuracy:.1f}%, mean IoU {miou:.1f}%")
    if args.plot:
        plot([history], args.plot, "FCN segmentation")
    return history


if __name__ == "__main__":
    main()
