"""DataParallel: PyTorch's single-process, multi-GPU wrapper. Without GPUs (as on PyTorch's
CPU builds) it runs the module as it is; its state-dict keys carry the "module." prefix."""
from ..module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if device_ids or output_device is not None:
            raise ValueError(f"DataParallel: device_ids={device_ids!r}, output_device="
                             f"{output_device!r}: tapegrad computes on the CPU; leave them None")
        self.module, self.dim = module, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
