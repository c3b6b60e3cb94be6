"""Tensor: an ndarray with a place on the tape.

Its methods call ops, so it is defined above them (ops import only autograd.extend) and hands
itself to the engine, which creates and recognises tensors of this class."""
import numpy as np

import ops
from . import backprop, engine, hooks, numpy_protocol
from .grad_mode import is_grad_enabled, set_grad_enabled
from .device import check_device, is_device
from .random import default_generator
from .tensor_methods import TensorMethods


def _to_array(data, dtype):
    """Array for `tensor(data)`: Python floats and lists become float32, as in PyTorch;
    NumPy arrays and scalars keep their dtype. Always a copy."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    keeps_dtype = isinstance(data, (np.ndarray, np.generic))
    a = np.array(data)
    if not keeps_dtype and a.dtype == np.float64:
        return a.astype(np.float32)
    if not keeps_dtype and a.dtype == np.complex128:
        return a.astype(np.complex64)
    return a


def _check_grad_dtype(dtype):
    if dtype.kind not in "fc":
        raise RuntimeError(f"only Tensors of floating point dtype can require gradients; "
                           f"got dtype {dtype}")


def _plain(x):
    """The array behind a Tensor, or `x` itself."""
    return x._data if isinstance(x, Tensor) else x


def _legacy_array(args, dtype):
    """The array of the legacy constructor Tensor(*args), as torch.Tensor's: no argument, an
    empty float32 vector; sizes, a float32 tensor of that shape (zeros: "uninitialised");
    Python data, float32 unless `dtype`. An ndarray or Tensor keeps its dtype (a difference:
    torch.Tensor would cast it to float32)."""
    default = np.float32 if dtype is None else dtype
    if not args:
        return np.zeros(0, default)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return np.zeros(tuple(int(a) for a in args), default)
    if len(args) > 1:
        raise TypeError(f"Tensor(): expected sizes (ints) or one data argument, got "
                        f"{', '.join(type(a).__name__ for a in args)}")
    a = _to_array(args[0], dtype)
    python_data = not isinstance(args[0], (np.ndarray, np.generic, Tensor))
    return a.astype(np.float32) if python_data and dtype is None and a.dtype.kind in "iub" else a


class Tensor(TensorMethods):
    """An n-dimensional array that records the operations applied to it.

    `Tensor(data, requires_grad=False, dtype=None)` copies `data` (see `tensor`);
    `Tensor(2, 3)` is a float32 tensor of shape (2, 3), as torch.Tensor(2, 3).
    """
    __slots__ = ("_data", "grad", "requires_grad", "_node", "_version", "__weakref__")
    __hash__ = object.__hash__         # __eq__ is elementwise, identity stays the hash

    def __init__(self, *args, requires_grad=False, dtype=None):
        self._data = _legacy_array(args, dtype)
        self.grad = None
        self._node = None
        self._version = None           # engine.version_counter makes it when first needed
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array, requires_grad=False):
        """A leaf around `array`, no copy, no checks (engine-internal)."""
        t = cls.__new__(cls)
        t._data = array if type(array) is np.ndarray else np.asarray(array)
        t.grad = None
        t._node = None
        t._version = None
        t.requires_grad = requires_grad
        return t

    @classmethod
    def _from_node(cls, node):
        """The output of `node` as a Tensor, for recording a backward pass."""
        t = cls._wrap(node.out, True)
        t._node = node
        return t

    # ---- attributes -------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    is_leaf = property(lambda self: self._node is None)

    @property
    def data(self):
        """PyTorch's `.data`: a new Tensor sharing this one's memory, not tracked by autograd,
        with its own version counter, so that in-place methods on it (`p.data.add_(g)`,
        `w.data.normal_()`) write here unseen by the tape. The array itself: `numpy()`."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        """`t.data = other` makes t share other's memory (any shape or dtype, as PyTorch)."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor to assign to .data, got "
                            f"{type(value).__name__} (wrap an array with tensor(...))")
        self._data = value._data

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; see autograd.hooks."""
        return hooks.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(self) runs once this leaf's gradient of a backward pass is in .grad."""
        return hooks.register_post_accumulate_grad_hook(self, hook)

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in .grad after backward."""
        hooks.retain_grad(self)
    grad_fn = property(lambda self: self._node)
    T = property(lambda self: ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1))))
    mT = property(lambda self: ops.swapaxes(self, -1, -2))

    def size(self, dim=None):
        """The shape, or its length along `dim` (PyTorch's Tensor.size)."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def numpy(self):
        """The underlying array (shared, not copied)."""
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a Tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to Python "
                             f"scalars; got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def detach(self):
        """A new leaf sharing this tensor's data, cut off from the tape."""
        return Tensor._wrap(self._data)

    def requires_grad_(self, requires_grad=True):
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf "
                               "tensors; use detach() for a non-leaf")
        if requires_grad:
            _check_grad_dtype(self._data.dtype)
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's .grad (torch.Tensor.backward); with
        `inputs` (a Tensor or a sequence), only into theirs, running only the VJPs on paths
        to them."""
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty")
            for i, t in enumerate(inputs):
                if not isinstance(t, Tensor) or not t.requires_grad:
                    raise RuntimeError(f"backward: input {i} does not require grad")
        backprop.run_backward([self], [gradient], retain_graph, create_graph, inputs)

    # ---- conversion ---------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        if dtype is None and not copy:
            return self._data
        return np.array(self._data, dtype=dtype, copy=copy)     # np.array(t) asks for a copy

    # NumPy functions on Tensors: the op where tapegrad has one (see autograd.numpy_protocol)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return numpy_protocol.array_function(func, types, args, kwargs)

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4)
        extras = ""
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extras += f", dtype={self._data.dtype}"
        if self._node is not None:
            extras += f", grad_fn=<{self._node.name}>"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._data)

    def __float__(self):
        return float(self._data)

    def __int__(self):
        return int(self._data)

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index; got dtype {self.dtype}, shape {self.shape}")
        return int(self._data)

    def astype(self, dtype):
        return ops.astype(self, dtype)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
           memory_format=None):
        """PyTorch's to(dtype), to(device, dtype), to(other) and their keywords: a cast (or
        self when nothing changes; a copy with copy=True). The device must be the CPU;
        memory_format is accepted and ignored (no channels-last layout here)."""
        flags = []
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, bool):
                flags.append(a)
            elif is_device(a):
                device = a
            else:
                dtype = a
        check_device(device, "to")
        copy = copy or (len(flags) > 1 and flags[1])
        y = self if dtype is None or np.dtype(dtype) == self.dtype else ops.astype(self, dtype)
        return ops.mul(y, 1) if copy and y is self else y

    def type(self, dtype=None, non_blocking=False):
        """The legacy type name ("torch.FloatTensor"), or this tensor as `dtype` (a dtype,
        "torch.LongTensor" or LongTensor)."""
        if dtype is None:
            return f"torch.{TYPE_NAMES.get(self.dtype, str(self.dtype) + 'Tensor')}"
        dtype = np.dtype(_dtype_of(dtype))
        return self if dtype == self.dtype else ops.astype(self, dtype)

    def __format__(self, spec):
        """A 0-d tensor formats as its number (f"{loss:.4f}"), as PyTorch's."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return object.__format__(self, spec)

    def float(self, memory_format=None):
        return ops.astype(self, np.float32)

    def double(self, memory_format=None):
        return ops.astype(self, np.float64)

    # ---- arithmetic ---------------------------------------------------------------------
    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.pow(self, other)
    def __rpow__(self, other): return ops.pow(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __mod__(self, other): return ops.remainder(self, other)
    def __rmod__(self, other): return ops.remainder(other, self)
    def __floordiv__(self, other): return ops.floor_divide(self, other)
    def __rfloordiv__(self, other): return ops.floor_divide(other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)

    # ---- comparison and logic: never differentiable ------------------------------------
    def __eq__(self, other): return Tensor._wrap(self._data == _plain(other))
    def __ne__(self, other): return Tensor._wrap(self._data != _plain(other))
    def __lt__(self, other): return Tensor._wrap(self._data < _plain(other))
    def __le__(self, other): return Tensor._wrap(self._data <= _plain(other))
    def __gt__(self, other): return Tensor._wrap(self._data > _plain(other))
    def __ge__(self, other): return Tensor._wrap(self._data >= _plain(other))
    def __and__(self, other): return Tensor._wrap(self._data & _plain(other))
    def __or__(self, other): return Tensor._wrap(self._data | _plain(other))
    def __xor__(self, other): return Tensor._wrap(self._data ^ _plain(other))
    def __invert__(self): return Tensor._wrap(~self._data)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __getitem__(self, index): return ops.getitem(self, index)

    # ---- in-place ops: PyTorch's, each bumping the version counter --------------------------
    def _inplace(self, name, op, *args, **kwargs):
        """Write op(self, *args) into this tensor's array.

        Recorded like PyTorch: the tensor becomes the output of the op, and values saved for a
        backward that are modified here raise at backward time (backprop._guard_saved)."""
        recording = is_grad_enabled() and (self.requires_grad or any(
            isinstance(a, Tensor) and a.requires_grad for a in args))
        if recording and self.requires_grad and self._node is None:
            raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape {self.shape}) "
                               "cannot be modified in place; use no_grad() (as optimizers do) "
                               "or modify a clone")
        if recording and self._version is not None and self._data.base is not None:
            raise RuntimeError(f"{name}: in-place modification of a view (shape {self.shape}) "
                               "inside a recorded graph is not supported; use out-of-place ops")
        src = self
        if recording:                  # the op's inputs keep the value from before the write
            src = Tensor._wrap(self._data.copy(), self.requires_grad)
            src._node = self._node
            if self._node is not None and self._node.out is not None:
                self._node.out, self._node.out_version = src._data, None
        with set_grad_enabled(recording):
            result = op(src, *args, **kwargs)
        if result.shape != self.shape:
            raise RuntimeError(f"{name}: output with shape {self.shape} doesn't match the "
                               f"broadcast shape {result.shape}")
        if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
            raise TypeError(f"{name}: result type {result.dtype} can't be cast to the desired "
                            f"output type {self.dtype}")
        np.copyto(self._data, result._data, casting="same_kind")
        if recording:
            self._node, self.requires_grad = result._node, True
        engine.bump_version(self)
        if recording and self._node.out is not None:       # it saved the array now written
            self._node.out, self._node.out_version = self._data, (self._version, self._version[0])
        return self

    def add_(self, other, *, alpha=1): return self._inplace("add_", Tensor.add, other, alpha=alpha)
    def sub_(self, other, *, alpha=1): return self._inplace("sub_", Tensor.sub, other, alpha=alpha)
    def mul_(self, other): return self._inplace("mul_", ops.mul, other)
    def div_(self, other): return self._inplace("div_", ops.div, other)
    def pow_(self, exponent): return self._inplace("pow_", ops.pow, exponent)
    def neg_(self): return self._inplace("neg_", ops.neg)
    def clamp_(self, min=None, max=None): return self._inplace("clamp_", ops.clamp, min, max)
    def copy_(self, src): return self._inplace("copy_", _replace, src)
    def fill_(self, value): return self._inplace("fill_", _replace, value)
    def zero_(self): return self._inplace("zero_", _replace, 0)
    def exp_(self): return self._inplace("exp_", ops.exp)
    def log_(self): return self._inplace("log_", ops.log)
    def sqrt_(self): return self._inplace("sqrt_", ops.sqrt)
    def abs_(self): return self._inplace("abs_", ops.abs)
    def tanh_(self): return self._inplace("tanh_", ops.tanh)
    def sigmoid_(self): return self._inplace("sigmoid_", ops.sigmoid)
    def relu_(self): return self._inplace("relu_", ops.relu)
    def clamp_min_(self, min): return self._inplace("clamp_min_", ops.clamp, min)
    def clamp_max_(self, max): return self._inplace("clamp_max_", ops.clamp, None, max)
    def lerp_(self, end, weight): return self._inplace("lerp_", ops.lerp, end, weight)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace("addcmul_", ops.addcmul, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace("addcdiv_", ops.addcdiv, tensor1, tensor2, value=value)

    # ---- in-place random fills (PyTorch's), from `generator` or the default generator ------
    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return self._fill_random("normal_", generator, lambda rng, n: rng.normal(mean, std, n))

    def uniform_(self, low=0.0, high=1.0, *, generator=None):
        return self._fill_random("uniform_", generator, lambda rng, n: rng.uniform(low, high, n))

    def bernoulli_(self, p=0.5, *, generator=None):
        return self._fill_random("bernoulli_", generator,
                                 lambda rng, n: rng.random(n) < _plain(p))

    def exponential_(self, lambd=1.0, *, generator=None):
        return self._fill_random("exponential_", generator,
                                 lambda rng, n: rng.exponential(1.0 / lambd, n))

    def _fill_random(self, name, generator, draw):
        """Fill with draw(rng, shape) (float64, cast to this tensor's dtype): a write that
        replaces every value, so its gradient to the old values is 0."""
        rng = default_generator() if generator is None else generator
        return self._inplace(name, _replace, Tensor._wrap(draw(rng, self.shape)))
    __iadd__, __isub__, __imul__, __itruediv__, __ipow__ = add_, sub_, mul_, div_, pow_

    def __setitem__(self, index, value):
        self._inplace("setitem", lambda x, v: ops.index_put(x, v, index=index), value)


def _replace(old, new):
    """`new` broadcast to the shape of `old`: gradient 0 to old, all of it to new."""
    return ops.where(False, old, new)


def tensor(data, requires_grad=False, dtype=None):
    """A new leaf Tensor holding a copy of `data` (torch.tensor).

    Python floats and lists of floats become float32, ints int64; NumPy arrays keep their
    dtype unless `dtype` is given. Only floating tensors may require grad."""
    t = Tensor._wrap(_to_array(data, dtype))
    if requires_grad:
        t.requires_grad_(True)
    return t


# the legacy typed constructors: FloatTensor(2, 3), LongTensor([1, 2]), ...; Tensor.type()
TYPE_NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
              np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor",
              np.dtype(np.int32): "IntTensor", np.dtype(np.int16): "ShortTensor",
              np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
              np.dtype(np.bool_): "BoolTensor"}


def _typed_constructor(dtype, name):
    def make(*args):
        return Tensor(*args, dtype=dtype)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"torch.{name}(*sizes or data): a {np.dtype(dtype)} Tensor."
    make.dtype = dtype
    return make


LEGACY_CONSTRUCTORS = {name: _typed_constructor(dtype, name) for dtype, name in TYPE_NAMES.items()}


def _dtype_of(spec):
    """A dtype from what Tensor.type() takes: a dtype, "torch.LongTensor", LongTensor."""
    if isinstance(spec, str) and spec.startswith("torch.") and spec[6:] in LEGACY_CONSTRUCTORS:
        return LEGACY_CONSTRUCTORS[spec[6:]].dtype
    return getattr(spec, "dtype", spec) if callable(spec) and not isinstance(spec, type) \
        else spec


def from_numpy(array):
    """A leaf Tensor sharing memory with `array` (torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


engine.use_tensor_class(Tensor)
