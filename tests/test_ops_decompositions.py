"""Matrix functions and decompositions (ops/decompositions.py, autograd.linalg): gradient
rows, PyTorch parity of values and gradients, and the errors."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check, torch_parity


def _well_conditioned(xs):
    """Square inputs made diagonally dominant: far from singular."""
    return [x + 3 * np.eye(x.shape[-1]) for x in xs]


def _spd(xs):
    """Symmetric positive-definite inputs with well-separated eigenvalues."""
    out = []
    for x in xs:
        n = x.shape[-1]
        out.append(x @ np.swapaxes(x, -1, -2) + np.diag(np.arange(1.0, n + 1)) * 2)
    return out


def _sym(a):
    return (a + a.mT) / 2


GRAD_ROWS = [
    Row("inv", lambda a: ops.inv(a), [(2, 3, 3)], domain=_well_conditioned),
    Row("det", lambda a: ops.det(a), [(2, 3, 3)], domain=_well_conditioned),
    Row("slogdet", lambda a: ops.slogdet(a).logabsdet, [(3, 3)], domain=_well_conditioned),
    Row("solve", lambda a, b: ops.solve(a, b), [(3, 3), (3, 2)],
        domain=lambda xs: _well_conditioned(xs[:1]) + xs[1:]),
    Row("cholesky", lambda a: ops.cholesky(_sym(a)), [(3, 3)], domain=_spd),
    Row("eigh", lambda a: ops.eigh(_sym(a)).eigenvalues, [(3, 3)], domain=_spd),
    Row("eigh", lambda a: ops.eigh(_sym(a)).eigenvectors.abs().sum(-2), [(3, 3)], domain=_spd,
        id="vectors"),
    Row("svd", lambda a: ops.svdvals(a), [(4, 3)]),
    Row("svd", lambda a: (lambda r: (r.U.abs().sum(-1), r.Vh.abs().sum(-2)))(
        ops.linalg_svd(a, False)), [(3, 4)], id="vectors"),
    Row("pinv", lambda a: ops.pinv(a), [(4, 3)]),
    Row("qr", lambda a: ops.qr(a), [(2, 4, 3)]),
    Row("qr", lambda a: ops.qr(a), [(3, 5)], id="wide"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


A = _well_conditioned([np.random.default_rng(0).standard_normal((2, 4, 4))])[0]
SPD = _spd([np.random.default_rng(1).standard_normal((4, 4))])[0]
M = np.random.default_rng(2).standard_normal((5, 3))


def test_matrix_functions_match_pytorch(torch):
    torch_parity(lambda a: (ops.inv(a), ops.det(a), ops.slogdet(a).logabsdet,
                            ops.solve(a, a[..., 0]), ag.linalg.matrix_power(a, -2)),
                 lambda a: (torch.linalg.inv(a), torch.linalg.det(a),
                            torch.linalg.slogdet(a).logabsdet,
                            torch.linalg.solve(a, a[..., 0]), torch.linalg.matrix_power(a, -2)),
                 A)


def test_decompositions_match_pytorch(torch):
    torch_parity(lambda a: (ops.cholesky(a), ops.eigh(a).eigenvalues, ag.linalg.svdvals(a)),
                 lambda a: (torch.linalg.cholesky(a), torch.linalg.eigh(a).eigenvalues,
                            torch.linalg.svdvals(a)), SPD)
    torch_parity(lambda m: (ag.linalg.pinv(m), ag.linalg.matrix_norm(m, "nuc"),
                            ag.linalg.norm(m, 2), ag.linalg.vector_norm(m, 3)),
                 lambda m: (torch.linalg.pinv(m), torch.linalg.matrix_norm(m, "nuc"),
                            torch.linalg.norm(m, 2), torch.linalg.vector_norm(m, 3)), M)


def test_solvers_match_pytorch(torch):
    b = np.random.default_rng(3).standard_normal((4, 2))
    torch_parity(lambda a, b: (*ops.qr(a), ag.linalg.solve_triangular(a, b, upper=True),
                               ops.cholesky_solve(b, a.tril() + 3 * np.eye(4)),
                               ag.linalg.lstsq(a, b).solution, ag.linalg.cond(a)),
                 lambda a, b: (*torch.linalg.qr(a), torch.linalg.solve_triangular(
                     a, b, upper=True), torch.cholesky_solve(b, a.tril() + 3 * torch.eye(4)),
                     torch.linalg.lstsq(a, b).solution, torch.linalg.cond(a)), A[0], b)


def test_bad_input_names_the_op():
    with pytest.raises(ValueError, match=r"inv: expects square matrices \(\.\.\., n, n\), got "
                                         r"shape \(2, 3\)"):
        ops.inv(ag.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="cholesky: the input of shape .* is not positive"):
        ops.cholesky(ag.tensor(-np.eye(2)))
    with pytest.raises(NotImplementedError, match="linalg.svd: full matrices for a non-square"):
        ag.linalg.svd(ag.tensor(M))
