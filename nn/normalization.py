"""BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d, LayerNorm, GroupNorm with
PyTorch's parameters and buffers (weight, bias, running_mean, running_var,
num_batches_tracked) and defaults."""
import numpy as np

import ops
from autograd import distributed as dist
from autograd.distributed.nn.functional import all_reduce
from autograd.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import check_features, empty_parameter


def _ones_and_zeros(weight, bias):
    """The default affine parameters: weight ones, bias zeros (either may be None)."""
    if weight is not None:
        init.ones_(weight)
    if bias is not None:
        init.zeros_(bias)


class _BatchNorm(Module):
    """Normalise each channel (dim 1) with the batch statistics in training mode, updating the
    running statistics by `momentum` (None: a cumulative average over the batches seen), and
    with the running statistics in eval mode (or the batch ones without
    track_running_stats)."""
    ranks = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", empty_parameter((num_features,), dtype)
                                if affine else None)
        self.register_parameter("bias", empty_parameter((num_features,), dtype)
                                if affine and bias else None)
        if track_running_stats:
            float_t = np.float32 if dtype is None else dtype
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, float_t)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, float_t)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:        # through init: the buffers' versions are bumped
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        self.reset_running_stats()
        _ones_and_zeros(self.weight, self.bias)

    def forward(self, input):
        self._check_input(input)
        momentum = self._momentum()
        use_batch = self.training or self.running_mean is None
        update = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if update else None,
                            self.running_var if update else None, self.weight, self.bias,
                            use_batch, momentum, self.eps)

    def _check_input(self, input):
        ndim = np.ndim(input)
        if ndim not in self.ranks:
            raise ValueError(f"expected {' or '.join(f'{r}D' for r in self.ranks)} input "
                             f"(got {ndim}D input of shape {np.shape(input)})")
        check_features(input, self.num_features, 1, "channels")

    def _momentum(self):
        """The running statistics' momentum for this forward, counting the batch in training
        (momentum None: a cumulative average)."""
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)      # bumps its version, as in PyTorch
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked._data)
        return momentum

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Input (N, C) or (N, C, L)."""
    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Input (N, C, H, W)."""
    ranks = (4,)


class SyncBatchNorm(_BatchNorm):
    """BatchNorm whose batch statistics, in training, are those of the whole batch across the
    ranks of the default process group (data-parallel training with small per-rank batches).
    Input (N, C, ...). Outside training, or without a group of more than one rank, it is the
    plain BatchNorm. The statistics are summed over the ranks with the differentiable
    all_reduce, so backward sums the gradients reaching them over the ranks too."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, dtype=None):
        if process_group is not None:
            raise NotImplementedError("SyncBatchNorm: only the default group "
                                      "(process_group=None) is supported")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def _check_input(self, input):
        if np.ndim(input) < 2:
            raise ValueError(f"expected at least 2D input (got {np.ndim(input)}D input of "
                             f"shape {np.shape(input)})")
        check_features(input, self.num_features, 1, "channels")

    def forward(self, input):
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(input)
        self._check_input(input)
        momentum = self._momentum()
        axes = (0,) + tuple(range(2, input.ndim))
        count = np.array([np.prod(input.shape) // self.num_features], np.float64)
        dist.all_reduce(count)
        n = float(count[0])
        if n <= 1:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when "
                             f"training, got input of shape {input.shape} on this rank and "
                             f"{n:g} values per channel over all ranks")
        shape = (1, self.num_features) + (1,) * (input.ndim - 2)      # (C,) -> broadcastable
        mean = all_reduce(input.sum(axes)) / n
        centred = input - mean.reshape(shape)
        var = all_reduce((centred * centred).sum(axes)) / n          # biased, as in training
        y = centred * (var + self.eps).rsqrt().reshape(shape)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        if self.track_running_stats:    # in place without a version bump, as batch_norm's
            self.running_mean._data[...] = ((1 - momentum) * self.running_mean._data
                                           + momentum * mean._data)
            self.running_var._data[...] = ((1 - momentum) * self.running_var._data
                                          + momentum * n / (n - 1) * var._data)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm in it (itself included) replaced by a SyncBatchNorm
        that shares its parameters and buffers."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            for name in ("weight", "bias"):
                setattr(out, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                setattr(out, name, getattr(module, name))
            out.train(module.training)
        for name, child in module.named_children():
            setattr(out, name, cls.convert_sync_batchnorm(child, process_group))
        return out


class _InstanceNorm(_BatchNorm):
    """Normalise each channel of each sample over its spatial positions; without affine
    parameters or running statistics by default. With track_running_stats the running
    statistics move by `momentum` in training and normalize in eval mode. An unbatched input
    (C, ...) is taken as a batch of one."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, input):
        ndim = np.ndim(input)
        if ndim not in self.ranks:
            raise ValueError(f"expected {' or '.join(f'{r}D' for r in self.ranks)} input "
                             f"(got {ndim}D input of shape {np.shape(input)})")
        batched = ndim == self.ranks[1]
        x = input if batched else ops.unsqueeze(input, 0)         # (C, ...) -> (1, C, ...)
        check_features(x, self.num_features, 1, "channels")
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum or 0.0, self.eps)
        return y if batched else ops.squeeze(y, 0)


class InstanceNorm1d(_InstanceNorm):
    """Input (N, C, L) or (C, L)."""
    ranks = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Input (N, C, H, W) or (C, H, W)."""
    ranks = (3, 4)


class LayerNorm(Module):
    """Normalise over the trailing dims `normalized_shape`; elementwise weight and bias of
    that shape (ones and zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.register_parameter("weight", empty_parameter(self.normalized_shape, dtype)
                                if elementwise_affine else None)
        self.register_parameter("bias", empty_parameter(self.normalized_shape, dtype)
                                if elementwise_affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        _ones_and_zeros(self.weight, self.bias)

    def forward(self, input):
        n = len(self.normalized_shape)
        if np.shape(input)[np.ndim(input) - n:] != self.normalized_shape:
            raise ValueError(f"expected input with trailing dims {self.normalized_shape}, got "
                             f"shape {np.shape(input)}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(LayerNorm):
    """Root-mean-square normalisation over the trailing dims `normalized_shape`, with an
    elementwise weight of that shape (ones) and no bias; eps None is the dtype's machine
    epsilon."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, dtype=None):
        super().__init__(normalized_shape, eps, elementwise_affine, bias=False, dtype=dtype)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each of num_groups groups of channels of (N, C, ...) per sample; per-channel
    weight and bias (ones and zeros)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None, *,
                 bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} must be divisible by "
                             f"num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        self.register_parameter("weight", empty_parameter((num_channels,), dtype)
                                if affine else None)
        self.register_parameter("bias", empty_parameter((num_channels,), dtype)
                                if affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        _ones_and_zeros(self.weight, self.bias)

    def forward(self, input):
        check_features(input, self.num_channels, 1, "channels")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
