"""Losses of nn.functional: gradient rows (double backward included), PyTorch parity for every
option, stability at extreme logits, and errors that name the op and the values at fault."""
import itertools

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from gradrows import Row, check

T45 = np.array([1, 0, 4, 2])                     # class targets for (4, 5) scores
T45_IGNORED = np.array([1, -1, 4, 4])            # with ignore_index=-1
T_SPATIAL = np.array([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])    # for (2, 3, 2, 2) scores
W5 = np.array([0.5, 1.0, 2.0, 1.5, 0.8])


def _probs(axis):
    """Domain: second input made a probability distribution along `axis`."""
    def domain(xs):
        e = np.exp(xs[1])
        return [xs[0], e / e.sum(axis, keepdims=True)]
    return domain


def _unit(xs):
    """Domain: every input in [0.05, 0.95] (probabilities away from 0 and 1)."""
    return [0.05 + 0.9 / (1 + np.exp(-x)) for x in xs]


def _apart(gap, kinks=()):
    """Domain for f(x - t): |x - t| at least `gap` away from 0 and from each kink."""
    def domain(xs):
        x, t = xs
        d = x - t
        for k in (0.0, *kinks, *(-k for k in kinks)):
            d = np.where(np.abs(d - k) < gap, d + 2 * gap, d)
        return [t + d, t]
    return domain


def _positive_target(xs):
    return [xs[0], np.abs(xs[1]) + 0.1]


GRAD_ROWS = [
    Row("cross_entropy", lambda x: F.cross_entropy(x, T45), [(4, 5)]),
    Row("cross_entropy", lambda x: F.cross_entropy(x, T45_IGNORED, W5, ignore_index=-1,
                                                   label_smoothing=0.1),
        [(4, 5)], id="weight-ignore-smoothing"),
    Row("cross_entropy", lambda x: F.cross_entropy(x, T_SPATIAL, reduction="none"),
        [(2, 3, 2, 2)], id="spatial-none"),
    Row("cross_entropy", lambda x: F.cross_entropy(x, np.array(3), label_smoothing=0.3),
        [(5,)], id="unbatched"),
    Row("cross_entropy", lambda x, t: F.cross_entropy(x, t), [(4, 5), (4, 5)], domain=_probs(1),
        id="probabilities"),
    Row("cross_entropy", lambda x, t: F.cross_entropy(x, t, W5[:3], reduction="sum",
                                                      label_smoothing=0.2),
        [(2, 3, 2), (2, 3, 2)], domain=_probs(1), id="probabilities-weight-smoothing"),
    Row("nll_loss", lambda x: F.nll_loss(x, T45_IGNORED, W5, ignore_index=-1), [(4, 5)]),
    Row("nll_loss", lambda x: F.nll_loss(x, T_SPATIAL, reduction="none"), [(2, 3, 2, 2)],
        id="spatial-none"),
    Row("binary_cross_entropy", lambda x, t: F.binary_cross_entropy(x, t), [(3, 4), (3, 4)],
        domain=_unit),
    Row("binary_cross_entropy", lambda x, t, w: F.binary_cross_entropy(x, t, w, reduction="sum"),
        [(3, 4), (3, 4), (4,)], domain=_unit, id="weight"),
    Row("binary_cross_entropy_with_logits",
        lambda x, t: F.binary_cross_entropy_with_logits(x, t), [(3, 4), (3, 4)],
        domain=lambda xs: [xs[0] * 3, _unit(xs[1:])[0]]),
    Row("binary_cross_entropy_with_logits",
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, np.array([1.0, 0.0, 1.0, 1.0]), pos_weight=np.array([2.0, 0.5, 1.0, 3.0]),
            reduction="none"),
        [(3, 4), (3, 4)], domain=lambda xs: [xs[0] * 3, _unit(xs[1:])[0]], id="mask-pos_weight"),
    Row("mul", lambda x, t: F.mse_loss(x, t), [(3, 4), (3, 4)], id="mse_loss"),
    Row("abs", lambda x, t: F.l1_loss(x, t, reduction="sum"), [(3, 4), (3, 4)],
        domain=_apart(0.05), id="l1_loss"),
    Row("where", lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), [(3, 4), (3, 4)],
        domain=_apart(0.05, [0.5]), id="smooth_l1_loss"),
    Row("where", lambda x, t: F.huber_loss(x, t, "none", delta=0.7), [(3, 4), (3, 4)],
        domain=_apart(0.05, [0.7]), id="huber_loss"),
    Row("log", lambda x, t: F.kl_div(x, t, reduction="batchmean"), [(3, 4), (3, 4)],
        domain=_positive_target, id="kl_div"),
    Row("exp", lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True), [(3, 4), (3, 4)],
        id="kl_div-log_target"),
    Row("sqrt", lambda a, b: F.cosine_similarity(a, b), [(3, 4), (3, 4)],
        id="cosine_similarity"),
    Row("sqrt", lambda a, b: F.cosine_similarity(a, b, dim=-1), [(2, 3, 4), (4,)],
        id="cosine_similarity-broadcast"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


def _compare(ours, theirs, xs, differentiable, torch, rtol=1e-10, atol=1e-12):
    """Value and gradients (random upstream) of `ours` on Tensors and `theirs` on torch tensors;
    xs[i] requires grad where differentiable[i]."""
    ts = [ag.tensor(x, requires_grad=d) for x, d in zip(xs, differentiable)]
    pts = [torch.tensor(x, requires_grad=d) for x, d in zip(xs, differentiable)]
    y, py = ours(*ts), theirs(*pts)
    u = np.random.default_rng(9).standard_normal(y.shape)
    y.backward(u.astype(y.dtype))
    py.backward(torch.tensor(u, dtype=py.dtype))
    np.testing.assert_allclose(y.data, py.detach().numpy(), rtol=rtol, atol=atol)
    for t, pt, d in zip(ts, pts, differentiable):
        if d:
            assert t.grad.dtype == t.dtype
            np.testing.assert_allclose(t.grad.data, pt.grad.numpy(), rtol=rtol, atol=atol)


SHAPES = [(4, 5), (5,), (3, 4, 2, 3)]


def _class_problem(shape, probs, ignore, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2
    axis = 1 if len(shape) > 1 else 0
    if probs:
        t = rng.random(shape)
        return x, t / t.sum(axis, keepdims=True)
    t = rng.integers(0, shape[axis], shape[:axis] + shape[axis + 1:])
    if ignore and t.size > 1:
        t.flat[1] = ignore
    return x, t


@pytest.mark.parametrize("shape,probs,weight,ignore,reduction,smoothing", [
    c for c in itertools.product(SHAPES, [False, True], [False, True], [None, 2],
                                 ["mean", "sum", "none"], [0.0, 0.2])
    if not (c[1] and c[3])])
def test_cross_entropy_matches_torch(shape, probs, weight, ignore, reduction, smoothing):
    torch = pytest.importorskip("torch")
    x, t = _class_problem(shape, probs, ignore)
    n = shape[1] if len(shape) > 1 else shape[0]
    w = np.linspace(0.5, 2, n) if weight else None
    kw = dict(reduction=reduction, label_smoothing=smoothing,
              **({"ignore_index": ignore} if ignore else {}))
    _compare(lambda x, t: F.cross_entropy(x, t, w, **kw),
             lambda x, t: torch.nn.functional.cross_entropy(
                 x, t, None if w is None else torch.tensor(w), **kw),
             [x, t], [True, probs], torch)


@pytest.mark.parametrize("shape,weight,reduction", list(itertools.product(
    SHAPES, [False, True], ["mean", "sum", "none"])))
def test_nll_loss_matches_torch(shape, weight, reduction):
    torch = pytest.importorskip("torch")
    x, t = _class_problem(shape, False, -3)
    w = np.linspace(0.5, 2, x.shape[1 if x.ndim > 1 else 0]) if weight else None
    _compare(lambda x, t: F.nll_loss(x, t, w, ignore_index=-3, reduction=reduction),
             lambda x, t: torch.nn.functional.nll_loss(
                 x, t, None if w is None else torch.tensor(w), ignore_index=-3,
                 reduction=reduction),
             [x, t], [True, False], torch)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropies_match_torch(reduction, weighted):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((3, 4)) * 3, rng.random((3, 4))
    t[0] = [0.0, 1.0, 0.0, 1.0]
    w = (rng.random(4) > 0.3).astype(np.float64) if weighted else None
    pw = rng.random(4) + 0.5
    tw = None if w is None else torch.tensor(w)
    p = 1 / (1 + np.exp(-x))
    _compare(lambda x, t: F.binary_cross_entropy(x, t, w, reduction=reduction),
             lambda x, t: torch.nn.functional.binary_cross_entropy(x, t, tw,
                                                                   reduction=reduction),
             [p, t], [True, True], torch)
    for pos in (None, pw):
        _compare(lambda x, t: F.binary_cross_entropy_with_logits(
                     x, t, w, reduction=reduction, pos_weight=pos),
                 lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(
                     x, t, tw, reduction=reduction,
                     pos_weight=None if pos is None else torch.tensor(pos)),
                 [x, t], [True, True], torch)


REGRESSION = {
    "mse_loss": (lambda r: (lambda x, t: F.mse_loss(x, t, reduction=r)),
                 lambda f, r: (lambda x, t: f.mse_loss(x, t, reduction=r))),
    "l1_loss": (lambda r: (lambda x, t: F.l1_loss(x, t, reduction=r)),
                lambda f, r: (lambda x, t: f.l1_loss(x, t, reduction=r))),
    "smooth_l1_loss": (lambda r: (lambda x, t: F.smooth_l1_loss(x, t, reduction=r, beta=0.6)),
                       lambda f, r: (lambda x, t: f.smooth_l1_loss(x, t, reduction=r, beta=0.6))),
    "smooth_l1_loss-beta0": (
        lambda r: (lambda x, t: F.smooth_l1_loss(x, t, reduction=r, beta=0.0)),
        lambda f, r: (lambda x, t: f.smooth_l1_loss(x, t, reduction=r, beta=0.0))),
    "huber_loss": (lambda r: (lambda x, t: F.huber_loss(x, t, r, 0.6)),
                   lambda f, r: (lambda x, t: f.huber_loss(x, t, r, 0.6))),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_losses_match_torch(name, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x[0, 0] = t[0, 0]                                  # a zero difference: the kink of l1
    ours, theirs = REGRESSION[name]
    _compare(ours(reduction), theirs(torch.nn.functional, reduction), [x, t], [True, True], torch)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")      # torch's advice
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = np.log(rng.dirichlet(np.ones(5), 3))
    t = rng.dirichlet(np.ones(5), 3)
    t = np.log(t) if log_target else t
    _compare(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
             lambda x, t: torch.nn.functional.kl_div(x, t, reduction=reduction,
                                                     log_target=log_target),
             [x, t], [True, True], torch)


@pytest.mark.parametrize("shapes,dim", [([(3, 4), (3, 4)], 1), ([(2, 3, 4), (4,)], -1),
                                        ([(5, 3), (5, 3)], 0)])
def test_cosine_similarity_matches_torch(shapes, dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a, b = (rng.standard_normal(s) for s in shapes)
    _compare(lambda a, b: F.cosine_similarity(a, b, dim),
             lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim), [a, b], [True, True],
             torch)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_at_extreme_logits(dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype)
    t = np.array([1, 2, 0])
    probs = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5], [0.5, 0.5, 0.0]], dtype)
    tol = dict(rtol=1e-6, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-12)
    for target in (t, probs):
        for smoothing in (0.0, 0.1):
            _compare(lambda x, t: F.cross_entropy(x, t, label_smoothing=smoothing,
                                                  reduction="none"),
                     lambda x, t: torch.nn.functional.cross_entropy(
                         x, t, label_smoothing=smoothing, reduction="none"),
                     [x, target], [True, False], torch, **tol)
    loss = F.cross_entropy(ag.tensor(x), t, reduction="none").data
    np.testing.assert_allclose(loss, [2e4, np.log(3), np.log(2)], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_unshifted_path_keeps_float_accuracy(dtype):
    """Large but safe logits (no shifted copy is made): as accurate as PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = rng.uniform(-40, 40, (6, 7)).astype(dtype)
    x[0] = [40, -40, 39.99, 0, 1, 2, 3]                # nearly tied large logits
    x[1] = [-40, -40.5, -39, -41, -40, -40, -40]       # every logit very negative
    t = np.array([0, 2, 3, 1, 4, 6])
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    _compare(lambda x, t: F.cross_entropy(x, t, reduction="none"),
             lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction="none"),
             [x, t], [True, False], torch, **tol)


def test_binary_losses_are_stable_at_extremes():
    torch = pytest.importorskip("torch")
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    _compare(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
             lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(
                 x, t, reduction="none"), [x, t], [True, True], torch)
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])            # log 0 clamped at -100
    _compare(lambda x, t: F.binary_cross_entropy(x, t, reduction="none"),
             lambda x, t: torch.nn.functional.binary_cross_entropy(x, t, reduction="none"),
             [p, t], [True, False], torch, rtol=1e-8)    # gradients of order 1e12 there
    # d/dt = log(1 - x) - log x with the forward's clamp at -100 (PyTorch: +-inf)
    pt, tt = ag.tensor(p), ag.tensor(t, requires_grad=True)
    F.binary_cross_entropy(pt, tt, reduction="sum").backward()
    np.testing.assert_allclose(tt.grad.data, [100, -100, 100, -100, 0], atol=1e-12)


def test_all_ignored_mean_is_nan_with_zero_gradient():
    x = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    loss = F.cross_entropy(x, np.array([-100, -100]))
    loss.backward()
    assert np.isnan(loss.item()) and not x.grad.data.any()


def test_negative_sampling_mask_drops_terms():
    x = ag.tensor(np.array([[2.0, -1.0, 0.5]]), requires_grad=True)
    mask = np.array([[1.0, 0.0, 1.0]])
    F.binary_cross_entropy_with_logits(x, np.array([[1.0, 0.0, 0.0]]), mask,
                                       reduction="sum").backward()
    assert x.grad.data[0, 1] == 0 and x.grad.data[0, 0] != 0


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.cross_entropy(ag.tensor(np.zeros((4, 5))), np.array([1, 5, 0, -2])), IndexError,
     r"cross_entropy: target values \[-2, 5\] are out of bounds for 5 classes "
     r"\(input \(4, 5\)"),
    (lambda: F.cross_entropy(ag.tensor(np.zeros((4, 5))), np.array([1, 2, 0])), ValueError,
     r"cross_entropy: input \(4, 5\) expects a target of shape \(4,\), got \(3,\)"),
    (lambda: F.cross_entropy(ag.tensor(np.zeros((4, 5))), np.zeros(4)), TypeError,
     r"cross_entropy: expected integer class indices .* got target of dtype float64"),
    (lambda: F.cross_entropy(ag.tensor(np.zeros((4, 5))), np.zeros((4, 4))), TypeError,
     r"cross_entropy: expected integer class indices of shape \(4,\) or class probabilities of "
     r"shape \(4, 5\), got target of dtype float64 and shape \(4, 4\)"),
    (lambda: F.cross_entropy(ag.tensor(np.zeros((4, 5))), np.zeros(4, int), np.ones(4)),
     ValueError, r"cross_entropy: weight of shape \(4,\) does not match the 5 classes"),
    (lambda: F.cross_entropy(ag.tensor(np.zeros((4, 5))), np.zeros(4, int), reduction="avg"),
     ValueError, "cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.nll_loss(ag.tensor(np.zeros((2, 3, 4))), np.full((2, 4), 3)), IndexError,
     r"nll_loss: target values \[3\] are out of bounds for 3 classes"),
    (lambda: F.binary_cross_entropy(ag.tensor(np.array([0.5, 1.5])), np.array([0.0, 1.0])),
     ValueError, r"binary_cross_entropy: all elements of input should be between 0 and 1, got "
     r"values in \[0.5, 1.5\]"),
    (lambda: F.binary_cross_entropy(ag.tensor(np.array([0.5, 0.5])), np.array([0.0, 2.0])),
     ValueError, "binary_cross_entropy: all elements of target should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(ag.tensor(np.full((2, 1), 0.5)), np.zeros(2)), ValueError,
     r"binary_cross_entropy: target of shape \(2,\) must have the same shape as input \(2, 1\)"),
    (lambda: F.binary_cross_entropy_with_logits(ag.tensor(np.zeros(2)), np.zeros(2, int)),
     TypeError, "binary_cross_entropy_with_logits: target must be floating point, got dtype int"),
    (lambda: F.mse_loss(ag.tensor(np.zeros(3)), np.zeros(4)), ValueError,
     r"mse_loss: target of shape \(4,\) cannot broadcast with input \(3,\)"),
    (lambda: F.l1_loss(ag.tensor(np.zeros(3)), np.zeros(3), reduction="avg"), ValueError,
     "l1_loss: reduction must be"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_broadcasting_target_warns_like_torch():
    with pytest.warns(UserWarning, match=r"mse_loss: target size \(3, 1\) differs"):
        F.mse_loss(ag.tensor(np.zeros(3)), np.zeros((3, 1)))



@pytest.mark.parametrize("probs", [False, True])
def test_cross_entropy_second_derivatives_match_torch(probs):
    """d/dx and d/dt of <d loss / dx, v>: Hessian-vector products against PyTorch's."""
    torch = pytest.importorskip("torch")
    x, t = _class_problem((4, 5), probs, None if probs else -1, seed=3)
    v = np.random.default_rng(4).standard_normal(x.shape)
    kw = dict(ignore_index=-1, label_smoothing=0.1)
    results = []
    for lib, f, grad in ((ag, F.cross_entropy, ag.grad),
                         (torch, torch.nn.functional.cross_entropy, torch.autograd.grad)):
        xs = [lib.tensor(x, requires_grad=True), lib.tensor(t, requires_grad=probs)]
        (g,) = grad(f(*xs, lib.tensor(np.linspace(0.5, 2, 5)), **kw), [xs[0]],
                    create_graph=True)
        results.append(grad((g * lib.tensor(v)).sum(), xs[:1 + probs]))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_kl_div_zero_targets_are_finite():
    torch = pytest.importorskip("torch")
    x, t = np.log([[0.2, 0.3, 0.5]]), np.array([[0.0, 0.5, 0.5]])
    _compare(lambda x, t: F.kl_div(x, t, reduction="sum"),
             lambda x, t: torch.nn.functional.kl_div(x, t, reduction="sum"), [x, t],
             [True, False], torch)
    tt = ag.tensor(t, requires_grad=True)              # 0 log 0 = 0: d/dt = -x there
    F.kl_div(ag.tensor(x), tt, reduction="sum").backward()
    np.testing.assert_allclose(tt.grad.data, [[-x[0, 0], *(np.log(0.5) + 1 - x[0, 1:])]])
