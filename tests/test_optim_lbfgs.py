"""LBFGS: PyTorch's iterates and evaluation counts in float64 (with and without the strong-Wolfe
line search) on a regression, Rosenbrock and a small MLP; convergence; state dicts; errors."""
import numpy as np
import pytest

import autograd as ag
import optim

RNG = np.random.default_rng(0)
X, W_TRUE = RNG.standard_normal((20, 3)), RNG.standard_normal((3, 2))
Y = X @ W_TRUE + 0.1 * RNG.standard_normal((20, 2))
MLP_SHAPES = [(3, 8), (8,), (8, 2), (2,)]
MLP_START = [0.5 * RNG.standard_normal(s) for s in MLP_SHAPES]


def regression(lib, w, b):
    return ((lib.tensor(X) @ w + b - lib.tensor(Y)) ** 2).mean()


def rosenbrock(lib, xy):
    return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2


def mlp(lib, w1, b1, w2, b2):
    return ((((lib.tensor(X) @ w1 + b1).tanh() @ w2 + b2) - lib.tensor(Y)) ** 2).mean()


PROBLEMS = {   # name -> (loss, starting arrays, LBFGS options, steps)
    "regression": (regression, [np.zeros((3, 2)), np.zeros(2)], dict(max_iter=4), 3),
    "rosenbrock": (rosenbrock, [np.array([-1.5, 2.0])], dict(max_iter=15), 3),
    "mlp": (mlp, MLP_START, dict(max_iter=6, history_size=4), 4),
}


def _run(lib, opt_class, problem, steps=None, **options):
    """Parameters, returned losses and (func_evals, n_iter) after each step."""
    loss_fn, start, defaults, n = PROBLEMS[problem]
    params = [lib.tensor(a.copy(), requires_grad=True) for a in start]
    opt = opt_class(params, **{**defaults, **options})

    def closure():
        opt.zero_grad()
        loss = loss_fn(lib, *params)
        loss.backward()
        return loss

    trace = []
    for _ in range(steps or n):
        loss = float(opt.step(closure).detach())
        state = opt.state[params[0]]
        trace.append((loss, state["func_evals"], state["n_iter"]))
    return [np.array(p.detach().numpy()) for p in params], trace, opt


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("problem", PROBLEMS)
def test_matches_pytorch_iterates(problem, line_search_fn):
    torch = pytest.importorskip("torch")
    ours, trace, _ = _run(ag, optim.LBFGS, problem, line_search_fn=line_search_fn)
    theirs, ttrace, _ = _run(torch, torch.optim.LBFGS, problem, line_search_fn=line_search_fn)
    assert [t[1:] for t in trace] == [t[1:] for t in ttrace]          # evaluations, iterations
    np.testing.assert_allclose([t[0] for t in trace], [t[0] for t in ttrace], rtol=1e-8)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p, q, rtol=1e-8, atol=1e-12)
    assert trace[-1][0] < trace[0][0]                                 # it did descend


# lr 0.05: the search extrapolates; 10 and 100: it zooms, also out of evaluations (max_eval)
LINE_SEARCH_CASES = [("rosenbrock", dict(lr=0.05)), ("mlp", dict(lr=0.05)),
                     ("rosenbrock", dict(lr=10)), ("mlp", dict(lr=10, history_size=2)),
                     ("regression", dict(lr=100)), ("mlp", dict(lr=100, max_eval=9))]


@pytest.mark.parametrize("problem, options", LINE_SEARCH_CASES, ids=str)
def test_line_search_phases_match_pytorch(problem, options):
    torch = pytest.importorskip("torch")
    options = dict(options, line_search_fn="strong_wolfe")
    ours, trace, _ = _run(ag, optim.LBFGS, problem, **options)
    theirs, ttrace, _ = _run(torch, torch.optim.LBFGS, problem, **options)
    assert [t[1:] for t in trace] == [t[1:] for t in ttrace]
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p, q, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_solves_rosenbrock(line_search_fn):
    xy, trace, _ = _run(ag, optim.LBFGS, "rosenbrock", steps=10, max_iter=20,
                        line_search_fn=line_search_fn, lr=1 if line_search_fn else 0.5)
    np.testing.assert_allclose(xy[0], [1.0, 1.0], atol=1e-4)


def test_stops_at_once_when_the_gradient_is_small():
    w = ag.tensor(np.ones(3), requires_grad=True)
    opt = optim.LBFGS([w], tolerance_grad=1e-3)

    def closure():
        opt.zero_grad()
        loss = (w * 1e-4).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)) == pytest.approx(3e-4)
    assert opt.state[w] == {"func_evals": 1, "n_iter": 0}
    np.testing.assert_array_equal(w.data, np.ones(3))


def test_state_dict_round_trip_continues_the_iterates():
    _, _, opt = _run(ag, optim.LBFGS, "mlp", steps=2, line_search_fn="strong_wolfe")
    saved = opt.state_dict()
    assert set(saved["state"][0]) == {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps",
                                      "ro", "H_diag", "prev_flat_grad", "prev_loss", "al"}
    params = opt.param_groups[0]["params"]
    start = [p.detach().numpy().copy() for p in params]
    closure = _closure(opt, params)
    opt.step(closure)
    expected = [p.detach().numpy().copy() for p in params]

    fresh = [ag.tensor(a, requires_grad=True) for a in start]
    opt2 = optim.LBFGS(fresh)
    opt2.load_state_dict(saved)
    opt2.step(_closure(opt2, fresh))
    for p, q in zip(fresh, expected):
        np.testing.assert_array_equal(p.data, q)


def _closure(opt, params):
    def closure():
        opt.zero_grad()
        loss = mlp(ag, *params)
        loss.backward()
        return loss
    return closure


def test_step_bumps_versions_so_stale_graphs_raise():
    w = ag.tensor(np.ones(2), requires_grad=True)
    opt = optim.LBFGS([w], max_iter=2)
    stale = (w * w).sum()
    opt.step(lambda: _backward((w - 3.0).pow(2).sum(), opt))
    with pytest.raises(RuntimeError, match="modified"):
        stale.backward()
    opt.zero_grad()
    fresh = (w * w).sum()                              # recorded after: the new values
    fresh.backward()
    np.testing.assert_allclose(w.grad.data, 2 * w.data)


def _backward(loss, opt):
    opt.zero_grad()
    loss.backward()
    return loss


def test_bad_input_raises():
    a, b = (ag.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe', got "
                                         "'armijo'"):
        optim.LBFGS([a], line_search_fn="armijo")
    with pytest.raises(ValueError, match="invalid lr -1"):
        optim.LBFGS([a], lr=-1)
    opt = optim.LBFGS([a])
    with pytest.raises(TypeError, match="closure"):
        opt.step()
    saved = opt.state_dict()
    saved["state"] = {0: {"func_evals": 1, "momentum_buffer": 0}}
    with pytest.raises(ValueError, match=r"state of parameter 0 has \['momentum_buffer'\]"):
        opt.load_state_dict(saved)
