"""torch.masked for tapegrad: reductions and normalizations over the elements where `mask`
(broadcast to the input; None: all) is true. Masked-out elements count as the reduction's
identity (0 for sums, 1 for products, -inf for maxima, ...), so their gradient is 0; a slice
with no element left gives that identity (NaN for the mean, var and std, as PyTorch)."""
import numpy as np

import ops


def _mask(x, mask):
    return np.ones(np.shape(x), bool) if mask is None else np.broadcast_to(
        np.asarray(mask, bool), np.shape(x))


def _dims(dim):
    """torch.masked's dim: an empty sequence means every dim, as None does."""
    return None if dim is not None and not isinstance(dim, int) and len(dim) == 0 else dim


def _filled(x, mask, value, dtype=None):
    x = x if dtype is None else ops.astype(x, np.dtype(dtype))
    return ops.where(_mask(x, mask), x, value)


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return ops.sum(_filled(input, mask, 0.0, dtype), _dims(dim), keepdim)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return ops.prod(_filled(input, mask, 1.0, dtype), _dims(dim), keepdim)


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return ops.amax(_filled(input, mask, -np.inf, dtype), _dims(dim), keepdim)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return ops.amin(_filled(input, mask, np.inf, dtype), _dims(dim), keepdim)


def _index(arg, input, dim, keepdim, dtype, mask, fill):
    """argmax / argmin of the unmasked elements, in the input's dtype (torch.masked's)."""
    index = arg(_filled(input, mask, fill, dtype), dim, keepdim)
    return ops.astype(index, input.dtype if dtype is None else np.dtype(dtype))


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return _index(ops.argmax, input, dim, keepdim, dtype, mask, -np.inf)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return _index(ops.argmin, input, dim, keepdim, dtype, mask, np.inf)


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    return ops.logsumexp(_filled(input, mask, -np.inf, dtype), _dims(dim), keepdim)


def _count(input, dim, keepdim, mask):
    """The unmasked elements along dim, in the input's floating dtype."""
    return ops.sum(_mask(input, mask).astype(np.result_type(input.dtype, np.float32)),
                   _dims(dim), keepdim)


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum(input, dim, keepdim=keepdim, dtype=dtype, mask=mask) / _count(
            input, dim, keepdim, mask)


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    if unbiased is not None:
        correction = int(bool(unbiased))
    correction = 1 if correction is None else correction
    centred = input - mean(input, dim, keepdim=True, dtype=dtype, mask=mask)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.maximum(np.asarray(_count(input, dim, keepdim, mask)) - correction, 0)
        return sum(centred * centred, dim, keepdim=keepdim, mask=mask) / dof


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    return ops.sqrt(var(input, dim, unbiased, correction=correction, keepdim=keepdim,
                        dtype=dtype, mask=mask))


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    """The ord-norm of the unmasked elements: masked ones count as 0, or as inf for ord -inf
    (the smallest |x|), which 0 would decide."""
    fill = np.inf if ord == -np.inf else 0.0
    return ops.norm(_filled(input, mask, fill, dtype), ord, _dims(dim), keepdim)


def cumsum(input, dim, *, dtype=None, mask=None):
    return ops.cumsum(_filled(input, mask, 0.0, dtype), dim)


def cumprod(input, dim, *, dtype=None, mask=None):
    return ops.cumprod(_filled(input, mask, 1.0, dtype), dim)


def softmax(input, dim, *, dtype=None, mask=None):
    return ops.softmax(_filled(input, mask, -np.inf, dtype), dim)


def log_softmax(input, dim, *, dtype=None, mask=None):
    return ops.log_softmax(_filled(input, mask, -np.inf, dtype), dim)


def softmin(input, dim, *, dtype=None, mask=None):
    return ops.softmax(-_filled(input, mask, np.inf, dtype), dim)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    """input / max(norm over dim, eps), the norm over the unmasked elements."""
    n = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return _filled(input, mask, 0.0, dtype) / ops.clamp(n, min=eps)


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    """The lower median of the unmasked elements along `dim` (NaN where none is left)."""
    return ops.nanmedian(_filled(input, mask, np.nan, dtype), dim, keepdim).values


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    return ops.logaddexp(_filled(input, input_mask, -np.inf, dtype),
                         _filled(other, other_mask, -np.inf, dtype))
