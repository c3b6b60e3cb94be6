"""How the process's heap keeps memory that tapegrad frees.

NumPy takes its large buffers from glibc's malloc. By default glibc hands memory at the top of
the heap back to the OS once more than a few MiB of it is free, and serves blocks above a
threshold (128 KiB at first) straight from mmap. A train step frees nearly everything it
allocated when its backward pass ends, and the next step asks for the same sizes again: every
page comes back from the OS one fault at a time. On our 2-core VMs, where a fault costs a few
microseconds, that was 8,500 faults and 35 ms of system time in each ResNet-18 step (W11),
about a fifth of the step.

`retain_freed(limit)` tells glibc to keep up to `limit` bytes of free heap for reuse, and to
serve blocks below 32 MiB from the heap. `import autograd` applies it with the limit in MiB
from the environment variable TAPEGRAD_HEAP_RETAIN_MB (default 512); 0 leaves glibc as it is.
The cost is resident memory: after a peak, up to `limit` bytes stay with the process (its peak
does not grow). Elsewhere than glibc (musl, macOS, Windows) it does nothing.
"""
import ctypes
import ctypes.util
import os
import platform

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3        # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 << 20                            # glibc's ceiling for its own adaptive one
DEFAULT_RETAIN_MB = 512


def retain_freed(limit):
    """Keep up to `limit` bytes of freed heap in the process for reuse, and serve blocks below
    32 MiB from the heap; returns whether glibc took the settings (False elsewhere)."""
    if limit < 0:
        raise ValueError(f"retain_freed: limit must be >= 0 bytes, got {limit}")
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and libc.mallopt(_M_TRIM_THRESHOLD, int(min(limit, 2**31 - 1))))


def _apply_environment():
    """retain_freed as TAPEGRAD_HEAP_RETAIN_MB says (at import)."""
    value = os.environ.get("TAPEGRAD_HEAP_RETAIN_MB", str(DEFAULT_RETAIN_MB))
    try:
        mb = int(value)
    except ValueError:
        raise ValueError(f"TAPEGRAD_HEAP_RETAIN_MB must be a whole number of MiB (0 leaves "
                         f"glibc's malloc as it is), got {value!r}") from None
    if mb < 0:
        raise ValueError(f"TAPEGRAD_HEAP_RETAIN_MB must be >= 0, got {mb}")
    return mb > 0 and retain_freed(mb << 20)
