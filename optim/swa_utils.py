"""Weight averaging, as torch.optim.swa_utils: stochastic weight averaging (Izmailov et al.,
2018) and exponential moving averages of a model's parameters (`AveragedModel`), the SWA
learning-rate schedule (`SWALR`), and `update_bn`, which recomputes BatchNorm statistics for
the averaged weights. Averages are written in place into the averaged copy's arrays, bumping
their version counters; nothing is recorded on the tape."""
import copy
import itertools
import math

import numpy as np

from autograd import Tensor, no_grad, tensor
from autograd.engine import bump_version
from nn.module import Module
from nn.normalization import _BatchNorm, _InstanceNorm

from .optimizer import lerp_
from .scheduler_base import LRScheduler, _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         f"[0,1] range.")


def _lerp_all(averaged, current, weight):
    """averaged += weight * (current - averaged) for each pair of Tensors, in place, rounded as
    PyTorch's lerp_ for floating tensors; integer ones are rounded back to their dtype."""
    for a, c in zip(averaged, current, strict=True):
        if a.dtype.kind == "f":
            lerp_(a._data, c._data, weight, np.empty_like(a._data))
        else:
            a._data[...] = a._data * (1 - weight) + c._data * weight
        bump_version(a)


def get_ema_multi_avg_fn(decay=0.999):
    """An exponential moving average over lists of Tensors, updated in place:
    ema = decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged):
        _lerp_all(ema_param_list, current_param_list, 1 - decay)
    return ema_update


def get_swa_multi_avg_fn():
    """The running mean over lists of Tensors, in place: avg += (current - avg) / (n + 1),
    with the weight 1 / (n + 1) rounded to float32 as PyTorch's (its division of an int64
    tensor gives a float32 one)."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        weight = float(np.float32(1 / (int(num_averaged) + 1)))
        _lerp_all(averaged_param_list, current_param_list, weight)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An exponential moving average of one Tensor: returns decay * ema + (1 - decay) * x."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean of one Tensor: returns avg + (x - avg) / (n + 1)."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A deep copy of `model` whose parameters (and, with `use_buffers`, buffers) become the
    average of the values passed to `update_parameters(model)`: the equal-weight running mean
    by default, else `avg_fn(averaged, current, n_averaged) -> Tensor` per parameter or
    `multi_avg_fn(averaged_list, current_list, n_averaged)` updating in place (not both:
    ValueError). The first update copies. Without `use_buffers` the buffers are copied from
    the model at each update. `n_averaged` is an int64 buffer; calling the averaged model runs
    the copy."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: only one of avg_fn and multi_avg_fn should be "
                             "provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, module):
        if self.use_buffers:
            return list(itertools.chain(module.parameters(), module.buffers()))
        return list(module.parameters())

    def update_parameters(self, model):
        """Fold `model`'s current parameters into the average."""
        mine, theirs = self._averaged(self.module), self._averaged(model)
        if len(mine) != len(theirs):
            raise ValueError(f"AveragedModel.update_parameters: the model has {len(theirs)} "
                             f"tensors to average, the averaged copy {len(mine)}")
        n = int(self.n_averaged._data)
        with no_grad():
            if n == 0:
                for a, c in zip(mine, theirs):
                    a._data[...] = c._data
            elif self.avg_fn is not None:
                n_averaged = Tensor._wrap(self.n_averaged._data.copy())
                for a, c in zip(mine, theirs):
                    a._data[...] = np.asarray(self.avg_fn(a.detach(), c.detach(), n_averaged))
            else:
                update = self.multi_avg_fn or _default_update
                update([a.detach() for a in mine], [c.detach() for c in theirs],
                       Tensor._wrap(self.n_averaged._data.copy()))
            if not self.use_buffers:
                for a, c in zip(self.module.buffers(), model.buffers(), strict=True):
                    a._data[...] = c._data
        for t in itertools.chain(mine, self.module.buffers()):
            bump_version(t)
        self.n_averaged._data[...] += 1
        bump_version(self.n_averaged)


def _default_update(averaged, current, num_averaged):
    """PyTorch's default on the CPU: avg + (x - avg) / (n + 1), elementwise per Tensor."""
    swa = get_swa_avg_fn()
    for a, c in zip(averaged, current):
        a._data[...] = swa(a._data, c._data, num_averaged._data)


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every BatchNorm of `model` as the plain average
    over one pass of `loader` (batches, or tuples/lists whose first element is the input), in
    training mode; the momenta and the training flag are restored afterwards. A model without
    BatchNorm is left alone. `device` may only be the CPU (RuntimeError otherwise)."""
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"update_bn: device {device!r} is not available; tapegrad computes "
                           f"on the CPU")
    momenta = {m: m.momentum for m in model.modules()
               if isinstance(m, _BatchNorm) and not isinstance(m, _InstanceNorm)}
    if not momenta:
        return
    for m in momenta:
        m.reset_running_stats()
        m.momentum = None                    # a cumulative average
    was_training = model.training
    model.train()
    with no_grad():
        for batch in loader:
            x = batch[0] if isinstance(batch, (list, tuple)) else batch
            model(x)
    for m, momentum in momenta.items():
        m.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's lr to `swa_lr` (one value or one per group) over `anneal_epochs`
    epochs, by a cosine ("cos") or linear ("linear") curve, then holds it. Like PyTorch, each
    step recovers the lr the anneal started from out of the current lr, so it composes with
    other changes of the lr."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for group, lr in zip(optimizer.param_groups, _per_group("swa_lr", optimizer, swa_lr)):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy!r}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs!r}")
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t):
        """The weight of swa_lr at the fraction t of the anneal."""
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / span)))
        alpha = self._anneal(max(0, min(1, step / span)))
        lrs = []
        for group in self.optimizer.param_groups:
            swa_lr = group["swa_lr"]
            # the lr before the anneal: lr = swa_lr * prev_alpha + start * (1 - prev_alpha)
            start = swa_lr if prev_alpha == 1 else (group["lr"] - prev_alpha * swa_lr) / (
                1 - prev_alpha)
            lrs.append(swa_lr * alpha + start * (1 - alpha))
        return lrs
