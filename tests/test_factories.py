"""Tensor factories against PyTorch's: shapes, dtypes and values, requires_grad, the size
spellings, and reproducible random draws under manual_seed or a generator."""
import numpy as np
import pytest

import autograd as ag


@pytest.mark.parametrize("call", [
    "zeros(2, 3)", "ones((2, 3))", "full((2,), 1.5)", "full((2, 2), 7)", "full((1,), True)",
    "eye(3)", "eye(2, 3)", "arange(5)", "arange(1, 4, 0.5)", "arange(2, 9, 3)",
    "linspace(0, 1, 5)", "zeros(0)",
])
def test_deterministic_factories_match_torch(call):
    torch = pytest.importorskip("torch")
    ours, theirs = eval(f"ag.{call}"), eval(f"torch.{call}")
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == theirs.numpy().dtype, call
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


def test_like_factories_keep_shape_and_dtype():
    x = ag.tensor(np.ones((2, 3), np.float64))
    for f in (ag.zeros_like, ag.ones_like, ag.rand_like, ag.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == np.float64 and not y.requires_grad
    assert ag.full_like(x, 4.0, dtype=np.float32).data.tolist() == [[4.0] * 3] * 2
    assert ag.zeros_like(np.ones(4, np.int64)).dtype == np.int64


def test_requires_grad_and_default_float32():
    x = ag.randn(3, 4, requires_grad=True)
    assert x.requires_grad and x.dtype == np.float32 and x.grad is None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 2, np.float32))
    assert ag.empty(2, dtype=np.float64).dtype == np.float64


def test_random_factories_are_reproducible():
    ag.manual_seed(3)
    a = (ag.rand(4), ag.randn(2, 2), ag.randint(10, (5,)), ag.randint(2, 6, size=(3,)))
    ag.manual_seed(3)
    b = (ag.rand(4), ag.randn(2, 2), ag.randint(10, (5,)), ag.randint(2, 6, size=(3,)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.data, y.data)
    assert a[2].dtype == np.int64 and a[2].data.max() < 10 and a[3].data.min() >= 2
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(ag.randn(3, generator=g1).data, ag.randn(3, generator=g2).data)
    assert 0 <= ag.rand(1000).data.min() and ag.rand(1000).data.max() < 1


def test_integer_factories_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require"):
        ag.arange(3, requires_grad=True)
