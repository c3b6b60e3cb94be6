"""interpolate and pixel_(un)shuffle: gradient rows (through getitem), PyTorch parity of
values and gradients over modes, sizes, scale factors and align_corners, and bad input."""
import numpy as np
import pytest

import ops
from gradrows import Row, check, torch_parity

GRAD_ROWS = [
    Row("getitem", lambda x: ops.interpolate(x, scale_factor=2), [(1, 2, 3, 2)],
        id="interpolate-nearest"),
    Row("getitem", lambda x: ops.interpolate(x, size=(4, 5), mode="bilinear"), [(1, 2, 3, 2)],
        id="interpolate-bilinear"),
    Row("getitem", lambda x: ops.interpolate(x, size=5, mode="linear", align_corners=True),
        [(2, 1, 3)], id="interpolate-linear-corners"),
    Row("reshape", lambda x: ops.pixel_shuffle(x, 2), [(1, 8, 2, 3)], id="pixel_shuffle"),
    Row("reshape", lambda x: ops.pixel_unshuffle(x, 2), [(1, 2, 4, 2)], id="pixel_unshuffle"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(size=(3, 4))),
    ((2, 3, 5, 7), dict(size=(8, 11), mode="nearest-exact")),
    ((2, 3, 5, 7), dict(scale_factor=1.5, mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear", align_corners=True)),
    ((1, 2, 4, 4), dict(scale_factor=0.5, mode="bilinear")),
    ((2, 3, 6), dict(scale_factor=2.5, mode="linear")),
    ((2, 3, 6), dict(size=1, mode="linear", align_corners=True)),
    ((1, 2, 3, 4, 5), dict(scale_factor=(2, 1, 0.5))),
])
def test_interpolate_matches_torch(shape, kw):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    torch_parity(lambda t: ops.interpolate(t, **kw),
                 lambda t: torch.nn.functional.interpolate(t, **kw), x)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_pixel_shuffle_round_trip_matches_torch(r):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 2 * r * r, 3, 2))
    torch_parity(lambda t: ops.pixel_shuffle(t, r),
                 lambda t: torch.nn.functional.pixel_shuffle(t, r), x)
    torch_parity(lambda t: ops.pixel_unshuffle(ops.pixel_shuffle(t, r), r), lambda t: t * 1, x)


@pytest.mark.parametrize("call,message", [
    (lambda x: ops.interpolate(x), "interpolate: give exactly one of size and scale_factor"),
    (lambda x: ops.interpolate(x, 2, 2.0), "interpolate: give exactly one of size"),
    (lambda x: ops.interpolate(x, 2, mode="cubic"),
     "interpolate: mode must be one of nearest, nearest-exact, area, linear, bilinear, bicubic, "
     "trilinear, got 'cubic'"),
    (lambda x: ops.interpolate(x, 2, mode="linear"),
     r"interpolate: mode 'linear' needs 3-D input, got shape \(1, 2, 3, 4\)"),
    (lambda x: ops.interpolate(x, 2, align_corners=True),
     "interpolate: align_corners can only be set with the interpolating modes"),
    (lambda x: ops.interpolate(x, scale_factor=0.1),
     r"interpolate: output size \(0, 0\) does not fit the 2 spatial dims \(3, 4\)"),
    (lambda x: ops.pixel_shuffle(x, 2),
     r"pixel_shuffle: channels 2 of input \(1, 2, 3, 4\) must be divisible by"),
    (lambda x: ops.pixel_unshuffle(x, 2),
     r"pixel_unshuffle: height and width of input \(1, 2, 3, 4\) must be divisible"),
])
def test_bad_input_names_the_op(call, message):
    with pytest.raises(ValueError, match="^" + message):
        call(np.zeros((1, 2, 3, 4)))


def test_linear_modes_refuse_integer_input():
    with pytest.raises(TypeError, match="^interpolate: mode 'bilinear' needs a floating input, "
                                        "got int64"):
        ops.interpolate(np.zeros((1, 1, 2, 2), np.int64), 2, mode="bilinear")
    assert ops.interpolate(np.arange(4).reshape(1, 1, 2, 2), 2).dtype == np.int64   # nearest
