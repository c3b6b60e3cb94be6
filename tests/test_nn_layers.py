"""Layers against PyTorch: the same layer built in both, PyTorch's state dict (as arrays) loaded
into ours with strict=True, then outputs, input gradients and every parameter gradient compared
in float64; state dict keys and reprs equal PyTorch's. Plus gradchecks through the modules,
train/eval behaviour, default initialisation and bad-input errors."""
import dataclasses
import math
from typing import Callable

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


@dataclasses.dataclass
class Case:
    id: str
    build: Callable                   # build(nn or torch.nn) -> module
    inputs: Callable                  # inputs(rng) -> list of arrays (float ones differentiable)
    train: bool = True                # compare in training mode (else eval)
    grad: tuple = None                # positions of the differentiable inputs (None: floats)

    def __str__(self):
        return self.id


def floats(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def classes(shape, n, probs=False):
    def make(rng):
        x = rng.standard_normal(shape)
        if probs:
            return [x, rng.dirichlet(np.ones(n), shape[:1])]
        return [x, rng.integers(0, n, shape[:1] + shape[2:])]
    return make


def pair(shape, target=lambda rng, s: rng.standard_normal(s)):
    return lambda rng: [rng.standard_normal(shape), target(rng, shape)]


def prob_target(rng, s):
    return rng.random(s)


def log_prob_pair(shape):
    def make(rng):
        x = rng.standard_normal(shape)
        x = x - np.log(np.exp(x).sum(-1, keepdims=True))
        return [x, rng.dirichlet(np.ones(shape[-1]), shape[:-1])]
    return make


CASES = [
    Case("Linear", lambda m: m.Linear(5, 3), floats((4, 5))),
    Case("Linear-nobias-3d", lambda m: m.Linear(5, 3, bias=False), floats((2, 4, 5))),
    Case("Bilinear", lambda m: m.Bilinear(3, 4, 2), floats((5, 3), (5, 4))),
    Case("Bilinear-3d-nobias", lambda m: m.Bilinear(3, 4, 2, bias=False),
         floats((2, 5, 3), (2, 5, 4))),
    Case("Flatten", lambda m: m.Flatten(), floats((2, 3, 4))),
    Case("Flatten-range", lambda m: m.Flatten(0, 1), floats((2, 3, 4))),
    Case("Unflatten", lambda m: m.Unflatten(1, (2, -1)), floats((4, 6))),
    Case("Identity", lambda m: m.Identity(), floats((3,))),
    Case("Conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), floats((2, 3, 9))),
    Case("Conv1d-same-groups", lambda m: m.Conv1d(2, 4, 3, padding="same", dilation=2,
                                                  groups=2, bias=False), floats((2, 2, 8))),
    Case("Conv2d", lambda m: m.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1),
         floats((2, 3, 7, 6))),
    Case("Conv2d-groups-valid", lambda m: m.Conv2d(4, 6, 3, groups=2, dilation=2,
                                                   padding="valid"), floats((1, 4, 8, 8))),
    Case("Conv2d-unbatched", lambda m: m.Conv2d(2, 3, 3), floats((2, 5, 5))),
    Case("Conv1d-reflect", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=2,
                                              padding_mode="reflect"), floats((2, 3, 9))),
    Case("Conv2d-replicate", lambda m: m.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2),
                                                padding_mode="replicate"), floats((2, 3, 7, 6))),
    Case("Conv2d-circular-same", lambda m: m.Conv2d(2, 3, (4, 3), padding="same", dilation=2,
                                                    padding_mode="circular"),
         floats((1, 2, 8, 7))),
    Case("Conv2d-reflect-unbatched", lambda m: m.Conv2d(2, 3, 3, padding=1,
                                                        padding_mode="reflect"),
         floats((2, 5, 5))),
    Case("ConvTranspose1d", lambda m: m.ConvTranspose1d(3, 4, 3, stride=2, padding=1,
                                                        output_padding=1), floats((2, 3, 5))),
    Case("ConvTranspose2d", lambda m: m.ConvTranspose2d(4, 6, (3, 2), stride=2, groups=2,
                                                        dilation=(1, 2)), floats((2, 4, 4, 3))),
    Case("MaxPool1d", lambda m: m.MaxPool1d(3, stride=2, padding=1), floats((2, 3, 9))),
    Case("MaxPool2d", lambda m: m.MaxPool2d(2), floats((2, 3, 6, 6))),
    Case("MaxPool2d-ceil-dilation", lambda m: m.MaxPool2d(3, stride=2, padding=1, dilation=2,
                                                          ceil_mode=True), floats((1, 2, 9, 8))),
    Case("AvgPool1d", lambda m: m.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
         floats((2, 3, 9))),
    Case("AvgPool2d", lambda m: m.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
         floats((2, 3, 7, 7))),
    Case("AvgPool2d-divisor", lambda m: m.AvgPool2d(2, divisor_override=3), floats((1, 2, 4, 4))),
    Case("AdaptiveAvgPool1d", lambda m: m.AdaptiveAvgPool1d(4), floats((2, 3, 10))),
    Case("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((3, None)), floats((2, 3, 7, 5))),
    Case("AdaptiveMaxPool1d", lambda m: m.AdaptiveMaxPool1d(3), floats((2, 3, 10))),
    Case("AdaptiveMaxPool2d", lambda m: m.AdaptiveMaxPool2d((2, 3)), floats((2, 3, 7, 8))),
    Case("Upsample", lambda m: m.Upsample(scale_factor=2), floats((2, 3, 4, 5))),
    Case("Upsample-bilinear-size", lambda m: m.Upsample((7, 3), mode="bilinear",
                                                        align_corners=True),
         floats((2, 3, 4, 5))),
    Case("Upsample-linear", lambda m: m.Upsample(scale_factor=1.5, mode="linear"),
         floats((2, 3, 4))),
    Case("UpsamplingNearest2d", lambda m: m.UpsamplingNearest2d(size=(6, 3)),
         floats((1, 2, 4, 5))),
    Case("UpsamplingBilinear2d", lambda m: m.UpsamplingBilinear2d(scale_factor=2),
         floats((1, 2, 4, 5))),
    Case("PixelShuffle", lambda m: m.PixelShuffle(2), floats((2, 8, 3, 4))),
    Case("PixelUnshuffle", lambda m: m.PixelUnshuffle(2), floats((2, 2, 6, 4))),
    Case("EmbeddingBag", lambda m: m.EmbeddingBag(10, 3, mode="max", padding_idx=2),
         lambda rng: [rng.integers(0, 10, (4, 5))]),
    Case("ZeroPad2d", lambda m: m.ZeroPad2d((1, 2, 0, 3)), floats((2, 3, 4, 5))),
    Case("ConstantPad1d", lambda m: m.ConstantPad1d(2, 3.5), floats((2, 3, 4))),
    Case("ReflectionPad2d", lambda m: m.ReflectionPad2d(2), floats((2, 3, 4, 5))),
    Case("ReflectionPad1d-unbatched", lambda m: m.ReflectionPad1d((3, 1)), floats((3, 4))),
    Case("ReplicationPad1d", lambda m: m.ReplicationPad1d((0, 3)), floats((2, 3, 4))),
    Case("CircularPad2d", lambda m: m.CircularPad2d((1, 2, 1, 0)), floats((1, 2, 3, 4))),
    Case("ReLU", lambda m: m.ReLU(), floats((3, 4))),
    Case("ReLU6", lambda m: m.ReLU6(), lambda rng: [rng.standard_normal((3, 4)) * 5]),
    Case("LeakyReLU", lambda m: m.LeakyReLU(0.2), floats((3, 4))),
    Case("PReLU", lambda m: m.PReLU(), floats((3, 4))),
    Case("PReLU-channels", lambda m: m.PReLU(3, init=0.1), floats((2, 3, 4))),
    Case("ELU", lambda m: m.ELU(0.5), floats((3, 4))),
    Case("SELU", lambda m: m.SELU(), floats((3, 4))),
    Case("GELU", lambda m: m.GELU(), floats((3, 4))),
    Case("GELU-tanh", lambda m: m.GELU("tanh"), floats((3, 4))),
    Case("SiLU", lambda m: m.SiLU(), floats((3, 4))),
    Case("Sigmoid", lambda m: m.Sigmoid(), floats((3, 4))),
    Case("Tanh", lambda m: m.Tanh(), floats((3, 4))),
    Case("Hardtanh", lambda m: m.Hardtanh(-0.5, 0.7), floats((3, 4))),
    Case("Softplus", lambda m: m.Softplus(2.0, 1.0), floats((3, 4))),
    Case("Hardsigmoid", lambda m: m.Hardsigmoid(), lambda rng: [rng.standard_normal((3, 4)) * 4]),
    Case("Hardswish", lambda m: m.Hardswish(),
         lambda rng: [rng.standard_normal((3, 4)) * 4]),
    Case("Mish", lambda m: m.Mish(), floats((3, 4))),
    Case("LogSigmoid", lambda m: m.LogSigmoid(), floats((3, 4))),
    Case("Softsign", lambda m: m.Softsign(), floats((3, 4))),
    Case("Tanhshrink", lambda m: m.Tanhshrink(), floats((3, 4))),
    Case("Threshold", lambda m: m.Threshold(0.1, 20.0), floats((3, 4))),
    Case("GLU", lambda m: m.GLU(1), floats((3, 4, 2))),
    Case("Softmin", lambda m: m.Softmin(1), floats((3, 4, 2))),
    Case("Softmax", lambda m: m.Softmax(1), floats((3, 4, 2))),
    Case("LogSoftmax", lambda m: m.LogSoftmax(-1), floats((3, 4))),
    Case("InstanceNorm1d", lambda m: m.InstanceNorm1d(3), floats((2, 3, 5))),
    Case("InstanceNorm2d-affine-tracked", lambda m: m.InstanceNorm2d(
        3, affine=True, track_running_stats=True, momentum=0.3), floats((2, 3, 4, 5))),
    Case("InstanceNorm2d-tracked-eval", lambda m: m.InstanceNorm2d(
        3, track_running_stats=True), floats((2, 3, 4, 5)), train=False),
    Case("InstanceNorm1d-unbatched-affine", lambda m: m.InstanceNorm1d(4, affine=True),
         floats((4, 6))),
    Case("BatchNorm1d", lambda m: m.BatchNorm1d(3), floats((6, 3))),
    Case("BatchNorm1d-3d", lambda m: m.BatchNorm1d(3, momentum=None), floats((4, 3, 5))),
    Case("BatchNorm1d-eval", lambda m: m.BatchNorm1d(3), floats((6, 3)), train=False),
    Case("BatchNorm1d-untracked", lambda m: m.BatchNorm1d(3, affine=False,
                                                          track_running_stats=False),
         floats((6, 3)), train=False),
    Case("BatchNorm2d", lambda m: m.BatchNorm2d(3), floats((2, 3, 4, 4))),
    Case("BatchNorm2d-eval", lambda m: m.BatchNorm2d(3, eps=1e-3), floats((2, 3, 4, 4)),
         train=False),
    Case("LayerNorm", lambda m: m.LayerNorm((4, 5)), floats((2, 3, 4, 5))),
    Case("LayerNorm-nobias", lambda m: m.LayerNorm(5, bias=False), floats((3, 5))),
    Case("LayerNorm-noaffine", lambda m: m.LayerNorm(5, elementwise_affine=False),
         floats((3, 5))),
    Case("GroupNorm", lambda m: m.GroupNorm(2, 4), floats((2, 4, 3, 3))),
    Case("Dropout-eval", lambda m: m.Dropout(0.3), floats((3, 4)), train=False),
    Case("Dropout2d-eval", lambda m: m.Dropout2d(), floats((2, 3, 4, 4)), train=False),
    Case("Embedding", lambda m: m.Embedding(10, 3, padding_idx=1),
         lambda rng: [rng.integers(0, 10, (4, 5))]),
    Case("Embedding-scale-grad", lambda m: m.Embedding(6, 2, scale_grad_by_freq=True),
         lambda rng: [rng.integers(0, 6, (7,))]),
    Case("CrossEntropyLoss", lambda m: m.CrossEntropyLoss(), classes((5, 4), 4)),
    Case("CrossEntropyLoss-options", lambda m: m.CrossEntropyLoss(
        weight=(torch.tensor if m is torch.nn else ag.tensor)(np.arange(1.0, 5.0)),
        ignore_index=2, label_smoothing=0.1, reduction="sum"), classes((5, 4, 3), 4)),
    Case("CrossEntropyLoss-probs", lambda m: m.CrossEntropyLoss(), classes((5, 4), 4, True),
         grad=(0,)),
    Case("NLLLoss", lambda m: m.NLLLoss(reduction="none"), classes((5, 4), 4)),
    Case("BCELoss", lambda m: m.BCELoss(), lambda rng: [rng.uniform(0.05, 0.95, (3, 4)),
                                                        rng.random((3, 4))], grad=(0,)),
    Case("BCEWithLogitsLoss", lambda m: m.BCEWithLogitsLoss(
        pos_weight=(torch.tensor if m is torch.nn else ag.tensor)(np.array([1.0, 2, 3, 4]))),
        pair((3, 4), prob_target), grad=(0,)),
    Case("MSELoss", lambda m: m.MSELoss(), pair((3, 4))),
    Case("L1Loss", lambda m: m.L1Loss(reduction="sum"), pair((3, 4))),
    Case("SmoothL1Loss", lambda m: m.SmoothL1Loss(beta=0.5), pair((3, 4))),
    Case("HuberLoss", lambda m: m.HuberLoss(delta=0.7), pair((3, 4))),
    Case("KLDivLoss", lambda m: m.KLDivLoss(reduction="batchmean"), log_prob_pair((3, 4))),
    Case("CosineSimilarity", lambda m: m.CosineSimilarity(dim=1), floats((3, 4), (3, 4))),
    Case("PairwiseDistance", lambda m: m.PairwiseDistance(1.0, keepdim=True),
         floats((3, 4), (3, 4))),
    Case("MarginRankingLoss", lambda m: m.MarginRankingLoss(0.2),
         lambda rng: [rng.standard_normal(5), rng.standard_normal(5),
                      np.sign(rng.standard_normal(5))], grad=(0, 1)),
    Case("CosineEmbeddingLoss", lambda m: m.CosineEmbeddingLoss(0.1, reduction="sum"),
         lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)),
                      np.array([1, -1, -1, 1])], grad=(0, 1)),
    Case("HingeEmbeddingLoss", lambda m: m.HingeEmbeddingLoss(0.5),
         lambda rng: [rng.standard_normal((3, 4)), np.sign(rng.standard_normal((3, 4)))],
         grad=(0,)),
    Case("TripletMarginLoss", lambda m: m.TripletMarginLoss(0.5, swap=True),
         floats((4, 3), (4, 3), (4, 3))),
    Case("SoftMarginLoss", lambda m: m.SoftMarginLoss(),
         lambda rng: [rng.standard_normal((3, 4)), np.sign(rng.standard_normal((3, 4)))],
         grad=(0,)),
    Case("MultiLabelSoftMarginLoss", lambda m: m.MultiLabelSoftMarginLoss(
         weight=torch.arange(1.0, 5.0) if m is torch.nn else np.arange(1.0, 5.0)),
         lambda rng: [rng.standard_normal((3, 4)), (rng.random((3, 4)) > 0.5) * 1.0],
         grad=(0,)),
    Case("GaussianNLLLoss", lambda m: m.GaussianNLLLoss(full=True),
         lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal((3, 4)),
                      rng.uniform(0.1, 2, (3, 4))]),
    Case("PoissonNLLLoss", lambda m: m.PoissonNLLLoss(full=True),
         lambda rng: [rng.standard_normal((3, 4)), rng.integers(0, 5, (3, 4)) * 1.0],
         grad=(0,)),
]


def build_pair(case):
    theirs = case.build(torch.nn).double()
    ours = case.build(nn).double()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state, strict=True)
    theirs.train(case.train)
    ours.train(case.train)
    return ours, theirs


def run_both(case, seed=0):
    rng = np.random.default_rng(seed)
    arrays = case.inputs(rng)
    ours, theirs = build_pair(case)
    diff = [a.dtype.kind == "f" and (case.grad is None or i in case.grad)
            for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=d) for a, d in zip(arrays, diff)]
    xs = [ag.tensor(a, requires_grad=d) for a, d in zip(arrays, diff)]
    yt, ym = theirs(*ts), ours(*xs)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-7, atol=1e-9)
    u = rng.standard_normal(yt.shape)
    (yt * torch.tensor(u)).sum().backward()
    (ym * ag.tensor(u)).sum().backward()
    for t, x in zip(ts, xs):
        if t.requires_grad:
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-6, atol=1e-9)
    for (name, p), (name2, q) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert name == name2
        if p.grad is not None:
            np.testing.assert_allclose(q.grad.data, p.grad.numpy(), rtol=1e-6, atol=1e-9,
                                       err_msg=name)
    for (name, b), (name2, c) in zip(theirs.named_buffers(), ours.named_buffers()):
        np.testing.assert_allclose(c.data, b.numpy(), rtol=1e-7, err_msg=name)
    return ours, theirs


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_pytorch(case, tmp_path):
    ours, theirs = run_both(case)
    assert repr(ours) == repr(theirs)
    nn.save(ours.state_dict(), tmp_path / "layer.npz")          # state dict round trip
    fresh = case.build(nn).double()
    fresh.load_state_dict(nn.load(tmp_path / "layer.npz"))
    for (k, v), (k2, w) in zip(ours.state_dict().items(), fresh.state_dict().items()):
        assert k == k2 and v.numpy().tobytes() == w.numpy().tobytes()


def differentiable(case):
    return case.train and case.inputs(np.random.default_rng(0))[0].dtype.kind == "f"


@pytest.mark.parametrize("case", [c for c in CASES if differentiable(c)], ids=str)
def test_gradcheck_through_module(case):
    ours = case.build(nn).double()
    arrays = case.inputs(np.random.default_rng(1))
    if "ReLU" in case.id or "Hardtanh" in case.id:         # keep away from the kinks
        arrays = [np.where(np.abs(a) < 0.1, a + 0.3, a) for a in arrays]
    if case.id == "ReLU6":
        arrays = [np.where(np.abs(a - 6) < 0.1, a + 0.3, a) for a in arrays]
    inputs = [a if case.grad is None or i in case.grad else ag.tensor(a)   # constants
              for i, a in enumerate(arrays)]
    ag.gradcheck(lambda *xs: ours(*xs), *inputs)


def test_batchnorm_running_statistics_follow_pytorch_over_steps():
    case = Case("bn", lambda m: m.BatchNorm2d(3, momentum=None), floats((2, 3, 4, 4)))
    ours, theirs = build_pair(case)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.standard_normal((2, 3, 4, 4))
        ours(ag.tensor(x))
        theirs(torch.tensor(x))
    for (k, v), (k2, w) in zip(theirs.state_dict().items(), ours.state_dict().items()):
        np.testing.assert_allclose(w, v.numpy(), rtol=1e-7, err_msg=k)
    assert int(ours.num_batches_tracked.data) == 3
    ours.eval()
    before = ours.running_mean.numpy().copy()
    ours(ag.tensor(rng.standard_normal((2, 3, 4, 4))))
    np.testing.assert_array_equal(ours.running_mean.data, before)


def test_dropout_is_active_in_training_only():
    d = nn.Dropout(0.5)
    x = ag.tensor(np.ones((100, 100)))
    y = d(x).data
    assert set(np.unique(y)) == {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6
    d.eval()
    assert d(x) is x
    d2 = nn.Dropout2d(0.5)
    y = d2(ag.tensor(np.ones((4, 50, 3, 3)))).numpy()
    assert np.all(y.min(axis=(2, 3)) == y.max(axis=(2, 3)))          # whole channels
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_embedding_padding_row_and_from_pretrained():
    e = nn.Embedding(5, 3, padding_idx=-1)
    assert e.padding_idx == 4 and np.all(e.weight.data[4] == 0)
    w = np.arange(6.0).reshape(3, 2)
    pre = nn.Embedding.from_pretrained(w)
    assert not pre.weight.requires_grad and pre.weight.numpy() is w
    np.testing.assert_array_equal(pre(ag.tensor(np.array([2, 0]))).data, w[[2, 0]])
    with pytest.raises(ValueError, match="sparse"):
        nn.Embedding(3, 2, sparse=True)


def fan_in_bound(shape):
    return 1 / math.sqrt(np.prod(shape[1:]))


@pytest.mark.parametrize("build,bounds", [
    (lambda m: m.Linear(400, 300), {"weight": fan_in_bound((300, 400)),
                                    "bias": fan_in_bound((300, 400))}),
    (lambda m: m.Bilinear(200, 30, 20), {"weight": 1 / math.sqrt(200),
                                         "bias": 1 / math.sqrt(200)}),
    (lambda m: m.Conv2d(20, 30, 5), {"": fan_in_bound((30, 20, 5, 5))}),
    (lambda m: m.ConvTranspose1d(20, 40, 7, groups=2), {"": fan_in_bound((20, 20, 7))}),
    (lambda m: m.LSTM(30, 64, 2), {"": 1 / 8}),
    (lambda m: m.GRUCell(30, 100), {"": 0.1}),
], ids=["Linear", "Bilinear", "Conv2d", "ConvTranspose1d", "LSTM", "GRUCell"])
def test_default_init_matches_pytorchs_distribution(build, bounds):
    """Uniform within PyTorch's bound, with the spread of PyTorch's own draws."""
    nn.init.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = build(nn), build(torch.nn)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        bound = next(b for k, b in bounds.items() if k in name)
        p, q = p.detach().numpy(), q.detach().numpy()
        assert np.abs(p).max() <= bound and np.abs(q).max() <= bound
        if p.size >= 1000:                        # enough draws for a stable spread
            assert abs(p.std() - q.std()) < 0.05 * q.std(), name
            assert abs(p.std() - bound / math.sqrt(3)) < 0.05 * bound, name


def test_other_default_inits():
    e = nn.Embedding(1000, 20)
    assert abs(e.weight.data.std() - 1) < 0.05
    bn = nn.BatchNorm1d(4)
    assert np.all(bn.weight.data == 1) and np.all(bn.bias.data == 0)
    assert np.all(bn.running_var.data == 1) and bn.num_batches_tracked.data.dtype == np.int64
    assert np.all(nn.PReLU(3).weight.data == 0.25)


def test_manual_seed_makes_init_reproducible():
    nn.init.manual_seed(5)
    a = nn.Linear(4, 3)
    nn.init.manual_seed(5)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    g = np.random.default_rng(1)
    a.reset_parameters(g)
    b.reset_parameters(np.random.default_rng(1))
    np.testing.assert_array_equal(a.bias.data, b.bias.data)


def test_bad_inputs_name_the_layer_and_shapes():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    with pytest.raises(ValueError, match=r"^0 \(Linear\): expected input with 3 features "
                                         r"\(dim -1\), got shape \(2, 5\)"):
        model(ag.tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match=r"^BatchNorm2d: expected 4D input \(got 2D input of "
                                         r"shape \(2, 3\)\)"):
        nn.BatchNorm2d(3)(ag.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"expected input with 3 channels \(dim 1\), got "
                                         r"shape \(2, 4, 5\)"):
        nn.BatchNorm1d(3)(ag.tensor(np.ones((2, 4, 5))))
    with pytest.raises(ValueError, match=r"^LayerNorm: expected input with trailing dims "
                                         r"\(4,\), got shape \(2, 3\)"):
        nn.LayerNorm(4)(ag.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="cannot unflatten dim 1 of input"):
        nn.Unflatten(1, (2, 2))(ag.tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)


def test_conv_transpose_output_size_and_conv_arguments():
    ours, theirs = build_pair(Case("ct", lambda m: m.ConvTranspose2d(2, 3, 3, stride=2,
                                                                     padding=1), None))
    x = np.random.default_rng(4).standard_normal((1, 2, 4, 5))
    y = ours(ag.tensor(x), output_size=(8, 10))
    assert y.shape == (1, 3, 8, 10)
    np.testing.assert_allclose(y.data, theirs(torch.tensor(x), output_size=[8, 10])
                               .detach().numpy(), rtol=1e-7, atol=1e-10)
    with pytest.raises(ValueError, match=r"requested an output size of \(9, 10\), but valid "
                                         r"sizes range from \(7, 9\) to \(8, 10\)"):
        ours(ag.tensor(x), output_size=(9, 10))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="not supported for strided"):
        nn.Conv1d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="^Conv2d: padding_mode must be one of zeros, reflect, "
                                         "replicate, circular, got 'mirror'"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="^ConvTranspose2d: only padding_mode 'zeros' is "
                                         "supported, got 'reflect'"):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


def test_a_small_cnn_state_dict_matches_and_trains_like_pytorchs():
    def cnn(m):
        return m.Sequential(m.Conv2d(1, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(),
                            m.MaxPool2d(2), m.Flatten(), m.Dropout(0.2), m.Linear(4 * 4 * 4, 3))
    case = Case("cnn", cnn, None, train=False)
    ours, theirs = build_pair(case)
    assert list(ours.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                       "1.running_mean", "1.running_var",
                                       "1.num_batches_tracked", "6.weight", "6.bias"]
    x = np.random.default_rng(5).standard_normal((2, 1, 8, 8))
    np.testing.assert_allclose(ours(ag.tensor(x)).data, theirs(torch.tensor(x)).detach()
                               .numpy(), rtol=1e-7, atol=1e-10)
    assert repr(ours) == repr(theirs)


def test_instance_norm_needs_more_than_one_spatial_element_in_training():
    with pytest.raises(ValueError, match=r"^InstanceNorm1d: instance_norm: expected more than 1 "
                                         r"spatial element when training, got input of shape "
                                         r"\(2, 4, 1\)"):
        nn.InstanceNorm1d(4)(ag.tensor(np.ones((2, 4, 1))))


def test_padding_layers_check_their_padding():
    with pytest.raises(ValueError, match=r"^ReflectionPad2d: padding must be an int or 4 ints, "
                                         r"got \(1, 2\)"):
        nn.ReflectionPad2d((1, 2))
    with pytest.raises(ValueError, match=r"^ReflectionPad1d: pad: reflect padding \(3, 3\) of "
                                         r"dim 2 must be less than its size 3"):
        nn.ReflectionPad1d(3)(ag.tensor(np.ones((1, 2, 3))))
