"""Winograd's F(2x2, 3x3) (ops/_winograd.py): its kernels against the transforms written as
einsums, its three passes against the im2col path in float64 and float32, conv2d's gradients,
double backward and PyTorch parity with it switched on for small shapes, and where it
switches on by itself."""
import numpy as np
import pytest

import autograd as ag
import ops
from ops import _winograd as W
from ops import conv
from gradrows import Row, check

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
SAME = conv.Geom((1, 1), (1, 1), (1, 1), 1)
# (N, C, H, W, C_out): odd and even sizes, a 1x1 map, one row
SHAPES = [(2, 3, 5, 7, 4), (1, 2, 1, 1, 3), (2, 2, 2, 3, 3), (1, 3, 6, 6, 2), (2, 4, 1, 5, 3)]


@pytest.fixture
def always(monkeypatch):
    """Winograd for every 3x3 convolution of stride 1 and padding 1, however small."""
    monkeypatch.setattr(W, "MIN_CHANNELS", 0)
    monkeypatch.setattr(W, "MIN_WORK", 0)


@pytest.mark.parametrize("n,c,h,w,co", SHAPES)
def test_kernels_match_the_transforms(n, c, h, w, co):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w))
    th, tw = (h + 1) // 2, (w + 1) // 2
    xp = np.zeros((n, c, 2 * th + 2, 2 * tw + 2))
    xp[:, :, 1:h + 1, 1:w + 1] = x
    d = np.stack([np.stack([xp[:, :, 2 * i:2 * i + 4, 2 * j:2 * j + 4] for j in range(tw)], 2)
                  for i in range(th)], 2)                                  # (N, C, th, tw, 4, 4)
    v = np.einsum("ak,ncijkl,bl->abcnij", BT, d, BT).reshape(16, c, -1)
    np.testing.assert_allclose(W._tiles_of(x, th, tw), v, atol=1e-12)
    m = rng.standard_normal((16, co, n * th * tw))
    tiles = np.einsum("pa,abonij,qb->onipjq", AT, m.reshape(4, 4, co, n, th, tw), AT)
    y = tiles.reshape(co, n, 2 * th, 2 * tw)[:, :, :h, :w].transpose(1, 0, 2, 3)
    np.testing.assert_allclose(W._output_tiles(m, th, tw, np.empty((n, co, h, w))), y,
                               atol=1e-12)
    g = rng.standard_normal((n, co, h, w))                   # <out(m), g> = <m, out*(g)>
    adjoint = W._output_tiles_adjoint(g, th, tw, np.empty_like(m))
    assert np.isclose(np.vdot(y, g), np.vdot(m, adjoint), rtol=1e-12)
    wt = rng.standard_normal((co, c, 3, 3))
    np.testing.assert_allclose(W._weight_planes(wt),
                               np.einsum("ai,ocij,bj->aboc", G, wt, G).reshape(16, co, c),
                               atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,c,h,w,co", SHAPES + [(5, 3, 4, 6, 2)])
def test_the_three_passes_match_im2col(n, c, h, w, co, dtype, monkeypatch):
    rng = np.random.default_rng(1)
    x, g = (rng.standard_normal(s).astype(dtype) for s in [(n, c, h, w), (n, co, h, w)])
    wt = rng.standard_normal((co, c, 3, 3)).astype(dtype)
    direct = [conv._correlate(x, wt, SAME, (h, w)), conv._weight_grad(x, g, SAME, (3, 3)),
              conv._scatter(g, wt, SAME, (h, w))]
    monkeypatch.setattr(W, "MIN_CHANNELS", 0)
    monkeypatch.setattr(W, "MIN_WORK", 0)
    if n == 5:                          # chunks of two images: the chunk loops, a short last one
        monkeypatch.setattr(W, "_CHUNK_BYTES", 2 * 16 * max(c, co) * 2 * 3 * x.itemsize)
        assert [s.stop - s.start for s in W._chunks(x, max(c, co))[0]] == [2, 2, 1]
    assert W.applies(x.shape, wt.shape, SAME, x.dtype)
    fast = [conv._correlate(x, wt, SAME, (h, w)), conv._weight_grad(x, g, SAME, (3, 3)),
            conv._scatter(g, wt, SAME, (h, w))]
    rtol = 1e-12 if dtype == np.float64 else 2e-6           # relative to the largest entry
    for a, b in zip(fast, direct):
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=rtol * np.abs(b).max())


def _rows():
    conv_row = Row("conv2d", lambda x, w, b: ops.conv2d(x, w, b, padding=1),
                   [(2, 3, 5, 4), (4, 3, 3, 3), (4,)], id="conv2d-winograd")
    transpose_row = Row("conv_transpose2d", lambda x, w: ops.conv_transpose2d(x, w, padding=1),
                        [(2, 3, 4, 5), (3, 2, 3, 3)], id="conv_transpose2d-winograd")
    return [conv_row, transpose_row]


@pytest.mark.parametrize("row", _rows(), ids=str)
def test_gradients_and_double_backward_through_winograd(row, always):
    check(row)


def test_matches_torch_through_winograd(always):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in [(2, 3, 7, 6), (5, 3, 3, 3), (5,)]]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = ops.conv2d(*ours, padding=1)
    y_t = torch.nn.functional.conv2d(*theirs, padding=1)
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    y_t.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_where_it_switches_on():
    f32 = np.dtype(np.float32)
    assert W.applies((1, 256, 56, 56), (256, 256, 3, 3), SAME, f32)        # VGG-19, batch 1
    assert W.applies((32, 256, 8, 8), (256, 256, 3, 3), SAME, f32)
    assert not W.applies((1, 64, 224, 224), (64, 64, 3, 3), SAME, f32)     # 64 channels: lost
    assert not W.applies((1, 512, 14, 14), (512, 512, 3, 3), SAME, f32)    # 49 tiles: lost
    assert not W.applies((32, 256, 2, 2), (256, 256, 3, 3), SAME, f32)     # W11's layer3
    for geom, w_shape, dtype in [(SAME._replace(stride=(2, 2)), (256, 256, 3, 3), f32),
                                 (SAME._replace(padding=(0, 0)), (256, 256, 3, 3), f32),
                                 (SAME._replace(dilation=(2, 2)), (256, 256, 3, 3), f32),
                                 (SAME._replace(groups=2), (256, 128, 3, 3), f32),
                                 (SAME, (256, 256, 5, 5), f32),
                                 (SAME, (256, 256, 3, 3), np.dtype(np.float16))]:
        assert not W.applies((1, 256, 56, 56), w_shape, geom, dtype)
