"""Tensor construction, attributes, conversions and operators."""
import numpy as np
import pytest

import autograd as ag


def test_python_floats_and_lists_become_float32_arrays_keep_dtype():
    assert ag.tensor(1.5).dtype == np.float32
    assert ag.tensor([[1.0, 2.0]]).dtype == np.float32
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True]).dtype == np.bool_
    assert ag.tensor(np.zeros(2)).dtype == np.float64
    assert ag.tensor(np.zeros(2, np.float16)).dtype == np.float16
    assert ag.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert ag.Tensor([1.0]).dtype == np.float32


def test_tensor_copies_from_numpy_shares():
    a = np.zeros(3)
    t, s = ag.tensor(a), ag.from_numpy(a)
    a[0] = 1
    assert t.data[0] == 0 and s.data[0] == 1


def test_attributes():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.is_leaf and x.grad is None and x.requires_grad
    assert x.T.shape == (3, 2) and np.array_equal(x.T.data, x.data.T)
    assert not (x * 2).is_leaf
    assert len(x) == 2 and [r.shape for r in x] == [(3,), (3,)]
    assert np.asarray(x).shape == (2, 3)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_np_asarray_shares_np_array_copies():
    x = ag.tensor([1.0, 2.0])
    assert np.asarray(x) is x.numpy()
    a = np.array(x)
    a[0] = 5
    assert x.data[0] == 1 and np.array(x, np.float64).dtype == np.float64


def test_item_numpy_detach():
    x = ag.tensor([2.5], requires_grad=True)
    assert x.item() == 2.5
    with pytest.raises(ValueError, match=r"item: only one-element tensors .* shape \(2,\)"):
        ag.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy()[0] == 2.5
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))


def test_repr():
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ag.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(ag.tensor(np.array([1.0]))) == "tensor([1.], dtype=float64)"
    x = ag.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<mul>)"


def test_reflected_arithmetic_and_numpy_operands():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0], np.float32)
    for y, want in [(2 + x, [3, 4]), (2 - x, [1, 0]), (2 * x, [2, 4]), (2 / x, [2, 1]),
                    (2 ** x, [2, 4]), (a * x, [3, 8]), (a - x, [2, 2]), (-x, [-1, -2]),
                    (x % 1.5, [1, 0.5]), (abs(-x), [1, 2])]:
        assert isinstance(y, ag.Tensor) and y.requires_grad
        np.testing.assert_allclose(y.data, want)


def test_comparisons_do_not_require_grad_and_tensors_stay_hashable():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for m in (x > 1, x >= 1, x < 2, x <= 2, x == 1, x != 1, ~(x > 1), (x > 1) & (x < 3)):
        assert m.dtype == np.bool_ and not m.requires_grad
    assert len({x, x}) == 1


def test_getitem_basic_advanced_boolean():
    x = ag.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    assert x[1].shape == (4,) and x[:, 1:3].shape == (3, 2) and x[None, ..., 0].shape == (1, 3)
    y = x[[0, 0, 2]]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data[:, 0], [2, 0, 1])
    mask = x > 5
    np.testing.assert_array_equal(x[mask].data, np.arange(6.0, 12.0))
    np.testing.assert_array_equal(x[ag.tensor([1, 2])].data, x.data[[1, 2]])


def test_float_index_is_an_error():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(IndexError, match="getitem: tensors used as indices must be integer or "
                                         "bool, got float32"):
        x[ag.tensor([0.0])]
