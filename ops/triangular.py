"""Triangular linear algebra: the Cholesky factorization and triangular solves, batched over
leading dims (broadcasting, as torch.linalg). Their VJPs are written with these two ops, matmul
and transposes, so derivatives of every order work."""
import numpy as np

from autograd.extend import plain, primitive, unbroadcast
from . import shape as sh
from .linalg import matmul


def _mT(x):
    return sh.transpose(x, -1, -2)


def _check_square(a, op, what="A"):
    if np.ndim(a) < 2 or np.shape(a)[-1] != np.shape(a)[-2]:
        raise ValueError(f"{op}: {what} must be a batch of square matrices, got shape "
                         f"{np.shape(a)}")


def _triangle(n, upper, dtype):
    """The 0/1 mask of the upper (or lower) triangle of an n x n matrix, diagonal included."""
    return (np.triu if upper else np.tril)(np.ones((n, n), dtype))


@primitive(save=("a", "y"), static=("upper",))
def _solve_triangular(a, b, upper):
    """x = A^-1 B for a triangular A (..., n, n) (the other triangle is ignored) and B
    (..., n, k), batch dims broadcast."""
    mask = _triangle(a.shape[-1], upper, a.dtype)
    if not np.all(np.diagonal(a, axis1=-2, axis2=-1)):
        raise ValueError(f"the triangular matrix of shape {a.shape} is singular (a zero on its "
                         f"diagonal)")
    x = np.linalg.solve(a * mask, b)

    # X = A^-1 B: dX = A^-1 (dB - dA X), so gB = A^-T G and gA = -gB X^T, kept on A's triangle
    def vjp_a(g, y, a, b):
        gb = _solve_triangular(_mT(a), g, upper=not upper)
        return unbroadcast(-matmul(gb, _mT(y)) * mask, a.shape)

    def vjp_b(g, y, a, b):
        return unbroadcast(_solve_triangular(_mT(a), g, upper=not upper), b.shape)
    return x.astype(np.result_type(a, b), copy=False), (vjp_a, vjp_b)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (`left`) or X A = B, for A (..., n, n) upper or lower triangular (the
    other triangle is not read; nor is the diagonal, taken as ones, with `unitriangular`) and
    B (..., n, k) (or (..., k, n) when not `left`); batch dims broadcast. As
    torch.linalg.solve_triangular; raises ValueError for a zero on the diagonal and for shapes
    that do not match."""
    _check_square(A, "solve_triangular")
    n, b_shape = np.shape(A)[-1], np.shape(B)
    if unitriangular:                   # the diagonal replaced by ones: no gradient reaches it
        eye = np.eye(n, dtype=np.asarray(plain(A)).dtype)
        A = A * (1 - eye) + eye
    if len(b_shape) < 2 or b_shape[-2 if left else -1] != n:
        raise ValueError(f"solve_triangular: B of shape {b_shape} does not match A of shape "
                         f"{np.shape(A)} (it needs {n} {'rows' if left else 'columns'})")
    if left:
        return _solve_triangular(A, B, upper=upper)
    return _mT(_solve_triangular(_mT(A), _mT(B), upper=not upper))       # X A = B: A^T X^T = B^T


@primitive(save=("y",))
def _cholesky(a):
    """The lower factor L of A = L L^T for a symmetric positive-definite A (..., n, n); only
    the lower triangle of A is read."""
    try:
        y = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise ValueError(f"the input of shape {a.shape} is not positive-definite") from None
    n = a.shape[-1]
    lower, strict = _triangle(n, False, a.dtype), np.tril(np.ones((n, n), a.dtype), -1)

    # Murray, "Differentiation of the Cholesky decomposition" (2016), eq. 10: with
    # P = Phi(L^T G), Phi taking the lower triangle with the diagonal halved,
    # gA = L^-T P L^-1, here symmetrized as PyTorch's: S = (P + P^T) / 2 with P's diagonal whole
    def vjp(g, y, a):
        p = matmul(_mT(y), g) * lower
        s = 0.5 * (p + _mT(p * strict))
        m = _solve_triangular(_mT(y), s, upper=True)                 # L^-T S
        return _mT(_solve_triangular(_mT(y), _mT(m), upper=True))    # (L^-T (L^-T S)^T)^T
    return y, (vjp,)


def cholesky(A, *, upper=False):
    """The Cholesky factor of a symmetric positive-definite A (..., n, n): lower L with
    A = L L^T, or with `upper` U = L^T (A = U^T U). As torch.linalg.cholesky; only the lower
    triangle of A is read. Raises ValueError when A is not square or not positive-definite."""
    _check_square(A, "cholesky")
    L = _cholesky(A)
    return _mT(L) if upper else L
