"""W11-W13: train steps of real-size models, tapegrad's against a PyTorch twin holding the same
weights (the tapegrad model's state dict copied across): W11 ResNet-18 (examples.models, width
1.0) on 3x32x32 images, batch 32, 10 classes, cross-entropy; W12 a TransformerEncoderLayer (d_model
256, 8 heads, feed-forward 1024, batch first, dropout 0) on 16 x 64 tokens, mean squared error
against a random target; W13 a language model: embedding 128, 2-layer LSTM of 256, a linear
decoder to 1000 words, cross-entropy over 32 x 35 tokens. A step is zero_grad, forward, loss,
backward and a plain SGD update (lr 0.01), the same code in both frameworks.

FLOPs are those of the convolutions, linear layers and matmuls (2 per multiply-add): each once
forward, and backward once for its weight gradient and once for its input gradient where
something upstream needs that (not for the network's input, nor for the LSTM's zero initial
state), which is the work PyTorch's autograd does (tests/test_benchmarks.py checks the counts
against torch.utils.flop_counter). Normalization, activations, softmax, pooling, the loss and
the update are left out.
"""
import dataclasses
from typing import Callable

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim
from .harness import Workload, torch_or_none

LR = 0.01
IMAGE, CLASSES = 32, 10
D_MODEL, HEADS, FEEDFORWARD, TOKENS = 256, 8, 1024, 64
VOCAB, EMBED, HIDDEN, LAYERS, STEPS = 1000, 128, 256, 2, 35


@dataclasses.dataclass
class Model:
    """One train-step workload: how to build each framework's model, its data and its loss."""
    ours: Callable                 # () -> the tapegrad nn.Module, initialised from a fixed seed
    twin: Callable                 # torch -> a torch.nn.Module with the same state dict keys
    data: Callable                 # batch -> (inputs, targets) as NumPy arrays
    loss: str                      # the loss function's name, in both nn.functionals
    flops: Callable                # batch -> FLOPs of one step, counted as the docstring says
    batch: int


def _seeded(build):
    """`build()` with tapegrad's default generator seeded: every call, the same weights."""
    def ours():
        ag.manual_seed(0)
        return build()
    return ours


# ---- W11: ResNet-18 -------------------------------------------------------------------------

def _resnet18():
    from examples.models import resnet18
    return resnet18(3, CLASSES, width=1.0)


def _resnet18_twin(torch):
    """examples.models.resnet18 at width 1.0 in torch.nn: the same layers under the same names
    (a Sequential: stem 0-3, residual blocks 4-11, pool, flatten, linear 14)."""
    tnn, tF = torch.nn, torch.nn.functional

    def conv(n_in, n_out, kernel, stride):
        return tnn.Conv2d(n_in, n_out, kernel, stride, kernel // 2, bias=False)

    class Residual(tnn.Module):
        def __init__(self, n_in, n_out, stride):
            super().__init__()
            self.conv1, self.bn1 = conv(n_in, n_out, 3, stride), tnn.BatchNorm2d(n_out)
            self.conv2, self.bn2 = conv(n_out, n_out, 3, 1), tnn.BatchNorm2d(n_out)
            reshaped = stride != 1 or n_in != n_out
            self.shortcut = (tnn.Sequential(conv(n_in, n_out, 1, stride), tnn.BatchNorm2d(n_out))
                             if reshaped else tnn.Identity())

        def forward(self, x):
            inner = self.bn2(self.conv2(tF.relu(self.bn1(self.conv1(x)))))
            return tF.relu(inner + self.shortcut(x))

    blocks, n_in = [], 64
    for stage, n_out in enumerate((64, 128, 256, 512)):
        blocks += [Residual(n_in, n_out, 2 if stage else 1), Residual(n_out, n_out, 1)]
        n_in = n_out
    return tnn.Sequential(conv(3, 64, 7, 2), tnn.BatchNorm2d(64), tnn.ReLU(),
                          tnn.MaxPool2d(3, 2, 1), *blocks, tnn.AdaptiveAvgPool2d(1),
                          tnn.Flatten(), tnn.Linear(512, CLASSES))


def _images(batch):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((batch, 3, IMAGE, IMAGE), dtype=np.float32),
            rng.integers(0, CLASSES, batch))


def layer_flops(model, x):
    """FLOPs of a forward and backward pass of `model` on `x` in its Conv2d and Linear layers,
    found by running the forward (in eval mode, recording) with hooks on those layers."""
    total = [0]

    def count(layer, args, out):
        # multiply-adds: every output element takes one weight row (C_in/groups x kh x kw, or
        # in_features); passes: forward, weight gradient, input gradient if the input needs it
        passes = 3 if args[0].requires_grad else 2
        total[0] += passes * 2 * int(np.prod(out.shape)) * int(np.prod(layer.weight.shape[1:]))

    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    hooks = [m.register_forward_hook(count) for m in layers]
    model.eval()
    model(ag.tensor(x))
    for h in hooks:
        h.remove()
    return total[0]


def _resnet18_flops(batch):
    """Counted on a batch of one (every layer's work grows with the batch, nothing else)."""
    return batch * layer_flops(_seeded(_resnet18)(), _images(1)[0])


# ---- W12: TransformerEncoderLayer -----------------------------------------------------------

def _encoder_layer(nn_lib):
    """The W12 layer from `nn_lib`, tapegrad's nn or torch.nn."""
    return nn_lib.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dropout=0.0,
                                          batch_first=True)


def _sequences(batch):
    rng = np.random.default_rng(0)
    x, target = (rng.standard_normal((batch, TOKENS, D_MODEL), dtype=np.float32)
                 for _ in range(2))
    return x, target


def _encoder_flops(batch):
    rows = batch * TOKENS
    # q, k, v projections, output projection, feed-forward up and down
    linear = 2 * rows * D_MODEL * (3 * D_MODEL + D_MODEL + 2 * FEEDFORWARD)
    attention = 2 * 2 * batch * TOKENS * TOKENS * D_MODEL       # q k^T and weights @ v, all heads
    # everything three times but the projections' input gradient: the layer's input needs none
    return 3 * (linear + attention) - 2 * rows * D_MODEL * 3 * D_MODEL


# ---- W13: LSTM language model ---------------------------------------------------------------

def _language_model(nn_lib):
    """The W13 model from `nn_lib`, tapegrad's nn or torch.nn: the same code, the same names."""
    class LanguageModel(nn_lib.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn_lib.Embedding(VOCAB, EMBED)
            self.lstm = nn_lib.LSTM(EMBED, HIDDEN, LAYERS, batch_first=True)
            self.decoder = nn_lib.Linear(HIDDEN, VOCAB)

        def forward(self, tokens):                               # (B, T) int
            h, _ = self.lstm(self.embedding(tokens))             # (B, T, HIDDEN)
            return self.decoder(h).reshape(-1, VOCAB)            # (B * T, VOCAB)
    return LanguageModel()


def _tokens(batch, steps=STEPS):
    rng = np.random.default_rng(0)
    return rng.integers(0, VOCAB, (batch, steps)), rng.integers(0, VOCAB, batch * steps)


def _language_model_flops(batch, steps=STEPS):
    rows = batch * steps
    flops = 3 * 2 * rows * HIDDEN * VOCAB                        # the decoder
    for n_in in (EMBED, HIDDEN):
        # gates x W_ih^T + h W_hh^T at every step, three times, but the zero initial state's
        # gradient h_0 W_hh is not needed
        flops += 3 * 2 * rows * 4 * HIDDEN * (n_in + HIDDEN) - 2 * batch * 4 * HIDDEN * HIDDEN
    return flops


MODELS = {
    "W11": Model(_seeded(_resnet18), _resnet18_twin, _images, "cross_entropy",
                 _resnet18_flops, batch=32),
    "W12": Model(_seeded(lambda: _encoder_layer(nn)), lambda torch: _encoder_layer(torch.nn),
                 _sequences, "mse_loss", _encoder_flops, batch=16),
    "W13": Model(_seeded(lambda: _language_model(nn)), lambda torch: _language_model(torch.nn),
                 _tokens, "cross_entropy", _language_model_flops, batch=32),
}


# ---- the train step, on either framework ----------------------------------------------------

def _train_step(model, sgd, F, x, y, loss):
    """zero_grad, forward, loss, backward, update; returns the loss. The same code for both
    frameworks: `sgd` and `F` are theirs."""
    opt = sgd(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        value = getattr(F, loss)(model(x), y)
        value.backward()
        opt.step()
        return value
    return step


def tapegrad_train(m, batch):
    """(tapegrad model, its train step) of Model `m`."""
    model = m.ours()
    x, y = (ag.tensor(a) for a in m.data(batch))
    return model, _train_step(model, optim.SGD, F, x, y, m.loss)


def torch_train(m, batch, torch, ours):
    """(torch twin holding the weights and buffers of `ours`, its train step)."""
    model = m.twin(torch)
    model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x, y = (torch.from_numpy(a) for a in m.data(batch))
    return model, _train_step(model, torch.optim.SGD, torch.nn.functional, x, y, m.loss)


def _workload(key, title, target):
    m = MODELS[key]

    def tapegrad():
        return tapegrad_train(m, m.batch)[1]

    def twin():
        torch = torch_or_none()
        return torch and torch_train(m, m.batch, torch, m.ours())[1]
    return Workload(key, title, {"tapegrad": tapegrad, "torch": twin},
                    flops=lambda: m.flops(m.batch), target=target, rss_steps=3)


WORKLOADS = [
    _workload("W11", "ResNet-18 3x32x32 b32 train step", 0.7),
    _workload("W12", "TransformerEncoderLayer d256 h8 ff1024 16x64 train step", 0.4),
    _workload("W13", "LSTM LM emb128 h256x2 v1000 32x35 train step", 0.6),
]
