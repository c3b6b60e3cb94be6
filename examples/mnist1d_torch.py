"""The MNIST-1D models and protocol of examples/mnist1d.py in PyTorch, run alternately with
tapegrad's on the same data from the same initial weights: test accuracy and wall time per
run side by side.

    python -m examples.mnist1d_torch --steps 6000 --runs 3 --shuffle --threads 1

Needs torch (not part of the `examples` extra). Both engines evaluate the test set every 250
steps, and that time is part of each run's wall time. The weights start equal (tapegrad's
initialisation, copied), so the accuracies differ only by floating-point round-off growing
over the run.
"""
import os
import sys
import time

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from examples import mnist1d
from examples._common import parse_args, parser, seed_all


def torch_model(name):
    """The paper's model `name`, in PyTorch (as in the MNIST-1D repository)."""
    from torch import nn

    class MLP(nn.Module):
        def __init__(self, hidden=100):
            super().__init__()
            self.linear1 = nn.Linear(mnist1d.LENGTH, hidden)
            self.linear2 = nn.Linear(hidden, hidden)
            self.linear3 = nn.Linear(hidden, mnist1d.CLASSES)

        def forward(self, x):
            h = self.linear1(x).relu()
            return self.linear3(h + self.linear2(h).relu())

    class CNN(nn.Module):
        def __init__(self, channels=25):
            super().__init__()
            self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
            self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.linear = nn.Linear(channels * 5, mnist1d.CLASSES)

        def forward(self, x):
            h = self.conv1(x.reshape(-1, 1, mnist1d.LENGTH)).relu()
            h = self.conv3(self.conv2(h).relu()).relu()
            return self.linear(h.flatten(1))

    class GRU(nn.Module):
        def __init__(self, hidden=6):
            super().__init__()
            self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
            self.linear = nn.Linear(2 * hidden * mnist1d.LENGTH, mnist1d.CLASSES)

        def forward(self, x):
            out, _ = self.gru(x.reshape(x.shape[0], mnist1d.LENGTH, 1))
            return self.linear(out.flatten(1))

    models = {"logistic": lambda: nn.Linear(mnist1d.LENGTH, mnist1d.CLASSES),
              "mlp": MLP, "cnn": CNN, "gru": GRU}
    return models[name]()


def run_torch(name, data, init, steps=6000, lr=1e-2, batch_size=100, eval_every=250):
    """examples.mnist1d.run in PyTorch from the weights `init` (a state dict of arrays);
    returns (final test accuracy %, seconds)."""
    import torch
    model = torch_model(name)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in init.items()})
    x, y, x_test, y_test = (torch.from_numpy(a) for a in data)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    for step in range(steps):
        i = step * batch_size % len(x)
        loss = torch.nn.functional.cross_entropy(model(x[i:i + batch_size]), y[i:i + batch_size])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            with torch.no_grad():
                acc = 100 * (model(x_test).argmax(-1) == y_test).double().mean().item()
    return acc, time.perf_counter() - start


def main(argv=None):
    p = parser(__doc__, steps=6000, plots=False)
    p.add_argument("--models", nargs="+", choices=list(mnist1d.MODELS),
                   default=list(mnist1d.MODELS))
    p.add_argument("--runs", type=int, default=3, help="seeds seed, seed+1, ... per model")
    p.add_argument("--shuffle", action="store_true", help="also the shuffled variant")
    args = parse_args(p, argv)
    if args.threads is not None:
        import torch
        torch.set_num_threads(args.threads)
    rows = {}
    for shuffled in (False, True) if args.shuffle else (False,):
        data = mnist1d.load(shuffled)
        for name in args.models:
            for seed in range(args.seed, args.seed + args.runs):
                seed_all(seed)
                model = mnist1d.MODELS[name]()
                init = {k: v.copy() for k, v in model.state_dict().items()}
                _, h = mnist1d.run(name, data, args.steps, seed, quiet=True, model=model)
                acc, secs = run_torch(name, data, init, args.steps)
                row = (h.last("test acc %"), acc, h.seconds, secs)
                print(f"{name} {'shuffled ' if shuffled else ''}seed {seed}: tapegrad "
                      f"{row[0]:.1f}% {row[2]:.1f} s, torch {row[1]:.1f}% {row[3]:.1f} s",
                      flush=True)
                rows.setdefault((name, shuffled), []).append(row)
    print(f"\nMNIST-1D, {args.steps} steps, mean +- std over runs; wall time per run "
          f"(training and evaluation), same machine, runs alternating")
    print(f"{'model':<10}{'variant':<10}{'runs':>5}{'tapegrad %':>15}{'torch %':>15}"
          f"{'paper':>7}{'tapegrad s':>12}{'torch s':>9}{'ratio':>7}")
    for (name, shuffled), r in rows.items():
        r = np.array(r)
        mean, std = r.mean(0), r.std(0)
        print(f"{name:<10}{'shuffled' if shuffled else 'standard':<10}{len(r):>5}"
              f"{mean[0]:>8.1f} +- {std[0]:<4.1f}{mean[1]:>8.1f} +- {std[1]:<4.1f}"
              f"{mnist1d.PUBLISHED[name][shuffled]:>6}%{mean[2]:>12.1f}{mean[3]:>9.1f}"
              f"{np.median(r[:, 2] / r[:, 3]):>6.2f}x")
    return rows


if __name__ == "__main__":
    main()
