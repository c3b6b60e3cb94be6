"""Probability distributions, as torch.distributions: Bernoulli, Categorical, Poisson, Normal,
LogNormal, Uniform, Exponential, Laplace, Cauchy, Gumbel, MultivariateNormal, Independent and
TransformedDistribution (with `transforms`), with sample, rsample (where reparameterizable),
log_prob, entropy, cdf, icdf and the moments, differentiable through the tape; `kl_divergence` with `register_kl`; `constraints`.
Samples come from autograd's default generator, which `autograd.manual_seed` reseeds."""
from . import constraints, transforms
from .distribution import Distribution
from .continuous import LogNormal, Normal, Uniform
from .discrete import Bernoulli, Categorical, Poisson
from .independent import Independent
from .inverse_cdf import Cauchy, Exponential, Gumbel, Laplace
from .multivariate_normal import MultivariateNormal
from .transformed import TransformedDistribution
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         SigmoidTransform, SoftplusTransform, TanhTransform, Transform)
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Cauchy", "Distribution", "Exponential", "Gumbel",
           "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "Poisson",
           "Uniform", "TransformedDistribution", "constraints", "kl_divergence", "register_kl",
           "transforms", "AffineTransform", "ComposeTransform", "ExpTransform", "PowerTransform",
           "SigmoidTransform", "SoftplusTransform", "TanhTransform", "Transform"]
