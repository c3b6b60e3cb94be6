"""Linear systems and least squares on top of the decompositions, as torch.linalg's:
cholesky_solve, cholesky_inverse, lstsq, tensorinv, tensorsolve, cond, the
*_ex variants (an info of zeros: failures raise here), and the legacy triangular_solve,
pinverse; also qr, whose VJP is below.

QR (reduced, m >= n): with M = R gR^T - gQ^T Q, dA = (gQ + Q copyltu(M)) R^-T, where
copyltu(M) mirrors the lower triangle of M onto the upper one (Liao et al. 2019,
"Differentiable programming tensor networks", eq. 4; Walter and Lehmann 2018). For m < n,
A = [X | Y] gives Q R_X = qr(X) and R = [R_X | Q^T Y], a composition.
"""
import collections

import numpy as np

from autograd.extend import primitive, plain, like
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .decompositions import inv, matrix_norm, pinv, solve, svdvals
from .linalg import matmul
from .triangular import cholesky, solve_triangular

QRResult = collections.namedtuple("QRResult", ["Q", "R"])
LstsqResult = collections.namedtuple("LstsqResult", ["solution", "residuals", "rank",
                                                     "singular_values"])
TriangularSolveResult = collections.namedtuple("TriangularSolveResult",
                                               ["solution", "cloned_coefficient"])


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """The legacy torch.triangular_solve: (X with op(T) X = b, T), T the triangle of A."""
    if transpose:                         # T^T X = b: T^T is the other triangle of A^T
        x = solve_triangular(sh.mT(A), b, upper=not upper, unitriangular=unitriangular)
    else:
        x = solve_triangular(A, b, upper=upper, unitriangular=unitriangular)
    return TriangularSolveResult(x, A * 1)


def cholesky_inverse(L, upper=False):
    """The inverse of A = L L^T (U^T U when upper) from its Cholesky factor."""
    lower = sh.mT(L) if upper else L
    return inv(lower @ sh.mT(lower))


def cholesky_solve(B, L, upper=False):
    """X with A X = B, A = L L^T (U^T U when upper)."""
    lower = sh.mT(L) if upper else L
    return solve(lower @ sh.mT(lower), B)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B (via the pseudo-inverse), as torch.linalg.lstsq:
    the rank except for driver "gels"; the singular values of A with "gelsd" or "gelss"; the
    squared residual norms of each column with those or "gels" when m > n and A has full
    rank; the others empty (the default driver is "gelsy")."""
    m, n = np.shape(A)[-2:]
    vector = np.ndim(B) == np.ndim(A) - 1
    b = sh.unsqueeze(B, -1) if vector else B
    x = matmul(pinv(A, rtol=rcond), b)
    empty = like(A, np.zeros(0, np.result_type(plain(A))))
    full_rank = np.linalg.matrix_rank(np.asarray(plain(A)))
    rank = like(A, np.zeros(0, np.int64) if driver == "gels" else full_rank.astype(np.int64))
    residuals, values = empty, empty
    if driver in ("gelsd", "gelss"):
        values = svdvals(A)
    if driver in ("gels", "gelsd", "gelss") and m > n and np.all(full_rank == n):
        residuals = reduce.sum((matmul(A, x) - b) ** 2, -2)
        residuals = residuals[..., 0] if vector else residuals
    return LstsqResult(x[..., 0] if vector else x, residuals, rank, values)


def tensorinv(A, ind=2):
    """The inverse of A seen as a matrix of its first `ind` dims by the rest."""
    shape = np.shape(A)
    rows, cols = shape[:ind], shape[ind:]
    if int(np.prod(rows)) != int(np.prod(cols)):
        raise ValueError(f"tensorinv: the first {ind} dims {rows} and the rest {cols} of shape "
                         f"{shape} must have the same number of elements")
    return sh.reshape(inv(sh.reshape(A, (int(np.prod(rows)), -1))), cols + rows)


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        order = [d % np.ndim(A) for d in dims]
        A = sh.permute(A, [d for d in range(np.ndim(A)) if d not in order] + order)
    b_shape = np.shape(B)
    x_shape = np.shape(A)[len(b_shape):]
    x = solve(sh.reshape(A, (int(np.prod(b_shape)), -1)), sh.reshape(B, (-1,)))
    return sh.reshape(x, x_shape)


def cond(A, p=None):
    """The condition number: max / min singular value (p None or 2; -2 the inverse), else
    norm(A, p) norm(inv(A), p)."""
    if p in (None, 2, -2):
        s = svdvals(A)
        ratio = s[..., 0] / s[..., -1]
        return ratio if p != -2 else 1 / ratio
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def pinverse(A, rcond=1e-15):
    return pinv(A, rtol=rcond)


def _info(a):
    """The *_ex functions' info: zeros (a failure raises instead)."""
    return like(a, np.zeros(np.shape(a)[:-2], np.int32))


def inv_ex(A, *, check_errors=False):
    return inv(A), _info(A)


def cholesky_ex(A, *, upper=False, check_errors=False):
    return cholesky(A, upper=upper), _info(A)


def solve_ex(A, B, *, left=True, check_errors=False):
    return solve(A, B, left=left), _info(A)


@primitive(save=("y",), static=("m", "n"))
def _qr(a, m, n):
    """Q (..., m, n) and R (..., n, n) of a tall a (m >= n), packed as (..., m + n, n)."""
    q, r = np.linalg.qr(a)

    def vjp(g, y, a):                   # (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q
        q, r, gq, gr = y[..., :m, :], y[..., m:, :], g[..., :m, :], g[..., m:, :]
        mm = r @ sh.mT(gr) - sh.mT(gq) @ q
        lower = mm * np.tril(np.ones((n, n)), -1)
        copyltu = lower + sh.mT(lower) + mm * np.eye(n)
        return sh.mT(solve(r, sh.mT(gq + q @ copyltu)))
    return np.concatenate([q, r], -2), (vjp,)


def qr(A, mode="reduced"):
    """Q, R with A = Q R (reduced: Q (..., m, k), R (..., k, n), k = min(m, n))."""
    if mode != "reduced":
        raise NotImplementedError(f"qr: only mode='reduced' is supported, got {mode!r}")
    shape = np.shape(A)
    if len(shape) < 2:
        raise ValueError(f"qr: expects matrices (..., m, n), got shape {shape}")
    m, n = shape[-2:]
    if m < n:                           # A = [X | Y]: R = [R_X | Q^T Y]
        q, r = qr(A[..., :m])
        return QRResult(q, sh.cat([r, sh.mT(q) @ A[..., m:]], -1))
    y = _qr(A, m=m, n=n)
    return QRResult(y[..., :m, :], y[..., m:, :])


def vander(x, N=None):
    """Columns x^0, x^1, ..., x^(N-1) (N defaults to len(x)) along a new last dim."""
    x = sh.reshape(x, (1,)) if np.ndim(x) == 0 else x
    n = np.shape(x)[-1] if N is None else N
    if n <= 0:
        raise ValueError(f"vander: N must be positive, got {n}")
    cols = [ew.where(True, 1.0, x)] + [x] * (n > 1)        # x^0 = 1, even at NaN
    for _ in range(2, n):
        cols.append(cols[-1] * x)
    return sh.stack(cols[:n], -1)


# Higham 2005, "The scaling and squaring method for the matrix exponential revisited": the
# [13/13] Pade coefficients and the 1-norm below which it is accurate to double precision
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def matrix_exp(A):
    """e^A by scaling and squaring with the [13/13] Pade approximant: a composition of
    matmul and solve, so its gradient (and higher ones) follow."""
    shape = np.shape(A)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"matrix_exp: expects square matrices (..., n, n), got shape {shape}")
    if not np.size(plain(A)):
        return A * 1
    norm = np.abs(np.asarray(plain(A))).sum(-2).max()
    s = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > 0 else 0
    a = A / 2.0 ** s
    eye = np.eye(shape[-1], dtype=np.result_type(plain(A), np.float32))
    b = _PADE13
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    x = solve(v - u, v + u)
    for _ in range(s):
        x = x @ x
    return x
