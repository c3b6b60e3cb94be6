"""What a graph keeps for its backward pass, tapegrad against PyTorch in the same process:
`python -m benchmarks --saved`. Bytes, not time, so the figures are exact and repeatable.

PyTorch's side is what its saved-tensor hooks see (distinct storages); tapegrad's is
`autograd.profiler.saved_bytes` (distinct arrays the nodes saved or their VJPs captured)."""
import numpy as np

import autograd as ag
import ops
from autograd.profiler import saved_bytes
from .conv import _lenet_data, lenet_logits
from .harness import torch_or_none

CHAIN, SIZE = 50, 1 << 18           # 50 x exp(y - 1) on 1 MiB of float32 (bounded: no overflow)


def _chain(lib, exp):
    y = lib.tensor(np.full(SIZE, 0.5, np.float32), requires_grad=True)
    for _ in range(CHAIN):
        y = exp(y - 1)
    return y


def _lenet_loss(lib, F):
    x, y, params = _lenet_data()
    params = [lib.tensor(p, requires_grad=True) for p in params]
    return F.cross_entropy(lenet_logits(F, lib.tensor(x), params), lib.tensor(y))


def _lm_head(lib, F):
    """A language model's output layer: 512 tokens x 256 features -> 1000 classes, loss."""
    rng = np.random.default_rng(0)
    h = lib.tensor(rng.standard_normal((512, 256)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((1000, 256)).astype(np.float32) / 16, requires_grad=True)
    return F.cross_entropy(F.linear(h, w), lib.tensor(rng.integers(0, 1000, 512)))


def _torch_saved(build):
    """Bytes of the distinct storages PyTorch saves while `build()` records its graph."""
    torch = torch_or_none()
    storages = {}

    def pack(t):
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = build(torch)
    del out
    return sum(storages.values())


GRAPHS = {
    "50 x exp(y - 1), 1 MiB": (lambda: _chain(ag, ops.exp),
                               lambda torch: _chain(torch, torch.exp)),
    "LeNet-5 b64 step": (lambda: _lenet_loss(ag, ops),
                         lambda torch: _lenet_loss(torch, torch.nn.functional)),
    "LM head 512x256 -> 1000, CE": (lambda: _lm_head(ag, ops),
                                    lambda torch: _lm_head(torch, torch.nn.functional)),
}


def rows():
    """[(graph, tapegrad bytes, PyTorch bytes or None)]."""
    torch = torch_or_none()
    return [(name, saved_bytes(ours()), _torch_saved(theirs) if torch else None)
            for name, (ours, theirs) in GRAPHS.items()]


def report():
    lines = [f"{'saved for backward':<30}{'tapegrad MiB':>12}{'PyTorch MiB':>13}{'ratio':>8}"]
    for name, ours, theirs in rows():
        t = f"{theirs / 2**20:>13.3f}{ours / theirs:>8.3f}" if theirs else f"{'-':>13}{'-':>8}"
        lines.append(f"{name:<30}{ours / 2**20:>12.3f}{t}")
    return "\n".join(lines)
