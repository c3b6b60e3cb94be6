"""The default random generator: what weight initialization and dropout draw from when no
generator is passed. `manual_seed(seed)` makes a run reproducible, like torch.manual_seed."""
import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the default generator; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator():
    return _generator
