"""HalfNormal and HalfCauchy: |X| for X ~ Normal(0, scale) or Cauchy(0, scale), with
PyTorch's formulas (its TransformedDistributions through AbsTransform, written out here):
density twice the base's on x >= 0 and -inf below, rsample |base.rsample| (differentiable in
scale), cdf 2 F(x) - 1, icdf F^-1((p + 1) / 2), entropy the base's minus log 2."""
import math

import numpy as np

import ops
from . import constraints
from .continuous import Normal
from .distribution import Distribution, batch_shape_of, broadcast_all
from .inverse_cdf import Cauchy
from ..tensor import Tensor


class _Folded(Distribution):
    """|X| for X from `base` (a zero-centred, symmetric distribution of `scale`)."""
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    base = None

    def __init__(self, scale, validate_args=None):
        (self.scale,) = broadcast_all(scale)
        self._base = self.base(ops.zeros_like(self.scale), self.scale, validate_args=False)
        super().__init__(batch_shape_of((scale,), self.scale), validate_args=validate_args)

    @property
    def mode(self):
        return Tensor._wrap(np.zeros(self._extended_shape(), self.scale.dtype))

    def rsample(self, sample_shape=()):
        return ops.abs(self._base.rsample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_p = self._base.log_prob(value) + math.log(2)
        return ops.where(np.asarray(value) >= 0, log_p, -np.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self._base.cdf(value) - 1

    def icdf(self, prob):
        return self._base.icdf((prob + 1) / 2)

    def entropy(self):
        return self._base.entropy() - math.log(2)


class HalfNormal(_Folded):
    """|X| for X ~ N(0, scale^2)."""
    base = Normal

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale ** 2 * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """|X| for X ~ Cauchy(0, scale): its mean and variance are infinite."""
    base = Cauchy

    @property
    def mean(self):
        return Tensor._wrap(np.full(self._extended_shape(), np.inf, self.scale.dtype))

    @property
    def variance(self):
        return self.mean
