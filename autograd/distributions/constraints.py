"""Constraints on distribution parameters and supports, as torch.distributions.constraints:
`check(value)` returns a boolean array over the value's batch dims (its last `event_dim` dims
are one event), and the repr is PyTorch's (it appears in validation errors)."""
import numpy as np

__all__ = ["Constraint", "boolean", "greater_than", "greater_than_eq", "independent",
           "integer_interval", "interval", "less_than", "lower_cholesky", "nonnegative",
           "nonnegative_integer", "one_hot", "positive", "positive_definite", "real", "real_vector",
           "simplex", "unit_interval"]


class Constraint:
    """A region of valid values. `event_dim`: the number of rightmost dims that form one
    event, all checked together."""
    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__[1:] + "()"


class _Real(Constraint):
    def check(self, value):
        value = np.asarray(value)
        return value == value                                  # False for NaN


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        value = np.asarray(value)
        return (value == 0) | (value == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return np.asarray(self.lower_bound) < np.asarray(value)

    def __repr__(self):
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return np.asarray(self.lower_bound) <= np.asarray(value)

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _IntegerGreaterThan(_GreaterThanEq):
    is_discrete = True

    def check(self, value):
        return (np.asarray(value) % 1 == 0) & super().check(value)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return np.asarray(value) < np.asarray(self.upper_bound)

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        value = np.asarray(value)
        return (np.asarray(self.lower_bound) <= value) & (value <= np.asarray(self.upper_bound))

    def __repr__(self):
        return (f"{type(self).__name__[1:]}(lower_bound={self.lower_bound}, "
                f"upper_bound={self.upper_bound})")


class _IntegerInterval(_Interval):
    is_discrete = True

    def check(self, value):
        return (np.asarray(value) % 1 == 0) & super().check(value)


class _Simplex(Constraint):
    """Nonnegative vectors summing to 1 (within 1e-6) along the last dim."""
    event_dim = 1

    def check(self, value):
        value = np.asarray(value)
        return np.all(value >= 0, axis=-1) & (np.abs(value.sum(-1) - 1) < 1e-6)


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal."""
    event_dim = 2

    def check(self, value):
        value = np.asarray(value)
        lower = np.all(np.tril(value) == value, axis=(-2, -1))
        return lower & np.all(np.diagonal(value, axis1=-2, axis2=-1) > 0, axis=-1)


class _PositiveDefinite(Constraint):
    """Symmetric (to 1e-6) positive-definite square matrices."""
    event_dim = 2

    def check(self, value):
        value = np.asarray(value)
        symmetric = np.all(np.isclose(value, np.swapaxes(value, -1, -2), atol=1e-6),
                           axis=(-2, -1))
        if not np.all(symmetric):
            return symmetric
        return np.linalg.eigvalsh(value).min(-1) > 0


class _OneHot(Constraint):
    """Vectors of 0s and 1s with a single 1."""
    is_discrete = True
    event_dim = 1

    def check(self, value):
        value = np.asarray(value)
        return np.all((value == 0) | (value == 1), axis=-1) & (value.sum(-1) == 1)


class _IndependentConstraint(Constraint):
    """`base_constraint` on each entry, all true over the `reinterpreted_batch_ndims` last
    dims."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete

    def check(self, value):
        ok = self.base_constraint.check(value)
        n = self.reinterpreted_batch_ndims
        return np.all(ok, axis=tuple(range(-n, 0))) if n else ok

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
nonnegative_integer = _IntegerGreaterThan(0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
integer_interval = _IntegerInterval
simplex = _Simplex()
one_hot = _OneHot()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
independent = _IndependentConstraint
real_vector = _IndependentConstraint(real, 1)
