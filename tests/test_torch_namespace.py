"""`import autograd as torch`: the namespace functions, dtypes, module paths, legacy
constructors and the CPU-build stand-ins (cuda, accelerator, backends) a PyTorch program
reaches for, against torch where it is installed."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd as ag
import nn

X = np.random.default_rng(0).standard_normal((3, 4))


@pytest.mark.parametrize("name, args, kwargs", [
    ("cat", lambda t: ([t, t], 1), {}), ("stack", lambda t: ([t, t],), {"dim": 0}),
    ("exp", lambda t: (t,), {}), ("sum", lambda t: (t, 1), {"keepdim": True}),
    ("mean", lambda t: (t,), {"dim": 0}), ("tril", lambda t: (t,), {"diagonal": -1}),
    ("where", lambda t: (t > 0, t, t * 2), {}), ("mm", lambda t: (t, t.T), {}),
    ("flatten", lambda t: (t,), {}), ("sigmoid", lambda t: (t,), {}),
    ("clamp", lambda t: (t,), {"min": -0.5, "max": 0.5}), ("transpose", lambda t: (t, 0, 1), {}),
    ("softmax", lambda t: (t, 1), {}), ("logsumexp", lambda t: (t, 1), {}),
    ("diag", lambda t: (t,), {}), ("narrow", lambda t: (t, 1, 1, 2), {}),
    ("argmax", lambda t: (t,), {"dim": 1}), ("max", lambda t: (t,), {}),
    ("true_divide", lambda t: (t, 2.0), {}),
])
def test_namespace_functions_match_torch(name, args, kwargs):
    ours = getattr(ag, name)(*args(ag.tensor(X)), **kwargs)
    torch = pytest.importorskip("torch")
    theirs = getattr(torch, name)(*args(torch.tensor(X)), **kwargs)
    np.testing.assert_allclose(np.asarray(ours.data), theirs.numpy(), rtol=1e-12)


def test_polygamma_takes_the_order_first_as_pytorch():
    t = ag.tensor(np.abs(X) + 0.5)
    assert np.array_equal(ag.polygamma(2, t).data, t.polygamma(2).data)


def test_namespace_function_refuses_an_array_as_input():
    with pytest.raises(TypeError, match=r"tril\(\): argument 'input' \(position 1\) must be "
                       r"Tensor, not ndarray"):
        ag.tril(X)


def test_dtypes_and_legacy_constructors():
    assert ag.float32 == np.float32 and ag.float is ag.float32 and ag.double == np.float64
    assert ag.long == np.int64 and ag.int == np.int32 and ag.bool == np.bool_
    assert ag.tensor([1, 2], dtype=ag.float64).dtype == ag.double
    assert ag.Tensor(2, 3).shape == (2, 3) and ag.Tensor(2, 3).dtype == np.float32
    assert ag.Tensor().shape == (0,) and ag.Tensor([1, 2]).dtype == np.float32
    assert ag.LongTensor([1.7, 2]).tolist() == [1, 2] and ag.FloatTensor(3).shape == (3,)
    t = ag.ones(2)
    assert t.type() == "torch.FloatTensor" and t.double().type() == "torch.DoubleTensor"
    for spec in (ag.int64, "torch.LongTensor", ag.LongTensor):
        assert t.type(spec).dtype == np.int64
    assert f"{ag.tensor(1.23456):.3f}" == "1.235"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{ag.ones(2):.3f}"
    with pytest.raises(TypeError, match=r"Tensor\(\): expected sizes"):
        ag.Tensor(2, 3.0)


def test_legacy_constructors_match_torch():
    torch = pytest.importorskip("torch")
    for args in ((2, 3), ([1, 2],), ([1.5, -2],), ()):
        ours, theirs = ag.Tensor(*args), torch.Tensor(*args)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)[6:]
    assert ag.tensor([1.0]).type() == torch.tensor([1.0]).type()
    assert ag.LongTensor([1.7, 2]).tolist() == torch.LongTensor([1.7, 2]).tolist()


def test_module_paths_are_the_real_modules():
    import autograd.nn.functional as F
    import autograd.optim.lr_scheduler as sched
    import nn.functional
    import optim.lr_scheduler
    from autograd import nn as nn2
    assert F is nn.functional and sched is optim.lr_scheduler and nn2 is nn
    from autograd.distributions.normal import Normal
    from autograd.distributions.transformed_distribution import TransformedDistribution
    import autograd.distributions.categorical as categorical
    assert Normal is ag.distributions.Normal and categorical is ag.distributions.discrete
    assert TransformedDistribution is ag.distributions.TransformedDistribution
    assert ag.nn.Linear is nn.Linear and ag.autograd.grad is ag.grad
    assert F.__spec__.name == "nn.functional"


def test_namespace_in_a_fresh_interpreter():
    code = ("import autograd as torch\n"
            "assert torch.nn.functional.relu(torch.ones(2)).sum().item() == 2\n"
            "import autograd.nn.functional as F, nn.functional as G\nassert F is G\n"
            "from autograd.utils.data import DataLoader\nassert torch.optim.SGD\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_cpu_build_stand_ins():
    assert not ag.cuda.is_available() and ag.cuda.device_count() == 0
    ag.cuda.manual_seed(0)
    ag.cuda.manual_seed_all(0)
    ag.cuda.empty_cache()
    with pytest.raises(RuntimeError, match="cuda.synchronize: tapegrad computes on the CPU"):
        ag.cuda.synchronize()
    assert not ag.accelerator.is_available() and ag.accelerator.current_accelerator() is None
    ag.backends.cudnn.benchmark = True
    ag.backends.cudnn.deterministic = True
    assert not ag.backends.cudnn.is_available() and not ag.backends.mps.is_available()


def test_sparse_tensors_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="sparse_coo_tensor: tapegrad has no sparse"):
        ag.sparse_coo_tensor([[0]], [1.0], (2,))
    with pytest.raises(NotImplementedError, match="sparse.mm"):
        ag.sparse.mm(ag.ones(2, 2), ag.ones(2, 2))


def test_legacy_layers():
    nn.LSTM(2, 3).flatten_parameters()
    m = nn.parallel.DataParallel(nn.Linear(2, 2))
    assert list(m.state_dict()) == ["module.weight", "module.bias"]
    assert m(ag.ones(1, 2)).shape == (1, 2)
    with pytest.raises(ValueError, match="tapegrad computes on the CPU"):
        nn.parallel.DataParallel(nn.Linear(2, 2), device_ids=[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = nn.Dropout2d(0.5)(ag.ones(50, 40))
    assert "Received a 2-D input to dropout2d" in str(caught[0].message)
    kept = (y.data != 0).mean(0)
    assert 0 < kept.min() and kept.max() < 1          # single elements, not whole columns


SPECIAL = {                    # torch.special's functions here, each on an input in its domain
    "expit": (), "gammaln": (), "psi": (), "digamma": (), "entr": (), "erf": (), "erfc": (),
    "erfcx": (), "exp2": (), "expm1": (), "i0": (), "i0e": (), "i1": (), "i1e": (),
    "log1p": (), "log_ndtr": (), "ndtr": (), "sinc": (), "modified_bessel_i0": (),
    "modified_bessel_i1": (), "spherical_bessel_j0": (), "logit": (0.1,),
    "multigammaln": (2,), "softmax": (1,), "log_softmax": (1,), "logsumexp": (1,),
}


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_namespace_matches_torch_special(name):
    """Values, and gradients where PyTorch has them (not for modified_bessel_i0/i1 and
    spherical_bessel_j0); rtol 1e-8: PyTorch's trigamma (digamma's gradient) is good to 5e-10."""
    torch = pytest.importorskip("torch")
    x = np.abs(X) + 0.6 if name in ("gammaln", "psi", "digamma", "multigammaln") else X
    x = 1 / (1 + np.exp(-X)) if name == "logit" else x
    t, u = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = (getattr(ag.special, name)(t, *SPECIAL[name]),
                    getattr(torch.special, name)(u, *SPECIAL[name]))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, equal_nan=True)
    if theirs.requires_grad:
        w = np.random.default_rng(1).standard_normal(ours.shape)
        (ours * ag.tensor(w)).sum().backward()
        (theirs * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(t.grad.data, u.grad.numpy(), rtol=1e-8, equal_nan=True)


def test_special_namespace_keyword_forms_and_the_rest():
    torch = pytest.importorskip("torch")
    t, u = ag.tensor(X), torch.tensor(X)
    for ours, theirs in [
            (ag.special.round(t * 3.21, decimals=1), torch.special.round(u * 3.21, decimals=1)),
            (ag.special.softmax(t, 0, dtype=np.float32), torch.special.softmax(u, 0,
                                                                            dtype=torch.float32)),
            (ag.special.polygamma(1, t.abs() + 1), torch.special.polygamma(1, u.abs() + 1)),
            (ag.special.xlogy(t.abs(), t.abs() + 1), torch.special.xlogy(u.abs(), u.abs() + 1)),
            (ag.special.xlog1py(t.abs(), t.abs()), torch.special.xlog1py(u.abs(), u.abs())),
            (ag.special.ndtri(ag.tensor([0.1, 0.5, 0.9])), torch.special.ndtri(
                torch.tensor([0.1, 0.5, 0.9])))]:
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    assert ag.special.spherical_bessel_j0(ag.tensor([0.0])).item() == 1.0
    with pytest.raises(AttributeError, match="special.bessel_j0 is not supported by tapegrad"):
        ag.special.bessel_j0(t)
    listed = {n for n in dir(torch.special) if not n.startswith("_") and callable(
        getattr(torch.special, n)) and n not in ("Tensor", "common_args", "multi_dim_common")}
    assert listed - set(dir(ag.special)) == ag.special.NOT_PROVIDED   # the rest are all here
