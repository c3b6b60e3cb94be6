"""Recurrent layers: RNN (tanh or relu), LSTM and GRU, and their single-step cells.

Parameters, layouts and gate orders are PyTorch's (weight_ih_l{k}{_reverse} of shape
(gates * hidden, input), LSTM gates i, f, g, o; GRU gates r, z, n with b_hn inside the reset
product), so weights copy across. Each layer and direction is two primitives: F.linear projects
the inputs of all time steps at once, and ops.recurrence runs the cell over time (one GEMM per
step forward and backward, the weight gradients as single GEMMs over the sequence).
The layers take a PackedSequence (nn.utils.rnn) too: its padded batch runs with the packed
batch sizes, so each sequence stops at its own length, and the output is packed again.
"""
import math

import numpy as np

import ops
from ops.recurrent import GATES
from . import functional as F
from . import init
from .module import Module
from .parameter import check_features, empty_parameter
from .utils.rnn import PackedSequence, padded_from_packed, positions


def _run(mode, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse=False, batch_sizes=None):
    """One layer, one direction over x (T, B, in): the outputs (T, B, H), h_n and c_n."""
    steps = np.shape(x)[0]
    if b_ih is not None and mode != "GRU":     # both biases add to the pre-activation: once
        b_ih, b_hh = b_ih + b_hh, None         # (GRU's b_hn sits inside r * (W_hn h + b_hn))
    y = ops.recurrence(F.linear(x, w_ih, b_ih), w_hh, b_hh, h0, c0, mode, reverse,
                       batch_sizes)
    hs = y[:steps] if mode == "LSTM" else y
    return hs, y[0 if reverse else steps - 1], (y[steps] if mode == "LSTM" else None)


def _reorder(states, index):
    """Per (layer, direction) state tuples with their batch rows taken in `index` order."""
    return [tuple(None if s is None else s[index] for s in pair) for pair in states]


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
        gates = GATES[mode] * hidden_size
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

    def flatten_parameters(self):
        """Does nothing: PyTorch packs the weights into one buffer for cuDNN; here they are
        already what the kernels read."""

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
            return [(zero, zero if self.mode == "LSTM" else None)] * want[0]
        hx = tuple(hx) if self.mode == "LSTM" else (hx,)
        if len(hx) != len(names):
            raise ValueError(f"expected hx = (h_0, c_0), got {len(hx)} tensors")
        states = []
        for name, s in zip(names, hx):
            _check_size(f"hidden state {name}", np.shape(s),
                        want if batched else want[:1] + want[2:])
            states.append(s if batched else ops.unsqueeze(s, 1))   # (L, H) -> (L, 1, H)
        return [(states[0][i], states[1][i] if len(states) == 2 else None)
                for i in range(want[0])]

    def forward(self, input, hx=None):
        """input (T, B, input_size), or (B, T, input_size) with batch_first, or unbatched
        (T, input_size), or a PackedSequence; hx (num_layers * dirs, B, hidden) (LSTM: a pair
        (h_0, c_0)), zeros if None. Returns (output, h_n), LSTM (output, (h_n, c_n)), output
        of shape (T, B, dirs * hidden) (batch_first: (B, T, ...)), or a PackedSequence for a
        packed input, and h_n like hx."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
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
        out, finals = self._layers(input, self._initial_states(hx, batch, batched,
                                                               self._dtype(input)))
        if not batched:
            out = ops.squeeze(out, 1)                          # (T, 1, .) -> (T, .)
        elif self.batch_first:
            out = ops.transpose(out, 0, 1)                     # (T, B, .) -> (B, T, .)
        return out, self._finals(finals, batched)

    def _forward_packed(self, input, hx):
        """Run the layers over the padded batch of a PackedSequence, each sequence over its
        own length; hx and the returned states are in the original batch order."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        check_features(data, self.input_size)
        states = self._initial_states(hx, int(batch_sizes[0]), True, self._dtype(data))
        if hx is not None and sorted_indices is not None:
            states = _reorder(states, sorted_indices)
        out, finals = self._layers(padded_from_packed(data, batch_sizes), states,
                                   batch_sizes)
        if unsorted_indices is not None:
            finals = _reorder(finals, unsorted_indices)
        return (PackedSequence(out[positions(batch_sizes)], batch_sizes, sorted_indices,
                               unsorted_indices), self._finals(finals, True))

    def _dtype(self, input):
        return np.result_type(getattr(input, "dtype", np.float32), self.weight_ih_l0.dtype)

    def _layers(self, input, states, batch_sizes=None):
        """Every layer and direction over input (T, B, input_size): the last layer's output
        (T, B, dirs * hidden) and each (layer, direction)'s (h_n, c_n)."""
        dirs = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(("", "_reverse")[:dirs]):
                hs, h_n, c_n = _run(self.mode, input, *self._layer_params(layer, sfx),
                                    *states[layer * dirs + d], reverse=d == 1,
                                    batch_sizes=batch_sizes)
                outs.append(hs)
                finals.append((h_n, c_n))
            input = ops.cat(outs, 2) if dirs == 2 else outs[0]      # (T, B, dirs * H)
            if layer < self.num_layers - 1 and self.dropout and self.training:
                input = F.dropout(input, self.dropout, True)
        return input, finals

    def _finals(self, finals, batched):
        """h_n, or (h_n, c_n) for LSTM, from the (layer, direction) final states."""
        h_n = self._stack_finals([f[0] for f in finals], batched)
        if self.mode != "LSTM":
            return h_n
        return h_n, self._stack_finals([f[1] for f in finals], batched)

    @staticmethod
    def _stack_finals(states, batched):
        """(layers * dirs) states (B, H) as (layers * dirs, B, H), unbatched (layers * dirs,
        H)."""
        return ops.stack(states, 0) if batched else ops.cat(states, 0)

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
                 dropout=0.0, bidirectional=False, proj_size=0, dtype=None):
        if proj_size:
            raise ValueError(f"LSTM: proj_size (got {proj_size}) is not supported; only 0")
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
        gates = GATES[mode] * hidden_size
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
        lstm = self.mode == "LSTM"
        if hx is None:
            state = (None, None)
        else:
            state = tuple(hx) if lstm else (hx, None)
            want = (batch, self.hidden_size) if batched else (self.hidden_size,)
            for s in state[:2 if lstm else 1]:
                _check_size("hidden state", np.shape(s), want)
            if not batched:
                state = tuple(s if s is None else ops.unsqueeze(s, 0) for s in state)
        x = ops.unsqueeze(input, 0)                            # one time step: (1, B, in)
        _, h, c = _run(self.mode, x, self.weight_ih, self.weight_hh, self.bias_ih,
                       self.bias_hh, *state)
        if not batched:
            h, c = ops.squeeze(h, 0), (c if c is None else ops.squeeze(c, 0))
        return (h, c) if lstm else h

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
