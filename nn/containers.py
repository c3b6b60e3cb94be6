"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, and
Identity."""
import collections
import operator

from .module import Module, _addindent
from .parameter import Parameter


def _index(idx, n, kind):
    """`idx` as a non-negative position in a container of length `n`."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{kind}: index {idx} is out of range for length {n}")
    return idx % n


def _renumber(container, modules):
    """Register `modules` as the container's children "0", "1", ... (replacing all)."""
    container._modules.clear()
    for i, m in enumerate(modules):
        container.add_module(str(i), m)


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children "0", "1", ... in order."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"{self._get_name()}: index {index} is out of range for length {n}")
        mods = list(self._modules.values())
        mods.insert(index % (n + 1) if index < 0 else index, module)
        _renumber(self, mods)
        return self


class Sequential(_ModuleSequence):
    """Calls its modules in order, each on the output of the previous one.

    `Sequential(m0, m1, ...)` names them "0", "1", ...; `Sequential(OrderedDict(...))` keeps
    the given names. Indexing gives a module, slicing a Sequential with the same names."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx):
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(collections.OrderedDict(items[idx]))
        return items[_index(idx, len(items), "Sequential")][1]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        chosen = keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys),
                                                                       "Sequential")]]
        for key in chosen:
            del self._modules[key]
        _renumber(self, list(self._modules.values()))        # names stay 0..n-1, as PyTorch

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules, registered as children "0", "1", ...; it has no forward."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(mods[idx])
        return mods[_index(idx, len(mods), "ModuleList")]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        del mods[idx if isinstance(idx, slice) else _index(idx, len(mods), "ModuleList")]
        _renumber(self, mods)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __repr__(self):
        # PyTorch's compact form: runs of identical modules print once, as "(0-2): 3 x ..."
        if not self._modules:
            return self._get_name() + "()"
        reprs = [repr(m) for m in self]
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                n = i - start
                head = f"({start}): " if n == 1 else f"({start}-{i - 1}): {n} x "
                lines.append(head + _addindent(reprs[start], 2))
                start = i
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class _NamedDict(Module):
    """The dict interface ModuleDict and ParameterDict share, over their registry `_store`;
    each defines __setitem__ (registration)."""
    _store = ""

    def __init__(self, items=None):
        super().__init__()
        if items is not None:
            self.update(items)

    def _items(self):
        return self.__dict__[self._store]

    def __getitem__(self, key):
        return self._items()[key]

    def __delitem__(self, key):
        del self._items()[key]

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __contains__(self, key):
        return key in self._items()

    def keys(self):
        return self._items().keys()

    def items(self):
        return self._items().items()

    def values(self):
        return self._items().values()

    def pop(self, key):
        return self._items().pop(key)

    def clear(self):
        self._items().clear()

    def update(self, items):
        for key, value in (items.items() if hasattr(items, "items") else items):
            self[key] = value


class ModuleDict(_NamedDict):
    """An ordered dict of modules, registered under their keys; it has no forward."""
    _store = "_modules"

    def __setitem__(self, key, module):
        self.add_module(key, module)


def _as_parameter(value):
    """A Parameter as is; any other tensor or array becomes one (sharing its data)."""
    return value if isinstance(value, Parameter) or value is None else Parameter(value)


def _parameter_line(key, p):
    what = "None" if p is None else (f"Parameter containing: [{p.dtype} of size "
                                     f"{'x'.join(map(str, p.shape)) or '()'}]")
    return f"({key}): {what}"


class ParameterList(Module):
    """A list of Parameters, registered as "0", "1", ...; tensors and arrays put in it become
    Parameters."""

    def __init__(self, values=None):
        super().__init__()
        self.extend(values or ())

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return self._parameters[str(_index(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx, value):
        self.register_parameter(str(_index(idx, len(self), "ParameterList")),
                                _as_parameter(value))

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    __iadd__ = extend

    def extra_repr(self):
        return "\n".join(_parameter_line(k, p) for k, p in self._parameters.items())


class ParameterDict(_NamedDict):
    """An ordered dict of Parameters, registered under their keys; tensors and arrays put in
    it become Parameters."""
    _store = "_parameters"

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def extra_repr(self):
        return "\n".join(_parameter_line(k, p) for k, p in self._parameters.items())
