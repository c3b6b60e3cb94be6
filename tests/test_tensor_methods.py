"""PyTorch's Tensor methods on tapegrad's Tensor: values and gradients against PyTorch for
the differentiable ones (compositions of ops), data for the rest, and bad input."""
import numpy as np
import pytest

import autograd as ag
from gradrows import torch_parity

X = np.random.default_rng(0).standard_normal((3, 4)) * 2
MASK = X > 0.5


def _t(a):
    return pytest.importorskip("torch").tensor(a)


# name: (ours, PyTorch's) on one (3, 4) float64 input
METHODS = {
    "sin-cos": (lambda x: x.sin() * x.cos(), None),
    "expm1": (lambda x: x.expm1(), None),
    "square-rsqrt": (lambda x: x.square() + (x.abs() + 1).rsqrt(), None),
    "reciprocal": (lambda x: (x.abs() + 1).reciprocal(), None),
    "lerp": (lambda x: x.lerp(x * x, 0.3), None),
    "clamp_min-max": (lambda x: x.clamp_min(-0.5) + x.clamp_max(0.7), None),
    "masked_fill": (lambda x: x.masked_fill(MASK, -1.0),
                    lambda x: x.masked_fill(_t(MASK), -1.0)),
    "floor-ceil-round-trunc": (lambda x: x.floor() + x.ceil() + x.round() + x.trunc() + x,
                               None),
    "clone": (lambda x: x.clone() * 2, None),
    "cumsum": (lambda x: x.cumsum(1) + x.cumsum(0), None),
    "t-mm": (lambda x: x.t().mm(x), None),
    "bmm-baddbmm": (lambda x: x[None].bmm(x.t()[None]).baddbmm(x[None], x.t()[None], beta=0.5,
                                                               alpha=2), None),
    "addmm": (lambda x: x[:, :3].addmm(x, x[:3].t(), beta=2), None),
    "view_as-expand_as": (lambda x: x.view_as(x.t()) + x[:1].expand_as(x).t().reshape(4, 3),
                          None),
    "movedim-unflatten": (lambda x: x.unflatten(1, (2, 2)).movedim(0, 2), None),
    "unbind-narrow": (lambda x: x.unbind(1)[2] * x.narrow(1, 1, 1).flatten(), None),
    "index_select": (lambda x: x.index_select(1, [3, 0, 3]),
                     lambda x: x.index_select(1, _t([3, 0, 3]))),
    "masked_select": (lambda x: x.masked_select(MASK), lambda x: x.masked_select(_t(MASK))),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, 0), None),
    "roll": (lambda x: x.roll((1, -2), (0, 1)), None),
    "tril-triu": (lambda x: x.tril(1) * 2 + x.triu(-1), None),
    "diag-trace": (lambda x: x.diag(1).sum() * x.trace() + x[0].diag(-1), None),
}


@pytest.mark.parametrize("name", METHODS)
def test_differentiable_methods_match_torch(name):
    ours, theirs = METHODS[name]
    torch_parity(ours, theirs or ours, X)


def test_nan_to_num_matches_torch():
    x = np.where(MASK, np.array([np.nan, np.inf, -np.inf])[np.arange(12).reshape(3, 4) % 3], X)
    torch_parity(lambda t: t.nan_to_num(1.5, 5.0, -5.0), lambda t: t.nan_to_num(1.5, 5.0, -5.0),
                 x)


def test_data_methods_match_torch():
    torch = pytest.importorskip("torch")
    x, t = ag.tensor(X), torch.tensor(X)
    for name in ("isnan", "isinf", "isfinite", "logical_not", "nonzero", "long", "int", "bool"):
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(t, name)().numpy(), name)
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        np.testing.assert_array_equal(getattr(x, name)(0.5).data, getattr(t, name)(0.5).numpy())
    assert x.any().item() and not (x > 100).any().item() and (x > -100).all(1).data.all()
    assert x.allclose(x + 1e-12) and x.equal(x.clone()) and not x.equal(x + 1)
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_ones((2,)).dtype == np.float64
    assert x.new_full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert x.type_as(ag.tensor(np.ones(1, np.float32))).dtype == np.float32
    assert x.contiguous() is x and x.cpu() is x and x.device == "cpu"
    assert not x.long().requires_grad


def test_in_place_masked_fill_and_rounding_gradients():
    x = ag.tensor(X, requires_grad=True)
    y = x * 1
    y.masked_fill_(MASK, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.where(MASK, 0.0, 1.0))
    x.grad = None
    x.round().sum().backward()                      # piecewise constant: zero, as PyTorch
    assert not x.grad.data.any()


def test_bad_input_names_the_method():
    x = ag.tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"^t: expects a tensor of at most 2 dims"):
        x.t()
    with pytest.raises(ValueError, match=r"^mm: expects two 2-D tensors, got shapes "
                                         r"\(2, 3, 4\) and \(4, 2\)"):
        x.mm(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"^bmm: expects two 3-D tensors"):
        x[0].bmm(x)
    with pytest.raises(ValueError, match=r"^diag: expects a 1-D or 2-D tensor"):
        x.diag()
    for call, op in ((lambda: x.narrow(3, 0, 1), "narrow"), (lambda: x.unbind(-4), "unbind"),
                     (lambda: x.index_select(5, [0]), "index_select"),
                     (lambda: x.movedim(0, 3), "movedim")):
        with pytest.raises(IndexError, match=f"^{op}: dimension -?[0-9] out of range for a "
                                             "tensor of 3 dims"):
            call()
