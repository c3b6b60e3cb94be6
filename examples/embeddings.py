"""Word vectors on the language reference that ships with Python: word2vec (skip-gram and
CBOW, each with negative sampling or hierarchical softmax), fastText subword vectors and
GloVe, judged side by side by the ranks of related words and by analogies.

    python -m examples.embeddings                      # all six models, 5 epochs (GloVe 25)
    python -m examples.embeddings --models cbow-hs fasttext --epochs 2 --plot vectors.png
    python -m examples.embeddings --models glove --save glove.npz

Models: sg-ns, sg-hs, cbow-ns and cbow-hs are word2vec: the center word predicts each word of
its context (skip-gram), or the mean of the context vectors predicts the center word (CBOW),
scored with negative sampling (the target against --negatives noise words) or hierarchical
softmax (the binary decisions on the target's path in a Huffman tree of word counts).
fasttext is skip-gram with negative sampling whose center vector is the sum of the vectors
of the word and of its character 3- to 6-grams (of '<word>'), hashed into --buckets rows, so
that words never seen get vectors too. glove fits u_j . v_i + b_i + c_j to log x_ij, x the
co-occurrence counts weighted 1 / distance, weighted by h(x) = min(1, (x / x_max)^0.75),
with Adagrad. The word2vec models and fastText subsample frequent words (--sample) and train
with Adam; examples are redrawn every epoch. The scores are explained in
examples/embedding_eval.py.

--save FILE (one model) writes autograd.save({"itos": words, "vectors": Tensor (V, dim)}):
the vocabulary, most frequent first, and a float32 row per word (word2vec's input vectors,
fastText's summed subword vectors, GloVe's v + u). Read it with autograd.load(FILE) and
nn.Embedding.from_pretrained(saved["vectors"]); the row of a word is itos.index(word).
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import autograd
import nn
import nn.functional as F
import optim
from autograd import no_grad, tensor
from examples import embedding_data as data
from examples import embedding_eval
from examples._common import parse_args, parser, plot, python_text, seed_all, train
from examples.word2vec import subsample, tokenize

MODELS = ["sg-ns", "sg-hs", "cbow-ns", "cbow-hs", "fasttext", "glove"]
# Adam for word2vec; fastText's center vector sums ~20 rows that Adam each moves by about lr,
# so it takes a fifth (at 1e-2 its loss rose after the first 100 steps); Adagrad for GloVe
LR = {"sg-ns": 1e-2, "sg-hs": 1e-2, "cbow-ns": 1e-2, "cbow-hs": 1e-2, "fasttext": 2e-3,
      "glove": 0.05}


class Word2Vec(nn.Module):
    """Bags of input rows (summed, per-row weighted: nn.EmbeddingBag) scored against output
    rows by dot products. Initialised as the original word2vec: inputs U(+-0.5 / dim),
    outputs zero."""

    def __init__(self, in_rows, out_rows, dim):
        super().__init__()
        self.inputs = nn.EmbeddingBag(in_rows, dim, mode="sum")
        self.outputs = nn.Embedding(out_rows, dim)
        nn.init.uniform_(self.inputs.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.outputs.weight)

    def forward(self, rows, offsets, weights, outputs):      # bags of rows; (N, L) int
        v = self.inputs(rows, offsets, weights).unsqueeze(1)  # (N, 1, dim)
        u = self.outputs(outputs)                             # (N, L, dim)
        return (v @ u.transpose(1, 2)).squeeze(1)             # (N, L)

    def vectors(self, table):
        """(V, dim) array: every word's bag of rows in `table` (embedding_data.subword_table)
        summed, without a tape."""
        starts, rows = table
        with no_grad():
            return self.inputs(tensor(rows), tensor(starts[:-1])).numpy()


def binary_losses(scores, labels, mask):
    """Mean over examples of the summed binary cross-entropies of each example's unmasked
    outputs: -log P(target | input) for hierarchical softmax, the negative-sampling loss
    -log sigmoid(u_t . v) - sum_noise log sigmoid(-u_n . v) otherwise."""
    per_output = F.binary_cross_entropy_with_logits(scores, tensor(labels), tensor(mask),
                                                    reduction="none")
    return per_output.sum(1).mean()


class GloVe(nn.Module):
    """Word vectors v, context vectors u and their biases b, c; the prediction for a pair is
    v_i . u_j + b_i + c_j. Initialised as the GloVe code: U(+-0.5 / dim), biases too."""

    def __init__(self, vocab_size, dim):
        super().__init__()
        self.v, self.u = nn.Embedding(vocab_size, dim), nn.Embedding(vocab_size, dim)
        self.b, self.c = nn.Embedding(vocab_size, 1), nn.Embedding(vocab_size, 1)
        for table in (self.v, self.u, self.b, self.c):
            nn.init.uniform_(table.weight, -0.5 / dim, 0.5 / dim)

    def forward(self, i, j):                                  # (N,) int each
        dots = (self.v(i) * self.u(j)).sum(1)                 # (N,)
        return dots + self.b(i).squeeze(1) + self.c(j).squeeze(1)

    def vectors(self):
        """(V, dim) array v + u, the sum the GloVe paper reports."""
        return (self.v.weight.detach() + self.u.weight.detach()).numpy()


def glove_loss(predicted, x, x_max):
    """Mean over pairs of h(x) (predicted - log x)^2, h(x) = min(1, (x / x_max)^0.75)."""
    h = np.minimum(1.0, (x / x_max) ** 0.75).astype(np.float32)
    return (tensor(h) * (predicted - tensor(np.log(x).astype(np.float32))) ** 2).mean()


class Epochs:
    """Shuffled batches of the examples of one epoch (a tuple of equal-length arrays, from
    draw()), drawn anew at the start of each epoch; per_epoch is set by the first draw, and a
    batch running past the end of a smaller later draw wraps around to its start."""

    def __init__(self, draw, batch_size, rng):
        self.draw, self.batch_size, self.rng = draw, batch_size, rng
        self.examples = draw()
        self.per_epoch = max(1, len(self.examples[0]) // batch_size)
        self.losses = []

    def batch(self, step):
        """The arrays of `step`'s batch."""
        if step % self.per_epoch == 0:
            if step:
                self.examples = self.draw()
            self.order, self.losses = self.rng.permutation(len(self.examples[0])), []
        at = step % self.per_epoch * self.batch_size + np.arange(self.batch_size)
        rows = self.order[at % len(self.order)]      # a later draw may be a little smaller
        return [a[rows] for a in self.examples]


def word2vec_examples(name, ids, counts, tree, rng, window=5, negatives=5, sample=1e-3):
    """One epoch of (input words (N, W), their mask, outputs, labels, output mask) for the
    word2vec-style model `name` (skip-gram: one example per (center, context word) pair;
    CBOW: one per center word with a nonempty window)."""
    kept = subsample(ids, counts, rng, sample)
    ctx, mask = data.windows(kept, window, rng)
    if name.startswith("cbow"):
        has = mask.any(1)
        words, in_mask, targets = ctx[has], mask[has], kept[has]
    else:
        center, at = np.nonzero(mask)
        words, targets = kept[center][:, None], ctx[center, at]
        in_mask = np.ones(words.shape, bool)
    out = (data.path_targets(targets, tree) if name.endswith("hs")
           else data.negative_targets(targets, negatives, counts, rng))
    return (words, in_mask) + out


def fit(name, ids, words, counts, epochs=5, seed=0, dim=100, window=5, negatives=5,
        sample=1e-3, buckets=2 ** 14, x_max=10.0, batch_size=256, lr=None, quiet=False):
    """Train model `name` (one of MODELS) on the token ids; return (vectors (V, dim), model,
    History with the mean loss of every epoch). The learning rate is LR[name] unless `lr` is
    given."""
    if name not in MODELS:
        raise ValueError(f"fit: unknown model {name!r}; use one of {', '.join(MODELS)}")
    rng = seed_all(seed)
    if name == "glove":
        model = GloVe(len(words), dim)
        optimizer = optim.Adagrad(model.parameters(), lr=lr or LR[name])
        pairs = data.cooccurrence(ids, window, len(words))
        epoch = Epochs(lambda: pairs, batch_size, rng)

        def loss_of(i, j, x):
            return glove_loss(model(tensor(i), tensor(j)), x, x_max)
    else:
        buckets = buckets if name == "fasttext" else 0
        tree = data.huffman(counts)
        table = data.subword_table(words, buckets)
        in_rows = len(words) + buckets                        # words, then n-gram buckets
        out_rows = len(words) - 1 if name.endswith("hs") else len(words)   # nodes or words
        model = Word2Vec(in_rows, out_rows, dim)
        optimizer = optim.Adam(model.parameters(), lr=lr or LR[name])
        epoch = Epochs(lambda: word2vec_examples(name, ids, counts, tree, rng, window,
                                                 negatives, sample), batch_size, rng)

        def loss_of(in_words, in_mask, outputs, labels, out_mask):
            bag = data.bags(in_words, in_mask, table)
            scores = model(*map(tensor, bag), tensor(outputs))
            return binary_losses(scores, labels, out_mask)

    def loss_at(step):
        loss = loss_of(*epoch.batch(step))
        epoch.losses.append(loss.item())
        return loss

    history = train(model, optimizer, loss_at, epochs * epoch.per_epoch,
                    evaluate=lambda: {"epoch loss": float(np.mean(epoch.losses))},
                    eval_every=epoch.per_epoch, name=name, quiet=quiet)
    vectors = model.vectors() if name == "glove" else model.vectors(table)
    return vectors, model, history


def subword_vector(model, word, words, buckets):
    """fastText's vector of any `word`, seen or not: the sum of its subword rows (its own
    row only when it is in `words`)."""
    rows = data.subword_rows(word, buckets, len(words), {w: i for i, w in enumerate(words)})
    with no_grad():
        return model.inputs(tensor(np.array(rows)), tensor(np.array([0]))).numpy()[0]


def save_vectors(path, words, vectors):
    """Write the --save format (see the module docstring) to `path`."""
    autograd.save({"itos": list(words), "vectors": tensor(vectors.astype(np.float32))}, path)


def show_neighbours(vectors, words, queries):
    """Print the 5 nearest vocabulary words of each query: a word of `words`, or a dict of
    {word: vector} for words outside it (marked "unseen")."""
    for q in queries:
        if isinstance(queries, dict):
            best, sims = embedding_eval.nearest(vectors, queries[q])
            near, q = [(words[i], s) for i, s in zip(best, sims)], q + " (unseen)"
        else:
            near = embedding_eval.neighbours(vectors, words, q)
        print(f"{q:>22}: " + ", ".join(f"{w} {s:.2f}" for w, s in near))


def print_table(rows, vocab_size):
    """The scores of every (name, scores, History) of `rows`, one line each."""
    _, first, _ = rows[0]
    print(f"\n{'model':<9} {'median rank':>11} {'top-10 pairs':>12} {'analogies':>9} "
          f"{'seconds':>7}  ({first['pairs used']} pairs both ways, "
          f"{first['analogies used']} analogies, {vocab_size} words)")
    for name, s, h in rows:
        print(f"{name:<9} {s['median rank']:>11.1f} {s['top-10 pairs']:>12.2f} "
              f"{s['analogies']:>9.2f} {h.seconds:>7.1f}")


def main(argv=None):
    p = parser(__doc__, epochs=5)
    p.add_argument("--models", nargs="+", choices=MODELS, default=MODELS, metavar="MODEL",
                   help=f"which to train, of {', '.join(MODELS)} (default all)")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5, help="context words on each side")
    p.add_argument("--negatives", type=int, default=5, help="noise words per target")
    p.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold t")
    p.add_argument("--buckets", type=int, default=2 ** 14, help="fastText n-gram rows")
    p.add_argument("--x-max", type=float, default=10.0, help="GloVe's x_max")
    p.add_argument("--glove-epochs", type=int, default=25, help="GloVe's epochs: passes over "
                   "the nonzero counts, each about as fast as a skip-gram epoch (default 25)")
    p.add_argument("--words", nargs="+", default=["class", "exception", "string", "integer",
                                                  "true", "import"])
    p.add_argument("--unseen", nargs="+", default=["subclassing", "iterables", "reraise"],
                   help="words outside the vocabulary, never seen in training, for "
                   "fastText's neighbours")
    p.add_argument("--save", metavar="FILE", help="write the vectors of one model here")
    args = parse_args(p, argv)
    if args.save and len(args.models) != 1:
        p.error(f"--save writes one model's vectors; got --models {' '.join(args.models)}")
    ids, words, counts = tokenize(python_text("docs"))
    print(f"{len(ids)} tokens, {len(words)} words seen 5 times or more")
    rows = []
    for name in args.models:
        epochs = args.glove_epochs if name == "glove" else args.epochs
        vectors, model, h = fit(name, ids, words, counts, epochs, args.seed, args.dim,
                                args.window, args.negatives, args.sample, args.buckets,
                                args.x_max)
        print(f"\n{name}: {h.seconds:.1f} s, final epoch loss {h.last('epoch loss'):.3f}")
        show_neighbours(vectors, words, [w for w in args.words if w in words])
        if name == "fasttext":
            unseen = {w: subword_vector(model, w, words, args.buckets) for w in args.unseen
                      if w not in words}
            show_neighbours(vectors, words, unseen)
        rows.append((name, embedding_eval.scores(vectors, words), h))
        if args.save:
            save_vectors(args.save, words, vectors)
            print(f"saved {args.save}")
    print_table(rows, len(words))
    if args.plot:
        plot([h for _, _, h in rows], args.plot, "word vectors: loss per step and per epoch")
    return rows


if __name__ == "__main__":
    main()
