"""RNN, LSTM, GRU and their cells: PyTorch parity (outputs, final states, input, state and
parameter gradients in float64), parameter names, gradchecks, dropout between layers, and
errors for bad inputs and states."""
import itertools

import numpy as np
import pytest

import autograd as ag
import nn
from gradrows import backward_both

torch = pytest.importorskip("torch")

LAYERS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM),
          "GRU": (nn.GRU, torch.nn.GRU)}
CELLS = {"RNNCell": (nn.RNNCell, torch.nn.RNNCell), "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (nn.GRUCell, torch.nn.GRUCell)}
T, B, IN, H = 4, 3, 5, 6


def copied(ours_cls, theirs_cls, *args, **kwargs):
    theirs = theirs_cls(*args, **kwargs).double()
    ours = ours_cls(*args, **kwargs).double()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state, strict=True)
    assert repr(ours) == repr(theirs)
    return ours, theirs


def pair(a, grad=True):
    return ag.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def close(ours, theirs, what):
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-7, atol=1e-10,
                               err_msg=what)


def flat(out):
    """(output, h) or (output, (h, c)) as a list of tensors."""
    o, h = out
    return [o, *h] if isinstance(h, tuple) else [o, h]


def compare_backward(outs_m, outs_t, leaves, ours, theirs, rng):
    backward_both(torch, outs_m, outs_t, rng)
    for i, (m, t) in enumerate(leaves):
        close(m.grad, t.grad, f"gradient of input {i}")
    for (name, p), (name2, q) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert name == name2
        close(q.grad, p.grad, name)


@pytest.mark.parametrize("kind,layers,bidirectional,batch_first,bias,initial", [
    (k, layers, bi, bf, bias, init) for k in LAYERS
    for layers, bi, bf, bias, init in [(1, False, False, True, False), (2, True, True, True, True),
                                        (3, True, False, False, True), (2, False, True, True,
                                                                        False)]])
def test_layer_matches_pytorch(kind, layers, bidirectional, batch_first, bias, initial):
    ours, theirs = copied(*LAYERS[kind], IN, H, num_layers=layers, bias=bias,
                          batch_first=batch_first, bidirectional=bidirectional)
    rng = np.random.default_rng(0)
    xm, xt = pair(rng.standard_normal((B, T, IN) if batch_first else (T, B, IN)))
    leaves = [(xm, xt)]
    args_m, args_t = (), ()
    if initial:
        shape = (layers * (2 if bidirectional else 1), B, H)
        states = [pair(rng.standard_normal(shape)) for _ in range(2 if kind == "LSTM" else 1)]
        leaves += states
        if kind == "LSTM":
            args_m, args_t = ((states[0][0], states[1][0]),), ((states[0][1], states[1][1]),)
        else:
            args_m, args_t = (states[0][0],), (states[0][1],)
    outs_m, outs_t = flat(ours(xm, *args_m)), flat(theirs(xt, *args_t))
    for i, (m, t) in enumerate(zip(outs_m, outs_t)):
        close(m, t, f"output {i}")
    compare_backward(outs_m, outs_t, leaves, ours, theirs, rng)


@pytest.mark.parametrize("kind,layers,bidirectional,batch_first,initial,lengths", [
    ("RNN", 1, False, False, False, [4, 2, 1]), ("LSTM", 2, True, True, True, [2, 4, 1]),
    ("GRU", 2, True, False, True, [3, 1, 4]), ("LSTM", 1, False, False, True, [4, 4, 4])])
def test_packed_sequences_match_pytorch(kind, layers, bidirectional, batch_first, initial,
                                        lengths):
    """pack_padded_sequence (sorted or not) -> layer -> pad_packed_sequence: outputs, final
    states and every gradient as PyTorch's; padding gets no gradient."""
    ours, theirs = copied(*LAYERS[kind], IN, H, num_layers=layers, batch_first=batch_first,
                          bidirectional=bidirectional)
    rng = np.random.default_rng(2)
    xm, xt = pair(rng.standard_normal((B, T, IN) if batch_first else (T, B, IN)))
    leaves, args_m, args_t = [(xm, xt)], (), ()
    if initial:
        shape = (layers * (2 if bidirectional else 1), B, H)
        states = [pair(rng.standard_normal(shape)) for _ in range(2 if kind == "LSTM" else 1)]
        leaves += states
        args_m = ((states[0][0], states[1][0]),) if kind == "LSTM" else (states[0][0],)
        args_t = ((states[0][1], states[1][1]),) if kind == "LSTM" else (states[0][1],)
    packed_m = nn.utils.rnn.pack_padded_sequence(xm, lengths, batch_first, enforce_sorted=False)
    packed_t = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first,
                                                       enforce_sorted=False)
    (ym, hm), (yt, ht) = ours(packed_m, *args_m), theirs(packed_t, *args_t)
    assert isinstance(ym, nn.utils.rnn.PackedSequence)
    np.testing.assert_array_equal(ym.batch_sizes, yt.batch_sizes.numpy())
    outs_m = [nn.utils.rnn.pad_packed_sequence(ym, batch_first)[0]] + flat((None, hm))[1:]
    outs_t = [torch.nn.utils.rnn.pad_packed_sequence(yt, batch_first)[0]] + flat((None, ht))[1:]
    for i, (m, t) in enumerate(zip(outs_m, outs_t)):
        close(m, t, f"packed output {i}")
    compare_backward(outs_m, outs_t, leaves, ours, theirs, rng)
    for i, n in enumerate(lengths):
        assert not (xm.grad.data[i, n:] if batch_first else xm.grad.data[n:, i]).any()


@pytest.mark.parametrize("kind", LAYERS)
def test_unbatched_input_and_one_hot_data_input(kind):
    ours, theirs = copied(*LAYERS[kind], IN, H, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((T, IN))
    xm, xt = pair(x)
    outs_m, outs_t = flat(ours(xm)), flat(theirs(xt))
    for m, t in zip(outs_m, outs_t):
        assert m.shape == tuple(t.shape)
        close(m, t, "unbatched")
    compare_backward(outs_m, outs_t, [(xm, xt)], ours, theirs, rng)
    onehot = np.eye(IN)[rng.integers(0, IN, (T, B))]           # data: no input gradient
    for m, t in zip(flat(ours(ag.tensor(onehot))), flat(theirs(torch.tensor(onehot)))):
        close(m, t, "one-hot")


@pytest.mark.parametrize("kind", CELLS)
def test_cell_matches_pytorch(kind):
    for bias, batched in itertools.product((True, False), (True, False)):
        ours, theirs = copied(*CELLS[kind], IN, H, bias=bias)
        rng = np.random.default_rng(2)
        lead = (B,) if batched else ()
        xm, xt = pair(rng.standard_normal(lead + (IN,)))
        states = [pair(rng.standard_normal(lead + (H,)))
                  for _ in range(2 if kind == "LSTMCell" else 1)]
        hx_m = tuple(s[0] for s in states) if kind == "LSTMCell" else states[0][0]
        hx_t = tuple(s[1] for s in states) if kind == "LSTMCell" else states[0][1]
        out_m, out_t = ours(xm, hx_m), theirs(xt, hx_t)
        outs_m = list(out_m) if isinstance(out_m, tuple) else [out_m]
        outs_t = list(out_t) if isinstance(out_t, tuple) else [out_t]
        for m, t in zip(outs_m, outs_t):
            close(m, t, f"{kind} bias={bias} batched={batched}")
        compare_backward(outs_m, outs_t, [(xm, xt)] + states, ours, theirs, rng)
        default = ours(xm)
        assert (default[0] if isinstance(default, tuple) else default).shape == lead + (H,)


def test_relu_rnn_and_cell_nonlinearity():
    ours, theirs = copied(nn.RNN, torch.nn.RNN, IN, H, num_layers=2, nonlinearity="relu")
    x = np.random.default_rng(3).standard_normal((T, B, IN))
    for m, t in zip(flat(ours(ag.tensor(x))), flat(theirs(torch.tensor(x)))):
        close(m, t, "relu")
    assert repr(nn.RNNCell(2, 3, nonlinearity="relu")) == "RNNCell(2, 3, nonlinearity=relu)"
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(2, 3, nonlinearity="gelu")


@pytest.mark.parametrize("kind", LAYERS)
def test_gradcheck_through_layer(kind):
    """Finite differences through a 2-layer bidirectional layer, in the input and h_0."""
    layer = LAYERS[kind][0](3, 2, num_layers=2, bidirectional=True, batch_first=True).double()
    rng = np.random.default_rng(4)
    x, h0 = rng.standard_normal((2, 3, 3)), rng.standard_normal((4, 2, 2))

    def f(x, h0):
        out, h = layer(x, (h0, h0 * 0.5) if kind == "LSTM" else h0)
        return out, (h[1] if kind == "LSTM" else h)
    ag.gradcheck(f, x, h0)


def test_gradgradcheck_through_lstm_cell():
    cell = nn.LSTMCell(2, 3).double()
    rng = np.random.default_rng(5)
    ag.gradgradcheck(lambda x, h: cell(x, (h, h))[1], rng.standard_normal((2, 2)),
                     rng.standard_normal((2, 3)))


def test_parameter_names_and_shapes_follow_pytorch():
    m = nn.LSTM(4, 3, num_layers=2, bidirectional=True, bias=False)
    assert [(n, p.shape) for n, p in m.named_parameters()] == [
        ("weight_ih_l0", (12, 4)), ("weight_hh_l0", (12, 3)),
        ("weight_ih_l0_reverse", (12, 4)), ("weight_hh_l0_reverse", (12, 3)),
        ("weight_ih_l1", (12, 6)), ("weight_hh_l1", (12, 3)),
        ("weight_ih_l1_reverse", (12, 6)), ("weight_hh_l1_reverse", (12, 3))]
    assert list(nn.GRU(2, 5).state_dict()) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                               "bias_hh_l0"]
    assert nn.GRU(2, 5).weight_ih_l0.shape == (15, 2)


def test_dropout_between_layers_in_training_only():
    nn.functional.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5).double()
    x = ag.tensor(np.random.default_rng(6).standard_normal((5, 2, 3)))
    a, b = m(x)[0].data, m(x)[0].data
    assert not np.allclose(a, b)                        # different masks each call
    m.eval()
    np.testing.assert_array_equal(m(x)[0].data, m(x)[0].data)
    single = nn.GRU(3, 4, dropout=0.5)                  # one layer: nothing to drop between
    single.train()
    np.testing.assert_array_equal(single(x.float())[0].data, single(x.float())[0].data)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=2)


def test_lstm_refuses_proj_size():
    with pytest.raises(ValueError, match=r"^LSTM: proj_size \(got 2\) is not supported"):
        nn.LSTM(3, 4, proj_size=2)
    assert nn.LSTM(3, 4, proj_size=0).hidden_size == 4


def test_bad_inputs_and_states_name_the_module_and_shapes():
    model = nn.Sequential(nn.Linear(2, 5), nn.LSTM(5, 4, num_layers=2))
    with pytest.raises(ValueError, match=r"^1 \(LSTM\): expected a 2-D \(unbatched\) or 3-D "
                                         r"input, got shape \(1, 2, 3, 5\)"):
        model(ag.tensor(np.ones((1, 2, 3, 2))))
    lstm = nn.LSTM(5, 4, num_layers=2)
    x = ag.tensor(np.ones((3, 2, 5), np.float32))
    with pytest.raises(ValueError, match=r"^LSTM: expected input with 5 features \(dim -1\), "
                                         r"got shape \(3, 2, 4\)"):
        lstm(ag.tensor(np.ones((3, 2, 4), np.float32)))
    h = np.zeros((2, 2, 4), np.float32)
    with pytest.raises(ValueError, match=r"expected hidden state c_0 of shape \(2, 2, 4\), "
                                         r"got \(1, 2, 4\)"):
        lstm(x, (h, h[:1]))
    with pytest.raises(ValueError, match=r"expected hx = \(h_0, c_0\)"):
        lstm(x, (h,))
    with pytest.raises(ValueError, match=r"^GRU: expected hidden state h_0 of shape "
                                         r"\(1, 2, 3\), got \(1, 3, 3\)"):
        nn.GRU(5, 3)(x, np.zeros((1, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"^GRUCell: expected hidden state of shape \(2, 3\)"):
        nn.GRUCell(5, 3)(x[0], np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected input of shape \(B, 5\) or \(5,\), got "
                                         r"\(2, 4\)"):
        nn.RNNCell(5, 3)(np.zeros((2, 4), np.float32))
