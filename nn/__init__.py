"""Neural-network layers in PyTorch's shape: Module, Parameter, containers, layers, init,
and safe save/load of state dicts."""
from .module import Module, Parameter, RemovableHandle
from .containers import Identity, Sequential, ModuleList, ModuleDict
from .serialization import save, load
from . import init
