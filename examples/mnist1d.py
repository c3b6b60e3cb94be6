"""MNIST-1D (Greydanus, "Scaling Down Deep Learning", 2020): the paper's logistic regression,
MLP, CNN and bidirectional GRU, trained with its protocol (Adam, lr 1e-2, batch 100, 6000
steps, batches taken in order), test accuracy printed beside the published table.

    python -m examples.mnist1d                         # all four models, 6000 steps, seed 0
    python -m examples.mnist1d --steps 1500 --models cnn mlp --runs 3 --shuffle --plot m.png

The dataset (4000 train / 1000 test signals of length 40) is regenerated offline with the
`mnist1d` package, deterministically. `--shuffle` also trains on the variant whose 40
positions are permuted (one fixed permutation): the CNN and GRU lose their spatial advantage.
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
from examples._common import accuracy, needs, parse_args, parser, plot, seed_all, train

# Test accuracy (%) in the paper's table (MNIST-1D and its spatially shuffled variant)
PUBLISHED = {"logistic": (32, 32), "mlp": (68, 68), "cnn": (94, 56), "gru": (91, 57)}
LENGTH, CLASSES = 40, 10


class MLP(nn.Module):
    """The paper's MLP: 40 -> 100 -> 100 -> 10, the middle layer residual."""

    def __init__(self, hidden=100):
        super().__init__()
        self.linear1 = nn.Linear(LENGTH, hidden)
        self.linear2 = nn.Linear(hidden, hidden)
        self.linear3 = nn.Linear(hidden, CLASSES)

    def forward(self, x):                                    # x (B, 40)
        h = F.relu(self.linear1(x))
        h = h + F.relu(self.linear2(h))
        return self.linear3(h)


class CNN(nn.Module):
    """The paper's CNN: three stride-2 Conv1d layers of 25 channels (40 -> 19 -> 10 -> 5
    positions) and a linear classifier over the 125 features."""

    def __init__(self, channels=25):
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.linear = nn.Linear(channels * 5, CLASSES)

    def forward(self, x):                                    # x (B, 40)
        h = x.reshape(-1, 1, LENGTH)                          # (B, 40) -> (B, 1, 40)
        h = F.relu(self.conv1(h))
        h = F.relu(self.conv2(h))
        h = F.relu(self.conv3(h))                             # (B, 25, 5)
        return self.linear(h.reshape(h.shape[0], -1))         # (B, 25, 5) -> (B, 125)


class GRU(nn.Module):
    """The paper's GRU: a bidirectional GRU of 6 units reads the signal one value per step;
    a linear layer classifies all 40 x 12 outputs."""

    def __init__(self, hidden=6):
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(2 * hidden * LENGTH, CLASSES)

    def forward(self, x):                                    # x (B, 40)
        out, _ = self.gru(x.reshape(x.shape[0], LENGTH, 1))   # (B, 40) -> (B, 40, 1)
        return self.linear(out.reshape(out.shape[0], -1))     # (B, 40, 12) -> (B, 480)


MODELS = {"logistic": lambda: nn.Linear(LENGTH, CLASSES), "mlp": MLP, "cnn": CNN, "gru": GRU}


def load(shuffle=False):
    """The standard MNIST-1D split as float32 arrays (x, y, x_test, y_test), generated
    offline; `shuffle` permutes the 40 positions of every signal the same way."""
    mnist1d = needs("mnist1d.data")
    args = mnist1d.get_dataset_args()
    args.shuffle_seq = shuffle
    data = mnist1d.make_dataset(args)
    return (data["x"].astype(np.float32), data["y"].astype(np.int64),
            data["x_test"].astype(np.float32), data["y_test"].astype(np.int64))


def run(name, data, steps=6000, seed=0, lr=1e-2, batch_size=100, eval_every=250, quiet=False,
        model=None):
    """Train model `name` (or the given instance of it) on `data` with the paper's protocol;
    return (model, History) with the test accuracy (%) recorded every `eval_every` steps."""
    x, y, x_test, y_test = data
    seed_all(seed)
    model = MODELS[name]() if model is None else model
    optimizer = optim.Adam(model.parameters(), lr=lr)

    def loss_at(step):                                       # batches in order, as the paper
        i = step * batch_size % len(x)
        return F.cross_entropy(model(tensor(x[i:i + batch_size])), y[i:i + batch_size])

    history = train(model, optimizer, loss_at, steps,
                    evaluate=lambda: {"test acc %": 100 * accuracy(model, x_test, y_test)},
                    eval_every=eval_every, name=name, quiet=quiet)
    return model, history


def summary(results, steps):
    """The table: mean +- std test accuracy over runs, the published number, seconds per run."""
    print(f"\nMNIST-1D test accuracy after {steps} steps (mean +- std over runs) beside "
          f"Greydanus (2020)")
    print(f"{'model':<10}{'variant':<10}{'runs':>5}{'tapegrad':>16}{'published':>11}"
          f"{'s/run':>8}")
    for (name, shuffled), histories in results.items():
        acc = np.array([h.last("test acc %") for h in histories])
        secs = np.mean([h.seconds for h in histories])
        print(f"{name:<10}{'shuffled' if shuffled else 'standard':<10}{len(acc):>5}"
              f"{acc.mean():>9.1f} +- {acc.std():>3.1f}{PUBLISHED[name][shuffled]:>10}%"
              f"{secs:>8.1f}")


def main(argv=None):
    p = parser(__doc__, steps=6000)
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--runs", type=int, default=1, help="seeds seed, seed+1, ... per model")
    p.add_argument("--shuffle", action="store_true", help="also train on shuffled signals")
    args = parse_args(p, argv)
    results = {}
    for shuffled in (False, True) if args.shuffle else (False,):
        data = load(shuffled)
        for name in args.models:
            for seed in range(args.seed, args.seed + args.runs):
                _, h = run(name, data, args.steps, seed)
                h.name = f"{name}{' shuffled' if shuffled else ''} seed {seed}"
                print(f"{h.name}: test accuracy {h.last('test acc %'):.1f}% "
                      f"({h.seconds:.1f} s)")
                results.setdefault((name, shuffled), []).append(h)
    summary(results, args.steps)
    if args.plot:
        plot([h for hs in results.values() for h in hs], args.plot, "MNIST-1D")
    return results


if __name__ == "__main__":
    main()
