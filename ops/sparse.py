"""Weight-matrix layers: linear (x W^T + b) and embedding (rows W[i]), plus one_hot.

embedding's weight gradient is a scatter-add of the output gradient rows into zeros (V, D),
repeated indices accumulating, done by a numba kernel; it is itself a primitive whose VJP is
the row lookup again, so double backward works.
"""
import math

import numpy as np

from autograd.extend import bump_version, is_tensor, like, plain, primitive
from . import reduce
from . import shape as sh
from .linalg import einsum
from ._nn_kernels import scatter_add_rows


@primitive(save=("x", "weight"))
def _linear(x, weight, bias):
    if np.ndim(weight) != 2 or np.ndim(x) < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"input {np.shape(x)} cannot be multiplied by weight {np.shape(weight)} "
                         f"(expected weight (out_features, in_features) with in_features the "
                         f"last dim of the input)")
    if bias is not None and np.shape(bias) != weight.shape[:1]:
        raise ValueError(f"bias of shape {np.shape(bias)} does not match weight {weight.shape}")
    n_out, n_in = weight.shape
    if x.ndim <= 2:
        y = np.matmul(x, weight.T)
    else:           # one GEMM over all leading dims: np.matmul would run one per matrix
        lead = x.shape[:-1]
        y = np.matmul(x.reshape(math.prod(lead), n_in), weight.T).reshape(lead + (n_out,))
    if bias is not None:
        y += bias

    def flat(a, n):                      # (..., n) -> (prod(...), n); no view when 2-D
        return a if np.ndim(a) == 2 else sh.reshape(a, (math.prod(np.shape(a)[:-1]), n))

    def gx(g, y, x, w, b):
        gx = flat(g, n_out) @ w
        return gx if np.ndim(x) == 2 else sh.reshape(gx, x.shape)   # (prod(...), in) -> x

    # d(x W^T + b): dx = g W, dW = g^T x (over all leading dims), db = sum of g
    return y, (gx,
               lambda g, y, x, w, b: sh.transpose(flat(g, n_out), 0, 1) @ flat(x, n_in),
               lambda g, y, x, w, b: reduce.sum(flat(g, n_out), 0))


def linear(input, weight, bias=None):
    """input (..., in) @ weight.T + bias, with PyTorch's weight layout (out, in)."""
    return _linear(input, weight, bias)


def _indices(indices, num_weights):
    """Integer indices as an array, checked to lie in [0, num_weights)."""
    idx = np.asarray(plain(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_weights):
        bad = idx[(idx < 0) | (idx >= num_weights)]
        raise IndexError(f"indices {np.unique(bad)[:5].tolist()} are out of range for a weight "
                         f"of {num_weights} rows")
    return idx


@primitive(save=(), static=("indices", "num_weights", "coef"))
def _embedding_backward(g, indices, num_weights, coef):
    """zeros (num_weights, D) with row g[..., :] * coef[...] added at indices[...]."""
    idx = indices.reshape(-1)
    rows = np.reshape(g, (idx.size, g.shape[-1]))                  # (..., D) -> (n, D)
    if coef is not None:
        rows = rows * coef.reshape(-1, 1)
    out = scatter_add_rows(np.zeros((num_weights, g.shape[-1]), g.dtype), idx, rows)
    # adjoint of a scatter-add: gather the rows back (with the same coefficients)
    return out, (lambda gg, y, g: _embedding(gg, indices) if coef is None
                 else _embedding(gg, indices) * coef[..., None],)


@primitive(save=(), static=("indices", "padding_idx", "scale_grad_by_freq"))
def _embedding(weight, indices, padding_idx=None, scale_grad_by_freq=False):
    if np.ndim(weight) != 2:
        raise ValueError(f"weight must be 2-D (num_embeddings, dim), got {np.shape(weight)}")
    idx = _indices(indices, weight.shape[0])
    coef = None
    if padding_idx is not None or scale_grad_by_freq:
        coef = np.ones(idx.shape, weight.dtype)
        if scale_grad_by_freq:          # each row's gradient divided by its count in indices
            coef /= np.bincount(idx.reshape(-1), minlength=weight.shape[0])[idx]
        if padding_idx is not None:     # the padding row receives no gradient
            coef[idx == padding_idx % weight.shape[0]] = 0
    return np.take(weight, idx, axis=0), (
        lambda g, y, w: _embedding_backward(g, idx, w.shape[0], coef),)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` (V, D) at the integer indices `input` (any shape) -> (*input.shape, D).

    The row `padding_idx` (negative counts from the end) gets no gradient; `max_norm` first
    rescales, in place, the looked-up rows whose `norm_type` norm exceeds it (as PyTorch);
    `scale_grad_by_freq` divides each row's gradient by its count in `input`. Gradients are
    dense: sparse=True raises, as embedding_bag's."""
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported; use sparse=False")
    v = np.shape(weight)[0]
    if padding_idx is not None and not -v <= padding_idx < v:
        raise ValueError(f"embedding: padding_idx {padding_idx} must be within the "
                         f"{v} embeddings")
    if max_norm is not None:
        w = plain(weight)
        rows = np.unique(_indices(input, v))
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1, keepdims=True)
        w[rows] *= np.where(norms > max_norm, max_norm / (norms + 1e-7), 1).astype(w.dtype)
        if is_tensor(weight):               # as PyTorch's embedding_renorm_; before _embedding
            bump_version(weight)            # saves the weight, so this lookup's graph stays valid
    return _embedding(weight, plain(input), padding_idx, scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    """int64 (*tensor.shape, num_classes) with a 1 at each index; num_classes=-1 means
    max(tensor) + 1. Not differentiable."""
    idx = np.asarray(plain(tensor))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class values, got dtype {idx.dtype}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got "
                         f"{np.unique(idx[(idx < 0) | (idx >= num_classes)])[:5].tolist()}")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return like(tensor, out)


def bilinear(input1, input2, weight, bias=None):
    """y[..., k] = input1[..., i] weight[k, i, j] input2[..., j] + bias[k]."""
    s1, s2, sw = np.shape(input1), np.shape(input2), np.shape(weight)
    if len(sw) != 3 or s1[-1:] != sw[1:2] or s2[-1:] != sw[2:] or s1[:-1] != s2[:-1]:
        raise ValueError(f"bilinear: inputs {s1} and {s2} do not fit weight {sw} (expected "
                         f"(..., in1), (..., in2) and (out, in1, in2))")
    lead = s1[:-1]
    y = einsum("bi,kij,bj->bk", sh.reshape(input1, (-1, sw[1])), weight,
               sh.reshape(input2, (-1, sw[2])))
    y = sh.reshape(y, lead + (sw[0],))
    return y if bias is None else y + bias
