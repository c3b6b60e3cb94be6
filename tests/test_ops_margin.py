"""Margin, embedding and likelihood losses: gradient rows (first and second order, through
the primitives they are built from) and bad input. PyTorch parity of values and gradients:
the loss modules in test_nn_layers.py."""
import numpy as np
import pytest

import ops
from gradrows import Row, check, positive

SIGNS = np.array([[1.0, -1.0, 1.0, -1.0], [-1.0, 1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
LABELS = np.array([1, -1, 1])

GRAD_ROWS = [
    Row("relu", lambda a, b: ops.margin_ranking_loss(a, b, SIGNS[0], 0.3), [(4,), (4,)],
        id="margin_ranking_loss"),
    Row("relu", lambda a, p, n: ops.triplet_margin_loss(a, p, n, swap=True), [(3, 4)] * 3,
        id="triplet_margin_loss"),
    Row("sqrt", lambda a, b: ops.cosine_embedding_loss(a, b, LABELS, 0.1), [(3, 4)] * 2,
        id="cosine_embedding_loss"),
    Row("where", lambda a: ops.hinge_embedding_loss(a, SIGNS, 0.5), [(3, 4)],
        id="hinge_embedding_loss"),
    Row("log1p", lambda a: ops.soft_margin_loss(a, SIGNS), [(3, 4)], id="soft_margin_loss"),
    Row("log1p", lambda a: ops.multilabel_soft_margin_loss(a, (SIGNS > 0) * 1.0), [(3, 4)],
        id="multilabel_soft_margin_loss"),
    Row("log", lambda m, t, v: ops.gaussian_nll_loss(m, t, v), [(3, 4)] * 3,
        domain=lambda xs: xs[:2] + positive(xs[2:]), id="gaussian_nll_loss"),
    Row("exp", lambda a: ops.poisson_nll_loss(a, np.abs(SIGNS) * 3, full=True), [(3, 4)],
        id="poisson_nll_loss"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


@pytest.mark.parametrize("call,message", [
    (lambda: ops.cosine_embedding_loss(np.ones((2, 3)), np.ones((2, 3)), np.array([1, 0])),
     r"cosine_embedding_loss: target values must be in \[-1, 1\], got \[0\]"),
    (lambda: ops.gaussian_nll_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 2))),
     r"gaussian_nll_loss: var of shape \(3, 2\) does not fit input \(2, 3\)"),
    (lambda: ops.gaussian_nll_loss(np.ones(2), np.ones(2), -np.ones(2)),
     "gaussian_nll_loss: var has negative entries"),
    (lambda: ops.soft_margin_loss(np.ones(2), np.ones(2), reduction="avg"),
     "soft_margin_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
])
def test_bad_input_names_the_loss(call, message):
    with pytest.raises(ValueError, match="^" + message):
        call()
