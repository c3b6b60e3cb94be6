"""Stochastic gradient descent with momentum, dampening and Nesterov momentum (PyTorch's rule)."""
import numpy as np

from ._kernels import scale_add_
from .optimizer import Optimizer, regularized_grad


class SGD(Optimizer):
    """SGD: g = grad + weight_decay * param; with momentum, buf = g on the first step and
    buf = momentum * buf + (1 - dampening) * g after, then g = buf, or g + momentum * buf with
    `nesterov`; param -= lr * g. `maximize` ascends.

    Raises ValueError for lr, momentum or weight_decay < 0, and for `nesterov` without a
    positive momentum and zero dampening."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero "
                             f"dampening, got momentum {group['momentum']!r} and dampening "
                             f"{group['dampening']!r}")

    def _init_state(self, p, group):
        return {"momentum_buffer": None} if group["momentum"] != 0 else {}

    def _update(self, p, grad, state, group):
        momentum = group["momentum"]
        grad = regularized_grad(p, grad, group["maximize"], group["weight_decay"])
        if momentum != 0:
            buf = state["momentum_buffer"]
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=p.dtype)   # a copy
            else:
                scale_add_(buf, momentum, grad, 1 - group["dampening"])
            grad = grad + momentum * buf if group["nesterov"] else buf
        scale_add_(p._data, 1, grad, -group["lr"])
