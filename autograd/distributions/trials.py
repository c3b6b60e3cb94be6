"""Geometric and Binomial: counts of Bernoulli trials of success probability probs (or
logits), with PyTorch's formulas; their samples are integers (in probs' dtype) drawn without
recording."""
import numpy as np

import ops
from . import constraints
from .discrete import BinaryTrials
from ..factories import rand
from ..random import default_generator
from ..tensor import Tensor


class Geometric(BinaryTrials):
    """The number of failures before the first success: P(k) = (1 - p)^k p, k = 0, 1, ..."""
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return 1 / self.probs - 1

    @property
    def mode(self):
        return Tensor._wrap(np.zeros(self._extended_shape(), self.probs.dtype))

    @property
    def variance(self):
        return (1 / self.probs - 1) / self.probs

    def sample(self, sample_shape=()):
        """floor(log u / log(1 - p)) for u ~ U(0, 1]."""
        shape = self._extended_shape(sample_shape)
        p = self.probs._data
        u = np.maximum(rand(shape, dtype=p.dtype)._data, np.finfo(p.dtype).tiny)
        with np.errstate(divide="ignore"):
            return Tensor._wrap(np.floor(np.log(u) / np.log1p(-p)).astype(p.dtype))

    def log_prob(self, value):
        # k log(1 - p) + log p, with 0 log(1 - 1) = 0: P(0) = 1 at p = 1
        if self._validate_args:
            self._validate_sample(value)
        v = np.asarray(value)
        certain = (self.probs._data == 1) & (v == 0)
        log_q = ops.where(certain, 0.0, ops.log1p(-self.probs))
        return value * log_q + ops.log(self.probs)

    def entropy(self):
        # (-(1 - p) log(1 - p) - p log p) / p
        return ops.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                    reduction="none") / self.probs


class Binomial(BinaryTrials):
    """The number of successes in total_count trials."""
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        super().__init__(probs, logits, validate_args, total_count=total_count)

    @property
    def arg_constraints(self):
        return {"total_count": constraints.nonnegative_integer,
                "probs": constraints.unit_interval, "logits": constraints.real}

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ops.clamp(((self.total_count + 1) * self.probs).floor(), max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        n, p = (np.broadcast_to(t._data, shape) for t in (self.total_count, self.probs))
        k = default_generator().binomial(n.astype(np.int64), p)
        return Tensor._wrap(k.astype(self.probs.dtype))

    def log_prob(self, value):
        # log C(n, k) + k log p + (n - k) log(1 - p), the last two as k l - n log(1 + e^l)
        # for the logits l, written stably: n (max(l, 0) + log1p(e^-|l|))
        if self._validate_args:
            self._validate_sample(value)
        n, l = self.total_count, self.logits
        log_choose = ops.lgamma(n + 1) - ops.lgamma(value + 1) - ops.lgamma(n - value + 1)
        normalizer = n * (ops.clamp(l, min=0) + ops.log1p(ops.exp(-ops.abs(l))))
        return log_choose + value * l - normalizer

    def entropy(self):
        """-sum_k P(k) log P(k) over k = 0..n; n must be one number for the whole batch."""
        counts = np.unique(self.total_count._data)
        if counts.size != 1:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        k = Tensor._wrap(np.arange(int(counts[0]) + 1, dtype=self.probs.dtype).reshape(
            (-1,) + (1,) * len(self.batch_shape)))                     # (n + 1, 1, ...)
        log_p = self.log_prob(k)
        return -(ops.exp(log_p) * log_p).sum(0)
