"""Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d with PyTorch's signatures, weight layouts
(conv: (C_out, C_in / groups, *kernel); transposed: (C_in, C_out / groups, *kernel)) and
default initialisation (kaiming_uniform_(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias).
Conv1d and Conv2d take every padding_mode ("zeros", "reflect", "replicate", "circular"): other
than zeros, the input is padded by F.pad first, then convolved unpadded, as PyTorch does. The
transposed convolutions take only "zeros"."""
import numpy as np

from . import functional as F
from . import init
from .module import Module
from .parameter import empty_parameter


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    nd = 0                                             # spatial dims
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, output_padding, dtype):
        super().__init__()
        name = type(self).__name__
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} and out_channels "
                             f"{out_channels} must be divisible by groups {groups}")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(PADDING_MODES)}, "
                             f"got {padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode 'zeros' is supported, got "
                             f"{padding_mode!r}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or "
                                 f"'valid', got {padding!r}")
            if padding == "same" and any(s != 1 for s in _tuple(stride, self.nd)):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
        else:
            padding = _tuple(padding, self.nd)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, self.nd)
        self.stride, self.dilation = _tuple(stride, self.nd), _tuple(dilation, self.nd)
        self.padding, self.padding_mode = padding, padding_mode
        self.output_padding = _tuple(output_padding, self.nd)
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = empty_parameter(shape, dtype)
        self.register_parameter("bias", empty_parameter((out_channels,), dtype) if bias
                                else None)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        init.default_weight_and_bias_(self.weight, self.bias, generator)

    def _padded(self, input):
        """(input, padding) for F.convNd: with a padding_mode other than zeros, the input
        padded by F.pad (PyTorch's flat order: last dim first; 'same' puts the odd element
        on the right) and no further padding."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "same":
            total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pairs = [(t // 2, t - t // 2) for t in total]
        else:
            pairs = [(p, p) for p in (self.nd * (0,) if self.padding == "valid" else self.padding)]
        flat = tuple(v for pair in reversed(pairs) for v in pair)
        return F.pad(input, flat, self.padding_mode), 0

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if isinstance(self.padding, str) or any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Conv1d and Conv2d: `_conv` is the F function of their dimension."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, dtype)

    def forward(self, input):
        input, padding = self._padded(input)
        return self._conv(input, self.weight, self.bias, self.stride, padding, self.dilation,
                          self.groups)


class Conv1d(_Conv):
    """Input (N, C_in, L) or (C_in, L)."""
    nd = 1
    _conv = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """Input (N, C_in, H, W) or (C_in, H, W)."""
    nd = 2
    _conv = staticmethod(F.conv2d)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that gives `output_size` (the spatial sizes, or the full
        shape), checked to be reachable, as PyTorch."""
        if output_size is None:
            return self.output_padding
        shape = np.shape(input)
        size = tuple(output_size)[-self.nd:] if len(output_size) in (
            self.nd, len(shape)) else None
        if size is None:
            raise ValueError(f"output_size must have {self.nd} or {len(shape)} elements, got "
                             f"{tuple(output_size)}")
        spatial = shape[-self.nd:]
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            spatial, self.stride, self.padding, self.dilation, self.kernel_size)]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride)]
        if any(not lo <= n <= hi for n, lo, hi in zip(size, smallest, largest)):
            raise ValueError(f"requested an output size of {size}, but valid sizes range from "
                             f"{tuple(smallest)} to {tuple(largest)} (for an input of "
                             f"{spatial})")
        return tuple(n - lo for n, lo in zip(size, smallest))

    def forward(self, input, output_size=None):
        return self._conv(input, self.weight, self.bias, self.stride, self.padding,
                          self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Input (N, C_in, L) or (C_in, L); the gradient of Conv1d in its input."""
    nd = 1
    _conv = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Input (N, C_in, H, W) or (C_in, H, W); the gradient of Conv2d in its input."""
    nd = 2
    _conv = staticmethod(F.conv_transpose2d)
