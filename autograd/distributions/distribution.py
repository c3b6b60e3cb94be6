"""The Distribution base class (as torch.distributions.Distribution: shapes, argument and
sample validation, sample via rsample without recording) and the helpers its subclasses share.

Parameters are Tensors, so log_prob, entropy, KL and rsample-based losses are differentiable
through the tape; random draws come from autograd's default generator (`manual_seed`)."""
import functools
from numbers import Number

import numpy as np

import ops
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor, tensor


class lazy_property:
    """A property computed (with grad mode on) on first access and then stored on the
    instance: how Categorical and Bernoulli keep whichever of probs and logits was not given."""

    def __init__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.fn(instance)
        instance.__dict__[self.fn.__name__] = value
        return value


def broadcast_all(*values):
    """The values as Tensors broadcast to one shape. Numbers become Tensors of the first Tensor
    argument's dtype (float32 when there is none, PyTorch's default); arrays keep theirs."""
    dtype = next((v.dtype for v in values if isinstance(v, (Tensor, np.ndarray))), np.float32)
    values = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype if isinstance(v, Number)
                                                     else None) for v in values]
    shape = np.broadcast_shapes(*(v.shape for v in values))
    return tuple(v if v.shape == shape else ops.broadcast_to(v, shape) for v in values)


def batch_shape_of(params, broadcast):
    """() when every parameter was a Python number (PyTorch's rule), else the shape of
    `broadcast`, a parameter after broadcast_all."""
    return () if all(isinstance(p, Number) for p in params) else broadcast.shape


def clamp_probs(probs):
    """probs clamped to [eps, 1 - eps] (eps the dtype's machine epsilon): finite logits."""
    eps = np.finfo(probs.dtype).eps
    return ops.clamp(probs, eps, 1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p (categorical) or log p - log(1 - p) (binary), from clamped probabilities."""
    p = clamp_probs(probs)
    return ops.log(p) - ops.log1p(-p) if is_binary else ops.log(p)


class Distribution:
    """Base class. A subclass sets `arg_constraints` and `support`, calls
    `super().__init__(batch_shape, event_shape, validate_args)` once its parameters are set,
    and implements what it has of rsample (then `has_rsample = True`), log_prob, entropy,
    mean, variance, mode, cdf. With validation on (the default, as PyTorch's, changed by
    `set_default_validate_args` or `validate_args=`), parameters outside their constraints
    and log_prob values outside the support raise ValueError."""
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__
    arg_constraints = {}
    support = None

    @staticmethod
    def set_default_validate_args(value):
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if not self._validate_args:
            return
        for param, constraint in self.arg_constraints.items():
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                         lazy_property):
                continue                              # not given: computed from one that was
            value = getattr(self, param)
            if not np.all(constraint.check(value)):
                raise ValueError(f"Expected parameter {param} ({type(value).__name__} of shape "
                                 f"{tuple(value.shape)}) of distribution {self!r} to satisfy "
                                 f"the constraint {constraint!r}, but found invalid values:\n"
                                 f"{value}")

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """A sample of shape sample_shape + batch_shape + event_shape, not recorded."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} does not support rsample: its "
                                  f"samples are not reparameterizable")

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self):
        return ops.exp(self.entropy())

    def _extended_shape(self, sample_shape=()):
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value):
        """ValueError unless `value` is a Tensor whose shape broadcasts with batch_shape +
        event_shape (its last dims equal to event_shape) and whose values are in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        start = value.ndim - len(self._event_shape)
        if value.shape[start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{value.shape} vs {self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(value.shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{value.shape} vs {expected}.")
        if not np.all(self.support.check(value)):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support "
                             f"({self.support!r}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

    def __repr__(self):
        shown = [f"{p}: {v.item() if v.numel() == 1 else v.shape}"
                 for p, v in ((p, self.__dict__[p]) for p in self.arg_constraints
                              if p in self.__dict__)]
        return f"{type(self).__name__}({', '.join(shown)})"
