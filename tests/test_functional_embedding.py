"""linear, embedding, one_hot and dropout of nn.functional: gradient rows, the scatter kernel
against NumPy, PyTorch parity, seeded dropout, bad input."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import ops
from ops import _nn_kernels
from gradrows import Row, check

IDX = np.array([[0, 3, 3], [5, 0, 3]])                  # repeats accumulate
MASK = np.random.default_rng(0).random((3, 4)) > 0.4


def _embed_backward(g):
    """The weight gradient of embedding as a function of the output gradient. (padding_idx and
    scale_grad_by_freq make it differ from the true gradient on purpose, so they are checked
    here, as a linear map and its adjoint, and against PyTorch below.)"""
    w = ag.tensor(np.zeros((6, g.shape[-1])), requires_grad=True)
    (gw,) = ag.grad(F.embedding(IDX, w, padding_idx=5, scale_grad_by_freq=True), [w], g,
                    create_graph=True)
    return gw


GRAD_ROWS = [
    Row("linear", lambda x, w, b: F.linear(x, w, b), [(4, 3), (5, 3), (5,)]),
    Row("linear", lambda x, w: F.linear(x, w), [(2, 4, 3), (5, 3)], id="batched-no-bias"),
    Row("linear", lambda x, w, b: F.linear(x, w, b), [(3,), (2, 3), (2,)], id="vector"),
    Row("embedding", lambda w: F.embedding(IDX, w), [(6, 4)]),
    Row("embedding_backward", _embed_backward, [(2, 3, 4)]),
    Row("mul", lambda x: F.dropout(x, 0.4, generator=np.random.default_rng(1)), [(3, 4)],
        id="dropout"),
    Row("mul", lambda x: F.dropout2d(x, 0.5, generator=np.random.default_rng(2)), [(2, 3, 2, 2)],
        id="dropout2d"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_kernel_matches_numpy_add_at(dtype):
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 20, 200)
    rows = rng.standard_normal((200, 7)).astype(dtype)
    expected = np.zeros((20, 7), dtype)
    np.add.at(expected, idx, rows)
    out = _nn_kernels.scatter_add_rows(np.zeros((20, 7), dtype), idx, rows)
    np.testing.assert_allclose(out, expected, rtol=1e-6 if dtype == np.float32 else 1e-13)


def _torch_pair(torch, xs):
    return ([ag.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs],
            [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs])


def _check_against(torch, ours, theirs, xs, rtol=1e-12):
    ts, pts = _torch_pair(torch, xs)
    y, py = ours(*ts), theirs(*pts)
    u = np.random.default_rng(4).standard_normal(y.shape).astype(y.dtype)
    y.backward(u)
    py.backward(torch.tensor(u))
    np.testing.assert_allclose(y.data, py.detach().numpy(), rtol=rtol)
    for t, pt in zip(ts, pts):
        if t.requires_grad:
            np.testing.assert_allclose(t.grad.data, pt.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("xshape", [(4, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(xshape, bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal(xshape), rng.standard_normal((5, 3))] + (
        [rng.standard_normal(5)] if bias else [])
    _check_against(torch, F.linear, torch.nn.functional.linear, xs)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("freq", [False, True])
def test_embedding_matches_torch(padding_idx, freq):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    idx = rng.integers(0, 7, (3, 5))
    idx[0, :3] = [2, 6, 2]
    _check_against(torch, lambda w: F.embedding(idx, w, padding_idx, scale_grad_by_freq=freq),
                   lambda w: torch.nn.functional.embedding(torch.tensor(idx), w, padding_idx,
                                                           scale_grad_by_freq=freq),
                   [rng.standard_normal((7, 4))])


def test_embedding_max_norm_renormalizes_looked_up_rows_in_place():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(7).standard_normal((6, 4)) * 3
    ours, theirs = ag.tensor(w), torch.tensor(w)
    idx = np.array([1, 4, 4])
    y = F.embedding(idx, ours, max_norm=1.5)
    py = torch.nn.functional.embedding(torch.tensor(idx), theirs, max_norm=1.5)
    np.testing.assert_allclose(y.data, py.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    assert not np.allclose(ours.data[1], w[1]) and np.array_equal(ours.data[0], w[0])


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 6):
        ours = F.one_hot(ag.tensor(idx), n)
        assert ours.dtype == np.int64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.data,
                                      torch.nn.functional.one_hot(torch.tensor(idx), n).numpy())


def test_dropout_is_inverted_and_seeded():
    x = ag.tensor(np.ones((200, 50)), requires_grad=True)
    y = F.dropout(x, 0.3, generator=np.random.default_rng(0))
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    assert abs(kept.mean() - 0.7) < 0.02
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad.data, y.data)        # d/dx = mask / (1 - p)
    again = F.dropout(x, 0.3, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(again.data, y.data)
    F.manual_seed(5)
    a = F.dropout(x, 0.5).data
    F.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, a)


def test_dropout_edge_probabilities_and_eval_mode():
    x = ag.tensor(np.ones((3, 4)), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).data.any()


def test_dropout2d_drops_whole_channels():
    x = np.ones((8, 16, 3, 3))
    y = F.dropout2d(ag.tensor(x), 0.5, generator=np.random.default_rng(1)).data
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel == 0).all(-1).sum() < 8 * 16
    y3 = F.dropout2d(ag.tensor(np.ones((4, 6, 5))), 0.5, generator=np.random.default_rng(2)).data
    assert np.all((y3 == 0).all(-1) | (y3 == 2).all(-1))


def test_dropout1d_drops_whole_channels_and_checks_rank():
    y = F.dropout1d(ag.tensor(np.ones((8, 16, 5))), 0.5, generator=np.random.default_rng(3)).data
    assert np.all((y == 0).all(-1) | (y == 2).all(-1)) and 0 < (y == 0).all(-1).sum() < 128
    y2 = F.dropout1d(ag.tensor(np.ones((16, 5))), 0.5, generator=np.random.default_rng(4)).data
    assert np.all((y2 == 0).all(-1) | (y2 == 2).all(-1))
    with pytest.raises(ValueError, match=r"^dropout1d: expected a 2-d \(C, L\) or 3-d"):
        F.dropout1d(ag.tensor(np.ones((2, 3, 4, 5))))


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    x = np.random.default_rng(5).standard_normal((400, 500))
    t = ag.tensor(x, requires_grad=True)
    y = F.alpha_dropout(t, 0.2, True, generator=np.random.default_rng(6))
    assert abs(y.data.mean()) < 0.01 and abs(y.data.std() - 1) < 0.01
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.2 + 1) * 0.8)
    dropped = y.data == a * alpha * (0.2 - 1)               # all take one saturation value
    assert abs(dropped.mean() - 0.2) < 0.01
    y.sum().backward()
    np.testing.assert_allclose(np.unique(t.grad.data), [0, a])   # d/dx = a where kept
    assert F.alpha_dropout(t, 0.2) is t and nn.AlphaDropout(0.2).eval()(t) is t
    assert repr(nn.Dropout1d(0.3)) == "Dropout1d(p=0.3, inplace=False)"


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.embedding(np.array([0, 6]), ag.tensor(np.zeros((6, 2)))), IndexError,
     r"embedding: indices \[6\] are out of range for a weight of 6 rows"),
    (lambda: F.embedding(np.array([-1]), ag.tensor(np.zeros((6, 2)))), IndexError,
     r"embedding: indices \[-1\] are out of range"),
    (lambda: F.embedding(np.array([0.0]), ag.tensor(np.zeros((6, 2)))), TypeError,
     "embedding: indices must be integers, got dtype float64"),
    (lambda: F.embedding(np.array([0]), ag.tensor(np.zeros((6, 2))), padding_idx=6), ValueError,
     "embedding: padding_idx 6 must be within the 6 embeddings"),
    (lambda: F.linear(ag.tensor(np.zeros((4, 3))), ag.tensor(np.zeros((5, 2)))), ValueError,
     r"linear: input \(4, 3\) cannot be multiplied by weight \(5, 2\)"),
    (lambda: F.linear(ag.tensor(np.zeros((4, 3))), np.zeros((5, 3)), np.zeros(4)), ValueError,
     r"linear: bias of shape \(4,\) does not match weight \(5, 3\)"),
    (lambda: F.one_hot(np.array([1, 3]), 3), ValueError,
     r"one_hot: class values must be in \[0, 3\), got \[3\]"),
    (lambda: F.dropout(ag.tensor(np.ones(3)), 1.5), ValueError,
     "dropout: dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: F.dropout2d(ag.tensor(np.ones((2, 3, 4, 5, 6))), 0.5), ValueError,
     r"dropout2d: expected a 3-d \(N, C, L\) or 4-d \(N, C, H, W\) input, got shape "
     r"\(2, 3, 4, 5, 6\)"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_ops_and_functional_share_the_functions():
    assert F.embedding is ops.embedding and F.linear is ops.linear
    assert F.cross_entropy is ops.cross_entropy and F.batch_norm is ops.batch_norm


def test_functional_exports_convolution_and_pooling():
    import ops.conv
    import ops.pool
    for name in ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"):
        assert getattr(F, name) is getattr(ops.conv, name)
    for name in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
                 "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"):
        assert getattr(F, name) is getattr(ops.pool, name)
    assert set(F.__all__) <= set(dir(F))
