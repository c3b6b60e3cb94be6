"""examples/: the classic architectures build, backpropagate and learn; the training examples
reach their stated accuracy on short schedules. Tests needing the `examples` extra (mnist1d,
scikit-learn, tqdm, matplotlib) skip cleanly without it."""
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

import nn.functional as F
import optim
from autograd import manual_seed, no_grad, tensor
from examples import models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# a CNN training run calls the conv and pool kernels thousands of times: as plain Python
# (NUMBA_DISABLE_JIT=1) that takes minutes; test_kernels checks them against NumPy instead
needs_jit = pytest.mark.skipif(numba.config.DISABLE_JIT,
                               reason="NUMBA_DISABLE_JIT=1: CNN training runs take minutes")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """These models are small: one BLAS thread is fastest, and far faster on a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


def _image_case(build, channels, size, **kw):
    def case(rng):
        x = rng.standard_normal((2, channels, size, size)).astype(np.float32)
        y = rng.integers(0, 10, 2)
        return build(channels, 10, **kw), lambda m: m(tensor(x)), y
    return case


def _birnn(rng):
    tokens = rng.integers(0, 20, (3, 7))
    model = models.BiRNN(20, num_classes=3, embed=8, hidden=8, layers=2)
    return model, lambda m: m(tensor(tokens)), rng.integers(0, 3, 3)


def _seq2seq(rng):
    src, tgt = rng.integers(0, 12, (2, 6)), rng.integers(0, 15, (2, 5))
    mask = np.arange(6) < np.array([[6], [4]])                # second source padded after 4
    model = models.Seq2Seq(12, 15, embed=8, hidden=8, layers=2)
    return model, lambda m: m(tensor(src), tensor(tgt), mask), tgt


# the smallest input each network accepts, at a reduced width
ARCHITECTURES = {
    "lenet5": _image_case(models.lenet5, 1, 28),
    "alexnet": _image_case(models.alexnet, 3, 63, width=0.125),
    "vgg11": _image_case(models.vgg11, 3, 32, width=0.125),
    "nin": _image_case(models.nin, 3, 67, width=0.125),
    "googlenet": _image_case(models.googlenet, 3, 32, width=0.125),
    "resnet18": _image_case(models.resnet18, 3, 32, width=0.125),
    "densenet": _image_case(models.densenet, 3, 32, width=0.25),
    "birnn": _birnn,
    "seq2seq": _seq2seq,
}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_architecture_learns_on_a_fixed_batch(name):
    """Forward gives one row of class scores per example (per target token for seq2seq),
    backward reaches every parameter with a finite gradient of its shape, and one SGD step
    lowers the loss on the same batch (dropout drawn identically before and after)."""
    rng = np.random.default_rng(0)
    manual_seed(0)
    model, forward, target = ARCHITECTURES[name](rng)

    def loss_of():
        manual_seed(1)
        scores = forward(model)
        assert scores.shape[:-1] == target.shape
        return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), target.reshape(-1))

    model.train()
    loss = loss_of()
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{name}: no gradient reached {pname}"
        assert p.grad.shape == p.shape and np.isfinite(p.grad.data).all(), pname
    optim.SGD(model.parameters(), lr=0.05).step()
    with no_grad():
        after = loss_of().item()
    assert after < loss.item(), f"{name}: loss {loss.item():.5f} -> {after:.5f}"


def test_seq2seq_attention_masks_padding_and_decodes():
    rng = np.random.default_rng(2)
    model = models.Seq2Seq(12, 15, embed=8, hidden=8, layers=2).eval()
    src = rng.integers(0, 12, (2, 6))
    mask = np.arange(6) < np.array([[6], [4]])
    tgt = rng.integers(0, 15, (2, 5))
    tgt[:, 0] = 0                                             # <bos>
    with no_grad():
        forced = model(tensor(src), tensor(tgt), mask)
        weights = model.attention.weights.data
        free = model(tensor(src), tensor(tgt), mask, teacher_forcing=0.0)
        tokens = model.greedy_decode(src, bos=0, steps=5, src_mask=mask)
        mixed = model(tensor(src), tensor(tgt), mask, teacher_forcing=0.5,
                      rng=np.random.default_rng(0))
    assert forced.shape == free.shape == mixed.shape == (2, 5, 15)
    np.testing.assert_array_equal(weights[1, 4:], 0)         # padding gets no attention
    np.testing.assert_allclose(weights.sum(1), 1, rtol=1e-5)
    # without teacher forcing the decoder feeds back its own argmax, as greedy decoding;
    # with it, the true tokens change every prediction after the first
    np.testing.assert_array_equal(free.data.argmax(-1), tokens)
    np.testing.assert_allclose(forced.data[:, 0], free.data[:, 0], rtol=1e-6)
    assert not np.allclose(forced.data[:, 1:], free.data[:, 1:])


@pytest.fixture(scope="module")
def mnist1d_data():
    pytest.importorskip("mnist1d")
    pytest.importorskip("tqdm")
    from examples import mnist1d
    return mnist1d.load()


@needs_jit
def test_mnist1d_cnn_short_schedule(mnist1d_data):
    """400 of the paper's 6000 steps: the CNN already beats the MLP's final 68%."""
    from examples import mnist1d
    _, history = mnist1d.run("cnn", mnist1d_data, steps=400, seed=0, quiet=True)
    assert history.last("test acc %") >= 80
    assert len(history.losses) == 400 and history.eval_steps[-1] == 400


def test_mnist1d_shuffled_variant_permutes_positions(mnist1d_data):
    from examples import mnist1d
    x, y, x_test, _ = mnist1d.load(shuffle=True)
    np.testing.assert_array_equal(y, mnist1d_data[1])
    assert not np.allclose(x, mnist1d_data[0])
    np.testing.assert_allclose(np.sort(x, 1), np.sort(mnist1d_data[0], 1), rtol=1e-5)


def test_mnist1d_cli_table_and_plot(mnist1d_data, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from examples import mnist1d
    out = tmp_path / "curves.png"
    mnist1d.main(["--steps", "30", "--models", "logistic", "mlp", "--runs", "2",
                  "--plot", str(out)])
    text = capsys.readouterr().out
    assert "published" in text and "logistic" in text and "mlp" in text
    assert out.stat().st_size > 1000


@needs_jit
def test_digits_reaches_96_percent():
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    from examples import digits
    data = digits.load()
    assert data[0].shape == (1437, 1, 8, 8) and data[2].shape == (360, 1, 8, 8)
    _, history = digits.run("cnn", data, epochs=30, seed=0, quiet=True)
    assert history.last("test acc %") >= 96


@pytest.fixture(scope="module")
def char_rnn():
    pytest.importorskip("tqdm")
    from examples import char_rnn
    return char_rnn


def test_char_rnn_batches(char_rnn):
    corpus = np.arange(1000)
    rng = np.random.default_rng(0)
    seq = char_rnn.batches(corpus, 4, 10, True, rng)
    rand = char_rnn.batches(corpus, 4, 10, False, rng)
    assert len(seq) == len(rand) == 24                      # (1000 - 2 * 10) // (4 * 10)
    assert len(char_rnn.batches(corpus, 1, 10, False, rng)) == 98   # one window each
    for x, y in seq + rand:
        assert x.shape == y.shape == (4, 10)
        np.testing.assert_array_equal(y, x + 1)              # y is the next character
        np.testing.assert_array_equal(np.diff(x, axis=1), 1)  # windows are contiguous
    for (x0, _), (x1, _) in zip(seq, seq[1:]):               # each stream continues
        np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
    starts = np.concatenate([x[:, 0] for x, _ in rand])       # random windows never overlap
    assert len(np.unique(starts // 10)) == len(starts)


def test_char_rnn_beats_unigram_perplexity(char_rnn):
    from examples._common import python_text
    text = python_text("license")
    model, chars, history = char_rnn.run(text, "gru", epochs=3, seed=0, quiet=True)
    valid = history.metrics["valid perplexity"]
    assert valid[0] > history.unigram > valid[-1]            # it starts above and falls below
    out = char_rnn.sample(model, "The ", chars, 30, np.random.default_rng(0))
    assert out.startswith("The ") and len(out) == 34 and set(out) <= set(chars)


def test_unigram_perplexity():
    pytest.importorskip("tqdm")
    from examples.char_rnn import unigram_perplexity
    assert unigram_perplexity(np.array([0, 1, 2, 3] * 5)) == pytest.approx(4)
    assert unigram_perplexity(np.zeros(7, np.int64)) == pytest.approx(1)


def test_word2vec_pairs_and_masked_loss():
    pytest.importorskip("tqdm")
    from examples import word2vec
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 30, 200)
    counts = np.bincount(ids, minlength=30)
    centers, ctx, mask, labels = word2vec.skipgram_pairs(ids, 2, 3, counts, rng)
    assert len(centers) == 200 and ctx.shape == mask.shape == labels.shape == (200, 16)
    assert (labels <= mask).all()
    np.testing.assert_array_equal(mask.sum(1), 4 * labels.sum(1))   # 3 noise words each
    for i in (0, 57, 199):                                   # positives come from the window
        assert set(ctx[i, labels[i] == 1]) <= set(ids[max(0, i - 2):i + 3])
    scores = rng.standard_normal(mask.shape).astype(np.float32)
    loss = word2vec.masked_bce(tensor(scores), labels, mask).item()
    scores[mask == 0] = 100.0                                # padding must not count
    assert word2vec.masked_bce(tensor(scores), labels, mask).item() == pytest.approx(loss)


@pytest.mark.parametrize("script", ["digits", "models"])
def test_runs_by_path(script):
    """`python examples/NAME.py` works from a checkout, not only `python -m`."""
    done = subprocess.run([sys.executable, os.path.join("examples", f"{script}.py"), "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--seed" in done.stdout and ("--plot" in done.stdout) == (script != "models")


@pytest.mark.parametrize("name", ["digits", "mnist1d", "mnist1d_torch", "char_rnn",
                                  "word2vec"])
def test_help_shows_the_docstrings_first_paragraph(name, capsys):
    module = __import__(f"examples.{name}", fromlist=["main"])
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0
    first = module.__doc__.strip().split("\n\n")[0]
    assert "".join(first.split()) in "".join(capsys.readouterr().out.split())   # rewrapped


def test_a_missing_extra_is_named_in_one_line():
    from examples._common import needs
    with pytest.raises(SystemExit) as done:
        needs("no_such_package.datasets")
    message = str(done.value)
    assert "'no_such_package'" in message and '".[examples]"' in message and "\n" not in message
