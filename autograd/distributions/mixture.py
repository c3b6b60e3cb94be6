"""MixtureSameFamily: a Categorical choice among K components of one distribution family, as
torch.distributions.MixtureSameFamily (a Gaussian mixture: MixtureSameFamily(Categorical(w),
Normal(mu, s)) with mu, s of shape (..., K))."""
import numpy as np

import ops
from .discrete import Categorical
from .distribution import Distribution
from ..tensor import Tensor


class MixtureSameFamily(Distribution):
    """p(x) = sum_k w_k p_k(x): component_distribution's last batch dim holds the K
    components, mixture_distribution (a Categorical over K) their weights. Its log_prob,
    cdf, mean and variance are differentiable in both; its samples are not (no rsample)."""
    arg_constraints = {}

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("The Mixture distribution needs to be an instance of "
                             "torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution need to be an instance of "
                             "torch.distributions.Distribution")
        mix, comp = mixture_distribution.batch_shape, component_distribution.batch_shape[:-1]
        for m, c in zip(reversed(mix), reversed(comp)):
            if m != 1 and c != 1 and m != c:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mix}) is not compatible "
                                 f"with `component_distribution.batch_shape`({comp})")
        k = mixture_distribution.logits.shape[-1]
        if component_distribution.batch_shape[-1:] != (k,):
            raise ValueError(f"`mixture_distribution component` ({k}) does not equal "
                             f"`component_distribution.batch_shape[-1]` "
                             f"({component_distribution.batch_shape[-1]})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(comp, component_distribution.event_shape, validate_args=validate_args)

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    @property
    def support(self):
        return self._component_distribution.support

    def _weights(self):
        """The mixture probabilities shaped to multiply the components' (..., K, *event)."""
        probs = self._mixture_distribution.probs
        return probs.reshape(probs.shape + (1,) * self._event_ndims)

    @property
    def mean(self):
        return (self._weights() * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        # E[Var(x | k)] + Var(E[x | k])
        w, axis, comp = self._weights(), -1 - self._event_ndims, self._component_distribution
        means = comp.mean
        spread = (means - (w * means).sum(axis, keepdim=True)) ** 2
        return (w * (comp.variance + spread)).sum(axis)

    def _pad(self, x):
        """x with a components dim before its event dims: (..., *event) -> (..., 1, *event)."""
        return x.unsqueeze(-1 - self._event_ndims)

    def log_prob(self, value):
        # log sum_k w_k p_k(x) = logsumexp_k (log w_k + log p_k(x))
        if self._validate_args:
            self._validate_sample(value)
        log_p = self._component_distribution.log_prob(self._pad(value))           # (..., K)
        return ops.logsumexp(log_p + self._mixture_distribution.logits, -1)  # normalized

    def cdf(self, value):
        return (self._component_distribution.cdf(self._pad(value))
                * self._mixture_distribution.probs).sum(-1)

    def sample(self, sample_shape=()):
        """Each draw: a component k from the mixture, then a draw of that component."""
        sample_shape = tuple(sample_shape)
        mix = self._mixture_distribution.batch_shape
        k = self._mixture_distribution.sample(sample_shape)._data                # (S, *mix)
        k = k.reshape(sample_shape + (1,) * (len(self.batch_shape) - len(mix)) + mix)
        k = np.broadcast_to(k, sample_shape + self.batch_shape)                   # (S, *B)
        x = self._component_distribution.sample(sample_shape)._data              # (S, *B, K, *E)
        index = k.reshape(k.shape + (1,) * (1 + self._event_ndims))              # (S, *B, 1, 1..)
        index = np.broadcast_to(index, x.shape[:-1 - self._event_ndims] + (1,)
                                + x.shape[x.ndim - self._event_ndims:])
        picked = np.take_along_axis(x, index, axis=-1 - self._event_ndims)
        return Tensor._wrap(picked.squeeze(-1 - self._event_ndims))

    def __repr__(self):
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  "
                f"{self._component_distribution!r})")
