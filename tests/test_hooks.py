"""Tensor hooks and retain_grad against PyTorch: leaf and non-leaf hooks that read or replace
gradients, removal, autograd.grad and create_graph, retained gradients accumulating, errors,
and the registry letting go of dead tensors."""
import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import hooks

A = np.array([0.5, -1.0, 2.0])


def run(lib, tensor):
    """A small graph with a leaf hook (doubling), a non-leaf hook (adding 1) and a retained
    non-leaf gradient; returns (leaf grad, retained grad, what the leaf hook saw)."""
    seen = []
    x = tensor(A.copy(), requires_grad=True)
    x.register_hook(lambda g: seen.append(g.detach().numpy().copy() if lib == "torch"
                                          else np.array(g.data)) or g * 2)
    y = x * 3
    y.retain_grad()
    z = y.tanh()
    z.register_hook(lambda g: g + 1)
    (z * y).sum().backward()
    return x.grad, y.grad, seen[0]


def test_hooks_and_retain_grad_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = run("ag", ag.tensor), run("torch", torch.tensor)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.data if hasattr(a, "data") else a),
                                   b.numpy() if hasattr(b, "numpy") else b, rtol=1e-12)


def test_removal_retained_accumulation_and_grad():
    x = ag.tensor(A.copy(), requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    y = x * 2
    y.retain_grad()
    (y.sum()).backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, [20, 20, 20])
    handle.remove()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [22, 22, 22])      # accumulated, unhooked
    np.testing.assert_array_equal(y.grad.data, [2, 2, 2])         # retained twice
    with x.register_hook(lambda g: g * 0):                          # a handle is a context
        (g,) = ag.grad((x * x).sum(), x)
    assert not g.data.any()
    (g,) = ag.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.data, 2 * A)


def test_hooks_see_tensors_under_create_graph():
    x = ag.tensor(A.copy(), requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * x)                                # a differentiable change
    (g,) = ag.grad(y.sum(), x, create_graph=True)                  # 2 x * x
    np.testing.assert_allclose(g.data, 2 * A * A)
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, 4 * A)


def test_a_hook_on_the_output_sees_a_tensor_under_create_graph():
    x = ag.tensor(A.copy(), requires_grad=True)
    y = x * x
    kinds = []
    y.register_hook(lambda g: kinds.append(type(g).__name__))
    ag.grad(y, x, np.ones(3), create_graph=True)
    assert kinds == ["Tensor"]


def test_errors_name_the_function_and_shapes():
    with pytest.raises(RuntimeError, match=r"^register_hook: cannot register a hook on a tensor "
                                           r"that doesn't require gradient \(shape \(3,\)\)"):
        ag.tensor(A).register_hook(print)
    with pytest.raises(RuntimeError, match=r"^retain_grad: can't retain_grad"):
        ag.tensor(A).retain_grad()
    x = ag.tensor(A.copy(), requires_grad=True)
    x.register_hook(lambda g: g[:2])
    with pytest.raises(RuntimeError, match=r"hook returned a gradient of shape \(2,\) for one "
                                           r"of shape \(3,\)"):
        (x * 1).sum().backward()


def test_dead_tensors_leave_the_registry_and_graphs_are_freed():
    x = ag.tensor(A.copy(), requires_grad=True)
    x.register_hook(lambda g: g)
    key = id(x)
    assert key in hooks.leaf_hooks
    del x
    gc.collect()
    assert key not in hooks.leaf_hooks
    x = ag.tensor(A.copy(), requires_grad=True)
    y = x * 2
    y.retain_grad()
    ref = weakref.ref(y)
    del y                                           # retain_grad holds y only weakly
    assert ref() is None


def test_post_accumulate_grad_hook_runs_during_backward_once_the_gradient_is_complete():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((4, 3)))
    w1 = ag.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    w2 = ag.tensor(rng.standard_normal((5, 2)), requires_grad=True)
    seen = []
    w2.register_post_accumulate_grad_hook(
        lambda t: seen.append(("w2", t.grad.numpy().copy(), w1.grad is None)))
    w1.register_post_accumulate_grad_hook(lambda t: seen.append(("w1", t.grad.numpy().copy(), None)))
    h = (x @ w1).tanh()
    ((h @ w2) * (h @ w2)).sum().backward()          # w2 reached twice: hooked once, complete
    assert [s[0] for s in seen] == ["w2", "w1"]
    assert seen[0][2]                                # before w1's gradient existed
    np.testing.assert_allclose(seen[0][1], w2.grad.data)
    np.testing.assert_allclose(seen[1][1], w1.grad.data)
    np.testing.assert_allclose(w2.grad.data, 2 * h.data.T @ (h.data @ w2.data))


def test_post_accumulate_grad_hook_sees_accumulated_grad_and_can_be_removed():
    w = ag.tensor(np.ones(3), requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.numpy().copy()))
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_allclose(calls, [[2, 2, 2], [5, 5, 5]])
    handle.remove()
    (w * 1).sum().backward()
    assert len(calls) == 2


def test_post_accumulate_grad_hook_only_on_leaves():
    w = ag.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="can only be registered on leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_queue_callback_runs_after_every_grad_is_in_place():
    from autograd.backprop import queue_callback
    w1 = ag.tensor(np.ones(3), requires_grad=True)
    w2 = ag.tensor(np.ones(3), requires_grad=True)
    seen = []
    w2.register_post_accumulate_grad_hook(
        lambda t: queue_callback(lambda: seen.append(w1.grad is not None)))
    ((w1 * 2) * w2).sum().backward()
    assert seen == [True]
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        queue_callback(lambda: None)
