"""torch.special for tapegrad: `autograd.special.expit(x)` and so on. The functions are ops of
ops/special.py, ops/elementwise.py and ops/activation.py (see there for the VJPs, which give
gradients of every order); this module gives them torch.special's names and signatures. It is
imported on first use of `autograd.special` (autograd/aliases.py), when ops is whole.

Not provided (an AttributeError says so): NOT_PROVIDED below.
"""
import math

import ops
from ops.activation import erf  # noqa: F401
from ops.elementwise import expm1, log1p, sigmoid as expit  # noqa: F401
from ops.special import (digamma, entr, erfc, erfcx, erfinv, exp2, i0, i0e, i1,  # noqa: F401
                         i1e, lgamma as gammaln, log_ndtr, ndtr, ndtri, polygamma, sinc,
                         xlog1py, xlogy)

NOT_PROVIDED = frozenset(
    ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "airy_ai", "modified_bessel_k0",
     "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "zeta",
     "gammainc", "gammaincc", "hermite_polynomial_h", "hermite_polynomial_he",
     "laguerre_polynomial_l", "legendre_polynomial_p"]
    + [f"{shifted}chebyshev_polynomial_{kind}" for shifted in ("", "shifted_") for kind in "tuvw"])

# torch.special's other names for the same functions; modified_bessel_i0/i1 are not
# differentiable in PyTorch, and are here
psi, modified_bessel_i0, modified_bessel_i1 = digamma, i0, i1


def logit(input, eps=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    return ops.logit(input, eps)


def multigammaln(input, p):
    """The multivariate log-gamma function of dimension p."""
    return ops.mvlgamma(input, p)


def spherical_bessel_j0(input):
    """sin(x) / x, 1 at 0: sinc(x / pi)."""
    return sinc(input / math.pi)


def softmax(input, dim, *, dtype=None):
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return input.log_softmax(dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False):
    return ops.logsumexp(input, dim, keepdim)


def round(input, *, decimals=0):
    return input.round(decimals)


def __getattr__(name):
    if name in NOT_PROVIDED:
        raise AttributeError(f"autograd.special.{name} is not supported by tapegrad (README, "
                             "'What is not supported')")
    raise AttributeError(f"module 'autograd.special' has no attribute {name!r}")
