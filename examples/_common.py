"""What every example shares: its command line, seeding, the training loop with a tqdm
progress bar, accuracy, and the loss/metric plot. tqdm and matplotlib come with the
`examples` extra (`pip install .[examples]`); matplotlib is imported only when plotting."""
import argparse
import contextlib
import importlib
import math
import os
import sys
import sysconfig
import time

import numpy as np

import nn
from autograd import manual_seed, no_grad, tensor


def needs(module):
    """`module`, imported; without it, exit with one line saying which extra installs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name != module.split(".")[0]:
            raise
        raise SystemExit(f"this example needs the {e.name!r} module, which the `examples` "
                         "extra installs: python -m pip install -e \".[examples]\"") from None


def parser(description, steps=None, epochs=None, plots=True):
    """An ArgumentParser described by the first paragraph of `description` (an example's
    docstring), with --seed and --threads, --plot if `plots`, and --steps and/or --epochs when
    given a default for them. Parse with `parse_args`."""
    first = " ".join(description.strip().split("\n\n")[0].split())
    p = argparse.ArgumentParser(description=first)
    if steps is not None:
        p.add_argument("--steps", type=int, default=steps,
                       help=f"optimizer steps (default {steps})")
    if epochs is not None:
        p.add_argument("--epochs", type=int, default=epochs, help=f"epochs (default {epochs})")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, batches and dropout")
    if plots:
        p.add_argument("--plot", metavar="OUT.png", help="save the loss and metric curves here")
    p.add_argument("--threads", type=int, help="BLAS threads (1 is fastest for these small "
                   "models on a busy machine)")
    return p


def parse_args(p, argv=None):
    """p.parse_args(argv), then limit the BLAS threads to --threads if given (threadpoolctl
    comes with scikit-learn)."""
    args = p.parse_args(argv)
    if args.threads is not None:
        needs("threadpoolctl").threadpool_limits(args.threads)
    return args


@contextlib.contextmanager
def swapped(modules):
    """While inside, `import NAME` (and `from examples import NAME`) gives modules[NAME]."""
    examples = importlib.import_module("examples")
    saved = {name: sys.modules.get(name) for name in modules}
    attributes = {name: getattr(examples, name.split(".")[1], None)
                  for name in modules if name.startswith("examples.")}
    sys.modules.update(modules)
    for name in attributes:
        setattr(examples, name.split(".")[1], modules[name])
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
        for name, module in attributes.items():
            setattr(examples, name.split(".")[1], module)


def python_text(source):
    """Text that ships with Python, so the language examples need no download: "license"
    (the LICENSE.txt of the standard library, about 14 k characters) or "docs" (the help()
    topics of pydoc_data, the language reference, about 460 k characters)."""
    if source == "docs":
        from pydoc_data.topics import topics
        return "\n".join(topics[k] for k in sorted(topics))
    if source == "license":
        path = os.path.join(sysconfig.get_paths()["stdlib"], "LICENSE.txt")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} is not installed here; use the text 'docs'")
        with open(path, encoding="utf-8") as f:
            return f.read()
    raise ValueError(f"unknown text {source!r}: use 'license' or 'docs'")


def seed_all(seed):
    """Seed weight initialisation and dropout (autograd's default generator); return a NumPy
    Generator for the example's own draws (batches, sampling)."""
    manual_seed(seed)
    return np.random.default_rng(seed + 1)


class History:
    """What `train` records: the loss of every step, and the metrics of every evaluation."""

    def __init__(self, name):
        self.name = name
        self.losses = []
        self.eval_steps = []
        self.metrics = {}
        self.seconds = 0.0

    def record(self, step, metrics):
        self.eval_steps.append(step)
        for key, value in metrics.items():
            self.metrics.setdefault(key, []).append(value)

    def last(self, key):
        return self.metrics[key][-1]


def shuffled_batches(n, batch_size, rng):
    """The minibatch schedule of an epoch loop as a function of the step: batch(step) is the
    array of indices (into range(n)) of that step's batch of `batch_size`, the order drawn
    afresh from `rng` at the start of every epoch (the last batch of one may be smaller);
    batch.per_epoch is the number of steps in an epoch. Steps must be asked for in order."""
    per_epoch = -(-n // batch_size)
    order = []

    def batch(step):
        if step % per_epoch == 0:
            order[:] = [rng.permutation(n)]
        return order[0][step % per_epoch * batch_size:][:batch_size]

    batch.per_epoch = per_epoch
    return batch


def train(model, optimizer, loss_at, steps, evaluate=None, eval_every=None, clip=None,
          scheduler=None, name="train", quiet=False):
    """Run `steps` optimizer steps on `model` and return its History.

    `loss_at(step)` returns the scalar loss Tensor of that step's batch (the model is in
    training mode); `evaluate()` returns a dict of metrics, computed every `eval_every` steps
    and after the last one (in eval mode). `clip` clips the gradient norm; `scheduler` (an
    LR scheduler) steps after every optimizer step. The progress bar shows the running loss
    and the latest metrics; `quiet` hides it. The model is left in eval mode."""
    tqdm = needs("tqdm").tqdm

    history = History(name)
    every = eval_every or steps
    running = None
    start = time.perf_counter()
    bar = tqdm(range(steps), desc=name, disable=quiet, leave=False, dynamic_ncols=True)
    model.train()
    for step in bar:
        loss = loss_at(step)
        optimizer.zero_grad()
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(f"{name}: loss became {value} at step {step}")
        history.losses.append(value)
        running = value if running is None else 0.95 * running + 0.05 * value
        shown = {"loss": f"{running:.3f}"}
        if evaluate is not None and ((step + 1) % every == 0 or step + 1 == steps):
            model.eval()
            history.record(step + 1, evaluate())
            model.train()
        if history.eval_steps:
            shown.update((k, f"{v[-1]:.3g}") for k, v in history.metrics.items())
        bar.set_postfix(shown, refresh=False)
    history.seconds = time.perf_counter() - start
    model.eval()
    return history


def predict(model, x, batch_size=1000):
    """The model's outputs on the array `x`, as an array, in eval mode without a tape."""
    model.eval()
    with no_grad():
        return np.concatenate([model(tensor(x[i:i + batch_size])).numpy()
                               for i in range(0, len(x), batch_size)])


def accuracy(model, x, y, batch_size=1000):
    """Fraction of rows of `x` whose argmax output is the label in `y`."""
    return float(np.mean(predict(model, x, batch_size).argmax(-1) == y))


def plot(histories, path, title="", references=None):
    """Save the training loss (smoothed) and each metric against steps, one line per
    History, one panel per quantity, to `path`; `references` maps a metric to a
    (value, label) drawn as a dashed horizontal line in its panel."""
    needs("matplotlib").use("Agg")
    plt = needs("matplotlib.pyplot")

    keys = sorted({k for h in histories for k in h.metrics})
    fig, axes = plt.subplots(1, 1 + len(keys), figsize=(5 * (1 + len(keys)), 4), squeeze=False)
    for h in histories:
        width = max(1, len(h.losses) // 50)
        smooth = np.convolve(h.losses, np.ones(width) / width, mode="valid")
        axes[0, 0].plot(np.arange(width, len(h.losses) + 1), smooth, label=h.name)
        for ax, key in zip(axes[0, 1:], keys):
            if key in h.metrics:
                ax.plot(h.eval_steps, h.metrics[key], marker=".", label=h.name)
    for ax, key in zip(axes[0], ["training loss"] + keys):
        if key in (references or {}):
            value, label = references[key]
            ax.axhline(value, color="gray", linestyle="--", label=label)
            ax.legend(fontsize="small")
        ax.set_xlabel("step")
        ax.set_title(key)
        ax.grid(alpha=0.3)
    axes[0, -1].legend(fontsize="small")
    fig.suptitle(title)
    save_figure(fig, path)


def save_figure(fig, path, **layout):
    """Lay out the matplotlib figure `fig` (tight_layout(**layout)), write it to `path` as
    PNG, close it and say where it went."""
    fig.tight_layout(**layout)
    fig.savefig(path, dpi=100)
    needs("matplotlib.pyplot").close(fig)
    print(f"saved {path}")
