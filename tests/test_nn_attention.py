"""Attention against PyTorch: F.scaled_dot_product_attention (masks, causal, scale) and
nn.MultiheadAttention built in both, PyTorch's state dict loaded into ours, then outputs,
attention weights, and input and parameter gradients compared in float64; plus gradchecks,
dropout in training only, and bad-input errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from gradrows import backward_both

L, S, N, E, HEADS = 4, 5, 3, 8, 2


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def both(torch, arrays):
    return ([ag.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def close(ours, theirs, what=""):
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-9, atol=1e-12,
                               err_msg=what)


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"attn_mask": "bool"},
                                {"attn_mask": "float"}, {"scale": 0.3}])
def test_scaled_dot_product_attention_matches_pytorch(torch, kw):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [(2, 3, L, 6), (2, 3, S, 6), (2, 3, S, 7)]]
    if kw.get("attn_mask") == "bool":
        mask = rng.random((L, S)) > 0.3
        mask[:, 0] = True                           # every query attends somewhere
        kw = {"attn_mask": mask}
    elif kw.get("attn_mask") == "float":
        kw = {"attn_mask": rng.standard_normal((L, S))}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    xs, ts = both(torch, arrays)
    y = F.scaled_dot_product_attention(*xs, **kw)
    yt = torch.nn.functional.scaled_dot_product_attention(*ts, **tkw)
    close(y, yt)
    backward_both(torch, [y], [yt], np.random.default_rng(0))
    for x, t in zip(xs, ts):
        close(x.grad, t.grad)


CONFIGS = {
    "default": (dict(), dict()),
    "batch_first-kdim-vdim-nobias": (dict(batch_first=True, kdim=5, vdim=6, bias=False), dict()),
    "masks-per-head-weights": (dict(), dict(average_attn_weights=False, masks=True)),
    "bool-masks-batch_first": (dict(batch_first=True), dict(masks="bool")),
    "no-weights-3d-mask": (dict(), dict(need_weights=False, masks="3d")),
    "unbatched": (dict(kdim=5), dict(unbatched=True, masks=True)),
}


def _inputs(rng, config):
    kw, fkw = config
    fkw = dict(fkw)
    shape = lambda t, e: (t, e) if fkw.get("unbatched") else (  # noqa: E731
        (N, t, e) if kw.get("batch_first") else (t, N, e))
    arrays = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kw.get("kdim", E))),
              rng.standard_normal(shape(S, kw.get("vdim", E)))]
    masks = fkw.pop("masks", None)
    fkw.pop("unbatched", None)
    padding = rng.random((S,) if len(arrays[0].shape) == 2 else (N, S)) > 0.7
    padding[..., 0] = False
    if masks == "bool":
        attn = rng.random((L, S)) > 0.8
        attn[:, 1] = False
        fkw.update(key_padding_mask=padding, attn_mask=attn)
    elif masks == "3d":
        fkw.update(attn_mask=rng.standard_normal((N * HEADS, L, S)))
    elif masks:
        fkw.update(key_padding_mask=np.where(padding, -np.inf, 0.0),
                   attn_mask=rng.standard_normal((L, S)))
    return kw, arrays, fkw


@pytest.mark.parametrize("name", CONFIGS)
def test_multihead_attention_matches_pytorch(torch, name):
    kw, arrays, fkw = _inputs(np.random.default_rng(1), CONFIGS[name])
    theirs = torch.nn.MultiheadAttention(E, HEADS, dropout=0.5, **kw).double().eval()
    ours = nn.MultiheadAttention(E, HEADS, dropout=0.5, **kw).double().eval()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state, strict=True)
    assert repr(ours) == repr(theirs)
    xs, ts = both(torch, arrays)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in fkw.items()}
    (y, w), (yt, wt) = ours(*xs, **fkw), theirs(*ts, **tkw)
    close(y, yt, "output")
    assert (w is None) == (wt is None)
    outs, touts = [y] + ([w] if w is not None else []), [yt] + ([wt] if wt is not None else [])
    if w is not None:
        close(w, wt, "weights")
    backward_both(torch, outs, touts, np.random.default_rng(0))
    for i, (x, t) in enumerate(zip(xs, ts)):
        close(x.grad, t.grad, f"input {i}")
    for (k, p), (k2, q) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert k == k2
        close(q.grad, p.grad, k)


def test_gradcheck_through_multihead_attention():
    m = nn.MultiheadAttention(4, 2, kdim=3).double()
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 3)), \
        rng.standard_normal((5, 2, 4))
    ag.gradcheck(lambda *xs: m(*xs)[0], q, k, v)
    ag.gradgradcheck(lambda *xs: m(*xs)[0], q, k, v)


def test_dropout_on_the_weights_in_training_only():
    m = nn.MultiheadAttention(E, HEADS, dropout=0.5).double()
    x = ag.tensor(np.random.default_rng(3).standard_normal((L, N, E)))
    _, w_train = m(x, x, x, average_attn_weights=False)
    assert (w_train.data == 0).any()                # dropped, the rest scaled by 2
    m.eval()
    _, w_eval = m(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(w_eval.data.sum(-1), 1)


@pytest.mark.parametrize("call,message", [
    (lambda: nn.MultiheadAttention(10, 3),
     "MultiheadAttention: embed_dim 10 must be divisible by num_heads 3"),
    (lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True),
     "MultiheadAttention: add_bias_kv and add_zero_attn"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.zeros((4, 3, 6))] * 3),
     r"MultiheadAttention: expected query \(L, N, 8\), key \(S, N, 8\) and value \(S, N, 8\), "
     r"got shapes \(4, 3, 6\)"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.zeros((4, 3, 8))] * 3,
                                         attn_mask=np.zeros((4, 5))),
     r"MultiheadAttention: attn_mask of shape \(4, 5\) must be \(4, 4\) or \(6, 4, 4\)"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.zeros((4, 3, 8))] * 3,
                                         key_padding_mask=np.zeros((4, 3), bool)),
     r"MultiheadAttention: key_padding_mask of shape \(4, 3\) must be \(3, 4\)"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.zeros((4, 3, 8))] * 3, is_causal=True),
     "MultiheadAttention: need attn_mask if specifying the is_causal hint"),
    (lambda: F.scaled_dot_product_attention(np.zeros((2, 3)), np.zeros((4, 5)), np.zeros((4, 5))),
     r"scaled_dot_product_attention: expected query \(\.\.\., L, E\)"),
    (lambda: F.scaled_dot_product_attention(*[np.zeros((2, 3))] * 3, attn_mask=np.ones((2, 2)),
                                            is_causal=True),
     "scaled_dot_product_attention: pass attn_mask or is_causal, not both"),
])
def test_bad_input_names_the_layer_and_shapes(call, message):
    with pytest.raises(ValueError, match="^" + message):
        call()
