"""Invertible transforms of random variables, as torch.distributions.transforms: y = t(x),
x = t.inv(y), and log |dy/dx| (`log_abs_det_jacobian`), what TransformedDistribution needs.
Each is a composition of ops, so log-densities through them have gradients of every order.
Elementwise transforms have event_dim 0; AffineTransform(event_dim=k) sums its log-Jacobian
over the last k dims."""
import math
from numbers import Number

import numpy as np

import ops
from . import constraints
from .distribution import clamp_probs
from .independent import sum_rightmost


class Transform:
    """Base class: a subclass sets domain, codomain, bijective and sign (+1 or -1 where
    monotone) and implements _call, _inverse and log_abs_det_jacobian. With cache_size=1 the
    last (x, y) pair is kept, so that t.inv(t(x)) is x itself (TanhTransform near +-1, where
    atanh(tanh(x)) is not x)."""
    domain = constraints.real
    codomain = constraints.real
    bijective = True
    sign = 1
    event_dim = 0

    def __init__(self, cache_size=0):
        if cache_size not in (0, 1):
            raise ValueError(f"cache_size must be 0 or 1, got {cache_size}")
        self._cache_size = cache_size
        self._cached = (None, None)

    @property
    def inv(self):
        return _InverseTransform(self)

    def __call__(self, x):
        if self._cache_size and x is self._cached[0]:
            return self._cached[1]
        y = self._call(x)
        if self._cache_size:
            self._cached = (x, y)
        return y

    def _inv_call(self, y):
        if self._cache_size and y is self._cached[1]:
            return self._cached[0]
        x = self._inverse(y)
        if self._cache_size:
            self._cached = (x, y)
        return x

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "log_abs_det_jacobian")

    def __repr__(self):
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    """t.inv: the transform run backwards; its inverse is t itself."""

    def __init__(self, transform):
        super().__init__()
        self._inv = transform
        self.domain, self.codomain = transform.codomain, transform.domain
        self.sign, self.event_dim = transform.sign, transform.event_dim

    @property
    def inv(self):
        return self._inv

    def __call__(self, x):
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def __repr__(self):
        return f"_InverseTransform({self._inv!r})"


class ExpTransform(Transform):
    codomain = constraints.positive

    def _call(self, x):
        return ops.exp(x)

    def _inverse(self, y):
        return ops.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x                                        # log e^x


class PowerTransform(Transform):
    """y = x^exponent on x > 0."""
    domain = codomain = constraints.positive

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size)
        self.exponent = exponent
        self.sign = int(np.sign(exponent)) if isinstance(exponent, Number) else exponent.sign()

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** (1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return ops.log(ops.abs(self.exponent * y / x))  # log |e x^(e-1)| = log |e y / x|


class SigmoidTransform(Transform):
    codomain = constraints.unit_interval

    def _call(self, x):
        return clamp_probs(ops.sigmoid(x))

    def _inverse(self, y):
        y = clamp_probs(y)
        return ops.log(y) - ops.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -ops.softplus(-x) - ops.softplus(x)      # log s(x) (1 - s(x))


class TanhTransform(Transform):
    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x):
        return ops.tanh(x)

    def _inverse(self, y):
        return ops.atanh(y)

    def log_abs_det_jacobian(self, x, y):
        # log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)), stable for large |x|
        return 2.0 * (math.log(2.0) - x - ops.softplus(-2.0 * x))


class SoftplusTransform(Transform):
    codomain = constraints.positive

    def _call(self, x):
        return ops.softplus(x)

    def _inverse(self, y):
        return y + ops.log(-ops.expm1(-y))              # log(e^y - 1)

    def log_abs_det_jacobian(self, x, y):
        return -ops.softplus(-x)                        # log sigmoid(x)


class AffineTransform(Transform):
    """y = loc + scale x; with event_dim = k, the last k dims are one event."""

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size)
        self.loc, self.scale, self.event_dim = loc, scale, event_dim
        self.sign = int(np.sign(scale)) if isinstance(scale, Number) else scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = np.shape(x)
        if isinstance(self.scale, Number):
            out = ops.zeros_like(x) + math.log(abs(self.scale))
        else:
            out = ops.broadcast_to(ops.log(ops.abs(self.scale)), shape)
        return sum_rightmost(out, self.event_dim)


class ComposeTransform(Transform):
    """parts[-1](... parts[0](x)): the log-Jacobians of the parts add up."""

    def __init__(self, parts, cache_size=0):
        super().__init__(cache_size)
        self.parts = list(parts)
        if self.parts:
            self.domain, self.codomain = self.parts[0].domain, self.parts[-1].codomain
        self.event_dim = max((p.event_dim for p in self.parts), default=0)
        self.sign = math.prod(p.sign for p in self.parts)       # a Tensor where one is

    @property
    def inv(self):
        return ComposeTransform([p.inv for p in reversed(self.parts)])

    def _call(self, x):
        for p in self.parts:
            x = p(x)
        return x

    def _inverse(self, y):
        for p in reversed(self.parts):
            y = p.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return ops.zeros_like(x)
        total = 0
        for i, p in enumerate(self.parts):
            nxt = p(x) if i + 1 < len(self.parts) else y
            total = total + sum_rightmost(p.log_abs_det_jacobian(x, nxt),
                                          self.event_dim - p.event_dim)
            x = nxt
        return total

    def __repr__(self):
        inner = ",\n    ".join(map(repr, self.parts))
        return f"ComposeTransform(\n    {inner}\n)"


identity_transform = ComposeTransform([])
