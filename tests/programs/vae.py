"""A PyTorch program: a variational autoencoder on 8-dimensional data lying near a 2-D plane,
trained with Normal.rsample (the reparameterisation trick) and the KL term from
kl_divergence, updated by hand through `.data` (p.data.add_(p.grad, alpha=-lr)); prints every
loss, then the ELBO of the trained model on fixed noise.

    python vae.py WEIGHTS.npz
"""
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal, kl_divergence


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 4))
        self.decoder = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 8))

    def posterior(self, x):
        mean, log_std = self.encoder(x).chunk(2, dim=1)
        return Normal(mean, log_std.clamp(-4, 2).exp())

    def loss(self, x, z):
        """Negative ELBO per example: Gaussian reconstruction error plus KL(q(z|x) || N(0, 1))."""
        q = self.posterior(x)
        prior = Normal(torch.zeros_like(q.loc), torch.ones_like(q.scale))
        recon = ((self.decoder(z(q)) - x) ** 2).sum(1) / 2
        return (recon + kl_divergence(q, prior).sum(1)).mean()


def main(weights):
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((2, 8))
    x = torch.from_numpy((rng.standard_normal((256, 2)) @ basis
                          + 0.1 * rng.standard_normal((256, 8))).astype(np.float32))
    model = VAE()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(weights).items()})
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.bias.data.zero_()
    torch.manual_seed(0)
    for step in range(100):
        loss = model.loss(x, lambda q: q.rsample())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-0.02)
        print(f"vae loss {loss.item():.6f}")
    eps = torch.from_numpy(rng.standard_normal((256, 2)).astype(np.float32))
    with torch.no_grad():
        print(f"vae elbo on fixed noise {-model.loss(x, lambda q: q.loc + q.scale * eps).item():.6f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
