"""Parameter, a Tensor that is a module's learnable state, and small helpers the layers share:
an uninitialised Parameter to fill, and the input-size check that names both shapes."""
import numpy as np

from autograd.tensor import Tensor, _to_array

_EMPTY = np.empty(0, np.float32)


class Parameter(Tensor):
    """A Tensor that is a module's learnable parameter: it requires grad (by default) and
    registers itself when assigned as a Module attribute.

    `Parameter(data)` shares memory with `data` when it is an ndarray or a Tensor (as
    torch.nn.Parameter does); other data (lists, scalars) is converted like `tensor(data)`."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, np.float32)
        if isinstance(data, Tensor):
            data = data._data
        super().__init__(_EMPTY)            # sets every slot; the data is then shared, not copied
        self._data = data if isinstance(data, np.ndarray) else _to_array(data, None)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def empty_parameter(shape, dtype=None):
    """An uninitialised Parameter (float32 unless `dtype`), for a layer's reset_parameters."""
    return Parameter(np.empty(shape, dtype=np.float32 if dtype is None else dtype))


def check_features(input, n, dim=-1, what="features"):
    """Raise, naming both shapes, unless input.shape[dim] == n. (Module.__call__ puts the
    module's name in front of the message.)"""
    shape = np.shape(input)
    if not shape or not -len(shape) <= dim < len(shape) or shape[dim] != n:
        raise ValueError(f"expected input with {n} {what} (dim {dim}), got shape {shape}")
