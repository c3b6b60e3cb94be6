"""The scheduler base class: the epoch counter, base learning rates and state dicts."""
import copy
import types

from .optimizer import Optimizer


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"expected an Optimizer, got {type(optimizer).__name__}")


def _per_group(name, optimizer, value):
    """`value` repeated for each parameter group, or a list/tuple of one value per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have one value per parameter group: got {len(value)} "
                             f"values for {len(optimizer.param_groups)} groups")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _callable_state(fn):
    """What a state dict keeps of a user's function: the attributes of a callable object, None
    for a plain function (or None)."""
    return None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__)


class _LRState:
    """What every scheduler offers: the last learning rates and a state dict."""

    def get_last_lr(self):
        """The learning rates set by the last step, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """A copy of every attribute but the optimizer."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(copy.deepcopy(state_dict))


class LRScheduler(_LRState):
    """Base class: sets each group's "lr" from `get_lr()` on construction and on every `step()`.

    With `last_epoch=-1` each group's current lr becomes its "initial_lr" (the base lr);
    resuming with `last_epoch >= 0` requires "initial_lr" in every group (KeyError otherwise).
    Subclasses implement `get_lr()`, and `_closed_form_lr()` where a closed form exists."""

    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param_groups[{i}] has no 'initial_lr': resuming a scheduler "
                               f"with last_epoch={last_epoch} needs the optimizer's state first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        """Advance one epoch (or iteration) and set the new learning rates."""
        self._step_count += 1
        self.last_epoch += 1
        self._set_lrs(self.get_lr())

    def _jump_to(self, epoch):
        """Set the learning rates of `epoch` directly (what SequentialLR does at a milestone)."""
        self.last_epoch = epoch
        closed_form = getattr(self, "_closed_form_lr", None)
        self._set_lrs(closed_form() if closed_form else self.get_lr())

    def _set_lrs(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]
