"""nn.init: bounds and spreads of every initialiser, gains and fans as PyTorch computes them,
reproducibility through generators and manual_seed."""
import math

import numpy as np
import pytest

import autograd as ag
from nn import init


def draw(fn, shape=(200, 300), **kwargs):
    t = ag.tensor(np.zeros(shape, np.float32))
    assert fn(t, generator=np.random.default_rng(0), **kwargs) is t
    return t.data


@pytest.mark.parametrize("nonlinearity,param,gain", [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0),
    ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)), ("selu", None, 0.75),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
])
def test_calculate_gain(nonlinearity, param, gain):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain)


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans_follow_pytorch():
    assert init._calculate_fan_in_and_fan_out(np.zeros((6, 4))) == (4, 6)
    assert init._calculate_fan_in_and_fan_out(np.zeros((8, 3, 5, 5))) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(np.zeros(3))


def test_uniform_normal_constant_family():
    u = draw(init.uniform_, a=-2.0, b=3.0)
    assert u.min() >= -2 and u.max() <= 3 and abs(u.mean() - 0.5) < 0.05
    n = draw(init.normal_, mean=1.0, std=2.0)
    assert abs(n.mean() - 1) < 0.05 and abs(n.std() - 2) < 0.05
    t = ag.tensor(np.ones((2, 3)))
    assert np.all(init.zeros_(t).data == 0) and np.all(init.ones_(t).data == 1)
    assert np.all(init.constant_(t, 0.25).data == 0.25)
    np.testing.assert_array_equal(init.eye_(ag.tensor(np.zeros((2, 3)))).data, np.eye(2, 3))
    with pytest.raises(ValueError, match="only 2-D"):
        init.eye_(np.zeros((2, 2, 2)))


def test_trunc_normal_stays_in_bounds():
    t = draw(init.trunc_normal_, std=1.0, a=-0.5, b=1.5)
    assert t.min() >= -0.5 and t.max() <= 1.5
    pdf = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in (-0.5, 1.5)]
    cdf = [(1 + math.erf(v / math.sqrt(2))) / 2 for v in (-0.5, 1.5)]
    assert abs(t.mean() - (pdf[0] - pdf[1]) / (cdf[1] - cdf[0])) < 0.01   # truncated mean
    with pytest.raises(ValueError, match="need a < b"):
        init.trunc_normal_(np.zeros(3), a=1, b=0)


def test_xavier_and_kaiming_spreads():
    fan_in, fan_out = 300, 200
    x = draw(init.xavier_uniform_, gain=2.0)
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(x).max() <= bound and abs(x.std() - bound / math.sqrt(3)) < 0.02 * bound
    x = draw(init.xavier_normal_)
    assert abs(x.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.002
    k = draw(init.kaiming_uniform_, a=math.sqrt(5))                  # PyTorch's Linear default
    assert np.abs(k).max() <= 1 / math.sqrt(fan_in)
    k = draw(init.kaiming_normal_, mode="fan_out", nonlinearity="relu")
    assert abs(k.std() - math.sqrt(2 / fan_out)) < 0.003
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_normal_(np.zeros((2, 2)), mode="fan_avg")


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    q = draw(init.orthogonal_, shape, gain=2.0).astype(np.float64).reshape(shape[0], -1)
    small = min(q.shape)
    gram = q @ q.T if q.shape[0] == small else q.T @ q
    np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-5)


def test_generators_and_manual_seed_reproduce_draws():
    a, b = (draw(init.normal_, (3, 3)) for _ in range(2))
    np.testing.assert_array_equal(a, b)
    init.manual_seed(11)
    c = init.uniform_(np.zeros(4))
    init.manual_seed(11)
    np.testing.assert_array_equal(c, init.uniform_(np.zeros(4)))
    with pytest.raises(TypeError, match="expected a Tensor or ndarray"):
        init.ones_([1.0, 2.0])
