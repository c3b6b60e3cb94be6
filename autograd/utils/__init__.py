"""Utilities as torch.utils: `data` (samplers for data-parallel training)."""
from . import data
