"""examples/embeddings.py: the Huffman tree, hierarchical softmax as a distribution, fastText's
subword vectors (also for unseen words), the batching of bags, GloVe's counts and loss, the
neighbour and analogy functions on a hand-built embedding, losses falling for every model,
and the --save format. Training runs skip cleanly without tqdm (the `examples` extra)."""
import itertools
import sys

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import manual_seed, tensor
from examples import embedding_data as data
from examples import embedding_eval
from examples import embeddings
from examples import embeddings_torch
from test_examples import one_blas_thread  # noqa: F401 (an autouse fixture: one BLAS thread)

COUNTS = np.array([50, 30, 30, 12, 9, 9, 5, 3, 2, 1, 1])


def _codes(tree):
    points, codes, lengths = tree
    return ["".join(map(str, codes[w, :lengths[w]])) for w in range(len(lengths))]


def test_huffman_codes_are_prefix_free_and_frequent_words_shorter():
    tree = data.huffman(COUNTS)
    points, _, lengths = tree
    codes = _codes(tree)
    for a, b in itertools.permutations(codes, 2):
        assert not b.startswith(a)
    assert sum(2.0 ** -len(c) for c in codes) == pytest.approx(1)    # a full binary tree
    for a, b in itertools.combinations(range(len(COUNTS)), 2):
        if COUNTS[a] > COUNTS[b]:
            assert lengths[a] <= lengths[b]
    assert (points[:, 0] == len(COUNTS) - 2).all()                    # every path: the root
    for w in range(len(COUNTS)):                                     # distinct inner nodes
        assert len(set(points[w, :lengths[w]])) == lengths[w]
    # the expected code length is the optimum's: Huffman merges the two rarest each time
    cost, heap = 0, sorted(COUNTS.tolist())
    while len(heap) > 1:
        a, b = heap.pop(0), heap.pop(0)
        cost += a + b
        heap = sorted(heap + [a + b])
    assert (COUNTS * lengths).sum() == cost


def test_huffman_needs_two_words():
    with pytest.raises(ValueError, match="huffman: needs at least 2 words, got 1"):
        data.huffman(np.array([4]))


def test_hierarchical_softmax_is_a_distribution_over_the_vocabulary():
    """exp(-loss) over every target, from the model and loss that train, sums to 1 for any
    input bag (here the mean of two context words)."""
    manual_seed(0)
    v = len(COUNTS)
    tree = data.huffman(COUNTS)
    model = embeddings.Word2Vec(v, v - 1, 6)
    nn.init.normal_(model.outputs.weight)
    nn.init.normal_(model.inputs.weight)
    outputs, labels, mask = data.path_targets(np.arange(v), tree)
    bag = data.bags(np.array([[3, 7]]), np.ones((1, 2), bool), data.subword_table(range(v), 0))
    probs = []
    for w in range(v):
        scores = model(*map(tensor, bag), tensor(outputs[w:w + 1]))
        probs.append(np.exp(-embeddings.binary_losses(scores, labels[w:w + 1],
                                                      mask[w:w + 1]).item()))
    assert sum(probs) == pytest.approx(1, rel=1e-5)
    assert min(probs) > 0


def test_negative_targets_put_the_target_first():
    rng = np.random.default_rng(0)
    outputs, labels, mask = data.negative_targets(np.array([4, 2]), 3, COUNTS, rng)
    assert outputs.shape == labels.shape == mask.shape == (2, 4)
    np.testing.assert_array_equal(outputs[:, 0], [4, 2])
    np.testing.assert_array_equal(labels, [[1, 0, 0, 0]] * 2)
    assert mask.all() and outputs.max() < len(COUNTS)


def test_ngrams_mark_the_word_and_run_from_3_to_6():
    assert data.ngrams("as") == ["<as", "as>", "<as>"]
    grams = data.ngrams("where")
    assert {"<wh", "her", "ere>", "<wher", "where>"} <= set(grams)
    assert all(3 <= len(g) <= 6 for g in grams) and "<where>" not in grams
    assert data.subword_hash("") == 2166136261 and data.subword_hash("a") == 0xe40c292c


def test_fasttext_vector_of_an_unseen_word_is_the_sum_of_its_ngram_vectors():
    manual_seed(0)
    words, buckets = ["class", "classes", "method"], 64
    model = embeddings.Word2Vec(len(words) + buckets, len(words), 5)
    weight = model.inputs.weight.detach().numpy()
    unseen = embeddings.subword_vector(model, "subclass", words, buckets)
    grams = [len(words) + data.subword_hash(g) % buckets for g in data.ngrams("subclass")]
    assert np.isfinite(unseen).all() and np.abs(unseen).sum() > 0
    np.testing.assert_allclose(unseen, weight[grams].sum(0), rtol=1e-5, atol=1e-7)
    seen = embeddings.subword_vector(model, "classes", words, buckets)     # own row too
    grams = [len(words) + data.subword_hash(g) % buckets for g in data.ngrams("classes")]
    np.testing.assert_allclose(seen, weight[1] + weight[grams].sum(0), rtol=1e-5, atol=1e-7)
    table = data.subword_table(words, buckets)
    np.testing.assert_allclose(model.vectors(table)[1], seen, rtol=1e-5, atol=1e-7)


def test_bags_average_the_words_of_an_example_over_their_summed_rows():
    table = (np.array([0, 2, 3, 6]), np.array([0, 5, 1, 2, 6, 6]))   # word 2: rows 2, 6, 6
    words = np.array([[2, 0, 1], [1, 9, 9]])
    mask = np.array([[True, True, False], [True, False, False]])
    rows, offsets, weights = data.bags(words, mask, table)
    np.testing.assert_array_equal(rows, [2, 6, 6, 0, 5, 1])
    np.testing.assert_array_equal(offsets, [0, 5])
    np.testing.assert_allclose(weights, [0.5] * 5 + [1])
    w = np.random.default_rng(0).standard_normal((7, 3))
    got = F.embedding_bag(tensor(rows), tensor(w), tensor(offsets), mode="sum",
                          per_sample_weights=tensor(weights)).numpy()
    np.testing.assert_allclose(got, [(w[2] + 2 * w[6] + w[0] + w[5]) / 2, w[1]])


def test_windows_stay_within_the_text_and_the_window():
    ids = np.arange(10) + 100
    ctx, mask = data.windows(ids, 3, np.random.default_rng(0))
    assert ctx.shape == mask.shape == (10, 6)
    assert not mask[0, :3].any() and not mask[9, 3:].any()          # nothing before / after
    assert mask[1:, 2].all() and mask[:-1, 3].all()                 # distance 1 always
    for i in range(10):
        near = set(ids[max(0, i - 3):i]) | set(ids[i + 1:i + 4])
        assert set(ctx[i][mask[i]]) <= near and ids[i] not in ctx[i][mask[i]]


def test_cooccurrence_weights_pairs_by_one_over_distance():
    i, j, x = data.cooccurrence(np.array([0, 1, 2, 0]), 2, 3)
    got = dict(zip(zip(i.tolist(), j.tolist()), x.tolist()))
    # distance 1: 0-1, 1-2, 2-0; distance 2: 0-2 and 1-0, each counted both ways
    assert got == pytest.approx({(0, 1): 1.5, (1, 0): 1.5, (1, 2): 1, (2, 1): 1,
                                 (0, 2): 1.5, (2, 0): 1.5})


def test_glove_loss_caps_the_weight_at_x_max():
    x = np.array([1.0, 10.0, 40.0])
    predicted = tensor(np.array([0.0, 1.0, 2.0], np.float32))
    h = np.array([0.1 ** 0.75, 1, 1])
    expected = np.mean(h * (np.array([0, 1, 2]) - np.log(x)) ** 2)
    assert embeddings.glove_loss(predicted, x, 10.0).item() == pytest.approx(expected, 1e-5)


# a : b :: c : d holds exactly for b - a + c; "e" is far from everything
ITOS = ["a", "b", "c", "d", "e"]
VECTORS = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [-1, -1, -0.1]], np.float64)


def test_neighbours_and_analogies_on_a_constructed_embedding():
    near = embedding_eval.neighbours(VECTORS, ITOS, "b", k=4)
    assert [w for w, _ in near] == ["a", "d", "c", "e"]
    assert near[0][1] == pytest.approx(1 / np.sqrt(2))
    assert embedding_eval.analogy(VECTORS, ITOS, "a", "b", "c") == ["d"]
    assert embedding_eval.analogy(VECTORS, ITOS, "c", "d", "a", k=2) == ["b", "e"]
    ranks = embedding_eval.pair_ranks(VECTORS, ITOS, [("a", "b"), ("a", "e"), ("a", "zz")])
    np.testing.assert_array_equal(ranks, [1, 1, 4, 3])      # e is last for a, a third for e
    s = embedding_eval.scores(VECTORS, ITOS, [("a", "b"), ("c", "d")],
                              [("a", "b", "c", "d"), ("a", "c", "b", "e"), ("a", "b", "c", "q")])
    assert s == {"median rank": 1.0, "top-10 pairs": 1.0, "pairs used": 2,
                 "analogies": 0.5, "analogies used": 2}


def test_an_unknown_word_is_named():
    with pytest.raises(KeyError, match="neighbours: 'zz' is not in the vocabulary of 5 words"):
        embedding_eval.neighbours(VECTORS, ITOS, "zz")
    with pytest.raises(KeyError, match="analogy: 'q' is not in the vocabulary"):
        embedding_eval.analogy(VECTORS, ITOS, "a", "q", "c")


@pytest.fixture(scope="module")
def corpus():
    """The first 6,000 tokens of the language reference, words seen 5 times or more."""
    pytest.importorskip("tqdm")
    from examples._common import python_text
    from examples.word2vec import tokenize
    words = python_text("docs").split(" ")
    return tokenize(" ".join(words[:6000]))


@pytest.mark.parametrize("name", embeddings.MODELS)
def test_losses_fall_for_each_model(corpus, name):
    ids, words, counts = corpus
    vectors, _, h = embeddings.fit(name, ids, words, counts, epochs=3, dim=16, buckets=512,
                                   quiet=True)
    losses = h.metrics["epoch loss"]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert vectors.shape == (len(words), 16) and np.isfinite(vectors).all()


def test_save_writes_words_and_vectors_that_an_embedding_loads(tmp_path, capsys):
    pytest.importorskip("tqdm")
    path = str(tmp_path / "vectors.npz")
    rows = embeddings.main(["--models", "glove", "--glove-epochs", "1", "--dim", "8",
                            "--save", path, "--words", "class", "nosuchword"])
    out = capsys.readouterr().out
    assert "saved" in out and "median rank" in out and "nosuchword" not in out
    (name, scores, _), = rows
    assert name == "glove" and scores["pairs used"] == len(embedding_eval.PAIRS)
    saved = autograd.load(path)
    assert set(saved) == {"itos", "vectors"} and saved["itos"][:2] == ["the", "a"]
    assert isinstance(saved["vectors"], autograd.Tensor)
    assert saved["vectors"].shape == (len(saved["itos"]), 8)
    assert saved["vectors"].dtype == autograd.float32
    embedding = nn.Embedding.from_pretrained(saved["vectors"])
    row = embedding(tensor(np.array([saved["itos"].index("class")]))).numpy()[0]
    assert np.isfinite(row).all()


def test_an_unknown_model_is_named():
    with pytest.raises(ValueError, match="fit: unknown model 'sg'; use one of sg-ns, sg-hs"):
        embeddings.fit("sg", np.zeros(3, np.int64), ["a", "b"], np.array([2, 1]))


def test_save_takes_one_model(capsys):
    with pytest.raises(SystemExit):
        embeddings.main(["--models", "sg-ns", "glove", "--save", "x.npz"])
    assert "--save writes one model's vectors" in capsys.readouterr().err


@pytest.fixture
def torch_one_thread():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


def test_the_same_model_code_trains_under_torch(corpus, torch_one_thread):
    """embeddings_torch loads the example with torch behind its imports: its parameters are
    torch's, its loss falls, and tapegrad's own modules are left in place."""
    on_torch = embeddings_torch.torch_embeddings()
    assert on_torch.nn is torch_one_thread.nn and sys.modules["nn"] is embeddings.nn is nn
    ids, words, counts = corpus
    vectors, model, h = on_torch.fit("cbow-hs", ids, words, counts, epochs=2, dim=8, quiet=True)
    assert isinstance(model.outputs.weight, torch_one_thread.nn.Parameter)
    losses = h.metrics["epoch loss"]
    assert losses[1] < losses[0] and vectors.shape == (len(words), 8)


@pytest.mark.parametrize("module", [embeddings, embeddings_torch])
def test_help_shows_the_docstrings_first_paragraph(module, capsys):
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0
    first = module.__doc__.strip().split("\n\n")[0]
    assert "".join(first.split()) in "".join(capsys.readouterr().out.split())
