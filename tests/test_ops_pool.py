"""Pooling: gradient rows over a grid of geometries, PyTorch parity on the same grid (values,
indices, gradients, tie and NaN rules), and errors that name the op and the shapes."""
import numpy as np
import pytest

import autograd as ag
import ops
from ops import pool
from gradrows import Row, check, distinct, raises_starting_with

# (op, input shape, keyword arguments, id): batch 1 and 2, odd and even sizes, stride 1-3,
# padding 0-2, dilation 1-2, ceil_mode on and off, non-square kernels, unbatched input
POOLS = [
    ("max_pool2d", (2, 3, 6, 6), dict(kernel_size=2), "2x2"),
    ("max_pool2d", (1, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
     "stride2-pad1-ceil"),
    ("max_pool2d", (2, 2, 9, 8), dict(kernel_size=(5, 2), stride=(3, 1), padding=(2, 1),
                                      dilation=(1, 2)), "stride3-pad2-dilation2-nonsquare"),
    ("max_pool2d", (2, 5, 5), dict(kernel_size=2, stride=1, ceil_mode=True), "unbatched"),
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
     "ceil"),
    ("max_pool1d", (1, 2, 10), dict(kernel_size=2, dilation=2), "dilation2"),
    ("adaptive_max_pool2d", (2, 2, 7, 6), dict(output_size=(3, 4)), "7x6-to-3x4"),
    ("adaptive_max_pool2d", (1, 3, 5, 5), dict(output_size=(None, 2)), "none-keeps"),
    ("adaptive_max_pool1d", (2, 2, 7), dict(output_size=3), "7-to-3"),
    ("avg_pool2d", (2, 2, 6, 6), dict(kernel_size=2), "2x2"),
    ("avg_pool2d", (1, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
     "stride2-pad1-ceil"),
    ("avg_pool2d", (2, 2, 7, 8), dict(kernel_size=(3, 4), stride=(3, 1), padding=(1, 2),
                                      count_include_pad=False, ceil_mode=True),
     "stride3-pad2-exclude-pad"),
    ("avg_pool2d", (3, 5, 5), dict(kernel_size=2, divisor_override=3), "unbatched-divisor"),
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                   count_include_pad=False), "ceil-exclude-pad"),
    ("adaptive_avg_pool2d", (2, 2, 7, 6), dict(output_size=(3, 4)), "7x6-to-3x4"),
    ("adaptive_avg_pool2d", (1, 3, 5, 5), dict(output_size=1), "global"),
    ("adaptive_avg_pool1d", (2, 2, 7), dict(output_size=3), "7-to-3"),
]
PRIMITIVE = {"max": "pool_gather", "ada": "pool_gather", "avg": "conv2d"}


def _primitive(op, kw):
    """The primitive doing the work: adaptive average pooling is an einsum, or a mean when
    global."""
    if op.startswith("adaptive_avg"):
        return "mean" if kw["output_size"] == 1 else "einsum"
    return PRIMITIVE[op[:3]]


def _row(op, shape, kw, id_):
    fn = getattr(ops, op)
    return Row(_primitive(op, kw), lambda x: fn(x, **kw), [shape], id=f"{op}-{id_}",
               domain=distinct if "max" in op else None)


SCATTER_INDEX = np.random.default_rng(0).integers(0, 16, (2, 3, 3, 2))    # with repeats


GRAD_ROWS = [_row(*p) for p in POOLS] + [
    Row("pool_scatter", lambda g: pool._pool_scatter(g, index=SCATTER_INDEX, nd=2,
                                                     shape=(2, 3, 4, 4)),
        [(2, 3, 3, 2)], id="repeated-positions"),
    Row("pool_gather", lambda x: pool._pool_gather(x, index=SCATTER_INDEX, nd=2),
        [(2, 3, 4, 4)], id="repeated-positions"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("op,shape,kw,id_", POOLS, ids=[f"{p[0]}-{p[-1]}" for p in POOLS])
def test_forward_and_gradients_match_torch(op, shape, kw, id_):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape).round(1)          # with ties
    kw = dict(kw, return_indices=True) if "max" in op else kw
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, y_t = getattr(ops, op)(ours, **kw), getattr(torch.nn.functional, op)(theirs, **kw)
    if "max" in op:
        (y, index), (y_t, index_t) = y, y_t
        np.testing.assert_array_equal(index.data, index_t.numpy())
        assert index.dtype == np.int64 and not index.requires_grad
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(g)
    y_t.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_max_pool_nan_and_infinity_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[[[np.nan, 1.0, -np.inf, -np.inf], [2.0, np.nan, -np.inf, -np.inf]]]])
    y, index = ops.max_pool2d(x, 2, return_indices=True)
    y_t, index_t = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(y, y_t.numpy())
    np.testing.assert_array_equal(index, index_t.numpy())


def test_max_pool_backward_is_a_scatter_to_the_first_maximum():
    x = ag.tensor(np.array([[[[1.0, 3.0, 3.0, 0.0]]]]), requires_grad=True)
    ops.max_pool2d(x, (1, 4)).sum().backward()
    assert x.grad.data.tolist() == [[[[0.0, 1.0, 0.0, 0.0]]]]


def test_overlapping_windows_accumulate():
    x = ag.tensor(np.array([[[0.0, 5.0, 1.0, 2.0]]]), requires_grad=True)
    ops.max_pool1d(x, 3, stride=1).sum().backward()                     # 5 wins both windows
    assert x.grad.data.tolist() == [[[0.0, 2.0, 0.0, 0.0]]]


def test_float32_and_arrays():
    x = ag.tensor(np.ones((2, 3, 4, 4), np.float32), requires_grad=True)
    for f in (lambda t: ops.max_pool2d(t, 2), lambda t: ops.avg_pool2d(t, 2),
              lambda t: ops.adaptive_avg_pool2d(t, 3)):
        y = f(x)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32
    assert isinstance(ops.max_pool2d(np.ones((1, 1, 4, 4)), 2), np.ndarray)


BAD = [
    (lambda: ops.max_pool2d(np.ones((4, 4)), 2),
     "max_pool2d: expected 3-D (unbatched) or 4-D (batched) input, got input of shape (4, 4)"),
    (lambda: ops.max_pool2d(np.ones((1, 1, 4, 4)), 2, padding=2),
     "max_pool2d: padding (2, 2) must be at most half of kernel_size (2, 2) (input (1, 1, 4, 4))"),
    (lambda: ops.max_pool2d(np.ones((1, 1, 2, 2)), 3),
     "max_pool2d: output size (0, 0) is too small: input (1, 1, 2, 2), kernel_size (3, 3)"),
    (lambda: ops.avg_pool1d(np.ones((1, 1, 4)), 2, stride=0),
     "avg_pool1d: stride must be a positive int or 1 of them, got 0 (input (1, 1, 4))"),
    (lambda: ops.max_pool1d(np.ones((1, 1, 8)), 2, dilation=0),
     "max_pool1d: dilation must be a positive int or 1 of them, got 0"),
    (lambda: ops.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), (2, 0)),
     "adaptive_avg_pool2d: output_size must be a positive int or 2 of them, got (2, 0)"),
    (lambda: ops.avg_pool2d(np.ones((1, 1, 4, 4)), 2, divisor_override=0),
     "avg_pool2d: divisor_override must not be zero"),
    (lambda: ops.max_pool2d(np.ones((1, 1, 4, 4), int), 2),
     "max_pool2d: expected a floating point input, got int64"),
]


@pytest.mark.parametrize("call,message", BAD, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_bad_input_names_the_op_and_the_shapes(call, message):
    raises_starting_with(call, message)
