"""autograd.distributions: values and gradients of log_prob, entropy, the moments and KL against
PyTorch in float64; rsample gradients against their closed forms; sample statistics with fixed
seeds; shapes; validation errors."""
import numpy as np
import pytest

import autograd as ag
from autograd import distributions as D
from gradrows import backward_both

RNG = np.random.default_rng(0)


def _spd(n, batch=()):
    x = RNG.standard_normal(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _tril(n, batch=()):
    x = np.tril(RNG.standard_normal(batch + (n, n)), -1)
    return x + np.eye(n) * (1 + RNG.random(batch + (n,)))[..., None]


def _probs(*shape):
    p = RNG.random(shape) + 0.1
    return p / p.sum(-1, keepdims=True)


# name -> (make(distributions module, *params), parameter arrays, a value, what to compare)
MOMENTS = ("mean", "variance", "stddev", "entropy")
CASES = {
    "Normal": (lambda M, a, b: M.Normal(a, b), [RNG.standard_normal((2, 3)), RNG.random(3) + 0.5],
               RNG.standard_normal((4, 2, 3)), MOMENTS + ("cdf",)),
    "Uniform": (lambda M, a, b: M.Uniform(a, a + b), [-0.3 - 0.5 * RNG.random(3),
                                                      RNG.random(3) + 1],
                RNG.random((2, 3)) * 0.9 - 0.2, MOMENTS + ("cdf",)),
    "Bernoulli-probs": (lambda M, p: M.Bernoulli(probs=p), [RNG.random((2, 3)) * 0.8 + 0.1],
                        RNG.integers(0, 2, (2, 3)).astype(float), MOMENTS),
    "Bernoulli-logits": (lambda M, l: M.Bernoulli(logits=l), [RNG.standard_normal(4)],
                         RNG.integers(0, 2, (3, 4)).astype(float), MOMENTS),
    "Categorical-probs": (lambda M, p: M.Categorical(probs=p), [_probs(2, 4) * 3],
                          np.array([[0, 3], [2, 1], [1, 1]]), ("entropy",)),
    "Categorical-logits": (lambda M, l: M.Categorical(logits=l), [RNG.standard_normal((3, 5))],
                           np.array([4, 0, 2]), ("entropy",)),
    "Exponential": (lambda M, r: M.Exponential(r), [RNG.random((2, 3)) + 0.5],
                    RNG.random((4, 2, 3)) * 3, MOMENTS + ("cdf", "icdf", "mode")),
    "Laplace": (lambda M, a, b: M.Laplace(a, b), [RNG.standard_normal((2, 3)), RNG.random(3) + 0.5],
                RNG.standard_normal((4, 2, 3)), MOMENTS + ("cdf", "icdf", "mode")),
    "Cauchy": (lambda M, a, b: M.Cauchy(a, b), [RNG.standard_normal(3), RNG.random((2, 3)) + 0.5],
               RNG.standard_normal((2, 3)) * 3, ("entropy", "cdf", "icdf", "mode")),
    "Gumbel": (lambda M, a, b: M.Gumbel(a, b), [RNG.standard_normal((2, 3)), RNG.random(3) + 0.5],
               RNG.standard_normal((4, 2, 3)), MOMENTS + ("cdf", "icdf", "mode")),
    "LogNormal": (lambda M, a, b: M.LogNormal(a, b), [RNG.standard_normal(3) * 0.5,
                                                      RNG.random((2, 3)) + 0.3],
                  RNG.random((4, 2, 3)) * 3 + 0.05, MOMENTS + ("cdf", "icdf", "mode")),
    "Normal-icdf": (lambda M, a, b: M.Normal(a, b), [RNG.standard_normal(3), RNG.random(3) + 0.5],
                    RNG.standard_normal(3), ("icdf",)),
    "Poisson": (lambda M, r: M.Poisson(r), [RNG.random((2, 3)) * 4 + 0.1],
                RNG.integers(0, 6, (4, 2, 3)).astype(float), ("mean", "variance", "mode")),
    "Independent-Normal": (lambda M, a, b: M.Independent(M.Normal(a, b), 1),
                           [RNG.standard_normal((2, 3)), RNG.random((2, 3)) + 0.5],
                           RNG.standard_normal((4, 2, 3)), MOMENTS),
    "Independent-Laplace-2": (lambda M, a, b: M.Independent(M.Laplace(a, b), 2),
                              [RNG.standard_normal((2, 3)), RNG.random((2, 3)) + 0.5],
                              RNG.standard_normal((2, 3)), ("mean", "variance", "entropy")),
    "Tanh-Normal": (lambda M, a, b: M.TransformedDistribution(
        M.Normal(a, b), [M.transforms.TanhTransform(cache_size=1)]),
        [RNG.standard_normal((2, 3)), RNG.random(3) + 0.5], np.tanh(RNG.standard_normal((4, 2, 3))),
        ("cdf", "icdf")),
    "Exp-Affine-Normal": (lambda M, a, b: M.TransformedDistribution(
        M.Normal(a, b), [M.transforms.ExpTransform(), M.transforms.AffineTransform(1.0, -2.0)]),
        [RNG.standard_normal(3), RNG.random(3) + 0.5], 1 - 2 * RNG.random((2, 3)) * 3 - 0.01,
        ("cdf", "icdf")),
    "Sigmoid-Softplus-Power": (lambda M, a, b: M.TransformedDistribution(M.Normal(a, b), [
        M.transforms.SoftplusTransform(), M.transforms.PowerTransform(0.5),
        M.transforms.SigmoidTransform()]), [RNG.standard_normal(3), RNG.random(3) + 0.5],
        RNG.random((2, 3)) * 0.2 + 0.6, ("cdf", "icdf")),
    "Affine-event": (lambda M, a, b: M.TransformedDistribution(M.Normal(a, 1.0), [
        M.transforms.AffineTransform(b, b * 2, event_dim=1)]),
        [RNG.standard_normal((2, 3)), RNG.random(3) + 0.5], RNG.standard_normal((4, 2, 3)), ()),
    "OneHotCategorical": (lambda M, l: M.OneHotCategorical(logits=l), [RNG.standard_normal((2, 4))],
                          np.eye(4)[[[0, 3], [2, 2], [1, 0]]], ("mean", "variance", "entropy")),
    "Mixture-Normal": (lambda M, w, m, s: M.MixtureSameFamily(M.Categorical(w), M.Normal(m, s)),
                       [_probs(2, 3), RNG.standard_normal((2, 3)), RNG.random(3) + 0.5],
                       RNG.standard_normal((4, 2)), ("mean", "variance", "stddev", "cdf")),
    "Mixture-Independent": (lambda M, l, m, s: M.MixtureSameFamily(
        M.Categorical(logits=l), M.Independent(M.Normal(m, s), 1)),
        [RNG.standard_normal(3), RNG.standard_normal((3, 2)), RNG.random((3, 2)) + 0.5],
        RNG.standard_normal((5, 2)), ("mean", "variance")),
    "HalfNormal": (lambda M, s: M.HalfNormal(s), [RNG.random((2, 3)) + 0.5],
                   np.abs(RNG.standard_normal((4, 2, 3))), MOMENTS + ("cdf", "icdf", "mode")),
    "HalfCauchy": (lambda M, s: M.HalfCauchy(s), [RNG.random(3) + 0.5],
                   np.abs(RNG.standard_normal((2, 3))) * 3, ("entropy", "cdf", "icdf", "mode")),
    "Geometric": (lambda M, p: M.Geometric(p), [RNG.random((2, 3)) * 0.8 + 0.1],
                  RNG.integers(0, 6, (4, 2, 3)).astype(float), MOMENTS + ("mode",)),
    "Geometric-logits": (lambda M, l: M.Geometric(logits=l), [RNG.standard_normal(3)],
                         RNG.integers(0, 6, (2, 3)).astype(float), ("mean", "variance")),
    "Binomial": (lambda M, p: M.Binomial(6, p), [RNG.random((2, 3)) * 0.8 + 0.1],
                 RNG.integers(0, 7, (4, 2, 3)).astype(float), MOMENTS + ("mode",)),
    "Binomial-logits": (lambda M, l: M.Binomial(4, logits=l),
                        [RNG.standard_normal(3) * 2], RNG.integers(0, 5, (2, 3)).astype(float),
                        ("mean", "variance")),
    "MVN-scale_tril": (lambda M, m, L: M.MultivariateNormal(m, scale_tril=L),
                       [RNG.standard_normal(3), _tril(3, (2,))], RNG.standard_normal((4, 2, 3)),
                       MOMENTS + ("covariance_matrix", "scale_tril")),
    "MVN-covariance": (lambda M, m, S: M.MultivariateNormal(m, covariance_matrix=S),
                       [RNG.standard_normal((2, 3)), _spd(3)], RNG.standard_normal((2, 3)),
                       MOMENTS + ("precision_matrix", "scale_tril")),
    "MVN-precision": (lambda M, m, P: M.MultivariateNormal(m, precision_matrix=P),
                      [RNG.standard_normal(3), _spd(3, (2,))], RNG.standard_normal(3),
                      MOMENTS + ("covariance_matrix", "scale_tril")),
}


def _outputs(lib, module, name, params):
    make, _, value, names = CASES[name]
    dist = make(module, *params)
    return [dist.log_prob(lib.tensor(value))] + [
        dist.cdf(lib.tensor(value)) if n == "cdf" else
        dist.icdf(dist.cdf(lib.tensor(value))) if n == "icdf" else
        dist.entropy() if n == "entropy" else getattr(dist, n) for n in names], dist


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    arrays = CASES[name][1]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine, dist = _outputs(ag, D, name, ours)
    expected, tdist = _outputs(torch, torch.distributions, name, theirs)
    assert (dist.batch_shape, dist.event_shape) == (tdist.batch_shape, tdist.event_shape)
    for m, e in zip(mine, expected):
        assert m.shape == tuple(e.shape)
        np.testing.assert_allclose(m.data, e.detach().numpy(), rtol=1e-12, atol=1e-14)
    backward_both(torch, mine, expected, np.random.default_rng(1))
    for m, e in zip(ours, theirs):
        np.testing.assert_allclose(m.grad.data, e.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_precision_from_scale_tril_matches_pytorch_on_the_lower_triangle():
    # PyTorch's cholesky_inverse backward also gives the (unread) upper triangle of scale_tril
    # a gradient; ours is zero there, as for every triangular solve
    torch = pytest.importorskip("torch")
    m, L = RNG.standard_normal(3), _tril(3, (2,))
    ours, theirs = ag.tensor(L, requires_grad=True), torch.tensor(L, requires_grad=True)
    p = D.MultivariateNormal(ag.tensor(m), scale_tril=ours).precision_matrix
    tp = torch.distributions.MultivariateNormal(torch.tensor(m), scale_tril=theirs).precision_matrix
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12)
    w = RNG.standard_normal(p.shape)
    (p * ag.tensor(w)).sum().backward()
    (tp * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.data, np.tril(theirs.grad.numpy()), rtol=1e-10)


def test_categorical_and_bernoulli_extras_match_pytorch():
    torch = pytest.importorskip("torch")
    p = _probs(3, 4)
    p[0, 1] = 0.0                                 # a zero probability: entropy stays finite
    c, tc = D.Categorical(ag.tensor(p)), torch.distributions.Categorical(torch.tensor(p))
    np.testing.assert_allclose(c.entropy().data, tc.entropy().numpy(), rtol=1e-12)
    np.testing.assert_allclose(c.logits.data, tc.logits.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(c.mode.data, tc.mode.numpy())
    assert np.isnan(c.mean.data).all() and c.mean.shape == (3,)
    b = torch.tensor([0.2, 0.5, 0.9])
    np.testing.assert_array_equal(D.Bernoulli(ag.tensor(b.numpy())).mode.data,
                                  torch.distributions.Bernoulli(b).mode.numpy())


_P = _probs(3, 4)
_P[1, 2] = 0.0                                        # p_k = 0: that term is 0
KL_CASES = {   # pair -> (make(distributions module, *params) -> (p, q), parameter arrays)
    "Normal": (lambda M, a, b, c, d: (M.Normal(a, b), M.Normal(c, d)),
               [RNG.standard_normal(3), RNG.random(3) + 0.5, RNG.standard_normal((2, 3)),
                RNG.random(3) + 0.5]),
    "Bernoulli": (lambda M, p, l: (M.Bernoulli(p), M.Bernoulli(logits=l)),
                  [np.array([0.2, 0.0, 0.7, 1.0]), RNG.standard_normal(4)]),
    "Categorical": (lambda M, p, l: (M.Categorical(p), M.Categorical(logits=l)),
                    [_P, np.log(_probs(3, 4))]),
    "Categorical-zero-in-q": (lambda M, p, q: (M.Categorical(p), M.Categorical(q)),
                              [_probs(2, 3), np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])]),
    "Uniform": (lambda M, a, b, c, d: (M.Uniform(a, b), M.Uniform(c, d)),
                [np.array([0.0, -1.0, 0.5]), np.array([1.0, 2.0, 0.9]),
                 np.array([-0.5, -1.0, 0.6]), np.array([1.5, 3.0, 2.0])]),  # the last: +inf
    "Exponential": (lambda M, a, b: (M.Exponential(a), M.Exponential(b)),
                    [RNG.random(3) + 0.2, RNG.random((2, 3)) + 0.2]),
    "Poisson": (lambda M, a, b: (M.Poisson(a), M.Poisson(b)),
                [RNG.random(3) * 3 + 0.1, RNG.random((2, 3)) * 3 + 0.1]),
    "HalfNormal": (lambda M, a, b: (M.HalfNormal(a), M.HalfNormal(b)),
                   [RNG.random(3) + 0.3, RNG.random((2, 3)) + 0.3]),
    "HalfCauchy": (lambda M, a, b: (M.HalfCauchy(a), M.HalfCauchy(b)),
                   [RNG.random(3) + 0.3, RNG.random((2, 3)) + 0.3]),
    "Geometric": (lambda M, a, b: (M.Geometric(a), M.Geometric(logits=b)),
                  [RNG.random(3) * 0.8 + 0.1, RNG.standard_normal((2, 3))]),
    "Binomial": (lambda M, a, b, n: (M.Binomial(n, a), M.Binomial(5, b)),
                 [RNG.random(3) * 0.8 + 0.1, RNG.random((2, 3)) * 0.8 + 0.1,
                  np.array([5.0, 6.0, 5.0])]),                    # 6 > 5: +inf there
    "Independent": (lambda M, a, b, c, d: (M.Independent(M.Normal(a, b), 1),
                                           M.Independent(M.Normal(c, d), 1)),
                    [RNG.standard_normal((2, 3)), RNG.random(3) + 0.5, RNG.standard_normal(3),
                     RNG.random((2, 3)) + 0.5]),
    "MVN": (lambda M, m, L, n, S: (M.MultivariateNormal(m, scale_tril=L),
                                   M.MultivariateNormal(n, covariance_matrix=S)),
            [RNG.standard_normal(3), _tril(3, (2,)), RNG.standard_normal((2, 3)), _spd(3)]),
}

KL_CASES.update({  # the location-scale families: p and q of one family, (loc, scale) each
    name: (lambda M, a, b, c, d, name=name: (getattr(M, name)(a, b), getattr(M, name)(c, d)),
           [RNG.standard_normal(3), RNG.random(3) + 0.5, RNG.standard_normal((2, 3)),
            RNG.random(3) + 0.5])
    for name in ("Laplace", "Cauchy", "Gumbel", "LogNormal")})


@pytest.mark.parametrize("pair", KL_CASES)
def test_kl_divergence_matches_pytorch(pair):
    torch = pytest.importorskip("torch")
    make, arrays = KL_CASES[pair]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    kl = D.kl_divergence(*make(D, *ours))
    tkl = torch.distributions.kl_divergence(*make(torch.distributions, *theirs))
    np.testing.assert_allclose(kl.data, tkl.detach().numpy(), rtol=1e-12, atol=1e-14)
    finite = np.isfinite(kl.detach().numpy())
    assert finite.all() != (pair in ("Uniform", "Categorical-zero-in-q", "Binomial"))  # +inf
    w = RNG.standard_normal(kl.shape) * finite
    (kl.where(finite, 0.0) * ag.tensor(w)).sum().backward()
    (tkl.where(torch.tensor(finite), 0.0) * torch.tensor(w)).sum().backward()
    for m, e in zip(ours, theirs):
        np.testing.assert_allclose(m.grad.data, e.grad.numpy(), rtol=1e-10, atol=1e-12)


N = 40000       # samples for the statistical tests: standard errors ~0.5%


def test_rsample_gradients_estimate_the_gradient_of_the_expectation():
    ag.manual_seed(0)
    # E[x^2] under N(mu, s^2) = mu^2 + s^2: gradient (2 mu, 2 s)
    mu, s = ag.tensor(0.7, dtype=np.float64, requires_grad=True), \
        ag.tensor(1.3, dtype=np.float64, requires_grad=True)
    (D.Normal(mu, s).rsample((N,)) ** 2).mean().backward()
    assert mu.grad.item() == pytest.approx(1.4, abs=0.03)
    assert s.grad.item() == pytest.approx(2.6, abs=0.03)
    # E[x^2] under U(l, h) = (h^2 + h l + l^2) / 3: gradient ((2l + h) / 3, (2h + l) / 3)
    lo, hi = ag.tensor(-0.5, dtype=np.float64, requires_grad=True), \
        ag.tensor(2.0, dtype=np.float64, requires_grad=True)
    (D.Uniform(lo, hi).rsample((N,)) ** 2).mean().backward()
    assert lo.grad.item() == pytest.approx(1 / 3, abs=0.02)
    assert hi.grad.item() == pytest.approx(3.5 / 3, abs=0.02)
    # E|x|^2 under N(m, L L^T) = |m|^2 + |L|_F^2: gradient (2 m, 2 L) (L's lower triangle)
    m = ag.tensor(np.array([0.5, -1.0]), requires_grad=True)
    L = ag.tensor(np.array([[1.0, 0.0], [0.4, 0.6]]), requires_grad=True)
    (D.MultivariateNormal(m, scale_tril=L).rsample((N,)) ** 2).sum(-1).mean().backward()
    np.testing.assert_allclose(m.grad.data, 2 * m.data, atol=0.04)
    np.testing.assert_allclose(L.grad.data, 2 * L.data, atol=0.04)


def test_sample_statistics():
    ag.manual_seed(1)
    x = D.Normal(ag.tensor([1.0, -2.0]), ag.tensor([0.5, 3.0])).sample((N,)).numpy()
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(x.std(0), [0.5, 3.0], rtol=0.02)
    u = D.Uniform(ag.tensor([0.0, 5.0]), ag.tensor([1.0, 9.0])).sample((N,)).numpy()
    assert u.min(0).tolist() >= [0.0, 5.0] and u.max(0).tolist() < [1.0, 9.0]
    np.testing.assert_allclose(u.mean(0), [0.5, 7.0], atol=0.02)
    b = D.Bernoulli(logits=ag.tensor([-2.0, 0.0, 3.0])).sample((N,))
    assert b.dtype == np.float32 and set(np.unique(b.data)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.data.mean(0), 1 / (1 + np.exp([2.0, 0.0, -3.0])), atol=0.01)
    p = np.array([[0.1, 0.6, 0.3, 0.0], [0.25, 0.25, 0.25, 0.25]])
    c = D.Categorical(ag.tensor(p)).sample((N,))
    assert c.dtype == np.int64 and c.shape == (N, 2)
    freq = np.stack([np.bincount(c.data[:, i], minlength=4) / N for i in range(2)])
    np.testing.assert_allclose(freq, p, atol=0.01)
    assert freq[0, 3] == 0                                     # never a zero-probability class
    cov = _spd(3)
    z = D.MultivariateNormal(ag.tensor(np.ones(3)), covariance_matrix=ag.tensor(cov)).sample(
        (N,)).data
    np.testing.assert_allclose(z.mean(0), np.ones(3), atol=0.1)
    np.testing.assert_allclose(np.cov(z.T), cov, rtol=0.05, atol=0.1)


def test_samples_follow_manual_seed_and_record_nothing():
    loc = ag.tensor(np.zeros(3), requires_grad=True)
    ag.manual_seed(7)
    a = D.Normal(loc, 1.0).sample((2,))
    ag.manual_seed(7)
    b = D.Normal(loc, 1.0).sample((2,))
    np.testing.assert_array_equal(a.data, b.data)
    assert not a.requires_grad and a.shape == (2, 3)
    assert D.Normal(loc, 1.0).rsample().requires_grad


def test_shapes_match_pytorch():
    torch = pytest.importorskip("torch")
    for make in (lambda M, t: M.Normal(0.0, 1.0), lambda M, t: M.Normal(t(np.zeros(3)), 1.0),
                 lambda M, t: M.Bernoulli(0.3), lambda M, t: M.Categorical(t(_probs(2, 3, 4))),
                 lambda M, t: M.Uniform(t(np.zeros((2, 1))), t(np.ones(3))),
                 lambda M, t: M.MultivariateNormal(t(np.zeros((4, 1, 3))),
                                                   scale_tril=t(_tril(3, (5,)))),
                 lambda M, t: M.Exponential(t(np.ones((2, 3)))), lambda M, t: M.Laplace(0.0, 2.0),
                 lambda M, t: M.Cauchy(t(np.zeros(3)), 1.0), lambda M, t: M.Poisson(t(np.ones(2))),
                 lambda M, t: M.Gumbel(t(np.zeros((2, 1))), t(np.ones(3))),
                 lambda M, t: M.LogNormal(0.0, t(np.ones(4))),
                 lambda M, t: M.Independent(M.Normal(t(np.zeros((4, 2, 3))), 1.0), 2),
                 lambda M, t: M.OneHotCategorical(t(_probs(2, 5))),
                 lambda M, t: M.MixtureSameFamily(M.Categorical(t(_probs(4, 3))),
                                                  M.Normal(t(np.zeros((4, 3))), 1.0))):
        d, td = make(D, ag.tensor), make(torch.distributions, torch.tensor)
        assert (d.batch_shape, d.event_shape) == (tuple(td.batch_shape), tuple(td.event_shape))
        assert d.sample((2,)).shape == tuple(td.sample((2,)).shape)
        assert repr(d).split("(")[0] == repr(td).split("(")[0]


def test_register_kl_and_missing_pairs():
    class Wide(D.Normal):
        pass

    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p = "
                                                  "Normal, q = Uniform"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))
    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 0.0     # inherited

    @D.register_kl(Wide, D.Normal)
    def _kl_wide(p, q):
        return ag.tensor(42.0)

    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0    # most specific
    assert D.kl_divergence(D.Normal(0.0, 1.0), Wide(0.0, 1.0)).item() == 0.0
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(D.Binomial(3, ag.tensor(0.5)), D.Binomial(4, ag.tensor(0.5)))


def _raises(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert message in str(e.value), str(e.value)


@pytest.mark.parametrize("module", ["ours", "torch"])
def test_validation_errors(module):
    if module == "torch":
        torch = pytest.importorskip("torch")
        M, t = torch.distributions, torch.tensor
    else:
        M, t = D, ag.tensor
    _raises(lambda: M.Normal(t([0.0, 1.0]), t([1.0, -1.0])), "Expected parameter scale (Tensor "
            "of shape (2,)) of distribution Normal(loc: ")
    _raises(lambda: M.Normal(0.0, -1.0), "to satisfy the constraint GreaterThan(lower_bound=0.0)")
    _raises(lambda: M.Bernoulli(t([0.5, 1.5])), "constraint Interval(lower_bound=0.0, "
            "upper_bound=1.0)")
    _raises(lambda: M.Bernoulli(), "Either `probs` or `logits` must be specified, but not both.")
    _raises(lambda: M.Categorical(t([0.5, -0.1, 0.6])), "constraint Simplex()")
    _raises(lambda: M.Categorical(t(0.5)), "`probs` parameter must be at least one-dimensional.")
    _raises(lambda: M.Categorical(probs=t([0.5, 0.5]), logits=t([0.0, 0.0])), "Either `probs` or")
    _raises(lambda: M.Uniform(t([0.0, 1.0]), t([1.0, 1.0])), "Expected parameter low (Tensor of "
            "shape (2,)) of distribution Uniform(low: ")
    _raises(lambda: M.Uniform(1.0, 1.0), "to satisfy the constraint LessThan(upper_bound=")
    _raises(lambda: M.MultivariateNormal(t(np.zeros(2)), covariance_matrix=t(-np.eye(2))),
            "constraint PositiveDefinite()")
    _raises(lambda: M.MultivariateNormal(t(np.zeros(2)), scale_tril=t(np.ones((2, 2)))),
            "constraint LowerCholesky()")
    _raises(lambda: M.MultivariateNormal(t(np.zeros(2)), scale_tril=t(np.eye(2)),
                                         covariance_matrix=t(np.eye(2))),
            "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
    _raises(lambda: M.MultivariateNormal(t(0.0), scale_tril=t(np.eye(2))),
            "loc must be at least one-dimensional.")
    _raises(lambda: M.Bernoulli(0.3).log_prob(t(0.5)), "to be within the support (Boolean()) of "
            "the distribution Bernoulli(probs: 0.30000001192092896)")
    _raises(lambda: M.Categorical(t([0.5, 0.5])).log_prob(t(2)), "IntegerInterval(lower_bound=0, "
            "upper_bound=1)")
    _raises(lambda: M.Normal(t(np.zeros(3)), 1.0).log_prob(t(np.zeros(2))),
            "Value is not broadcastable with batch_shape+event_shape: ")
    _raises(lambda: M.MultivariateNormal(t(np.zeros(2)), scale_tril=t(np.eye(2))).log_prob(
        t(np.zeros(3))), "The right-most size of value must match event_shape: ")
    _raises(lambda: M.Normal(0.0, 1.0).log_prob(0.5), "The value argument to log_prob must be a "
            "Tensor")
    _raises(lambda: M.Exponential(t([1.0, 0.0])), "constraint GreaterThan(lower_bound=0.0)")
    _raises(lambda: M.Exponential(1.0).log_prob(t(-0.5)), "GreaterThanEq(lower_bound=0.0)")
    _raises(lambda: M.LogNormal(0.0, 1.0).log_prob(t(0.0)), "GreaterThan(lower_bound=0.0)")
    _raises(lambda: M.Poisson(t([-1.0])), "GreaterThanEq(lower_bound=0.0)")
    _raises(lambda: M.Poisson(2.0).log_prob(t(1.5)), "IntegerGreaterThan(lower_bound=0)")
    _raises(lambda: M.Laplace(0.0, 0.0), "constraint GreaterThan(lower_bound=0.0)")
    _raises(lambda: M.Independent(M.Normal(t(np.zeros(3)), 1.0), 2),
            "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual 2 "
            "vs 1")
    _raises(lambda: M.MixtureSameFamily(M.Normal(0.0, 1.0), M.Normal(t(np.zeros(2)), 1.0)),
            "instance of torch.distributions.Categorical")
    _raises(lambda: M.MixtureSameFamily(M.Categorical(t([0.5, 0.5])),
                                        M.Normal(t(np.zeros(3)), 1.0)),
            "`mixture_distribution component` (2) does not equal "
            "`component_distribution.batch_shape[-1]` (3)")
    _raises(lambda: M.OneHotCategorical(t([0.5, 0.5])).log_prob(t([1.0, 1.0])), "OneHot()")
    _raises(lambda: M.HalfNormal(1.0).log_prob(t(-0.5)), "GreaterThanEq(lower_bound=0.0)")
    _raises(lambda: M.Geometric(t([1.5])), "constraint Interval(lower_bound=0.0, upper_bound=1.0)")
    _raises(lambda: M.Binomial(t([2.5]), t([0.5])), "IntegerGreaterThan(lower_bound=0)")
    _raises(lambda: M.Binomial(3, t([0.5])).log_prob(t([4.0])), "IntegerInterval(lower_bound=0")
    assert M.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0


def test_second_derivatives_through_log_prob_and_kl():
    x = RNG.standard_normal((2, 3))

    def mvn(m, a):
        cov = a @ a.transpose(-1, -2) + 3 * ag.tensor(np.eye(3))
        return D.MultivariateNormal(m, covariance_matrix=cov, validate_args=False)

    def f(m, a):
        p = mvn(m, a)
        return p.log_prob(ag.tensor(x)).sum() + D.kl_divergence(p, mvn(m * 0.5, a * 0.9))

    args = RNG.standard_normal(3), RNG.standard_normal((3, 3))
    ag.gradcheck(f, *args)
    ag.gradgradcheck(f, *args)


@pytest.mark.parametrize("make, second_moment", [
    # E[x^2] as a function of the parameters, whose gradient rsample's must estimate
    (lambda a, b: D.Laplace(a, b), lambda a, b: a ** 2 + 2 * b ** 2),
    (lambda a, b: D.Gumbel(a, b), lambda a, b: (a + 0.5772156649 * b) ** 2
     + (np.pi * b) ** 2 / 6),
    (lambda a, b: D.LogNormal(a, b * 0.3), lambda a, b: np.exp(2 * a + 2 * (b * 0.3) ** 2)),
    (lambda a, b: D.Exponential(b), lambda a, b: 2 / b ** 2),
    (lambda a, b: D.Independent(D.Normal(a, b), 0), lambda a, b: a ** 2 + b ** 2),
])
def test_more_rsample_gradients_estimate_the_gradient_of_the_expectation(make, second_moment):
    ag.manual_seed(2)
    a, b = (ag.tensor(v, dtype=np.float64, requires_grad=True) for v in (0.4, 1.3))
    (make(a, b).rsample((4 * N,)) ** 2).mean().backward()
    h = 1e-6                                          # the exact gradient, by differences
    grads = [(second_moment(0.4 + h * (i == 0), 1.3 + h * (i == 1))
              - second_moment(0.4 - h * (i == 0), 1.3 - h * (i == 1))) / (2 * h) for i in (0, 1)]
    np.testing.assert_allclose([a.grad.item() if a.grad is not None else 0.0, b.grad.item()],
                               grads, rtol=0.05, atol=0.02)


def test_more_sample_statistics():
    ag.manual_seed(3)
    e = D.Exponential(ag.tensor([0.5, 4.0])).sample((N,)).numpy()
    assert e.min() >= 0 and e.dtype == np.float32
    np.testing.assert_allclose(e.mean(0), [2.0, 0.25], rtol=0.03)
    lap = D.Laplace(ag.tensor([1.0]), ag.tensor([2.0])).sample((N,)).numpy()
    np.testing.assert_allclose([np.median(lap), np.abs(lap - 1).mean()], [1.0, 2.0], rtol=0.03)
    c = D.Cauchy(ag.tensor([1.0]), ag.tensor([0.5])).sample((N,)).numpy()
    np.testing.assert_allclose(np.percentile(c, [25, 50, 75]), [0.5, 1.0, 1.5], atol=0.03)
    g = D.Gumbel(ag.tensor([0.0]), ag.tensor([1.0])).sample((N,)).numpy()
    np.testing.assert_allclose([g.mean(), g.var()], [0.5772, np.pi ** 2 / 6], rtol=0.04)
    ln = D.LogNormal(ag.tensor([0.0]), ag.tensor([0.5])).sample((N,)).numpy()
    np.testing.assert_allclose(np.log(ln).std(), 0.5, rtol=0.02)
    k = D.Poisson(ag.tensor([0.0, 3.5])).sample((N,))
    assert k.dtype == np.float32 and not k.requires_grad
    assert k.data[:, 0].max() == 0 and np.all(k.data % 1 == 0)
    np.testing.assert_allclose(k.data[:, 1].mean(), 3.5, rtol=0.02)
    np.testing.assert_allclose(k.data[:, 1].var(), 3.5, rtol=0.04)


def test_poisson_kl_at_rate_zero_is_the_other_rate():
    # 0 log 0 = 0: KL(Poisson(0) || Poisson(q)) = q, where PyTorch's formula gives NaN
    kl = D.kl_divergence(D.Poisson(ag.tensor([0.0, 1.0])), D.Poisson(ag.tensor([2.5, 1.0])))
    np.testing.assert_array_equal(kl.data, [2.5, 0.0])
    lp = D.Poisson(ag.tensor([0.0])).log_prob(ag.tensor([0.0]))
    assert lp.item() == 0.0                                    # P(0) = 1 at rate 0


def test_independent_sums_the_reinterpreted_dims():
    base = D.Normal(ag.tensor(RNG.standard_normal((4, 2, 3))), ag.tensor(RNG.random(3) + 0.5))
    ind = D.Independent(base, 2)
    x = ag.tensor(RNG.standard_normal((5, 4, 2, 3)))
    np.testing.assert_allclose(ind.log_prob(x).data, base.log_prob(x).data.sum((-2, -1)))
    assert (ind.batch_shape, ind.event_shape) == ((4,), (2, 3)) and ind.has_rsample
    with pytest.raises(NotImplementedError, match="equal reinterpreted_batch_ndims"):
        D.kl_divergence(ind, D.Independent(base, 1))


def test_transform_inverses_jacobians_and_cache():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3))
    for name, args in [("ExpTransform", ()), ("TanhTransform", ()), ("SigmoidTransform", ()),
                       ("SoftplusTransform", ()), ("AffineTransform", (0.5, -3.0)),
                       ("PowerTransform", (3.0,))]:
        xs = np.abs(x) + 0.1 if name == "PowerTransform" else x
        t, tt = getattr(D.transforms, name)(*args), getattr(torch.distributions.transforms,
                                                           name)(*args)
        y, ty = t(ag.tensor(xs)), tt(torch.tensor(xs))
        np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-12)
        np.testing.assert_allclose(t.inv(y).data, xs, rtol=1e-9)
        np.testing.assert_allclose(t.log_abs_det_jacobian(ag.tensor(xs), y).data,
                                   tt.log_abs_det_jacobian(torch.tensor(xs), ty).numpy(),
                                   rtol=1e-12, atol=1e-14)
        inv = t.inv
        assert inv.inv is t and (inv.domain, inv.codomain) == (t.codomain, t.domain)
        np.testing.assert_allclose(inv.log_abs_det_jacobian(y, ag.tensor(xs)).data,
                                   -t.log_abs_det_jacobian(ag.tensor(xs), y).data)
    big = ag.tensor([20.0])                 # tanh(20) rounds to 1: only the cache inverts it
    cached = D.transforms.TanhTransform(cache_size=1)
    assert cached.inv(cached(big)) is big
    assert np.isinf(D.transforms.TanhTransform().inv(D.transforms.TanhTransform()(big)).data)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.transforms.ExpTransform(cache_size=2)


def test_transformed_distribution_samples_shapes_and_errors():
    ag.manual_seed(4)
    loc = ag.tensor(np.zeros(3), requires_grad=True)
    d = D.TransformedDistribution(D.Normal(loc, 1.0), D.transforms.TanhTransform(cache_size=1))
    y = d.rsample((N,))
    assert y.shape == (N, 3) and np.abs(y.data).max() <= 1 and d.has_rsample
    (y * ag.tensor([1.0, 0.0, -1.0])).sum(-1).mean().backward()   # d E[tanh(loc + e)] / d loc
    np.testing.assert_allclose(loc.grad.data, [0.6057, 0.0, -0.6057], atol=0.01)
    assert not d.sample((2,)).requires_grad
    lp = d.log_prob(y)                                       # cached: no atanh of +-1
    assert np.isfinite(lp.data).all()
    with pytest.raises(ValueError, match="transforms must be a Transform or a list"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [np.exp])
    power = D.TransformedDistribution(D.Exponential(1.0), [D.transforms.PowerTransform(
        ag.tensor([2.0, -2.0]))])                           # a Tensor sign: elementwise
    np.testing.assert_allclose(power.cdf(ag.tensor([4.0, 0.25])).data,
                               [1 - np.exp(-2.0), np.exp(-2.0)], rtol=1e-6)
    with pytest.raises(ValueError, match="to be within the support"):
        d.log_prob(ag.tensor([0.5, 1.5, 0.0]))


def test_second_derivatives_through_a_transformed_log_prob():
    y = np.tanh(RNG.standard_normal(3))

    def f(m, s):
        d = D.TransformedDistribution(D.Normal(m, s * s + 0.5, validate_args=False),
                                      [D.transforms.TanhTransform(),
                                       D.transforms.AffineTransform(0.0, 0.9)])
        return d.log_prob(ag.tensor(y * 0.9)).sum()

    args = RNG.standard_normal(3), RNG.standard_normal(3)
    ag.gradcheck(f, *args)
    ag.gradgradcheck(f, *args)


def test_mixture_and_one_hot_samples():
    ag.manual_seed(5)
    w, mu = np.array([0.25, 0.75]), np.array([[-4.0, 0.0], [4.0, 10.0]])     # (K=2, event 2)
    mix = D.MixtureSameFamily(D.Categorical(ag.tensor(w)),
                              D.Independent(D.Normal(ag.tensor(mu), 0.5), 1))
    x = mix.sample((N,)).numpy()
    assert x.shape == (N, 2) and not mix.has_rsample
    near_first = np.abs(x[:, 0] + 4) < 3                                  # which component
    assert near_first.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(x[near_first, 1].mean(), 0.0, atol=0.02)  # the event's own mean
    np.testing.assert_allclose(x.mean(0), mix.mean.data, atol=0.05)
    one_hot = D.OneHotCategorical(ag.tensor([0.1, 0.6, 0.3])).sample((N,)).numpy()
    assert set(np.unique(one_hot)) == {0.0, 1.0} and np.all(one_hot.sum(-1) == 1)
    np.testing.assert_allclose(one_hot.mean(0), [0.1, 0.6, 0.3], atol=0.01)


def test_counts_and_folded_samples():
    ag.manual_seed(6)
    g = D.Geometric(ag.tensor([0.25, 0.8])).sample((N,)).numpy()
    assert g.dtype == np.float32 and g.min() >= 0 and np.all(g % 1 == 0)
    np.testing.assert_allclose(g.mean(0), [3.0, 0.25], rtol=0.03)
    b = D.Binomial(ag.tensor([10.0, 3.0]), ag.tensor([0.3, 0.9])).sample((N,)).numpy()
    assert b.max(0).tolist() <= [10.0, 3.0] and np.all(b % 1 == 0)
    np.testing.assert_allclose(b.mean(0), [3.0, 2.7], rtol=0.02)
    h = D.HalfNormal(ag.tensor([2.0])).sample((N,)).numpy()
    assert h.min() >= 0
    np.testing.assert_allclose(h.mean(), 2 * np.sqrt(2 / np.pi), rtol=0.02)
    scale = ag.tensor(1.5, dtype=np.float64, requires_grad=True)   # E|X| = s sqrt(2 / pi)
    D.HalfNormal(scale).rsample((N,)).mean().backward()
    assert scale.grad.item() == pytest.approx(np.sqrt(2 / np.pi), abs=0.02)
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        D.Binomial(ag.tensor([2.0, 3.0]), ag.tensor([0.5, 0.5])).entropy()
