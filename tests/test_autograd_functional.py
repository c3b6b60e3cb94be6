"""autograd.functional against torch.autograd.functional (vjp, jvp, jacobian, hessian, vhp,
hvp over one and several inputs and outputs, unused inputs), a Hessian against central
differences, nesting under create_graph, and bad input."""
import numpy as np
import pytest

import autograd as ag
from autograd import functional as AF

RNG = np.random.default_rng(0)
A, W, V = RNG.standard_normal(3), RNG.standard_normal((2, 3)), RNG.standard_normal(2)


def f1(x):
    return (x * x).sin()


def f2(x, w):
    return (w @ x).tanh()


def scalar(x, w):
    return ((w @ x).tanh() ** 2).sum() + (x ** 3).sum()


def unused(x, w):
    return x * 2


def flat(results):
    out = []
    for r in results if isinstance(results, tuple) else (results,):
        out += flat(r) if isinstance(r, tuple) else [r]
    return out


CASES = {
    "jacobian-one": lambda F, T: F.jacobian(f1, T(A)),
    "jacobian-two-inputs": lambda F, T: F.jacobian(f2, (T(A), T(W))),
    "jacobian-two-outputs": lambda F, T: F.jacobian(lambda x: (x * 2, x.sum()), T(A)),
    "jacobian-unused-input": lambda F, T: F.jacobian(unused, (T(A), T(W))),
    "hessian-one": lambda F, T: F.hessian(lambda x: (x ** 3).sum() * x.sum(), T(A)),
    "hessian-two": lambda F, T: F.hessian(scalar, (T(A), T(W))),
    "vjp": lambda F, T: F.vjp(f2, (T(A), T(W)), T(V)),
    "jvp": lambda F, T: F.jvp(f2, (T(A), T(W)), (T(A), T(W))),
    "jvp-unused-input": lambda F, T: F.jvp(unused, (T(A), T(W)), (T(A), T(W))),
    "vhp": lambda F, T: F.vhp(scalar, (T(A), T(W)), (T(A), T(W))),
    "hvp": lambda F, T: F.hvp(scalar, (T(A), T(W)), (T(A), T(W))),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = flat(CASES[name](AF, ag.tensor))
    theirs = flat(CASES[name](torch.autograd.functional, torch.tensor))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_against_central_differences():
    def f(x):
        return (x[0] * x[1].exp() + (x * x).sum() * x[2]).tanh()
    h = AF.hessian(f, A).data
    eps, n = 1e-4, len(A)
    num = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            def at(di, dj):
                x = A.copy()
                x[i] += di
                x[j] += dj
                return f(ag.tensor(x)).item()
            num[i, j] = (at(eps, eps) - at(eps, -eps) - at(-eps, eps) + at(-eps, -eps)) / (
                4 * eps * eps)
    np.testing.assert_allclose(h, num, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(h, h.T, atol=1e-12)


def test_results_nest_under_create_graph():
    x = ag.tensor(A.copy(), requires_grad=True)
    jac = AF.jacobian(lambda t: (t ** 3), x, create_graph=True)     # diag(3 x^2)
    (g,) = ag.grad(jac.sum(), x)
    np.testing.assert_allclose(g.data, 6 * A)
    assert not AF.jacobian(lambda t: t ** 3, x).requires_grad


def test_bad_input():
    with pytest.raises(ValueError, match=r"^vjp: v must match the shapes \[\(2,\)\], got "
                                         r"\[\(3,\)\]"):
        AF.vjp(lambda x: x[:2], A, np.ones(3))
    with pytest.raises(ValueError, match="^jvp: v can only be omitted for a single one-element"):
        AF.jvp(f1, A)
    with pytest.raises(ValueError, match=r"^hessian: the function must return a one-element "
                                         r"Tensor, got shape \(3,\)"):
        AF.hessian(f1, A)
