"""cholesky and solve_triangular: gradient rows (batched, broadcasting, both triangles, both
sides), values and gradients against PyTorch, bad input."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, backward_both, check, raises_starting_with


def spd(x):
    """A symmetric positive-definite matrix (batch) from any square x: x x^T + n I."""
    n = x.shape[-1]
    return x @ x.transpose(-1, -2) + n * np.eye(n)


def well_conditioned(xs):
    """The triangular operand with a diagonal away from zero: its first input gets 3 * sign
    added on the diagonal."""
    a = xs[0] + 3 * np.sign(xs[0]) * np.eye(xs[0].shape[-1])
    return [a] + xs[1:]


GRAD_ROWS = [
    Row("cholesky", lambda x: ops.cholesky(spd(x)), [(3, 3)]),
    Row("cholesky", lambda x: ops.cholesky(spd(x), upper=True), [(2, 3, 3)], id="batch-upper"),
    Row("solve_triangular", lambda a, b: ops.solve_triangular(a, b, upper=False),
        [(3, 3), (3, 2)], well_conditioned),
    Row("solve_triangular", lambda a, b: ops.solve_triangular(a, b, upper=True),
        [(2, 1, 3, 3), (4, 3, 1)], well_conditioned, id="upper-batch-broadcast"),
    Row("solve_triangular", lambda a, b: ops.solve_triangular(a, b, upper=False, left=False),
        [(2, 3, 3), (4, 3)], well_conditioned, id="right"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


def test_values_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, t, b = rng.standard_normal((2, 4, 4)), rng.standard_normal((4, 4)), \
        rng.standard_normal((3, 2, 4, 2))
    t = t + 4 * np.eye(4)
    ours = [ag.tensor(v, requires_grad=True) for v in (x, t, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, t, b)]

    def run(lib, linalg, x, t, b):
        a = x @ x.transpose(-1, -2) + 4 * lib.tensor(np.eye(4))
        return [linalg.cholesky(a), linalg.cholesky(a, upper=True),
                linalg.solve_triangular(t, b, upper=True),
                linalg.solve_triangular(t, b, upper=False),
                linalg.solve_triangular(t, b.transpose(-1, -2), upper=False, left=False)]

    mine, expected = run(ag, ops, *ours), run(torch, torch.linalg, *theirs)
    for m, e in zip(mine, expected):
        np.testing.assert_allclose(m.data, e.detach().numpy(), rtol=1e-12, atol=1e-14)
    backward_both(torch, mine, expected, rng)
    for m, e in zip(ours, theirs):
        np.testing.assert_allclose(m.grad.data, e.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_reads_one_triangle_only():
    rng = np.random.default_rng(1)
    a = spd(rng.standard_normal((3, 3)))
    junk = a + np.triu(rng.standard_normal((3, 3)), 1)
    np.testing.assert_array_equal(ops.cholesky(junk), np.linalg.cholesky(a))
    t, b = np.tril(a), rng.standard_normal((3, 2))
    np.testing.assert_allclose(ops.solve_triangular(t + np.triu(a, 1) * 7, b, upper=False),
                               np.linalg.solve(t, b), rtol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.cholesky(np.ones((2, 3))),
     "cholesky: A must be a batch of square matrices, got shape (2, 3)"),
    (lambda: ops.cholesky(-np.eye(2)), "cholesky: the input of shape (2, 2) is not "
                                       "positive-definite"),
    (lambda: ops.solve_triangular(np.eye(3), np.ones((2, 1)), upper=True),
     "solve_triangular: B of shape (2, 1) does not match A of shape (3, 3) (it needs 3 rows)"),
    (lambda: ops.solve_triangular(np.eye(3), np.ones((3, 1)), upper=True, left=False),
     "solve_triangular: B of shape (3, 1) does not match A of shape (3, 3) (it needs 3 "
     "columns)"),
    (lambda: ops.solve_triangular(np.zeros((2, 2)), np.ones((2, 1)), upper=False),
     "solve_triangular: the triangular matrix of shape (2, 2) is singular"),
])
def test_bad_input(call, message):
    raises_starting_with(call, message)
