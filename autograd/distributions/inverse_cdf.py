"""Exponential, Laplace, Cauchy and Gumbel: reparameterizable through their inverse CDF
(rsample is icdf(u) for a uniform u, differentiable in the parameters), with PyTorch's formulas
for log_prob, cdf, icdf, entropy and the moments."""
import math

import numpy as np

import ops
from . import constraints
from .continuous import LocationScale
from .distribution import Distribution, batch_shape_of, broadcast_all
from ..factories import rand
from ..tensor import Tensor

EULER = 0.57721566490153286061          # the Euler-Mascheroni constant: Gumbel's mean


def _uniform(dist, like, sample_shape, low=0.0):
    """u ~ U[low, 1) (low 0 or -1) of the sample's shape, in the dtype of the Tensor `like`,
    cut to [tiny, 1 - eps] or [eps - 1, 1 - eps]: the logs of u, 1 - u and 1 - |u| stay
    finite."""
    u = rand(dist._extended_shape(sample_shape), dtype=like.dtype) * (1 - low) + low
    info = np.finfo(like.dtype)
    return ops.clamp(u, float(info.tiny) if low == 0 else low + float(info.eps),
                     1 - float(info.eps))


class Exponential(Distribution):
    """The exponential distribution with rate lambda: density lambda e^(-lambda x) on x >= 0."""
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(batch_shape_of((rate,), self.rate), validate_args=validate_args)

    @property
    def mean(self):
        return 1 / self.rate

    @property
    def mode(self):
        return Tensor._wrap(np.zeros(self._extended_shape(), self.rate.dtype))

    @property
    def stddev(self):
        return 1 / self.rate

    @property
    def variance(self):
        return self.rate ** -2

    def rsample(self, sample_shape=()):
        """-log(1 - u) / rate: differentiable in rate."""
        return -ops.log1p(-_uniform(self, self.rate, sample_shape)) / self.rate

    def log_prob(self, value):
        # log(lambda e^(-lambda x)) = log lambda - lambda x
        if self._validate_args:
            self._validate_sample(value)
        return ops.log(self.rate) - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - ops.exp(-self.rate * value)

    def icdf(self, value):
        return -ops.log1p(-value) / self.rate

    def entropy(self):
        return 1 - ops.log(self.rate)


class Laplace(LocationScale):
    """The Laplace distribution: density exp(-|x - loc| / scale) / (2 scale)."""
    @property
    def stddev(self):
        return math.sqrt(2) * self.scale

    @property
    def variance(self):
        return 2 * self.scale ** 2

    def rsample(self, sample_shape=()):
        """loc - scale sgn(u) log(1 - |u|) with u ~ U(-1, 1): differentiable in loc, scale."""
        u = _uniform(self, self.loc, sample_shape, low=-1.0)
        return self.loc - self.scale * ops.sign(u) * ops.log1p(-ops.abs(u))

    def log_prob(self, value):
        # -log(2 scale) - |x - loc| / scale
        if self._validate_args:
            self._validate_sample(value)
        return -ops.log(2 * self.scale) - ops.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        d = value - self.loc
        return 0.5 - 0.5 * ops.sign(d) * ops.expm1(-ops.abs(d) / self.scale)

    def icdf(self, value):
        t = value - 0.5
        return self.loc - self.scale * ops.sign(t) * ops.log1p(-2 * ops.abs(t))

    def entropy(self):
        return 1 + ops.log(2 * self.scale)


class Cauchy(LocationScale):
    """The Cauchy distribution: density 1 / (pi scale (1 + ((x - loc) / scale)^2)). Its mean
    is undefined (NaN) and its variance infinite, as PyTorch reports them."""
    @property
    def mean(self):
        return Tensor._wrap(np.full(self._extended_shape(), np.nan, self.loc.dtype))

    @property
    def variance(self):
        return Tensor._wrap(np.full(self._extended_shape(), np.inf, self.loc.dtype))

    def rsample(self, sample_shape=()):
        return self.icdf(_uniform(self, self.loc, sample_shape))

    def log_prob(self, value):
        # -log pi - log scale - log(1 + z^2), z = (x - loc) / scale
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - ops.log(self.scale)
                - ops.log1p(((value - self.loc) / self.scale) ** 2))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ops.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return ops.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + ops.log(self.scale)


class Gumbel(LocationScale):
    """The Gumbel (type I extreme value) distribution: cdf exp(-exp(-(x - loc) / scale))."""
    @property
    def mean(self):
        return self.loc + self.scale * EULER

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev ** 2

    def rsample(self, sample_shape=()):
        return self.icdf(_uniform(self, self.loc, sample_shape))

    def log_prob(self, value):
        # -(z + e^-z) - log scale, z = (x - loc) / scale
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -(z + ops.exp(-z)) - ops.log(self.scale)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ops.exp(-ops.exp(-(value - self.loc) / self.scale))

    def icdf(self, value):
        return self.loc - self.scale * ops.log(-ops.log(value))

    def entropy(self):
        return ops.log(self.scale) + (1 + EULER)
