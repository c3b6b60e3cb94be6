"""Optimizers that scale each coordinate by accumulated squared gradients: Adagrad, RMSprop,
Adadelta, with PyTorch's update rules (its single-tensor path, same order of operations)."""
import numpy as np

from .optimizer import Optimizer, decay_add_square_, lerp_, regularized_grad


class Adagrad(Optimizer):
    """Adagrad: s += g^2; param -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps), with s
    starting at `initial_accumulator_value`. g includes `weight_decay * param`; `maximize`
    ascends. Raises ValueError for any hyperparameter < 0."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                            "eps")

    def _init_state(self, p, group):
        return {"step": 0, "sum": np.full_like(p._data, group["initial_accumulator_value"])}

    def _update(self, p, grad, state, group):
        state["step"] += 1
        grad = regularized_grad(p, grad, group["maximize"], group["weight_decay"])
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s, t = state["sum"], self._scratch(p._data)
        np.multiply(grad, grad, out=t)
        s += t
        np.sqrt(s, out=t)
        t += group["eps"]
        np.divide(grad, t, out=t)
        t *= -clr
        p._data += t


class RMSprop(Optimizer):
    """RMSprop: v = alpha v + (1 - alpha) g^2; d = sqrt(v) + eps, or with `centered`
    sqrt(v - a^2) + eps where a = lerp(a, g, 1 - alpha); with momentum, b = momentum b + g / d
    and param -= lr b, else param -= lr g / d. Raises ValueError for any hyperparameter < 0."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def _init_state(self, p, group):
        state = {"step": 0, "square_avg": np.zeros_like(p._data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p._data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p._data)
        return state

    def _update(self, p, grad, state, group):
        alpha, lr = group["alpha"], group["lr"]
        state["step"] += 1
        grad = regularized_grad(p, grad, group["maximize"], group["weight_decay"])
        t = self._scratch(p._data)
        decay_add_square_(state["square_avg"], grad, alpha, t)
        if group["centered"]:
            a = state["grad_avg"]
            lerp_(a, grad, 1 - alpha, t)
            denom = np.multiply(a, a, out=self._scratch(p._data, 1))
            np.subtract(state["square_avg"], denom, out=denom)
            np.sqrt(denom, out=denom)
        else:
            denom = np.sqrt(state["square_avg"], out=self._scratch(p._data, 1))
        denom += group["eps"]
        np.divide(grad, denom, out=t)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += t
            np.multiply(buf, -lr, out=t)
        else:
            t *= -lr
        p._data += t


class Adadelta(Optimizer):
    """Adadelta (Zeiler): v = rho v + (1 - rho) g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho u + (1 - rho) delta^2; param -= lr delta. Raises ValueError for lr, eps or
    weight_decay < 0 and rho outside [0, 1]."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "eps", "weight_decay")
        if not 0 <= group["rho"] <= 1:
            raise ValueError(f"Adadelta: invalid rho {group['rho']!r}: must be in [0, 1]")

    def _init_state(self, p, group):
        return {"step": 0, "square_avg": np.zeros_like(p._data),
                "acc_delta": np.zeros_like(p._data)}

    def _update(self, p, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        grad = regularized_grad(p, grad, group["maximize"], group["weight_decay"])
        v, u, t = state["square_avg"], state["acc_delta"], self._scratch(p._data)
        decay_add_square_(v, grad, rho, t)
        std = np.add(v, eps, out=self._scratch(p._data, 1))
        np.sqrt(std, out=std)
        delta = np.add(u, eps, out=self._scratch(p._data, 2))
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        decay_add_square_(u, delta, rho, t)
        delta *= -group["lr"]
        p._data += delta
