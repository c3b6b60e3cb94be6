"""The multivariate normal distribution, parameterized by a covariance matrix, a precision
matrix or a lower Cholesky factor of the covariance; everything is computed from that factor
L (covariance = L L^T) with triangular solves, so it is differentiable in all three."""
import math

import numpy as np

import ops
from . import constraints
from .continuous import LocationFamily
from .distribution import lazy_property
from ..factories import randn
from ..tensor import Tensor


def _mT(x):
    return x.transpose(-1, -2)


def diagonal(x):
    """The diagonals (..., n) of a batch of matrices (..., n, n)."""
    return (x * np.eye(x.shape[-1], dtype=x.dtype)).sum(-1)


def mahalanobis(L, x):
    """|L^-1 x|^2 over the last dim of x (..., n), L (..., n, n) lower, batch dims broadcast."""
    return (ops.solve_triangular(L, x.unsqueeze(-1), upper=False) ** 2).sum((-2, -1))


def half_log_det(L):
    """log sqrt(det(L L^T)) = sum log diag(L)."""
    return ops.log(diagonal(L)).sum(-1)


def _precision_to_scale_tril(P):
    # with J the reversal permutation, J P J = Lf Lf^T (Cholesky); then
    # Sigma = P^-1 = (J Lf^-T J)(J Lf^-T J)^T, and J Lf^-T J is lower triangular
    Lf = ops.cholesky(ops.flip(P, (-2, -1)))
    L_inv = _mT(ops.flip(Lf, (-2, -1)))
    return ops.solve_triangular(L_inv, np.eye(P.shape[-1], dtype=P.dtype), upper=False)


class MultivariateNormal(LocationFamily):
    """N(loc, Sigma) over vectors (..., n): give exactly one of `covariance_matrix`,
    `precision_matrix` (both (..., n, n), symmetric positive-definite) and `scale_tril` (lower
    triangular with a positive diagonal); the batch dims of loc and the matrix broadcast."""
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        loc = loc if isinstance(loc, Tensor) else Tensor(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [(name, m) for name, m in (("covariance_matrix", covariance_matrix),
                                           ("precision_matrix", precision_matrix),
                                           ("scale_tril", scale_tril)) if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name, matrix = given[0]
        matrix = matrix if isinstance(matrix, Tensor) else Tensor(matrix)
        if matrix.ndim < 2:
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional "
                             f"leading batch dimensions")
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(f"MultivariateNormal: {name} of shape {matrix.shape} does not "
                             f"match loc of shape {loc.shape} (expected (..., {n}, {n}))")
        batch_shape = np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, ops.broadcast_to(matrix, batch_shape + (n, n)))
        self.loc = ops.broadcast_to(loc, batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = ops.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def _expand(self, x, event_dims):
        return ops.broadcast_to(x, self._batch_shape + self._event_shape * event_dims)

    @lazy_property
    def scale_tril(self):
        return self._expand(self._unbroadcasted_scale_tril, 2)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return self._expand(L @ _mT(L), 2)

    @lazy_property
    def precision_matrix(self):
        # (L L^T)^-1 = L^-T L^-1
        L = self._unbroadcasted_scale_tril
        L_inv = ops.solve_triangular(L, np.eye(L.shape[-1], dtype=L.dtype), upper=False)
        return self._expand(_mT(L_inv) @ L_inv, 2)

    @property
    def variance(self):
        return self._expand((self._unbroadcasted_scale_tril ** 2).sum(-1), 1)

    def rsample(self, sample_shape=()):
        """loc + L eps with eps ~ N(0, I): differentiable in loc and the matrix."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        # log N(x) = -(n log(2 pi) + |L^-1 (x - mu)|^2) / 2 - sum log diag L
        if self._validate_args:
            self._validate_sample(value)
        L = self._unbroadcasted_scale_tril
        m = mahalanobis(L, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - half_log_det(L)

    def entropy(self):
        # H = n (1 + log(2 pi)) / 2 + sum log diag L
        h = (0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi))
             + half_log_det(self._unbroadcasted_scale_tril))
        return h if not self._batch_shape else ops.broadcast_to(h, self._batch_shape)
