"""nn.utils.rnn: packing, padding and unpacking against PyTorch (values, batch sizes, orders
and gradients through them), and errors for bad lengths. RNN layers on packed input:
test_nn_rnn.py."""
import numpy as np
import pytest

import autograd as ag
from nn.utils import rnn as R

X = np.random.default_rng(0).standard_normal((5, 4, 3))          # (T, B, F)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def both(torch, a):
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def check_grads(torch, ours, theirs, xm, xt):
    """A random weighting of both outputs backpropagates to the same input gradient."""
    u = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * ag.tensor(u)).sum().backward()
    (theirs * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(xm.grad.data, xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("lengths,enforce_sorted,batch_first", [
    ([5, 4, 2, 1], True, False), ([3, 5, 1, 4], False, False), ([5, 5, 3, 3], False, True)])
def test_pack_padded_sequence_matches_pytorch(torch, lengths, enforce_sorted, batch_first):
    tr = torch.nn.utils.rnn
    x = X.transpose(1, 0, 2) if batch_first else X
    xm, xt = both(torch, x)
    pm = R.pack_padded_sequence(xm, lengths, batch_first, enforce_sorted)
    pt = tr.pack_padded_sequence(xt, torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(pm.data.data, pt.data.detach().numpy())
    np.testing.assert_array_equal(pm.batch_sizes, pt.batch_sizes.numpy())
    for ours, theirs in ((pm.sorted_indices, pt.sorted_indices),
                         (pm.unsorted_indices, pt.unsorted_indices)):
        assert (ours is None and theirs is None) or ours.tolist() == theirs.tolist()
    check_grads(torch, pm.data, pt.data, xm, xt)


@pytest.mark.parametrize("padding_value,total_length,batch_first", [
    (0.0, None, False), (-1.5, 7, True)])
def test_pad_packed_sequence_matches_pytorch(torch, padding_value, total_length, batch_first):
    tr = torch.nn.utils.rnn
    lengths = [2, 5, 1, 3]
    xm, xt = both(torch, X)
    pm = R.pack_padded_sequence(xm, lengths, enforce_sorted=False)
    pt = tr.pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
    (ym, lm), (yt, lt) = (R.pad_packed_sequence(pm, batch_first, padding_value, total_length),
                          tr.pad_packed_sequence(pt, batch_first, padding_value, total_length))
    np.testing.assert_array_equal(ym.data, yt.detach().numpy())
    np.testing.assert_array_equal(lm, lt.numpy())
    check_grads(torch, ym, yt, xm, xt)


@pytest.mark.parametrize("batch_first,padding_side", [(False, "right"), (True, "left")])
def test_pad_sequence_pack_sequence_and_back(torch, batch_first, padding_side):
    tr = torch.nn.utils.rnn
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 3)]
    pairs = [both(torch, a) for a in arrays]
    ym = R.pad_sequence([m for m, _ in pairs], batch_first, 9.0, padding_side)
    yt = tr.pad_sequence([t for _, t in pairs], batch_first, 9.0, padding_side)
    np.testing.assert_array_equal(ym.data, yt.detach().numpy())
    packed = R.pack_sequence([m for m, _ in pairs], enforce_sorted=False)
    np.testing.assert_array_equal(
        packed.data.data, tr.pack_sequence([t for _, t in pairs], enforce_sorted=False)
        .data.detach().numpy())
    for got, a in zip(R.unpack_sequence(packed), arrays):
        np.testing.assert_array_equal(got.data, a)
    padded, lengths = R.pad_packed_sequence(packed, batch_first=True)
    for got, a in zip(R.unpad_sequence(padded, lengths, batch_first=True), arrays):
        np.testing.assert_array_equal(got.data, a)


@pytest.mark.parametrize("call,message", [
    (lambda: R.pack_padded_sequence(X, [5, 4, 2]),
     r"pack_padded_sequence: expected 4 integer lengths \(one per sequence\), got int64 "
     r"lengths of shape \(3,\)"),
    (lambda: R.pack_padded_sequence(X, [5, 4, 0, 1]),
     r"pack_padded_sequence: every length must be positive, got \[5, 4, 0, 1\]"),
    (lambda: R.pack_padded_sequence(X, [6, 4, 2, 1]),
     r"pack_padded_sequence: lengths \[6, 4, 2, 1\] exceed the 5 time steps of input "
     r"\(5, 4, 3\)"),
    (lambda: R.pack_padded_sequence(X, [2, 4, 2, 1]),
     r"pack_padded_sequence: lengths \[2, 4, 2, 1\] must be sorted in decreasing order when "
     r"enforce_sorted is True; pass enforce_sorted=False"),
    (lambda: R.pack_padded_sequence(X, [5.0, 4.0, 2.0, 1.0]),
     r"pack_padded_sequence: expected 4 integer lengths"),
    (lambda: R.pad_packed_sequence(R.pack_padded_sequence(X, [5, 4, 2, 1]), total_length=3),
     r"pad_packed_sequence: total_length 3 is shorter than the longest sequence \(5 steps\)"),
    (lambda: R.pad_sequence([X[0]], padding_side="middle"),
     r"pad_sequence: padding_side must be 'right' or 'left', got 'middle'"),
    (lambda: R.pad_sequence([]), r"pad_sequence: expected a non-empty list of sequences"),
])
def test_bad_lengths_and_options_name_the_function(call, message):
    with pytest.raises(ValueError, match="^" + message):
        call()
