"""nn.save / nn.load with .safetensors files interchangeable with PyTorch's safetensors.torch:
LeNet-5, ResNet-18, an LSTM, a TransformerEncoder (the twin's outputs agree after a round trip
either way), and half precisions. Bad files: tests/test_nn_serialization.py."""
import numpy as np
import pytest

import autograd as ag
import nn
from examples import models

safetensors_torch = pytest.importorskip("safetensors.torch")
torch = pytest.importorskip("torch")
tnn = torch.nn


class TorchResidual(tnn.Module):
    """examples.models.Residual in PyTorch."""

    def __init__(self, n_in, n_out, stride=1):
        super().__init__()
        self.conv1 = tnn.Conv2d(n_in, n_out, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(n_out)
        self.conv2 = tnn.Conv2d(n_out, n_out, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(n_out)
        self.shortcut = (tnn.Identity() if stride == 1 and n_in == n_out else
                         tnn.Sequential(tnn.Conv2d(n_in, n_out, 1, stride, bias=False),
                                        tnn.BatchNorm2d(n_out)))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


def torch_resnet18(c=(16, 32, 64, 128)):
    """examples.models.resnet18(3, 10) (width 0.25) in PyTorch."""
    layers = [tnn.Conv2d(3, c[0], 7, 2, 3, bias=False), tnn.BatchNorm2d(c[0]), tnn.ReLU(),
              tnn.MaxPool2d(3, 2, 1)]
    n_in = c[0]
    for stage, n_out in enumerate(c):
        layers += [TorchResidual(n_in, n_out, 1 if stage == 0 else 2),
                   TorchResidual(n_out, n_out)]
        n_in = n_out
    return tnn.Sequential(*layers, tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), tnn.Linear(n_in, 10))


def torch_lenet5():
    return tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.Sigmoid(), tnn.AvgPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.Sigmoid(), tnn.AvgPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.Sigmoid(), tnn.Linear(120, 84), tnn.Sigmoid(),
        tnn.Linear(84, 10))


def encoder(lib):
    layer = lib.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)
    return lib.TransformerEncoder(layer, 2, enable_nested_tensor=False)


# name: (tapegrad model, PyTorch twin, input shape, output of the forward to compare)
TWINS = {
    "lenet5": (lambda: models.lenet5(), torch_lenet5, (2, 1, 28, 28), lambda y: y),
    "resnet18": (lambda: models.resnet18(3, 10), torch_resnet18, (2, 3, 32, 32), lambda y: y),
    "lstm": (lambda: nn.LSTM(5, 7, 2, batch_first=True),
             lambda: tnn.LSTM(5, 7, 2, batch_first=True), (2, 4, 5), lambda y: y[0]),
    "encoder": (lambda: encoder(nn), lambda: encoder(tnn), (2, 6, 16), lambda y: y),
}


def outputs(name, ours, theirs, dtype):
    """The two models' outputs (eval mode) on one input, as float64 arrays."""
    x = np.random.default_rng(1).standard_normal(TWINS[name][2]).astype(dtype)
    pick = TWINS[name][3]
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        return pick(ours(ag.tensor(x))).data, pick(theirs(torch.from_numpy(x))).numpy()


def randomized(model):
    """A PyTorch model with random weights and non-trivial BatchNorm statistics."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
        for m in model.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.num_batches_tracked.fill_(7)
    return model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(TWINS))
def test_pytorch_file_loads_into_the_twin_and_back(name, dtype, tmp_path):
    make_ours, make_theirs = TWINS[name][:2]
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    theirs = randomized(make_theirs()).to(torch_dtype)
    safetensors_torch.save_file(theirs.state_dict(), tmp_path / "from_torch.safetensors")
    ours = make_ours().to(dtype=dtype)
    ours.load_state_dict(nn.load(tmp_path / "from_torch.safetensors"))
    rtol = 1e-10 if dtype == np.float64 else 2e-4
    np.testing.assert_allclose(*outputs(name, ours, theirs, dtype), rtol=rtol, atol=rtol)

    nn.save(ours.state_dict(), tmp_path / "from_tapegrad.safetensors")   # and back
    back = make_theirs().to(torch_dtype)
    back.load_state_dict(safetensors_torch.load_file(tmp_path / "from_tapegrad.safetensors"))
    mine, again = outputs(name, ours, back, dtype)
    np.testing.assert_allclose(mine, again, rtol=rtol, atol=rtol)
    state = nn.load(tmp_path / "from_tapegrad.safetensors")
    assert sorted(state) == sorted(theirs.state_dict())             # PyTorch's names
    assert all(state[k].dtype == v.data.dtype for k, v in ours.state_dict(keep_vars=True).items())


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_precision_files_load_into_a_float32_model(half, tmp_path):
    theirs = randomized(tnn.LSTM(5, 7, batch_first=True))
    safetensors_torch.save_file({k: v.to(getattr(torch, half)) for k, v in
                                 theirs.state_dict().items()}, tmp_path / "half.safetensors")
    state = nn.load(tmp_path / "half.safetensors")
    want = {k: v.to(getattr(torch, half)).float().numpy() for k, v in
            theirs.state_dict().items()}
    for k, v in state.items():          # float16 kept, bfloat16 converted exactly
        assert v.dtype == (np.float16 if half == "float16" else np.float32)
        np.testing.assert_array_equal(v.astype(np.float32), want[k])
    ours = nn.LSTM(5, 7, batch_first=True)
    ours.load_state_dict(state)
    assert ours.weight_ih_l0.dtype == np.float32
