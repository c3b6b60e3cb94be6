"""Matrix functions and decompositions, as torch.linalg's: inv, det, slogdet, logdet, solve,
eigh, eigvalsh, svd, svdvals, pinv, matrix_rank, and the norms built on them (cholesky and the
triangular solves are in triangular.py).

VJPs are the standard matrix-calculus results (real matrices):
- inv:      dA = -A^-T G A^-T                                   (Giles 2008, "Collected
            matrix derivative results", sec. 2.2.3)
- det:      dA = g det(A) A^-T;  slogdet: dA = g A^-T             (Giles 2008, 2.2.4)
- solve:    dB = A^-T G, dA = -dB X^T                            (Giles 2008, 2.3.1)
- eigh:     dA = V (diag(gw) + skew(V^T gV) / 2 / E) V^T, E_ij = w_j - w_i
            (Giles 2008, 3.1; the skew projection as PyTorch's linalg_eig_backward)
- svd:      dA = U [skew(U^T gU) / E S + S skew(V^T gV) / E + diag(gS)] V^T
                 + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T), E_jk = S_k^2 - S_j^2
            (Townsend 2016, "Differentiating the singular value decomposition")
- pinv:     dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A), P = pinv(A)
            (Golub and Pereyra 1973, eq. 4.12; valid where the rank is locally constant)
Degenerate cases: det, slogdet and inv of a singular matrix raise (NumPy's LinAlgError) when
their gradient is taken; eigh with repeated eigenvalues and svd with repeated singular values
give infinite or NaN gradients for the vectors (1 / E), as PyTorch's.

Primitives with several results (eigh, svd) return them packed into one array, which the
public function slices apart, so each part has its gradient.
"""
import collections

import numpy as np

from autograd.extend import primitive, plain, like
from . import elementwise as ew
from . import reduce
from . import shape as sh

SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = collections.namedtuple("SVDResult", ["U", "S", "Vh"])


def _square(op, a):
    shape = np.shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{op}: expects square matrices (..., n, n), got shape {shape}")


@primitive(save=("y",))
def _inv(a):
    # dA = -A^-T G A^-T
    return np.linalg.inv(a), (lambda g, y, a: -(sh.mT(y) @ g @ sh.mT(y)),)


def inv(a):
    """The inverse of the square matrices a (..., n, n)."""
    _square("inv", a)
    return _inv(a)


@primitive(save=("a", "y"))
def _det(a):
    # dA = g det(A) A^-T
    return np.linalg.det(a), (lambda g, y, a: sh.unsqueeze(sh.unsqueeze(g * y, -1), -1)
                              * sh.mT(inv(a)),)


def det(a):
    _square("det", a)
    return _det(a)


@primitive(save=("a",))
def _slogdet(a):
    # dA = g A^-T
    return np.linalg.slogdet(a)[1], (lambda g, y, a: sh.unsqueeze(sh.unsqueeze(g, -1), -1)
                                     * sh.mT(inv(a)),)


def slogdet(a):
    """(sign, log|det|) of the square matrices a."""
    _square("slogdet", a)
    return SlogdetResult(like(a, np.linalg.slogdet(plain(a))[0]), _slogdet(a))


def logdet(a):
    """log(det(a)): NaN where the determinant is negative, -inf where it is 0."""
    sign, logabs = slogdet(a)
    return ew.where(plain(sign) < 0, np.nan, logabs)


@primitive(save=("a", "y"))
def _solve(a, b):
    """X with A X = B, for matrices B (..., n, k)."""
    y = np.linalg.solve(a, b)

    def gb(g, y, a, b):                 # dB = A^-T G
        return _solve(sh.mT(a), g)
    return y, (lambda g, y, a, b: -(_solve(sh.mT(a), g) @ sh.mT(y)), gb)


def solve(a, b, *, left=True):
    """X with A X = B (left) or X A = B; B a matrix (..., n, k) or a vector (..., n)."""
    _square("solve", a)
    if not left:
        return sh.mT(solve(sh.mT(a), sh.mT(b)))
    vector = np.ndim(b) == 1 or (np.ndim(b) == np.ndim(a) - 1
                                 and np.shape(b) == np.shape(a)[:-1])
    if vector:
        return _solve(a, sh.unsqueeze(b, -1))[..., 0]
    return _solve(a, b)


@primitive(save=("y",))
def _eigh(a):
    """eigenvalues w (..., n) and eigenvectors V (..., n, n) from the lower triangle of a,
    packed as (..., n + 1, n): row 0 is w, the rest V."""
    w, v = np.linalg.eigh(a)
    n = np.shape(a)[-1]

    def vjp(g, y, a):
        w, v = y[..., 0, :], y[..., 1:, :]
        gw, gv = g[..., 0, :], g[..., 1:, :]
        e = sh.unsqueeze(w, -2) - sh.unsqueeze(w, -1)           # E_ij = w_j - w_i
        e = ew.where(np.eye(n, dtype=bool), 1.0, e)
        vgv = sh.mT(v) @ gv
        inner = (vgv - sh.mT(vgv)) * 0.5 / e * (1 - np.eye(n)) + gw[..., None, :] * np.eye(n)
        return v @ inner @ sh.mT(v)
    return np.concatenate([w[..., None, :], v], -2), (vjp,)


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors of the symmetric matrices a, read
    from the lower (UPLO="L") or upper triangle."""
    _square("eigh", a)
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    # the upper triangle of a is the lower one of a^T (so one LAPACK call serves both)
    packed = _eigh(a if UPLO == "L" else sh.mT(a))
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(a, UPLO="L"):
    return eigh(a, UPLO).eigenvalues


@primitive(save=("y",), static=("m", "n"))
def _svd(a, m, n):
    """U (..., m, k), S (..., k) and Vh (..., k, n), k = min(m, n), flattened and joined along
    the last axis."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    k = min(m, n)
    lead = np.shape(a)[:-2]

    def parts(y):
        u = sh.reshape(y[..., :m * k], lead + (m, k))
        s = y[..., m * k:m * k + k]
        vh = sh.reshape(y[..., m * k + k:], lead + (k, n))
        return u, s, vh

    def vjp(g, y, a):
        u, s, vh = parts(y)
        gu, gs, gvh = parts(g)
        if not (np.any(plain(gu)) or np.any(plain(gvh))):
            # only S was used: U diag(gS) Vh, the other terms vanish (and would divide 0 by 0
            # at repeated singular values): PyTorch's svdvals gradient
            return (u * sh.unsqueeze(gs, -2)) @ vh
        v, gv = sh.mT(vh), sh.mT(gvh)
        s2 = s * s
        e = sh.unsqueeze(s2, -2) - sh.unsqueeze(s2, -1)         # E_jk = S_k^2 - S_j^2
        off = 1 - np.eye(k)
        e = ew.where(np.eye(k, dtype=bool), 1.0, e)
        utgu, vtgv = sh.mT(u) @ gu, sh.mT(v) @ gv
        core = ((utgu - sh.mT(utgu)) / e * off) * sh.unsqueeze(s, -2) \
            + sh.unsqueeze(s, -1) * ((vtgv - sh.mT(vtgv)) / e * off) \
            + gs[..., None, :] * np.eye(k)
        ga = u @ core @ vh
        s_inv = 1 / s
        if m > k:                       # (I - U U^T) gU S^-1 V^T
            ga = ga + (gu - u @ utgu) * sh.unsqueeze(s_inv, -2) @ vh
        if n > k:                       # U S^-1 gV^T (I - V V^T)
            ga = ga + u @ (sh.unsqueeze(s_inv, -1) * (sh.mT(gv) - sh.mT(gv) @ v @ sh.mT(v)))
        return ga
    flat = [u.reshape(lead + (m * k,)), s, vh.reshape(lead + (k * n,))]
    return np.concatenate(flat, -1), (vjp,)


def linalg_svd(a, full_matrices=True, op="linalg.svd"):
    """torch.linalg.svd: U, S, Vh with a = U diag(S) Vh. Only the reduced SVD is computed:
    full_matrices=True raises unless a is square (where the two are the same)."""
    shape = np.shape(a)
    if len(shape) < 2:
        raise ValueError(f"{op}: expects matrices (..., m, n), got shape {shape}")
    m, n = shape[-2:]
    if not m or not n:                  # no singular values: identities for the full bases
        lead, dtype = shape[:-2], np.result_type(plain(a))
        u = np.broadcast_to(np.eye(m, dtype=dtype), lead + (m, m)) if full_matrices else \
            np.zeros(lead + (m, 0), dtype)
        vh = np.broadcast_to(np.eye(n, dtype=dtype), lead + (n, n)) if full_matrices else \
            np.zeros(lead + (0, n), dtype)
        return SVDResult(like(a, u), like(a, np.zeros(lead + (0,), dtype)), like(a, vh))
    if full_matrices and m != n:
        raise NotImplementedError(f"{op}: full matrices for a non-square input of shape "
                                  f"{shape} are not supported; ask for the reduced SVD")
    k = min(m, n)
    y = _svd(a, m=m, n=n)
    lead = shape[:-2]
    return SVDResult(sh.reshape(y[..., :m * k], lead + (m, k)), y[..., m * k:m * k + k],
                     sh.reshape(y[..., m * k + k:], lead + (k, n)))


def svd(a, some=True, compute_uv=True):
    """torch.svd: U, S, V (not Vh) with a = U diag(S) V^T; U and V are zeros when not
    compute_uv (their gradient is then not defined), as PyTorch's."""
    u, s, vh = linalg_svd(a, not some, "svd")
    if not compute_uv:
        return SVDResult(like(a, np.zeros(np.shape(u))), s, like(a, np.zeros(np.shape(vh))))
    return SVDResult(u, s, sh.mT(vh))


def svdvals(a):
    return linalg_svd(a, False, "svdvals").S


def _cutoff(sv, m, n, atol, rtol):
    """The singular values counted as non-zero: above max(atol, rtol * max(S)), rtol
    defaulting to eps * max(m, n) when atol is not given; atol and rtol may be tensors, one
    value per matrix of the batch."""
    atol = None if atol is None else np.asarray(plain(atol), np.float64)
    if rtol is None:
        rtol = np.finfo(sv.dtype).eps * max(m, n) if atol is None or not atol.any() else 0.0
    if not sv.size:
        return np.zeros(sv.shape, bool)
    top = sv.max(-1, keepdims=True)
    low = 0.0 if atol is None else atol[..., None]
    return sv > np.maximum(low, np.asarray(plain(rtol), np.float64)[..., None] * top)


@primitive(save=("a", "y"), static=("atol", "rtol", "hermitian"))
def _pinv(a, atol=None, rtol=None, hermitian=False):
    if hermitian:
        w, v = np.linalg.eigh(a)
        keep = _cutoff(np.abs(w), *np.shape(a)[-2:], atol, rtol)
        y = (v * np.where(keep, 1 / np.where(keep, w, 1), 0)[..., None, :]) @ np.swapaxes(v,
                                                                                       -1, -2)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        keep = _cutoff(s, *np.shape(a)[-2:], atol, rtol)
        s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0)
        y = np.swapaxes(vh, -1, -2) @ (s_inv[..., :, None] * np.swapaxes(u, -1, -2))

    def vjp(g, y, a):                   # Golub and Pereyra 1973, eq. 4.12, transposed
        m, n = np.shape(a)[-2:]
        gt = sh.mT(g)
        return (-(sh.mT(y) @ g @ sh.mT(y)) + (np.eye(m) - a @ y) @ gt @ y @ sh.mT(y)
                + sh.mT(y) @ y @ gt @ (np.eye(n) - y @ a))
    return y, (vjp,)


def pinv(a, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse (singular values at most max(atol, rtol * max(S))
    count as 0). Its gradient assumes the rank does not change nearby."""
    shape = np.shape(a)
    if len(shape) < 2:
        raise ValueError(f"pinv: expects matrices (..., m, n), got shape {shape}")
    return _pinv(a, atol, rtol, hermitian)


def matrix_rank(a, *, atol=None, rtol=None, hermitian=False):
    sv = np.linalg.svd(np.asarray(plain(a)), compute_uv=False)
    return like(a, _cutoff(sv, *np.shape(a)[-2:], atol, rtol).sum(-1).astype(np.int64))


def _amax_or_0(x, axis, keepdim=False):
    """amax along axis, 0 where the axis is empty: the norms' convention, as PyTorch's (the
    amin-based ones raise there, as PyTorch's)."""
    if np.shape(x)[axis] == 0:
        return reduce.sum(x, axis, keepdim)
    return reduce.amax(x, axis, keepdim)


def matrix_norm(a, ord="fro", dim=(-2, -1), keepdim=False):
    """The matrix norm over the two axes `dim`: 'fro', 'nuc', 2, -2 (singular values), 1, -1,
    inf, -inf (column / row abs sums)."""
    d0, d1 = (d % np.ndim(a) for d in dim)
    if ord == "fro":
        return reduce.norm(a, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        moved = sh.permute(a, [d for d in range(np.ndim(a)) if d not in (d0, d1)] + [d0, d1])
        s = svdvals(moved)
        y = reduce.sum(s, -1) if ord == "nuc" else (_amax_or_0(s, -1) if ord == 2
                                                    else reduce.amin(s, -1))
    elif ord in (1, -1, np.inf, -np.inf):
        along, across = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = reduce.sum(ew.abs(a), along, True)
        y = (_amax_or_0 if ord > 0 else reduce.amin)(sums, across, True)
        y = sh.squeeze(y, (d0, d1))
    else:
        raise ValueError(f"matrix_norm: unsupported ord {ord!r}")
    if keepdim:
        for d in sorted((d0, d1)):
            y = sh.unsqueeze(y, d)
    return y
