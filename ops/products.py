"""Matrix and vector products beyond matmul, as PyTorch's: mv, addmm, addmv, addr, addbmm,
baddbmm, vdot, inner, tensordot, cross, vecdot, multi_dot, matrix_power, cdist.

All are compositions of matmul, einsum and elementwise ops."""
import numpy as np

from autograd.extend import plain
from ._util import normalize_dim
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .decompositions import inv
from .linalg import einsum, matmul


def _check(op, want, *tensors):
    dims = tuple(np.ndim(t) for t in tensors)
    if dims != want:
        raise ValueError(f"{op}: expects tensors of {want} dims, got shapes "
                         f"{[np.shape(t) for t in tensors]}")


def mv(mat, vec):
    _check("mv", (2, 1), mat, vec)
    return matmul(mat, vec)


def _scaled_sum(x, product, beta, alpha):
    """beta x + alpha product, where beta = 0 ignores x (NaN in x included), as PyTorch."""
    product = product if alpha == 1 else alpha * product
    if beta == 0:                       # x is not read (NaN in it does not propagate)
        return sh.broadcast_to(product, np.broadcast_shapes(np.shape(x), np.shape(product)))
    return (x if beta == 1 else beta * x) + product


def addmm(x, mat1, mat2, *, beta=1, alpha=1):
    _check("addmm", (2, 2), mat1, mat2)
    return _scaled_sum(x, matmul(mat1, mat2), beta, alpha)


def addmv(x, mat, vec, *, beta=1, alpha=1):
    _check("addmv", (2, 1), mat, vec)
    return _scaled_sum(x, matmul(mat, vec), beta, alpha)


def addr(x, vec1, vec2, *, beta=1, alpha=1):
    _check("addr", (1, 1), vec1, vec2)
    return _scaled_sum(x, sh.reshape(vec1, (-1, 1)) * sh.reshape(vec2, (1, -1)), beta, alpha)


def baddbmm(x, batch1, batch2, *, beta=1, alpha=1):
    _check("baddbmm", (3, 3), batch1, batch2)
    return _scaled_sum(x, matmul(batch1, batch2), beta, alpha)


def addbmm(x, batch1, batch2, *, beta=1, alpha=1):
    """beta x + alpha sum_b batch1[b] @ batch2[b]."""
    _check("addbmm", (3, 3), batch1, batch2)
    return _scaled_sum(x, reduce.sum(matmul(batch1, batch2), 0), beta, alpha)


def vdot(a, b):
    _check("vdot", (1, 1), a, b)
    return reduce.sum(a * b)


def inner(a, b):
    """Sum over the last axes of a and b (a scalar times a tensor when one is 0-d)."""
    if not np.ndim(a) or not np.ndim(b):
        return a * b
    return tensordot(a, b, ([-1], [-1]))


def tensordot(a, b, dims=2):
    """Contract the last `dims` axes of a with the first of b, or the listed pairs of axes."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(dims, (int, np.integer)):
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
    da = [normalize_dim(d, na, "tensordot") for d in da]
    db = [normalize_dim(d, nb, "tensordot") for d in db]
    if any(np.shape(a)[i] != np.shape(b)[j] and 1 not in (np.shape(a)[i], np.shape(b)[j])
           for i, j in zip(da, db)):                         # size 1 broadcasts, as PyTorch
        raise ValueError(f"tensordot: contracted dims {da} of {np.shape(a)} and {db} of "
                         f"{np.shape(b)} differ in size")
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    sa, sb = list(letters[:na]), list(letters[na:na + nb])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb)
                                                          if j not in db]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


def cross(a, b, dim=None):
    """The cross product of 3-vectors along `dim` (torch.cross: the first dim of size 3 when
    None; linalg.cross passes -1), a and b broadcast."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    a, b = sh.broadcast_to(a, shape), sh.broadcast_to(b, shape)
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), -1)
    axis = normalize_dim(dim, len(shape), "cross")
    if shape[axis] != 3:
        raise ValueError(f"cross: dimension {axis} of shape {shape} must have size 3")

    def c(x, i):
        return x[(slice(None),) * axis + (i,)]
    parts = [c(a, 1) * c(b, 2) - c(a, 2) * c(b, 1), c(a, 2) * c(b, 0) - c(a, 0) * c(b, 2),
             c(a, 0) * c(b, 1) - c(a, 1) * c(b, 0)]
    return sh.stack(parts, axis)


def vecdot(a, b, *, dim=-1):
    """sum(a * b, dim), a and b broadcast."""
    return reduce.sum(a * b, dim)


def multi_dot(tensors):
    """The product of a chain of matrices (the first may be 1-D: a row; the last: a column)."""
    if len(tensors) < 2:
        raise ValueError(f"multi_dot: expects at least 2 tensors, got {len(tensors)}")
    y = tensors[0]
    for t in tensors[1:]:
        y = matmul(y, t)
    return y


def matrix_power(x, n):
    """x multiplied by itself n times (n >= 0; n < 0 needs the inverse: linalg.inv)."""
    if n < 0:
        x, n = inv(x), -n
    shape = np.shape(x)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"matrix_power: expects square matrices, got shape {shape}")
    result, base = None, x
    while n:                                            # square and multiply
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    if result is None:                                  # n = 0: identity, no gradient
        return ew.where(True, np.broadcast_to(np.eye(shape[-1], dtype=np.result_type(plain(x))),
                                              shape), x)
    return result


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    diff = sh.unsqueeze(x1, -2) - sh.unsqueeze(x2, -3)                 # (..., P, R, M)
    return reduce.norm(diff, p, -1)
