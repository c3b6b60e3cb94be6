"""torch.device for tapegrad, which computes on the CPU only: `device("cpu")`, `device("cpu", 0)`
and `device(device("cpu"))` are the CPU; any other type raises, saying so. `check_device`
is what every `device=` argument goes through."""


class device:
    """The CPU: `.type` is "cpu", `.index` None (or the index given); equal to the string
    "cpu" and to another cpu device, as torch.device."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        kind, _, number = str(type).partition(":")
        if kind != "cpu":
            raise RuntimeError(f"device: tapegrad computes on the CPU only; got device "
                               f"{type!r} (use 'cpu' or None)")
        if number:
            index = int(number)
        self.type, self.index = "cpu", index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        return isinstance(other, device) and (other.type, other.index) == (self.type, self.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


def check_device(value, op):
    """None, "cpu" or a cpu device pass; anything else is a RuntimeError naming `op`."""
    if value is None or isinstance(value, device):
        return
    try:
        device(value)
    except (RuntimeError, ValueError):
        raise RuntimeError(f"{op}: tapegrad computes on the CPU only; got device={value!r} "
                           "(use 'cpu', None or autograd.device('cpu'))") from None


def is_device(value):
    """Whether a `to()` argument names a device (rather than a dtype such as "float32")."""
    return isinstance(value, device) or isinstance(value, str) and value.partition(":")[0] in (
        "cpu", "cuda", "mps", "xpu", "meta", "xla", "hip", "mtia", "privateuseone")
