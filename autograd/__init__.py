"""tapegrad's autograd: Tensor and its factories, the tape, backward and grad, grad modes,
gradcheck."""
from . import memory
memory._apply_environment()  # keep freed heap for the next step (TAPEGRAD_HEAP_RETAIN_MB)
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .tensor import Tensor, tensor, from_numpy
from .factories import (zeros, ones, empty, full, eye, arange, linspace, logspace,
                        scalar_tensor, tril_indices, triu_indices, zeros_like, ones_like,
                        full_like, rand, randn, randint, rand_like, randn_like)
from .engine import primitive, PRIMITIVES
from .backprop import grad
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .profiler import profile
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .checkpoint import checkpoint
from .random import manual_seed, Generator
from .device import device
from . import (accelerator, backends, cuda, distributed, distributions, fft, functional,
               linalg, masked, signal, sparse, utils)
from .sparse import sparse_coo_tensor
import sys

from . import aliases, namespace
from .tensor import LEGACY_CONSTRUCTORS

aliases.install()            # `import autograd.nn.functional` is nn.functional itself
globals().update(LEGACY_CONSTRUCTORS)                    # FloatTensor, LongTensor, ...
for _name, _value in namespace.functions().items():     # torch.cat, torch.exp, torch.float32
    globals().setdefault(_name, _value)
autograd = sys.modules[__name__]                         # torch.autograd.grad(...)


def __getattr__(name):                      # autograd.nn, autograd.optim, autograd.onnx, ...
    return aliases.attribute(name)
