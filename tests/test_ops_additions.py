"""Ops of issue 14 that PyTorch's op_db does not exercise (tests/test_parity_opinfo.py runs
the rest): values and gradients against PyTorch, and the random ones by their properties."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import ops
from gradrows import Row, check, distinct, positive, torch_parity

X = np.random.default_rng(0).standard_normal((2, 3, 4, 5))


# gradcheck and gradgradcheck of the compositions of issue 14, each filed under the primitive
# that carries most of its gradient (the table requires a primitive's name); op_db's parity
# test compares their first derivatives with PyTorch's
GRAD_ROWS = [
    Row("mul", lambda x: ops.prod(x, 1), [(3, 5)], id="prod"),
    Row("mul", lambda x: ops.cumprod(x, 0), [(5, 2)], id="cumprod"),
    Row("logaddexp", lambda x: ops.logcumsumexp(x, 1), [(2, 5)], id="logcumsumexp"),
    Row("gather", lambda x: ops.quantile(x, np.array([0.2, 0.7]), 1), [(3, 6)],
        domain=distinct, id="quantile"),
    Row("matmul", lambda x: ops.cov(x), [(3, 6)], id="cov"),
    Row("getitem", lambda x: ops.rot90(x, 1, (0, 1)) * ops.diagonal(x)[0], [(3, 3)],
        id="rot90-diagonal"),
    Row("index_put_add", lambda x: ops.diag_embed(x, 1), [(2, 3)], id="diag_embed"),
    Row("index_put_add", lambda x, s: ops.index_add(x, 0, np.array([0, 2, 0]), s),
        [(3, 4), (3, 4)], id="index_add"),
    Row("mul", lambda a, b: ops.kron(a, b), [(2, 3), (2, 2)], id="kron"),
    Row("sin", lambda x: ops.sinc(x), [(2, 3)], id="sinc"),
    Row("log", lambda x: ops.logit(x / 3), [(2, 3)], domain=positive, id="logit"),
    Row("einsum", lambda x, w: F.conv3d(x, w, padding=1, stride=(1, 2, 1)),
        [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2)], id="conv3d"),
    Row("index_put_add", lambda x, w: F.conv_transpose3d(x, w, stride=2),
        [(1, 2, 2, 2, 2), (2, 1, 2, 1, 2)], id="conv_transpose3d"),
    Row("amax", lambda x: F.max_pool3d(x, 2, 1), [(1, 1, 3, 3, 3)], domain=distinct,
        id="max_pool3d"),
    Row("sum", lambda x: F.avg_pool3d(x, 2, 1, 1, count_include_pad=False),
        [(1, 1, 2, 3, 3)], id="avg_pool3d"),
    Row("getitem", lambda x: F.fold(F.unfold(x, 2, padding=1), (3, 4), 2, padding=1),
        [(1, 2, 3, 4)], id="unfold-fold"),
    Row("getitem", lambda x, g: F.grid_sample(x, g * 0.9, padding_mode="reflection"),
        [(1, 2, 3, 4), (1, 2, 3, 2)], id="grid_sample"),
    Row("pow", lambda x: F.local_response_norm(x, 3), [(2, 4, 3)], id="local_response_norm"),
    Row("pow", lambda x, w: F.rms_norm(x, (4,), w), [(3, 4), (4,)], id="rms_norm"),
    # PyTorch's ctc_loss gradient (which ours follows) is the true one only through
    # log_softmax, as used: check it there
    Row("logaddexp", lambda x: F.ctc_loss(F.log_softmax(x, -1), np.array([[1, 2]]),
                                          np.array([5]), np.array([2])), [(5, 1, 3)],
        id="ctc_loss"),
    Row("sqrt", lambda a, b: ops.cdist(a, b), [(3, 4), (2, 4)], id="cdist"),
    Row("solve", lambda a: ops.matrix_exp(a * 3), [(2, 3, 3)], id="matrix_exp"),
    Row("index_put", lambda x: F.max_unpool2d(x, np.array([[[[0, 3], [9, 10]]]]), 2),
        [(1, 1, 2, 2)], id="max_unpool2d"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


def test_affine_grid_and_grid_sample_match_pytorch():
    torch = pytest.importorskip("torch")
    theta = np.array([[[0.9, 0.2, 0.1], [-0.1, 1.1, 0.05]]] * 2)
    for align in (False, True):
        torch_parity(lambda x, th: F.grid_sample(x, F.affine_grid(th, (2, 3, 3, 4), align),
                                                 align_corners=align, padding_mode="border"),
                     lambda x, th: torch.nn.functional.grid_sample(
                         x, torch.nn.functional.affine_grid(th, (2, 3, 3, 4), align),
                         align_corners=align, padding_mode="border"), X, theta)


def test_rms_norm_module_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.RMSNorm((4, 5), eps=1e-6), torch.nn.RMSNorm((4, 5), eps=1e-6,
                                                                   dtype=torch.float64)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    torch_parity(lambda x: ours(x), lambda x: theirs(x), X)


def test_gumbel_softmax_is_a_distribution_and_hard_passes_the_soft_gradient():
    logits = ag.tensor(X[0, 0], requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5, generator=np.random.default_rng(1))
    np.testing.assert_allclose(soft.data.sum(-1), 1.0)
    hard = F.gumbel_softmax(logits, hard=True, generator=np.random.default_rng(1))
    assert set(np.unique(hard.data)) == {0.0, 1.0} and (hard.data.sum(-1) == 1).all()
    w = np.arange(5.0)
    (hard * w).sum().backward()
    grad_hard = logits.grad.data
    logits.grad = None
    (F.gumbel_softmax(logits, generator=np.random.default_rng(1)) * w).sum().backward()
    np.testing.assert_allclose(grad_hard, logits.grad.data)


def test_index_factories_and_counts_match_pytorch():
    torch = pytest.importorskip("torch")
    for args in ((3, 4), (4, 3, -1), (5, 5, 2), (0, 3)):
        assert ag.tril_indices(*args).tolist() == torch.tril_indices(*args).tolist()
        assert ag.triu_indices(*args).tolist() == torch.triu_indices(*args).tolist()
    x, w = np.array([1, 3, 3, 0, 7]), np.array([0.5, 1.0, 2.0, 1.5, 1.0])
    assert ops.bincount(x, minlength=9).tolist() == torch.bincount(torch.tensor(x),
                                                                   minlength=9).tolist()
    assert ops.bincount(x, w).tolist() == torch.bincount(torch.tensor(x),
                                                         torch.tensor(w)).tolist()
    with pytest.raises(ValueError, match="bincount: expects a 1-D tensor of non-negative ints"):
        ops.bincount(np.array([-1, 2]))


def test_ctc_loss_with_concatenated_targets_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((9, 2, 4))
    log_probs = x - np.log(np.exp(x).sum(-1, keepdims=True))
    targets, lengths, frames = np.array([1, 2, 2, 3]), np.array([3, 1]), np.array([9, 6])
    torch_parity(lambda lp: F.ctc_loss(lp, targets, frames, lengths, reduction="none"),
                 lambda lp: torch.nn.functional.ctc_loss(lp, torch.tensor(targets),
                                                         torch.tensor(frames),
                                                         torch.tensor(lengths),
                                                         reduction="none"), log_probs)
