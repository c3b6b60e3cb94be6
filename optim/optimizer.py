"""Optimizer: parameter groups, per-parameter state, state dicts. Subclasses give the update rule.

Parameters are leaf Tensors. An update works on `param._data` in place and reads
`param.grad._data`, which it never writes (a gradient array may be shared with a VJP); nothing
is recorded on the tape, but each update bumps the parameter's version counter, so a backward
through a graph recorded before the step raises instead of using the new values (PyTorch's
behaviour). Parameters whose `.grad` is None are skipped, as in PyTorch.
"""
import copy
import numbers

import numpy as np

from autograd import Tensor, enable_grad
from autograd.engine import bump_version

_SET_ERROR = ("{}: parameters must be given in an ordered collection, not a set (its order "
              "changes between runs); use a list")


class Optimizer:
    """Base class. A subclass passes its hyperparameter `defaults` and implements

    * `_check(group)`: raise ValueError for a hyperparameter out of range,
    * `_init_state(param, group) -> dict`: the state of a parameter before its first update,
    * `_update(param, grad, state, group)`: one step on `param._data`; `grad` is an array that
      must not be written.
    """

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError(f"{self._name}: params must be an iterable of Tensors or of dicts, "
                            f"got a single Tensor of shape {params.shape}; wrap it in a list")
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_ERROR.format(self._name))
        self.defaults = defaults
        self.state = {}                      # param -> dict; Tensors hash by identity
        self._buffers = {}                   # (dtype, slot) -> flat work array, see _scratch
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self):
        return type(self).__name__

    def __repr__(self):
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])

    def add_param_group(self, param_group):
        """Append a group: a dict with "params" (a Tensor or an ordered iterable of them) and any
        hyperparameters, which override the optimizer's defaults for this group. Raises
        TypeError for a non-dict, a set or a non-Tensor parameter, ValueError for an empty group,
        a parameter given twice or already in another group, and a hyperparameter out of range."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self._name}: a parameter group must be a dict, "
                            f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{self._name}: parameter group {len(self.param_groups)} has no "
                             f"'params' entry")
        params = param_group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_ERROR.format(self._name))
        params = [params] if isinstance(params, Tensor) else list(params)
        where = f"parameter group {len(self.param_groups)}"
        if not params:
            raise ValueError(f"{self._name}: {where} has an empty parameter list")
        seen = {}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{self._name}: can only optimize Tensors, but parameter {i} "
                                f"of {where} is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{self._name}: can't optimize a non-leaf Tensor (parameter {i} "
                                 f"of {where}, made by {p.grad_fn.name})")
            if p.dtype.kind != "f":
                raise TypeError(f"{self._name}: can only optimize real floating-point Tensors, "
                                f"but parameter {i} of {where} has dtype {p.dtype}")
            if id(p) in seen:
                raise ValueError(f"{self._name}: parameter {i} of {where} is parameter "
                                 f"{seen[id(p)]} given again; each parameter may appear once")
            seen[id(p)] = i
        for j, group in enumerate(self.param_groups):
            if any(id(q) in seen for q in group["params"]):
                raise ValueError(f"{self._name}: some parameters of {where} are already in "
                                 f"parameter group {j}; each parameter may appear once")
        group = {**self.defaults, **param_group, "params": params}
        self._check(group)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (the default, as in PyTorch), or to a new
        zero array (the old array is left alone: a VJP may still hold it)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor(np.zeros_like(p.grad._data))

    def step(self, closure=None):
        """One update of every parameter that has a gradient. `closure`, if given, is called
        first (with grad mode on) to recompute the loss and gradients; its result is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self._init_state(p, group)
                    if state:                        # stateless rules keep no entry (PyTorch)
                        self.state[p] = state
                self._update(p, p.grad._data, state, group)
                bump_version(p)     # _update wrote p._data with NumPy, which the tape cannot see
        return loss

    # ---- state dicts -------------------------------------------------------------------------
    def state_dict(self):
        """A snapshot of the optimizer in PyTorch's layout, with arrays copied:
        {"state": {index: {name: array or number}}, "param_groups": [{..., "params": [index]}]},
        where a parameter's index is its position across the groups in order."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: {k: copy.deepcopy(v) for k, v in s.items()}
                 for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a `state_dict()` (or PyTorch's, converted to NumPy) onto this optimizer's
        parameters, matched by position. Its hyperparameters replace the groups' own. Raises
        ValueError when the groups or their sizes differ, when it lacks a hyperparameter of this
        optimizer or holds other per-parameter state (a different optimizer or options), or when
        a state array's shape differs from its parameter's."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict)
            raise ValueError(f"{self._name}.load_state_dict: expected a dict with keys 'state' "
                             f"and 'param_groups', got {keys}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{self._name}.load_state_dict: the state dict has "
                             f"{len(saved_groups)} parameter groups, this optimizer has "
                             f"{len(self.param_groups)}")
        groups, by_index = [], {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{self._name}.load_state_dict: parameter group {i} has "
                                 f"{len(group['params'])} parameters, the state dict's has "
                                 f"{len(saved['params'])}")
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(f"{self._name}.load_state_dict: parameter group {i} of the "
                                 f"state dict lacks {missing}: it was saved by a different "
                                 f"optimizer than {self._name}")
            new = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            new["params"] = group["params"]
            self._check(new)
            groups.append(new)
            by_index.update((k, (p, new)) for k, p in zip(saved["params"], group["params"]))
        state = {}
        for k, saved in state_dict["state"].items():
            if k not in by_index:
                raise ValueError(f"{self._name}.load_state_dict: the state dict has state for "
                                 f"parameter {k!r}, which none of its parameter groups lists")
            p, group = by_index[k]
            state[p] = self._restore_state(k, p, group, saved)
        self.param_groups = groups
        self.state = state

    def _restore_state(self, k, p, group, saved):
        """A copy of parameter `k`'s saved state, checked against a fresh `_init_state`: same
        names, arrays of the parameter's shape (cast to its dtype), numbers of the same kind."""
        fresh = self._init_state(p, group)
        if set(saved) != set(fresh):
            raise ValueError(f"{self._name}.load_state_dict: the state of parameter {k} has "
                             f"{sorted(saved)}, {self._name} with these options keeps "
                             f"{sorted(fresh)}: the state dict comes from a different "
                             f"optimizer or options")
        out = {}
        for name, init in fresh.items():
            value = saved[name]
            if isinstance(init, np.ndarray) or (init is None and value is not None):
                value = np.array(value, dtype=p.dtype)
                if value.shape != p.shape:
                    raise ValueError(f"{self._name}.load_state_dict: state '{name}' of parameter "
                                     f"{k} has shape {value.shape}, the parameter has shape "
                                     f"{p.shape}")
            elif init is not None:
                value = type(init)(np.asarray(value).item())
            out[name] = value
        return out

    # ---- for subclasses ----------------------------------------------------------------------
    def _check(self, group):
        raise NotImplementedError

    def _init_state(self, p, group):
        raise NotImplementedError

    def _update(self, p, grad, state, group):
        raise NotImplementedError

    def _scratch(self, x, slot=0):
        """Work array number `slot`, shaped like `x` and shared by all parameters of its dtype:
        valid until the next call with this slot. Saves an allocation per temporary in the
        update rules, and keeps 0-d results arrays (NumPy returns scalars for them)."""
        key = (x.dtype, slot)
        buf = self._buffers.get(key)
        if buf is None or buf.size < x.size:
            buf = self._buffers[key] = np.empty(x.size, x.dtype)
        return buf[:x.size].reshape(x.shape)

    def _at_least_zero(self, group, *names):
        """ValueError unless each named hyperparameter of `group` is a number >= 0."""
        for name in names:
            v = group[name]
            if not isinstance(v, numbers.Real) or not v >= 0:
                raise ValueError(f"{self._name}: invalid {name} {v!r}: must be a number >= 0")

    def _check_betas(self, group):
        """ValueError unless `betas` is a pair of numbers in [0, 1)."""
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{self._name}: betas must be a pair of numbers, got {betas!r}")
        for i, b in enumerate(betas):
            if not isinstance(b, numbers.Real) or not 0 <= b < 1:
                raise ValueError(f"{self._name}: invalid betas[{i}] {b!r}: must be in [0, 1)")


def regularized_grad(p, grad, maximize, weight_decay):
    """The gradient an update rule sees: negated for `maximize`, plus `weight_decay * param`
    (L2 penalty). A new array whenever it differs from `grad`, which is never written."""
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * p._data
    return grad


def lerp_(avg, x, weight, tmp):
    """avg += weight * (x - avg) in place, rounded like PyTorch's `avg.lerp_(x, weight)`
    (which computes x - (x - avg) * (1 - weight) when weight >= 0.5). `tmp` is work space."""
    np.subtract(x, avg, out=tmp)
    if weight < 0.5:
        tmp *= weight
        avg += tmp
    else:
        tmp *= weight - 1
        np.add(x, tmp, out=avg)


def decay_add_square_(avg, g, decay, tmp):
    """avg = decay * avg + (1 - decay) * g * g in place, as PyTorch's
    `avg.mul_(decay).addcmul_(g, g, value=1 - decay)`. `tmp` is work space."""
    avg *= decay
    np.multiply(g, 1 - decay, out=tmp)
    tmp *= g
    avg += tmp
