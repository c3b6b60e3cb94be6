"""Linear algebra: gradient rows (1-D promotion, batch broadcasting, einsum forms), forward
against NumPy, bad input."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check, torch_parity

matmul = lambda a, b: a @ b                                             # noqa: E731
GRAD_ROWS = [
    Row("matmul", matmul, [(2, 3), (3, 4)]),
    Row("matmul", matmul, [(3,), (3, 4)], id="1d-left"),
    Row("matmul", matmul, [(2, 3), (3,)], id="1d-right"),
    Row("matmul", matmul, [(3,), (3,)], id="1d-both"),
    Row("matmul", matmul, [(2, 1, 3, 4), (5, 4, 2)], id="batch-broadcast"),
    Row("matmul", matmul, [(3, 4), (2, 4, 5)], id="2d-times-batch"),
    Row("matmul", matmul, [(4,), (2, 4, 3)], id="1d-times-batch"),
    Row("matmul", matmul, [(2, 3, 4), (4,)], id="batch-times-1d"),
    Row("matmul", lambda a, b: a.dot(b), [(4,), (4,)], id="dot"),
    Row("mul", lambda a, b: ops.outer(a, b), [(3,), (2,)], id="outer"),
    Row("einsum", lambda a, b: ops.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    Row("einsum", lambda a, b: ops.einsum("ij,jk", a, b), [(2, 3), (3, 4)], id="implicit"),
    Row("einsum", lambda a, b: ops.einsum("Ba,ab", a, b), [(2, 3), (3, 4)],
        id="implicit-uppercase"),
    Row("einsum", lambda a, b: ops.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 2)],
        id="batched"),
    Row("einsum", lambda a, b: ops.einsum("ijk,j->i", a, b), [(2, 3, 4), (3,)],
        id="index-summed-in-one-operand"),
    Row("einsum", lambda a, b: ops.einsum("ij,jk->ik", a, b), [(2, 1), (3, 4)],
        id="size-1-broadcast"),
    Row("einsum", lambda a, b: ops.einsum("i,j->ij", a, b), [(3,), (2,)], id="outer"),
    Row("einsum", lambda a, b: ops.einsum("i,i->", a, b), [(3,), (3,)], id="dot"),
    Row("einsum", lambda a: ops.einsum("ij->ji", a), [(2, 3)], id="one-operand"),
    Row("einsum", lambda a: ops.einsum("ijk->j", [a]), [(2, 3, 4)], id="one-operand-sum"),
    Row("einsum", lambda a, b, c: ops.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 2), (2, 2)],
        id="three"),
    Row("einsum", lambda a, b: ops.einsum("bhqd,bhkd->bhqk", a, b),
        [(2, 4, 8, 64), (2, 4, 9, 64)], id="blas-path"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                 ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_numpy(shapes, dtype):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)
    y = ag.tensor(a, requires_grad=True) @ ag.tensor(b)
    assert y.dtype == dtype and y.shape == np.matmul(a, b).shape
    np.testing.assert_array_equal(y.data, np.matmul(a, b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dot_outer_einsum_match_numpy(dtype):
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal(4).astype(dtype), rng.standard_normal(3).astype(dtype)
    a, b = rng.standard_normal((2, 3, 4)).astype(dtype), rng.standard_normal((2, 4, 64))
    b = b.astype(dtype)
    tol = dict(rtol=1e-5 if dtype == np.float32 else 1e-12)
    for y, expected in [(ops.dot(ag.tensor(u), ag.tensor(u)), np.dot(u, u)),
                        (ops.outer(ag.tensor(u), ag.tensor(v)), np.outer(u, v)),
                        (ops.einsum("bij,bjk->bik", ag.tensor(a), ag.tensor(b)),
                         np.einsum("bij,bjk->bik", a, b)),
                        (ops.einsum("bij,bjk", ag.tensor(a), ag.tensor(b)),
                         np.einsum("bij,bjk", a, b)),
                        (ops.einsum("ijk,j->i", ag.tensor(a), ag.tensor(v)),
                         np.einsum("ijk,j->i", a, v))]:
        assert y.dtype == dtype and y.shape == expected.shape
        np.testing.assert_allclose(y.data, expected, **tol)


@pytest.mark.parametrize("shapes,exc,message", [
    (((2, 3), (4, 5)), ValueError, r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied "
                                   r"\(3 != 4\)"),
    (((3,), (4, 5)), ValueError, r"matmul: shapes \(3,\) and \(4, 5\) cannot be multiplied "
                                 r"\(3 != 4\)"),
    (((2, 3), (4,)), ValueError, r"matmul: shapes \(2, 3\) and \(4,\) cannot be multiplied"),
    (((), (3,)), ValueError, r"matmul: both operands need at least 1 dim, got shapes \(\) and"),
    (((2, 2, 3), (3, 3, 4)), ValueError,
     r"matmul: batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 4\) cannot be broadcast"),
])
def test_matmul_bad_input(shapes, exc, message):
    a, b = (ag.tensor(np.ones(s), requires_grad=True) for s in shapes)
    with pytest.raises(exc, match="^" + message):
        ops.matmul(a, b)


@pytest.mark.parametrize("call,message", [
    (lambda a, b: ops.dot(a, b), r"dot: expected two 1-D tensors, got shapes \(2, 3\) and \(3,"),
    (lambda a, b: ops.outer(b, a), r"outer: expected two 1-D tensors, got shapes \(3, 4\) and"),
    (lambda a, b: ops.einsum("ij,jk->ik", a), r"einsum: 'ij,jk->ik' names 2 operands, 1 given"),
    (lambda a, b: ops.einsum("ijk,kl->il", a, b),
     r"einsum: operand 0 has shape \(2, 3\) but subscripts 'ijk'"),
    (lambda a, b: ops.einsum("ij,kj->ik", a, b),
     r"einsum: index 'j' has size 4 in operand 1 of shape \(3, 4\) but size 3 in an earlier"),
    (lambda a, b: ops.einsum("...ijk,kl", a, b),
     r"einsum: operand 0 of shape \(2, 3\) does not match '...ijk' in '...ijk,kl'"),
    (lambda a, b: ops.einsum("i.j,jk", a, b), r"einsum: operand 0 of shape \(2, 3\) does not"),
    (lambda a, b: ops.einsum("ii,jk->jk", a, b),
     r"einsum: index 'i' repeated in operand 0 has sizes 2 and 3"),
    (lambda a, b: ops.einsum("ij,jk->iz", a, b), r"einsum: .*'z'"),
])
def test_bad_input(call, message):
    a, b = ag.tensor(np.ones((2, 3)), requires_grad=True), ag.tensor(np.ones((3, 4)))
    with pytest.raises(ValueError, match="^" + message):
        call(a, b)


@pytest.mark.parametrize("subscripts, shapes", [
    ("i...->...", [(3, 3)]), ("...ik, ...j -> ij", [(1, 2, 3), (3,)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]), ("...", [(2, 3)]), ("i...i->...", [(3, 2, 3)]),
    ("...qd,...kd->...qk", [(2, 4, 5, 3), (2, 4, 6, 3)]),     # attention scores over heads
])
def test_einsum_ellipsis_matches_pytorch(subscripts, shapes):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    torch_parity(lambda *xs: ops.einsum(subscripts, *xs),
                 lambda *xs: pytest.importorskip("torch").einsum(subscripts, *xs), *arrays)
    ag.gradgradcheck(lambda *xs: ops.einsum(subscripts, *xs), *arrays)


def test_matmul_skips_the_gradient_of_a_constant_operand():
    calls = []
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.tensor(np.ones((3, 4)))
    with ag.no_grad():
        assert not (a @ b).requires_grad
    y = a @ b
    y.grad_fn.vjps = (y.grad_fn.vjps[0], lambda *args: calls.append(args))
    y.sum().backward()
    assert not calls and a.grad.shape == (2, 3) and b.grad is None
