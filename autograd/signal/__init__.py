"""torch.signal for tapegrad: the window functions of `autograd.signal.windows`."""
from . import windows  # noqa: F401
