"""NumPy's protocols on Tensor: NumPy functions record through the ops, queries answer from the
data, and what tapegrad has no op for refuses to drop a graph (autograd/numpy_protocol.py)."""
import numpy as np
import pytest

import autograd as ag
import ops

rng = np.random.default_rng(0)


def _leaf(*shape):
    return ag.tensor(rng.standard_normal(shape), requires_grad=True)


# ---- the same functions written with plain np. calls and with the ops ------------------------
def softmax_np(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_ops(x):
    e = ops.exp(x - ops.amax(x, -1, True))
    return e / ops.sum(e, -1, True)


def mlp_np(x, w1, b1, w2):
    h = np.maximum(np.matmul(x, w1) + b1, 0)
    return np.tanh(h @ w2)


def mlp_ops(x, w1, b1, w2):
    return ops.tanh(ops.matmul(ops.relu(ops.matmul(x, w1) + b1), w2))


def gaussian_nll_np(x, mu, log_sigma):
    var = np.exp(2 * log_sigma)
    return np.mean(0.5 * np.log(2 * np.pi * var) + (x - mu) ** 2 / (2 * var))


def gaussian_nll_ops(x, mu, log_sigma):
    var = ops.exp(2 * log_sigma)
    return ops.mean(0.5 * ops.log(2 * np.pi * var) + (x - mu) ** 2 / (2 * var))


CASES = [(softmax_np, softmax_ops, [(4, 5)]),
         (mlp_np, mlp_ops, [(3, 4), (4, 6), (6,), (6, 2)]),
         (gaussian_nll_np, gaussian_nll_ops, [(7,), (7,), (7,)])]


@pytest.mark.parametrize("f_np, f_ops, shapes", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_numpy_written_functions_match_ops_values_and_gradients(f_np, f_ops, shapes):
    inputs = [_leaf(*s) for s in shapes]
    y_np, y_ops = f_np(*inputs), f_ops(*inputs)
    assert isinstance(y_np, ag.Tensor) and y_np.requires_grad
    np.testing.assert_allclose(y_np.detach().numpy(), y_ops.detach().numpy(), rtol=1e-12)
    u = rng.standard_normal(y_np.shape)
    for g_np, g_ops in zip(ag.grad(y_np, inputs, u), ag.grad(y_ops, inputs, u)):
        np.testing.assert_allclose(g_np.detach().numpy(), g_ops.detach().numpy(), rtol=1e-12)
    assert ag.gradcheck(f_np, *inputs)


def test_reductions_map_numpy_arguments():
    x = _leaf(3, 4)
    for f_np, f_ops in [(lambda: np.sum(x, axis=0, keepdims=True), lambda: ops.sum(x, 0, True)),
                        (lambda: np.mean(x, 1), lambda: ops.mean(x, 1)),
                        (lambda: np.var(x), lambda: ops.var(x, correction=0)),   # NumPy: ddof 0
                        (lambda: np.std(x, 0, ddof=1), lambda: ops.std(x, 0)),
                        (lambda: np.amax(x, axis=(0, 1)), lambda: ops.amax(x)),
                        (lambda: np.min(x, -1), lambda: ops.amin(x, -1)),
                        (lambda: np.cumsum(x), lambda: ops.cumsum(ops.reshape(x, (-1,)), 0)),
                        (lambda: np.add.reduce(x), lambda: ops.sum(x, 0)),   # ufunc: axis 0
                        (lambda: np.maximum.reduce(x, axis=None), lambda: ops.amax(x)),
                        (lambda: np.minimum.reduce(x, 1), lambda: ops.amin(x, 1)),
                        (lambda: np.add.accumulate(x, 1), lambda: ops.cumsum(x, 1))]:
        y, expected = f_np(), f_ops()
        assert y.requires_grad and y.shape == expected.shape
        np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy())
    assert np.var(x.detach().numpy()) == pytest.approx(np.var(x).item())


def test_shape_and_joining_functions_record():
    x, y = _leaf(2, 3), _leaf(2, 3)
    a, b = x.detach().numpy(), y.detach().numpy()
    cases = [np.reshape(x, (3, 2)), np.transpose(x), np.swapaxes(x, 0, 1), np.squeeze(x[None]),
             np.expand_dims(x, (0, -1)), np.broadcast_to(x, (4, 2, 3)), np.tile(x, 2),
             np.flip(x), np.concatenate([x, y], axis=1), np.concatenate([x, b], None),
             np.stack([x, y], -1), np.where(a > 0, x, y), np.clip(x, -0.5, a_max=0.5),
             np.einsum("ij,kj->ik", x, y), np.dot(x, b.T), np.outer(x, y),
             np.sort(x, axis=None), np.astype(x, np.float32), np.square(x), np.floor(x)]
    expected = [np.reshape, np.transpose, np.swapaxes, np.squeeze, np.expand_dims,
                np.broadcast_to, np.tile, np.flip, np.concatenate, np.concatenate, np.stack,
                np.where, np.clip, np.einsum, np.dot, np.outer, np.sort, np.astype, np.square,
                np.floor]
    plain = [np.reshape(a, (3, 2)), a.T, a.T, a, a[None, :, :, None],
             np.broadcast_to(a, (4, 2, 3)), np.tile(a, 2), a[::-1, ::-1],
             np.concatenate([a, b], 1), np.concatenate([a.ravel(), b.ravel()]),
             np.stack([a, b], -1), np.where(a > 0, a, b),
             np.clip(a, -0.5, 0.5), a @ b.T, a @ b.T,
             np.outer(a, b), np.sort(a, None), a.astype(np.float32),
             a ** 2, np.floor(a)]
    for out, func, want in zip(cases, expected, plain):
        assert isinstance(out, ag.Tensor) and out.requires_grad, func.__name__
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-6, err_msg=func.__name__)
    pieces = np.split(x, [1, 2], axis=1)
    assert [p.shape for p in pieces] == [(2, 1), (2, 1), (2, 1)] and pieces[2].requires_grad
    assert [p.shape for p in np.array_split(x, 2, axis=1)] == [(2, 2), (2, 1)]


def test_indices_and_comparisons_are_plain_data():
    x = _leaf(2, 3)
    a = x.detach().numpy()
    assert not np.argmax(x, axis=1).requires_grad
    assert np.array_equal(np.argsort(x).numpy(), np.argsort(a))
    for b in [np.greater(x, 0), np.equal(a, x), np.isfinite(x), np.signbit(x), a < x]:
        assert isinstance(b, ag.Tensor) and b.dtype == np.bool_ and not b.requires_grad
    rows, cols = np.where(x)                        # the one-argument form is np.nonzero
    assert np.array_equal(rows, np.nonzero(a)[0])


def test_queries_answer_from_the_data():
    x = _leaf(2, 3)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert np.result_type(x, 1.0) == np.float64 and np.result_type(x.float()) == np.float32
    assert np.isrealobj(x) and not np.iscomplexobj(x)
    assert np.shares_memory(x, x.detach().numpy()) and np.may_share_memory(x, x.detach())
    assert np.array_equal(x, x.detach().numpy()) and np.allclose(x, x.detach().numpy())
    assert isinstance(np.isclose(x, x), np.ndarray)
    assert np.all(x == x) and np.any(x) and np.count_nonzero(x) == 6
    assert type(np.zeros_like(x)) is np.ndarray


def test_asarray_and_array_drop_the_graph():
    x = _leaf(3)
    assert type(np.asarray(x)) is np.ndarray and np.asarray(x) is x.detach().numpy()
    assert type(np.array(x)) is np.ndarray and np.array(x) is not x.detach().numpy()
    assert np.asarray(x, np.float32).dtype == np.float32


def test_mixed_ndarray_operands_record():
    x, a = _leaf(3, 3), rng.standard_normal((3, 3))
    for y in [a + x, a - x, a * x, a / x, a @ x, np.abs(a) ** x, a % x, np.float64(2) * x,
              np.add(a, x), np.multiply(x, a), np.maximum(a, x), np.float32(1) - x]:
        assert isinstance(y, ag.Tensor) and y.requires_grad
    (g,) = ag.grad(np.sum(a @ x), [x])
    np.testing.assert_allclose(g.detach().numpy(), a.T @ np.ones((3, 3)))
    assert not (a // x).requires_grad                  # floor_divide: piecewise constant


def test_inplace_into_an_ndarray_works_only_without_a_graph():
    a = np.zeros(3)
    a += ag.tensor([1.0, 2.0, 3.0])                     # as PyTorch: the data, written into a
    assert type(a) is np.ndarray and a.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(TypeError, match=r"np\.add with out=.*np\.asarray"):
        a += _leaf(3)
    with ag.no_grad():                                  # nothing would be recorded
        a *= _leaf(3)


def test_out_and_unsupported_arguments_refuse_on_a_graph():
    x = _leaf(3)
    for call, name in [(lambda: np.sum(x, out=np.empty(())), r"np\.sum with out="),
                       (lambda: np.exp(x, out=np.empty(3)), r"np\.exp with out="),
                       (lambda: np.max(x, initial=0.0), r"np\.max with initial="),
                       (lambda: np.sum(x, dtype=np.float32), r"np\.sum with dtype="),
                       (lambda: np.exp(x, where=x.detach().numpy() > 0), r"np\.exp with where="),
                       (lambda: np.reshape(x, (3, 1), order="F"), r"np\.reshape with order=")]:
        with pytest.raises(TypeError, match=name):
            call()
    assert np.sum(x, out=None).requires_grad            # out=None is no out
    with pytest.raises(TypeError, match="out= can't be a Tensor"):
        np.exp(np.ones(3), out=ag.zeros(3))
    ints = ag.tensor([1, 2, 3])                         # nothing to record: NumPy's own answer
    assert np.sum(ints, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("call, name", [
    (lambda t: np.linalg.svd(t), "np.linalg.svd"),
    (lambda t: np.fft.fft(t), "np.fft.fft"),
    (lambda t: np.add.outer(t, t), "np.add.outer"),
    (lambda t: np.arctan(t), "np.arctan"),
    (lambda t: np.median(t), "np.median")])
def test_functions_without_an_op_name_themselves_and_the_way_out(call, name):
    x = _leaf(3, 3)
    with pytest.raises(TypeError, match=f"^{name}: .*`ops`.*np.asarray"):
        call(x)
    call(x.detach())                                    # no graph to drop: NumPy on the data
    call(np.asarray(x))
