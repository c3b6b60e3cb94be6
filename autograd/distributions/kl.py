"""KL divergence KL(p || q) between distributions, dispatched on the pair of types; new pairs
are added with `register_kl`. The closed forms of the pairs here are PyTorch's."""
import numpy as np

import ops
from .continuous import LogNormal, Normal, Uniform
from .discrete import Bernoulli, Categorical, Poisson
from .folded import HalfCauchy, HalfNormal
from .independent import Independent, sum_rightmost
from .inverse_cdf import EULER, Cauchy, Exponential, Gumbel, Laplace
from .trials import Binomial, Geometric
from .multivariate_normal import MultivariateNormal, half_log_det, mahalanobis

_KL_REGISTRY = {}


def register_kl(type_p, type_q):
    """Decorator: `@register_kl(P, Q) def kl(p, q)` computes KL(p || q) for instances of
    subclasses of P and Q; the most specific registered pair wins."""
    for t in (type_p, type_q):
        if not isinstance(t, type):
            raise TypeError(f"register_kl: expected classes, got {t!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return decorator


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)], one value per batch element. Raises
    NotImplementedError for a pair of types with no registered formula."""
    tp, tq = type(p), type(q)
    matches = [(tp.__mro__.index(a), tq.__mro__.index(b), fn)
               for (a, b), fn in _KL_REGISTRY.items() if issubclass(tp, a) and issubclass(tq, b)]
    if not matches:
        raise NotImplementedError(f"No KL(p || q) is implemented for p = {tp.__name__}, q = "
                                  f"{tq.__name__}")
    return min(matches, key=lambda m: m[:2])[2](p, q)


def _infinite_where(t, mask):
    """t, with +inf where `mask` (an array) holds."""
    return ops.where(mask, np.inf, t)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    # (s_p^2 / s_q^2 + (mu_p - mu_q)^2 / s_q^2 - 1 - log(s_p^2 / s_q^2)) / 2
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - ops.log(var_ratio))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    # exp is one-to-one: the KL of the logarithms
    return _kl_normal_normal(p._log, q._log)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    # log(l_p / l_q) + l_q / l_p - 1
    ratio = q.rate / p.rate
    return ratio - ops.log(ratio) - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    # log(b_q / b_p) + |mu_p - mu_q| / b_q + (b_p / b_q) exp(-|mu_p - mu_q| / b_p) - 1
    ratio, gap = p.scale / q.scale, ops.abs(p.loc - q.loc)
    return -ops.log(ratio) + gap / q.scale + ratio * ops.exp(-gap / p.scale) - 1


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    # log(((s_p + s_q)^2 + (mu_p - mu_q)^2) / (4 s_p s_q))
    return ops.log(((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2) / (4 * p.scale * q.scale))


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    # log(b_q / b_p) + (mu_p - mu_q) / b_q + gamma (r - 1) + e^((mu_q - mu_p) / b_q) Gamma(1 + r)
    # - 1, with r = b_p / b_q
    r = p.scale / q.scale
    return (-ops.log(r) + (p.loc - q.loc) / q.scale + EULER * (r - 1)
            + ops.exp((q.loc - p.loc) / q.scale + ops.lgamma(1 + r)) - 1)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    # l_p log(l_p / l_q) - (l_p - l_q), 0 log 0 = 0 (PyTorch's gives NaN at l_p = 0)
    return ops.xlogy(p.rate, p.rate / q.rate) - (p.rate - q.rate)


@register_kl(HalfNormal, HalfNormal)
@register_kl(HalfCauchy, HalfCauchy)
def _kl_folded_folded(p, q):
    # folding a zero-centred symmetric pair halves both densities alike: the bases' KL
    return kl_divergence(p._base, q._base)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    # log(p / q) + E[k] log((1 - p) / (1 - q)), E[k] = (1 - p) / p
    return (ops.log(p.probs) - ops.log(q.probs)
            + (1 / p.probs - 1) * (ops.log1p(-p.probs) - ops.log1p(-q.probs)))


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    # n (p (l_p - l_q) + log(1 - p) - log(1 - q)) for equal counts; +inf where p's count is
    # larger (q gives its top counts no mass)
    n_p, n_q = p.total_count._data, q.total_count._data
    if np.any(n_p < n_q):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count "
                                  "is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + ops.log1p(-p.probs)
                          - ops.log1p(-q.probs))
    return _infinite_where(kl, n_p > n_q)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independent distributions is implemented only "
                                  "for equal reinterpreted_batch_ndims")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p / q) + (1 - p) log((1 - p) / (1 - q)), with softplus(-l) = -log sigmoid(l);
    # 0 log 0 = 0, and +inf where q puts no mass on what p can draw
    pp, qp = p.probs._data, q.probs._data
    t1 = p.probs * (ops.softplus(-q.logits) - ops.softplus(-p.logits))
    t1 = ops.where(pp == 0, 0.0, _infinite_where(t1, qp == 0))
    t2 = (1 - p.probs) * (ops.softplus(q.logits) - ops.softplus(p.logits))
    t2 = ops.where(pp == 1, 0.0, _infinite_where(t2, qp == 1))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    # sum_k p_k (log p_k - log q_k), 0 log 0 = 0, +inf where q_k = 0 < p_k
    t = p.probs * (p.logits - q.logits)
    pp, qp = np.broadcast_arrays(p.probs._data, q.probs._data)
    t = ops.where(pp == 0, 0.0, _infinite_where(t, qp == 0))
    return t.sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    # log((h_q - l_q) / (h_p - l_p)) when [l_p, h_p] lies inside [l_q, h_q], else +inf
    result = ops.log((q.high - q.low) / (p.high - p.low))
    return _infinite_where(result, (q.low._data > p.low._data) | (q.high._data < p.high._data))


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    # (tr(S_q^-1 S_p) + |L_q^-1 (mu_q - mu_p)|^2 - n) / 2 + log det L_q - log det L_p, with
    # tr(S_q^-1 S_p) = |L_q^-1 L_p|_F^2
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event "
                         "shapes cannot be computed")
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    n = p.event_shape[0]
    batch = np.broadcast_shapes(Lq.shape[:-2], Lp.shape[:-2])
    Lq_b, Lp_b = (ops.broadcast_to(L, batch + (n, n)) for L in (Lq, Lp))
    term2 = (ops.solve_triangular(Lq_b, Lp_b, upper=False) ** 2).sum((-2, -1))
    term3 = mahalanobis(Lq, q.loc - p.loc)
    return half_log_det(Lq) - half_log_det(Lp) + 0.5 * (term2 + term3 - n)
