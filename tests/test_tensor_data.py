"""`Tensor.data` as PyTorch's: a Tensor sharing memory, untracked, with the in-place methods
that optimizer loops and init code call on it (`p.data.add_(p.grad, alpha=-lr)`,
`m.weight.data.normal_(0, 0.02)`)."""
import numpy as np
import pytest

import autograd as ag
import nn


def test_data_is_an_untracked_tensor_sharing_memory():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, ag.Tensor) and not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[0] = 5.0                                              # writes land in w
    d.mul_(2)
    np.testing.assert_array_equal(w.detach().numpy(), [10.0, 4.0])
    assert np.shares_memory(w.data.numpy(), w.detach().numpy())


def test_sgd_through_data_matches_a_no_grad_update():
    ag.manual_seed(0)
    a, b = nn.Linear(4, 3), nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    x = ag.randn(5, 4)
    for m in (a, b):
        m(x).pow(2).sum().backward()
    for p in a.parameters():
        p.data.add_(p.grad, alpha=-0.1)
    with ag.no_grad():
        for p in b.parameters():
            p -= 0.1 * p.grad
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)
        assert p.requires_grad and p.is_leaf


def test_random_fills_through_data():
    m = nn.Linear(200, 100)
    m.weight.data.normal_(0, 0.02)
    w = m.weight.detach().numpy()
    assert abs(w.std() - 0.02) < 0.002 and abs(w.mean()) < 0.002
    m.bias.data.uniform_(-0.5, 0.5)
    assert -0.5 <= m.bias.detach().numpy().min() and m.bias.detach().numpy().max() < 0.5
    m.bias.data.zero_()
    assert not m.bias.detach().numpy().any()
    g = ag.Generator().manual_seed(3)
    first = ag.zeros(4).normal_(generator=g).numpy().copy()
    g.manual_seed(3)
    np.testing.assert_array_equal(ag.zeros(4).normal_(generator=g).numpy(), first)
    coin = ag.zeros(1000).bernoulli_(0.25).numpy()
    assert set(np.unique(coin)) <= {0.0, 1.0} and 0.18 < coin.mean() < 0.32
    assert ag.zeros(1000).exponential_(2.0).numpy().mean() == pytest.approx(0.5, rel=0.15)


def test_in_place_random_fill_of_a_leaf_that_requires_grad_raises_outside_no_grad():
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^normal_: a leaf tensor that requires grad"):
        w.normal_()
    with ag.no_grad():
        w.uniform_(1, 2)
    assert (w.detach().numpy() >= 1).all()


def test_assigning_data_rebinds_and_checks_its_type():
    p = nn.Parameter(ag.zeros(2))
    p.data = ag.ones(3, dtype=np.float64)
    assert p.shape == (3,) and p.dtype == np.float64 and p.requires_grad
    with pytest.raises(TypeError, match="^data: expected a Tensor"):
        p.data = np.zeros(3)


def test_in_place_methods_beyond_arithmetic():
    x = ag.tensor([0.25, 1.0, 4.0], dtype=np.float64)
    checks = {"exp_": np.exp, "log_": np.log, "sqrt_": np.sqrt, "abs_": np.abs,
              "tanh_": np.tanh, "sigmoid_": lambda v: 1 / (1 + np.exp(-v)),
              "relu_": lambda v: np.maximum(v, 0)}
    for name, f in checks.items():
        y = x.clone()
        assert getattr(y, name)() is y
        np.testing.assert_allclose(y.numpy(), f(x.numpy()), err_msg=name)
    y = x.clone().clamp_min_(0.5).clamp_max_(2.0)
    np.testing.assert_array_equal(y.numpy(), [0.5, 1.0, 2.0])
    y = x.clone().addcmul_(x, x, value=2).addcdiv_(x, x, value=-1).lerp_(ag.zeros(3), 0.5)
    np.testing.assert_allclose(y.numpy(), (x.numpy() + 2 * x.numpy() ** 2 - 1) / 2)
    y = x.clone().sub_(x, alpha=2)
    np.testing.assert_allclose(y.numpy(), -x.numpy())


def test_writes_through_data_are_unseen_by_the_tape_as_in_pytorch():
    """A backward through a graph that saved w, after w.data was modified in place: PyTorch
    neither raises (.data has its own version counter) nor keeps the old value."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        w.data.mul_(3)
        y.backward()
        results.append(np.asarray(w.grad.detach().numpy()))
    np.testing.assert_array_equal(results[0], results[1])
