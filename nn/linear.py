"""Linear, Bilinear, Flatten, Unflatten."""
import math

import numpy as np

import ops
from . import functional as F
from . import init
from .module import Module
from .parameter import check_features, empty_parameter


class Linear(Module):
    """y = x W^T + b, weight (out_features, in_features), for inputs (*, in_features)."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter((out_features, in_features), dtype)
        self.register_parameter("bias", empty_parameter(out_features, dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weight, U(+-1/sqrt(in)) bias."""
        init.default_weight_and_bias_(self.weight, self.bias, generator)

    def forward(self, input):
        check_features(input, self.in_features)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """Linear under PyTorch's name for MultiheadAttention's out_proj (for identical reprs)."""


class Bilinear(Module):
    """y_o = x1^T W_o x2 + b_o, weight (out, in1, in2), for inputs (*, in1) and (*, in2)."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = empty_parameter((out_features, in1_features, in2_features), dtype)
        self.register_parameter("bias", empty_parameter(out_features, dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """PyTorch's default: weight and bias U(+-1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound, generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, input1, input2):
        check_features(input1, self.in1_features)
        check_features(input2, self.in2_features)
        lead = np.shape(input1)[:-1]
        if np.shape(input2)[:-1] != lead:
            raise ValueError(f"inputs of shapes {np.shape(input1)} and "
                             f"{np.shape(input2)} differ in their leading dims")
        x1 = ops.reshape(input1, (-1, self.in1_features))          # (*, in1) -> (n, in1)
        x2 = ops.reshape(input2, (-1, self.in2_features))          # (*, in2) -> (n, in2)
        y = ops.einsum("ni,oij,nj->no", x1, self.weight, x2)
        if self.bias is not None:
            y = y + self.bias
        return ops.reshape(y, lead + (self.out_features,))        # (n, out) -> (*, out)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Merge dims start_dim..end_dim into one."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim `dim` into `unflattened_size` (one entry may be -1)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        shape = np.shape(input)
        if not -len(shape) <= self.dim < len(shape):
            raise IndexError(f"dim {self.dim} is out of range for input of shape {shape}")
        dim = self.dim % len(shape)
        size = self.unflattened_size
        known = math.prod(n for n in size if n != -1)
        if (-1 not in size and known != shape[dim]) or (-1 in size and shape[dim] % known):
            raise ValueError(f"cannot unflatten dim {self.dim} of input {shape} (length "
                             f"{shape[dim]}) into {size}")
        return ops.reshape(input, shape[:dim] + size + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
