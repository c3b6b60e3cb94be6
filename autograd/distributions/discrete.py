"""Bernoulli, Categorical and OneHotCategorical, parameterized by probs or by logits (the other
is computed on first use), and Poisson(rate), with PyTorch's formulas; their samples are
integers (one-hot vectors) drawn without recording."""

import numpy as np

import ops
from . import constraints
from .distribution import (Distribution, batch_shape_of, broadcast_all, lazy_property,
                           probs_to_logits)
from ..factories import rand
from ..random import default_generator
from ..tensor import Tensor


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class BinaryTrials(Distribution):
    """A distribution of Bernoulli trials of success probability probs, or of
    logits = log(p / (1 - p)) (Bernoulli, Geometric, Binomial); `others` are further
    parameters broadcast with it (Binomial's total_count)."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}

    def __init__(self, probs=None, logits=None, validate_args=None, **others):
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        param, *rest = broadcast_all(given, *others.values())
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        self.__dict__.update(zip(others, rest))
        super().__init__(batch_shape_of((given, *others.values()), param),
                         validate_args=validate_args)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return ops.sigmoid(self.logits)

    @property
    def param_shape(self):
        return self._param.shape


class Bernoulli(BinaryTrials):
    """Bernoulli(probs) on {0, 1}, or Bernoulli(logits=log(p / (1 - p)))."""
    support = constraints.boolean
    has_enumerate_support = True

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        p = self.probs._data
        return Tensor._wrap(np.where(p == 0.5, np.nan, (p >= 0.5).astype(p.dtype)))

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        """1.0 where a uniform draw falls below probs, else 0.0 (in probs' dtype)."""
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs._data, shape)
        return Tensor._wrap((rand(shape, dtype=p.dtype)._data < p).astype(p.dtype))

    def log_prob(self, value):
        # log p(x) = x log p + (1 - x) log(1 - p) = -BCE(logits, x)
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -ops.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return ops.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """A categorical distribution over {0, ..., K-1}: probs (..., K), nonnegative, normalized
    here along the last dim, or logits (..., K), unnormalized log-probabilities. The batch
    shape is the leading dims."""
    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        name = "probs" if probs is not None else "logits"
        given = probs if probs is not None else logits
        if not isinstance(given, Tensor):
            given = Tensor(given)
        if given.ndim < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        if probs is not None:
            self.probs = self._param = given / given.sum(-1, keepdim=True)
        else:                                   # normalized: log-probabilities
            self.logits = self._param = given - given.logsumexp(-1, keepdim=True)
        self._num_events = given.shape[-1]
        super().__init__(given.shape[:-1], validate_args=validate_args)

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return ops.softmax(self.logits, -1)

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def mean(self):
        return Tensor._wrap(np.full(self._extended_shape(), np.nan, self.probs.dtype))

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return self.mean

    def sample(self, sample_shape=()):
        """int64 categories by inverse-CDF sampling: the number of cumulative probabilities at
        or below a uniform draw."""
        sample_shape = tuple(sample_shape)
        cdf = np.cumsum(self.probs._data.reshape(-1, self._num_events), -1)   # (batch, K)
        u = rand(sample_shape + (cdf.shape[0], 1), dtype=cdf.dtype)._data * cdf[:, -1:]
        k = np.minimum((u >= cdf).sum(-1), self._num_events - 1)             # (samples, batch)
        return Tensor._wrap(k.reshape(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        # log p(k) = logits[k], the logits being normalized
        if self._validate_args:
            self._validate_sample(value)
        index = np.asarray(value).astype(np.int64)[..., None]
        shape = np.broadcast_shapes(index.shape[:-1], self.logits.shape[:-1])
        log_pmf = ops.broadcast_to(self.logits, shape + (self._num_events,))
        return log_pmf.gather(-1, np.broadcast_to(index, shape + (1,))).squeeze(-1)

    def entropy(self):
        # H = -sum_k p_k log p_k, with log 0 taken as the dtype's most negative number
        logits = ops.clamp(self.logits, min=np.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)


class Poisson(Distribution):
    """The Poisson distribution with rate lambda >= 0: P(k) = lambda^k e^(-lambda) / k!."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(batch_shape_of((rate,), self.rate), validate_args=validate_args)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        """Counts from the default generator, in rate's dtype (as PyTorch's)."""
        shape = self._extended_shape(sample_shape)
        k = default_generator().poisson(np.broadcast_to(self.rate._data, shape))
        return Tensor._wrap(k.astype(self.rate.dtype))

    def log_prob(self, value):
        # k log lambda - lambda - log k!  (0 log 0 = 0: P(0) = 1 at rate 0)
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return ops.xlogy(value, rate) - rate - ops.lgamma(value + 1)


class OneHotCategorical(Distribution):
    """A Categorical whose draws are one-hot vectors of length K (the event)."""
    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=False)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return ops.one_hot(self.probs.argmax(-1), self.event_shape[0]).astype(self.probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        k = self._categorical.sample(sample_shape)
        return ops.one_hot(k, self.event_shape[0]).astype(self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self):
        return self._categorical.entropy()
