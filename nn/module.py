"""Module and Parameter: the PyTorch-style container of parameters, buffers and submodules.

Attributes that are Parameters, Modules or registered buffers are kept in three ordered dicts,
in the order they were assigned, and named exactly as PyTorch names them (`0.weight`,
`features.3.bias`, `running_mean`), so a PyTorch state dict converted to arrays loads 1:1.
"""
import collections
import itertools
import weakref

import numpy as np

from autograd.engine import bump_version
from autograd.hooks import RemovableHandle
from autograd.device import check_device, is_device
from autograd.tensor import Tensor
from .parameter import Parameter

# errors raised inside forward get the failing module's qualified name in front of their message
_NAMED_ERRORS = (ValueError, TypeError, IndexError, RuntimeError)

IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _addindent(text, n):
    lines = text.split("\n")
    return lines[0] if len(lines) == 1 else "\n".join(
        [lines[0]] + [" " * n + line for line in lines[1:]])


def _check_name(kind, name):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")


def _shape_of(value):
    shape = getattr(value, "shape", None)
    return f" of shape {tuple(shape)}" if shape is not None else ""


def _as_dtype(arg):
    """A NumPy dtype from a dtype-like (np.float64, "float64", torch.float64), or None for
    the CPU device ("cpu", autograd.device("cpu")), which is accepted and ignored; any other
    device raises."""
    if arg is None:
        return None
    if is_device(arg):
        check_device(arg, "to")
        return None
    if isinstance(arg, (type, np.dtype)):
        return np.dtype(arg)
    try:
        return np.dtype(str(arg).removeprefix("torch."))
    except TypeError:
        raise TypeError(f"to: expected a dtype or 'cpu', got {arg!r}") from None


class Module:
    """Base class of all layers. Subclasses call `super().__init__()` first, assign their
    Parameters, buffers and submodules as attributes, and define `forward`.

    Calling a module runs its forward pre-hooks, `forward`, then its forward hooks. A
    ValueError, TypeError, IndexError or RuntimeError raised inside gets the qualified name of
    the innermost failing module (relative to the outermost module called) in front of its
    message, e.g. "encoder.rnn (LSTM): ...".
    """
    training: bool

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent"] = set()
        d["_modules"] = {}
        d["_forward_pre_hooks"] = {}
        d["_forward_hooks"] = {}
        d["_parents"] = []              # (weakref to a parent, name there): for error messages

    # ---- attribute registration ------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call "
                                 f"in {type(self).__name__}")
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            self._forget(name, "_parameters")
            params[name] = value
        elif name in params:
            if value is not None:
                old = params[name]
                want = f"a Parameter{_shape_of(old)}" if old is not None else "a Parameter"
                raise TypeError(f"{self._where()}: cannot assign {type(value).__name__}"
                                f"{_shape_of(value)} to parameter {name!r}: expected {want} "
                                "or None (wrap the value in nn.Parameter)")
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name, "_modules")
            modules[name] = value
            value._note_parent(self, name)
        elif name in modules:
            if value is not None:
                raise TypeError(f"{self._where()}: cannot assign {type(value).__name__} "
                                f"to child module {name!r}: expected a Module or None")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{self._where()}: cannot assign {type(value).__name__} "
                                f"to buffer {name!r}: expected a Tensor or None")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, kind):
        """Remove `name` from everywhere but the `kind` dict, where it keeps its position."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != kind:
                d[key].pop(name, None)
        d["_non_persistent"].discard(name)

    def _note_parent(self, parent, name):
        parents = self.__dict__["_parents"]
        parents[:] = [(ref, n) for ref, n in parents if ref() is not parent]
        parents.append((weakref.ref(parent), name))

    def _where(self):
        """This module's qualified name in the model that holds it (following the parents it
        is still registered in) and its class, for error messages: "encoder.0 (Linear)"."""
        names, m, seen = [], self, {id(self)}
        while True:
            for ref, name in reversed(m.__dict__.get("_parents", ())):
                p = ref()
                if p is not None and id(p) not in seen and p._modules.get(name) is m:
                    names.append(name)
                    seen.add(id(p))
                    m = p
                    break
            else:
                break
        return f"{'.'.join(reversed(names))} ({self._get_name()})" if names else self._get_name()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_parents"] = []                  # weak references: rebuilt by the parent
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name, m in self._modules.items():
            if m is not None:
                m._note_parent(self, name)

    def __getattr__(self, name):
        # only called when ordinary lookup fails
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if key in d and name in d[key]:
                return d[key][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d.get(key, ()):
                del d[key][name]
                d["_non_persistent"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name, param):
        """Add `param` (a Parameter or None) under `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute {name!r} already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} object to parameter "
                            f"{name!r} (nn.Parameter or None required)")
        self._forget(name, "_parameters")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state that is not a parameter (e.g. BatchNorm's running_mean). A
        persistent buffer is part of the state dict. An ndarray is wrapped in a Tensor."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute {name!r} already exists")
        if isinstance(tensor, np.ndarray):
            tensor = Tensor._wrap(tensor)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__} object to buffer "
                            f"{name!r} (Tensor or None required)")
        self._forget(name, "_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        """Add a child module (or None) under `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute {name!r} already exists")
        self._forget(name, "_modules")
        self._modules[name] = module
        if module is not None:
            module._note_parent(self, name)

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at dotted path `target` ("" is self)."""
        mod = self
        for item in target.split(".") if target else ():
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(f"{mod._get_name()} has no submodule {item!r} "
                                     f"(looking up {target!r})")
            mod = mod._modules[item]
        return mod

    # ---- traversal -------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(qualified name, module) for self and every descendant, pre-order; a module
        reachable twice is listed once unless remove_duplicate is False."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name,
                                                remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and m not in seen:
                seen.add(m)
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, kind, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, v in getattr(mod, kind).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield mod_prefix + ("." if mod_prefix else "") + name, v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(qualified name, Parameter) pairs; a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- modes and bulk updates ------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode on self and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Reset the .grad of every parameter: to None, or to zeros."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = Tensor._wrap(np.zeros_like(p._data))

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn):
        """Call fn(module) on every child (recursively), then on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None):
        """Cast floating parameters and buffers (in place: the same Parameter objects keep
        new arrays) to `dtype`. A device argument must be "cpu" and changes nothing.

        Rebinding `._data` bumps no version, as in PyTorch (which does not raise either): the
        values are the same up to the cast, so a graph recorded before still backpropagates."""
        for a in args + (device,):
            d = _as_dtype(a)
            if d is not None:
                dtype = d
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"to: only floating dtypes are supported, got {dtype}")
        for t in itertools.chain(self.parameters(), self.buffers()):
            if t._data.dtype.kind in "fc" and t._data.dtype != dtype:
                t._data = t._data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor._wrap(t.grad._data.astype(dtype))
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def cpu(self):
        return self

    # ---- calling ---------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required "
                                  "\"forward\" function")

    def __call__(self, *args, **kwargs):
        try:
            if self._forward_pre_hooks or self._forward_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        except _NAMED_ERRORS as e:
            _name_failure(self, e)
            raise

    def _call_with_hooks(self, args, kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_pre_hook(self, hook):
        """hook(module, args) runs before forward; returning a value replaces args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook):
        """hook(module, args, output) runs after forward; returning a value replaces output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ---- state dict ------------------------------------------------------------------------
    def _state_items(self):
        """(qualified name, Tensor) of every parameter and persistent buffer, in PyTorch's
        state dict order; shared tensors appear under every name."""
        for prefix, mod in self.named_modules(remove_duplicate=False):
            dot = prefix + "." if prefix else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    yield dot + name, p
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    yield dot + name, b

    def state_dict(self, keep_vars=False):
        """Parameters and persistent buffers by qualified name, as Tensors detached from the
        tape that share their memory with the module (as PyTorch's: clone them to keep a
        snapshot), or as the Parameters and buffers themselves with keep_vars=True."""
        return {k: (t if keep_vars else t.detach()) for k, t in self._state_items()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from `state_dict` (name -> ndarray, Tensor, or anything np.asarray
        takes, such as a CPU torch tensor) into the parameters and buffers, in place.

        Every key is checked before anything is copied: a shape or dtype mismatch raises, and
        with strict=True so does any missing or unexpected key; the RuntimeError lists all of
        them at once. Returns (missing_keys, unexpected_keys)."""
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, copies = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = np.asarray(value._data if isinstance(value, Tensor) else value)
            if value.shape != target._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model is "
                              f"{target._data.shape}.")
            elif not np.can_cast(value.dtype, target._data.dtype, "same_kind"):
                errors.append(f"dtype mismatch for {key}: cannot copy {value.dtype} from "
                              f"checkpoint into {target._data.dtype}.")
            else:
                copies.append((target, value))
        if strict:
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                errors.insert(len(missing) > 0, "Unexpected key(s) in state_dict: "
                                                + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                               + "\n\t".join(errors))
        for target, value in copies:
            np.copyto(target._data, value, casting="same_kind")
            bump_version(target)        # as PyTorch's copy_: graphs that saved it now raise
        return IncompatibleKeys(missing, unexpected)

    # ---- repr ------------------------------------------------------------------------------
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The text between the parentheses of this module's repr line; override it."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def _qualified_name(root, target):
    for name, m in root.named_modules():
        if m is target:
            return name
    return None


def _name_failure(module, e):
    """Put the failing module's qualified name (relative to `module`, which is on the way out
    of the call stack) in front of the message of `e`."""
    if not e.args or not isinstance(e.args[0], str):
        return
    failed = getattr(e, "_module", None)
    if failed is None:
        e._module, e._message = module, e.args[0]
        failed = module
    name = _qualified_name(module, failed)
    if name is None:
        return
    where = f"{name} ({failed._get_name()})" if name else failed._get_name()
    e.args = (f"{where}: {e._message}",) + e.args[1:]
