"""The vision examples' models under PyTorch by swapping imports, timed against tapegrad: the
FCN of examples/segmentation.py (on examples/models.py's ResNet-18) and the XOR MLP of
examples/perceptron.py, built from the very same source with `nn`, `ops`, `optim` and
`autograd` bound to torch's modules, given the same weights, and timed on the same training
step (forward, backward, Adam), the two engines alternating round by round.

    python -m examples.vision_torch --threads 1

Needs torch (not part of the `examples` extra). The figures are wall times per step,
medians over the rounds; on a busy machine they say little.
"""
import importlib
import os
import sys
import time

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import autograd
from examples._common import needs, parse_args, parser, swapped
from examples.canvas import digit_canvas

# tapegrad's module -> the torch module an example gets in its place (the reverse of
# `python -m autograd.port`'s rule)
SWAP = {"nn": "torch.nn", "nn.functional": "torch.nn.functional", "ops": "torch",
        "optim": "torch.optim", "autograd": "torch", "autograd.random": "torch.random"}


def under_torch(name, twins=None):
    """A fresh copy of examples.NAME whose imports of tapegrad's modules gave torch's (and
    of the examples in `twins`, {name: module}, those modules)."""
    modules = {k: importlib.import_module(v) for k, v in SWAP.items()}
    modules.update({f"examples.{k}": v for k, v in (twins or {}).items()})
    spec = importlib.util.find_spec(f"examples.{name}")
    module = importlib.util.module_from_spec(spec)
    with swapped(modules):
        spec.loader.exec_module(module)
    return module


def copy_weights(ours, theirs):
    """Load the state dict of the tapegrad module `ours` into its torch twin `theirs`."""
    torch = needs("torch")
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})


def twins(width=0.5, hidden=8, seed=0):
    """{"fcn": (tapegrad FCN, torch FCN), "mlp": (tapegrad MLP, torch MLP)}, each pair with
    equal weights."""
    from examples import perceptron, segmentation
    torch_models = under_torch("models")
    torch_segmentation = under_torch("segmentation", {"models": torch_models})
    torch_perceptron = under_torch("perceptron")
    autograd.manual_seed(seed)
    pairs = {"fcn": (segmentation.FCN(1, segmentation.CLASSES, width),
                     torch_segmentation.FCN(1, segmentation.CLASSES, width)),
             "mlp": (perceptron.mlp(hidden), torch_perceptron.mlp(hidden))}
    for ours, theirs in pairs.values():
        copy_weights(ours, theirs)
    return pairs


def stepper(model, engine, x, y, loss):
    """One training step of `model` on (x, y) with `engine`, a module standing for the torch
    namespace (autograd or torch): forward, loss(engine's F, output, target), backward, Adam."""
    functional = engine.nn.functional
    adam = engine.optim.Adam(model.parameters(), lr=1e-3)
    inputs, target = engine.tensor(x), engine.tensor(y)
    model.train()

    def step():
        out = loss(functional, model(inputs), target)
        adam.zero_grad()
        out.backward()
        adam.step()
    return step


def time_steps(steps, rounds, count):
    """{name: median seconds per call of steps[name]()} over `rounds` rounds of `count`
    calls, the entries alternating within each round (after one warm-up call each)."""
    times = {name: [] for name in steps}
    for step in steps.values():
        step()
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(count):
                step()
            times[name].append((time.perf_counter() - start) / count)
    return {name: float(np.median(t)) for name, t in times.items()}


def main(argv=None):
    p = parser(__doc__, plots=False)
    p.add_argument("--width", type=float, default=0.5, help="the FCN's ResNet width (0.5)")
    p.add_argument("--batch", type=int, default=16, help="FCN crops per step (default 16)")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    args = parse_args(p, argv)
    torch = needs("torch")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    pairs = twins(args.width, seed=args.seed)
    images, masks, _ = digit_canvas(args.batch, 64, rng=args.seed)
    rng = np.random.default_rng(args.seed)
    points = rng.choice([-1.0, 1.0], (100, 2)).astype(np.float32)
    labels = (points[:, :1] != points[:, 1:]).astype(np.float32)          # XOR, (100, 1)
    cases = {"fcn": (images, masks, lambda F, out, y: F.cross_entropy(out, y), 4),
             "mlp": (points[:1], labels[:1],                               # an online step
                     lambda F, out, y: F.binary_cross_entropy_with_logits(out, y), 200)}
    print(f"{'model':<36}{'tapegrad ms':>12}{'torch ms':>10}{'ratio':>8}")
    for name, (x, y, loss, count) in cases.items():
        ours, theirs = pairs[name]
        ms = time_steps({"tapegrad": stepper(ours, autograd, x, y, loss),
                         "torch": stepper(theirs, torch, x, y, loss)}, args.rounds, count)
        what = {"fcn": f"FCN x{args.width}, batch {args.batch} of 64x64",
                "mlp": "XOR MLP 2-8-1, one point (online)"}[name]
        print(f"{what:<36}{1e3 * ms['tapegrad']:>12.3f}{1e3 * ms['torch']:>10.3f}"
              f"{ms['tapegrad'] / ms['torch']:>8.2f}")


if __name__ == "__main__":
    main()
