"""optim.swa_utils: AveragedModel (running mean, EMA, avg_fn / multi_avg_fn, use_buffers),
SWALR and update_bn, against plain NumPy and PyTorch."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from optim import swa_utils

RNG = np.random.default_rng(0)


def _net(lib):
    torch_nn = lib.nn if hasattr(lib, "nn") else nn
    return torch_nn.Sequential(torch_nn.Linear(3, 4), torch_nn.BatchNorm1d(4), torch_nn.ReLU(),
                               torch_nn.Linear(4, 2)).double()


def _states(model, n):
    """n random states of `model`'s state dict: parameters and float buffers (so running_var
    stays positive) moved up by uniform [0, 1) noise,
    num_batches_tracked counted up."""
    base = {k: np.array(v) for k, v in model.state_dict().items()}
    return [{k: (v + RNG.random(v.shape) if v.dtype.kind == "f" else v + 3 * i + 1)
             for k, v in base.items()} for i in range(n)]


def _load(lib, model, state):
    if lib is ag:
        model.load_state_dict(state)
    else:
        model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})


def _array(v):
    """A state dict entry (ours: an array; PyTorch's: a Tensor) as an array."""
    return np.array(v if isinstance(v, np.ndarray) else v.numpy())


def _average(lib, states, **options):
    model = _net(lib)
    _load(lib, model, states[0])
    averaged = (swa_utils if lib is ag else lib.optim.swa_utils).AveragedModel(model, **options)
    for state in states:
        _load(lib, model, state)
        averaged.update_parameters(model)
    return {k: _array(v) for k, v in averaged.state_dict().items()}, averaged


def test_running_mean_is_the_mean_of_the_parameters():
    states = _states(_net(ag), 5)
    got, averaged = _average(ag, states)
    assert int(got["n_averaged"]) == 5
    for k in states[0]:
        expected = np.mean([s[k] for s in states], axis=0) if "weight" in k or "bias" in k \
            else states[-1][k]                                      # buffers: the last ones
        np.testing.assert_allclose(got["module." + k], expected, rtol=1e-12)
    x = ag.tensor(RNG.standard_normal((5, 3)))
    np.testing.assert_array_equal(averaged.eval()(x).data, averaged.module(x).data)


AVERAGING = {
    "default": lambda m: {},
    "use_buffers": lambda m: dict(use_buffers=True),
    "ema-avg_fn": lambda m: dict(avg_fn=m.get_ema_avg_fn(0.8)),
    "ema-multi_avg_fn": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.3),
                                       use_buffers=True),
    "swa-multi_avg_fn": lambda m: dict(multi_avg_fn=m.get_swa_multi_avg_fn()),
    "swa-avg_fn-buffers": lambda m: dict(avg_fn=m.get_swa_avg_fn(), use_buffers=True),
}


@pytest.mark.parametrize("name", AVERAGING)
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    states = _states(_net(ag), 4)
    ours, _ = _average(ag, states, **AVERAGING[name](swa_utils))
    theirs, _ = _average(torch, states, **AVERAGING[name](torch.optim.swa_utils))
    assert ours.keys() == theirs.keys()
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-13, err_msg=k)
        assert ours[k].dtype == theirs[k].dtype, k


def test_update_bumps_versions_and_records_nothing():
    model = _net(ag)
    averaged = swa_utils.AveragedModel(model)
    weight = averaged.module[0].weight
    stale = (weight * weight).sum()
    averaged.update_parameters(model)
    assert weight.grad_fn is None and weight.requires_grad
    with pytest.raises(RuntimeError, match="modified"):
        stale.backward()


def _bn_net(lib):
    torch_nn = lib.nn if hasattr(lib, "nn") else nn
    return torch_nn.Sequential(torch_nn.Linear(3, 4), torch_nn.BatchNorm1d(4, momentum=0.3),
                               torch_nn.Tanh(), torch_nn.Linear(4, 4),
                               torch_nn.BatchNorm1d(4)).double()


def test_update_bn_matches_pytorch_and_restores_the_model():
    torch = pytest.importorskip("torch")
    state = _states(_bn_net(ag), 1)[0]
    batches = [RNG.standard_normal((n, 3)) for n in (6, 4, 9)]
    ours, theirs = _bn_net(ag), _bn_net(torch)
    _load(ag, ours, state)
    _load(torch, theirs, state)
    ours.eval()
    theirs.eval()
    swa_utils.update_bn([(ag.tensor(b), 0) for b in batches], ours)
    torch.optim.swa_utils.update_bn([torch.tensor(b) for b in batches], theirs)
    got = ours.state_dict()
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(got[k], v.numpy(), rtol=1e-12, err_msg=k)
    assert not ours.training and ours[1].momentum == 0.3 and ours[4].momentum == 0.1
    # the statistics are the plain average over the batches, not a momentum average
    h = [np.array(ours[0](ag.tensor(b)).data) for b in batches]
    np.testing.assert_allclose(got["1.running_mean"], np.mean([x.mean(0) for x in h], 0))


def test_update_bn_leaves_models_without_batchnorm_alone():
    model = nn.Sequential(nn.Linear(2, 2), nn.InstanceNorm1d(2, track_running_stats=True))
    model.eval()
    swa_utils.update_bn([ag.tensor(np.ones((1, 2, 3)))], model)
    assert not model.training
    np.testing.assert_array_equal(model[1].running_mean.data, np.zeros(2))


SWALR_CASES = [dict(swa_lr=0.05), dict(swa_lr=[0.01, 0.2], anneal_epochs=4),
               dict(swa_lr=0.02, anneal_epochs=6, anneal_strategy="linear"),
               dict(swa_lr=0.3, anneal_epochs=0)]


@pytest.mark.parametrize("options", SWALR_CASES, ids=str)
def test_swalr_matches_pytorch(options):
    torch = pytest.importorskip("torch")

    def trace(lib, opt_module, scheduler_module):
        params = [lib.tensor(np.ones(2), requires_grad=True),
                  lib.tensor(np.ones(3), requires_grad=True)]
        opt = opt_module.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}],
                             lr=0.1)
        scheduler = scheduler_module.SWALR(opt, **options)
        seen = [scheduler.get_last_lr()]
        for _ in range(14):
            opt.step()
            scheduler.step()
            seen.append(scheduler.get_last_lr())
        return seen

    ours = trace(ag, optim, swa_utils)
    assert ours == trace(torch, torch.optim, torch.optim.swa_utils)
    swa_lr = options["swa_lr"]
    assert ours[-1] == pytest.approx(swa_lr if isinstance(swa_lr, list) else [swa_lr] * 2)


def test_bad_input_raises():
    model = _net(ag)
    with pytest.raises(ValueError, match="only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided"):
        swa_utils.get_ema_multi_avg_fn(1.5)
    averaged = swa_utils.AveragedModel(model)
    with pytest.raises(ValueError, match="the model has 2 tensors to average, the averaged "
                                         "copy 6"):
        averaged.update_parameters(nn.Linear(2, 2))
    opt = optim.SGD([ag.tensor(np.ones(2), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', "
                                         "instead got 'exp'"):
        swa_utils.SWALR(opt, 0.01, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        swa_utils.SWALR(opt, 0.01, anneal_epochs=-1)
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        swa_utils.update_bn([], _bn_net(ag), device="cuda")
