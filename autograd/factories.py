"""Tensor factories with PyTorch's names and defaults: zeros, ones, full, empty, eye, arange,
linspace, the *_like versions, and rand, randn, randint (with their *_like versions).

Sizes are given as `zeros(2, 3)` or `zeros((2, 3))`. Floating results are float32 unless
`dtype` says otherwise (PyTorch's default dtype); `arange` and `randint` give int64 for
integer arguments, as PyTorch does. `device` must be the CPU (None, "cpu" or a cpu
autograd.device); any other raises. Random ones draw from `generator` (a
numpy.random.Generator) or the default generator that `manual_seed` reseeds. Each returns a
leaf Tensor, requiring grad when asked.
"""
import numpy as np

from .device import check_device
from .random import default_generator
from .tensor import Tensor, _plain
from .tensor_methods import _sizes


def _leaf(array, dtype, requires_grad):
    """The freshly made `array` as a leaf (no second copy), float64 defaulting to float32."""
    if dtype is None and array.dtype == np.float64:
        dtype = np.float32
    t = Tensor._wrap(array if dtype is None else array.astype(dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def _rng(generator):
    return default_generator() if generator is None else generator


def zeros(*size, dtype=None, device=None, requires_grad=False):
    check_device(device, "zeros")
    return _leaf(np.zeros(_sizes(size)), dtype, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    check_device(device, "ones")
    return _leaf(np.ones(_sizes(size)), dtype, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    check_device(device, "empty")
    """Uninitialised in PyTorch; zeros here, so nothing reads garbage."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    check_device(device, "full")
    """Filled with fill_value: float32 for a float, int64 for an int, bool for a bool."""
    array = np.full(_sizes((size,)), fill_value)
    if dtype is None and array.dtype.kind == "i":
        dtype = np.int64
    return _leaf(array, dtype, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    check_device(device, "eye")
    return _leaf(np.eye(n, m), dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    check_device(device, "arange")
    """[start, end) by step; int64 when all three are integers, else float32."""
    if end is None:
        start, end = 0, start
    array = np.arange(start, end, step)
    if dtype is None and array.dtype.kind == "i":
        dtype = np.int64
    return _leaf(array, dtype, requires_grad)


def _wide(v):
    """A start or end in at least float64: NumPy's linspace would step in float32 for a float32
    tensor's value, PyTorch's steps in the output dtype."""
    v = np.asarray(_plain(v))
    return v.astype(np.result_type(v, np.float64))


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    check_device(device, "linspace")
    return _leaf(np.linspace(_wide(start), _wide(end), steps), dtype, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps)."""
    check_device(device, "logspace")
    return _leaf(np.float64(base) ** np.linspace(_wide(start), _wide(end), steps), dtype,
                 requires_grad)


def tril_indices(row, col, offset=0, dtype=np.int64, device=None):
    """The (2, count) row and column indices of the lower triangle of a row x col matrix
    (the diagonal `offset` and below), row by row."""
    check_device(device, "tril_indices")
    return Tensor(np.stack(np.tril_indices(row, offset, col)), dtype=dtype)


def triu_indices(row, col, offset=0, dtype=np.int64, device=None):
    """As tril_indices, for the upper triangle (the diagonal `offset` and above)."""
    check_device(device, "triu_indices")
    return Tensor(np.stack(np.triu_indices(row, offset, col)), dtype=dtype)


def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding s (float32 by default)."""
    check_device(device, "scalar_tensor")
    return _leaf(np.array(s, np.float64), dtype, requires_grad)


def _like(x, dtype):
    return np.shape(_plain(x)), np.result_type(_plain(x)) if dtype is None else dtype


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    check_device(device, "zeros_like")
    shape, dtype = _like(input, dtype)
    return zeros(shape, dtype=dtype, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    check_device(device, "ones_like")
    shape, dtype = _like(input, dtype)
    return ones(shape, dtype=dtype, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    check_device(device, "full_like")
    shape, dtype = _like(input, dtype)
    return full(shape, fill_value, dtype=dtype, requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    check_device(device, "rand")
    """Uniform on [0, 1)."""
    return _leaf(_rng(generator).random(_sizes(size)), dtype, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    check_device(device, "randn")
    """Standard normal."""
    return _leaf(_rng(generator).standard_normal(_sizes(size)), dtype, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=np.int64, device=None):
    check_device(device, "randint")
    """Integers in [low, high), int64 by default: randint(low, high, size) or, as in PyTorch,
    randint(high, size) for [0, high)."""
    if size is None and isinstance(high, (tuple, list)):
        high, size = None, high
    if high is None:
        low, high = 0, low
    size = () if size is None else size
    return Tensor(_rng(generator).integers(low, high, _sizes((size,))), dtype=dtype)


def rand_like(input, generator=None, dtype=None, device=None, requires_grad=False):
    check_device(device, "rand_like")
    shape, dtype = _like(input, dtype)
    return rand(shape, generator=generator, dtype=dtype, requires_grad=requires_grad)


def randn_like(input, generator=None, dtype=None, device=None, requires_grad=False):
    check_device(device, "randn_like")
    shape, dtype = _like(input, dtype)
    return randn(shape, generator=generator, dtype=dtype, requires_grad=requires_grad)
