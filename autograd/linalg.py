"""torch.linalg for tapegrad: `autograd.linalg.inv(a)` and so on. The ops live in
ops/decompositions.py, ops/triangular.py and ops/products.py (see there for the VJPs and degenerate cases);
this module gives them torch.linalg's names and signatures."""
import numpy as np

import ops
from ops.decompositions import (det, eigh, eigvalsh, inv, matrix_norm, matrix_rank,  # noqa: F401
                                pinv, slogdet, solve, svdvals)
from ops.triangular import cholesky, solve_triangular  # noqa: F401
from ops.products import matrix_power, multi_dot, vecdot  # noqa: F401
from ops.solvers import (cholesky_ex, cond, inv_ex, lstsq, qr, solve_ex,  # noqa: F401
                         tensorinv, tensorsolve, vander, matrix_exp)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ord-norm over `dim` (all elements when None)."""
    return ops.norm(x if dtype is None else ops.astype(x, np.dtype(dtype)), ord, dim, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """vector_norm, or matrix_norm when ord is given for a 2-D input or dim names 2 dims."""
    if dtype is not None:
        A = ops.astype(A, np.dtype(dtype))
    two = (dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) == 2) or (
        dim is None and ord is not None and np.ndim(A) == 2)
    if two:
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                           keepdim)
    if ord is not None and dim is None and np.ndim(A) != 1:
        raise ValueError(f"linalg.norm: ord={ord!r} needs a 1-D or 2-D input or dim, got shape "
                         f"{np.shape(A)}")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim)


def svd(A, full_matrices=True):
    """U, S, Vh with A = U diag(S) Vh (see ops.decompositions.linalg_svd)."""
    return ops.linalg_svd(A, full_matrices)


def cross(input, other, *, dim=-1):
    return ops.cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return ops.diagonal(A, offset, dim1, dim2)
