"""The recurrence primitive as ONNX RNN, LSTM or GRU.

recurrence takes the input projections xw = x W_ih^T + b_ih already computed (T, B, G), in
PyTorch's gate order. The ONNX op gets xw as its input sequence with W a (G, G) permutation
matrix: X W^T reorders the gates into ONNX's (LSTM i, o, f, c; GRU z, r, h) and adds nothing
else, exactly. R is W_hh with its rows in the same order, B = (0, b_hh). GRU runs with
linear_before_reset, PyTorch's form r * (W_hn h + b_hn). A zero initial state (the layers'
default) is left out, so the state follows the batch size.
"""
import numpy as np

from .trace import ExportError

# ONNX's gate order, as blocks of PyTorch's
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _state(g, call, j):
    """Input j (h0 or c0) as (1, B, H), or "" where it is a zero constant."""
    x = call.inputs[j]
    if x is None or (isinstance(x, np.ndarray) and id(x) not in g.names and not x.any()):
        return ""
    return g.unsqueeze(g.input(call, j, call.out.dtype), [0])


def recurrence(g, call):
    mode, dtype = call["mode"], call.out.dtype
    if call["batch_sizes"] is not None:
        raise ExportError("recurrence: packed sequences (batch_sizes) have no ONNX mapping; "
                          "export the model on a padded batch")
    xw, w_hh, b_hh = (g.input(call, j, dtype) for j in range(3))
    gates, n = call.inputs[1].shape
    rows = np.concatenate([np.arange(b * n, (b + 1) * n) for b in _ORDER[mode]])
    permutation = g.const(np.eye(gates)[rows][None], dtype)             # (1, G, G)
    r = g.unsqueeze(g.node("Gather", [w_hh, g.const(rows)], axis=0), [0])   # (1, G, H)
    rb = (g.node("Gather", [b_hh, g.const(rows)], axis=0) if b_hh
          else g.const(np.zeros(gates), dtype))
    bias = g.unsqueeze(g.node("Concat", [g.const(np.zeros(gates), dtype), rb], axis=0), [0])
    op, attrs = {"LSTM": ("LSTM", {}), "GRU": ("GRU", {"linear_before_reset": 1}),
                 "RNN_TANH": ("RNN", {"activations": ["Tanh"]}),
                 "RNN_RELU": ("RNN", {"activations": ["Relu"]})}[mode]
    inputs = [xw, permutation, r, bias, "", _state(g, call, 3)]
    if mode == "LSTM":
        inputs.append(_state(g, call, 4))
    outs = g.node(op, inputs, outputs=3 if mode == "LSTM" else 2, hidden_size=int(n),
                  direction="reverse" if call["reverse"] else "forward", **attrs)
    hs = g.squeeze(outs[0], [1])                           # (T, 1, B, H) -> (T, B, H)
    if mode == "LSTM":                                     # c_n appended: (T + 1, B, H)
        return g.node("Concat", [hs, outs[2]], axis=0)
    return hs
