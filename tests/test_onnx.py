"""autograd.onnx.export: the exported graphs pass onnx.checker and compute in onnxruntime what
tapegrad computes (float32, rtol 1e-5), for another batch size than the traced one too; what
cannot be exported is refused with the op's name."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import autograd as ag
import autograd.onnx
import nn
import ops
from examples import models

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

SIZES = {"lenet5": 28, "alexnet": 63, "nin": 67}          # the rest take 32 x 32


def run_both(model, inputs, path, batches=(2, 5)):
    """Export `model` traced on `inputs` (batch axis dynamic) and compare onnxruntime with
    tapegrad on every batch size in `batches`."""
    names = [f"x{i}" for i in range(len(inputs))]
    autograd.onnx.export(model, tuple(ag.tensor(x) for x in inputs), path, input_names=names,
                         output_names=["y"], dynamic_axes={n: {0: "batch"} for n in names})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for b in batches:
        xs = [np.resize(x, (b,) + x.shape[1:]) for x in inputs]
        want = model(*[ag.tensor(x) for x in xs])
        want = (want[0] if isinstance(want, tuple) else want).data
        got, = session.run(["y"], dict(zip(names, xs)))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(models.IMAGE_MODELS))
def test_image_zoo_matches_onnxruntime(name, tmp_path):
    build, channels, _ = models.IMAGE_MODELS[name]
    ag.manual_seed(0)
    model = build(channels, 10)
    for m in model.modules():                # trained-like statistics, and no dead output
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.data[:] = np.linspace(-0.2, 0.2, m.num_features)
            m.running_var.data[:] = np.linspace(0.5, 2.0, m.num_features)
    if name == "nin":                        # its last ReLU is all zeros at initialization
        model[-3][-2].bias.data[:] = 1.0
    size = SIZES.get(name, 32)
    x = np.random.default_rng(0).standard_normal((2, channels, size, size)).astype(np.float32)
    run_both(model, [x], tmp_path / f"{name}.onnx")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_recurrent_classifier_matches_onnxruntime(cell, tmp_path):
    ag.manual_seed(0)
    tokens = np.random.default_rng(1).integers(0, 50, (3, 7))
    run_both(models.BiRNN(50, cell=cell, embed=8, hidden=16), [tokens],
             tmp_path / f"{cell}.onnx")


def test_seq2seq_matches_onnxruntime(tmp_path):
    ag.manual_seed(0)
    rng = np.random.default_rng(2)
    run_both(models.Seq2Seq(20, 20, embed=8, hidden=16),
             [rng.integers(0, 20, (2, 5)), rng.integers(0, 20, (2, 4))], tmp_path / "s2s.onnx")


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_matches_onnxruntime(norm_first, tmp_path):
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True, norm_first=norm_first,
                                       activation="gelu")
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16))
    x = np.random.default_rng(3).standard_normal((2, 6, 16)).astype(np.float32)
    run_both(encoder, [x], tmp_path / "encoder.onnx")


def test_lstm_layer_outputs_and_names(tmp_path):
    """Every Tensor the model returns is an output (nested tuples flattened), under the given
    names, parameters under their state-dict names; the model's modes are restored."""
    ag.manual_seed(0)
    lstm = nn.LSTM(4, 5, num_layers=2, dropout=0.5)
    x = np.random.default_rng(4).standard_normal((6, 3, 4)).astype(np.float32)
    path = tmp_path / "lstm.onnx"
    autograd.onnx.export(lstm, ag.tensor(x), path, input_names=["seq"],
                         output_names=["out", "h", "c"], dynamic_axes={"seq": [1]})
    assert lstm.training
    graph = onnx.load(path).graph
    assert [o.name for o in graph.output] == ["out", "h", "c"]
    assert {i.name for i in graph.initializer} >= {n for n, _ in lstm.named_parameters()}
    assert graph.input[0].type.tensor_type.shape.dim[1].dim_param == "seq_dim1"
    lstm.eval()
    out, (h, c) = lstm(ag.tensor(x))
    got = ort.InferenceSession(str(path)).run(None, {"seq": x})
    for g, want in zip(got, (out, h, c)):
        np.testing.assert_allclose(g, want.data, rtol=1e-5, atol=1e-6)


def test_op_without_mapping_is_named(tmp_path):
    with pytest.raises(autograd.onnx.ExportError, match="cumsum"):
        autograd.onnx.export(lambda x: ops.cumsum(x, 1), ag.tensor(np.ones((2, 3))),
                             tmp_path / "m.onnx")


def test_setting_that_follows_the_batch_size_is_refused(tmp_path):
    def drop_last(x):
        return ops.relu(x[:x.shape[0] - 1])             # a slice end computed from the size
    with pytest.raises(autograd.onnx.ExportError, match="getitem: its setting index"):
        autograd.onnx.export(drop_last, ag.tensor(np.ones((3, 2), np.float32)),
                             tmp_path / "m.onnx", dynamic_axes={"input_0": {0: "batch"}})
    autograd.onnx.export(drop_last, ag.tensor(np.ones((3, 2), np.float32)), tmp_path / "m.onnx")


def test_without_onnx_export_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.delitem(sys.modules, "autograd.onnx.graph", raising=False)
    with pytest.raises(ImportError, match=r"tapegrad\[interop\]"):
        autograd.onnx.export(ops.relu, ag.tensor(np.ones(2)), tmp_path / "m.onnx")


def test_the_engine_does_not_import_onnx():
    code = "import autograd, nn, ops, optim, sys; print('onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=pathlib.Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False", out.stderr


# every mapping not exercised by the models above: (name, function of one (3, 4, 5) input)
SINGLE_OPS = [
    ("elementwise", lambda x: ops.expm1(x) - ops.log1p(ops.abs(x)) + ops.sign(x) * ops.sqrt(
        ops.abs(x)) / (ops.exp(-x) + 2) + ops.sin(x) * ops.cos(x) ** 2 - ops.maximum(x, 0.3)
        + ops.minimum(x, -x) + ops.neg(ops.erf(x))),
    ("activations", lambda x: ops.leaky_relu(x, 0.2) + ops.elu(x, 0.7) + ops.selu(x)
        + ops.softplus(x, 2.0) + ops.softplus(x) + ops.gelu(x, "tanh") + ops.silu(x)
        + ops.hardtanh(x, -0.5, 0.5) + ops.clamp(x, min=-0.2) + ops.logaddexp(x, 2 * x)),
    ("where", lambda x: ops.where(x > 0, x, ops.astype(x, np.float64) * 0.5)),
    ("reductions", lambda x: ops.sum(x, 1) + ops.amax(x, (1,)) - ops.amin(x, dim=1)
        + ops.logsumexp(x, 1) + ops.mean(x, axis=1) + ops.log_softmax(x, 2)[:, 0]),
    ("shapes", lambda x: ops.cat([ops.flip(x, [0, 2]), ops.pad(x, (1, 2), 0.5)[..., :5],
                                  ops.tile(x[:1], (3, 1, 1)),
                                  ops.broadcast_to(x[:, :1], (3, 4, 5))], 1)[:, ::2, None]),
    ("indexing", lambda x: x[np.array([2, 0, 2]), 1:, -1] + x[x.data[:, 0, 0] > -9, -2, 1:4].sum()),
    ("einsum", lambda x: ops.einsum("abc,cd->abd", x, np.ones((5, 2), np.float32))),
    ("pools", lambda x: ops.cat([ops.max_pool1d(x, 2, 1, 1), ops.conv1d(
        x, np.ones((4, 4, 2), np.float32), padding=1), ops.avg_pool1d(x, 2, 1, 1,
        count_include_pad=False)], 1)[..., :4] + ops.adaptive_avg_pool2d(x[None], 3).sum()),
]


@pytest.mark.parametrize("name, fn", SINGLE_OPS, ids=[n for n, _ in SINGLE_OPS])
def test_single_op_mappings_match_onnxruntime(name, fn, tmp_path):
    x = np.random.default_rng(5).standard_normal((3, 4, 5)).astype(np.float32)
    path = tmp_path / f"{name}.onnx"
    autograd.onnx.export(fn, ag.tensor(x), path)
    got, = ort.InferenceSession(str(path)).run(None, {"input_0": x})
    np.testing.assert_allclose(got, fn(ag.tensor(x)).data, rtol=1e-5, atol=1e-6)
