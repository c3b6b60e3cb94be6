"""Anomaly detection: every op remembers where it was called, and the first NaN or Inf produced
by a forward op or a VJP raises an error naming the op and showing that place.

Off by default and free when off (no hook is installed). With it on, each op call pays a
traceback capture and a finiteness check: use it to debug, not to train.
"""
import traceback

import numpy as np

from . import engine
from .tensor import Tensor


def _bad_values(a):
    """'NaN', 'Inf' or None for a floating array."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc" or np.isfinite(a).all():
        return None
    return "NaN" if np.isnan(a).any() else "Inf"


class _AnomalyHook:
    def __init__(self):
        self._nested = 0              # > 0 while a VJP runs: its op calls are checked via its result

    def forward(self, name, fwd_seconds, op_seconds, out, call):
        if self._nested:
            return
        data = out._data if isinstance(out, Tensor) else out
        if isinstance(out, Tensor) and out._node is not None:
            out._node.trace = traceback.extract_stack()[:-2]
        bad = _bad_values(data)
        if bad:
            where = "".join(traceback.format_stack()[:-2])
            raise RuntimeError(f"{name}: forward produced {bad} values (output shape "
                               f"{np.shape(data)}). It was called at:\n{where}")

    def before_vjp(self):
        self._nested += 1

    def after_vjp(self, node, seconds):
        self._nested -= 1

    def check_vjp(self, node, gx):
        bad = _bad_values(gx._data if isinstance(gx, Tensor) else gx)
        if bad:
            where = ("".join(traceback.format_list(node.trace)) if node.trace
                     else "  (recorded before anomaly detection was enabled)\n")
            raise RuntimeError(f"{node.name}: its VJP returned {bad} values (gradient of shape "
                               f"{np.shape(gx)}). The forward op was called at:\n{where}")

    def backward(self, seconds):
        pass


_HOOK = _AnomalyHook()


def is_anomaly_enabled():
    return _HOOK in engine._hooks


def set_detect_anomaly(mode):
    """Turn anomaly detection on or off for the whole process."""
    engine.remove_hook(_HOOK)
    if mode:
        engine.add_hook(_HOOK)


class detect_anomaly:
    """Context manager (and decorator) running its body with anomaly detection on."""

    def __enter__(self):
        self.prev = is_anomaly_enabled()
        set_detect_anomaly(True)
        return self

    def __exit__(self, *exc):
        set_detect_anomaly(self.prev)

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with detect_anomaly():
                return fn(*args, **kwargs)
        wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
        return wrapped
