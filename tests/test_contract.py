"""The op contract (autograd.extend): what a node saves, how VJPs learn that the backward pass
is recorded, settings that cannot be forgotten, and backward pruned to the requested inputs.
Each defect the contract fixed has its regression test here."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import ops
from autograd import extend


def _torch():
    return pytest.importorskip("torch")


# ---- the declaration of primitives ----------------------------------------------------------

def test_inputs_with_defaults_are_refused_at_definition():
    with pytest.raises(TypeError, match=r"primitive scaled: inputs \['k'\] have defaults"):
        @extend.primitive(save=())
        def scaled(x, k=2.0):
            return x * k, (lambda g, y, x: g * k,)


def test_save_must_name_inputs_or_y():
    with pytest.raises(TypeError, match=r"primitive f: save=\('z',\) must be a tuple of names"):
        @extend.primitive(save=("z",))
        def f(x):
            return x, (lambda g, y, x: g,)
    with pytest.raises(TypeError, match="save="):
        @extend.primitive(save="y")
        def h(x):
            return x, (lambda g, y, x: g,)


def test_static_names_must_exist_and_follow_the_inputs():
    with pytest.raises(TypeError, match="names \\['k'\\], which are not positional"):
        @extend.primitive(save=(), static=("k",))
        def f(x):
            return x, (lambda g, y, x: g,)
    with pytest.raises(TypeError, match="must follow the inputs"):
        @extend.primitive(save=(), static=("k",))
        def h(k, x):
            return x, (lambda g, y, k, x: g,)


def test_unsaved_values_are_freed_with_their_tensors():
    import weakref
    x = ag.tensor(np.full(4, 0.5), requires_grad=True)
    y = x
    refs = []
    for _ in range(5):
        a = y - 1                                       # sub saves nothing
        refs.append(weakref.ref(a.data))
        y = ops.exp(a)                                  # exp saves its output only
    del a
    assert all(r() is None for r in refs)
    y.sum().backward()
    want, v = np.ones(4), np.full(4, 0.5)
    for _ in range(5):                                  # d/dx of exp(y - 1), five times over
        v = np.exp(v - 1)
        want = want * v
    np.testing.assert_allclose(x.grad.data, want)


def test_inplace_change_of_an_unsaved_input_is_allowed_as_in_pytorch():
    x = ag.tensor(np.ones(3), requires_grad=True)
    a = x * 1
    b = a + 2                                           # add does not save a
    a.add_(5)
    b.sum().backward()
    np.testing.assert_allclose(x.grad.data, 1)
    c = (x * 1).exp()
    d = c.sum()                                         # sum saves nothing
    with ag.no_grad():
        c.add_(1)                                       # exp saved c: modified
    with pytest.raises(RuntimeError, match="exp: one of the values saved for its backward"):
        d.backward()


# ---- the engine tells a VJP that the backward pass is recorded --------------------------------

def test_recording_is_true_only_inside_a_recorded_backward():
    seen = []

    @extend.primitive(save=())
    def spy(x):
        def vjp(g, y, x):
            seen.append((extend.recording(), extend.is_tensor(g)))
            return g
        return x + 0, (vjp,)
    del ag.PRIMITIVES["spy"]
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert not extend.recording()
    spy(x).sum().backward()
    ag.grad(spy(x).sum(), x, create_graph=True)
    ag.grad(spy(x).sum(), x, np.ones(()), create_graph=True)     # an ndarray root gradient
    assert seen == [(False, False), (True, True), (True, True)]
    assert not extend.recording()


def _second_order_rnn(torch, kind, layers, bidirectional, packed):
    rng = np.random.default_rng(0)
    T, B, IN, H = 4, 3, 3, 4
    theirs = getattr(torch.nn, kind)(IN, H, layers, bidirectional=bidirectional).double()
    ours = getattr(nn, kind)(IN, H, layers, bidirectional=bidirectional).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((T, B, IN))
    lengths = [4, 3, 2]
    results = []
    for lib, model in ((ag, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        inp = xt
        if packed:
            utils = nn.utils.rnn if lib is ag else torch.nn.utils.rnn
            inp = utils.pack_padded_sequence(xt, lengths)
        out = model(inp)[0]
        if packed:
            out = (nn.utils.rnn if lib is ag else torch.nn.utils.rnn).pad_packed_sequence(out)[0]
        grad = (ag.grad if lib is ag else torch.autograd.grad)
        g, = grad(out.mean(), xt, create_graph=True)
        (g ** 2).sum().backward()
        results.append({n: p.grad for n, p in model.named_parameters()})
    for name, want in results[1].items():
        got = results[0][name]
        assert got is not None, f"{name}: no second-order gradient"
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("layers,bidirectional,packed", [(1, False, False), (2, True, False),
                                                          (1, True, True)])
def test_second_order_through_recurrent_layers_matches_pytorch(kind, layers, bidirectional,
                                                               packed):
    _second_order_rnn(_torch(), kind, layers, bidirectional, packed)


def test_second_order_through_checkpoint_matches_the_plain_block():
    rng = np.random.default_rng(1)
    conv = nn.Conv2d(2, 3, 3, padding=1).double()

    def block(x):
        return F.relu(conv(x)).tanh()

    x0 = rng.standard_normal((2, 2, 5, 5))
    grads = []
    for wrap in (False, True):
        x = ag.tensor(x0, requires_grad=True)
        y = ag.checkpoint(block, x) if wrap else block(x)
        g, = ag.grad(y.mean(), x, create_graph=True)
        assert g.requires_grad
        conv.zero_grad()
        (g ** 2).sum().backward()
        grads.append([p.grad.numpy().copy() for p in conv.parameters()])
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ---- backward pruned to the requested inputs ------------------------------------------------

def _counting_op(calls):
    @extend.primitive(save=("a", "b"))
    def counted(a, b):
        return a * b, (lambda g, y, a, b: calls.append("a") or g * b,
                       lambda g, y, a, b: calls.append("b") or g * a)
    del ag.PRIMITIVES["counted"]
    return counted


def test_grad_runs_only_the_vjps_on_paths_to_its_inputs():
    calls = []
    counted = _counting_op(calls)
    x = ag.tensor(np.ones(3), requires_grad=True)
    w = ag.tensor(np.ones(3), requires_grad=True)
    y = counted(x, w).tanh().sum()
    gx, = ag.grad(y, x)
    assert calls == ["a"] and w.grad is None and x.grad is None
    np.testing.assert_allclose(gx.data, 1 - np.tanh(1) ** 2)


def test_backward_inputs_accumulates_only_into_them_as_pytorch():
    torch = _torch()
    calls = []
    counted = _counting_op(calls)
    a = np.arange(3.0)
    x, w = ag.tensor(a, requires_grad=True), ag.tensor(a + 1, requires_grad=True)
    mid = counted(x, w)
    (mid * mid).sum().backward(inputs=[w])
    assert x.grad is None and calls == ["b"]
    xt, wt = torch.tensor(a, requires_grad=True), torch.tensor(a + 1, requires_grad=True)
    midt = xt * wt
    (midt * midt).sum().backward(inputs=[wt])
    assert xt.grad is None
    np.testing.assert_allclose(w.grad.data, wt.grad.numpy())


def test_backward_inputs_on_a_non_leaf_fills_its_grad():
    x = ag.tensor(np.ones(2), requires_grad=True)
    mid = x * 3
    (mid * mid).sum().backward(inputs=[mid])
    np.testing.assert_allclose(mid.grad.data, 6.0)
    assert x.grad is None


def test_backward_inputs_errors():
    x = ag.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match="input 0 does not require grad"):
        (x * 2).sum().backward(inputs=[ag.tensor(np.ones(2))])


def test_pruned_grad_through_a_cnn_equals_the_full_backward():
    rng = np.random.default_rng(2)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    model.double()
    x = ag.tensor(rng.standard_normal((2, 1, 6, 6)), requires_grad=True)
    gx, = ag.grad(model(x).sum(), x)
    assert all(p.grad is None for p in model.parameters())
    model(x).sum().backward()
    np.testing.assert_allclose(gx.data, x.grad.data)


# ---- what a graph keeps ---------------------------------------------------------------------

def test_a_chain_keeps_only_the_outputs_its_vjps_read():
    from autograd.profiler import saved_bytes
    x = ag.tensor(np.full(1000, 0.5), requires_grad=True)
    y = x
    for _ in range(10):
        y = ops.exp(y - 1)                              # sub saves nothing, exp its output
    assert saved_bytes(y) == 10 * 1000 * 8


def test_saved_bytes_are_no_more_than_pytorchs():
    _torch()
    from benchmarks.memory import rows
    for name, ours, theirs in rows():
        # equal but for cross_entropy's per-row log-sum-exp (N floats; PyTorch keeps a 0-d
        # total weight), where PyTorch keeps a log-softmax the size of ours input
        assert theirs * 0.999 <= ours <= theirs * 1.001, f"{name}: {ours} bytes, PyTorch {theirs}"


def test_saved_report_lists_both_graphs():
    from benchmarks.memory import report
    text = report()
    assert "LeNet-5" in text and "ratio" in text
