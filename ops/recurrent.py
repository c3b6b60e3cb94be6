"""The recurrence of an RNN, LSTM or GRU layer over a whole sequence, as one primitive.

    recurrence(xw, w_hh, b_hh, h0, c0, mode, reverse)

xw (T, B, G) holds every step's input projection x_t W_ih^T + b_ih (one matmul outside, whose
VJP then gives dW_ih as one GEMM too), G = gates * H in PyTorch's gate order (LSTM i, f, g, o;
GRU r, z, n). Step t computes gh = h W_hh^T + b_hh and the cell:

    RNN_TANH / RNN_RELU  h = act(xw_t + gh)
    LSTM                 i, f, g, o = s, s, tanh, s of xw_t + gh;  c = f c + i g;  h = o tanh(c)
    GRU                  r, z = s(xw_t + gh)[:2H];  n = tanh(xw_n + r gh_n);  h = n + z (h - n)

The output is (T, B, H), the hidden state after each step in time order (with `reverse` the
steps run from T-1 down to 0); LSTM appends c_n: (T + 1, B, H).

Forward and backpropagation through time are NumPy loops with one GEMM per step; the gradients
of W_hh and b_hh are single reductions over the whole sequence after the loop, as in PyTorch's
fused kernels (a per-step formulation on the tape would accumulate a full weight gradient every
step). One BPTT serves the VJPs of all five inputs. When the backward pass is recorded
(create_graph=True), the VJP instead differentiates `recurrence_steps`, the same recurrence
composed of primitives, so derivatives of every order exist.
"""
import numpy as np

from autograd.extend import grad, is_tensor, primitive, recording
from . import elementwise as ew
from . import shape as sh
from ._nn_kernels import lstm_cell_backward, lstm_cell_forward
from ._util import once_per_gradient

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid_(v):
    """v = sigmoid(v) in place, as tanh(v / 2) / 2 + 1 / 2: stable for any v."""
    v *= 0.5
    np.tanh(v, out=v)
    v *= 0.5
    v += 0.5


def _order(steps, reverse):
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _previous(states, first, reverse):
    """The state before each step, in time order, from the states after each: (T, B, H)."""
    if reverse:
        return np.concatenate([states[1:], first[None]])
    return np.concatenate([first[None], states[:-1]])


def _forward(xw, w_hh, b_hh, h0, c0, mode, reverse, batch_sizes=None):
    """Run the cell over time. Returns the output (the hidden states (T, B, H), LSTM with c_n
    appended), the gate activations (LSTM: i, f, g, o; GRU: r, z, n) and per-step extras
    (LSTM: c and tanh(c); GRU: W_hn h + b_hn). Everything is computed in place in
    preallocated arrays. With batch_sizes, rows past batch_sizes[t] keep their state at t."""
    steps, batch, gates = xw.shape
    n = w_hh.shape[1]
    dtype = np.result_type(xw, w_hh, h0)
    xw, w_hh, h, c = (None if v is None else np.asarray(v, dtype) for v in (xw, w_hh, h0, c0))
    if b_hh is not None and mode != "GRU":       # fold the biases in once (GRU's b_hn is
        xw = xw + b_hh                           # inside r * (W_hn h + b_hn))
    w_t = w_hh.T                                                          # (H, G)
    out = np.empty((steps + (mode == "LSTM"), batch, n), dtype)
    hs = out[:steps]
    acts = np.empty((steps, batch, gates), dtype) if mode in ("LSTM", "GRU") else hs
    extra = tuple(np.empty((steps, batch, n), dtype)
                  for _ in range({"LSTM": 2, "GRU": 1}.get(mode, 0)))
    for t in _order(steps, reverse):
        a = acts[t]
        if mode == "GRU":
            gh = h @ w_t if b_hh is None else h @ w_t + b_hh
            np.add(xw[t, :, :2 * n], gh[:, :2 * n], out=a[:, :2 * n])
            _sigmoid_(a[:, :2 * n])                                           # r, z
            ghn = extra[0][t]
            ghn[...] = gh[:, 2 * n:]
            new = a[:, 2 * n:]
            np.multiply(a[:, :n], ghn, out=new)
            new += xw[t, :, 2 * n:]
            np.tanh(new, out=new)                                             # n
            h_new = hs[t]
            np.subtract(h, new, out=h_new)
            h_new *= a[:, n:2 * n]
            h_new += new                                                      # n + z (h - n)
        else:
            np.matmul(h, w_t, out=a)
            if mode != "LSTM":                   # the LSTM cell adds xw[t] in its pass
                a += xw[t]
        if mode == "LSTM":
            c_new = extra[0][t]
            lstm_cell_forward(a, xw[t], c, c_new, extra[1][t], hs[t])   # gates, c, tanh(c), h
        elif mode == "RNN_TANH":
            np.tanh(a, out=a)
        elif mode == "RNN_RELU":
            np.maximum(a, 0, out=a)
        k = batch if batch_sizes is None else batch_sizes[t]
        if k < batch:                        # finished sequences carry their state through
            hs[t, k:] = h[k:]
            if mode == "LSTM":
                c_new[k:] = c[k:]
        h = hs[t]
        if mode == "LSTM":
            c = c_new
    if mode == "LSTM":
        out[steps] = c
    return out, acts, extra


def _backward(g, w_hh, with_bias, h0, c0, mode, reverse, out, acts, extra, batch_sizes=None):
    """BPTT: the gradients of (xw, w_hh, b_hh, h0, c0) given the output gradient g (that of
    b_hh only `with_bias`). Rows past batch_sizes[t] pass dh (and dc) through step t."""
    steps, batch, n = g.shape[0] - (mode == "LSTM"), g.shape[1], w_hh.shape[1]
    gates = w_hh.shape[0]
    hs = out[:steps]
    dtype = out.dtype
    d_xw = np.empty((steps, batch, gates), dtype)          # d(pre-activation from the input)
    d_gh = d_xw if mode != "GRU" else np.empty_like(d_xw)  # d(h W_hh^T + b_hh)
    dh = np.zeros((batch, n), dtype)
    dc = np.array(g[steps], dtype) if mode == "LSTM" else None
    if mode == "LSTM":
        c_prev = _previous(extra[0], c0, reverse)
    if mode == "GRU":
        h_prev = _previous(hs, h0, reverse)
    for t in _order(steps, not reverse):
        k = batch if batch_sizes is None else batch_sizes[t]     # rows still in a sequence
        dh += g[t]
        dk, d = dh[:k], d_xw[t, :k]
        if mode == "LSTM":
            lstm_cell_backward(acts[t, :k], extra[1][t, :k], c_prev[t, :k], dk, dc[:k], d)
        elif mode == "GRU":
            a = acts[t, :k]
            r, z, nn_ = a[:, :n], a[:, n:2 * n], a[:, 2 * n:]
            dn = dk * (1 - z) * (1 - nn_ * nn_)
            d[:, 2 * n:] = dn
            d_gh[t, :k, 2 * n:] = dn * r
            d[:, :n] = dn * extra[0][t, :k] * r * (1 - r)
            d[:, n:2 * n] = dk * (h_prev[t, :k] - nn_) * z * (1 - z)
            d_gh[t, :k, :2 * n] = d[:, :2 * n]
            dk *= z
        elif mode == "RNN_TANH":
            np.multiply(dk, 1 - hs[t, :k] * hs[t, :k], out=d)
        else:
            np.multiply(dk, hs[t, :k] > 0, out=d)
        if k < batch:                                            # finished rows: no gates
            d_xw[t, k:] = d_gh[t, k:] = 0
        if mode == "GRU":
            dh += d_gh[t] @ w_hh
        else:
            back = d_gh[t] @ w_hh
            if k < batch:
                back[k:] = dh[k:]                                # carried rows: identity
            dh = back
    flat = d_gh.reshape(steps * batch, gates)
    prev = (h_prev if mode == "GRU" else _previous(hs, h0, reverse)).reshape(steps * batch, n)
    return d_xw, flat.T @ prev, (flat.sum(0) if with_bias else None), dh, dc


@primitive(save=("xw", "w_hh", "b_hh", "h0", "c0", "y"))
def _recurrence(xw, w_hh, b_hh, h0, c0, *, mode, reverse, batch_sizes):
    y, acts, extra = _forward(xw, w_hh, b_hh, h0, c0, mode, reverse, batch_sizes)
    shared = once_per_gradient()

    def grads(g, y, xs):
        """The gradients of all five inputs: one BPTT, or when the backward pass is
        recorded, one differentiation of the same recurrence composed of ops."""
        if not recording():
            return _backward(g, xs[1], xs[2] is not None, xs[3], xs[4], mode, reverse, y, acts,
                             extra, batch_sizes)
        live = [x for x in xs if is_tensor(x) and x.requires_grad]
        out = recurrence_steps(*xs, mode=mode, reverse=reverse, batch_sizes=batch_sizes)
        found = dict(zip(map(id, live), grad(out, live, g, create_graph=True,
                                             allow_unused=True)))
        return [found.get(id(x)) for x in xs]

    def vjp(k):
        def gk(g, y, *xs):
            return shared(g, lambda: grads(g, y, xs))[k]  # one pass serves every input
        return gk
    return y, tuple(None if x is None else vjp(k)
                    for k, x in enumerate((xw, w_hh, b_hh, h0, c0)))


def _step(xw_t, h, c, w_t, b_hh, mode, n):
    """One step of the recurrence composed of primitives: the new (h, c)."""
    gh = h @ w_t if b_hh is None else h @ w_t + b_hh
    if mode == "LSTM":
        pre = xw_t + gh
        i, f, o = (ew.sigmoid(pre[:, k * n:(k + 1) * n]) for k in (0, 1, 3))
        c = f * c + i * ew.tanh(pre[:, 2 * n:3 * n])
        return o * ew.tanh(c), c
    if mode == "GRU":
        r = ew.sigmoid(xw_t[:, :n] + gh[:, :n])
        z = ew.sigmoid(xw_t[:, n:2 * n] + gh[:, n:2 * n])
        new = ew.tanh(xw_t[:, 2 * n:] + r * gh[:, 2 * n:])
        return new + z * (h - new), None
    act = ew.tanh if mode == "RNN_TANH" else ew.relu
    return act(xw_t + gh), None


def _carry(new, old, k):
    """Rows [:k] of the new state, the rest of the old one: sequences that have ended."""
    return sh.cat([new[:k], old[k:]], 0)


def recurrence_steps(xw, w_hh, b_hh, h0, c0=None, mode="RNN_TANH", reverse=False,
                     batch_sizes=None):
    """The same function as `recurrence`, one primitive per operation of each step: the
    reference for the fused primitive and the path of its higher derivatives."""
    steps, batch = np.shape(xw)[:2]
    n = np.shape(w_hh)[1]
    w_t = sh.transpose(w_hh, 0, 1)                                        # (G, H) -> (H, G)
    outs = [None] * steps
    h, c = h0, c0
    for t in _order(steps, reverse):
        h_new, c_new = _step(xw[t], h, c, w_t, b_hh, mode, n)
        k = batch if batch_sizes is None else batch_sizes[t]
        if k < batch:
            h_new = _carry(h_new, h, k)
            c_new = c_new if c is None else _carry(c_new, c, k)
        h, c = h_new, c_new
        outs[t] = sh.unsqueeze(h, 0)                                      # (B, H) -> (1, B, H)
    if mode == "LSTM":
        outs.append(sh.unsqueeze(c, 0))
    return sh.cat(outs, 0)


def recurrence(xw, w_hh, b_hh=None, h0=None, c0=None, mode="RNN_TANH", reverse=False,
               batch_sizes=None):
    """Run a recurrent cell over the sequence of input projections xw (T, B, G): see the
    module docstring. h0 (and c0 for LSTM) (B, H) default to zeros. Returns (T, B, H), LSTM
    (T + 1, B, H) with c_n last.

    batch_sizes (T non-increasing counts, as in a PackedSequence) runs sequences of different
    lengths, sorted longest first: row b takes part in step t only while b < batch_sizes[t],
    and otherwise carries its state through it unchanged (forward: its last state is then
    the one at its last step; reverse: it starts from h0 at its own last step)."""
    if mode not in GATES:
        raise ValueError(f"recurrence: mode must be one of {list(GATES)}, got {mode!r}")
    xw_shape, w_shape = np.shape(xw), np.shape(w_hh)
    if len(w_shape) != 2 or w_shape[0] != GATES[mode] * w_shape[1]:
        raise ValueError(f"recurrence: {mode} needs w_hh of shape ({GATES[mode]} * H, H), got "
                         f"{w_shape}")
    if len(xw_shape) != 3 or xw_shape[2] != w_shape[0] or xw_shape[0] == 0:
        raise ValueError(f"recurrence: xw must be (T >= 1, B, {w_shape[0]}), got {xw_shape}")
    state = xw_shape[1:2] + w_shape[1:]
    dtype = np.result_type(getattr(xw, "dtype", np.float32), getattr(w_hh, "dtype", np.float32))
    if b_hh is not None and np.shape(b_hh) != w_shape[:1]:
        raise ValueError(f"recurrence: b_hh must be {w_shape[:1]}, got {np.shape(b_hh)}")
    h0 = np.zeros(state, dtype) if h0 is None else h0
    if mode == "LSTM" and c0 is None:
        c0 = np.zeros(state, dtype)
    for name, s in (("h0", h0), ("c0", c0)):
        if s is not None and np.shape(s) != state:
            raise ValueError(f"recurrence: {name} must be {state}, got {np.shape(s)}")
    if mode != "LSTM" and c0 is not None:
        raise ValueError(f"recurrence: c0 is only for LSTM, not {mode}")
    if batch_sizes is not None:
        batch_sizes = tuple(int(k) for k in batch_sizes)
        if (len(batch_sizes) != xw_shape[0] or any(not 0 < k <= xw_shape[1] for k in batch_sizes)
                or any(a < b for a, b in zip(batch_sizes, batch_sizes[1:]))):
            raise ValueError(f"recurrence: batch_sizes must be {xw_shape[0]} non-increasing "
                             f"counts in [1, {xw_shape[1]}], got {list(batch_sizes)}")
    return _recurrence(xw, w_hh, b_hh, h0, c0, mode=mode, reverse=reverse,
                       batch_sizes=batch_sizes)
