"""Object detection: the course's single-shot multibox detector (SSD) on digits pasted on a
canvas, with a Fast R-CNN-style region classifier on RoI pooling beside it, reporting mAP@0.5
on held-out canvases.

    python -m examples.detection                                  # about 1500 steps
    python -m examples.detection --steps 300 --out boxes.png --plot curves.png

The SSD: a base net of two down-sampling blocks (two 3x3 conv + batch norm + ReLU, then 2x2
max pooling) takes the 64x64 canvas to a 16x16 feature map; two more blocks give 8x8 and 4x4
maps. On each scale, multibox_prior places anchors on every cell (two sizes per scale, ratios
0.6, 0.4 and 1 as width/height: digits are taller than wide), a 3x3 conv predicts a * (q + 1)
class scores and another a * 4 box offsets per cell; the predictions of all scales are
flattened and concatenated. multibox_target labels the anchors; the loss is cross-entropy on
the classes of all anchors plus L1 on the offsets of the assigned ones (the course's). At
inference, softmax, multibox_detection (offsets applied, class-agnostic NMS) and the kept boxes
are scored by mean average precision at IoU 0.5 over the 10 digit classes.

The region classifier reads the same 16x16 features: proposals are the ground-truth boxes
jittered (shifted and rescaled) plus random boxes, each labelled with the digit of the box it
overlaps with IoU >= 0.5, or background; roi_pool (or roi_align with --roi align) turns each
into a 4x4 map that a two-layer MLP classifies. Its cross-entropy is added to the SSD's loss,
so the base net learns from both; its held-out accuracy is reported.
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import ops
import optim
from autograd import no_grad, tensor
from examples._common import (needs, parse_args, parser, plot, save_figure, seed_all,
                              train)
from examples.canvas import digit_canvas

CLASSES = 10
SIZES = [(0.18, 0.24), (0.3, 0.38), (0.46, 0.56)]       # per scale: 16x16, 8x8, 4x4 maps
RATIOS = (0.6, 0.4, 1.0)
ROI_SIZE = 4


def down_block(n_in, n_out):
    """The course's down-sampling block: (3x3 conv, batch norm, ReLU) twice, then 2x2 max
    pooling, which halves height and width."""
    layers = []
    for c in (n_in, n_out):
        layers += [nn.Conv2d(c, n_out, 3, padding=1), nn.BatchNorm2d(n_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


def flat(pred):
    """A head's (B, channels, H, W) output as (B, H * W * channels), cell by cell, as the
    anchors are ordered."""
    return pred.permute(0, 2, 3, 1).reshape(pred.shape[0], -1)


class TinySSD(nn.Module):
    """Base net to a 16x16 map, then 8x8 and 4x4 maps; a class head (a * (q + 1) channels)
    and a box head (a * 4 channels) on each. forward(x) returns the 16x16 features, the
    anchors (1, A, 4), class scores (B, A, q + 1) and offsets (B, A * 4)."""

    def __init__(self, width=16, num_classes=CLASSES):
        super().__init__()
        self.num_classes = num_classes
        channels = [width, 2 * width, 2 * width]
        self.base = nn.Sequential(down_block(1, width // 2), down_block(width // 2, width))
        self.blocks = nn.ModuleList([down_block(width, 2 * width),
                                     down_block(2 * width, 2 * width)])
        a = len(SIZES[0]) + len(RATIOS) - 1
        self.cls = nn.ModuleList([nn.Conv2d(c, a * (num_classes + 1), 3, padding=1)
                                  for c in channels])
        self.box = nn.ModuleList([nn.Conv2d(c, a * 4, 3, padding=1) for c in channels])

    def forward(self, x):
        features = f = self.base(x)
        anchors, scores, offsets = [], [], []
        for i, sizes in enumerate(SIZES):
            if i:
                f = self.blocks[i - 1](f)
            anchors.append(ops.multibox_prior(f, sizes, RATIOS).numpy())
            scores.append(flat(self.cls[i](f)))
            offsets.append(flat(self.box[i](f)))
        scores = ops.cat(scores, dim=1)
        return (features, np.concatenate(anchors, 1),
                scores.reshape(scores.shape[0], -1, self.num_classes + 1), ops.cat(offsets, dim=1))


class RegionHead(nn.Module):
    """Fast R-CNN's head, small: each proposal's features pooled to ROI_SIZE x ROI_SIZE by
    roi_pool (or roi_align), then Linear, ReLU, Linear to q + 1 scores."""

    def __init__(self, channels, num_classes=CLASSES, hidden=64, align=False):
        super().__init__()
        self.align = align
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(channels * ROI_SIZE ** 2, hidden),
                                 nn.ReLU(), nn.Linear(hidden, num_classes + 1))

    def forward(self, features, proposals):
        """proposals (K, 5) rows [image, x1, y1, x2, y2] in [0, 1] canvas coordinates."""
        scale = features.shape[-1]                    # [0, 1] -> feature-map pixels
        if self.align:
            pooled = ops.roi_align(features, proposals, ROI_SIZE, scale, sampling_ratio=2)
        else:
            pooled = ops.roi_pool(features, proposals, ROI_SIZE, scale)
        return self.mlp(pooled)


def proposals(labels, rng, jitter=0.15, per_box=2, random=2):
    """Region proposals for a batch with labels (B, M, 5): `per_box` jittered copies of every
    ground-truth box (centre moved by up to `jitter` of its size, each side scaled by
    exp(+-jitter)) and `random` random boxes per image, clipped to the canvas; each labelled
    1 + the digit of the box it overlaps with IoU >= 0.5, else 0. Returns ((K, 5), (K,))."""
    rows, classes = [], []
    for i, image in enumerate(labels):
        truth = image[image[:, 0] >= 0]
        wh = np.repeat(truth[:, 3:] - truth[:, 1:3], per_box, 0)
        centre = np.repeat((truth[:, 1:3] + truth[:, 3:]) / 2, per_box, 0)
        centre = centre + rng.uniform(-jitter, jitter, wh.shape) * wh
        wh = wh * np.exp(rng.uniform(-jitter, jitter, wh.shape))
        corner = rng.uniform(0, 0.8, (random, 2))
        boxes = np.concatenate([np.concatenate([centre - wh / 2, centre + wh / 2], 1),
                                np.concatenate([corner, corner + rng.uniform(0.1, 0.4,
                                                                             (random, 2))], 1)])
        boxes = np.clip(boxes, 0, 1)
        iou = ops.box_iou(boxes, truth[:, 1:])                  # (K, digits), maybe no digit
        best = np.where(iou.max(1, initial=0) >= 0.5, iou.argmax(1) if len(truth) else -1, -1)
        classes.append(np.append(truth[:, 0] + 1, 0)[best])     # index -1: background
        rows.append(np.column_stack([np.full(len(boxes), i), boxes]))
    return (np.concatenate(rows).astype(np.float32), np.concatenate(classes).astype(np.int64))


def detect(model, images, batch_size=100):
    """multibox_detection's rows (n, A, 6) for images, in eval mode without a tape."""
    out = []
    model.eval()
    with no_grad():
        for i in range(0, len(images), batch_size):
            _, anchors, scores, offsets = model(tensor(images[i:i + batch_size]))
            probs = F.softmax(scores, dim=-1).permute(0, 2, 1)        # (B, q + 1, A)
            out.append(ops.multibox_detection(probs.numpy(), offsets.numpy(), anchors))
    return np.concatenate(out)


def average_precision(detections, labels, iou_threshold=0.5):
    """Mean over the classes present in labels (n, M, 5) of the average precision of
    detections (n, A, 6) rows [class, score, x1, y1, x2, y2] (class -1: none): detections of a
    class, by decreasing score over all images, are true positives when they overlap an
    unmatched ground-truth box of that class in their image by IoU >= iou_threshold; AP is the
    area under the precision-recall curve with precision made non-increasing (all points)."""
    aps = []
    for c in np.unique(labels[..., 0][labels[..., 0] >= 0]):
        truth = [image[image[:, 0] == c, 1:] for image in labels]
        matched = [np.zeros(len(t), bool) for t in truth]
        image, row = np.nonzero(detections[..., 0] == c)
        order = np.argsort(-detections[image, row, 1], kind="stable")
        hits = np.zeros(len(order))
        for n, (i, r) in enumerate(zip(image[order], row[order])):
            if len(truth[i]):
                iou = ops.box_iou(detections[i, r, None, 2:], truth[i])[0]
                j = iou.argmax()
                if iou[j] >= iou_threshold and not matched[i][j]:
                    matched[i][j], hits[n] = True, 1
        recall = np.cumsum(hits) / sum(len(t) for t in truth)
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(hits) else precision
        aps.append(np.sum(np.diff(np.concatenate([[0], recall])) * envelope))
    return float(np.mean(aps))


def run(steps=1500, batch_size=32, train_size=2000, test_size=300, width=16, lr=2e-3, seed=0,
        align=False, quiet=False):
    """Train the SSD and the region head together on digit canvases; return (model, head,
    held-out (images, labels), History with loss parts, mAP@0.5 and region accuracy)."""
    rng = seed_all(seed)
    images, _, labels = digit_canvas(train_size + test_size, rng=rng)
    test = images[train_size:], labels[train_size:]
    images, labels = images[:train_size], labels[:train_size]
    test_rois, test_classes = proposals(test[1], np.random.default_rng(seed + 2))
    model = TinySSD(width)
    head = RegionHead(width, align=align)
    both = nn.ModuleList([model, head])
    optimizer = optim.Adam(both.parameters(), lr=lr)
    parts = {"class": [], "box": [], "region": []}

    def loss_at(step):
        pick = rng.integers(0, train_size, batch_size)
        features, anchors, scores, offsets = model(tensor(images[pick]))
        target, mask, classes = ops.multibox_target(anchors, labels[pick])
        rois, roi_classes = proposals(labels[pick], rng)
        losses = {"class": F.cross_entropy(scores.reshape(-1, CLASSES + 1), classes.reshape(-1)),
                  "box": F.l1_loss(offsets * tensor(mask), tensor(target * mask)),
                  "region": F.cross_entropy(head(features, rois), roi_classes)}
        for k, v in losses.items():
            parts[k].append(v.item())
        return losses["class"] + losses["box"] + losses["region"]

    def evaluate():
        detections = detect(model, test[0])
        with no_grad():
            features = model.base(tensor(test[0]))
            region = head(features, test_rois).numpy().argmax(1)
        return {"mAP@0.5": average_precision(detections, test[1]),
                "region acc %": 100 * float(np.mean(region == test_classes))}

    history = train(both, optimizer, loss_at, steps, evaluate=evaluate,
                    eval_every=max(steps // 5, 1), name="ssd", quiet=quiet)
    history.parts = parts
    return model, head, test, history


def _rectangle(plt, ax, box, **style):
    """An unfilled xyxy box (in pixels) on ax."""
    x1, y1, x2, y2 = box
    ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, **style))


def draw(model, images, labels, path, n=8, min_score=0.3):
    """A PNG of n held-out canvases: ground-truth boxes dashed, detections with score >=
    min_score solid, labelled with digit and score."""
    needs("matplotlib").use("Agg")
    plt = needs("matplotlib.pyplot")
    detections = detect(model, images[:n])
    size = images.shape[-1]
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(2.5 * ((n + 1) // 2), 5.4))
    for ax, image, truth, found in zip(axes.flat, images, labels, detections):
        ax.imshow(image[0], cmap="gray", vmin=0, vmax=1)
        for box in truth[truth[:, 0] >= 0, 1:] * size:
            _rectangle(plt, ax, box, ls="--", ec="cyan")
        for c, score, *box in found[(found[:, 0] >= 0) & (found[:, 1] >= min_score)]:
            _rectangle(plt, ax, np.array(box) * size, ec="red")
            ax.text(box[0] * size, box[1] * size - 1, f"{int(c)}: {score:.2f}", color="red",
                    fontsize=7)
        ax.set_axis_off()
    fig.suptitle(f"SSD detections (red, score >= {min_score}) and ground truth (cyan)")
    save_figure(fig, path)


def main(argv=None):
    p = parser(__doc__, steps=1500)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--train-size", type=int, default=2000, help="training canvases")
    p.add_argument("--test-size", type=int, default=300, help="held-out canvases")
    p.add_argument("--width", type=int, default=16, help="channels of the 16x16 feature map")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--roi", choices=["pool", "align"], default="pool",
                   help="the region head's pooling")
    p.add_argument("--out", metavar="BOXES.png", help="save held-out detections here")
    args = parse_args(p, argv)
    model, head, test, h = run(args.steps, args.batch_size, args.train_size, args.test_size,
                               args.width, args.lr, args.seed, args.roi == "align")
    tail = max(len(h.losses) // 10, 1)
    print(f"\nSSD + region head ({args.roi}), {args.steps} steps of {args.batch_size} canvases "
          f"from {args.train_size}, {h.seconds:.1f} s")
    for k, v in h.parts.items():
        print(f"{k} loss: first {np.mean(v[:tail]):.3f}, last {np.mean(v[-tail:]):.3f}")
    for step, m, acc in zip(h.eval_steps, h.metrics["mAP@0.5"], h.metrics["region acc %"]):
        print(f"step {step:5d}: held-out mAP@0.5 {m:.3f}   region accuracy {acc:.1f}%")
    if args.out:
        draw(model, *test, args.out)
    if args.plot:
        plot([h], args.plot, "SSD on digit canvases")
    return h


if __name__ == "__main__":
    main()
