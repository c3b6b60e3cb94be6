"""The SSD of examples/detection.py in PyTorch, trained beside tapegrad's on the same batches
from the same initial weights: the losses of both and the wall time per step, side by side.

    python -m examples.detection_torch --steps 100 --threads 1

Needs torch (not part of the `examples` extra). The anchors, targets and batches come from
tapegrad's side (multibox_prior/multibox_target on NumPy arrays) and are fed to both, so the
two engines run the same network, loss and Adam steps; a step's time is its forward, loss,
backward and optimizer step, the engines alternating step by step. The region head is left
out: PyTorch has no roi_pool (torchvision does, and cannot be installed here).
"""
import os
import sys
import time

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn.functional as F
import ops
import optim
from autograd import tensor
from examples import detection
from examples._common import parse_args, parser, seed_all
from examples.canvas import digit_canvas


def torch_ssd(model):
    """A PyTorch twin of tapegrad's TinySSD `model` (same layers and parameter names), holding
    a copy of its weights. Called on a batch it returns (class scores (B, A, q + 1), offsets
    (B, A * 4)), as the tapegrad model's last two outputs."""
    import torch
    from torch import nn

    def block(n_in, n_out):
        layers = []
        for c in (n_in, n_out):
            layers += [nn.Conv2d(c, n_out, 3, padding=1), nn.BatchNorm2d(n_out), nn.ReLU()]
        return nn.Sequential(*layers, nn.MaxPool2d(2))

    class TorchSSD(nn.Module):
        def __init__(self, width, a, q):
            super().__init__()
            self.q = q
            self.base = nn.Sequential(block(1, width // 2), block(width // 2, width))
            self.blocks = nn.ModuleList([block(width, 2 * width), block(2 * width, 2 * width)])
            channels = [width, 2 * width, 2 * width]
            self.cls = nn.ModuleList([nn.Conv2d(c, a * (q + 1), 3, padding=1) for c in channels])
            self.box = nn.ModuleList([nn.Conv2d(c, a * 4, 3, padding=1) for c in channels])

        def forward(self, x):
            f, scores, offsets = self.base(x), [], []
            for i in range(len(self.cls)):
                f = self.blocks[i - 1](f) if i else f
                scores.append(detection.flat(self.cls[i](f)))
                offsets.append(detection.flat(self.box[i](f)))
            scores = torch.cat(scores, 1)
            return scores.reshape(len(x), -1, self.q + 1), torch.cat(offsets, 1)

    width, q = model.base[1][0].out_channels, model.num_classes
    twin = TorchSSD(width, model.box[0].out_channels // 4, q)
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return twin


def run(steps=100, batch_size=32, train_size=500, width=16, lr=2e-3, seed=0, threads=None):
    """Train tapegrad's TinySSD and its PyTorch twin on the same batches, alternating step by
    step, PyTorch on `threads` threads if given (its own pool: threadpoolctl does not reach
    it); return (tapegrad losses, torch losses, tapegrad seconds per step, torch seconds per
    step), the times being lists, one per step."""
    import torch
    if threads is not None:
        torch.set_num_threads(threads)
    rng = seed_all(seed)
    images, _, labels = digit_canvas(train_size, rng=rng)
    model = detection.TinySSD(width)
    twin = torch_ssd(model)
    opt, opt_t = optim.Adam(model.parameters(), lr=lr), torch.optim.Adam(twin.parameters(), lr=lr)
    anchors = model(tensor(images[:1]))[1]
    losses, times = ([], []), ([], [])
    for _ in range(steps):
        pick = rng.integers(0, train_size, batch_size)
        target, mask, classes = ops.multibox_target(anchors, labels[pick])
        for engine, (lib, net, optimizer) in enumerate([(None, model, opt), (torch, twin, opt_t)]):
            start = time.perf_counter()
            if lib is None:
                scores, offsets = model(tensor(images[pick]))[2:]
                loss = (F.cross_entropy(scores.reshape(-1, detection.CLASSES + 1),
                                        classes.reshape(-1))
                        + F.l1_loss(offsets * tensor(mask), tensor(target * mask)))
            else:
                scores, offsets = twin(torch.tensor(images[pick]))
                loss = (torch.nn.functional.cross_entropy(
                            scores.reshape(-1, detection.CLASSES + 1),
                            torch.tensor(classes.reshape(-1)))
                        + torch.nn.functional.l1_loss(offsets * torch.tensor(mask),
                                                      torch.tensor(target * mask)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            times[engine].append(time.perf_counter() - start)
            losses[engine].append(loss.item())
    return losses[0], losses[1], times[0], times[1]


def main(argv=None):
    p = parser(__doc__, steps=100, plots=False)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--train-size", type=int, default=500, help="training canvases")
    p.add_argument("--width", type=int, default=16, help="channels of the 16x16 feature map")
    args = parse_args(p, argv)
    ours, theirs, t_ours, t_theirs = run(args.steps, args.batch_size, args.train_size,
                                         args.width, seed=args.seed, threads=args.threads)
    print(f"SSD, batch {args.batch_size}, {args.steps} steps, tapegrad and PyTorch alternating")
    for step in sorted({0, 1, args.steps // 2, args.steps - 1}):
        print(f"step {step:4d}: loss tapegrad {ours[step]:.6f}   PyTorch {theirs[step]:.6f}")
    drift = np.max(np.abs(np.subtract(ours, theirs)) / np.abs(theirs))
    print(f"largest relative loss difference over the run: {drift:.2e}")
    print(f"median step (the first, which compiles and allocates, left out): tapegrad "
          f"{1e3 * np.median(t_ours[1:]):.1f} ms, PyTorch {1e3 * np.median(t_theirs[1:]):.1f} ms")
    return ours, theirs, t_ours, t_theirs


if __name__ == "__main__":
    main()
