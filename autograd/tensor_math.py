"""Tensor methods for the ops of issue 14 (special functions, scans, order statistics and
the other reductions PyTorch has as methods), as the mixin TensorMethods inherits: each a call
to an op, or plain data where PyTorch does not differentiate."""
import numpy as np

import ops
from . import engine


def constant(array):
    """An array as a Tensor that does not require grad."""
    return engine.Tensor._wrap(np.asarray(array))


class MathMethods:
    __slots__ = ()

    # ---- elementwise math ------------------------------------------------------------------
    def tan(self): return ops.tan(self)
    def asin(self): return ops.asin(self)
    def acos(self): return ops.acos(self)
    def atan(self): return ops.atan(self)
    def sinh(self): return ops.sinh(self)
    def cosh(self): return ops.cosh(self)
    def asinh(self): return ops.asinh(self)
    def acosh(self): return ops.acosh(self)
    def atanh(self): return ops.atanh(self)
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
    def atan2(self, other): return ops.atan2(self, other)
    arctan2 = atan2
    def lgamma(self): return ops.lgamma(self)
    def digamma(self): return ops.digamma(self)
    def polygamma(self, n): return ops.polygamma(n, self)
    def mvlgamma(self, p): return ops.mvlgamma(self, p)
    def erf(self): return ops.erf(self)
    def erfc(self): return ops.erfc(self)
    def erfinv(self): return ops.erfinv(self)
    def erfcx(self): return ops.erfcx(self)
    def i0(self): return ops.i0(self)
    def log2(self): return ops.log2(self)
    def log10(self): return ops.log10(self)
    def exp2(self): return ops.exp2(self)
    def logaddexp(self, other): return ops.logaddexp(self, other)
    def logaddexp2(self, other): return ops.logaddexp2(self, other)
    def deg2rad(self): return ops.deg2rad(self)
    def rad2deg(self): return ops.rad2deg(self)
    def sinc(self): return ops.sinc(self)
    def xlogy(self, other): return ops.xlogy(self, other)
    def hypot(self, other): return ops.hypot(self, other)
    def copysign(self, other): return ops.copysign(self, other)
    def fmod(self, other): return ops.fmod(self, other)
    def remainder(self, other): return ops.remainder(self, other)
    def frac(self): return ops.frac(self)
    def float_power(self, exponent): return ops.float_power(self, exponent)
    def logit(self, eps=None): return ops.logit(self, eps)
    def heaviside(self, values): return ops.heaviside(self, values)
    def addcmul(self, tensor1, tensor2, *, value=1):
        return ops.addcmul(self, tensor1, tensor2, value=value)
    def addcdiv(self, tensor1, tensor2, *, value=1):
        return ops.addcdiv(self, tensor1, tensor2, value=value)
    def fmax(self, other): return ops.fmax(self, other)
    def fmin(self, other): return ops.fmin(self, other)
    def true_divide(self, other): return ops.div(self, other)
    def positive(self): return self
    # real tensors are their own conjugates: conj and friends return them unchanged
    def conj(self): return self if self.dtype.kind != "c" else constant(np.conj(self._data))
    conj_physical = resolve_conj = conj
    def resolve_neg(self): return self
    def real(self): return self if self.dtype.kind != "c" else constant(self._data.real)
    def angle(self):
        """0 for x >= 0, pi for x < 0 (NaN stays NaN): constant, zero gradient."""
        return ops.stepped(self, np.where(np.isnan(self._data), self._data, np.where(
            self._data < 0, np.pi, 0.0)).astype(np.result_type(self._data, np.float32)))
    def ldexp(self, other): return self * 2.0 ** other
    def frexp(self):
        """(mantissa, exponent): self = mantissa 2^exponent; the mantissa's gradient is
        2^-exponent."""
        exponent = np.frexp(np.asarray(self))[1]
        return self * 2.0 ** -exponent.astype(self.dtype), constant(exponent.astype(np.int32))
    def sgn(self): return ops.sign(self)
    def signbit(self): return constant(np.signbit(np.asarray(self)))
    def isposinf(self): return constant(np.isposinf(np.asarray(self)))
    def isneginf(self): return constant(np.isneginf(np.asarray(self)))
    def isreal(self): return constant(np.isreal(np.asarray(self)))

    # ---- reductions, scans, order statistics -------------------------------------------------
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return ops.prod(self, dim, keepdim, dtype=dtype)
    def cumprod(self, dim, *, dtype=None): return ops.cumprod(self, dim, dtype=dtype)
    def logcumsumexp(self, dim): return ops.logcumsumexp(self, dim)
    def cummax(self, dim): return ops.cummax(self, dim)
    def cummin(self, dim): return ops.cummin(self, dim)
    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return ops.nansum(self, dim, keepdim, dtype=dtype)
    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return ops.nanmean(self, dim, keepdim, dtype=dtype)
    def count_nonzero(self, dim=None): return ops.count_nonzero(self, dim)
    def aminmax(self, *, dim=None, keepdim=False): return ops.aminmax(self, dim=dim,
                                                                       keepdim=keepdim)
    def dist(self, other, p=2): return ops.dist(self, other, p)
    def kthvalue(self, k, dim=-1, keepdim=False): return ops.kthvalue(self, k, dim, keepdim)
    def nanmedian(self, dim=None, keepdim=False): return ops.nanmedian(self, dim, keepdim)
    def mode(self, dim=-1, keepdim=False): return ops.mode(self, dim, keepdim)
    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.quantile(self, q, dim, keepdim, interpolation=interpolation)
    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.nanquantile(self, q, dim, keepdim, interpolation=interpolation)
    def msort(self): return ops.msort(self)
    def argwhere(self): return ops.argwhere(self)
    def nonzero_static(self, *, size, fill_value=-1):
        """nonzero's indices, cut or padded with fill_value rows to `size` rows."""
        where = np.argwhere(np.asarray(self))[:size]
        pad = np.full((size - len(where), self.ndim), fill_value, np.int64)
        return constant(np.concatenate([where, pad]).astype(np.int64))
    def matrix_exp(self): return ops.matrix_exp(self)
    def bincount(self, weights=None, minlength=0): return ops.bincount(self, weights, minlength)
    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return ops.unique(self, sorted, return_inverse, return_counts, dim)
    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return ops.unique_consecutive(self, return_inverse, return_counts, dim)
    def histc(self, bins=100, min=0, max=0): return ops.histc(self, bins, min, max)
    def cov(self, *, correction=1, fweights=None, aweights=None):
        return ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)
    def corrcoef(self): return ops.corrcoef(self)
    def logical_and(self, other): return constant(np.logical_and(self, np.asarray(other)))
    def logical_or(self, other): return constant(np.logical_or(self, np.asarray(other)))
    def logical_xor(self, other): return constant(np.logical_xor(self, np.asarray(other)))
    def isclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return constant(np.isclose(np.asarray(self), np.asarray(other), rtol, atol, equal_nan))
    def fill(self, value): return self * 0 + value
    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return ops.diff(self, n, dim, prepend, append)
