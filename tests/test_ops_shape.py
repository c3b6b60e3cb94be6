"""Shape ops: gradient rows, forward against NumPy, bad input, split/chunk/pad parity with
PyTorch."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
import ops
from gradrows import Row, check, torch_parity

X = [(2, 3, 4)]
GRAD_ROWS = [
    Row("reshape", lambda x: x.reshape(4, 6), X),
    Row("reshape", lambda x: x.view(-1) * x.reshape((3, -1)).reshape(-1), X, id="minus-1"),
    Row("reshape", lambda x: x.squeeze(), [(2, 1, 3, 1)], id="squeeze"),
    Row("reshape", lambda x: x.squeeze(-1), [(2, 1, 3, 1)], id="squeeze-dim"),
    Row("reshape", lambda x: x.unsqueeze(0).unsqueeze(-1), [(2, 3)], id="unsqueeze"),
    Row("reshape", lambda x: x.flatten(), X, id="flatten"),
    Row("reshape", lambda x: x.flatten(1), X, id="flatten-start"),
    Row("reshape", lambda x: ops.flatten(x, 0, -2), X, id="flatten-range"),
    Row("permute", lambda x: x.permute(2, 0, 1), X),
    Row("permute", lambda x: x.permute(-1, 0, -2), X, id="negative-dims"),
    Row("permute", lambda x: x.transpose(0, -1), X, id="transpose"),
    Row("permute", lambda x: ops.swapaxes(x, 1, 2), X, id="swapaxes"),
    Row("permute", lambda x: x.T * 1.0 + x.mT.sum(), [(3, 4)], id="T-mT"),
    Row("broadcast_to", lambda x: x.broadcast_to((2, 3, 4)), [(3, 1)]),
    Row("broadcast_to", lambda x: x.expand(2, -1, 4), [(3, 1)], id="expand"),
    Row("cat", lambda a, b: ops.cat([a, b], 1), [(2, 3), (2, 2)]),
    Row("cat", lambda a, b, c: ops.concatenate((a, b, c), -1), [(2, 1), (2, 3), (2, 2)],
        id="three-negative-dim"),
    Row("cat", lambda a: ops.cat([a, a * a], 0), [(2, 3)], id="reused"),
    Row("cat", lambda a, b: ops.stack([a, b]), [(2, 3), (2, 3)], id="stack"),
    Row("cat", lambda a, b: ops.stack([a, b], -1), [(2, 3), (2, 3)], id="stack-last"),
    Row("getitem", lambda x: x.split(2, 1), [(2, 5)], id="split-int"),
    Row("getitem", lambda x: ops.split(x, [1, 0, 3], -1), [(2, 4)], id="split-list"),
    Row("getitem", lambda x: x.chunk(3), [(5, 2)], id="chunk"),
    Row("pad", lambda x: ops.pad(x, (1, 2)), [(2, 3)]),
    Row("pad", lambda x: ops.pad(x, (1, 0, 0, 2), value=3.0), X, id="two-dims-value"),
    Row("getitem", lambda x: ops.pad(x, (3, 2, 1, 2), mode="reflect"), X, id="pad-reflect"),
    Row("getitem", lambda x: ops.pad(x, (2, 0), mode="replicate"), X, id="pad-replicate"),
    Row("getitem", lambda x: ops.pad(x, (4, 1, 0, 3, 1, 1), mode="circular"), [(1, 2, 3, 4)],
        id="pad-circular"),
    Row("flip", lambda x: x.flip(0), X),
    Row("flip", lambda x: ops.flip(x, (0, -1)), X, id="tuple-negative"),
    Row("tile", lambda x: ops.tile(x, (2, 1)), [(2, 3)]),
    Row("tile", lambda x: ops.tile(x, 3), [(2, 3)], id="int-reps"),
    Row("tile", lambda x: ops.tile(x, (2, 1, 3)), [(2, 3)], id="more-reps"),
    Row("tile", lambda x: x.repeat(2, 1, 2), [(2, 3)], id="repeat"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


CASES = [
    ("reshape", lambda x: x.reshape(6, -1), lambda a: a.reshape(6, -1)),
    ("permute", lambda x: x.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    ("transpose", lambda x: x.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    ("T", lambda x: x.T, lambda a: a.T),
    ("broadcast_to", lambda x: x[:, :1].broadcast_to((5, 2, 1, 4)),
     lambda a: np.broadcast_to(a[:, :1], (5, 2, 1, 4))),
    ("expand", lambda x: x[:1].expand(3, -1, -1), lambda a: np.broadcast_to(a[:1], (3, 3, 4))),
    ("squeeze", lambda x: x[:, :1, None].squeeze(), lambda a: a[:, :1, None].squeeze()),
    ("unsqueeze", lambda x: x.unsqueeze(-2), lambda a: np.expand_dims(a, -2)),
    ("flatten", lambda x: x.flatten(1), lambda a: a.reshape(2, -1)),
    ("cat", lambda x: ops.cat([x, x[:, :1]], 1), lambda a: np.concatenate([a, a[:, :1]], 1)),
    ("stack", lambda x: ops.stack([x, x], 1), lambda a: np.stack([a, a], 1)),
    ("split", lambda x: ops.cat([p.flatten() for p in x.split([1, 2], 1)]),
     lambda a: np.concatenate([p.ravel() for p in np.split(a, [1], 1)])),
    ("chunk", lambda x: ops.stack(x.chunk(2, -1)), lambda a: np.stack(np.split(a, 2, -1))),
    ("pad", lambda x: ops.pad(x, (1, 2, 0, 1), 0.5),
     lambda a: np.pad(a, [(0, 0), (0, 1), (1, 2)], constant_values=0.5)),
    ("pad-reflect", lambda x: ops.pad(x, (3, 1, 2, 0), mode="reflect"),
     lambda a: np.pad(a, [(0, 0), (2, 0), (3, 1)], mode="reflect")),
    ("pad-replicate", lambda x: ops.pad(x, (0, 5, 1, 1), mode="replicate"),
     lambda a: np.pad(a, [(0, 0), (1, 1), (0, 5)], mode="edge")),
    ("pad-circular", lambda x: ops.pad(x, (4, 4), mode="circular"),
     lambda a: np.pad(a, [(0, 0), (0, 0), (4, 4)], mode="wrap")),
    ("flip", lambda x: x.flip((0, 2)), lambda a: a[::-1, :, ::-1]),
    ("tile", lambda x: ops.tile(x, (2, 1, 1, 2)), lambda a: np.tile(a, (2, 1, 1, 2))),
    ("repeat", lambda x: x.repeat(1, 2, 3), lambda a: np.tile(a, (1, 2, 3))),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,ours,ref", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, ours, ref, dtype):
    a = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(dtype)
    y, expected = ours(ag.tensor(a)), ref(a)
    assert y.dtype == dtype and y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)


def test_split_and_chunk_pieces():
    x = ag.tensor(np.arange(10.0))
    assert [p.shape for p in x.split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in x.chunk(4)] == [(3,), (3,), (3,), (1,)]
    assert [p.shape for p in ops.chunk(ag.tensor(np.ones(6)), 4)] == [(2,), (2,), (2,)]
    assert [p.tolist() for p in x.split([2, 0, 8])][:2] == [[0, 1], []]
    assert [p.shape for p in ops.split(ag.tensor(np.ones((0, 2))), 3)] == [(0, 2)]
    assert [p.shape for p in ops.chunk(ag.tensor(np.ones((2, 0))), 3, 1)] == [(2, 0)] * 3


def test_gradient_of_a_view_op_has_the_input_dtype_and_shape():
    x = ag.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    ops.cat([x.T.reshape(-1), ops.pad(x, (1, 1)).flatten(), ops.tile(x, (2, 2)).flatten()]).sum() \
        .backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 6.0))


@pytest.mark.parametrize("call,exc,message", [
    (lambda x: x.reshape(4), ValueError,
     r"reshape: shape \(4,\) is invalid for input of shape \(2, 3\) \(size 6\)"),
    (lambda x: x.view(4, -1), ValueError, r"reshape: shape \(4, -1\) is invalid for input"),
    (lambda x: x.permute(0, 0), ValueError,
     r"permute: dims \(0, 0\) are not a permutation of the 2 dims of input shape \(2, 3\)"),
    (lambda x: x.permute(0), ValueError, r"permute: dims \(0,\) are not a permutation"),
    (lambda x: x.transpose(0, 2), IndexError,
     r"transpose: dimension 2 out of range for a tensor of 2 dims"),
    (lambda x: x.broadcast_to((3, 3)), ValueError,
     r"broadcast_to: cannot broadcast shape \(2, 3\) to \(3, 3\)"),
    (lambda x: x.expand(-1, 2, 3), ValueError, r"expand: sizes \(-1, 2, 3\) do not fit"),
    (lambda x: x.expand(3), ValueError, r"expand: sizes \(3,\) do not fit a tensor of shape"),
    (lambda x: x.squeeze(2), IndexError, r"squeeze: dimension 2 out of range"),
    (lambda x: x.unsqueeze(3), IndexError, r"unsqueeze: dimension 3 out of range"),
    (lambda x: x.flatten(1, 0), ValueError, r"flatten: start_dim 1 comes after end_dim 0"),
    (lambda x: ops.cat([x, x.T]), ValueError,
     r"cat: tensors must have the same shape except in dimension 0, got shapes "
     r"\[\(2, 3\), \(3, 2\)\]"),
    (lambda x: ops.cat([x, x], 2), IndexError,
     r"cat: dimension 2 out of range for a tensor of 2 dims"),
    (lambda x: ops.cat([]), ValueError, r"cat: expected a non-empty sequence"),
    (lambda x: ops.stack([x, x.T]), ValueError,
     r"stack: expects tensors of equal shape, got shapes \[\(2, 3\), \(3, 2\)\]"),
    (lambda x: x.split([1, 1], 1), ValueError,
     r"split: sections \[1, 1\] must be non-negative and add up to 3, the length of dimension "
     r"1 of shape \(2, 3\)"),
    (lambda x: x.split([4, -1], 1), ValueError, r"split: sections \[4, -1\] must be"),
    (lambda x: x.split(0), ValueError, r"split: split_size must be positive, got 0"),
    (lambda x: x.split(1, -3), IndexError, r"split: dimension -3 out of range"),
    (lambda x: x.chunk(0), ValueError, r"chunk: chunks must be positive, got 0"),
    (lambda x: x.chunk(2, 2), IndexError, r"chunk: dimension 2 out of range"),
    (lambda x: ops.pad(x, (1,)), ValueError, r"pad: padding \(1,\) must be non-negative"),
    (lambda x: ops.pad(x, (1, 1, 1, 1, 1, 1)), ValueError, r"pad: .*input shape \(2, 3\)"),
    (lambda x: ops.pad(x, (1, 1), mode="mirror"), ValueError,
     r"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got 'mirror'"),
    (lambda x: ops.pad(x, (3, 0), mode="reflect"), ValueError,
     r"pad: reflect padding \(3, 0\) of dim 1 must be less than its size 3 "
     r"\(input shape \(2, 3\)\)"),
    (lambda x: ops.pad(x, (0, 4), mode="circular"), ValueError,
     r"pad: circular padding \(0, 4\) of dim 1 wraps around its size 3 more than once"),
    (lambda x: ops.pad(x.reshape(-1), (1, 1), mode="replicate"), NotImplementedError,
     r"pad: mode 'replicate' pads the last 1, 2 or 3 dims of an input with 1 or 2 dims before "
     r"them; got padding \(1, 1\) for input shape \(6,\)"),
    (lambda x: ops.pad(x, (1, 1, 1, 1), mode="reflect"), NotImplementedError,
     r"pad: mode 'reflect' pads the last 1, 2 or 3 dims"),
    (lambda x: ops.pad(x[:, :0], (1, 1), mode="replicate"), ValueError,
     r"pad: replicate padding \(1, 1\) of dim 1 needs a non-empty dim"),
    (lambda x: F.pad(x, (1, 1), "reflect", 2.0), ValueError,
     r"pad: mode 'reflect' takes no value, got value=2.0"),
    (lambda x: x.flip(2), IndexError, r"flip: dimension 2 out of range"),
    (lambda x: x.repeat(2), ValueError, r"repeat: 1 repeat sizes given for a tensor of 2 dims"),
])
def test_bad_input(call, exc, message):
    with pytest.raises(exc, match="^" + message):
        call(ag.tensor(np.ones((2, 3)), requires_grad=True))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 5), (2, 3)), ((2, 3, 6), (1, 4)),
                                       ((3, 4, 5), (2, 1, 3, 0)), ((1, 2, 4, 5), (0, 4, 3, 1)),
                                       ((2, 3, 4, 5), (1, 2, 0, 3, 2, 1)),
                                       ((1, 2, 3, 4, 5), (4, 0, 3, 3, 2, 1))])
def test_pad_matches_torch(mode, shape, pad):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal(shape)
    torch_parity(lambda x: F.pad(x, pad, mode), lambda x: torch.nn.functional.pad(x, pad, mode),
                 a)


@pytest.mark.parametrize("n,size,dim", [(7, 3, 0), (6, [1, 4, 1], 0), (5, 2, -1), (4, [4], 1)])
def test_split_matches_torch(n, size, dim):
    a = np.random.default_rng(0).standard_normal((n, n))
    torch_parity(lambda x: x.split(size, dim), lambda x: x.split(size, dim), a)


@pytest.mark.parametrize("n,chunks,dim", [(5, 3, 0), (6, 4, 1), (2, 5, -1), (7, 7, 0)])
def test_chunk_matches_torch(n, chunks, dim):
    a = np.random.default_rng(0).standard_normal((n, n))
    torch_parity(lambda x: x.chunk(chunks, dim), lambda x: x.chunk(chunks, dim), a)
