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


class Generator(np.random.Generator):
    """torch.Generator's seeding methods on a NumPy Generator (PCG64), so that it goes wherever
    a generator is taken (factories, init, dropout, samplers, random_split, DataLoader)."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: device {device!r} is not available; tapegrad "
                               f"computes on the CPU")
        self._initial_seed = int(np.random.SeedSequence().entropy % 2 ** 63)
        super().__init__(np.random.PCG64(self._initial_seed))

    def manual_seed(self, seed):
        """Restart the stream from `seed`; returns the generator."""
        self._initial_seed = int(seed)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self):
        """Restart from a fresh random seed; return it."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2 ** 63))
        return self._initial_seed

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        return dict(self.bit_generator.state)

    def set_state(self, state):
        self.bit_generator.state = state
        return self
