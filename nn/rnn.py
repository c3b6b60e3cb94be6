"""Recurrent layers: RNN (tanh or relu), LSTM and GRU, and their single-step cells.

Parameters, layouts and gate orders are PyTorch's (weight_ih_l{k}{_reverse} of shape
(gates * hidden, input), LSTM gates i, f, g, o; GRU gates r, z, n with b_hn inside the reset
product), so weights copy across. A time step is a handful of primitives: the input of step t,
a column of ones (standing for the biases) and the hidden state are concatenated, z_t =
[x_t, 1, h], and one matmul per gate with the weights [W_ih, b_ih + b_hh, W_hh] (transposed
once per forward) gives its pre-activation. Per-step outputs are kept as lists, so the next
layer never slices a stacked tensor (whose gradient would be a scatter into the whole
sequence), and are joined with one cat at the end.
"""
import math

import numpy as np

import ops
from autograd.tensor import Tensor
from . import functional as F
from . import init
from .module import Module, check_features, empty_parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _col(b):
    return ops.reshape(b, (-1, 1))                              # (G,) -> (G, 1)


def _prepare(mode, w_ih, w_hh, b_ih, b_hh):
    """The per-gate weights a step multiplies z = [x, 1, h] (or [x, h] without biases) by:
    (K, H) matrices, K = input + 1 + hidden; for GRU also the n gate's input part (acting on
    [x, 1]) and hidden part (acting on [1, h])."""
    h = w_hh.shape[1]
    bias = b_ih is not None
    if mode != "GRU":
        parts = [w_ih, _col(b_ih + b_hh), w_hh] if bias else [w_ih, w_hh]
        w = ops.cat(parts, 1)                                   # (G, K)
        return tuple(ops.transpose(w[k * h:(k + 1) * h], 0, 1) for k in range(_GATES[mode]))
    rz = slice(0, 2 * h)
    parts = [w_ih[rz], _col(b_ih[rz] + b_hh[rz]), w_hh[rz]] if bias else [w_ih[rz], w_hh[rz]]
    w_rz = ops.cat(parts, 1)                                    # (2H, K)
    n = slice(2 * h, 3 * h)
    w_nx = ops.cat([w_ih[n], _col(b_ih[n])], 1) if bias else w_ih[n]   # (H, in + 1)
    w_nh = ops.cat([_col(b_hh[n]), w_hh[n]], 1) if bias else w_hh[n]   # (H, 1 + H)
    return (ops.transpose(w_rz[:h], 0, 1), ops.transpose(w_rz[h:], 0, 1),
            ops.transpose(w_nx, 0, 1), ops.transpose(w_nh, 0, 1))


def _step(mode, weights, pieces, state):
    """One time step: `pieces` are the input parts of z (input, and the ones column when there
    are biases), `state` is (h,) or (h, c). Returns the new state."""
    h = state[0]
    z = ops.cat(pieces + [h], 1)                                # (B, K)
    if mode == "RNN_TANH":
        return (ops.tanh(z @ weights[0]),)
    if mode == "RNN_RELU":
        return (ops.relu(z @ weights[0]),)
    if mode == "LSTM":
        wi, wf, wg, wo = weights
        c = ops.sigmoid(z @ wf) * state[1] + ops.sigmoid(z @ wi) * ops.tanh(z @ wg)
        return ops.sigmoid(z @ wo) * ops.tanh(c), c
    wr, wz, wnx, wnh = weights
    k = z.shape[1]                              # z[:, :kx] is [x, 1], z[:, k - kh:] is [1, h]
    kx, kh = wnx.shape[0], wnh.shape[0]
    n = ops.tanh(z[:, :kx] @ wnx + ops.sigmoid(z @ wr) * (z[:, k - kh:] @ wnh))
    zg = ops.sigmoid(z @ wz)
    return (n + zg * (h - n),)                                  # (1 - z) n + z h


def _check_size(what, got, want):
    if tuple(got) != tuple(want):
        raise ValueError(f"expected {what} of shape {tuple(want)}, got {tuple(got)}")


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (see the module docstring)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None):
        super().__init__()
        if not (isinstance(hidden_size, int) and hidden_size > 0):
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
        if not (isinstance(num_layers, int) and num_layers > 0):
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout!r}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        gates = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            for sfx in ("", "_reverse")[:dirs]:
                n_in = input_size if layer == 0 else hidden_size * dirs
                shapes = {"weight_ih": (gates, n_in), "weight_hh": (gates, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                for kind, shp in shapes.items():
                    setattr(self, f"{kind}_l{layer}{sfx}", empty_parameter(shp, dtype))
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """PyTorch's default: every weight and bias U(-1/sqrt(hidden), 1/sqrt(hidden))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound, generator)

    def _layer_params(self, layer, sfx):
        get = self._parameters.get
        return (get(f"weight_ih_l{layer}{sfx}"), get(f"weight_hh_l{layer}{sfx}"),
                get(f"bias_ih_l{layer}{sfx}"), get(f"bias_hh_l{layer}{sfx}"))

    def _initial_states(self, hx, batch, batched, dtype):
        """Per (layer, direction) initial state tuples, from hx or zeros."""
        dirs = 2 if self.bidirectional else 1
        want = (self.num_layers * dirs, batch, self.hidden_size)
        names = ("h_0", "c_0") if self.mode == "LSTM" else ("h_0",)
        if hx is None:
            zero = np.zeros((batch, self.hidden_size), dtype)
            return [(zero,) * len(names)] * want[0]
        hx = tuple(hx) if self.mode == "LSTM" else (hx,)
        if len(hx) != len(names):
            raise ValueError(f"expected hx = (h_0, c_0), got {len(hx)} tensors")
        states = []
        for name, s in zip(names, hx):
            _check_size(f"hidden state {name}", np.shape(s),
                        want if batched else want[:1] + want[2:])
            states.append(s if batched else ops.unsqueeze(s, 1))
        return [tuple(s[i] for s in states) for i in range(want[0])]

    def forward(self, input, hx=None):
        """input (T, B, input_size), or (B, T, input_size) with batch_first, or unbatched
        (T, input_size); hx (num_layers * dirs, B, hidden) (LSTM: a pair (h_0, c_0)), zeros
        if None. Returns (output, h_n), LSTM (output, (h_n, c_n)), output of shape
        (T, B, dirs * hidden) (batch_first: (B, T, ...)), h_n like hx."""
        shape = np.shape(input)
        if len(shape) not in (2, 3):
            raise ValueError(f"expected a 2-D (unbatched) or 3-D input, got shape {shape}")
        check_features(input, self.input_size)
        batched = len(shape) == 3
        if not batched:
            input = ops.unsqueeze(input, 1)                    # (T, in) -> (T, 1, in)
        elif self.batch_first:
            input = ops.transpose(input, 0, 1)                 # (B, T, in) -> (T, B, in)
        steps, batch = np.shape(input)[:2]
        if steps == 0:
            raise ValueError(f"input of shape {shape} has no time steps")
        dtype = np.result_type(getattr(input, "dtype", np.float32), self.weight_ih_l0.dtype)
        states = self._initial_states(hx, batch, batched, dtype)
        dirs = 2 if self.bidirectional else 1
        if self.bias:                                          # the ones stand for the biases
            input = ops.cat([input, np.ones((steps, batch, 1), dtype)], 2)  # (T, B, in + 1)
        ones = [np.ones((batch, 1), dtype)] if self.bias else []
        pieces = [[input[t]] for t in range(steps)]
        finals, outputs = [], None
        for layer in range(self.num_layers):
            outputs = [[None] * dirs for _ in range(steps)]
            for d, sfx in enumerate(("", "_reverse")[:dirs]):
                weights = _prepare(self.mode, *self._layer_params(layer, sfx))
                state = states[layer * dirs + d]
                for t in (reversed(range(steps)) if d else range(steps)):
                    state = _step(self.mode, weights, pieces[t], state)
                    outputs[t][d] = state[0]
                finals.append(state)
            if layer < self.num_layers - 1 and self.dropout and self.training:
                outputs = [[F.dropout(h, self.dropout, True) for h in o] for o in outputs]
            pieces = [o + ones for o in outputs]
        out = ops.cat([h for o in outputs for h in o], 1)     # (B, T * dirs * H)
        out = ops.reshape(out, (batch, steps, dirs * self.hidden_size))
        if not batched:
            out = ops.reshape(out, (steps, dirs * self.hidden_size))
        elif not self.batch_first:
            out = ops.transpose(out, 0, 1)                     # (B, T, .) -> (T, B, .)
        result = tuple(self._stack_finals([f[k] for f in finals], batched)
                       for k in range(len(finals[0])))
        return out, (result if self.mode == "LSTM" else result[0])

    def _stack_finals(self, hs, batched):
        """(layers * dirs) states of shape (B, H) as (layers * dirs, B, H)."""
        n = len(hs)
        h = ops.cat(hs, 1)                                      # (B, n * H)
        if not batched:
            return ops.reshape(h, (n, self.hidden_size))
        return ops.transpose(ops.reshape(h, (-1, n, self.hidden_size)), 0, 1)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity {nonlinearity!r}: use 'tanh' or 'relu'")
        super().__init__("RNN_" + nonlinearity.upper(), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM with PyTorch's gates i, f, g, o: c' = f c + i g, h' = o tanh(c')."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype)


class GRU(RNNBase):
    """GRU with PyTorch's gates r, z, n: n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
    h' = (1 - z) n + z h."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype)


class RNNCellBase(Module):
    """One time step of a recurrent layer, with parameters weight_ih, weight_hh, bias_ih,
    bias_hh laid out as in the full layer."""

    def __init__(self, mode, input_size, hidden_size, bias=True, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = (mode, input_size,
                                                                   hidden_size, bias)
        gates = _GATES[mode] * hidden_size
        self.weight_ih = empty_parameter((gates, input_size), dtype)
        self.weight_hh = empty_parameter((gates, hidden_size), dtype)
        self.register_parameter("bias_ih", empty_parameter((gates,), dtype) if bias else None)
        self.register_parameter("bias_hh", empty_parameter((gates,), dtype) if bias else None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def forward(self, input, hx=None):
        """input (B, input_size) or (input_size,); hx (B, hidden) (LSTMCell: a pair), zeros
        if None. Returns h' (LSTMCell: (h', c')) shaped like hx."""
        shape = np.shape(input)
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ValueError(f"expected input of shape (B, {self.input_size}) or "
                             f"({self.input_size},), got {shape}")
        batched = len(shape) == 2
        if not batched:
            input = ops.unsqueeze(input, 0)                    # (in,) -> (1, in)
        batch = np.shape(input)[0]
        dtype = np.result_type(getattr(input, "dtype", np.float32), self.weight_ih.dtype)
        n = 2 if self.mode == "LSTM" else 1
        if hx is None:
            state = (np.zeros((batch, self.hidden_size), dtype),) * n
        else:
            state = tuple(hx) if n == 2 else (hx,)
            want = (batch, self.hidden_size) if batched else (self.hidden_size,)
            for s in state:
                _check_size("hidden state", np.shape(s), want)
            if not batched:
                state = tuple(ops.unsqueeze(s, 0) for s in state)
        pieces = [input, np.ones((batch, 1), dtype)] if self.bias else [input]
        weights = _prepare(self.mode, self.weight_ih, self.weight_hh, self.bias_ih,
                           self.bias_hh)
        state = _step(self.mode, weights, pieces, state)
        if not batched:
            state = tuple(ops.squeeze(s, 0) for s in state)
        return state if n == 2 else state[0]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity {nonlinearity!r}: use 'tanh' or 'relu'")
        super().__init__("RNN_" + nonlinearity.upper(), input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, dtype)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, dtype)
