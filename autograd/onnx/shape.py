"""ONNX forms of the shape and indexing primitives. A target shape is the traced output's
shape with -1 where it follows a dynamic axis, so that one graph serves every batch size."""
import numpy as np

from .. import engine
from .trace import ExportError

_BIG = np.iinfo(np.int64).max


def _dynamic_error(call, what):
    return ExportError(f"{call.name}: {what} has no ONNX form that follows the dynamic axes; "
                       "export without dynamic_axes")


def target_shape(g, call):
    """The output shape of `call` for a Reshape: -1 at the one dim that follows a dynamic
    axis."""
    shape = list(call.out.shape)
    dynamic = g.dynamic_dims(call)
    if len(dynamic) > 1:
        raise _dynamic_error(call, f"a reshape to {call.out.shape} with dims {sorted(dynamic)} "
                                   "following dynamic axes")
    for d in dynamic:
        shape[d] = -1
    return g.ints(shape)


def reshape(g, call):
    return g.node("Reshape", [g.input(call, 0), target_shape(g, call)])


def permute(g, call):
    ndim = len(call.out.shape)
    return g.node("Transpose", [g.input(call, 0)], perm=[d % ndim for d in call["dims"]])


def broadcast_to(g, call):
    """Expand; a dimension that follows a dynamic axis stays 1 in the target, and the input,
    which has it at full size, sets it."""
    shape, lead = list(call.out.shape), len(call.out.shape) - np.ndim(call.inputs[0])
    have = g.dynamic_dims(call, 0)
    for d in g.dynamic_dims(call):
        if d - lead not in have:
            raise _dynamic_error(call, f"broadcasting a fixed size to dynamic dim {d}")
        shape[d] = 1
    return g.node("Expand", [g.input(call, 0), g.ints(shape)])


def cat(g, call):
    ndim = len(call.out.shape)
    return g.node("Concat", [g.input(call, j, call.out.dtype) for j in range(len(call.inputs))],
                  axis=call["dim"] % ndim)


def getitem(g, call):
    """Basic indexing (ints, slices, None, Ellipsis) and one integer or boolean array: a Slice
    for the slices, a Gather per int or array (from the last axis, so the others keep their
    place; negative positions count from the end in both ops, also on a dynamic axis), an
    Unsqueeze for the new axes."""
    index = call["index"]
    items = list(index) if isinstance(index, tuple) else [index]
    items = [np.asarray(i._data if isinstance(i, engine.Tensor) else i)
             if isinstance(i, (list, engine.Tensor)) else i for i in items]
    ndim = np.ndim(call.inputs[0])
    if any(i is Ellipsis for i in items):
        at = items.index(Ellipsis)
        used = sum(i is not None and i is not Ellipsis for i in items)
        items[at:at + 1] = [slice(None)] * (ndim - used)
    slices, gathers, new_axes, axis, out_axis = [], [], [], 0, 0
    for i in items:
        if i is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        if isinstance(i, slice):
            if i != slice(None):
                slices.append((axis, i))
            out_axis += 1
        elif isinstance(i, np.ndarray) and i.ndim:
            i = np.nonzero(i)[0] if i.dtype == np.bool_ else i
            if i.ndim != 1 or (gathers and np.ndim(gathers[-1][1])):
                raise _unsupported(call, index)
            gathers.append((axis, i))
            out_axis += i.ndim
        elif isinstance(i, (int, np.integer)) or (isinstance(i, np.ndarray) and i.ndim == 0):
            gathers.append((axis, np.int64(i)))
        else:
            raise _unsupported(call, index)
        axis += 1
    x = g.input(call, 0)
    if slices:
        x = g.node("Slice", [x, *(g.ints(v) for v in _slice_inputs(slices))])
    for axis, i in reversed(gathers):
        x = g.node("Gather", [x, g.const(np.asarray(i, np.int64))], axis=axis)
    return g.unsqueeze(x, new_axes) if new_axes else x


def _unsupported(call, index):
    return ExportError(f"getitem: index {index!r} has no ONNX mapping (supported: ints, slices, "
                       "None, Ellipsis and one 1-D integer or boolean array)")


def _slice_inputs(slices):
    """starts, ends, axes, steps of ONNX Slice for (axis, slice) pairs, as Python's slicing."""
    starts, ends, axes, steps = [], [], [], []
    for axis, s in slices:
        step = 1 if s.step is None else s.step
        starts.append(s.start if s.start is not None else (0 if step > 0 else -1))
        ends.append(s.stop if s.stop is not None else (_BIG if step > 0 else -_BIG))
        axes.append(axis)
        steps.append(step)
    return starts, ends, axes, steps


def flip(g, call):
    dims = [d % len(call.out.shape) for d in call["dims"]]
    return g.node("Slice", [g.input(call, 0), *(g.ints(v) for v in _slice_inputs(
        [(d, slice(None, None, -1)) for d in dims]))])


def pad(g, call):
    """Constant padding; PyTorch's flat (before, after) pairs run from the last axis."""
    widths, ndim = call["pad"], len(call.out.shape)
    before, after = [0] * ndim, [0] * ndim
    for k in range(len(widths) // 2):
        before[ndim - 1 - k], after[ndim - 1 - k] = widths[2 * k], widths[2 * k + 1]
    return g.node("Pad", [g.input(call, 0), g.ints(before + after),
                          g.const(call["value"], call.out.dtype)])


def tile(g, call):
    reps = call["reps"]
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    x, lead = g.input(call, 0), len(reps) - np.ndim(call.inputs[0])
    if lead > 0:
        x = g.unsqueeze(x, list(range(lead)))
    return g.node("Tile", [x, g.ints((1,) * -lead + reps)])


MAPPINGS = {"reshape": reshape, "permute": permute, "broadcast_to": broadcast_to, "cat": cat,
            "getitem": getitem, "flip": flip, "pad": pad, "tile": tile}
