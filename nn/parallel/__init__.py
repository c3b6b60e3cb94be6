"""Data parallelism (torch.nn.parallel): DistributedDataParallel over MPI, and DataParallel,
which on the CPU is the module itself, as PyTorch's without GPUs."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
