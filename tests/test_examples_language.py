"""examples/sentiment.py and examples/seq2seq.py (issue 17): the data readers and generators,
textCNN's masked pooling, packed BiRNN batches, BLEU, the masked loss, greedy and beam search,
and short training runs whose losses fall. Runs that need the `examples` extra (tqdm,
scikit-learn, matplotlib) skip without it; none downloads anything: the sentiment tests
read a small source distribution of the real layout built here."""
import io
import os
import subprocess
import sys
import tarfile

import numba
import numpy as np
import pytest
from test_examples import needs_jit, one_blas_thread     # noqa: F401 (an autouse fixture)

import autograd
from autograd import manual_seed, no_grad, tensor
from examples import models
from examples import seq2seq_data as generate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# with the kernels as plain Python, the 30 Transformer steps below took 59 s (under load)
needs_jit_transformer = pytest.mark.skipif(
    numba.config.DISABLE_JIT, reason="NUMBA_DISABLE_JIT=1: Transformer training takes a minute")


@pytest.fixture(scope="module")
def sentiment():
    pytest.importorskip("tqdm")
    from examples import sentiment
    return sentiment


@pytest.fixture(scope="module")
def seq2seq():
    pytest.importorskip("tqdm")
    from examples import seq2seq
    return seq2seq


# ---------------------------------------------------------------- sentiment: data

GOOD = ["great", "moving", "superb", "fun", "charming", "smart"]
BAD = ["dull", "tedious", "awful", "boring", "flat", "lifeless"]
FILLER = ["the", "film", "is", "a", "story", "with", "its", "cast", "and", "plot", "at", "times"]


def _sentences(n, rng):
    """(sentences, ratings): filler words around one to three words of the rating's sign."""
    out, ratings = [], []
    for _ in range(n):
        rating = rng.choice([-1, 1]) * rng.uniform(0.6, 3.5)
        pool = GOOD if rating > 0 else BAD
        words = list(rng.choice(FILLER, rng.integers(2, 14))) + \
            list(rng.choice(pool, rng.integers(1, 4)))
        rng.shuffle(words)
        out.append(" ".join(words).capitalize() + ".")
        ratings.append(rating)
    return out, np.array(ratings)


def _fake_sdist(folder, sentences, ratings):
    """A vaderSentiment-3.3.2.tar.gz laid out as the real one, with these snippets."""
    lines = "".join(f"{i}\t{r:.4f}\t{s}\r\n" for i, (s, r) in enumerate(zip(sentences, ratings), 1))

    def add(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        add(tar, "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt", lines.encode())
        add(tar, "hutto_ICWSM_2014/tweets_GroundTruth.txt", b"1\t0.5\tnot this one\r\n")
    path = os.path.join(folder, "vaderSentiment-3.3.2.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        add(tar, "vaderSentiment-3.3.2/setup.py", b"")
        add(tar, "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
            inner.getvalue())
    return path


def test_snippets_are_read_from_the_source_distribution(sentiment, tmp_path):
    sentences = ["A gem!", "Not good at all.", "It is a film.", "Dull, isn't it?"]
    path = _fake_sdist(str(tmp_path), sentences, np.array([2.5, -1.2, 0.3, -0.7]))
    assert sentiment.fetch(str(tmp_path)) == path                 # found: nothing fetched
    text, ratings = sentiment.read_snippets(path)
    assert text == sentences
    np.testing.assert_allclose(ratings, [2.5, -1.2, 0.3, -0.7])
    kept, labels = sentiment.labelled(text, ratings)               # the neutral one goes
    assert kept == ["A gem!", "Not good at all.", "Dull, isn't it?"]
    np.testing.assert_array_equal(labels, [1, 0, 0])
    assert sentiment.tokenize("Dull, isn't it?") == ["dull", "isn't", "it", "?"]
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz"):
        pass
    with pytest.raises(FileNotFoundError, match=r"read_snippets: .*other.tar.gz holds no "
                                                r"additional_resources/hutto_ICWSM_2014"):
        sentiment.read_snippets(str(other))


def test_the_real_snippets_when_fetched(sentiment):
    """The published file: 10,605 snippets, 10,043 of them beyond +-0.5 (about half
    positive). Skips where the source distribution has not been fetched (no download in
    the tests)."""
    import glob
    if not glob.glob(os.path.join(sentiment.DEFAULT_DATA, "vaderSentiment-*.tar.gz")):
        pytest.skip(f"the vaderSentiment sdist is not in {sentiment.DEFAULT_DATA}")
    text, ratings = sentiment.read_snippets(sentiment.fetch(sentiment.DEFAULT_DATA))
    assert len(text) == len(ratings) == 10605
    kept, labels = sentiment.labelled(text, ratings)
    assert len(kept) == 10043 and 0.48 < labels.mean() < 0.51


def test_vocabulary_encoding_and_padding(sentiment):
    itos = sentiment.vocabulary([["a", "b", "a"], ["a", "c"]], min_count=2)
    assert itos == ["<pad>", "<unk>", "a"]
    encoded = sentiment.encode([["a", "zzz"], []], itos)
    np.testing.assert_array_equal(encoded[0], [2, 1])
    np.testing.assert_array_equal(encoded[1], [1])                 # never empty
    tokens, lengths = sentiment.pad_batch([np.array([3, 4]), np.array([5])], min_steps=4)
    np.testing.assert_array_equal(tokens, [[3, 4, 0, 0], [5, 0, 0, 0]])
    np.testing.assert_array_equal(lengths, [2, 1])
    train, test = sentiment.split(10)
    assert sorted(np.concatenate([train, test])) == list(range(10)) and len(test) == 2


# ---------------------------------------------------------------- sentiment: models

def test_birnn_packed_batch_equals_each_sequence_alone():
    rng = np.random.default_rng(0)
    manual_seed(0)
    model = models.BiRNN(20, 2, embed=8, hidden=8, layers=2).eval()
    tokens = rng.integers(1, 20, (3, 7))
    lengths = np.array([7, 3, 5])
    with no_grad():
        batch = model(tensor(tokens), lengths).numpy()
        for i, n in enumerate(lengths):
            alone = model(tensor(tokens[i:i + 1, :n])).numpy()[0]
            np.testing.assert_allclose(batch[i], alone, rtol=1e-5, atol=1e-6)


def test_valid_windows():
    windows = models.valid_windows(np.array([6, 3, 1]), 6, 3)
    np.testing.assert_array_equal(windows, [[1, 1, 1, 1], [1, 0, 0, 0], [1, 0, 0, 0]])


def test_textcnn_padding_never_wins_the_max():
    """Padding embeds as zeros; made huge here, it would win every max without the mask.
    With the lengths, a padded sentence pools exactly as it does alone."""
    rng = np.random.default_rng(1)
    manual_seed(1)
    model = models.TextCNN(20, 2, embed=6, kernel_sizes=(2, 3), channels=(5, 4)).eval()
    with no_grad():
        model.embedding.weight[0] = 50.0
    tokens = np.zeros((2, 9), np.int64)
    tokens[0, :9] = rng.integers(1, 20, 9)
    tokens[1, :4] = rng.integers(1, 20, 4)
    with no_grad():
        masked = model(tensor(tokens), np.array([9, 4])).numpy()
        unmasked = model(tensor(tokens)).numpy()
        alone = model(tensor(tokens[1:, :4])).numpy()
    np.testing.assert_allclose(masked[1], alone[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(masked[0], unmasked[0], rtol=1e-6)  # nothing padded there
    assert not np.allclose(unmasked[1], alone[0])                 # the padding would win


def test_textcnn_refuses_a_batch_narrower_than_its_widest_kernel():
    model = models.TextCNN(20, 2, embed=4, kernel_sizes=(3, 5), channels=(2, 2))
    with pytest.raises(ValueError, match=r"TextCNN: 4 steps .* widest kernel 5"):
        model(tensor(np.ones((2, 4), np.int64)))


def test_vectors_file_initialises_the_embedding(sentiment, tmp_path):
    path = str(tmp_path / "vectors.pt")
    theirs = np.arange(12, dtype=np.float32).reshape(3, 4)
    autograd.save({"itos": ["film", "good", "plot"], "vectors": tensor(theirs)}, path)
    model = models.TextCNN(5, embed=4, kernel_sizes=(2,), channels=(3,))
    before = model.embedding.weight.detach().numpy().copy()
    itos = ["<pad>", "<unk>", "good", "bad", "film"]
    assert sentiment.load_vectors(path, itos, model.embedding) == 2
    after = model.embedding.weight.detach().numpy()
    np.testing.assert_array_equal(after[2], theirs[1])
    np.testing.assert_array_equal(after[4], theirs[0])
    np.testing.assert_array_equal(after[[0, 1, 3]], before[[0, 1, 3]])
    with pytest.raises(ValueError, match=r"vectors of shape \(3, 4\) do not fit an embedding "
                                         r"of size 8; pass --embed 4"):
        sentiment.load_vectors(path, itos, models.BiRNN(5, embed=8).embedding)


@pytest.fixture(scope="module")
def toy_sentiment(sentiment):
    """Prepared data of 480 generated sentences (the example's own pipeline)."""
    sentences, ratings = _sentences(480, np.random.default_rng(0))
    return sentiment.prepare(*sentiment.labelled(sentences, ratings))


@pytest.mark.parametrize("name", ["birnn", pytest.param("textcnn", marks=needs_jit)])
def test_sentiment_loss_falls_and_the_words_are_learned(sentiment, toy_sentiment, name):
    data, _ = toy_sentiment
    _, history = sentiment.run(name, data, epochs=4, seed=0, embed=16, lr=1e-2, quiet=True)
    losses = history.losses
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])
    assert history.last("test acc %") >= 85


def test_bag_of_words_baseline(sentiment, toy_sentiment):
    pytest.importorskip("sklearn")
    data, (train_text, test_text) = toy_sentiment
    assert sentiment.baseline(train_text, data[1], test_text, data[3]) >= 0.95


def test_sentiment_cli_on_a_source_distribution_of_the_real_layout(sentiment, tmp_path,
                                                                   capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    _fake_sdist(str(tmp_path), *_sentences(300, np.random.default_rng(2)))
    out = tmp_path / "curves.png"
    sentiment.main(["--data", str(tmp_path), "--models", "birnn", "--epochs", "1",
                    "--embed", "8", "--plot", str(out)])
    text = capsys.readouterr().out
    assert "bag-of-words logistic regression" in text and "birnn" in text
    assert out.stat().st_size > 1000


# ---------------------------------------------------------------- seq2seq: data

def test_dates_in_human_formats():
    import datetime
    d = datetime.date(2021, 3, 3)
    written = {f(d, "March", "Wednesday") for f in generate.DATE_FORMATS}
    assert {"3 March 2021", "March 3, 2021", "03/03/2021", "3.3.2021",
            "the 3rd of march 2021", "Wed, 3 Mar 21"} <= written
    rng = np.random.default_rng(0)
    for day in (0, 1000, generate.N_DAYS - 1):
        text, iso = generate.human_date(day, rng)
        d = generate.FIRST_DAY + datetime.timedelta(days=day)
        assert iso == d.isoformat() and f"{d.year % 100:02d}" in text
    assert [generate.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_numbers_in_words():
    words = lambda n: " ".join(generate.number_words(n))           # noqa: E731
    assert words(0) == "zero" and words(15) == "fifteen" and words(40) == "forty"
    assert words(342) == "three hundred and forty two"
    assert words(100010) == "one hundred thousand ten"
    assert words(999999) == ("nine hundred and ninety nine thousand nine hundred and "
                             "ninety nine")
    text, target = generate.human_number(4321, np.random.default_rng(0))
    assert text in {"4321", "4,321", "4 321"} and target == "four thousand three hundred " \
        "and twenty one"


@pytest.mark.parametrize("task", ["dates", "numbers"])
def test_held_out_items_never_occur_in_training(seq2seq, task):
    train, test = seq2seq.make_pairs(task, 3000, 200, seed=0)
    assert len(train) == 3000 and len(test) == 200
    assert not {t for _, t in test} & {t for _, t in train}


def test_vocab_and_tensors(seq2seq):
    pairs = [("3 mar", "one two"), ("12", "three")]
    src_vocab, tgt_vocab = seq2seq.Vocab([s for s, _ in pairs]), \
        seq2seq.Vocab([t for _, t in pairs], words=True)
    assert tgt_vocab.itos == ["<pad>", "<bos>", "<eos>", "one", "three", "two"]
    src, src_mask, tgt_in, tgt_out, tgt_mask = seq2seq.tensors(pairs, src_vocab, tgt_vocab)
    assert src.shape == src_mask.shape == (2, 5) and src_mask.sum() == 7
    np.testing.assert_array_equal(tgt_in, [[1, 3, 5], [1, 4, 0]])
    np.testing.assert_array_equal(tgt_out, [[3, 5, 2], [4, 2, 0]])
    np.testing.assert_array_equal(tgt_mask, [[1, 1, 1], [1, 1, 0]])
    assert tgt_vocab.decode([3, 5, 2, 4]) == "one two" and src_vocab.decode([0]) == "<pad>"


def test_bleu(seq2seq):
    bleu = seq2seq.bleu
    assert bleu(list("2021-03-03"), list("2021-03-03")) == 1.0
    assert bleu("a b c".split(), "a b c".split()) == 1.0
    assert bleu([], ["a"]) == 0.0
    # pred A B B C D against A B C D E F: p1 = 4/5, p2 = 3/4, p3 = 1/3, p4 = 0 -> 0 with k=4;
    # with k=3 and the brevity factor exp(1 - 6/5)
    pred, label = list("ABBCD"), list("ABCDEF")
    assert bleu(pred, label) == 0.0
    expected = np.exp(1 - 6 / 5) * (4 / 5) ** 0.5 * (3 / 4) ** 0.25 * (1 / 3) ** 0.125
    assert bleu(pred, label, k=3) == pytest.approx(expected)
    assert bleu(list("AAAA"), list("A"), k=1) == pytest.approx(1 / 4 ** 0.5)   # clipped


def test_masked_cross_entropy_ignores_padding(seq2seq):
    import nn.functional as F
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((2, 4, 6))
    targets = np.array([[3, 4, 2, 0], [5, 2, 0, 0]])
    mask = targets != 0
    loss = seq2seq.masked_cross_entropy(tensor(scores), targets, mask).item()
    real = F.cross_entropy(tensor(scores[mask]), targets[mask]).item()
    assert loss == pytest.approx(real)
    scores[~mask] = 100.0
    assert seq2seq.masked_cross_entropy(tensor(scores), targets, mask).item() == \
        pytest.approx(loss)


# ---------------------------------------------------------------- seq2seq: search

class ToyDecoder:
    """A 'model' whose next-token probabilities depend only on the previous token:
    after <bos>: a .5, b .4, <eos> .1; after a: <eos> .4, a .3, b .3; after b: <eos> .95,
    a .025, b .025. Greedy takes a then <eos> (sum log P = log .2, score log .2 / 2^0.75);
    beam search with k = 2 also keeps b, and b <eos> scores log .38 / 2^0.75, the best."""
    A, B = 3, 4
    TABLE = {1: {3: .5, 4: .4, 2: .1}, 3: {2: .4, 3: .3, 4: .3}, 4: {2: .95, 3: .025, 4: .025}}

    def eval(self):
        return self

    def begin(self, src, src_mask=None):
        return None

    def step(self, token, state):
        p = np.full((len(token), 5), 1e-12)
        for row, t in enumerate(token):
            for nxt, q in self.TABLE.get(int(t), {2: 1.0}).items():
                p[row, nxt] = q
        return tensor(np.log(p)), state

    @staticmethod
    def reorder(state, rows):
        return state


def test_beam_search_keeps_the_prefix_greedy_drops(seq2seq):
    src = np.zeros((1, 3), np.int64)
    toy = ToyDecoder()
    np.testing.assert_array_equal(seq2seq.greedy(toy, src, None, 5), [[3, 2]])
    assert seq2seq.beam_search(toy, src[0], None, 5, k=1) == [3, 2]
    assert seq2seq.beam_search(toy, src[0], None, 5, k=2) == [4, 2]
    assert seq2seq.beam_search(toy, src[0], None, 1, k=2) == [3]   # max_len cuts
    with pytest.raises(ValueError, match=r"beam_search: .* got k=0, max_len=5"):
        seq2seq.beam_search(toy, src[0], None, 5, k=0)


def _untrained(seq2seq, name):
    manual_seed(3)
    return seq2seq.MODELS[name][0](20, 9)


@pytest.mark.parametrize("name", ["gru", "transformer"])
def test_decoding_is_well_formed_and_beam_1_is_greedy(seq2seq, name):
    rng = np.random.default_rng(4)
    model = _untrained(seq2seq, name)
    src = rng.integers(3, 20, (6, 8))
    mask = np.arange(8) < rng.integers(3, 9, 6)[:, None]
    src[~mask] = 0
    max_len = 7
    tokens = seq2seq.greedy(model, src, mask, max_len)
    assert tokens.shape[0] == 6 and tokens.shape[1] <= max_len
    for i, row in enumerate(tokens):
        ends = np.flatnonzero(row == seq2seq.EOS)
        if len(ends):                                             # <eos>, then only padding
            assert (row[ends[0] + 1:] == seq2seq.PAD).all()
            greedy_row = list(row[:ends[0] + 1])
        else:
            assert len(row) == max_len
            greedy_row = list(row)
        assert seq2seq.beam_search(model, src[i], mask[i], max_len, k=1) == greedy_row
        beam = seq2seq.beam_search(model, src[i], mask[i], max_len, k=3)
        assert 0 < len(beam) <= max_len
        assert (beam[-1] == seq2seq.EOS) or len(beam) == max_len
        assert seq2seq.EOS not in beam[:-1]


@pytest.mark.parametrize("name", ["gru", pytest.param("transformer",
                                                     marks=needs_jit_transformer)])
def test_seq2seq_loss_falls(seq2seq, name):
    train, test = seq2seq.make_pairs("dates", 2000, 20, seed=0)
    _, _, _, history = seq2seq.run(name, train, test, steps=30, seed=0, batch_size=32,
                                   quiet=True)
    losses = history.losses
    assert np.mean(losses[-10:]) < 0.75 * np.mean(losses[:5])
    assert set(history.metrics) == {"exact %", "BLEU"}


def test_seq2seq_cli_table_heatmap_and_plot(seq2seq, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    heatmap, curves = tmp_path / "attention.png", tmp_path / "curves.png"
    rows = seq2seq.main(["--steps", "10", "--train", "300", "--test", "10", "--models", "gru",
                         "--beam", "2", "--attention", str(heatmap), "--plot", str(curves)])
    assert [(r[0], r[1]) for r in rows] == [("gru", "greedy"), ("gru", "beam 2")]
    assert "exact %" in capsys.readouterr().out
    assert heatmap.stat().st_size > 1000 and curves.stat().st_size > 1000


# ---------------------------------------------------------------- both: command lines

@pytest.mark.parametrize("name", ["sentiment", "seq2seq"])
def test_help_shows_the_docstrings_first_paragraph(name, capsys):
    pytest.importorskip("tqdm")
    module = __import__(f"examples.{name}", fromlist=["main"])
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0
    first = module.__doc__.strip().split("\n\n")[0]
    assert "".join(first.split()) in "".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("script", ["sentiment", "seq2seq"])
def test_runs_by_path(script):
    done = subprocess.run([sys.executable, os.path.join("examples", f"{script}.py"), "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--seed" in done.stdout and "--plot" in done.stdout
