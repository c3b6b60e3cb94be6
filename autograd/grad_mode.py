"""Grad modes: whether primitive calls record on the tape. Thread-local, like PyTorch's."""
import functools
import threading

_state = threading.local()


def is_grad_enabled():
    """True when primitive calls on this thread record on the tape."""
    return getattr(_state, "enabled", True)


class _GradMode:
    """A context manager and decorator that runs its body with grad mode set to `mode`."""
    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapped


class no_grad(_GradMode):
    """Nothing computed inside records on the tape; results do not require grad."""
    mode = False


class enable_grad(_GradMode):
    """Recording on, e.g. inside a no_grad block."""
    mode = True


class set_grad_enabled(_GradMode):
    """Grad mode `mode`. Like torch.set_grad_enabled, a plain call takes effect at once;
    as a context manager the previous mode comes back on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = is_grad_enabled()
        _state.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        _state.enabled = self.prev          # used as a decorator: undo the eager switch
        return super().__call__(fn)


def is_recording():
    """True while the engine runs VJPs for a backward pass that is itself recorded
    (create_graph=True). A VJP with a fused NumPy path takes it only when this is false."""
    return getattr(_state, "recording", False)


class recording:
    """The engine's switch for `is_recording` around one backward pass (nests)."""

    def __init__(self, on):
        self.on = on

    def __enter__(self):
        self.prev = is_recording()
        _state.recording = self.on

    def __exit__(self, *exc):
        _state.recording = self.prev
