"""A PyTorch program: a two-layer LSTM predicts the next value of noisy sine waves, trained
with Adam and gradient clipping; prints the loss of every step.

    python lstm_regression.py WEIGHTS.npz
"""
import sys

import numpy as np
import torch
from torch import nn, optim


class Predictor(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 16, num_layers=2, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out)


def main(weights):
    t = np.linspace(0, 8 * np.pi, 41, dtype=np.float32)
    phases = np.random.default_rng(1).uniform(0, 2 * np.pi, (16, 1)).astype(np.float32)
    waves = torch.from_numpy(np.sin(t[None, :] + phases))
    x, target = waves[:, :-1].unsqueeze(-1), waves[:, 1:].unsqueeze(-1)
    model = Predictor()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(weights).items()})
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for step in range(25):
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        print(f"loss {loss.item():.6f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
