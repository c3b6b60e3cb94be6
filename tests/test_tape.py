"""The tape: recording, reverse-order backward, accumulation, freeing, higher order."""
import weakref

import numpy as np
import pytest

import autograd as ag
import ops


def leaf(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_reused_input():
    x = leaf(3)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_diamond():
    x = leaf(4)
    a, b = x.exp(), x.tanh()
    (a * b).sum().backward()
    e, t = np.exp(x.data), np.tanh(x.data)
    np.testing.assert_allclose(x.grad.data, e * t + e * (1 - t * t))


def test_leaf_grads_accumulate_across_backward_calls():
    x = leaf(3)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full(3, 5.0))


def test_no_grad_records_nothing():
    x = leaf(3)
    with ag.no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None


def test_grad_modes_are_decorators_and_nest():
    x = leaf(3)

    @ag.no_grad()
    def f(t):
        with ag.enable_grad():
            inner = t * 2
        return inner, t * 2

    inner, outer = f(x)
    assert inner.requires_grad and not outer.requires_grad
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    import threading
    seen = []
    with ag.no_grad():
        t = threading.Thread(target=lambda: seen.append(ag.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_constants_do_not_require_grad():
    x = ag.tensor([1.0, 2.0])
    y = x * 2 + 1
    assert not y.requires_grad and y.grad_fn is None


def test_long_chain_without_recursion_error():
    x = leaf(1)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    h.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0])
    del h


def test_dropping_the_output_frees_the_graph():
    x = leaf(3)
    mid = x * 2
    y = mid.tanh()
    out = weakref.ref(y.grad_fn.out)               # the array the tanh node saved
    unsaved = weakref.ref(mid.data)                # tanh's input: its VJP reads only y
    del mid
    assert unsaved() is None and out() is not None  # freed while the graph lives
    del y
    assert out() is None                           # freed by reference counting alone


def test_backward_releases_saved_values():
    x = leaf(3)
    mid = x * 2
    y = mid.tanh().sum()
    node = y.grad_fn
    y.backward()
    assert node.held is None and node.out is None and node.vjps is None


def test_non_scalar_backward_needs_a_gradient():
    x = leaf(2, 3)
    with pytest.raises(RuntimeError, match=r"backward: grad can be implicitly created only for "
                                           r"scalar outputs; output 0 has shape \(2, 3\)"):
        (x * 2).backward()
    g = np.arange(6.0).reshape(2, 3)
    (x * 2).backward(g)
    np.testing.assert_allclose(x.grad.data, 2 * g)


def test_gradient_of_wrong_shape():
    x = leaf(2, 3)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(3,\) given for output 0 of "
                                           r"shape \(2, 3\)"):
        (x * 2).backward(np.ones(3))


def test_second_backward_needs_retain_graph():
    x = leaf(3)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 4 * x.data)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_on_constant_or_integer_tensor():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match="dtype int64, which cannot require grad"):
        ag.tensor([1, 2]).sum().backward()
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients; got dtype int64"):
        ag.tensor([1, 2], requires_grad=True)


def test_grad_returns_without_touching_dot_grad():
    x, w = leaf(3), leaf(3, seed=1)
    y = (x * w).sum()
    gx, gw = ag.grad(y, [x, w])
    np.testing.assert_allclose(gx.data, w.data)
    np.testing.assert_allclose(gw.data, x.data)
    assert x.grad is None and w.grad is None


def test_grad_of_interior_tensor():
    x = leaf(3)
    h = x * 2
    (gh,) = ag.grad((h.tanh()).sum(), [h])
    np.testing.assert_allclose(gh.data, 1 - np.tanh(h.data) ** 2)


def test_grad_of_unused_input():
    x, z = leaf(3), leaf(3, seed=1)
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(shape \(3,\)\) was not used"):
        ag.grad((x * 2).sum(), [x, z], retain_graph=True)
    gx, gz = ag.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None


def test_hessian_vector_product():
    # f = sum(x^3) -> grad 3x^2 -> Hv = 6 x v
    x, v = leaf(4), np.arange(4.0)
    (g,) = ag.grad((x ** 3).sum(), [x], create_graph=True)
    assert g.requires_grad
    (hv,) = ag.grad(g, [x], grad_outputs=ag.tensor(v))
    np.testing.assert_allclose(hv.data, 6 * x.data * v)


def test_third_derivative():
    x = leaf(3)
    (g1,) = ag.grad(x.tanh().sum(), [x], create_graph=True)
    (g2,) = ag.grad(g1.sum(), [x], create_graph=True)
    (g3,) = ag.grad(g2.sum(), [x])
    t = np.tanh(x.data)
    np.testing.assert_allclose(g3.data, -2 * (1 - t * t) * (1 - 3 * t * t))


def test_gradient_penalty_through_backward_with_create_graph():
    x, w = leaf(5), leaf(5, seed=1)
    y = (x * w).tanh().sum()
    y.backward(create_graph=True)
    penalty = (x.grad * x.grad).sum()
    w.grad = None
    penalty.backward()
    assert w.grad is not None and np.all(np.isfinite(w.grad.data))


def test_wrongly_shaped_vjp_fails_loudly():
    @ag.primitive(save=("x",))
    def bad_op(x):
        return x * 2, (lambda g, y, x: g[:1],)

    x = leaf(3)
    with pytest.raises(RuntimeError, match=r"bad_op: VJP returned a gradient of shape \(1,\) for "
                                           r"input 0 of shape \(3,\)"):
        bad_op(x).sum().backward()
    del ag.PRIMITIVES["bad_op"]


def test_independent_graphs_do_not_interfere():
    a, b = leaf(3), leaf(3, seed=1)
    ya, yb = (a * 2).sum(), (b * 3).sum()
    yb.backward()
    assert a.grad is None
    ya.backward()
    np.testing.assert_allclose(a.grad.data, 2.0)
    np.testing.assert_allclose(b.grad.data, 3.0)


def test_detach_and_requires_grad_():
    x = leaf(3)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)
    z = ag.tensor([1.0]).requires_grad_()
    assert z.requires_grad


def test_ops_on_plain_arrays_return_arrays():
    a = np.arange(3.0)
    y = ops.tanh(a)
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, np.tanh(a))


def test_leaf_grads_own_their_arrays():
    x, z = leaf(3), leaf(3, seed=1)
    g = np.ones(3)
    (x + z).backward(g)                # add passes the same gradient array to both inputs
    assert x.grad.data is not z.grad.data and x.grad.data is not g
    w = leaf(2, 3)
    w.sum().backward()                 # sum's VJP broadcasts: a read-only view
    assert w.grad.numpy().flags.writeable and w.grad.numpy().base is None
    w.grad.data *= 2                   # e.g. gradient clipping in place
    np.testing.assert_array_equal(w.grad.data, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(g, np.ones(3))


class _PickyError(ValueError):
    """An exception that cannot be built from a message alone (as NumPy's casting errors)."""

    def __init__(self, what, where):
        super().__init__(f"{what} at {where}")


def test_errors_that_need_more_than_a_message_are_still_named_after_the_op():
    @ag.primitive(save=("x",))
    def picky(x):
        raise _PickyError("bad cast", "output 0")
    try:
        with pytest.raises(ValueError, match="^picky: bad cast at output 0$") as info:
            picky(ag.tensor(np.ones(2), requires_grad=True))
        assert isinstance(info.value.__cause__, _PickyError)
    finally:
        del ag.PRIMITIVES["picky"]
