"""In-place ops, version counters and the saved-value check (PyTorch's semantics)."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check


def leaf(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_inplace_ops_modify_and_return_self():
    x = ag.tensor([1.0, 2.0])
    assert x.add_(1) is x and x.tolist() == [2, 3]
    x.mul_(2).sub_(1).div_(3)
    np.testing.assert_allclose(x.data, [1, 5 / 3])
    x += 1
    x *= 2
    np.testing.assert_allclose(x.data, [4, 16 / 3])
    x.clamp_(max=4.5).neg_()
    np.testing.assert_allclose(x.data, [-4, -4.5])
    x.fill_(7)
    assert x.tolist() == [7, 7]
    x.zero_()
    assert x.tolist() == [0, 0]
    x.copy_(ag.tensor([3.0]))
    assert x.tolist() == [3, 3]


def test_versions_count_and_are_shared_by_views():
    x = ag.tensor(np.zeros((2, 3)))
    v = x.reshape(6)
    x.add_(1)
    v.mul_(2)
    assert x._version[0] == 2 and v._version is x._version
    np.testing.assert_array_equal(x.data, np.full((2, 3), 2.0))


def test_inplace_on_leaf_that_requires_grad_raises_outside_no_grad():
    w = leaf(3)
    with pytest.raises(RuntimeError, match=r"add_: a leaf tensor that requires grad \(shape "
                                           r"\(3,\)\) cannot be modified in place"):
        w.add_(1)
    with ag.no_grad():
        w.sub_(0.5)                   # an optimizer step
    assert w.is_leaf and w.requires_grad


def test_modifying_a_saved_input_raises_at_backward():
    x = leaf(3)
    h = x * 2
    z = (h * h).sum()                  # mul's VJP for input 0 reads input 1, h
    with ag.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match=r"mul: one of the values saved for its backward "
                                           r"\(input 1, shape \(3,\)\) was modified by an "
                                           r"in-place operation: it is at version 1, expected "
                                           r"version 0"):
        z.backward()


def test_modifying_a_saved_output_raises_at_backward():
    x = leaf(3)
    y = x.exp()                        # exp's VJP uses its output
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"exp: one of the values saved .*its output"):
        y.sum().backward()


def test_modifying_through_a_view_is_caught():
    x = leaf(4)
    h = x * 1.0
    v = h.reshape(2, 2)
    w = (h * h).sum()
    with ag.no_grad():
        v.add_(1)                      # writes h's array through the view
    with pytest.raises(RuntimeError, match="was modified by an in-place operation"):
        w.backward()


def test_unused_saved_value_may_be_modified():
    x = leaf(3)
    h = x * 2
    y = (h + 1).sum()                  # add never reads h's value, only its shape
    with ag.no_grad():
        h.add_(5)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2.0)


def test_recorded_inplace_on_non_leaf_gives_correct_gradients():
    x, w = leaf(3), leaf(3, seed=1)
    h = x * 1.0
    h.mul_(w)                          # h = x * w, recorded
    h += 1
    h.tanh().sum().backward()
    t = np.tanh(x.data * w.data + 1)
    np.testing.assert_allclose(x.grad.data, (1 - t * t) * w.data)
    np.testing.assert_allclose(w.grad.data, (1 - t * t) * x.data)
    assert h.grad_fn.name == "add"


def test_recorded_inplace_keeps_earlier_saved_output_intact():
    x = leaf(3)
    h = x.exp()                        # saves its output
    h.mul_(2)                          # recorded: exp's VJP keeps the old value
    h.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(x.data))


def test_inplace_shape_and_dtype_errors():
    x = ag.tensor(np.zeros(3))
    with pytest.raises(RuntimeError, match=r"add_: output with shape \(3,\) doesn't match the "
                                           r"broadcast shape \(2, 3\)"):
        x.add_(np.ones((2, 3)))
    i = ag.tensor([1, 2])
    with pytest.raises(TypeError, match="mul_: result type float64 can't be cast to the desired "
                                        "output type int64"):
        i.mul_(0.5)


def test_optimizer_style_updates_keep_working():
    w = leaf(3)
    for _ in range(3):
        loss = (w * w).sum()
        w.grad = None
        loss.backward()
        with ag.no_grad():
            w.sub_(w.grad * 0.1)
    np.testing.assert_allclose(w.data, leaf(3).data * 0.8 ** 3)


def test_no_inplace_no_checks():
    x = leaf(3)
    y = ops.tanh(x)
    assert y.grad_fn.versions is None or all(v == 0 for v in y.grad_fn.versions)


def test_setitem_writes_and_records():
    x = ag.tensor(np.zeros((2, 3)))
    x[0, 1:] = 5
    x[ag.tensor([1, 1])] = ag.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.data, [[0, 5, 5], [1, 2, 3]])
    w, v = leaf(2, 3), leaf(3, seed=1)
    h = w * 1.0
    h[1] = v * 2                       # recorded: row 1 now comes from v
    (h * h).sum().backward()
    np.testing.assert_allclose(w.grad.data, [2 * w.data[0], [0, 0, 0]])
    np.testing.assert_allclose(v.grad.data, 8 * v.data)
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        w[0] = 1.0


GRAD_ROWS = [
    Row("index_put", lambda x, v: ops.index_put(x, v, index=(slice(None), [0, 2])),
        [(3, 4), (3, 1)]),
    Row("index_put", lambda x, v: ops.index_put(x, v, index=x.data > 0), [(3, 4), ()],
        id="mask-scalar"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)
