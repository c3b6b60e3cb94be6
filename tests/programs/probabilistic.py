"""A PyTorch program: device-agnostic training with torch.distributions, a checkpoint saved
to and restored from a file object in the middle of training, an L-BFGS fit, and a policy
gradient on logged actions; prints every loss.

    python probabilistic.py WEIGHTS.npz
"""
import io
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, Normal, kl_divergence

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class GaussianHead(nn.Module):
    """Predicts a mean and a log standard deviation for each input."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 16), nn.Tanh())
        self.mean = nn.Linear(16, 1)
        self.log_std = nn.Linear(16, 1)

    def forward(self, x):
        h = self.body(x)
        return self.mean(h), self.log_std(h).clamp(-3, 3)


def regression(weights, x, y):
    model = GaussianHead().to(device)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(weights).items()})
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    prior = Normal(torch.zeros(1, device=device), torch.ones(1, device=device))
    buffer = io.BytesIO()
    for step in range(30):
        if step == 15:              # save, then go on from a fresh model and optimizer
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step},
                       buffer)
            buffer.seek(0)
            state = torch.load(buffer, weights_only=True)
            model = GaussianHead().to(device)
            model.load_state_dict(state["model"])
            opt = torch.optim.Adam(model.parameters(), lr=0.02)
            opt.load_state_dict(state["opt"])
        mean, log_std = model(x)
        posterior = Normal(mean, log_std.exp())
        loss = -posterior.log_prob(y).mean() + 0.01 * kl_divergence(posterior, prior).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"regression loss {loss.item():.6f}")


def lbfgs_fit(x, y):
    w = torch.zeros(3, 1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=20, line_search_fn="strong_wolfe")
    x, y = x.double(), y.double()

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(x @ w + b, y)
        loss.backward()
        return loss
    for _ in range(3):
        print(f"lbfgs loss {opt.step(closure).item():.10f}")


def policy_gradient(x):
    rng = np.random.default_rng(3)
    actions = torch.from_numpy(rng.integers(0, 4, len(x)))
    advantages = torch.from_numpy(rng.standard_normal(len(x)).astype(np.float32))
    torch.manual_seed(0)
    policy = nn.Linear(3, 4)
    with torch.no_grad():
        policy.weight.copy_(torch.from_numpy(np.linspace(-1, 1, 12, dtype=np.float32)
                                             .reshape(4, 3)))
        policy.bias.zero_()
    opt = torch.optim.SGD(policy.parameters(), lr=0.1)
    for step in range(10):
        dist = Categorical(logits=policy(x))
        loss = -(dist.log_prob(actions) * advantages).mean() - 0.01 * dist.entropy().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"policy loss {loss.item():.6f}")


def main(weights):
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((64, 3)).astype(np.float32)).to(device)
    noise = rng.standard_normal((64, 1)).astype(np.float32) * (0.2 + 0.3 * (x[:, :1] > 0).cpu().numpy())
    y = x[:, :1] * 2 - x[:, 1:2] + torch.from_numpy(noise).to(device)
    regression(weights, x, y)
    lbfgs_fit(x, y)
    policy_gradient(x)


if __name__ == "__main__":
    main(*sys.argv[1:])
