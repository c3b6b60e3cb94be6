"""The first chapters: Rosenblatt's perceptron learning rule converges on linearly separable
2-D data and cannot learn XOR; a 2-layer MLP trained by backpropagation solves XOR; online,
mini-batch and full-batch gradient descent train that MLP on the same data.

    python -m examples.perceptron --plot perceptron.png      # the four panels in one PNG
    python -m examples.perceptron --epochs 20 --points 40

The perceptron rule (Rosenblatt, 1958): for each point x with label y in {-1, +1} that the
current line misclassifies (y (w.x + b) <= 0), w += y x and b += y. On separable data it
stops after finitely many mistakes (Novikoff's theorem); on XOR no line separates the
classes, so every epoch makes mistakes. The MLP (2 -> hidden tanh -> 1) minimises the binary
cross-entropy by gradient descent, with the gradient from autograd; the three schedules see
the same points for the same number of epochs: one step per point (online), per mini-batch,
or per epoch (full batch).
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import manual_seed, no_grad, tensor
from examples._common import needs, parse_args, parser, save_figure, shuffled_batches, train


def separable(n, rng, margin=0.2):
    """n points uniform in [-1, 1]^2 on either side of a random line through the square,
    none closer to it than `margin`; labels -1 / +1 (float)."""
    angle = rng.uniform(0, np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    offset = rng.uniform(-0.3, 0.3)
    x = np.empty((0, 2))
    while len(x) < n:                                        # rejection: keep the margin
        draw = rng.uniform(-1, 1, (2 * n, 2))
        x = np.concatenate([x, draw[np.abs(draw @ normal - offset) >= margin]])
    x = x[:n]
    return x, np.sign(x @ normal - offset)


def xor(n, rng, noise=0.15):
    """n points in four clusters around the corners (+-1, +-1); label +1 where the signs of
    the two coordinates differ (exclusive or), else -1."""
    corners = rng.choice([-1.0, 1.0], (n, 2))
    return corners + rng.normal(0, noise, (n, 2)), -corners[:, 0] * corners[:, 1]


def perceptron(x, y, epochs):
    """Rosenblatt's rule, points in order, for up to `epochs` passes; stops after a pass
    without mistakes. Returns (w, b, mistakes per pass)."""
    w, b, mistakes = np.zeros(2), 0.0, []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(x, y):
            if yi * (xi @ w + b) <= 0:                       # wrong side (or on the line)
                w, b, count = w + yi * xi, b + yi, count + 1
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes


def mlp(hidden=8):
    """2 -> hidden -> 1 with tanh: two layers, enough for XOR."""
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))


def bce(model, x, y):
    """The binary cross-entropy of the model's logits against labels y in {-1, +1}."""
    return F.binary_cross_entropy_with_logits(model(tensor(x)).squeeze(-1),
                                              tensor((y > 0).astype(np.float32)))


def gradient_descent(x, y, batch_size, epochs, lr, seed=0, hidden=8, quiet=False):
    """Train `mlp(hidden)` (the same initial weights for every batch size: seeded by `seed`)
    with plain SGD on shuffled batches of `batch_size` points of (x, y) for `epochs` passes.
    Returns (model, History) with the loss on all the points after every epoch."""
    manual_seed(seed)
    model = mlp(hidden)
    batch = shuffled_batches(len(x), batch_size, np.random.default_rng(seed))

    def loss_at(step):
        idx = batch(step)
        return bce(model, x[idx], y[idx])

    def evaluate():
        with no_grad():
            return {"loss (all points)": bce(model, x, y).item()}

    name = {1: "online", len(x): "full batch"}.get(batch_size, f"mini-batch {batch_size}")
    history = train(model, optim.SGD(model.parameters(), lr=lr), loss_at,
                    epochs * batch.per_epoch, evaluate=evaluate, eval_every=batch.per_epoch,
                    name=name, quiet=quiet)
    return model, history


def decision(predict, ax, grid=200):
    """Shade the plane [-2, 2]^2 by the sign of predict(points (M, 2)) -> (M,)."""
    u = np.linspace(-2, 2, grid)
    xx, yy = np.meshgrid(u, u)
    z = predict(np.stack([xx.ravel(), yy.ravel()], 1)).reshape(grid, grid)
    ax.contourf(xx, yy, np.sign(z), levels=[-2, 0, 2], colors=["#f4c7c3", "#c6dbef"])
    ax.contour(xx, yy, z, levels=[0], colors="k", linewidths=1)


def figure(panels, curves, path):
    """The perceptron and MLP panels (title, x, y, predict) in a row, then the loss curves
    of the gradient-descent schedules (Histories) against epochs, to `path`."""
    needs("matplotlib").use("Agg")
    plt = needs("matplotlib.pyplot")
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.2 * (len(panels) + 1), 4))
    for ax, (title, x, y, predict) in zip(axes, panels):
        decision(predict, ax)
        ax.scatter(*x.T, c=np.where(y > 0, "tab:blue", "tab:red"), s=12, edgecolors="k",
                   linewidths=0.3)
        ax.set(title=title, xlim=(-2, 2), ylim=(-2, 2), aspect="equal")
    ax = axes[-1]
    for h in curves:
        per_epoch = h.eval_steps[0]
        ax.plot(np.array(h.eval_steps) / per_epoch, h.metrics["loss (all points)"],
                label=f"{h.name} ({per_epoch} steps/epoch)")
    ax.set(title="gradient descent on XOR", xlabel="epoch", ylabel="cross-entropy (all points)",
           yscale="log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    save_figure(fig, path)


def main(argv=None):
    p = parser(__doc__, epochs=100)
    p.add_argument("--points", type=int, default=100, help="points per data set (default 100)")
    p.add_argument("--hidden", type=int, default=8, help="MLP hidden units (default 8)")
    p.add_argument("--batch", type=int, default=10, help="the mini-batch size (default 10)")
    p.add_argument("--lr", type=float, nargs=3, default=(0.05, 0.3, 1.0),
                   metavar=("ONLINE", "MINI", "FULL"),
                   help="SGD learning rates of the three schedules (default 0.05 0.3 1.0)")
    args = parse_args(p, argv)
    rng = np.random.default_rng(args.seed)

    x_sep, y_sep = separable(args.points, rng)
    w, b, mistakes = perceptron(x_sep, y_sep, args.epochs)
    print(f"perceptron, separable data: {sum(mistakes)} updates, "
          f"{'converged' if mistakes[-1] == 0 else 'not converged'} after {len(mistakes)} "
          f"epochs (mistakes per epoch {mistakes[:8]}{' ...' if len(mistakes) > 8 else ''})")
    x_xor, y_xor = xor(args.points, rng)
    w_xor, b_xor, mistakes_xor = perceptron(x_xor, y_xor, args.epochs)
    print(f"perceptron, XOR: still {mistakes_xor[-1]} mistakes in epoch {len(mistakes_xor)}, "
          f"at least {min(mistakes_xor)} in every epoch: no line separates XOR")

    histories, models = [], []
    for batch_size, lr in zip((1, args.batch, args.points), args.lr):
        model, h = gradient_descent(x_xor, y_xor, batch_size, args.epochs, lr, args.seed,
                                    args.hidden)
        models.append(model)
        histories.append(h)
    for model, h in zip(models, histories):
        with no_grad():
            correct = np.mean(np.sign(model(tensor(x_xor)).numpy()[:, 0]) == y_xor)
        print(f"MLP by backprop, {h.name:<14} loss {h.metrics['loss (all points)'][0]:.3f} -> "
              f"{h.last('loss (all points)'):.4f}, XOR accuracy {100 * correct:.0f}% "
              f"({len(h.losses)} steps, {h.seconds:.1f} s)")
    if args.plot:
        def net(points, model=models[1]):
            with no_grad():
                return model(tensor(points.astype(np.float32))).numpy()[:, 0]
        figure([("perceptron: separable (converged)", x_sep, y_sep, lambda q: q @ w + b),
                ("perceptron: XOR (fails)", x_xor, y_xor, lambda q: q @ w_xor + b_xor),
                (f"MLP by backprop: XOR ({histories[1].name})", x_xor, y_xor, net)],
               histories, args.plot)
    return mistakes, mistakes_xor, histories


if __name__ == "__main__":
    main()
