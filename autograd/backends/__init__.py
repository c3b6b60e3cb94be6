"""torch.backends: the flags programs set (cudnn.benchmark, ...) are there and settable; on the
CPU, as on PyTorch's CPU builds, they change nothing."""
from . import cudnn, mps
