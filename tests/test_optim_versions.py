"""Version counters of parameters and buffers written outside the tape: optimizer steps,
nn.init, load_state_dict, running statistics, Embedding's padding row and max_norm. A backward
through a graph recorded before such a write raises the in-place error (docs/errors.md) where
PyTorch raises, and nothing changes where PyTorch bumps no version."""
import types

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import engine
from nn import init

INPLACE = "was modified by an in-place operation"

OPTIMIZERS = sorted(name for name, cls in vars(optim).items()     # LBFGS.step needs a closure:
                    if isinstance(cls, type) and issubclass(cls, optim.Optimizer)  # its versions
                    and cls not in (optim.Optimizer, optim.LBFGS))   # are in test_optim_lbfgs

INIT_ARGS = {"constant_": (0.5,)}        # the other init functions need only the tensor
INITS = sorted(name for name in vars(init) if name.endswith("_") and not name.startswith("_"))


def version(t):
    return engine.version_counter(t)[0]


def recorded(lin):
    """A loss through `lin` whose backward needs lin.weight's values (for the input's grad)."""
    x = ag.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    return (lin(x) ** 2).sum(), x


def stepped(name):
    """A Linear layer with gradients, and a `name` optimizer over it."""
    lin = nn.Linear(3, 2)
    loss, _ = recorded(lin)
    loss.backward()
    return lin, getattr(optim, name)(lin.parameters(), lr=0.1)


def test_every_optimizer_is_covered():
    assert {"SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam",
            "RAdam"} <= set(OPTIMIZERS)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_backward_through_a_graph_recorded_before_a_step_raises(name):
    lin, opt = stepped(name)
    loss, _ = recorded(lin)
    loss.backward(retain_graph=True)
    saved = version(lin.weight)
    opt.step()
    with pytest.raises(RuntimeError, match=rf"^linear: .* \(input 1, shape \(2, 3\)\) {INPLACE}: "
                                           rf"it is at version {saved + 1}, expected version "
                                           rf"{saved}\."):
        loss.backward()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_graph_recorded_after_a_step_backpropagates_the_new_weights(name):
    lin, opt = stepped(name)
    opt.step()
    loss, x = recorded(lin)
    loss.backward()
    w, b = lin.weight.data, lin.bias.data
    np.testing.assert_allclose(x.grad.data, 2 * (x.data @ w.T + b) @ w, rtol=1e-6)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_step_bumps_each_updated_parameter_once(name):
    lin, opt = stepped(name)
    lin.bias.grad = None                                    # skipped: not written, not bumped
    before = version(lin.weight), version(lin.bias)
    opt.step()
    opt.step()
    assert (version(lin.weight), version(lin.bias)) == (before[0] + 2, before[1])


@pytest.mark.parametrize("name", INITS)
def test_init_after_recording_raises(name):
    lin = nn.Linear(3, 2)
    loss, _ = recorded(lin)
    with ag.no_grad():
        getattr(init, name)(lin.weight, *INIT_ARGS.get(name, ()))
    with pytest.raises(RuntimeError, match=f"^linear: .*{INPLACE}"):
        loss.backward()


def test_init_of_an_ndarray_still_fills_it():
    a = np.zeros((2, 3))
    assert init.ones_(a) is a and (a == 1).all()


def test_no_grad_parameter_update_raises():
    lin = nn.Linear(3, 2)
    loss, _ = recorded(lin)
    loss.backward(retain_graph=True)
    with ag.no_grad():
        lin.weight -= 0.1 * lin.weight.grad
    with pytest.raises(RuntimeError, match=f"^linear: .*{INPLACE}"):
        loss.backward()


def test_load_state_dict_after_recording_raises():
    lin = nn.Linear(3, 2)
    loss, _ = recorded(lin)
    lin.load_state_dict(nn.Linear(3, 2).state_dict())
    with pytest.raises(RuntimeError, match=f"^linear: .*{INPLACE}"):
        loss.backward()


def test_num_batches_tracked_saved_then_counted_raises():
    bn = nn.BatchNorm1d(3)
    w = ag.tensor(2.0, requires_grad=True)
    loss = bn.num_batches_tracked * w                       # mul saves the count for w's grad
    bn(ag.tensor(np.random.default_rng(0).standard_normal((5, 3))))
    with pytest.raises(RuntimeError, match=f"^mul: .*{INPLACE}"):
        loss.backward()


def test_batch_norm_running_stats_are_updated_without_a_bump():
    # As PyTorch: a graph that saved a running statistic does not raise after a training
    # forward, and (there too) sees the updated values.
    bn = nn.BatchNorm1d(3)
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)) + 3, requires_grad=True)
    bn.eval()
    y = (bn(x) ** 2).sum()
    w = ag.tensor(np.ones(3), requires_grad=True)
    z = (bn.running_mean * w).sum()
    bn.train()
    bn(x)
    y.backward()
    z.backward()
    np.testing.assert_array_equal(w.grad.data, bn.running_mean.data)


def test_embedding_max_norm_lookup_after_recording_raises():
    emb = nn.Embedding(5, 3, max_norm=0.1)
    v = ag.tensor(np.ones(3), requires_grad=True)
    loss = (emb.weight @ v).sum()
    out = emb(ag.tensor([0, 2]))                            # renormalizes rows 0 and 2 in place
    out.sum().backward()                                    # its own graph saw the new rows
    with pytest.raises(RuntimeError, match=f"^matmul: .*{INPLACE}"):
        loss.backward()


# ---- which writes bump a version: the same code run on tapegrad and on PyTorch --------------
def _lib(torch=None):
    if torch is None:
        return types.SimpleNamespace(nn=nn, init=init, no_grad=ag.no_grad, version=version,
                                     tensor=lambda a: ag.tensor(np.asarray(a, np.float32)),
                                     index=lambda a: ag.tensor(np.asarray(a, np.int64)))
    return types.SimpleNamespace(nn=torch.nn, init=torch.nn.init, no_grad=torch.no_grad,
                                 version=lambda t: t._version,
                                 tensor=lambda a: torch.tensor(np.asarray(a, np.float32)),
                                 index=lambda a: torch.tensor(np.asarray(a, np.int64)))


def _randn(lib, *shape):
    return lib.tensor(np.random.default_rng(0).standard_normal(shape))


def _with_grads(lib):
    lin = lib.nn.Linear(3, 2)
    lin(_randn(lib, 4, 3)).sum().backward()
    return lin


def _batch_norm(lib, buffer):
    bn = lib.nn.BatchNorm1d(3)
    return getattr(bn, buffer), lambda: bn(_randn(lib, 5, 3))


def _instance_norm(lib):
    m = lib.nn.InstanceNorm1d(3, track_running_stats=True)
    return m.running_mean, lambda: m(_randn(lib, 2, 3, 5))


def _reset_running_stats(lib):
    bn = lib.nn.BatchNorm1d(3)
    return bn.running_var, bn.reset_running_stats


def _embedding(lib, **options):
    emb = lib.nn.Embedding(5, 3, **options)
    if "max_norm" in options:
        return emb.weight, lambda: emb(lib.index([0, 2]))
    return emb.weight, emb.reset_parameters


def _vector_to_parameters(lib):
    lin = lib.nn.Linear(3, 2)
    return lin.weight, lambda: lib.nn.utils.vector_to_parameters(lib.tensor(np.zeros(8)),
                                                                 lin.parameters())


def _double(lib):
    lin = lib.nn.Linear(3, 2)
    return lin.weight, lin.double


def _clip(lib):
    lin = _with_grads(lib)
    return lin.weight, lambda: (lib.nn.utils.clip_grad_norm_(lin.parameters(), 1e-3),
                                lib.nn.utils.clip_grad_value_(lin.parameters(), 1e-4))


def _load_state_dict(lib):
    lin = lib.nn.Linear(3, 2)
    return lin.weight, lambda: lin.load_state_dict(lib.nn.Linear(3, 2).state_dict())


def _init(lib, name):
    lin = lib.nn.Linear(3, 2)
    return lin.weight, lambda: getattr(lib.init, name)(lin.weight, *INIT_ARGS.get(name, ()))


WRITES = {
    "batch_norm running_mean": lambda lib: _batch_norm(lib, "running_mean"),
    "batch_norm running_var": lambda lib: _batch_norm(lib, "running_var"),
    "batch_norm num_batches_tracked": lambda lib: _batch_norm(lib, "num_batches_tracked"),
    "instance_norm running stats": _instance_norm,
    "reset_running_stats": _reset_running_stats,
    "embedding padding_idx reset": lambda lib: _embedding(lib, padding_idx=1),
    "embedding max_norm lookup": lambda lib: _embedding(lib, max_norm=0.1),
    "vector_to_parameters": _vector_to_parameters,
    "double": _double,
    "clip_grad": _clip,
    "load_state_dict": _load_state_dict,
    **{f"init {name}": lambda lib, name=name: _init(lib, name)
       for name in INITS if name != "default_weight_and_bias_"},      # not in torch.nn.init
}


def _bumps(lib, write):
    tensor, action = WRITES[write](lib)
    before = lib.version(tensor)
    action()
    return lib.version(tensor) != before


@pytest.mark.parametrize("write", WRITES)
def test_bumps_a_version_exactly_where_pytorch_does(write):
    torch = pytest.importorskip("torch")
    assert _bumps(_lib(), write) == _bumps(_lib(torch), write)

