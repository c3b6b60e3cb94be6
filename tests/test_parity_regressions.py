"""Regression tests for the mismatches with PyTorch that issue 14 lists (found by running
PyTorch's op_db), each against PyTorch where it is installed and against the expected values
where it is not."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
import ops
from gradrows import torch_parity

X0 = np.array(0.7)                      # a 0-d input


@pytest.mark.parametrize("dim", [0, -1])
def test_ops_along_dim_0_or_minus_1_of_a_0d_tensor(dim):
    x = ag.tensor(X0, requires_grad=True)
    zero = np.zeros((), np.int64)
    assert x.argmax(dim).item() == 0 and x.argmin(dim).item() == 0
    assert x.max(dim).values.item() == 0.7 and x.min(dim).indices.item() == 0
    assert x.median(dim).values.item() == 0.7
    assert x.sort(dim).values.shape == () and x.argsort(dim).item() == 0
    assert x.topk(1, dim).values.item() == 0.7
    assert x.transpose(dim, dim).shape == ()
    outs = [x.cumsum(dim), x.index_select(dim, np.array([0])), x.gather(dim, zero),
            ops.scatter_add(x, dim, zero, ag.tensor(np.array(2.0)))]
    assert [o.shape for o in outs] == [()] * 4
    sum(outs).backward()
    assert x.grad.item() == 4.0
    with pytest.raises(IndexError, match="dimension 1 out of range"):
        x.cumsum(1)


def test_sigmoid_family_on_a_0d_tensor():
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: (x.sigmoid(), F.silu(x), F.logsigmoid(x), F.mish(x), F.softplus(x),
                            F.binary_cross_entropy_with_logits(x, x * 0 + 0.3)),
                 lambda x: (x.sigmoid(), torch.nn.functional.silu(x),
                            torch.nn.functional.logsigmoid(x), torch.nn.functional.mish(x),
                            torch.nn.functional.softplus(x),
                            torch.nn.functional.binary_cross_entropy_with_logits(x, x * 0 + 0.3)),
                 X0)


def test_clamp_with_tensor_bounds_differentiates_them():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, 2.0, 3.0], [-1.0, 1.5, 0.5, 2.5]])
    lo, hi = np.array([1.0, 1.0, 1.0, 1.0]), np.array([[2.0], [0.5]])     # broadcasting bounds
    torch_parity(lambda x, lo, hi: (x.clamp(lo, hi), x.clamp_min(lo), x.clamp_max(hi)),
                 lambda x, lo, hi: (x.clamp(lo, hi), x.clamp_min(lo), x.clamp_max(hi)),
                 x, lo, hi)


def test_masked_select_and_cosine_similarity_broadcast():
    torch = pytest.importorskip("torch")
    x, y = np.arange(6.0).reshape(2, 3) - 2, np.array([[1.0], [-2.0]])
    mask = np.array([True, False, True])
    torch_parity(lambda x, y: (x.masked_select(mask), y.masked_select(mask),
                               F.cosine_similarity(x, y, dim=1)),
                 lambda x, y: (x.masked_select(torch.tensor(mask)),
                               y.masked_select(torch.tensor(mask)),
                               torch.nn.functional.cosine_similarity(x, y, dim=1)), x, y)


def test_poisson_nll_loss_full_differentiates_the_stirling_term():
    torch = pytest.importorskip("torch")
    torch_parity(lambda x, t: F.poisson_nll_loss(x, t, full=True),
                 lambda x, t: torch.nn.functional.poisson_nll_loss(x, t, full=True),
                 np.array([0.2, -0.5, 1.0]), np.array([0.5, 2.0, 4.5]))


def test_std_and_var_take_unbiased_and_correction_none():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    torch_parity(lambda x: (x.std(True), x.var(False), x.std(1, True, True),
                            x.var(correction=None), x.std(0, unbiased=False)),
                 lambda x: (x.std(True), x.var(False), x.std(1, True, True),
                            x.var(correction=None), x.std(0, unbiased=False)), x)
    with pytest.raises(TypeError, match="var: give either unbiased or correction"):
        ag.tensor(x).var(unbiased=True, correction=0)


def test_hinge_embedding_loss_takes_any_target_as_pytorch():
    torch = pytest.importorskip("torch")
    target = np.array([2.0, 0.0, -1.0])
    torch_parity(lambda x: F.hinge_embedding_loss(x, target, reduction="none"),
                 lambda x: torch.nn.functional.hinge_embedding_loss(
                     x, torch.tensor(target), reduction="none"),
                 np.array([0.5, 2.0, 0.25]))


def test_narrow_with_a_negative_start():
    x = ag.tensor(np.arange(5.0))
    assert x.narrow(0, -2, 2).tolist() == [3.0, 4.0]
    with pytest.raises(IndexError, match="narrow: start 4 and length 2 out of range"):
        x.narrow(0, -1, 2)


def test_empty_and_degenerate_inputs():
    torch = pytest.importorskip("torch")
    a, legacy = np.ones((2, 3)), np.zeros((0,))
    torch_parity(lambda a: ops.cat([a, legacy], 1), lambda a: torch.cat([a, torch.tensor(legacy)],
                                                                          1), a)
    x = np.arange(5.0)
    torch_parity(lambda x: (x.gather(0, np.zeros((2, 0), np.int64)), x.roll(2)),
                 lambda x: (x.gather(0, torch.zeros((2, 0), dtype=torch.long)), x.roll(2)), x)
    empty = np.zeros((0, 3, 3))
    torch_parity(lambda e: (F.pad(e, (1, 1), mode="reflect"), e.flatten(1),
                            F.group_norm(e, 3), F.avg_pool1d(e, 2),
                            F.batch_norm(e, None, None, training=True)),
                 lambda e: (torch.nn.functional.pad(e, (1, 1), mode="reflect"), e.flatten(1),
                            torch.nn.functional.group_norm(e, 3),
                            torch.nn.functional.avg_pool1d(e, 2),
                            torch.nn.functional.batch_norm(e, None, None, training=True)), empty)
    assert ag.tensor(empty).logsumexp(0).tolist() == [[-np.inf] * 3] * 3     # as PyTorch's
    cube = np.arange(18.0).reshape(3, 2, 3)
    torch_parity(lambda c: ops.einsum("iji->j", c), lambda c: torch.einsum("iji->j", c), cube)
    assert F.alpha_dropout(ag.ones(2, 3), 1.0, True).tolist() == [[0.0] * 3] * 2


def test_nan_and_infinity_follow_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -2.0, 3.0])
    y = np.array([1.0, np.nan, 0.0, np.nan, -np.inf, 3.0])
    fs = ["sign", "abs", "relu", "nan_to_num", "rsqrt"]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        torch_parity(lambda a, b: tuple(getattr(a, f)() for f in fs) + (
                         F.relu6(a), F.hardtanh(a), F.elu(a), F.selu(a), a.maximum(b),
                         a.minimum(b), F.threshold(a, 0.5, -1.0)),
                     lambda a, b: tuple(getattr(a, f)() for f in fs) + (
                         torch.nn.functional.relu6(a), torch.nn.functional.hardtanh(a),
                         torch.nn.functional.elu(a), torch.nn.functional.selu(a),
                         a.maximum(b), a.minimum(b),
                         torch.nn.functional.threshold(a, 0.5, -1.0)), x, y)


def test_norm_of_order_0_and_negative_orders():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, -2.0], [3.0, 0.5, 1.0]])
    torch_parity(lambda x: (x.norm(-1, 1), x.norm(-2.5, 1)),
                 lambda x: (x.norm(-1, 1), x.norm(-2.5, 1)), x[1:])
    t = ag.tensor(x, requires_grad=True)
    count = t.norm(0, 1)                # the number of non-zeros: zero gradient
    count.sum().backward()
    assert count.tolist() == [2.0, 3.0] and not t.grad.data.any()
    assert ag.tensor(x).norm(-1, 1).tolist()[0] == 0.0


@pytest.mark.parametrize("mode, shape", [("area", (1, 2, 5, 7)), ("bicubic", (1, 2, 5, 7)),
                                         ("trilinear", (1, 1, 3, 4, 5))])
def test_interpolate_modes(mode, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    size = tuple(n + 2 for n in shape[2:]) if mode != "area" else (3, 4)
    kw = {} if mode == "area" else {"align_corners": False}
    torch_parity(lambda x: F.interpolate(x, size=size, mode=mode, **kw),
                 lambda x: torch.nn.functional.interpolate(x, size=size, mode=mode, **kw), x)
    torch_parity(lambda x: F.interpolate(x, scale_factor=1.7, mode=mode,
                                         recompute_scale_factor=True),
                 lambda x: torch.nn.functional.interpolate(x, scale_factor=1.7, mode=mode,
                                                           recompute_scale_factor=True), x)


def test_device_accepts_the_cpu_only():
    cpu = ag.device("cpu")
    assert cpu == "cpu" and cpu == ag.device(cpu) and cpu.type == "cpu" and cpu.index is None
    assert repr(cpu) == "device(type='cpu')" and ag.zeros(2).device == "cpu"
    x = ag.zeros(2, device="cpu")
    assert x.to("cpu") is x and x.to(cpu, np.float64).dtype == np.float64
    assert ag.ones(1, device=None).shape == (1,) and x.new_zeros(3, device=cpu).shape == (3,)
    for call in (lambda: ag.device("cuda"), lambda: ag.zeros(2, device="cuda:0"),
                 lambda: x.to("cuda"), lambda: ag.arange(3, device="mps")):
        with pytest.raises(RuntimeError, match="tapegrad computes on the CPU only"):
            call()


def test_keywords_pytorch_code_passes():
    torch = pytest.importorskip("torch")
    x = np.array([[1.5, -2.25, 3.0], [0.5, 4.0, -1.0]])
    torch_parity(
        lambda x: (x.sum(dtype=np.float64), x.mean(1, dtype=np.float64),
                   x.softmax(1, dtype=np.float64), x.log_softmax(0, dtype=np.float64),
                   x.cumsum(1, dtype=np.float64), x.div(0.7, rounding_mode="floor"),
                   x.div(0.7, rounding_mode="trunc"), x.round(decimals=1),
                   x.repeat_interleave(2, 0, output_size=4), x.double(memory_format=None)),
        lambda x: (x.sum(dtype=torch.float64), x.mean(1, dtype=torch.float64),
                   x.softmax(1, dtype=torch.float64), x.log_softmax(0, dtype=torch.float64),
                   x.cumsum(1, dtype=torch.float64), x.div(0.7, rounding_mode="floor"),
                   x.div(0.7, rounding_mode="trunc"), x.round(decimals=1),
                   x.repeat_interleave(2, 0, output_size=4),
                   x.double(memory_format=torch.preserve_format)), x)
    t = ag.tensor(x)
    assert t.new_zeros(2, dtype=np.int64).dtype == np.int64
    assert t.new_full((2,), 3, dtype=np.float32).tolist() == [3.0, 3.0]
    rows, cols = t.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 0, 0, 1, 1, 1] and cols.tolist() == [0, 1, 2, 0, 1, 2]
    index = (np.array([0, 0]), np.array([1, 1]))
    assert t.index_put(index, ag.tensor([1.0, 2.0]), accumulate=True)[0, 1].item() == 0.75


def test_op_db_beyond_the_first_samples():
    """Found by running every op_db sample (TAPEGRAD_PARITY_SAMPLES=1000), not only the
    first 8: masked.norm of order -inf counted masked elements as 0; searchsorted and
    unique_consecutive failed on empty inputs (searchsorted also zipped mismatched leading
    dims silently); linspace stepped in float32 for a float32 tensor's start."""
    x = np.array([[-4.8, -7.5, -0.6, -1.5], [3.0, -2.0, 5.0, 1.0]])
    mask = np.array([[True, True, False, True], [False] * 4])
    norm = ag.masked.norm(ag.tensor(x), -np.inf, 1, mask=ag.tensor(mask))
    np.testing.assert_array_equal(norm.data, [1.5, np.inf])
    assert ops.searchsorted(ag.zeros(0, 0), ag.zeros(0, 0)).shape == (0, 0)
    np.testing.assert_array_equal(ops.searchsorted(ag.zeros(2, 0), ag.zeros(2, 3)).data,
                                  np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"searchsorted: the leading dims of sorted_sequence "
                                         r"\(2, 3\) and values \(3, 1\) must match"):
        ops.searchsorted(ag.zeros(2, 3), ag.zeros(3, 1))
    assert ops.unique_consecutive(ag.zeros(5, 0, 5), dim=1).shape == (5, 0, 5)
    start = ag.tensor(4.3)                                         # float32
    steps = ag.linspace(start, -3, 50, dtype=np.float64).data
    np.testing.assert_allclose(steps, np.linspace(float(start.item()), -3, 50), atol=1e-15)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(steps, torch.linspace(torch.tensor(4.3), -3, 50,
                                                     dtype=torch.float64).numpy(), atol=1e-14)


def test_singular_value_norms_at_the_zero_matrix():
    """The nuclear and spectral norms of 0 had NaN gradients (0 / 0 in the SVD's U and V
    terms, which vanish when only S is used); PyTorch's subgradients: U Vh, and the tied
    top singular values sharing the gradient."""
    for ord, expected in [("nuc", np.eye(3, 4)), (2, np.eye(3, 4) / 3), (-2, np.eye(3, 4) / 3)]:
        a = ag.zeros(3, 4, dtype=np.float64, requires_grad=True)
        ag.linalg.matrix_norm(a, ord).backward()
        np.testing.assert_allclose(np.abs(a.grad.data), expected, atol=1e-15)


def test_float32_stays_float32_as_in_pytorch():
    """PyTorch's promotion, where NumPy 2's differs: a NumPy scalar (what np.sqrt returns)
    is a number; a float meets an integer array in its own dtype; a 0-d array yields to one
    with dims of the same category. And the ops that built float64 helpers (a count, an
    identity, a weight) keep float32 (found by running op_db's float32 samples)."""
    x = ag.tensor(np.ones((2, 3), np.float32))
    ints, f64_0d = ag.tensor(np.array([1, 2, 3])), ag.tensor(np.array(2.0))
    for y in (x / ints, x * np.float64(2.0), x / np.sqrt(8), x + f64_0d, x ** ints,
              ops.maximum(x, ints), ag.where(x > 0, x, ints), ops.nanmean(x),
              ops.quantile(x, 0.5), ops.cov(x), ops.cov(x, fweights=np.array([1, 2, 1])),
              ag.masked.var(x, 1), ag.masked.mean(x, keepdim=True),
              ops.scatter_reduce(x, 1, np.zeros((2, 3), np.int64), x, "mean"),
              ops.matrix_exp(x[:, :2]), ag.linalg.matrix_power(x[:, :2], 0), x.angle(),
              F.multi_margin_loss(x, np.array([0, 2])),
              ag.tensor(np.float32(1.0)).index_fill(0, np.array([0]), -8.5)):
        assert y.dtype == np.float32, y
    assert (ag.tensor(np.ones(2)) + ag.tensor(np.float32(1.0))).dtype == np.float64
    assert (ints + ag.tensor(np.array([1], np.int32))).dtype == np.int64
    torch = pytest.importorskip("torch")
    t = torch.ones(2, 3)
    assert (t / torch.tensor([1, 2, 3])).dtype == (t * np.float64(2.0)).dtype == torch.float32
    assert (t + torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32


def test_op_db_float32_samples():
    """Found by op_db's float32 samples (which include some its float64 gradient samples do
    not): max-type matrix norms of empty matrices are 0 (the min-type ones raise, as
    PyTorch's); scatter with reduce and a src larger than index; embedding takes sparse=;
    gradient at float32 coordinates stays float32."""
    for shape in [(0, 0), (0, 3), (3, 0)]:
        for ord in (np.inf, 1, 2):
            assert ag.linalg.matrix_norm(ag.zeros(shape), ord).item() == 0.0
    with pytest.raises(ValueError, match="amin"):
        ag.linalg.matrix_norm(ag.zeros(0, 3), -np.inf)
    rng = np.random.default_rng(3)
    x, src = rng.random((10, 5)), rng.random((5, 5))
    index = np.array([[0, 1, 1, 4, 0]] * 5)
    added = ops.scatter(ag.tensor(x), 1, index, ag.tensor(src), reduce="add").data
    expected = x.copy()
    for r in range(5):
        np.add.at(expected[r], index[r], src[r])
    np.testing.assert_allclose(added, expected, rtol=1e-12)
    weight = ag.tensor(np.ones((3, 2)))
    assert F.embedding(np.array([0, 2]), weight, sparse=False).shape == (2, 2)
    with pytest.raises(ValueError, match="embedding: sparse gradients are not supported"):
        F.embedding(np.array([0, 2]), weight, sparse=True)
    coords = ag.tensor(np.array([1.0, 2.5, 4.0], np.float32))
    (g,) = ops.gradient(ag.tensor(rng.random((3, 2)).astype(np.float32)), spacing=[coords], dim=0)
    assert g.dtype == np.float32
