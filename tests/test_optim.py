"""Optimizers: convergence on a quadratic and on Rosenbrock, parity with PyTorch step by step,
state dicts (ours and PyTorch's), parameter groups, and the errors for bad input."""
import numpy as np
import pytest

import autograd as ag
import optim

# (optimizer, options, lr for the quadratic, lr for Rosenbrock): every option of every optimizer
CONFIGS = [
    ("SGD", {}, 0.1, 1.5e-3),
    ("SGD", dict(momentum=0.9), 0.05, 1e-3),
    ("SGD", dict(momentum=0.9, dampening=0.5), 0.05, 1e-3),
    ("SGD", dict(momentum=0.9, nesterov=True), 0.05, 1e-3),
    ("SGD", dict(weight_decay=1e-3), 0.1, 1.5e-3),
    ("SGD", dict(momentum=0.9, maximize=True), 0.05, 1e-3),
    ("Adagrad", {}, 0.5, 1.0),
    ("Adagrad", dict(lr_decay=1e-4), 0.5, 1.0),
    ("Adagrad", dict(initial_accumulator_value=0.1), 0.5, 1.0),
    ("Adagrad", dict(weight_decay=1e-3), 0.5, 1.0),
    ("Adagrad", dict(maximize=True), 0.5, 1.0),
    ("RMSprop", {}, 0.01, 1e-3),
    ("RMSprop", dict(momentum=0.9), 1e-3, 3e-4),
    ("RMSprop", dict(centered=True), 3e-3, 1e-3),
    ("RMSprop", dict(centered=True, momentum=0.5, alpha=0.9), 3e-3, 1e-3),
    ("RMSprop", dict(weight_decay=1e-3), 0.01, 1e-3),
    ("RMSprop", dict(maximize=True), 0.01, 1e-3),
    ("Adadelta", {}, 0.5, 0.1),
    ("Adadelta", dict(rho=0.8), 0.5, 0.1),
    ("Adadelta", dict(weight_decay=1e-3), 0.5, 0.1),
    ("Adadelta", dict(maximize=True), 0.5, 0.1),
    ("Adam", {}, 0.05, 0.02),
    ("Adam", dict(amsgrad=True), 0.05, 0.02),
    ("Adam", dict(weight_decay=1e-3), 0.05, 0.02),
    ("Adam", dict(weight_decay=1e-3, decoupled_weight_decay=True), 0.05, 0.02),
    ("Adam", dict(betas=(0.3, 0.99)), 0.05, 0.02),          # lerp weight >= 0.5
    ("Adam", dict(maximize=True), 0.05, 0.02),
    ("AdamW", dict(weight_decay=1e-3), 0.1, 0.01),
    ("AdamW", dict(weight_decay=1e-3, amsgrad=True), 0.1, 0.03),
    ("AdamW", dict(weight_decay=1e-3, maximize=True), 0.1, 0.01),
    ("Adamax", {}, 0.05, 0.1),
    ("Adamax", dict(weight_decay=1e-3), 0.05, 0.1),
    ("Adamax", dict(maximize=True), 0.05, 0.1),
    ("NAdam", {}, 0.03, 0.01),
    ("NAdam", dict(weight_decay=1e-3), 0.03, 0.01),
    ("NAdam", dict(weight_decay=1e-3, decoupled_weight_decay=True), 0.03, 0.01),
    ("NAdam", dict(momentum_decay=0.01), 0.03, 0.01),
    ("NAdam", dict(maximize=True), 0.03, 0.01),
    ("RAdam", {}, 0.05, 0.01),                   # its first, unadapted steps need a small lr
    ("RAdam", dict(weight_decay=1e-3), 0.05, 0.01),
    ("RAdam", dict(weight_decay=1e-3, decoupled_weight_decay=True), 0.05, 0.01),
    ("RAdam", dict(betas=(0.5, 0.9), maximize=True), 0.02, 3e-3),
]


def config_id(config):
    name, options = config[0], config[1]
    return name + "".join(f"-{k}={v}" for k, v in options.items())


def make(name, params, lr, options):
    return getattr(optim, name)(params, lr=lr, **options)


@pytest.fixture
def torch64():
    """torch with float64 as its default dtype, so that its scalar state (step, mu_product) is
    float64 like ours."""
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


# ---- convergence -----------------------------------------------------------------------------
A = np.array([[3.0, 1, 0, 0], [1, 2, 0.5, 0], [0, 0.5, 1, 0.2], [0, 0, 0.2, 0.5]])   # SPD
C = np.array([1.0, -2, 0.5, 3])


def quadratic_grad(x):                         # f = (x - C) A (x - C) / 2
    return A @ (x - C)


def rosenbrock(x):
    a, b = x
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2


def rosenbrock_grad(x):
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def descend(config, lr, grad_fn, x0, steps):
    """Run the optimizer on f (on -f when it maximizes) from x0; the final point."""
    name, options = config[0], config[1]
    sign = -1.0 if options.get("maximize") else 1.0
    p = ag.tensor(x0, requires_grad=True)
    opt = make(name, [p], lr, options)
    for _ in range(steps):
        p.grad = ag.tensor(sign * grad_fn(p.data))
        opt.step()
    return p.data


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_minimizes_a_convex_quadratic(config):
    name, options = config[0], config[1]
    decoupled = name == "AdamW" or options.get("decoupled_weight_decay")
    wd = 0 if decoupled else options.get("weight_decay", 0)
    target = np.linalg.solve(A + wd * np.eye(4), A @ C)      # the L2-penalized minimizer
    x = descend(config, config[2], quadratic_grad, np.zeros(4), 2000)
    assert np.abs(x - target).max() < 1e-2, (x, target)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_minimizes_rosenbrock(config):
    x0 = np.array([-1.5, 2.0])
    x = descend(config, config[3], rosenbrock_grad, x0, 5000)
    assert rosenbrock(x) < 1e-2 * rosenbrock(x0) / 12.5, x    # 12.5 -> below 0.01: near (1, 1)


def test_trains_through_backward_with_a_closure():
    rng = np.random.default_rng(0)
    X, w_true = rng.standard_normal((64, 3)), np.array([1.5, -2.0, 0.5])
    y = ag.tensor(X @ w_true)
    X = ag.tensor(X)
    w = ag.tensor(np.zeros(3), requires_grad=True)
    b = ag.tensor(np.zeros(()), requires_grad=True)
    opt = optim.Adam([w, b], lr=0.05)

    def closure():
        opt.zero_grad()
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        return loss

    with ag.no_grad():                         # step turns grad mode on for the closure
        losses = [opt.step(closure).item() for _ in range(500)]
    assert losses[-1] < 1e-6 * losses[0]
    np.testing.assert_allclose(w.data, w_true, atol=1e-3)
    assert w.is_leaf and w.grad_fn is None


# ---- parity with PyTorch ---------------------------------------------------------------------
SHAPES = [(3, 4), (5,), ()]


def _problem(seed=0, steps=50):
    """Initial values and a gradient sequence; parameter 1 has no gradient every third step."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[None if (k % 3 == 2 and i == 1) else rng.standard_normal(s)
              for i, s in enumerate(SHAPES)] for k in range(steps)]
    return init, grads


def _groups(params, lr):
    """Two groups, the second with its own learning rate."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": lr * 0.5}]


def _set_grads(params, grads, wrap):
    for p, g in zip(params, grads):
        p.grad = None if g is None else wrap(g)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_matches_pytorch_for_50_steps(config, torch64):
    torch = torch64
    name, options, lr = config[:3]
    init, grads = _problem()
    ours = [ag.tensor(a.copy(), requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = make(name, _groups(ours, lr), lr, options)
    topt = getattr(torch.optim, name)(_groups(theirs, lr), lr=lr, foreach=False, **options)
    for k, gs in enumerate(grads):
        _set_grads(ours, gs, ag.tensor)
        _set_grads(theirs, gs, torch.tensor)
        opt.step()
        topt.step()
        for i, (p, t) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-6, atol=1e-12,
                                       err_msg=f"step {k}, parameter {i}")
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i, state in sd["state"].items():
        assert state.keys() == tsd["state"][i].keys()
        for key, value in state.items():
            np.testing.assert_allclose(value, np.asarray(tsd["state"][i][key]), rtol=1e-6,
                                       atol=1e-12, err_msg=f"state {key} of parameter {i}")
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert {k: tgroup[k] for k in group} == group


def _from_torch(state_dict):
    """PyTorch's optimizer state dict with its tensors as NumPy arrays."""
    def convert(v):
        return v.numpy() if hasattr(v, "numpy") else v
    return {"state": {i: {k: convert(v) for k, v in s.items()}
                      for i, s in state_dict["state"].items()},
            "param_groups": state_dict["param_groups"]}


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_resumes_from_a_pytorch_state_dict(config, torch64):
    torch = torch64
    name, options, lr = config[:3]
    init, grads = _problem(seed=1, steps=20)
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(_groups(theirs, lr), lr=lr, foreach=False, **options)
    for gs in grads[:10]:
        _set_grads(theirs, gs, torch.tensor)
        topt.step()
    ours = [ag.tensor(t.detach().numpy().copy(), requires_grad=True) for t in theirs]
    opt = make(name, _groups(ours, lr), lr, options)
    opt.load_state_dict(_from_torch(topt.state_dict()))
    for gs in grads[10:]:
        _set_grads(ours, gs, ag.tensor)
        _set_grads(theirs, gs, torch.tensor)
        opt.step()
        topt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-6, atol=1e-12)


# ---- state dicts -----------------------------------------------------------------------------
def _run(opt, params, grads):
    trajectory = []
    for gs in grads:
        _set_grads(params, gs, ag.tensor)
        opt.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_state_dict_round_trip_reproduces_the_trajectory_bit_for_bit(config):
    name, options, lr = config[:3]
    init, grads = _problem(seed=2, steps=20)
    params = [ag.tensor(a.astype(np.float32), requires_grad=True) for a in init]
    grads = [[None if g is None else g.astype(np.float32) for g in gs] for gs in grads]
    opt = make(name, _groups(params, lr), lr, options)
    _run(opt, params, grads[:10])
    saved, snapshot = opt.state_dict(), [p.detach().numpy().copy() for p in params]
    expected = _run(opt, params, grads[10:])

    resumed = [ag.tensor(a, requires_grad=True) for a in snapshot]
    opt2 = make(name, _groups(resumed, 7.0), 7.0, options)   # its own lr is overwritten
    opt2.load_state_dict(saved)
    assert [g["lr"] for g in opt2.param_groups] == [lr, lr * 0.5]
    for want, got in zip(expected, _run(opt2, resumed, grads[10:])):
        for a, b in zip(want, got):
            assert a.dtype == b.dtype == np.float32
            np.testing.assert_array_equal(a, b)


def test_state_dict_layout_and_snapshot():
    params = [ag.tensor(np.ones(2), requires_grad=True), ag.tensor(np.ones(3), requires_grad=True)]
    opt = optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}], lr=0.1,
                     amsgrad=True)
    params[1].grad = ag.tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(sd["state"]) == [1]                  # parameter 0 never had a gradient
    assert set(sd["state"][1]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][1]["step"] == 1
    before = sd["state"][1]["exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][1]["exp_avg"], before)   # a snapshot


# ---- behaviour -------------------------------------------------------------------------------
def test_parameters_without_grad_are_skipped_and_updates_are_in_place():
    a, b = ag.tensor(np.ones(3), requires_grad=True), ag.tensor(np.ones(2), requires_grad=True)
    data_a, data_b = a.detach().numpy(), b.detach().numpy()
    opt = optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = ag.tensor(np.full(3, 2.0))
    opt.step()
    assert a.detach().numpy() is data_a and b.detach().numpy() is data_b
    np.testing.assert_array_equal(a.data, 0.0)
    np.testing.assert_array_equal(b.data, 1.0)
    assert b not in opt.state and a in opt.state
    assert a.is_leaf and a.grad_fn is None


def test_update_never_writes_the_gradient_array():
    for name, options, lr, _ in CONFIGS:
        p = ag.tensor(np.linspace(-1, 1, 4), requires_grad=True)
        g = np.linspace(0.5, 2, 4)
        p.grad = ag.tensor(g.copy())
        opt = make(name, [p], lr, options)
        opt.step()
        opt.step()
        np.testing.assert_array_equal(p.grad.data, g, err_msg=config_id((name, options)))


def test_zero_grad():
    p = ag.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    shared = np.full(3, 5.0)
    p.grad = ag.tensor(shared)
    held = p.grad.data
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, 0.0)
    np.testing.assert_array_equal(held, 5.0)          # the old array is left alone
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_and_add_param_group():
    body = ag.tensor(np.ones(2), requires_grad=True)
    head = ag.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([body], lr=0.01, momentum=0.9)
    opt.add_param_group({"params": head, "lr": 1.0})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 1.0
    body.grad = head.grad = ag.tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(body.data, 0.99)
    np.testing.assert_allclose(head.data, 0.0)


# ---- bad input -------------------------------------------------------------------------------
OPTIMIZERS = sorted({c[0] for c in CONFIGS})
BETAS = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _param():
    return ag.tensor(np.ones(2), requires_grad=True)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_negative_learning_rate_raises(name):
    with pytest.raises(ValueError, match=rf"{name}: invalid lr -0.1: must be a number >= 0"):
        getattr(optim, name)([_param()], lr=-0.1)
    opt = getattr(optim, name)([_param()], lr=0.1)
    with pytest.raises(ValueError, match="invalid lr -1"):
        opt.add_param_group({"params": [_param()], "lr": -1})


@pytest.mark.parametrize("name", BETAS)
@pytest.mark.parametrize("betas, bad", [((1.0, 0.999), r"betas\[0\] 1.0"),
                                        ((0.9, -0.1), r"betas\[1\] -0.1")])
def test_betas_outside_unit_interval_raise(name, betas, bad):
    with pytest.raises(ValueError, match=rf"{name}: invalid {bad}: must be in \[0, 1\)"):
        getattr(optim, name)([_param()], betas=betas)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_parameter_given_twice_raises(name):
    p, q = _param(), _param()
    with pytest.raises(ValueError, match="parameter 2 of parameter group 0 is parameter 0 given"):
        getattr(optim, name)([p, q, p])
    with pytest.raises(ValueError, match="parameter group 1 are already in parameter group 0"):
        getattr(optim, name)([{"params": [p]}, {"params": [q, p]}])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_empty_parameter_list_raises(name):
    with pytest.raises(ValueError, match=f"{name}: got an empty parameter list"):
        getattr(optim, name)([])
    with pytest.raises(ValueError, match="parameter group 1 has an empty parameter list"):
        getattr(optim, name)([{"params": [_param()]}, {"params": []}])


def test_bad_parameters_raise():
    p = _param()
    with pytest.raises(TypeError, match="got a single Tensor of shape \\(2,\\)"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="parameter 1 of parameter group 0 is a ndarray"):
        optim.SGD([p, np.ones(2)])
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({p})
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2])
    with pytest.raises(TypeError, match="dtype int64"):
        optim.SGD([ag.tensor(np.arange(3))])
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum > 0"):
        optim.SGD([p], nesterov=True)
    with pytest.raises(TypeError, match="real floating-point Tensors, but parameter 0 of "
                                        "parameter group 0 has dtype complex128"):
        optim.Adam([ag.tensor(np.ones(2, complex), requires_grad=True)])
    with pytest.raises(ValueError, match="Adam: betas must be a pair of numbers, got 0.9"):
        optim.Adam([p], betas=0.9)
    with pytest.raises(ValueError, match="invalid momentum_decay -1"):
        optim.NAdam([p], momentum_decay=-1)
    with pytest.raises(ValueError, match="invalid rho 1.5"):
        optim.Adadelta([p], rho=1.5)


def _stepped(name, params, **options):
    opt = getattr(optim, name)(params, lr=0.1, **options)
    for p in params:
        p.grad = ag.tensor(np.ones_like(p.data))
    opt.step()
    return opt


def test_state_dict_from_a_different_optimizer_raises():
    sd = _stepped("SGD", [_param()], momentum=0.9).state_dict()
    with pytest.raises(ValueError, match=r"lacks \['betas', 'eps', 'amsgrad', "
                                         r"'decoupled_weight_decay'\]: it was saved by a "
                                         r"different optimizer than Adam"):
        optim.Adam([_param()]).load_state_dict(sd)
    sd = _stepped("Adam", [_param()]).state_dict()
    with pytest.raises(ValueError, match=r"state of parameter 0 has \['exp_avg', 'exp_avg_sq', "
                                         r"'step'\], Adamax with these options keeps "
                                         r"\['exp_avg', 'exp_inf', 'step'\]"):
        optim.Adamax([_param()]).load_state_dict(sd)
    sd["param_groups"][0]["amsgrad"] = True                        # options that differ
    with pytest.raises(ValueError, match="different optimizer or options"):
        optim.Adam([_param()]).load_state_dict(sd)


def test_state_dict_for_a_different_parameter_layout_raises():
    sd = _stepped("Adam", [_param(), _param()]).state_dict()
    with pytest.raises(ValueError, match="the state dict has 1 parameter groups, this "
                                         "optimizer has 2"):
        optim.Adam([{"params": [_param()]}, {"params": [_param()]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter group 0 has 3 parameters, the state "
                                         "dict's has 2"):
        optim.Adam([_param(), _param(), _param()]).load_state_dict(sd)
    other = [_param(), ag.tensor(np.ones((2, 2)), requires_grad=True)]
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 1 has shape \(2,\), "
                                         r"the parameter has shape \(2, 2\)"):
        optim.Adam(other).load_state_dict(sd)
    sd["state"][5] = sd["state"][0]
    with pytest.raises(ValueError, match="state for parameter 5, which none of its parameter "
                                         "groups lists"):
        optim.Adam([_param(), _param()]).load_state_dict(sd)
    with pytest.raises(ValueError, match="expected a dict with keys 'state' and 'param_groups'"):
        optim.Adam([_param()]).load_state_dict({"state": {}})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scale_add_gives_numpys_bits(dtype):
    """The update kernel rounds as `y *= a; y += b * x` does, on contiguous arrays (the kernel)
    and strided ones (NumPy)."""
    from optim._kernels import scale_add_
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 40)).astype(dtype)
    for a, b in [(1, -0.013), (0.9, 0.5), (0.37, 1e-3)]:
        for view in (np.s_[...], np.s_[:, :, ::2]):
            y = rng.standard_normal((2, 3, 40)).astype(dtype)
            ref = y[view].copy()
            ref *= dtype(a)
            ref += dtype(b) * x[view]
            scale_add_(y[view], a, x[view], b)
            np.testing.assert_array_equal(y[view], ref)
