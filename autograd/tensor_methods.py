"""PyTorch's Tensor methods that are ops, as the mixin Tensor inherits: each method is a call
to an op (or a composition of ops, so gradients come with it), or returns plain data for the
ones PyTorch does not differentiate (comparisons, indices, integer casts, rounding: zero
gradient).
"""
import numpy as np

import ops
from . import engine


def _sizes(sizes):
    """PyTorch's `t.f(*sizes)` and `t.f(sizes)` spellings as one tuple."""
    if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer)):
        return tuple(sizes[0])
    return tuple(sizes)


def _data(array):
    """An array as a Tensor that does not require grad."""
    return engine.Tensor._wrap(np.asarray(array))


def _dim(x, dim, op):
    """dim checked against x's dims and made non-negative (ops._util.normalize_dim)."""
    return ops._util.normalize_dim(dim, x.ndim, op)


def _stepped(x, round_):
    """round_(x), piecewise constant: its gradient is 0, as PyTorch's."""
    return ops.where(False, x, round_(np.asarray(x)))


class TensorMethods:
    __slots__ = ()

    # ---- elementwise ---------------------------------------------------------------------
    def add(self, other): return ops.add(self, other)
    def sub(self, other): return ops.sub(self, other)
    def mul(self, other): return ops.mul(self, other)
    def div(self, other): return ops.div(self, other)
    def neg(self): return ops.neg(self)
    def pow(self, exponent): return ops.pow(self, exponent)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def log1p(self): return ops.log1p(self)
    def sqrt(self): return ops.sqrt(self)
    def abs(self): return ops.abs(self)
    def sign(self): return ops.sign(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def maximum(self, other): return ops.maximum(self, other)
    def minimum(self, other): return ops.minimum(self, other)
    def clamp(self, min=None, max=None): return ops.clamp(self, min, max)
    clip = clamp
    def where(self, condition, other): return ops.where(condition, self, other)

    def sum(self, dim=None, keepdim=False, **kw): return ops.sum(self, dim, keepdim, **kw)
    def mean(self, dim=None, keepdim=False, **kw): return ops.mean(self, dim, keepdim, **kw)
    def max(self, dim=None, keepdim=False): return ops.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return ops.min(self, dim, keepdim)
    def amax(self, dim=None, keepdim=False, **kw): return ops.amax(self, dim, keepdim, **kw)
    def amin(self, dim=None, keepdim=False, **kw): return ops.amin(self, dim, keepdim, **kw)
    def var(self, dim=None, keepdim=False, **kw): return ops.var(self, dim, keepdim, **kw)
    def std(self, dim=None, keepdim=False, **kw): return ops.std(self, dim, keepdim, **kw)
    def logsumexp(self, dim=None, keepdim=False, **kw):
        return ops.logsumexp(self, dim, keepdim, **kw)
    def softmax(self, dim): return ops.softmax(self, dim)
    def log_softmax(self, dim): return ops.log_softmax(self, dim)
    def argmax(self, dim=None, keepdim=False): return ops.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return ops.argmin(self, dim, keepdim)
    def norm(self, p=2, dim=None, keepdim=False): return ops.norm(self, p, dim, keepdim)

    def reshape(self, *shape): return ops.reshape(self, _sizes(shape))
    view = reshape
    def permute(self, *dims): return ops.permute(self, _sizes(dims))
    def transpose(self, dim0, dim1): return ops.transpose(self, dim0, dim1)
    def swapaxes(self, axis0, axis1): return ops.swapaxes(self, axis0, axis1)
    def expand(self, *sizes): return ops.expand(self, _sizes(sizes))
    def broadcast_to(self, shape): return ops.broadcast_to(self, shape)
    def squeeze(self, dim=None): return ops.squeeze(self, dim)
    def unsqueeze(self, dim): return ops.unsqueeze(self, dim)
    def flatten(self, start_dim=0, end_dim=-1): return ops.flatten(self, start_dim, end_dim)
    def flip(self, dims): return ops.flip(self, dims)
    def repeat(self, *sizes): return ops.repeat(self, _sizes(sizes))
    def tile(self, reps): return ops.tile(self, reps)
    def split(self, split_size_or_sections, dim=0):
        return ops.split(self, split_size_or_sections, dim)
    def chunk(self, chunks, dim=0): return ops.chunk(self, chunks, dim)
    def gather(self, dim, index): return ops.gather(self, dim, index)
    def scatter_add(self, dim, index, src): return ops.scatter_add(self, dim, index, src)
    def matmul(self, other): return ops.matmul(self, other)
    def dot(self, other): return ops.dot(self, other)
    def outer(self, other): return ops.outer(self, other)

    # ---- more elementwise math ---------------------------------------------------------------
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def expm1(self): return ops.expm1(self)
    def square(self): return self * self
    def rsqrt(self): return ops.pow(self, -0.5)
    def reciprocal(self): return 1 / self
    def lerp(self, end, weight): return self + weight * (end - self)
    def clamp_min(self, min): return ops.clamp(self, min=min)
    def clamp_max(self, max): return ops.clamp(self, max=max)
    def masked_fill(self, mask, value): return ops.where(mask, value, self)
    def masked_fill_(self, mask, value):
        return self._inplace("masked_fill_", TensorMethods.masked_fill, mask, value)
    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        a = np.asarray(self)
        return ops.where(np.isfinite(a), self, np.nan_to_num(a, nan=nan, posinf=posinf,
                                                             neginf=neginf))
    def floor(self): return _stepped(self, np.floor)
    def ceil(self): return _stepped(self, np.ceil)
    def round(self): return _stepped(self, np.round)
    def trunc(self): return _stepped(self, np.trunc)
    def clone(self): return ops.mul(self, 1)

    # ---- comparisons, tests and casts: plain data ------------------------------------------
    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other
    def logical_not(self): return _data(~np.asarray(self, bool))
    def isnan(self): return _data(np.isnan(np.asarray(self)))
    def isinf(self): return _data(np.isinf(np.asarray(self)))
    def isfinite(self): return _data(np.isfinite(np.asarray(self)))
    def any(self, dim=None, keepdim=False):
        return _data(np.asarray(self).any(dim, keepdims=keepdim))
    def all(self, dim=None, keepdim=False):
        return _data(np.asarray(self).all(dim, keepdims=keepdim))
    def nonzero(self): return _data(np.argwhere(np.asarray(self)))
    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return bool(np.allclose(np.asarray(self), np.asarray(other), rtol, atol, equal_nan))
    def equal(self, other): return bool(np.array_equal(np.asarray(self), np.asarray(other)))
    def long(self): return ops.astype(self, np.int64)
    def int(self): return ops.astype(self, np.int32)
    def bool(self): return ops.astype(self, np.bool_)
    def type_as(self, other): return ops.astype(self, other.dtype)
    def new_zeros(self, *size): return _data(np.zeros(_sizes(size), self.dtype))
    def new_ones(self, *size): return _data(np.ones(_sizes(size), self.dtype))
    def new_full(self, size, fill_value): return _data(np.full(size, fill_value, self.dtype))
    def new_tensor(self, data): return _data(np.array(data, self.dtype))

    # ---- reductions and scans ----------------------------------------------------------------
    def cumsum(self, dim): return ops.cumsum(self, dim)
    def sort(self, dim=-1, descending=False, stable=False):
        return ops.sort(self, dim, descending, stable)
    def argsort(self, dim=-1, descending=False, stable=False):
        return ops.argsort(self, dim, descending, stable)
    def topk(self, k, dim=-1, largest=True, sorted=True):
        return ops.topk(self, k, dim, largest, sorted)
    def median(self, dim=None, keepdim=False): return ops.median(self, dim, keepdim)

    # ---- shapes and indexing -----------------------------------------------------------------
    def contiguous(self): return self
    def cpu(self): return self
    @property
    def device(self): return "cpu"
    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor of at most 2 dims, got shape {self.shape}")
        return ops.transpose(self, 0, 1) if self.ndim == 2 else self
    def view_as(self, other): return ops.reshape(self, other.shape)
    reshape_as = view_as
    def expand_as(self, other): return ops.broadcast_to(self, other.shape)
    def movedim(self, source, destination):
        src = [_dim(self, d, "movedim") for d in np.atleast_1d(source)]
        dst = [_dim(self, d, "movedim") for d in np.atleast_1d(destination)]
        order = [d for d in range(self.ndim) if d not in src]
        for d, s in sorted(zip(dst, src)):
            order.insert(d, s)
        return ops.permute(self, order)
    def unflatten(self, dim, sizes):
        dim = _dim(self, dim, "unflatten")
        return ops.reshape(self, self.shape[:dim] + tuple(sizes) + self.shape[dim + 1:])
    def unbind(self, dim=0):
        dim = _dim(self, dim, "unbind")
        return tuple(ops._util.along(self, dim, i) for i in range(self.shape[dim]))
    def narrow(self, dim, start, length):
        return ops._util.along(self, _dim(self, dim, "narrow"), slice(start, start + length))
    def index_select(self, dim, index):
        return ops._util.along(self, _dim(self, dim, "index_select"), np.asarray(index))
    def masked_select(self, mask): return self[np.asarray(mask, bool)]
    def repeat_interleave(self, repeats, dim=None):
        x = self.flatten() if dim is None else self
        dim = 0 if dim is None else _dim(x, dim, "repeat_interleave")
        return x.index_select(dim, np.repeat(np.arange(x.shape[dim]), repeats))
    def roll(self, shifts, dims):
        x = self
        for shift, dim in zip(np.atleast_1d(shifts), np.atleast_1d(dims)):
            x = x.index_select(dim, (np.arange(x.shape[dim]) - shift) % x.shape[dim])
        return x
    def tril(self, diagonal=0):
        return ops.where(np.tri(*self.shape[-2:], diagonal, bool), self, 0)
    def triu(self, diagonal=0):
        return ops.where(np.tri(*self.shape[-2:], diagonal - 1, bool), 0, self)
    def diag(self, diagonal=0):
        """The `diagonal`-th diagonal of a 2-D tensor, or a 2-D tensor with a 1-D one there."""
        rows, cols = max(-diagonal, 0), max(diagonal, 0)
        if self.ndim == 2:
            i = np.arange(max(min(self.shape[0] - rows, self.shape[1] - cols), 0))
            return self[i + rows, i + cols]
        if self.ndim != 1:
            raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {self.shape}")
        n, i = self.shape[0] + abs(diagonal), np.arange(self.shape[0])
        return ops.index_put_add(self, shape=(n, n), index=(i + rows, i + cols))
    def trace(self): return self.diag().sum()

    # ---- matrix products ---------------------------------------------------------------------
    def mm(self, other):
        if self.ndim != 2 or np.ndim(other) != 2:
            raise ValueError(f"mm: expects two 2-D tensors, got shapes {self.shape} and "
                             f"{np.shape(other)}")
        return ops.matmul(self, other)
    def bmm(self, other):
        if self.ndim != 3 or np.ndim(other) != 3:
            raise ValueError(f"bmm: expects two 3-D tensors, got shapes {self.shape} and "
                             f"{np.shape(other)}")
        return ops.matmul(self, other)
    def addmm(self, mat1, mat2, *, beta=1, alpha=1): return beta * self + alpha * mat1.mm(mat2)
    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return beta * self + alpha * batch1.bmm(batch2)
