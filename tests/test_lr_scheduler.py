"""Learning-rate schedulers: PyTorch's sequences exactly, momentum cycling, state dicts, errors."""
import math

import numpy as np
import pytest

import autograd as ag
import optim
from optim import lr_scheduler as ours

STEPS = 40


class Halving:
    """A callable object: LambdaLR saves its attributes in the state dict."""

    def __init__(self, every):
        self.every = every

    def __call__(self, epoch):
        return 0.5 ** (epoch // self.every)


class Decay:
    """A callable scale_fn for CyclicLR: its state is saved."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return 1 / (1 + self.rate * x)


# name -> scheduler factory, given a scheduler module (ours or torch's) and an optimizer
SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=7, gamma=0.3),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.5),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=15, eta_min=1e-3),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + 0.1 * e)),
    "LambdaLR-per-group": lambda L, o: L.LambdaLR(o, [Halving(4), lambda e: 0.97 ** e]),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=9),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR-linear-3phase": lambda L, o: L.OneCycleLR(
        o, max_lr=2.0, epochs=4, steps_per_epoch=10, pct_start=0.25, anneal_strategy="linear",
        three_phase=True),
    "CyclicLR": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(
        o, [0.01, 0.02], 0.3, step_size_up=3, step_size_down=5, mode="triangular2",
        base_momentum=[0.7, 0.75], max_momentum=0.95),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 5, mode="exp_range", gamma=0.97,
                                                  cycle_momentum=False),
    "CyclicLR-scale_fn-cycle": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 2, 6, scale_fn=Decay(0.5)),
    "CyclicLR-scale_fn-iterations": lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, 7, scale_fn=lambda x: 0.99 ** x, scale_mode="iterations"),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.2, total_iters=6), L.CosineAnnealingLR(o, T_max=20),
            L.ExponentialLR(o, gamma=0.9)], milestones=[6, 26]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, [lambda e: 0.95, Halving(3)]),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=7),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=17, power=1.7),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=4, T_mult=2, eta_min=1e-3),
    "CosineAnnealingWarmRestarts-T_mult-1": lambda L, o: L.CosineAnnealingWarmRestarts(o, 6),
    "SequentialLR-restarts": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.5, total_iters=3), L.CosineAnnealingWarmRestarts(o, 3, 2),
            L.PolynomialLR(o, total_iters=8)], milestones=[4, 20]),
    "SequentialLR-steps": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, gamma=0.8), L.StepLR(o, step_size=4), L.MultiStepLR(o, [2, 5])],
        milestones=[5, 15]),
}


def _optimizer(module, make_param, name="SGD"):
    params = [make_param(np.ones(2)), make_param(np.ones(3))]
    options = {"SGD": dict(momentum=0.9), "Adam": {}}[name]
    return getattr(module, name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}],
                                 lr=0.1, **options)


def _ours(name="SGD"):
    return _optimizer(optim, lambda a: ag.tensor(a, requires_grad=True), name)


def _torch(torch, name="SGD"):
    return _optimizer(torch.optim, lambda a: torch.tensor(a, requires_grad=True), name)


def _trace(opt, scheduler, steps=STEPS):
    """Learning rates (and momenta) after construction and after each step."""
    def now():
        momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
        return scheduler.get_last_lr(), [g["lr"] for g in opt.param_groups], momenta
    seen = [now()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        seen.append(now())
    return seen


@pytest.mark.parametrize("name", SCHEDULERS)
def test_matches_pytorch_exactly(name):
    torch = pytest.importorskip("torch")
    make = SCHEDULERS[name]
    opt, topt = _ours(), _torch(torch)
    assert _trace(opt, make(ours, opt)) == _trace(topt, make(torch.optim.lr_scheduler, topt))


def test_one_cycle_cycles_adam_beta1_like_pytorch():
    torch = pytest.importorskip("torch")
    opt, topt = _ours("Adam"), _torch(torch, "Adam")
    seen = _trace(opt, ours.OneCycleLR(opt, max_lr=0.01, total_steps=STEPS))
    assert seen == _trace(topt, torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.01,
                                                                     total_steps=STEPS))
    assert seen[0][2] == [0.95, 0.95] and seen[STEPS // 3][2][0] < 0.9    # beta1 dips and
    assert opt.param_groups[0]["betas"] == (pytest.approx(0.95, abs=1e-3), 0.999)   # returns


def test_cyclic_lr_cycles_adam_beta1_like_pytorch():
    torch = pytest.importorskip("torch")
    opt, topt = _ours("Adam"), _torch(torch, "Adam")
    make = lambda L, o: L.CyclicLR(o, 1e-3, 1e-2, step_size_up=5, mode="triangular2")  # noqa
    seen = _trace(opt, make(ours, opt))
    assert seen == _trace(topt, make(torch.optim.lr_scheduler, topt))
    assert seen[5][0] == pytest.approx([1e-2, 1e-2]) and seen[5][2] == pytest.approx([0.8, 0.8])
    assert seen[15][0][0] == pytest.approx(5.5e-3)                       # the second, halved
    assert opt.param_groups[0]["betas"][1] == 0.999


def test_cyclic_lr_state_dict_keeps_callable_scale_fn_only():
    s = ours.CyclicLR(_ours(), 0.01, 0.1, scale_fn=Decay(0.25))
    assert s.state_dict()["_scale_fn_custom"] == {"rate": 0.25}
    assert ours.CyclicLR(_ours(), 0.01, 0.1, scale_fn=lambda x: 1.0).state_dict()[
        "_scale_fn_custom"] is None
    s2 = ours.CyclicLR(_ours(), 0.01, 0.1, scale_fn=Decay(3.0))
    s2.load_state_dict(s.state_dict())
    assert s2._scale_fn_custom.rate == 0.25


REDUCE_CASES = [dict(patience=2), dict(patience=1, cooldown=2, factor=0.5, min_lr=[0.02, 0.0]),
                dict(mode="max", threshold_mode="abs", threshold=0.05, patience=0),
                dict(mode="max", patience=3, eps=0.04)]


@pytest.mark.parametrize("options", REDUCE_CASES, ids=str)
def test_reduce_lr_on_plateau_matches_pytorch(options):
    torch = pytest.importorskip("torch")
    metrics = np.random.default_rng(0).standard_normal(STEPS).cumsum()
    opt, topt = _ours(), _torch(torch)
    s, t = ours.ReduceLROnPlateau(opt, **options), \
        torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **options)
    for m in metrics:
        s.step(m)
        t.step(m)
        assert s.get_last_lr() == t.get_last_lr()
        assert (s.best, s.num_bad_epochs, s.cooldown_counter) == \
            (t.best, t.num_bad_epochs, t.cooldown_counter)
    assert s.get_last_lr() != [0.1, 0.05]              # the case does reduce


def test_schedules_follow_their_formulas():
    opt = _ours()
    cosine = ours.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    lrs = [lr for lr, _, _ in _trace(opt, cosine, 10)]
    for e, (lr0, lr1) in enumerate(lrs):
        assert lr0 == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2)
    opt = _ours()
    warm = ours.LinearLR(opt, start_factor=0.25, total_iters=4)
    assert [lr[0] for lr, _, _ in _trace(opt, warm, 6)] == \
        pytest.approx([0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1])


@pytest.mark.parametrize("name", SCHEDULERS)
def test_state_dict_round_trip_continues_the_sequence(name):
    make = SCHEDULERS[name]
    opt = _ours()
    scheduler = make(ours, opt)
    _trace(opt, scheduler, 12)
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    expected = _trace(opt, scheduler, STEPS - 12)

    opt2 = _ours()
    scheduler2 = make(ours, opt2)
    opt2.load_state_dict(saved_opt)
    scheduler2.load_state_dict(saved)
    assert _trace(opt2, scheduler2, STEPS - 12) == expected


def test_lambda_state_dict_keeps_callable_objects_only():
    opt = _ours()
    s = ours.LambdaLR(opt, [Halving(4), lambda e: 1.0])
    assert s.state_dict()["lr_lambdas"] == [{"every": 4}, None]
    s2 = ours.LambdaLR(_ours(), [Halving(9), lambda e: 1.0])
    s2.load_state_dict(s.state_dict())
    assert s2.lr_lambdas[0].every == 4


def test_reduce_lr_on_plateau_state_dict():
    opt = _ours()
    s = ours.ReduceLROnPlateau(opt, patience=0)
    for m in [3.0, 2.0, 2.5]:
        s.step(m)
    s2 = ours.ReduceLROnPlateau(_ours(), patience=5)
    s2.load_state_dict(s.state_dict())
    assert (s2.best, s2.patience, s2.get_last_lr()) == (2.0, 0, s.get_last_lr())
    assert "optimizer" not in s.state_dict()


def test_bad_input_raises():
    opt = _ours()
    with pytest.raises(TypeError, match="expected an Optimizer, got list"):
        ours.StepLR([], step_size=2)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 0"):
        ours.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer, got 2.5"):
        ours.CosineAnnealingLR(opt, T_max=2.5)
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\], got 0"):
        ours.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match=r"^ConstantLR: factor must be in \[0, 1\], got 2"):
        ours.ConstantLR(opt, factor=2)
    with pytest.raises(ValueError, match="^PolynomialLR: total_iters must be a positive integer"):
        ours.PolynomialLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="^CosineAnnealingWarmRestarts: T_mult must be an "
                                         "integer >= 1, got 0.5"):
        ours.CosineAnnealingWarmRestarts(opt, 3, T_mult=0.5)
    with pytest.raises(ValueError, match="lr_lambda must have one value per parameter group: "
                                         "got 3 values for 2 groups"):
        ours.LambdaLR(opt, [lambda e: 1.0] * 3)
    with pytest.raises(KeyError, match="param_groups\\[0\\] has no 'initial_lr'"):
        ours.StepLR(_ours(), step_size=2, last_epoch=4)
    with pytest.raises(ValueError, match="factor must be < 1, got 1.5"):
        ours.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        ours.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(TypeError, match="scheduler 0 is a ReduceLROnPlateau, not an LRScheduler"):
        ours.SequentialLR(opt, [ours.ReduceLROnPlateau(opt), ours.StepLR(opt, 2)], [3])
    with pytest.raises(ValueError, match="scheduler 1 \\(StepLR\\) drives a different optimizer"):
        ours.SequentialLR(opt, [ours.StepLR(opt, 2), ours.StepLR(_ours(), 2)], [3])
    with pytest.raises(ValueError, match="got 2 schedulers and 2 milestones"):
        ours.SequentialLR(opt, [ours.StepLR(opt, 2), ours.StepLR(opt, 2)], [3, 4])
    with pytest.raises(ValueError, match="give total_steps, or epochs and steps_per_epoch"):
        ours.OneCycleLR(opt, max_lr=1.0, epochs=3)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear'"):
        ours.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    one_cycle = ours.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        one_cycle.step()
    with pytest.raises(ValueError, match="tried to step 4 times; total_steps is 3"):
        one_cycle.step()
    plain = optim.Adagrad([ag.tensor(np.ones(2), requires_grad=True)])
    with pytest.raises(ValueError, match="^OneCycleLR: cycle_momentum needs an optimizer with "
                                         "momentum or betas; Adagrad has neither"):
        ours.OneCycleLR(plain, max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="^CyclicLR: cycle_momentum needs an optimizer with "
                                         "momentum or betas; Adagrad has neither"):
        ours.CyclicLR(plain, 0.1, 1.0)
    ours.CyclicLR(plain, 0.1, 1.0, cycle_momentum=False)
    with pytest.raises(ValueError, match="^CyclicLR: mode must be 'triangular', 'triangular2' or "
                                         "'exp_range' when there is no scale_fn, got 'sine'"):
        ours.CyclicLR(opt, 0.1, 1.0, mode="sine")
    with pytest.raises(ValueError, match="max_lr must have one value per parameter group"):
        ours.CyclicLR(opt, 0.1, [1.0, 2.0, 3.0])
