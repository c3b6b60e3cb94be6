"""A PyTorch program: an MLP classifier on synthetic data, batches from a DataLoader with two
worker processes, SGD with momentum and a StepLR schedule, a checkpoint of the model and the
optimizer midway; prints the loss of every step and the final accuracy.

    python classifier.py WEIGHTS.npz CHECKPOINT.npz
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((192, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def main(weights, checkpoint):
    torch.manual_seed(0)
    x, y = data()
    loader = DataLoader(TensorDataset(x, y), batch_size=32, num_workers=2)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(weights).items()})
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for epoch in range(3):
        model.train()
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            print(f"loss {loss.item():.6f}")
        schedule.step()
        if epoch == 0:            # the state as a checkpoint would keep it, as arrays
            np.savez(checkpoint, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
    model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean()
    print(f"accuracy {accuracy.item():.4f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
