"""nn.utils: gradient clipping and flattening parameters to one vector, as torch.nn.utils;
nn.utils.rnn packs and pads batches of sequences of different lengths.

Clipping replaces each .grad with a new array: a gradient array may be shared with another
leaf's (the engine hands the same upstream array to both inputs of an add), so it is never
scaled in place."""
import math

import numpy as np

import ops
from autograd.tensor import Tensor


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients so that their joint `norm_type` norm (as if all were one vector)
    is at most `max_norm`. Returns the norm before clipping, as a 0-d Tensor."""
    grads = [p for p in _params(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, np.float32))
    arrays = [p.grad._data for p in grads]
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in arrays)
    else:
        total = float(sum(np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in arrays)
                      ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, so they cannot be clipped; pass "
                           "error_if_nonfinite=False to scale them anyway")
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef < 1.0:
        for p in grads:
            p.grad = Tensor._wrap(p.grad._data * np.asarray(coef, p.grad._data.dtype))
    return Tensor(np.array(total, arrays[0].dtype))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            p.grad = Tensor._wrap(np.clip(p.grad._data, -clip_value, clip_value))


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable)."""
    return ops.cat([ops.reshape(p, (-1,)) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place.

    No version is bumped, as in PyTorch (which rebinds `._data`): a backward through a graph
    recorded before does not raise, and uses the new values where it saved a parameter."""
    data = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    params = _params(parameters)
    total = sum(p._data.size for p in params)
    if data.ndim != 1 or data.size != total:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector of {total} elements "
                         f"(the parameters' sizes), got shape {data.shape}")
    start = 0
    for p in params:
        p._data[...] = data[start:start + p._data.size].reshape(p._data.shape)
        start += p._data.size


from . import rnn  # noqa: E402, F401  (nn.utils.rnn, as torch.nn.utils.rnn)
