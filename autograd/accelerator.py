"""torch.accelerator: tapegrad has none; programs that look for one fall back to the CPU."""


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0
