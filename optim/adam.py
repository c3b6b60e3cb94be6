"""The Adam family: Adam (and AMSGrad), AdamW, Adamax, NAdam, RAdam, with PyTorch's update
rules (its single-tensor path, same order of operations)."""
import numpy as np

from .optimizer import Optimizer, decay_add_square_, lerp_, regularized_grad


def _begin_step(p, grad, state, group):
    """Count the step and apply the weight decay: decoupled (the parameter shrinks by
    lr * weight_decay) or L2 (added to the gradient). Returns (param array, step, gradient)."""
    x, wd = p._data, group["weight_decay"]
    state["step"] += 1
    if wd != 0 and group["decoupled_weight_decay"]:
        x *= 1 - group["lr"] * wd
        wd = 0
    return x, state["step"], regularized_grad(p, grad, group["maximize"], wd)


class Adam(Optimizer):
    """Adam: m = lerp(m, g, 1 - beta1); v = beta2 v + (1 - beta2) g^2 (v = max over time with
    `amsgrad`); param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).

    `weight_decay` adds `weight_decay * param` to the gradient (L2), or with
    `decoupled_weight_decay` multiplies the parameter by `1 - lr * weight_decay` (AdamW).
    `maximize` ascends. Raises ValueError for lr, eps or weight_decay < 0 or betas outside [0, 1).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _check(self, group):
        self._at_least_zero(group, "lr", "eps", "weight_decay")
        self._check_betas(group)

    def _init_state(self, p, group):
        state = {"step": 0, "exp_avg": np.zeros_like(p._data), "exp_avg_sq": np.zeros_like(p._data)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p._data)
        return state

    def _update(self, p, grad, state, group):
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        x, step, grad = _begin_step(p, grad, state, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = self._scratch(x)                                  # 13 array passes in all
        lerp_(m, grad, 1 - beta1, t)
        decay_add_square_(v, grad, beta2, t)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        np.sqrt(v, out=t)                                     # t = denominator
        t /= (1 - beta2 ** step) ** 0.5
        t += eps
        np.divide(m, t, out=t)
        t *= -(lr / (1 - beta1 ** step))
        x += t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): each step first multiplies the
    parameter by `1 - lr * weight_decay`. Loading any Adam state dict keeps the decay decoupled."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


class Adamax(Optimizer):
    """Adamax, Adam with an infinity norm: m = lerp(m, g, 1 - beta1);
    u = max(beta2 u, |g| + eps); param -= lr / (1 - beta1^t) * m / u."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *,
                 maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "eps", "weight_decay")
        self._check_betas(group)

    def _init_state(self, p, group):
        return {"step": 0, "exp_avg": np.zeros_like(p._data), "exp_inf": np.zeros_like(p._data)}

    def _update(self, p, grad, state, group):
        beta1, beta2 = group["betas"]
        state["step"] += 1
        grad = regularized_grad(p, grad, group["maximize"], group["weight_decay"])
        m, u = state["exp_avg"], state["exp_inf"]
        t = self._scratch(p._data)
        lerp_(m, grad, 1 - beta1, t)
        u *= beta2
        np.abs(grad, out=t)
        t += group["eps"]
        np.maximum(u, t, out=u)
        np.divide(m, u, out=t)
        t *= -(group["lr"] / (1 - beta1 ** state["step"]))
        p._data += t


class NAdam(Optimizer):
    """NAdam, Adam with Nesterov momentum (Dozat), with PyTorch's momentum schedule
    mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)):
    param -= lr (1 - mu_t) / (1 - prod mu) * g / d + lr mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d
    with d = sqrt(v / (1 - beta2^t)) + eps. `decoupled_weight_decay` as in Adam."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "eps", "weight_decay", "momentum_decay")
        self._check_betas(group)

    def _init_state(self, p, group):
        return {"step": 0, "mu_product": 1.0, "exp_avg": np.zeros_like(p._data),
                "exp_avg_sq": np.zeros_like(p._data)}

    def _update(self, p, grad, state, group):
        lr, decay = group["lr"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        x, step, grad = _begin_step(p, grad, state, group)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = self._scratch(x)
        lerp_(m, grad, 1 - beta1, t)
        decay_add_square_(v, grad, beta2, t)
        denom = np.divide(v, 1 - beta2 ** step, out=self._scratch(x, 1))
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        np.divide(grad, denom, out=t)
        t *= -lr * (1.0 - mu) / (1.0 - mu_product)
        x += t
        np.divide(m, denom, out=t)
        t *= (-lr * mu_next) / (1.0 - mu_product * mu_next)
        x += t


class RAdam(Optimizer):
    """RAdam (Liu et al.): Adam whose adaptive step is switched on, and scaled by the
    rectification r_t, only once the variance estimate is tractable (rho_t > 5):
    param -= lr m / (1 - beta1^t) * [sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t], the bracket
    replaced by 1 before that. `decoupled_weight_decay` as in Adam."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _check(self, group):
        self._at_least_zero(group, "lr", "eps", "weight_decay")
        self._check_betas(group)

    def _init_state(self, p, group):
        return {"step": 0, "exp_avg": np.zeros_like(p._data), "exp_avg_sq": np.zeros_like(p._data)}

    def _update(self, p, grad, state, group):
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        x, step, grad = _begin_step(p, grad, state, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = self._scratch(x)
        lerp_(m, grad, 1 - beta1, t)
        decay_add_square_(v, grad, beta2, t)
        bias2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * step * (beta2 ** step) / bias2
        np.divide(m, 1 - beta1 ** step, out=t)
        t *= lr
        if rho > 5.0:
            rect = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
            adaptive = np.sqrt(v, out=self._scratch(x, 1))
            adaptive += group["eps"]
            np.divide(bias2 ** 0.5, adaptive, out=adaptive)
            t *= adaptive
            t *= rect
        x -= t

