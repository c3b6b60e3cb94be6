"""ONNX forms of the elementwise, activation and reduction primitives. Each mapping takes the
graph and the call and returns the name of the output value; operands are brought to the
output's dtype first, as NumPy's promotion did in the traced run."""
import math

import numpy as np

# primitive -> the ONNX op computing it from operands in the output dtype
_SAME_DTYPE = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow",
               "maximum": "Max", "minimum": "Min", "neg": "Neg", "exp": "Exp", "log": "Log",
               "sqrt": "Sqrt", "abs": "Abs", "sign": "Sign", "sin": "Sin", "cos": "Cos",
               "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "erf": "Erf"}


def _operands(g, call):
    return [g.input(call, j, call.out.dtype) for j in range(len(call.inputs))]


def same_dtype(g, call):
    return g.node(_SAME_DTYPE[call.name], _operands(g, call))


def _scalar(g, call, value):
    return g.const(value, call.out.dtype)


def log1p(g, call):
    x, = _operands(g, call)
    return g.node("Log", [g.node("Add", [x, _scalar(g, call, 1)])])


def expm1(g, call):
    x, = _operands(g, call)
    return g.node("Sub", [g.node("Exp", [x]), _scalar(g, call, 1)])


def logaddexp(g, call):
    """max + log(1 + exp(-|a - b|)), as stable as NumPy's."""
    a, b = _operands(g, call)
    tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [g.node("Sub", [a, b])])])])
    return g.node("Add", [g.node("Max", [a, b]),
                          g.node("Log", [g.node("Add", [tail, _scalar(g, call, 1)])])])


def leaky_relu(g, call):
    return g.node("LeakyRelu", _operands(g, call), alpha=float(call["negative_slope"]))


def elu(g, call):                          # scale * elu(x, alpha): SELU's form
    return g.node("Selu", _operands(g, call), alpha=float(call["alpha"]),
                  gamma=float(call["scale"]))


def softplus(g, call):
    """log(1 + exp(beta x)) / beta; above the threshold PyTorch's linear branch agrees to
    rounding."""
    x, = _operands(g, call)
    beta = call["beta"]
    if beta == 1:
        return g.node("Softplus", [x])
    bx = g.node("Mul", [x, _scalar(g, call, beta)])
    return g.node("Div", [g.node("Softplus", [bx]), _scalar(g, call, beta)])


def gelu(g, call):
    """x Phi(x): 0.5 x (1 + erf(x / sqrt 2)), or the tanh form."""
    x, = _operands(g, call)
    if call["approximate"] == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, _scalar(g, call, 0.044715)])])
        core = g.node("Tanh", [g.node("Mul", [inner, _scalar(g, call, math.sqrt(2 / math.pi))])])
    else:
        core = g.node("Erf", [g.node("Div", [x, _scalar(g, call, math.sqrt(2))])])
    half_x = g.node("Mul", [x, _scalar(g, call, 0.5)])
    return g.node("Mul", [half_x, g.node("Add", [core, _scalar(g, call, 1)])])


def silu(g, call):
    x, = _operands(g, call)
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


def _clip(g, call, low, high):
    """The input between the settings `low` and `high` (scalars or arrays; None: unbounded)."""
    x, = _operands(g, call)
    for key, op in ((low, "Max"), (high, "Min")):
        if call[key] is not None:
            x = g.node(op, [x, g.setting(call, key, call.out.dtype)])
    return x


def hardtanh(g, call):
    return _clip(g, call, "min_val", "max_val")


def clamp(g, call):
    return _clip(g, call, "min", "max")


def where(g, call):
    cond = g.input(call, 0, np.bool_)
    return g.node("Where", [cond, g.input(call, 1, call.out.dtype),
                            g.input(call, 2, call.out.dtype)])


def astype(g, call):
    return g.cast(g.input(call, 0), call.out.dtype)


def softmax(g, call):
    return g.node("Softmax", [g.input(call, 0, call.out.dtype)], axis=int(call["dim"]))


def log_softmax(g, call):
    return g.node("LogSoftmax", [g.input(call, 0, call.out.dtype)], axis=int(call["dim"]))


# ---- reductions --------------------------------------------------------------------------------

def _axes(call):
    """The reduced axes (None: all) and keepdim, from dim/keepdim or NumPy's axis/keepdims."""
    dim = call["dim"] if call["dim"] is not None else call["axis"]
    keep = call["keepdim"] if call["keepdims"] is None else call["keepdims"]
    if dim is None:
        return None, keep
    return ((dim,) if isinstance(dim, int) else tuple(dim)), keep


def _reduction(op):
    def reduction(g, call):
        axes, keep = _axes(call)
        return g.reduce(op, g.input(call, 0, call.out.dtype), axes, keep)
    reduction.__name__ = op
    return reduction


MAPPINGS = {**{name: same_dtype for name in _SAME_DTYPE},
            "log1p": log1p, "expm1": expm1, "logaddexp": logaddexp, "leaky_relu": leaky_relu,
            "elu": elu, "softplus": softplus, "gelu": gelu, "silu": silu,
            "hardtanh": hardtanh, "clamp": clamp, "where": where, "astype": astype,
            "softmax": softmax, "log_softmax": log_softmax,
            "sum": _reduction("ReduceSum"), "mean": _reduction("ReduceMean"),
            "amax": _reduction("ReduceMax"), "amin": _reduction("ReduceMin"),
            "logsumexp": _reduction("ReduceLogSumExp")}
