"""L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 7.4 and 7.5) with an
optional strong-Wolfe line search (algorithms 3.5 and 3.6, cubic interpolation eq. 3.59), with
PyTorch's `step(closure)` protocol, state layout, evaluation counting and stopping rules.

All parameters are flattened into one vector x; `closure()` recomputes the loss and leaves the
gradient in each parameter's `.grad`. Vectors here are NumPy arrays of the parameters' dtype.
"""
import copy
from collections import namedtuple

import numpy as np

from autograd import enable_grad
from autograd.engine import bump_version

from .optimizer import Optimizer

# A point on the search line x + t d: the loss f there, its gradient g and the slope g.d.
_Point = namedtuple("_Point", "t f g gtd")

_STATE_KEYS = {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
               "prev_flat_grad", "prev_loss", "al"}


class LBFGS(Optimizer):
    """L-BFGS over all parameters as one vector; one parameter group only (ValueError else).

    `step(closure)` runs up to `max_iter` iterations and `max_eval` closure calls (default
    max_iter * 5 // 4) and returns the first loss. It stops when the largest gradient entry is
    at most `tolerance_grad`, or when the step, the directional derivative or the loss change
    falls under `tolerance_change`. The inverse Hessian is approximated from the last
    `history_size` curvature pairs. The step is `lr` (the first one scaled down to
    min(1, 1 / |g|_1) * lr) or, with `line_search_fn="strong_wolfe"`, one satisfying the strong
    Wolfe conditions (c1 = 1e-4, c2 = 0.9). The state lives under the first parameter, with
    PyTorch's keys (func_evals, n_iter, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad,
    prev_loss, al)."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _check(self, group):
        self._at_least_zero(group, "lr")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r}")

    def _init_state(self, p, group):
        return {"func_evals": 0, "n_iter": 0}

    def _restore_state(self, k, p, group, saved):
        unknown = set(saved) - _STATE_KEYS
        if unknown:
            raise ValueError(f"LBFGS.load_state_dict: the state of parameter {k} has "
                             f"{sorted(unknown)}, which LBFGS does not keep")
        return copy.deepcopy(dict(saved))

    # ---- the flat vector view of the parameters --------------------------------------------
    def _flat_grad(self):
        """All gradients as one vector; zeros for a parameter whose .grad is None."""
        return np.concatenate([np.zeros(p.numel(), p.dtype) if p.grad is None
                               else p.grad._data.ravel() for p in self._params])

    def _add_to_params(self, t, d):
        """x += t d."""
        offset = 0
        for p in self._params:
            n = p.numel()
            p._data += t * d[offset:offset + n].reshape(p.shape)
            offset += n
            bump_version(p)

    def _set_params(self, xs):
        for p, x in zip(self._params, xs):
            p._data[...] = x
            bump_version(p)

    def _evaluate_at(self, closure, x, t, d):
        """The loss and gradient at x + t d, the parameters left at x (the list of arrays)."""
        self._add_to_params(t, d)
        with enable_grad():
            f = float(closure())
        g = self._flat_grad()
        self._set_params(x)
        return f, g

    # ---- the iteration ---------------------------------------------------------------------
    def step(self, closure):
        """Run L-BFGS iterations; `closure()` must zero the gradients, compute the loss,
        backpropagate and return the loss. Returns the loss of the first evaluation."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], self._init_state(None, group))
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
            else:
                self._remember(state, g - prev_g, d * t, group["history_size"])
                d = _two_loop(state, g, group["history_size"])
            prev_g, prev_loss = g, loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)                                   # directional derivative
            if gtd > -tol_change:
                break
            if group["line_search_fn"] == "strong_wolfe":
                x0 = [p._data.copy() for p in self._params]
                loss, g, t, n_evals = _strong_wolfe(
                    lambda t_: self._evaluate_at(closure, x0, t_, d),
                    d, _Point(0.0, loss, g, gtd), t, max_ls=max_eval - evals)
                self._add_to_params(t, d)
                converged = np.abs(g).max() <= tol_grad
            else:
                self._add_to_params(t, d)
                n_evals, converged = 0, False
                if n_iter != max_iter:                       # the last one is not evaluated
                    with enable_grad():
                        loss = float(closure())
                    g = self._flat_grad()
                    converged = np.abs(g).max() <= tol_grad
                    n_evals = 1
            evals += n_evals
            state["func_evals"] += n_evals
            if (n_iter == max_iter or evals >= max_eval or converged
                    or np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break
        state.update(d=d, t=t, prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _remember(state, y, s, history_size):
        """Keep the curvature pair (s, y) when y.s > 1e-10 (else the update would not stay
        positive definite), dropping the oldest beyond `history_size`; H_diag = y.s / y.y
        scales the initial inverse Hessian (N&W eq. 7.20)."""
        ys = y.dot(s)
        if ys > 1e-10:
            if len(state["old_dirs"]) == history_size:
                for key in ("old_dirs", "old_stps", "ro"):
                    state[key].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y)


def _two_loop(state, g, history_size):
    """d = -H g by the two-loop recursion (N&W algorithm 7.4) over the stored pairs."""
    ys, ss, rho = state["old_dirs"], state["old_stps"], state["ro"]
    alpha = state.setdefault("al", [None] * history_size)
    q = -g
    for i in reversed(range(len(ys))):
        alpha[i] = ss[i].dot(q) * rho[i]
        q -= alpha[i] * ys[i]
    r = q * state["H_diag"]
    for i in range(len(ys)):
        beta = ys[i].dot(r) * rho[i]
        r += (alpha[i] - beta) * ss[i]
    return r


def _cubic_min(a, b, bounds=None):
    """The minimizer of the cubic through points a and b (values and slopes), clamped to
    `bounds` (default: between a.t and b.t); their midpoint when the cubic has no minimum.
    N&W eq. 3.59, evaluated from the right endpoint."""
    lo, hi = (a, b) if a.t <= b.t else (b, a)
    low, high = bounds if bounds is not None else (lo.t, hi.t)
    d1 = a.gtd + b.gtd - 3 * (a.f - b.f) / (a.t - b.t)
    disc = d1 * d1 - a.gtd * b.gtd
    if not disc >= 0:                                   # also NaN
        return (low + high) / 2.0
    d2 = np.sqrt(disc)
    t = hi.t - (hi.t - lo.t) * ((hi.gtd + d2 - d1) / (hi.gtd - lo.gtd + 2 * d2))
    return min(max(t, low), high)


def _strong_wolfe(evaluate, d, start, t, max_ls, c1=1e-4, c2=0.9, tolerance_change=1e-9):
    """A step t along d satisfying the strong Wolfe conditions
    f(t) <= f(0) + c1 t f'(0) (sufficient decrease) and |f'(t)| <= c2 |f'(0)| (curvature),
    by bracketing (N&W algorithm 3.5, the trial step grown by cubic extrapolation within
    [t + 0.01 (t - t_prev), 10 t]) and zooming (algorithm 3.6, cubic interpolation kept at
    least 10% of the bracket away from its ends). `evaluate(t)` returns (f, g); at most
    `max_ls` evaluations. Returns (f, g, t, evaluations) of the best point found."""
    f0, gtd0 = start.f, start.gtd

    def point(t_):
        f, g = evaluate(t_)
        return _Point(t_, f, g, g.dot(d))

    def sufficient(p):
        return p.f <= f0 + c1 * p.t * gtd0

    def flat(p):
        return abs(p.gtd) <= -c2 * gtd0

    prev, new = start, point(t)
    n = 1
    bracket = None
    while n - 1 < max_ls:                                          # bracketing phase
        if not sufficient(new) or (n > 2 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if flat(new):
            return new.f, new.g, new.t, n
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        t = _cubic_min(prev, new, bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new = new, point(t)
        n += 1
    if bracket is None:                                            # out of evaluations
        bracket = [start, new]
        return _lower(bracket).f, _lower(bracket).g, _lower(bracket).t, n
    max_d = np.abs(d).max()
    stalled = False
    while n - 1 < max_ls:                                          # zoom phase
        lo_t, hi_t = min(p.t for p in bracket), max(p.t for p in bracket)
        if abs(bracket[1].t - bracket[0].t) * max_d < tolerance_change:
            break
        t = _cubic_min(*bracket)
        margin = 0.1 * (hi_t - lo_t)
        if min(hi_t - t, t - lo_t) < margin:
            # too close to an end: move it inside, unless the last step made progress there
            if stalled or t >= hi_t or t <= lo_t:
                t = hi_t - margin if abs(t - hi_t) < abs(t - lo_t) else lo_t + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        new = point(t)
        n += 1
        low = 0 if bracket[0].f <= bracket[1].f else 1
        if not sufficient(new) or new.f >= bracket[low].f:
            bracket[1 - low] = new                                 # new upper end
        else:
            if flat(new):
                bracket[low] = new
                break
            if new.gtd * (bracket[1 - low].t - bracket[low].t) >= 0:
                bracket[1 - low] = bracket[low]
            bracket[low] = new
    best = _lower(bracket)
    return best.f, best.g, best.t, n


def _lower(bracket):
    """The end of the bracket with the lower loss (the first on a tie)."""
    return bracket[0] if bracket[0].f <= bracket[1].f else bracket[1]
