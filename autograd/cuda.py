"""torch.cuda as on PyTorch's CPU builds: no device is there. The seeding calls and
empty_cache do nothing, so device-agnostic programs run; anything that needs a GPU raises."""

_NO_GPU = ("{}: tapegrad computes on the CPU; no CUDA device is available "
           "(check autograd.cuda.is_available() first)")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Seeds nothing: there is no CUDA generator (autograd.manual_seed seeds the CPU)."""


manual_seed_all = manual_seed


def empty_cache():
    """Frees nothing: there is no CUDA memory."""


def _unavailable(name):
    def call(*args, **kwargs):
        raise RuntimeError(_NO_GPU.format(f"cuda.{name}"))
    call.__name__ = name
    return call


current_device = _unavailable("current_device")
synchronize = _unavailable("synchronize")
set_device = _unavailable("set_device")
get_device_name = _unavailable("get_device_name")
