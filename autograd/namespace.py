"""The functions of the `torch` namespace: `autograd.exp(t)`, `autograd.cat([a, b], 1)`, ...

Every public op of `ops` is one (its signature is PyTorch's), and so is every Tensor method
that PyTorch also has as a function, `torch.NAME(input, *args)` being `input.NAME(*args)`;
where both exist the method is taken (it carries the method-only keywords, e.g. `alpha=`), but
for `where` and `polygamma`, whose function forms put the condition and the order first. The
dtypes are NumPy's, under PyTorch's names.
"""
import numpy as np

import ops
from .tensor import Tensor

# Tensor methods that PyTorch also has as torch.NAME(input, ...) and ops does not define
METHOD_FUNCTIONS = (
    "true_divide", "addmm", "all", "allclose", "any", "baddbmm", "bmm", "ceil", "clamp_", "clamp_max",
    "clamp_min", "clone", "detach", "diag", "eq", "equal", "fill_", "floor", "ge", "gt",
    "index_select", "isfinite", "isinf", "isnan", "le", "lerp", "logical_not", "lt",
    "masked_fill", "masked_select", "mm", "movedim", "nan_to_num", "narrow", "ne", "neg_",
    "nonzero", "numel", "reciprocal", "repeat_interleave", "roll", "round", "rsqrt", "square",
    "t", "trace", "tril", "triu", "trunc", "unbind", "unflatten", "zero_")

# ops functions that are tapegrad's own plumbing, not torch functions
NOT_FUNCTIONS = {"MaxResult", "astype", "getitem", "recurrence", "index_put_add", "view",
                 "expand", "repeat",
                 # torchvision.ops' and the course's detection ops: ops.nms, not torch.nms
                 "box_area", "box_iou", "box_convert", "nms", "batched_nms", "roi_pool",
                 "roi_align", "multibox_prior", "multibox_target", "multibox_detection"}
FUNCTION_FORM = {"where", "polygamma"}    # the ops form, not the method's argument order:
                                          # where(condition, ...), polygamma(n, input)

DTYPES = {"float32": np.float32, "float": np.float32, "float64": np.float64,
          "double": np.float64, "float16": np.float16, "half": np.float16,
          "complex64": np.complex64, "cfloat": np.complex64, "complex128": np.complex128,
          "cdouble": np.complex128, "int64": np.int64, "long": np.int64, "int32": np.int32,
          "int": np.int32, "int16": np.int16, "short": np.int16, "int8": np.int8,
          "uint8": np.uint8, "bool": np.bool_}


def _from_method(name):
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return method(input, *args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    return function


def functions():
    """{name: function} of the namespace."""
    out = {n: getattr(ops, n) for n in dir(ops)
           if not n.startswith("_") and n not in NOT_FUNCTIONS
           and callable(getattr(ops, n)) and type(getattr(ops, n)).__name__ != "module"}
    for name in set(out) | set(METHOD_FUNCTIONS):
        if hasattr(Tensor, name) and name not in FUNCTION_FORM:
            out[name] = _from_method(name)
    out.update((name, np.dtype(t)) for name, t in DTYPES.items())
    return out
