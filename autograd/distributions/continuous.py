"""Normal, LogNormal and Uniform: reparameterizable (rsample is differentiable in the
parameters), with PyTorch's formulas for log_prob, cdf, icdf, entropy and the moments."""
import math

import numpy as np

import ops
from . import constraints
from .distribution import Distribution, batch_shape_of, broadcast_all
from ..factories import rand, randn


class LocationFamily(Distribution):
    """A distribution whose mean and mode are its `loc` (Normal, MultivariateNormal)."""

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc


class LocationScale(LocationFamily):
    """A reparameterizable distribution of loc + scale * (a standard variable), loc real and
    scale positive, broadcast together (Normal, LogNormal's logarithm, Laplace, Cauchy,
    Gumbel)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(batch_shape_of((loc, scale), self.loc), validate_args=validate_args)


class Normal(LocationScale):
    """The normal distribution N(loc, scale^2)."""

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        """loc + eps * scale with eps ~ N(0, 1): differentiable in loc and scale."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        # log N(x; mu, s) = -(x - mu)^2 / (2 s^2) - log s - log sqrt(2 pi)
        if self._validate_args:
            self._validate_sample(value)
        return (-((value - self.loc) ** 2) / (2 * self.variance) - ops.log(self.scale)
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ops.erf((value - self.loc) * (1 / self.scale) / math.sqrt(2)))

    def icdf(self, value):
        return self.loc + self.scale * ops.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        # H = 1/2 + log(sqrt(2 pi) s)
        return 0.5 + 0.5 * math.log(2 * math.pi) + ops.log(self.scale)


class LogNormal(LocationScale):
    """exp(X) for X ~ N(loc, scale^2): density N(log x; loc, scale^2) / x on x > 0."""
    support = constraints.positive

    @property
    def _log(self):
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self):
        return ops.exp(self.loc + self.scale ** 2 / 2)

    @property
    def mode(self):
        return ops.exp(self.loc - self.scale ** 2)

    @property
    def variance(self):
        # (e^(s^2) - 1) e^(2 mu + s^2)
        s2 = self.scale ** 2
        return ops.expm1(s2) * ops.exp(2 * self.loc + s2)

    def rsample(self, sample_shape=()):
        return ops.exp(self._log.rsample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_value = ops.log(value)
        return self._log.log_prob(log_value) - log_value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._log.cdf(ops.log(value))

    def icdf(self, value):
        return ops.exp(self._log.icdf(value))

    def entropy(self):
        return self._log.entropy() + self.loc


class Uniform(Distribution):
    """The uniform distribution on [low, high), low and high broadcast together; validation
    requires low < high everywhere."""
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(batch_shape_of((low, high), self.low), validate_args=validate_args)

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    @property
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return self.high * np.nan

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=()):
        """low + u (high - low) with u ~ U[0, 1): differentiable in low and high."""
        u = rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        # -log(high - low) inside [low, high), -inf outside (the gradient is that of the
        # first term everywhere, as PyTorch's log(lb * ub) - log(high - low))
        if self._validate_args:
            self._validate_sample(value)
        v = np.asarray(value)
        outside = np.where((self.low._data <= v) & (v < self.high._data), 0.0, -np.inf)
        return outside.astype(self.low.dtype) - ops.log(self.high - self.low)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ops.clamp((value - self.low) / (self.high - self.low), 0, 1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return ops.log(self.high - self.low)
