"""torch.fft for tapegrad: fftshift and ifftshift (real, differentiable: a reordering).

The transforms themselves (fft, ifft, rfft, irfft, fft2, fftn, ...) produce complex tensors,
and tapegrad differentiates real tensors only, so they are not provided: compute them with
numpy.fft on detached data where no gradient is needed (README, "What is not supported")."""
import numpy as np

from ops._util import along, normalize_dims


def _shift(x, dim, sign):
    dims = normalize_dims(dim, np.ndim(x), "fftshift" if sign > 0 else "ifftshift")
    for d in dims:
        n = np.shape(x)[d]
        x = along(x, d, (np.arange(n) - sign * (n // 2)) % n if n else np.arange(0))
    return x


def fftshift(input, dim=None):
    """The zero-frequency term moved to the centre of each dim in `dim` (all by default)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of fftshift."""
    return _shift(input, dim, -1)
