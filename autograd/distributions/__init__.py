"""Probability distributions, as torch.distributions: Bernoulli, Categorical, Normal, Uniform,
MultivariateNormal, with sample, rsample (where reparameterizable), log_prob, entropy and the
moments, differentiable through the tape; `kl_divergence` with `register_kl`; `constraints`.
Samples come from autograd's default generator, which `autograd.manual_seed` reseeds."""
from . import constraints
from .distribution import Distribution
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical
from .multivariate_normal import MultivariateNormal
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Distribution", "MultivariateNormal", "Normal", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
