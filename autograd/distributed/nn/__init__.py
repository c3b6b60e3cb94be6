"""Differentiable collectives (torch.distributed.nn)."""
from . import functional
