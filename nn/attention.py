"""MultiheadAttention with PyTorch's parameters, layouts, masks and outputs.

Parameters as torch.nn.MultiheadAttention's, so state dicts copy across: in_proj_weight
(3E, E) and in_proj_bias (3E,) holding the query, key and value projections in that order
(q_proj_weight, k_proj_weight and v_proj_weight instead when kdim or vdim differ from E), and
out_proj, a Linear(E, E). Initialisation as PyTorch's: Xavier-uniform projections, zero
biases. add_bias_kv and add_zero_attn are not supported.
"""
import math

import numpy as np

import ops
from autograd.tensor import _plain
from . import functional as F
from . import init
from .linear import NonDynamicallyQuantizableLinear
from .module import Module
from .parameter import empty_parameter


class MultiheadAttention(Module):
    """Attention of L queries (L, N, E) over S keys (S, N, kdim) and values (S, N, vdim)
    ((N, L, E) ... with batch_first; unbatched (L, E) ...) in num_heads heads of E / num_heads
    features each.

    key_padding_mask (N, S) and attn_mask (L, S) or (N * num_heads, L, S): bool masks block
    where True, float masks are added to the scores. Returns (output (L, N, E), weights
    (N, L, S) averaged over heads, or (N, num_heads, L, S), or None without need_weights);
    the weights are those applied, after dropout."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, dtype=None):
        super().__init__()
        if num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                             "supported")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_parameter((3 * embed_dim, embed_dim), dtype)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = empty_parameter((embed_dim, embed_dim), dtype)
            self.k_proj_weight = empty_parameter((embed_dim, self.kdim), dtype)
            self.v_proj_weight = empty_parameter((embed_dim, self.vdim), dtype)
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", empty_parameter((3 * embed_dim,), dtype)
                                if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias, dtype)
        self.bias_k = self.bias_v = None
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight,
                  self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w, generator=generator)
        for b in (self.in_proj_bias, self.out_proj.bias):
            if b is not None:
                init.zeros_(b)

    def _projections(self):
        """(weight, bias) of the query, key and value projections."""
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            weights = ops.split(self.in_proj_weight, e, 0)
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        biases = ((None,) * 3 if self.in_proj_bias is None
                  else ops.split(self.in_proj_bias, e, 0))
        return zip(weights, biases)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        shapes = [np.shape(a) for a in (query, key, value)]
        batched = len(shapes[0]) == 3
        if len(shapes[0]) not in (2, 3) or any(len(s) != len(shapes[0]) for s in shapes):
            raise ValueError(f"expected 2-D (unbatched) or 3-D query, key and value, got shapes "
                             f"{shapes[0]}, {shapes[1]} and {shapes[2]}")
        if not batched:
            query, key, value = (ops.unsqueeze(a, 1) for a in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(_plain(key_padding_mask))[None]
        elif self.batch_first:                                 # (N, L, E) -> (L, N, E)
            query, key, value = (ops.transpose(a, 0, 1) for a in (query, key, value))
        (n_q, batch, e), (n_k, batch_k, kd), (n_v, batch_v, vd) = (
            np.shape(a) for a in (query, key, value))
        if (e, kd, vd) != (self.embed_dim, self.kdim, self.vdim) or n_k != n_v or \
                batch_k != batch or batch_v != batch:
            raise ValueError(f"expected query (L, N, {self.embed_dim}), key (S, N, {self.kdim}) "
                             f"and value (S, N, {self.vdim}), got shapes {shapes[0]}, "
                             f"{shapes[1]} and {shapes[2]}")
        if is_causal and attn_mask is None:
            raise ValueError("need attn_mask if specifying the is_causal hint")
        heads = self.num_heads
        bias = self._bias(attn_mask, key_padding_mask, batch, n_q, n_k, query.dtype)
        q, k, v = (self._split_heads(F.linear(x, w, b), batch)
                   for x, (w, b) in zip((query, key, value), self._projections()))
        out, weights = F._attend(q * (1 / math.sqrt(self.head_dim)), k, v, bias,
                                 self.dropout if self.training else 0.0)
        out = ops.reshape(ops.transpose(out, 0, 1), (n_q, batch, e))  # (N H, L, d) -> (L, N, E)
        out = self.out_proj(out)
        if not batched:
            out = ops.squeeze(out, 1)
        elif self.batch_first:
            out = ops.transpose(out, 0, 1)                         # (L, N, E) -> (N, L, E)
        if not need_weights:
            return out, None
        weights = ops.reshape(weights, (batch, heads, n_q, n_k))
        if average_attn_weights:
            weights = ops.mean(weights, 1)
        return out, (weights if batched else ops.squeeze(weights, 0))

    def _split_heads(self, x, batch):
        """(T, N, E) -> (N * heads, T, head_dim), PyTorch's head order."""
        t = np.shape(x)[0]
        return ops.transpose(ops.reshape(x, (t, batch * self.num_heads, self.head_dim)), 0, 1)

    def _bias(self, attn_mask, key_padding_mask, batch, n_q, n_k, dtype):
        """attn_mask and key_padding_mask as one bias on the (N * heads, L, S) scores."""
        bias = F._mask_bias(attn_mask, dtype, attend_where_true=False)
        if bias is not None:
            want = [(n_q, n_k), (batch * self.num_heads, n_q, n_k)]
            if np.shape(bias) not in want:
                raise ValueError(f"attn_mask of shape {np.shape(bias)} must be {want[0]} or "
                                 f"{want[1]}")
        if key_padding_mask is not None:
            pad = F._mask_bias(key_padding_mask, dtype, attend_where_true=False)
            if np.shape(pad) != (batch, n_k):
                raise ValueError(f"key_padding_mask of shape {np.shape(pad)} must be "
                                 f"{(batch, n_k)}")
            pad = ops.reshape(ops.broadcast_to(ops.reshape(pad, (batch, 1, 1, n_k)),
                                               (batch, self.num_heads, 1, n_k)),
                              (batch * self.num_heads, 1, n_k))   # (N, S) -> (N H, 1, S)
            bias = pad if bias is None else bias + pad
        return bias
