"""ONNX forms of the layer primitives: linear, matmul, einsum, conv2d, max pooling (pool_gather
with its windows), batch_norm (eval), layer_norm, embedding."""
import numpy as np

from .shape import target_shape
from .trace import ExportError


def _operands(g, call):
    return [g.input(call, j, call.out.dtype) for j in range(len(call.inputs))]


def linear(g, call):
    """x W^T + b: Gemm for a matrix x, else MatMul with the transposed weight."""
    x, w, b = _operands(g, call)
    if len(call.out.shape) == 2:
        return g.node("Gemm", [x, w] + ([b] if b else []), transB=1)
    y = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
    return g.node("Add", [y, b]) if b else y


def matmul(g, call):
    return g.node("MatMul", _operands(g, call))


def einsum(g, call):
    return g.node("Einsum", _operands(g, call), equation=call["subscripts"])


def conv2d(g, call):
    """Conv; the high-side padding follows from the output size (0 where PyTorch's floor
    drops trailing input rows, which ONNX's floor drops too)."""
    x, w, b = _operands(g, call)
    geom, (_, _, h, wd), k = call["geom"], call.inputs[0].shape, call.inputs[1].shape[2:]
    high = [max(0, (o - 1) * s + d * (kk - 1) + 1 - n - p) for o, s, d, kk, n, p in
            zip(call["out_hw"], geom.stride, geom.dilation, k, (h, wd), geom.padding)]
    return g.node("Conv", [x, w] + ([b] if b else []), kernel_shape=list(k),
                  strides=list(geom.stride), dilations=list(geom.dilation),
                  pads=list(geom.padding) + high, group=int(geom.groups))


def pool_gather(g, call):
    """A max pool (windows of equal size at a regular stride) as MaxPool over the last nd
    axes; the high-side padding follows from the output size, as conv2d's."""
    windows = call["windows"]
    if windows is None:
        raise ExportError("pool_gather: a gather at given positions (not the maxima of pooling "
                          "windows) has no ONNX mapping")
    k, s, p, d, high = [], [], [], [], []
    for (starts, counts, dilation), n in zip(windows, call.inputs[0].shape[-len(windows):]):
        step = int(starts[1] - starts[0]) if len(starts) > 1 else 1
        if len(set(counts.tolist())) != 1 or np.any(np.diff(starts) != step):
            raise ExportError("pool_gather: adaptive max pooling with an output size that does "
                              f"not divide the input size ({n} into {len(starts)}) has no ONNX "
                              "mapping")
        k.append(int(counts[0]))
        s.append(step)
        p.append(int(-starts[0]))
        d.append(int(dilation))
        high.append(max(0, int(starts[-1]) + d[-1] * (k[-1] - 1) + 1 - n))
    x, lead = g.input(call, 0), len(call.out.shape) - len(windows)
    if lead != 2:                       # MaxPool wants (N, C, *spatial)
        x = g.node("Reshape", [x, g.ints((-1, 1) + call.inputs[0].shape[lead:])])
    y = g.node("MaxPool", [x], kernel_shape=k, strides=s, pads=p + high, dilations=d)
    if lead != 2:
        y = g.node("Reshape", [y, target_shape(g, call)])
    return y


def batch_norm(g, call):
    if call["training"]:
        raise ExportError("batch_norm: training=True (batch statistics) does not export; "
                          "export runs the model in eval mode, with its running statistics")
    x, weight, bias = _operands(g, call)
    c, dtype = call.inputs[0].shape[1], call.out.dtype
    weight = weight or g.const(np.ones(c), dtype)
    bias = bias or g.const(np.zeros(c), dtype)
    mean, var = (g.setting(call, key, dtype) for key in ("running_mean", "running_var"))
    return g.node("BatchNormalization", [x, weight, bias, mean, var],
                  epsilon=float(call["eps"]))


def layer_norm(g, call):
    shape = call["normalized_shape"]
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    x, weight, bias = _operands(g, call)
    dtype = call.out.dtype
    weight = weight or g.const(np.ones(shape), dtype)
    return g.node("LayerNormalization", [x, weight] + ([bias] if bias else []),
                  axis=-len(shape), epsilon=float(call["eps"]))


def embedding(g, call):
    return g.node("Gather", [g.input(call, 0), g.setting(call, "indices", np.int64)], axis=0)


MAPPINGS = {"linear": linear, "matmul": matmul, "einsum": einsum, "conv2d": conv2d,
            "pool_gather": pool_gather, "batch_norm": batch_norm, "layer_norm": layer_norm,
            "embedding": embedding}
