"""Products, scans and the NaN-aware and paired reductions: prod, cumprod, logcumsumexp,
cummax, cummin, nansum, nanmean, count_nonzero, aminmax, var_mean, std_mean, dist, diff,
renorm, gradient.

All are compositions of ops. prod multiplies halves pairwise (log2 n multiplications), and the
scans are Hillis-Steele scans (log2 n steps of a shifted combine), so a zero factor or an
infinite term gets its exact gradient, where prod / x or exp(cumsum(log x)) would give NaN."""
import numpy as np

from autograd.extend import plain, like
from ._util import along, normalize_dim
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .index import gather
from .reduce import MaxResult


def _last(x, dim, op):
    """(x with `dim` moved last, the axis): 0-d counts as a vector of one."""
    if np.ndim(x) == 0:
        normalize_dim(dim, 0, op)
        return sh.reshape(x, (1,)), None
    axis = normalize_dim(dim, np.ndim(x), op)
    return sh.transpose(x, axis, -1), axis


def _back(y, x, axis, keepdim=True):
    """Undo _last: the result of a scan (or of a kept reduction) in x's layout."""
    if axis is None:
        return sh.reshape(y, np.shape(x) if keepdim else ())
    return sh.transpose(y, axis, -1)


def prod(x, dim=None, keepdim=False, *, dtype=None):
    """The product over `dim` (all elements when None), of x cast to `dtype` when given."""
    x = reduce._cast(x, dtype)
    if dim is not None and not isinstance(dim, (int, np.integer)):    # several dims in turn
        for d in sorted(reduce.normalize_dims(dim, np.ndim(x), "prod"), reverse=True):
            x = prod(x, d, keepdim)
        return x
    if dim is None:
        y = _pairwise_product(sh.reshape(x, (1, -1)))
        return sh.reshape(y, (1,) * np.ndim(x) if keepdim else ())
    v, axis = _last(x, dim, "prod")
    y = _back(_pairwise_product(v), x, axis)                    # (..., 1) in x's layout
    return y if keepdim or axis is None else sh.squeeze(y, axis)


def _pairwise_product(v):
    """The product along the last axis of v, kept as size 1: halves multiplied pairwise."""
    while np.shape(v)[-1] != 1:
        n = np.shape(v)[-1]
        if n == 0:
            return reduce.sum(v, -1, True) + 1                  # the empty product: 1
        if n % 2:                                               # odd: the last one waits
            v = sh.cat([v[..., :n // 2] * v[..., n // 2:n - 1], v[..., n - 1:]], -1)
        else:
            v = v[..., :n // 2] * v[..., n // 2:]
    return v


def _scan(x, dim, combine, op):
    """Inclusive scan of `combine` along `dim` (Hillis-Steele: step s combines each element
    with the one s before it)."""
    v, axis = _last(x, dim, op)
    n, step = np.shape(v)[-1], 1
    while step < n:
        v = sh.cat([v[..., :step], combine(v[..., step:], v[..., :n - step])], -1)
        step *= 2
    return _back(v, x, axis)


def cumprod(x, dim, *, dtype=None):
    """Running products along `dim`."""
    return _scan(reduce._cast(x, dtype), dim, ew.mul, "cumprod")


def logcumsumexp(x, dim):
    """log(cumsum(exp(x))) along `dim`, without overflow."""
    return _scan(x, dim, ew.logaddexp, "logcumsumexp")


def _cumulative_extreme(x, dim, better, op):
    """(values, indices) of the running maximum or minimum; a tie or a NaN moves the index to
    the later element, as PyTorch's; values gather x there, so the gradient goes to that
    element."""
    a = np.asarray(plain(x))
    if a.ndim == 0:
        normalize_dim(dim, 0, op)
        return MaxResult(sh.reshape(x, ()), like(x, np.zeros((), np.int64)))
    axis = normalize_dim(dim, a.ndim, op)
    moved = np.moveaxis(a, axis, 0)
    index = np.zeros(moved.shape, np.int64)
    for i in range(1, len(moved)):
        best = np.take_along_axis(moved, index[i - 1][None], 0)[0]
        take = better(moved[i], best) | (moved[i] == best) | np.isnan(moved[i])
        index[i] = np.where(take, i, index[i - 1])
    index = np.moveaxis(index, 0, axis)
    return MaxResult(gather(x, axis, index), like(x, index))


def cummax(x, dim):
    return _cumulative_extreme(x, dim, np.greater, "cummax")


def cummin(x, dim):
    return _cumulative_extreme(x, dim, np.less, "cummin")


def nansum(x, dim=None, keepdim=False, *, dtype=None):
    """The sum with NaN counted as 0."""
    return reduce.sum(ew.where(np.isnan(plain(x)), 0.0, x), dim, keepdim, dtype=dtype)


def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not NaN."""
    count = reduce.sum(~np.isnan(np.asarray(plain(x))), dim, keepdim)
    return nansum(x, dim, keepdim, dtype=dtype) / count


def count_nonzero(x, dim=None):
    return like(x, np.count_nonzero(plain(x), axis=dim if dim is None else
                                    reduce.normalize_dims(dim, np.ndim(x), "count_nonzero")))


def aminmax(x, *, dim=None, keepdim=False):
    """(min, max) over `dim` (all elements when None)."""
    return MinMax(reduce.amin(x, dim, keepdim), reduce.amax(x, dim, keepdim))


class MinMax(tuple):
    """aminmax's (min, max) pair, with PyTorch's field names."""
    __slots__ = ()
    min = property(lambda self: self[0])
    max = property(lambda self: self[1])

    def __new__(cls, lo, hi):
        return tuple.__new__(cls, (lo, hi))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over `dim`, with var's arguments."""
    return (reduce.var(x, dim, unbiased, keepdim, correction=correction),
            reduce.mean(x, _plain_dim(dim), keepdim))


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over `dim`, with std's arguments."""
    return (reduce.std(x, dim, unbiased, keepdim, correction=correction),
            reduce.mean(x, _plain_dim(dim), keepdim))


def _plain_dim(dim):
    """var's dim without its legacy bool meaning (var(x, True))."""
    return None if isinstance(dim, bool) else dim


def dist(a, b, p=2):
    """The p-norm of a - b."""
    return reduce.norm(a - b, p)


def diff(x, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along `dim`, with prepend / append joined first."""
    axis = normalize_dim(dim, np.ndim(x), "diff")
    if n == 0:                          # PyTorch: the input, without prepend or append
        return x * 1
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = sh.cat([p if np.ndim(p) else sh.broadcast_to(
            p, np.shape(x)[:axis] + (1,) + np.shape(x)[axis + 1:]) for p in parts], axis)
    for _ in range(n):
        length = np.shape(x)[axis]
        if length == 0:
            break
        x = x[(slice(None),) * axis + (slice(1, None),)] - \
            x[(slice(None),) * axis + (slice(0, length - 1),)]
    return x


def renorm(x, p, dim, maxnorm):
    """Each slice along `dim` rescaled to p-norm maxnorm where its norm exceeds it."""
    axis = normalize_dim(dim, np.ndim(x), "renorm")
    others = tuple(d for d in range(np.ndim(x)) if d != axis)
    norms = reduce.norm(x, p, others, True)
    over = plain(norms) > maxnorm
    return x * ew.where(over, maxnorm / (ew.where(over, norms, 1.0) + 1e-7), 1.0)


def gradient(x, *, spacing=None, dim=None, edge_order=1):
    """torch.gradient: second-order central differences inside, one-sided differences of
    order `edge_order` (1 or 2) at the edges, one tensor per dim. spacing: a scalar step per
    dim, or the coordinates of the samples along each dim (then edge_order 1)."""
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    dims = range(np.ndim(x)) if dim is None else (
        [dim] if isinstance(dim, (int, np.integer)) else list(dim))
    spacing = 1.0 if spacing is None else spacing
    steps = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    return tuple(_derivative(x, normalize_dim(d, np.ndim(x), "gradient"), plain(h),
                             edge_order) for d, h in zip(dims, steps))


def _derivative(x, axis, h, edge_order):
    """The derivative of x along `axis`, samples h apart (a scalar) or at coordinates h."""
    n = np.shape(x)[axis]
    if n < edge_order + 1:
        raise ValueError(f"gradient: dimension {axis} of shape {np.shape(x)} needs at least "
                         f"{edge_order + 1} elements")

    def f(lo, hi):
        return along(x, axis, slice(lo, hi))
    trail = (1,) * (np.ndim(x) - axis - 1)
    if np.ndim(h):                      # coordinates: non-uniform differences (NumPy's)
        h = np.asarray(h)             # float coordinates promote with x; ints take x's dtype
        d = np.diff(h.astype(np.result_type(plain(x)) if h.dtype.kind in "iub"
                             else np.result_type(plain(x), h)))
        hl, hr = d[:-1].reshape((-1,) + trail), d[1:].reshape((-1,) + trail)
        inner = (hl * hl * f(2, None) - hr * hr * f(0, n - 2) + (hr * hr - hl * hl)
                 * f(1, n - 1)) / (hl * hr * (hl + hr))
        if edge_order == 1:
            first, last = (f(1, 2) - f(0, 1)) / d[0], (f(n - 1, n) - f(n - 2, n - 1)) / d[-1]
        else:                           # second-order one-sided differences at the edges
            a, b = d[0], d[1]
            first = (-(2 * a + b) / (a * (a + b)) * f(0, 1) + (a + b) / (a * b) * f(1, 2)
                     - a / (b * (a + b)) * f(2, 3))
            a, b = d[-2], d[-1]
            last = (b / (a * (a + b)) * f(n - 3, n - 2) - (a + b) / (a * b) * f(n - 2, n - 1)
                    + (2 * b + a) / (b * (a + b)) * f(n - 1, n))
    else:
        h = float(h)
        inner = (f(2, None) - f(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (f(1, 2) - f(0, 1)) / h, (f(n - 1, n) - f(n - 2, n - 1)) / h
        else:
            first = (-1.5 * f(0, 1) + 2 * f(1, 2) - 0.5 * f(2, 3)) / h
            last = (0.5 * f(n - 3, n - 2) - 2 * f(n - 2, n - 1) + 1.5 * f(n - 1, n)) / h
    return sh.cat([first, inner, last], axis)
