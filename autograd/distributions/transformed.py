"""TransformedDistribution: the distribution of t_n(... t_1(x)) for x from a base
distribution, as torch.distributions.TransformedDistribution (a tanh-squashed Normal:
TransformedDistribution(Normal(mu, s), [TanhTransform(cache_size=1)]))."""
from .distribution import Distribution
from .independent import Independent, sum_rightmost
from .transforms import ComposeTransform, Transform


class TransformedDistribution(Distribution):
    """log_prob(y) = base.log_prob(x) - sum of log |dt_i/dx| along the way back from y to x;
    rsample and sample push base draws through the transforms; cdf and icdf go through the
    monotone transforms (all of transforms.py's are)."""
    arg_constraints = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        if not isinstance(transforms, (list, tuple)) or not all(
                isinstance(t, Transform) for t in transforms):
            raise ValueError(f"transforms must be a Transform or a list of Transforms, got "
                             f"{transforms!r}")
        self.transforms = list(transforms)
        self._chain = ComposeTransform(self.transforms)     # through them all, and back
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = max([len(base_distribution.event_shape)]
                        + [t.event_dim for t in self.transforms])
        if event_dim > len(shape):
            raise ValueError(f"base_distribution needs at least {event_dim} dims, but got "
                             f"shape {shape}")
        extra = event_dim - len(base_distribution.event_shape)
        self.base_dist = Independent(base_distribution, extra) if extra else base_distribution
        cut = len(shape) - event_dim
        super().__init__(shape[:cut], shape[cut:], validate_args=validate_args)

    @property
    def support(self):
        return self.transforms[-1].codomain if self.transforms else self.base_dist.support

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    def sample(self, sample_shape=()):
        return self._chain(self.base_dist.sample(sample_shape))

    def rsample(self, sample_shape=()):
        return self._chain(self.base_dist.rsample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        event_dim, y, total = len(self.event_shape), value, 0
        for t in reversed(self.transforms):
            x = t.inv(y)
            total = total - sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.event_dim)
            y = x
        return total + sum_rightmost(self.base_dist.log_prob(y),
                                     event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        """value where the transforms increase, 1 - value where they decrease (the sign may
        be a Tensor: elementwise)."""
        sign = self._chain.sign
        return value if isinstance(sign, int) and sign == 1 else sign * (value - 0.5) + 0.5

    def cdf(self, value):
        return self._monotonize_cdf(self.base_dist.cdf(self._chain.inv(value)))

    def icdf(self, value):
        return self._chain(self.base_dist.icdf(self._monotonize_cdf(value)))
