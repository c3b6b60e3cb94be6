"""`autograd.nn`, `autograd.optim`, `autograd.autograd` and torch.distributions' per-distribution
modules: the module paths of a PyTorch program after its imports are rewritten
(torch.nn.functional -> autograd.nn.functional, torch.distributions.normal ->
autograd.distributions.normal, which is autograd.distributions.continuous).

An import of `autograd.nn.X` gives the module `nn.X` itself (one module object under two
names, never a second copy), through a finder on sys.meta_path that only answers for these
prefixes.
"""
import importlib
import importlib.abc
import importlib.util
import sys

PREFIXES = {"autograd.nn": "nn", "autograd.optim": "optim", "autograd.autograd": "autograd"}
# torch.distributions keeps a module per distribution; ours are grouped by family
PREFIXES.update({f"autograd.distributions.{torch_name}": f"autograd.distributions.{ours}"
                 for torch_name, ours in [
                     ("normal", "continuous"), ("log_normal", "continuous"),
                     ("uniform", "continuous"), ("bernoulli", "discrete"),
                     ("categorical", "discrete"), ("poisson", "discrete"),
                     ("one_hot_categorical", "discrete"), ("mixture_same_family", "mixture"),
                     ("geometric", "trials"), ("binomial", "trials"),
                     ("half_normal", "folded"), ("half_cauchy", "folded"),
                     ("exponential", "inverse_cdf"), ("laplace", "inverse_cdf"),
                     ("cauchy", "inverse_cdf"), ("gumbel", "inverse_cdf"),
                     ("transformed_distribution", "transformed")]})


def remap(name, prefixes):
    """The dotted `name` with its first matching prefix (a key of `prefixes`, tried in order)
    replaced by that prefix's value; None if no prefix matches."""
    for prefix, target in prefixes.items():
        if name == prefix or name.startswith(prefix + "."):
            return target + name[len(prefix):]
    return None


def real_name(name):
    """The module that the alias `name` stands for, or None."""
    return remap(name, PREFIXES)


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self):
        self._specs = {}

    def find_spec(self, fullname, path=None, target=None):
        if real_name(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(real_name(spec.name))
        self._specs[spec.name] = module.__spec__     # the import system overwrites __spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._specs.pop(module.__spec__.name)


def install():
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())     # before PathFinder, which would load copies


LAZY = {"onnx": ("autograd.onnx", None), "viz": ("autograd.viz", None),   # not for training
        "save": ("nn.serialization", "save"), "load": ("nn.serialization", "load"),
        "special": ("autograd.special", None)}  # names ops' functions: imported after ops


def attribute(name):
    """autograd's module __getattr__: `autograd.nn`, `autograd.optim`, `autograd.onnx`,
    `autograd.viz`, `autograd.special`, and `save`/`load` (nn's, which sit above autograd) on
    first use."""
    if f"autograd.{name}" in PREFIXES:
        return importlib.import_module(f"autograd.{name}")
    if name in LAZY:
        module, attr = LAZY[name]
        module = importlib.import_module(module)
        return module if attr is None else getattr(module, attr)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
