"""Probability distributions, as torch.distributions: Bernoulli, Geometric, Binomial,
Categorical, OneHotCategorical, Poisson, Normal, LogNormal, HalfNormal, Uniform, Exponential,
Laplace, Cauchy, HalfCauchy, Gumbel, MultivariateNormal, Independent, MixtureSameFamily and
TransformedDistribution (with `transforms`): sample, rsample (where reparameterizable),
log_prob, entropy, cdf, icdf and the moments, differentiable through the tape;
`kl_divergence` with `register_kl`; `constraints`. Samples come from autograd's default
generator, which `autograd.manual_seed` reseeds."""
from . import constraints, transforms
from .distribution import Distribution
from .continuous import LogNormal, Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical, Poisson
from .folded import HalfCauchy, HalfNormal
from .independent import Independent
from .inverse_cdf import Cauchy, Exponential, Gumbel, Laplace
from .mixture import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .transformed import TransformedDistribution
from .trials import Binomial, Geometric
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         SigmoidTransform, SoftplusTransform, TanhTransform, Transform)
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Binomial", "Categorical", "Cauchy", "Distribution", "Exponential",
           "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Independent", "Laplace",
           "LogNormal", "MixtureSameFamily", "MultivariateNormal", "Normal", "OneHotCategorical",
           "Poisson", "TransformedDistribution", "Uniform", "constraints", "kl_divergence",
           "register_kl", "transforms", "AffineTransform", "ComposeTransform", "ExpTransform",
           "PowerTransform", "SigmoidTransform", "SoftplusTransform", "TanhTransform",
           "Transform"]
