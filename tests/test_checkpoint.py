"""autograd.checkpoint: same gradients, only the inputs saved."""
import numpy as np
import pytest

import autograd as ag
from gradrows import Row, check


def block(x, w):
    return ((x @ w).tanh() @ w).sigmoid()


GRAD_ROWS = [
    Row("checkpoint", lambda x, w: ag.checkpoint(block, x, w), [(3, 4), (4, 4)]),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


def test_same_gradients_as_without_checkpoint():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((4, 4)), requires_grad=True)
    block(x, w).sum().backward()
    want = x.grad.data, w.grad.data
    x.grad = w.grad = None
    y = ag.checkpoint(block, x, w)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, want[0])
    np.testing.assert_allclose(w.grad.data, want[1])


def test_only_inputs_are_saved():
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    w = ag.tensor(np.ones((3, 3)))
    y = ag.checkpoint(block, x, w)
    node = y.grad_fn
    assert node.name == "checkpoint" and list(node.saved) == [x, w]
    assert all(t.grad_fn is None for t in node.saved)
