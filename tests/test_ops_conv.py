"""Convolution: gradient rows over a grid of geometries, PyTorch parity on the same grid,
double backward through a small CNN, and errors that name the op and the shapes."""
import numpy as np
import pytest

import autograd as ag
import ops
from ops import conv
from gradrows import Row, check, raises_starting_with

# (input shape, weight shape, bias, keyword arguments, id): batch 1 and 2, odd and even sizes,
# stride 1-3, padding 0-2, 'same' and 'valid', dilation 1-2, groups 1, 2 and depthwise,
# non-square kernels, unbatched input, maps smaller than the kernel
CONV2D = [
    ((1, 2, 5, 5), (3, 2, 3, 3), True, {}, "plain"),
    ((2, 2, 6, 5), (3, 2, 2, 3), True, dict(stride=2, padding=1), "stride2-pad1-nonsquare"),
    ((2, 4, 7, 6), (4, 2, 3, 2), False, dict(stride=(3, 1), padding=(2, 0), groups=2),
     "stride3-pad2-groups2"),
    ((1, 3, 6, 6), (3, 1, 3, 3), True, dict(padding="same", dilation=2, groups=3),
     "same-dilation2-depthwise"),
    ((2, 2, 5, 4), (2, 2, 2, 2), False, dict(padding="same"), "same-even-kernel"),
    ((2, 3, 4, 4), (4, 3, 1, 1), True, {}, "pointwise"),
    ((2, 2, 7, 7), (2, 2, 3, 3), False, dict(stride=2, padding=2, dilation=2), "dilated-strided"),
    ((2, 5, 5), (3, 2, 3, 3), True, dict(padding="valid"), "unbatched"),
    # taps that read only padding are dropped where at most a quarter live (conv._live_taps):
    # one of nine; 3 x 1 of 25; the middle tap of a dilated kernel; 4 of 9 (not cut)
    ((2, 3, 1, 1), (4, 3, 3, 3), True, dict(padding=1), "1x1-map"),
    ((2, 2, 2, 1), (3, 2, 5, 5), False, dict(padding=2), "2x1-map-5x5"),
    ((1, 2, 1, 1), (2, 2, 3, 3), False, dict(padding=(2, 1), dilation=(2, 1)), "dilated-1x1-map"),
    ((2, 2, 2, 2), (3, 2, 3, 3), False, dict(stride=2, padding=1), "2x2-map-stride2"),
]
CONV1D = [
    ((2, 2, 9), (3, 2, 3), True, dict(stride=2, padding=1), "stride2"),
    ((1, 4, 8), (4, 1, 4), False, dict(padding="same", groups=4, dilation=2), "same-depthwise"),
    ((3, 7), (2, 3, 2), True, dict(stride=3), "unbatched"),
]
CONV_T2D = [
    ((2, 4, 3, 4), (4, 3, 3, 2), True, dict(stride=2, padding=1, output_padding=1, groups=2),
     "stride2-groups2"),
    ((1, 2, 3, 3), (2, 2, 2, 3), False, dict(stride=(3, 1), dilation=2, output_padding=(2, 0)),
     "stride3-dilation2"),
    ((2, 3, 4, 5), (3, 1, 3, 3), True, dict(groups=3, padding=1), "depthwise"),
    ((2, 3, 3, 3), (3, 2, 1, 1), False, {}, "pointwise"),
    ((2, 3, 1, 1), (3, 2, 3, 3), True, dict(padding=1), "1x1-map"),
]
CONV_T1D = [((2, 3, 5), (3, 2, 3), True, dict(stride=3, padding=1, output_padding=2), "stride3")]

CASES = ([("conv2d", "conv2d", c) for c in CONV2D] + [("conv2d", "conv1d", c) for c in CONV1D]
         + [("conv_transpose2d", "conv_transpose2d", c) for c in CONV_T2D]
         + [("conv_transpose2d", "conv_transpose1d", c) for c in CONV_T1D])


def _row(primitive, public, case):
    x_shape, w_shape, bias, kw, id_ = case
    fn = getattr(ops, public)
    out_channels = w_shape[0] if "transpose" not in public else w_shape[1] * kw.get("groups", 1)
    if bias:
        return Row(primitive, lambda x, w, b: fn(x, w, b, **kw),
                   [x_shape, w_shape, (out_channels,)], id=f"{public}-{id_}")
    return Row(primitive, lambda x, w: fn(x, w, **kw), [x_shape, w_shape], id=f"{public}-{id_}")


def _weight_row(x_shape, g_shape, k, stride, padding, dilation, groups, id_):
    geom = conv.Geom(stride, padding, dilation, groups)
    return Row("conv2d_weight", lambda x, g: conv._conv2d_weight(x, g, geom=geom, k_hw=k),
               [x_shape, g_shape], id=id_)


GRAD_ROWS = [_row(*c) for c in CASES] + [
    _weight_row((2, 2, 5, 6), (2, 3, 3, 3), (2, 3), (2, 2), (1, 1), (1, 1), 1, "stride2"),
    _weight_row((1, 4, 6, 5), (1, 2, 4, 3), (3, 3), (1, 1), (1, 1), (2, 1), 2, "groups2"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("primitive,public,case", CASES,
                         ids=lambda v: v[-1] if isinstance(v, tuple) else v)
def test_forward_and_gradients_match_torch(primitive, public, case):
    torch = pytest.importorskip("torch")
    row = _row(primitive, public, case)
    xs = row.inputs(seed=1)
    ours = [ag.tensor(a, requires_grad=True) for a in xs]
    theirs = [torch.tensor(a, requires_grad=True) for a in xs]
    y = row.fn(*ours)
    y_t = getattr(torch.nn.functional, public)(*theirs, **case[3])
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(g)
    y_t.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def _cnn_penalty(framework, x, w1, w2):
    """A gradient penalty on a small CNN: |d loss / d x|^2, itself differentiated."""
    if framework == "torch":
        import torch
        F, grad = torch.nn.functional, lambda y, x: torch.autograd.grad(y, x, create_graph=True)
    else:
        F, grad = ops, lambda y, x: ag.grad(y, x, create_graph=True)
    h = F.max_pool2d(F.conv2d(x, w1, padding=1).tanh(), 2, ceil_mode=True)
    y = F.conv_transpose2d(h, w2, stride=2).tanh().sum()
    (gx,) = grad(y, x)
    return (gx * gx).sum()


def test_double_backward_through_a_cnn_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in [(2, 2, 5, 5), (3, 2, 3, 3), (3, 2, 2, 2)]]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    _cnn_penalty("tapegrad", *ours).backward()
    _cnn_penalty("torch", *theirs).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_gradgradcheck_through_a_cnn():
    rng = np.random.default_rng(4)
    xs = [rng.standard_normal(s) for s in [(1, 2, 5, 5), (2, 2, 3, 3), (2, 1, 2, 2)]]
    fn = lambda x, w1, w2: ops.conv_transpose2d(                                   # noqa: E731
        ops.avg_pool2d(ops.conv2d(x, w1, padding=1).tanh(), 2), w2, stride=2).tanh()
    assert ag.gradgradcheck(fn, *xs)


def test_float32_stays_float32():
    x = ag.tensor(np.ones((2, 3, 6, 6), np.float32), requires_grad=True)
    w = ag.tensor(np.ones((4, 3, 3, 3), np.float32), requires_grad=True)
    b = ag.tensor(np.zeros(4, np.float32), requires_grad=True)
    y = ops.conv2d(x, w, b, stride=2, padding=1)
    assert y.dtype == np.float32 and y.shape == (2, 4, 3, 3)
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_arrays_in_arrays_out():
    y = ops.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    assert isinstance(y, np.ndarray) and y.tolist() == [[[[4.0, 4.0], [4.0, 4.0]]]]


BAD = [
    (lambda: ops.conv2d(np.ones((1, 2, 8, 8)), np.ones((4, 3, 3, 3))),
     "conv2d: weight (4, 3, 3, 3) expects 3 input channels, got input (1, 2, 8, 8) with 2"),
    (lambda: ops.conv2d(np.ones((1, 4, 8, 8)), np.ones((6, 2, 3, 3)), groups=3),
     "conv2d: groups=3 must divide in_channels 4 and out_channels 6 (input (1, 4, 8, 8), "
     "weight (6, 2, 3, 3))"),
    (lambda: ops.conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 5, 5)), padding=1),
     "conv2d: kernel (5, 5) with dilation (1, 1) spans (5, 5), larger than the padded input "
     "(4, 4) (input (1, 1, 2, 2), padding 1)"),
    (lambda: ops.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), dilation=2),
     "conv1d: kernel (3,) with dilation (2,) spans (5,), larger than the padded input (4,)"),
    (lambda: ops.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0),
     "conv2d: stride must be a positive int or 2 of them, got 0 (input (1, 1, 5, 5))"),
    (lambda: ops.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), dilation=(1, -1)),
     "conv2d: dilation must be a positive int or 2 of them, got (1, -1)"),
    (lambda: ops.conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))),
     "conv2d: expected 3-D (unbatched) or 4-D (batched) input, got input of shape (5, 5)"),
    (lambda: ops.conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 3, 3))),
     "conv1d: weight must be 3-D, got weight of shape (1, 1, 3, 3)"),
    (lambda: ops.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding="same", stride=2),
     "conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: ops.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)),
     "conv2d: bias must have shape (2,), got (3,)"),
    (lambda: ops.conv_transpose2d(np.ones((1, 2, 4, 4)), np.ones((3, 1, 3, 3))),
     "conv_transpose2d: weight (3, 1, 3, 3) expects 3 input channels, got input (1, 2, 4, 4) "
     "with 2"),
    (lambda: ops.conv_transpose2d(np.ones((1, 4, 4, 4)), np.ones((4, 1, 3, 3)), groups=3),
     "conv_transpose2d: groups=3 must divide in_channels 4"),
    (lambda: ops.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2,
                                  output_padding=2),
     "conv_transpose2d: output_padding (2, 2) must be smaller than either stride (2, 2) or "
     "dilation (1, 1)"),
    (lambda: ops.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)), padding=2),
     "conv_transpose1d: output size (-1,) is too small"),
    (lambda: ops.conv2d(np.ones((1, 1, 5, 5), int), np.ones((1, 1, 3, 3), int)),
     "conv2d: expected floating point arrays"),
]


@pytest.mark.parametrize("call,message", BAD, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_bad_input_names_the_op_and_the_shapes(call, message):
    raises_starting_with(call, message)
