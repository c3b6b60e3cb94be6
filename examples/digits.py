"""Handwritten digits: scikit-learn's bundled 8x8 images (1797 of them), a LeNet-style CNN and
an MLP, trained on a fixed stratified 80/20 split; both reach 96% test accuracy or more.

    python -m examples.digits                  # both models, 30 epochs
    python -m examples.digits --models cnn --epochs 10 --plot digits.png
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import tensor
from examples._common import (accuracy, needs, parse_args, parser, plot, seed_all,
                              shuffled_batches, train)


def lenet():
    """LeNet in miniature for 1x8x8 images: two conv-relu-maxpool stages (8 -> 4 -> 2),
    then two linear layers."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # (B, 16, 4, 4)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (B, 32, 2, 2)
        nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Linear(64, 10))


def mlp():
    """64 pixels -> 128 -> 10."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {"cnn": lenet, "mlp": mlp}


def load():
    """(x, y, x_test, y_test): images (N, 1, 8, 8) float32 scaled to [0, 1], int64 labels;
    the split is stratified and fixed (random_state=0), 1437 train / 360 test."""
    train_test_split = needs("sklearn.model_selection").train_test_split
    digits = needs("sklearn.datasets").load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]   # (N, 8, 8) -> (N, 1, 8, 8)
    x, x_test, y, y_test = train_test_split(x, digits.target.astype(np.int64), test_size=0.2,
                                            random_state=0, stratify=digits.target)
    return x, y, x_test, y_test


def run(name, data, epochs=30, seed=0, lr=2e-3, batch_size=32, quiet=False):
    """Train model `name` with Adam, its learning rate annealed to 0 on a cosine, on
    shuffled minibatches; return (model, History) with
    the test accuracy (%) after every epoch."""
    x, y, x_test, y_test = data
    rng = seed_all(seed)
    model = MODELS[name]()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    batch = shuffled_batches(len(x), batch_size, rng)

    def loss_at(step):
        idx = batch(step)
        return F.cross_entropy(model(tensor(x[idx])), y[idx])

    steps = epochs * batch.per_epoch
    history = train(model, optimizer, loss_at, steps,
                    scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, steps),
                    evaluate=lambda: {"test acc %": 100 * accuracy(model, x_test, y_test)},
                    eval_every=batch.per_epoch, name=name, quiet=quiet)
    return model, history


def main(argv=None):
    p = parser(__doc__, epochs=30)
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    args = parse_args(p, argv)
    data = load()
    histories = []
    for name in args.models:
        _, h = run(name, data, args.epochs, args.seed)
        histories.append(h)
    print(f"\ndigits: {len(data[0])} train / {len(data[2])} test images, {args.epochs} epochs")
    for h in histories:
        print(f"{h.name:<5} test accuracy {h.last('test acc %'):5.1f}%  "
              f"(best {max(h.metrics['test acc %']):.1f}%, {h.seconds:.1f} s)")
    if args.plot:
        plot(histories, args.plot, "digits")
    return histories


if __name__ == "__main__":
    main()
