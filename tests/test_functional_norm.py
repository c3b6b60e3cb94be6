"""Normalization of nn.functional: gradient rows (double backward of batch_norm included),
PyTorch parity with running-statistics updates, stability, and bad input."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from ops import _nn_kernels
from gradrows import Row, check

RM, RV = np.array([0.1, -0.2, 0.3]), np.array([0.5, 1.5, 2.0])


def _bn(training):
    # fresh running buffers per call: the forward updates them in place
    return lambda x, w, b: F.batch_norm(x, RM.copy(), RV.copy(), w, b, training=training)


GRAD_ROWS = [
    Row("batch_norm", _bn(True), [(4, 3, 2), (3,), (3,)]),
    Row("batch_norm", lambda x: F.batch_norm(x, None, None, training=True), [(5, 3)],
        id="no-affine-2d"),
    Row("batch_norm", _bn(False), [(4, 3, 2, 2), (3,), (3,)], id="eval"),
    Row("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)]),
    Row("layer_norm", lambda x: F.layer_norm(x, 5), [(3, 5)], id="no-affine"),
    Row("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    Row("group_norm", lambda x: F.group_norm(x, 3, eps=1e-3), [(2, 6, 2, 2)], id="no-affine"),
    Row("group_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        [(2, 3, 4), (3,), (3,)], id="instance_norm"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 3, 5), (1, 6, 7)])
def test_kernels_match_numpy(shape, dtype):
    rng = np.random.default_rng(8)
    x, d = (rng.standard_normal(shape).astype(dtype) * 3 + 1 for _ in range(2))
    scale, shift = (rng.standard_normal(shape[1]).astype(dtype) for _ in range(2))
    mean, var = x.mean((0, 2), dtype=np.float64), x.var((0, 2), dtype=np.float64)
    inv = 1 / np.sqrt(var + 1e-3)
    xhat = (x - mean[:, None]) * inv[:, None]
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    y, got_mean, got_var = _nn_kernels.normalize(x, 1e-3, scale, shift)
    assert y.dtype == dtype
    for a, b in ((y, xhat * scale[:, None] + shift[:, None]), (got_mean, mean), (got_var, var)):
        np.testing.assert_allclose(a, b, **tol)
    s1, s2 = _nn_kernels.centered_sums(d, x, mean)
    np.testing.assert_allclose(s1, d.sum((0, 2)), **tol)
    np.testing.assert_allclose(s2, (d * (x - mean[:, None])).sum((0, 2)), **tol)
    back = _nn_kernels.normalize_backward(d, x, mean, inv, scale, s1, s2, np.empty_like(d))
    assert back.dtype == dtype
    expected = scale[:, None] * (d - d.mean((0, 2))[:, None]
                                 - xhat * (d * xhat).mean((0, 2))[:, None])
    np.testing.assert_allclose(back, expected, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_kernels_match_numpy(dtype):
    rng = np.random.default_rng(9)
    x, g = (rng.standard_normal((7, 33)).astype(dtype) * 3 + 1 for _ in range(2))
    w, b = (rng.standard_normal(33).astype(dtype) for _ in range(2))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    y = np.empty_like(x)
    mean, var = _nn_kernels.normalize_rows(x, 1e-3, w, b, y)
    inv = 1 / np.sqrt(x.var(1, dtype=np.float64) + 1e-3)
    xhat = (x - x.mean(1, dtype=np.float64)[:, None]) * inv[:, None]
    np.testing.assert_allclose(y, xhat * w + b, **tol)
    np.testing.assert_allclose(mean, x.mean(1, dtype=np.float64), **tol)
    np.testing.assert_allclose(var, x.var(1, dtype=np.float64), **tol)
    gx, gw, gb = np.empty_like(g), np.full(33, 0.5), np.full(33, -1.0)   # gw and gb: added to
    _nn_kernels.normalize_rows_backward(g, x, mean, inv, w, gx, gw, gb)
    d = g * w
    expected = inv[:, None] * (d - d.mean(1)[:, None] - xhat * (d * xhat).mean(1)[:, None])
    np.testing.assert_allclose(gx, expected, **tol)
    np.testing.assert_allclose(gw, 0.5 + (g * xhat).sum(0), **tol)
    np.testing.assert_allclose(gb, -1.0 + g.sum(0), **tol)


def _compare(ours, theirs, xs, torch, tol):
    ts = [None if x is None else ag.tensor(x, requires_grad=True) for x in xs]
    pts = [None if x is None else torch.tensor(x, requires_grad=True) for x in xs]
    y, py = ours(*ts), theirs(*pts)
    u = np.random.default_rng(1).standard_normal(y.shape).astype(y.dtype)
    y.backward(u)
    py.backward(torch.tensor(u))
    np.testing.assert_allclose(y.data, py.detach().numpy(), **tol)
    for t, pt in zip(ts, pts):
        if t is not None:
            assert t.grad.dtype == t.dtype
            np.testing.assert_allclose(t.grad.data, pt.grad.numpy(), **tol)


TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_matches_torch(shape, training, affine, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    w, b = (rng.standard_normal(3).astype(dtype) for _ in range(2))
    ours_stats = [RM.astype(dtype), RV.astype(dtype)]
    torch_stats = [torch.tensor(s.copy()) for s in ours_stats]
    for _ in range(2):                                  # two steps: the update compounds
        _compare(lambda x, *wb: F.batch_norm(x, *ours_stats, *wb, training=training,
                                             momentum=0.3),
                 lambda x, *wb: torch.nn.functional.batch_norm(x, *torch_stats, *wb,
                                                               training=training, momentum=0.3),
                 [x] + ([w, b] if affine else []), torch, TOL[dtype])
    for ours, theirs in zip(ours_stats, torch_stats):
        np.testing.assert_allclose(ours, theirs.numpy(), **TOL[dtype])


def test_batch_norm_updates_running_tensors_in_place():
    rm, rv = ag.tensor(np.zeros(2)), ag.tensor(np.ones(2))
    data_before = rm.numpy()
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    F.batch_norm(ag.tensor(x), rm, rv, training=True, momentum=0.5)
    assert rm.numpy() is data_before
    np.testing.assert_allclose(rm.data, [1.0, 2.0])
    np.testing.assert_allclose(rv.data, [0.5 + 0.5 * 2.0, 0.5 + 0.5 * 8.0])   # unbiased var


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ns", [(5,), (4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(ns, affine, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((3, 4, 5)) * 3).astype(dtype)
    wb = [rng.standard_normal(ns).astype(dtype) for _ in range(2)] if affine else []
    _compare(lambda x, *wb: F.layer_norm(x, ns, *wb),
             lambda x, *wb: torch.nn.functional.layer_norm(x, ns, *wb), [x] + wb, torch,
             TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,groups", [((2, 6), 3), ((2, 6, 5), 2), ((2, 4, 3, 3), 4),
                                          ((2, 4, 3, 3), 1)])
def test_group_norm_matches_torch(shape, groups, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    w, b = (rng.standard_normal(shape[1]).astype(dtype) for _ in range(2))
    _compare(lambda x, w, b: F.group_norm(x, groups, w, b, 1e-4),
             lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b, 1e-4),
             [x, w, b], torch, TOL[dtype])


def test_constant_input_normalizes_to_zero_without_warnings():
    for f in (lambda x: F.batch_norm(x, None, None, training=True),
              lambda x: F.layer_norm(x, (3,)), lambda x: F.group_norm(x, 1)):
        x = ag.tensor(np.full((2, 3), 1e4, np.float32), requires_grad=True)
        y = f(x)
        y.backward(np.ones((2, 3), np.float32))
        assert not y.data.any() and np.isfinite(x.grad.data).all()


@pytest.mark.parametrize("call,match", [
    (lambda: F.batch_norm(ag.tensor(np.zeros((1, 4))), None, None, training=True),
     r"batch_norm: expected more than 1 value per channel when training, got input of shape "
     r"\(1, 4\)"),
    (lambda: F.batch_norm(ag.tensor(np.zeros((2, 4))), np.zeros(3), np.ones(3)),
     r"batch_norm: running_mean of shape \(3,\) does not match input \(2, 4\)"),
    (lambda: F.batch_norm(ag.tensor(np.zeros((2, 4))), None, None),
     "batch_norm: running_mean and running_var are required in eval mode"),
    (lambda: F.layer_norm(ag.tensor(np.zeros((2, 4))), (3,)),
     r"layer_norm: normalized_shape \(3,\) must be the trailing dims of input \(2, 4\)"),
    (lambda: F.layer_norm(ag.tensor(np.zeros((2, 4))), (4,), np.ones(3)),
     r"layer_norm: weight of shape \(3,\) does not match input \(2, 4\) \(expected \(4,\)\)"),
    (lambda: F.group_norm(ag.tensor(np.zeros((2, 6, 3))), 4),
     r"group_norm: expected input \(N, C, ...\) with C divisible by num_groups=4, got "
     r"\(2, 6, 3\)"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_second_derivatives_match_torch(training):
    """d/d(x, w, b) of <d y / dx, v> for a random upstream u: against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, u, v = (rng.standard_normal((4, 3, 2)) for _ in range(3))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    results = []
    for lib, f, grad in ((ag, F.batch_norm, ag.grad),
                         (torch, torch.nn.functional.batch_norm, torch.autograd.grad)):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = f(xs[0], lib.tensor(RM), lib.tensor(RV), xs[1], xs[2], training=training)
        (g,) = grad((y * lib.tensor(u)).sum(), [xs[0]], create_graph=True)
        results.append(grad((g * lib.tensor(v)).sum(), xs[:2], allow_unused=True))
    (ours_x, ours_w), (theirs_x, theirs_w) = results
    assert (ours_x is None) == (theirs_x is None) == (not training)   # eval: dx linear in x
    pairs = [(ours_w, theirs_w)] + ([(ours_x, theirs_x)] if training else [])
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-9, atol=1e-11)
