"""nn.utils against PyTorch: gradient clipping by norm and by value, parameter vectors."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


def grads_pair(scale):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) * scale for s in ((3, 4), (4,), (2, 2, 2))]
    ours = [nn.Parameter(np.zeros(a.shape)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.zeros(a.shape, dtype=torch.float64)) for a in arrays]
    for p, q, a in zip(ours, theirs, arrays):
        p.grad = ag.tensor(a)
        q.grad = torch.tensor(a)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_clip_grad_norm_matches_pytorch(norm_type, scale):
    ours, theirs = grads_pair(scale)
    total = nn.utils.clip_grad_norm_(ours, 1.5, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-10)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-10)


def test_clipping_never_scales_a_shared_gradient_array_in_place():
    a, b = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(3))
    (a + b).sum().backward()
    shared = b.grad.numpy().copy()
    nn.utils.clip_grad_norm_([a], 0.1)
    np.testing.assert_array_equal(b.grad.data, shared)
    assert np.linalg.norm(a.grad.data) == pytest.approx(0.1, rel=1e-5)


def test_clip_grad_norm_nonfinite_and_empty():
    p = nn.Parameter(np.ones(2))
    p.grad = ag.tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(np.ones(2))], 1.0).item() == 0.0


def test_clip_grad_value_matches_pytorch():
    ours, theirs = grads_pair(1.0)
    nn.utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())


def test_parameters_to_vector_and_back():
    m = nn.Linear(3, 2).double()
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    np.testing.assert_array_equal(v.data[:6], m.weight.data.reshape(-1))
    (v * ag.tensor(np.arange(8.0))).sum().backward()
    np.testing.assert_array_equal(m.bias.grad.data, [6.0, 7.0])
    nn.utils.vector_to_parameters(ag.tensor(np.arange(8.0)), m.parameters())
    np.testing.assert_array_equal(m.weight.data, np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="of 8 elements"):
        nn.utils.vector_to_parameters(np.zeros(7), m.parameters())
