"""W3 LeNet-5 step (W3g/W3gf: grad(loss, x) alone, parameters live / frozen: what pruning the
backward to the requested inputs saves), W4 conv2d 3x3, W5 max_pool2d 2x2 (forward + backward), and the measurements
behind the design of ops/conv.py: W4f forward alone, W4c the col2im scatter (numba kernel
against a NumPy loop over kernel offsets; PyTorch's is F.fold).

`python -c "import benchmarks.conv as c; c.memory()"` prints the peak RSS of 20 LeNet steps,
each framework in a fresh process."""
import resource
import subprocess
import sys

import numpy as np

import autograd as ag
import ops
from ops import _kernels
from .core import cross_entropy_backward
from .harness import Workload, torch_or_none

# ---- W3: LeNet-5, batch 64, 1x28x28: conv6@5x5 pad 2, relu, pool 2, conv16@5x5, relu, pool 2,
#      400-120-84-10, cross-entropy; forward + backward
BATCH = 64
LENET = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (400, 120), (120,), (120, 84), (84,),
         (84, 10), (10,)]


def _lenet_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    params = [(rng.standard_normal(s) / np.sqrt(np.prod(s[1:]) if len(s) > 1 else 10))
              .astype(np.float32) for s in LENET]
    return x, y, params


def lenet_logits(F, x, params):
    """The W3 forward; F is `ops` or torch.nn.functional (the same names in both)."""
    c1, b1, c2, b2, w3, b3, w4, b4, w5, b5 = params
    h = F.max_pool2d(F.relu(F.conv2d(x, c1, b1, padding=2)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, c2, b2)), 2).flatten(1)
    h = F.relu(h @ w3 + b3)
    h = F.relu(h @ w4 + b4)
    return h @ w5 + b5


def w3_tapegrad():
    x, y, params = _lenet_data()
    params = [ag.tensor(p, requires_grad=True) for p in params]
    x, rows = ag.tensor(x), np.arange(BATCH)

    def step():
        cross_entropy_backward(lenet_logits(ops, x, params), rows, y, params)
    return step


def w3_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    x, y, params = _lenet_data()
    params = [torch.tensor(p, requires_grad=True) for p in params]
    x, y, rows = torch.tensor(x), torch.tensor(y), torch.arange(BATCH)

    def step():
        cross_entropy_backward(lenet_logits(torch.nn.functional, x, params), rows, y, params,
                               torch.logsumexp)
    return step


def w3g_tapegrad(live=True):
    """grad(loss, x) alone through LeNet: with pruning, live parameters cost nothing extra."""
    x, y, params = _lenet_data()
    params = [ag.tensor(p, requires_grad=live) for p in params]
    x, y = ag.tensor(x, requires_grad=True), ag.tensor(y)

    def step():
        ag.grad(ops.cross_entropy(lenet_logits(ops, x, params), y), x)
    return step


def w3g_torch(live=True):
    torch = torch_or_none()
    if torch is None:
        return None
    x, y, params = _lenet_data()
    params = [torch.tensor(p, requires_grad=live) for p in params]
    x, y = torch.tensor(x, requires_grad=True), torch.tensor(y)
    F = torch.nn.functional

    def step():
        torch.autograd.grad(F.cross_entropy(lenet_logits(F, x, params), y), x)
    return step


# ---- W4: conv2d 3x3 pad 1, x 32x64x32x32, w 64x64x3x3, float32 ------------------------------
X4, W4 = (32, 64, 32, 32), (64, 64, 3, 3)
CONV_FLOPS = 2 * 32 * 64 * 32 * 32 * 64 * 9        # one pass; forward + backward is 3 of them


def _conv_data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal(X4, dtype=np.float32),
            rng.standard_normal(W4, dtype=np.float32) / 24)


def w4_tapegrad(backward=True):
    x, w = (ag.tensor(a, requires_grad=True) for a in _conv_data())

    def step():
        y = ops.conv2d(x, w, padding=1)
        if backward:
            x.grad = w.grad = None
            y.sum().backward()
    return step


def w4_torch(backward=True):
    torch = torch_or_none()
    if torch is None:
        return None
    x, w = (torch.tensor(a, requires_grad=True) for a in _conv_data())

    def step():
        with torch.set_grad_enabled(backward):
            y = torch.nn.functional.conv2d(x, w, padding=1)
        if backward:
            x.grad = w.grad = None
            y.sum().backward()
    return step


def _windows(xp, k):
    """Read-only as_strided windows (N, C, Ho, Wo, kh, kw) of a padded (N, C, Hp, Wp)."""
    return np.lib.stride_tricks.sliding_window_view(xp, k, axis=(2, 3))


def w4_numpy(backward=True):
    """Hand-written NumPy: tensordot over as_strided windows, col2im by a loop over offsets."""
    x, w = _conv_data()

    def step():
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        win = _windows(xp, (3, 3))
        y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
        if backward:
            g = np.ones_like(y)
            np.tensordot(g, win, axes=([0, 2, 3], [0, 2, 3]))            # dw (C_out, C, kh, kw)
            _col2im_loop(np.tensordot(w, g, axes=(0, 1)), xp.shape)      # (C, kh, kw, N, H, W)
    return step


# ---- W4c: the col2im scatter alone (the input gradient of W4 after its GEMM) -----------------

def _cols():
    """Windows in ops.conv's layout: (C*kh*kw, N, Ho, Wo)."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((64 * 9, 32, 32, 32), dtype=np.float32)


def _col2im_loop(cols, padded_shape):
    """col2im as a NumPy loop over kernel offsets: cols (C, kh, kw, N, Ho, Wo), stride 1, added
    into zeros(padded_shape) (N, C, Hp, Wp), then cropped by 1 (pad 1)."""
    gxp = np.zeros(padded_shape, cols.dtype)
    c, kh, kw, n, ho, wo = cols.shape
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + ho, j:j + wo] += cols[:, i, j].transpose(1, 0, 2, 3)
    return gxp[:, :, 1:-1, 1:-1]


def w4c_tapegrad():
    cols, out = _cols(), np.empty(X4, np.float32)
    return lambda: _kernels.col2im(cols, 3, 3, 1, 1, 1, 1, 1, 1, out)


def w4c_numpy():
    cols = _cols().reshape(64, 3, 3, 32, 32, 32)
    return lambda: _col2im_loop(cols, (32, 64, 34, 34))


def w4c_torch():
    """F.fold, PyTorch's col2im, in its layout (N, C*kh*kw, L)."""
    torch = torch_or_none()
    if torch is None:
        return None
    cols = torch.from_numpy(np.ascontiguousarray(_cols().reshape(576, 32, 1024).transpose(1, 0, 2)))
    return lambda: torch.nn.functional.fold(cols, (32, 32), 3, padding=1)


# ---- W5: max_pool2d 2x2 on 32x64x32x32, forward + backward ------------------------------------

def w5_tapegrad():
    x = ag.tensor(_conv_data()[0], requires_grad=True)

    def step():
        x.grad = None
        ops.max_pool2d(x, 2).sum().backward()
    return step


def w5_torch():
    torch = torch_or_none()
    if torch is None:
        return None
    x = torch.tensor(_conv_data()[0], requires_grad=True)

    def step():
        x.grad = None
        torch.nn.functional.max_pool2d(x, 2).sum().backward()
    return step


def w5_numpy():
    """Hand-written NumPy: reshape + max, the gradient by a mask of the maxima (ties all get it)."""
    x = _conv_data()[0]

    def step():
        blocks = x.reshape(32, 64, 16, 2, 16, 2)
        y = blocks.max(axis=(3, 5), keepdims=True)
        return (blocks == y).reshape(x.shape) * np.float32(1)
    return step


WORKLOADS = [
    Workload("W3", "LeNet-5 b64 fwd+bwd", {"tapegrad": w3_tapegrad, "torch": w3_torch},
             target=1.5),
    Workload("W3g", "LeNet-5 b64 grad(loss, x), parameters live",
             {"tapegrad": w3g_tapegrad, "torch": w3g_torch}),
    Workload("W3gf", "LeNet-5 b64 grad(loss, x), parameters frozen",
             {"tapegrad": lambda: w3g_tapegrad(False), "torch": lambda: w3g_torch(False)}),
    Workload("W4", "conv2d 3x3 32x64x32x32 fwd+bwd",
             {"tapegrad": w4_tapegrad, "torch": w4_torch, "numpy": w4_numpy},
             flops=3 * CONV_FLOPS, target=1.5),
    Workload("W4f", "conv2d 3x3 32x64x32x32 forward",
             {"tapegrad": lambda: w4_tapegrad(False), "torch": lambda: w4_torch(False),
              "numpy": lambda: w4_numpy(False)}, flops=CONV_FLOPS),
    Workload("W4c", "col2im 32x576x32x32 -> 32x64x32x32 (numba vs loop)",
             {"tapegrad": w4c_tapegrad, "torch": w4c_torch, "numpy": w4c_numpy}),
    Workload("W5", "max_pool2d 2x2 32x64x32x32 fwd+bwd",
             {"tapegrad": w5_tapegrad, "torch": w5_torch, "numpy": w5_numpy}, target=1.0),
]


# ---- memory ---------------------------------------------------------------------------------

def _rss_mib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def lenet_peak(impl):
    """Print, in MiB, the RSS of `impl` before its first LeNet step (imports and data), after it
    (kernels loaded, buffers allocated once) and the peak over 20 more steps."""
    step = {"tapegrad": w3_tapegrad, "torch": w3_torch}[impl]()
    before = _rss_mib()
    step()
    first = _rss_mib()
    for _ in range(20):
        step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{impl}: RSS before the first step {before:.0f} MiB, after it {first:.0f} MiB, "
          f"peak over 20 more {peak:.0f} MiB")


def memory():
    """lenet_peak of each framework, each in a fresh process."""
    for impl in ("tapegrad", "torch"):
        code = f"from benchmarks.conv import lenet_peak; lenet_peak({impl!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
