"""Transformer layers and stacks against PyTorch: built in both, PyTorch's state dict loaded
into ours, then reprs, outputs and every input and parameter gradient compared in float64
(dropout 0 in training mode, or eval); the square subsequent mask; a bad activation."""
import numpy as np
import pytest

import autograd as ag
import nn
from gradrows import backward_both

D, HEADS, FF, S, T, N = 8, 2, 12, 5, 4, 3


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def built(torch, build):
    theirs, ours = build(torch.nn).double(), build(nn).double()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state, strict=True)
    assert repr(ours) == repr(theirs)
    return ours, theirs


def compare(torch, ours, theirs, arrays, **masks):
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tmasks = {k: torch.tensor(v) for k, v in masks.items()}
    y, yt = ours(*xs, **masks), theirs(*ts, **tmasks)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    backward_both(torch, [y], [yt], np.random.default_rng(5))
    for i, (x, t) in enumerate(zip(xs, ts)):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-8, atol=1e-11,
                                   err_msg=f"input {i}")
    for (k, p), (k2, q) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert k == k2
        np.testing.assert_allclose(q.grad.data, p.grad.numpy(), rtol=1e-8, atol=1e-11,
                                   err_msg=k)


def padding(rng, batch, length):
    mask = rng.random((batch, length)) > 0.7
    mask[:, 0] = False
    return mask


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu"),
                                dict(batch_first=True, bias=False)])
def test_encoder_layer_and_stack_match_pytorch(torch, kw):
    rng = np.random.default_rng(0)
    layer = lambda m: m.TransformerEncoderLayer(D, HEADS, FF, 0.0, **kw)  # noqa: E731
    shape = (N, S, D) if kw.get("batch_first") else (S, N, D)
    x = rng.standard_normal(shape)
    compare(torch, *built(torch, layer), [x], src_key_padding_mask=padding(rng, N, S))
    stack = lambda m: m.TransformerEncoder(layer(m), 2, m.LayerNorm(D),  # noqa: E731
                                           enable_nested_tensor=False)
    compare(torch, *built(torch, stack), [x],
            mask=nn.Transformer.generate_square_subsequent_mask(S, np.float64))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")    # PyTorch's fast path
@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, batch_first=True)])
def test_decoder_and_transformer_match_pytorch(torch, kw):
    rng = np.random.default_rng(1)
    bf = kw.get("batch_first")
    src = rng.standard_normal((N, S, D) if bf else (S, N, D))
    tgt = rng.standard_normal((N, T, D) if bf else (T, N, D))
    causal = nn.Transformer.generate_square_subsequent_mask(T, np.float64)
    layer = lambda m: m.TransformerDecoderLayer(D, HEADS, FF, 0.0, **kw)  # noqa: E731
    compare(torch, *built(torch, layer), [tgt, src], tgt_mask=causal,
            memory_key_padding_mask=padding(rng, N, S))
    full = lambda m: m.Transformer(D, HEADS, 2, 1, FF, 0.1, **kw)  # noqa: E731
    ours, theirs = built(torch, full)
    ours.eval(), theirs.eval()
    compare(torch, ours, theirs, [src, tgt], tgt_mask=causal,
            src_key_padding_mask=padding(rng, N, S))


def test_square_subsequent_mask_and_bad_activation():
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(3),
                                  [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    with pytest.raises(ValueError, match="^TransformerEncoderLayer: activation should be "
                                         "relu/gelu, not 'tanh'"):
        nn.TransformerEncoderLayer(D, HEADS, activation="tanh")


def test_gradcheck_and_gradgradcheck_through_an_encoder_layer():
    layer = nn.TransformerEncoderLayer(4, 2, 6, 0.0, activation="gelu").double()
    x = np.random.default_rng(2).standard_normal((3, 2, 4))
    ag.gradcheck(layer, x)
    ag.gradgradcheck(layer, x)
