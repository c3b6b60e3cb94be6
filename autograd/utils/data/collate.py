"""default_collate and default_convert: turning a list of samples into a batch, as torch's.

Tensors and NumPy arrays are stacked into a Tensor along a new first dimension; Python floats
become a float64 Tensor, ints int64, bools bool; strings and bytes stay the sequence they came in; dicts,
namedtuples, tuples and lists are collated field by field (a tuple or list of fields comes back
as a list, as in PyTorch)."""
import collections.abc

import numpy as np

from ...tensor import Tensor


def _stack(arrays, what):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: stack expects each {what} to be equal size, but "
                           f"got shapes {sorted(shapes)}")
    return Tensor(np.stack(arrays))


def default_collate(batch):
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([t._data for t in batch], "tensor")
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found numpy array of dtype {elem.dtype}")
        return _stack(list(batch), "array")
    if isinstance(elem, np.generic):
        return Tensor(np.array(batch))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, np.bool_))
    if isinstance(elem, int):
        return Tensor(np.array(batch, np.int64))
    if isinstance(elem, float):
        return Tensor(np.array(batch, np.float64))
    if isinstance(elem, (str, bytes)):
        return batch                             # as given: a field's strings come as a tuple
    if isinstance(elem, collections.abc.Mapping):
        return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):              # a namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if len({len(e) for e in batch}) > 1:
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        return [default_collate(s) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem).__name__}")


def default_convert(data):
    """One sample without batching (batch_size=None): NumPy arrays become Tensors, containers
    are converted element by element, the rest is left as it is."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return Tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    return data
