"""torch.signal.windows: window functions of M points, as PyTorch's (and SciPy's): symmetric
by default; sym=False gives the periodic window (the symmetric one of M + 1 points without its
last). Results are float32 unless `dtype` says otherwise; they are constants (requires_grad
makes a leaf)."""
import numpy as np

from ..factories import _leaf
from ..device import check_device


def _window(name, values, M, sym, dtype, device, requires_grad):
    """values(n, m): the symmetric window of m points at positions n = 0 .. m - 1."""
    check_device(device, f"signal.windows.{name}")
    if M < 0:
        raise ValueError(f"signal.windows.{name}: M must be non-negative, got {M}")
    if M <= 1:
        return _leaf(np.ones(M), dtype, requires_grad)
    m = M if sym else M + 1
    return _leaf(np.asarray(values(np.arange(m, dtype=np.float64), m))[:M], dtype,
                 requires_grad)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """sum_k (-1)^k a[k] cos(2 pi k n / (M - 1))."""
    def values(n, m):
        return sum((-1) ** i * c * np.cos(2 * np.pi * i * n / (m - 1)) for i, c in enumerate(a))
    return _window("general_cosine", values, M, sym, dtype, device, requires_grad)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None,
                    requires_grad=False):
    return general_cosine(M, a=[alpha, 1 - alpha], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, alpha=0.54, sym=sym, dtype=dtype, device=device,
                           requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """1 - |2 n / (M - 1) - 1|."""
    return _window("bartlett", lambda n, m: 1 - np.abs(2 * n / (m - 1) - 1), M, sym, dtype,
                   device, requires_grad)


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """sin(pi (n + 1/2) / M)."""
    return _window("cosine", lambda n, m: np.sin(np.pi * (n + 0.5) / m), M, sym, dtype,
                   device, requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None,
                requires_grad=False):
    """exp(-|n - center| / tau), centred by default."""
    if sym and center is not None:
        raise ValueError("signal.windows.exponential: center must be None for a symmetric "
                         "window")
    return _window("exponential", lambda n, m: np.exp(-np.abs(
        n - ((m - 1) / 2 if center is None else center)) / tau), M, sym, dtype, device,
        requires_grad)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None,
             requires_grad=False):
    """exp(-(n - (M - 1) / 2)^2 / (2 std^2))."""
    return _window("gaussian", lambda n, m: np.exp(-((n - (m - 1) / 2) / std) ** 2 / 2), M,
                   sym, dtype, device, requires_grad)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None,
           requires_grad=False):
    """I0(beta sqrt(1 - (2 n / (M - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser", lambda n, m: np.i0(beta * np.sqrt(
        np.clip(1 - (2 * n / (m - 1) - 1) ** 2, 0, None))) / np.i0(beta), M, sym, dtype,
        device, requires_grad)
