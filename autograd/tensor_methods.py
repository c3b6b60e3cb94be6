"""PyTorch's Tensor methods that are ops, as the mixin Tensor inherits: each method is a call
to an op (or a composition of ops, so gradients come with it), or returns plain data for the
ones PyTorch does not differentiate (comparisons, indices, integer casts, rounding: zero
gradient).
"""
import numpy as np

import ops
from .device import check_device, device
from .tensor_math import MathMethods, constant


def _sizes(sizes):
    """PyTorch's `t.f(*sizes)` and `t.f(sizes)` spellings as one tuple."""
    if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer)):
        return tuple(sizes[0])
    return tuple(sizes)


def _dim(x, dim, op):
    """dim checked against x's dims and made non-negative (ops._util.normalize_dim)."""
    return ops._util.normalize_dim(dim, x.ndim, op)


def _cast(x, dtype):
    """x as `dtype` (PyTorch's dtype= argument: the input is cast first), or x."""
    return x if dtype is None else ops.astype(x, np.dtype(dtype))


def _new(x, make, size, dtype, device, requires_grad, op):
    """new_zeros / new_ones / new_full / new_empty: x's dtype unless `dtype` says otherwise."""
    check_device(device, op)
    t = constant(make(_sizes(size), x.dtype if dtype is None else np.dtype(dtype)))
    return t.requires_grad_(True) if requires_grad else t


class TensorMethods(MathMethods):
    __slots__ = ()

    # ---- elementwise ---------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return ops.add(self, other if alpha == 1 else other * alpha)
    def sub(self, other, *, alpha=1):
        return ops.sub(self, other if alpha == 1 else other * alpha)
    def mul(self, other): return ops.mul(self, other)
    def div(self, other, *, rounding_mode=None):
        """True division; rounding_mode "trunc" or "floor" rounds the quotient (zero gradient,
        as PyTorch's)."""
        if rounding_mode is None:
            return ops.div(self, other)
        rounding = {"trunc": np.trunc, "floor": np.floor}.get(rounding_mode)
        if rounding is None:
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        return ops.stepped(self / other, rounding(np.asarray(self) / np.asarray(other)))
    def true_divide(self, other): return ops.div(self, other)      # torch's alias of div
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
    def var(self, dim=None, unbiased=None, keepdim=False, **kw):
        return ops.var(self, dim, unbiased, keepdim, **kw)
    def std(self, dim=None, unbiased=None, keepdim=False, **kw):
        return ops.std(self, dim, unbiased, keepdim, **kw)
    def logsumexp(self, dim=None, keepdim=False, **kw):
        return ops.logsumexp(self, dim, keepdim, **kw)
    def softmax(self, dim, dtype=None): return ops.softmax(_cast(self, dtype), dim)
    def log_softmax(self, dim, dtype=None): return ops.log_softmax(_cast(self, dtype), dim)
    def argmax(self, dim=None, keepdim=False): return ops.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return ops.argmin(self, dim, keepdim)
    def norm(self, p=2, dim=None, keepdim=False, dtype=None):
        x = _cast(self, dtype)
        if p == "nuc":                  # the sum of singular values of the matrices over dim
            return ops.matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
        return ops.norm(x, p, dim, keepdim)

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
    def rsqrt(self): return ops.rsqrt(self)
    def reciprocal(self): return 1 / self
    def lerp(self, end, weight): return ops.lerp(self, end, weight)
    def clamp_min(self, min): return ops.clamp(self, min=min)
    def clamp_max(self, max): return ops.clamp(self, max=max)
    def masked_fill(self, mask, value): return ops.where(mask, value, self)
    def masked_fill_(self, mask, value):
        return self._inplace("masked_fill_", TensorMethods.masked_fill, mask, value)
    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        a = np.asarray(self)
        return ops.where(np.isfinite(a), self, np.nan_to_num(a, nan=nan, posinf=posinf,
                                                             neginf=neginf))
    def floor(self): return ops.stepped(self, np.floor(np.asarray(self)))
    def ceil(self): return ops.stepped(self, np.ceil(np.asarray(self)))
    def round(self, decimals=0):
        return ops.stepped(self, np.round(np.asarray(self), decimals))
    def trunc(self): return ops.stepped(self, np.trunc(np.asarray(self)))
    def clone(self): return ops.mul(self, 1)

    # ---- comparisons, tests and casts: plain data ------------------------------------------
    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other
    def logical_not(self): return constant(~np.asarray(self, bool))
    def isnan(self): return constant(np.isnan(np.asarray(self)))
    def isinf(self): return constant(np.isinf(np.asarray(self)))
    def isfinite(self): return constant(np.isfinite(np.asarray(self)))
    def any(self, dim=None, keepdim=False):
        return constant(np.asarray(self).any(dim, keepdims=keepdim))
    def all(self, dim=None, keepdim=False):
        return constant(np.asarray(self).all(dim, keepdims=keepdim))
    def nonzero(self, *, as_tuple=False):
        """The indices of the non-zero elements, (count, ndim); as_tuple: one index tensor
        per dim (a 0-d tensor counting as 1-d)."""
        if as_tuple:
            return tuple(constant(c) for c in np.argwhere(np.atleast_1d(np.asarray(self))).T)
        return constant(np.argwhere(np.asarray(self)))
    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return bool(np.allclose(np.asarray(self), np.asarray(other), rtol, atol, equal_nan))
    def equal(self, other): return bool(np.array_equal(np.asarray(self), np.asarray(other)))
    # memory_format= is accepted and ignored: arrays here have no channels-last layout
    def long(self, memory_format=None): return ops.astype(self, np.int64)
    def int(self, memory_format=None): return ops.astype(self, np.int32)
    def short(self, memory_format=None): return ops.astype(self, np.int16)
    def char(self, memory_format=None): return ops.astype(self, np.int8)
    def byte(self, memory_format=None): return ops.astype(self, np.uint8)
    def bool(self, memory_format=None): return ops.astype(self, np.bool_)
    def half(self, memory_format=None): return ops.astype(self, np.float16)
    def type_as(self, other): return ops.astype(self, other.dtype)
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return _new(self, np.zeros, size, dtype, device, requires_grad, "new_zeros")
    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return _new(self, np.ones, size, dtype, device, requires_grad, "new_ones")
    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros (PyTorch leaves them uninitialised)."""
        return _new(self, np.zeros, size, dtype, device, requires_grad, "new_empty")
    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return _new(self, lambda s, d: np.full(s, fill_value, d), (size,), dtype, device,
                    requires_grad, "new_full")
    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        return _new(self, lambda s, d: np.array(data, d), (), dtype, device, requires_grad,
                    "new_tensor")

    # ---- reductions and scans ----------------------------------------------------------------
    def cumsum(self, dim, *, dtype=None): return ops.cumsum(self, dim, dtype=dtype)
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
    device = property(lambda self: device("cpu"))
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
        """`length` elements of `dim` from `start` (negative: counted from the end)."""
        dim = _dim(self, dim, "narrow")
        n = self.shape[dim]
        start = int(start) + n if -n <= int(start) < 0 else int(start)
        if not 0 <= start <= n or not 0 <= length <= n - start:
            raise IndexError(f"narrow: start {start} and length {length} out of range for "
                             f"dimension {dim} of size {n} (shape {self.shape})")
        return ops._util.along(self, dim, slice(start, start + length))
    def index_select(self, dim, index):
        dim = _dim(self, dim, "index_select")
        if self.ndim == 0:              # a vector of one; the result stays 0-d
            return self.reshape(1).index_select(0, np.reshape(index, -1)).reshape(())
        return ops._util.along(self, dim, np.asarray(index).reshape(-1))
    def masked_select(self, mask):
        """The elements where `mask` (broadcast with self) is true, as a 1-D tensor."""
        mask = np.asarray(mask, bool)
        shape = np.broadcast_shapes(self.shape, mask.shape)
        return ops.broadcast_to(self, shape)[np.broadcast_to(mask, shape)]
    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        x = self.flatten() if dim is None else self
        dim = 0 if dim is None else _dim(x, dim, "repeat_interleave")
        index = np.repeat(np.arange(x.shape[dim]), np.asarray(repeats))
        if output_size is not None and output_size != len(index):
            raise ValueError(f"repeat_interleave: output_size {output_size} given, but the "
                             f"repeats {np.asarray(repeats).tolist()} make {len(index)}")
        return x.index_select(dim, index)
    def roll(self, shifts, dims=None):
        """Shift elements along `dims` (with none, along the flattened tensor, as PyTorch)."""
        if dims is None:
            return self.flatten().roll(shifts, 0).reshape(self.shape)
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
    def trace(self): return ops.trace(self)
    H = property(lambda self: self.conj().t())
    mH = property(lambda self: self.conj().mT)
    def renorm(self, p, dim, maxnorm): return ops.renorm(self, p, dim, maxnorm)
    def put(self, index, source, accumulate=False):
        return ops.put(self, index, source, accumulate)
    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        return ops.index_reduce(self, dim, index, source, reduce, include_self=include_self)
    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        counts, edges = np.histogram(np.asarray(self), bins, range,
                                     weights=None if weight is None else np.asarray(weight),
                                     density=density)
        return constant(counts.astype(self.dtype)), constant(edges.astype(self.dtype))
    def diagonal(self, offset=0, dim1=0, dim2=1): return ops.diagonal(self, offset, dim1, dim2)
    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return ops.diag_embed(self, offset, dim1, dim2)
    def select(self, dim, index): return ops.select(self, dim, index)
    def unfold(self, dimension, size, step): return ops.unfold(self, dimension, size, step)
    def take(self, index): return ops.take(self, index)
    def take_along_dim(self, indices, dim=None): return ops.take_along_dim(self, indices, dim)
    def tensor_split(self, indices_or_sections, dim=0):
        return ops.tensor_split(self, indices_or_sections, dim)
    def hsplit(self, sections): return ops.hsplit(self, sections)
    def vsplit(self, sections): return ops.vsplit(self, sections)
    def dsplit(self, sections): return ops.dsplit(self, sections)
    def split_with_sizes(self, split_sizes, dim=0): return ops.split(self, list(split_sizes), dim)
    def ravel(self): return ops.reshape(self, (-1,))
    def fliplr(self): return ops.fliplr(self)
    def flipud(self): return ops.flipud(self)
    def rot90(self, k=1, dims=(0, 1)): return ops.rot90(self, k, dims)
    def kron(self, other): return ops.kron(self, other)
    def index_add(self, dim, index, source, *, alpha=1):
        return ops.index_add(self, dim, index, source, alpha=alpha)
    def index_copy(self, dim, index, source): return ops.index_copy(self, dim, index, source)
    def index_fill(self, dim, index, value): return ops.index_fill(self, dim, index, value)
    def index_put(self, indices, values, accumulate=False):
        return ops.writes.index_put(self, indices, values, accumulate)
    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return ops.scatter(self, dim, index, src, value=value, reduce=reduce)
    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
    def masked_scatter(self, mask, source): return ops.masked_scatter(self, mask, source)
    def sum_to_size(self, *size): return ops.sum_to_size(self, _sizes(size))

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
