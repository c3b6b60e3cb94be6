"""Padding layers, as torch.nn's: Zero-, Constant-, Reflection-, Replication- and CircularPad,
1d and 2d, each F.pad with a fixed padding (an int pads every side) and mode."""
from . import functional as F
from .module import Module


class _PadNd(Module):
    nd = 1
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = (padding,) * (2 * self.nd) if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != 2 * self.nd:
            raise ValueError(f"{type(self).__name__}: padding must be an int or "
                             f"{2 * self.nd} ints, got {padding!r}")
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, self.mode, self.value if self.mode == "constant"
                     else None)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    nd = 2


class ZeroPad1d(_PadNd):
    def __init__(self, padding):
        super().__init__(padding)


class ZeroPad2d(ZeroPad1d):
    nd = 2


class ReflectionPad1d(ZeroPad1d):
    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    nd = 2


class ReplicationPad1d(ZeroPad1d):
    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    nd = 2


class CircularPad1d(ZeroPad1d):
    mode = "circular"


class CircularPad2d(CircularPad1d):
    nd = 2
