"""word2vec: skip-gram with negative sampling (Mikolov et al., 2013) on the language reference
that ships with Python (the help() topics), with subsampling of frequent words; prints the
nearest neighbours of a few words by cosine similarity.

    python -m examples.word2vec                   # 5 epochs
    python -m examples.word2vec --epochs 2 --words class return string --plot w2v.png

Each center word is paired with the words within a random window of up to `window` on each
side and with `negatives` noise words per context word drawn from the unigram distribution
raised to 3/4. Pairs are padded to a common length per batch; a 0/1 mask keeps the padding
out of the binary cross-entropy.
"""
import collections
import os
import re
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import tensor
from examples._common import parse_args, parser, plot, python_text, seed_all, train


def tokenize(text, min_count=5):
    """Lower-case words of `text` as an index array, keeping words seen `min_count` times or
    more; returns (ids, words, counts), the vocabulary sorted by falling count."""
    tokens = re.findall(r"[a-z]+", text.lower())
    counts = collections.Counter(tokens).most_common()
    words = [w for w, c in counts if c >= min_count]
    index = {w: i for i, w in enumerate(words)}
    ids = np.array([index[t] for t in tokens if t in index], np.int64)
    return ids, words, np.bincount(ids, minlength=len(words))


def subsample(ids, counts, rng, t=1e-4):
    """Drop each occurrence of word w with probability 1 - sqrt(t / f(w)), f its frequency."""
    keep = np.sqrt(t / (counts / counts.sum()))
    return ids[rng.random(len(ids)) < keep[ids]]


def skipgram_pairs(ids, window, negatives, counts, rng):
    """(centers (N,), contexts_negatives (N, L), mask (N, L), labels (N, L)) for every
    position of `ids`: its context words in a random window of 1..window, then `negatives`
    noise words per context word, padded with zeros (mask 0) to L = (1 + negatives) * 2 *
    window."""
    noise = counts ** 0.75
    noise /= noise.sum()
    sizes = rng.integers(1, window + 1, len(ids))
    rows = []
    for i, size in enumerate(sizes):
        ctx = np.concatenate([ids[max(0, i - size):i], ids[i + 1:i + 1 + size]])
        if len(ctx):
            rows.append((ids[i], ctx))
    drawn = rng.choice(len(counts), sum(len(c) for _, c in rows) * negatives, p=noise)
    width = (1 + negatives) * 2 * window
    centers = np.array([c for c, _ in rows], np.int64)
    ctx_neg = np.zeros((len(rows), width), np.int64)
    mask = np.zeros((len(rows), width), np.float32)
    labels = np.zeros((len(rows), width), np.float32)
    used = 0
    for r, (_, ctx) in enumerate(rows):
        k = len(ctx) * negatives
        ctx_neg[r, :len(ctx) + k] = np.concatenate([ctx, drawn[used:used + k]])
        mask[r, :len(ctx) + k] = 1
        labels[r, :len(ctx)] = 1
        used += k
    return centers, ctx_neg, mask, labels


class SkipGram(nn.Module):
    """Center and context embeddings; the score of a pair is the dot product of the two.
    Initialised as the original word2vec: centers U(+-0.5 / dim), contexts zero."""

    def __init__(self, vocab_size, dim=100):
        super().__init__()
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(self, centers, contexts):                    # (B,), (B, L) int
        v = self.center(centers).unsqueeze(1)                 # (B, 1, dim)
        u = self.context(contexts)                            # (B, L, dim)
        return (v @ u.transpose(1, 2)).squeeze(1)             # (B, L)


def masked_bce(scores, labels, mask):
    """Mean over rows of the binary cross-entropy averaged over each row's unmasked pairs."""
    per_pair = F.binary_cross_entropy_with_logits(scores, labels, mask, reduction="none")
    return (per_pair.sum(1) / mask.sum(1)).mean()


def neighbours(model, words, query, k=5):
    """The k words whose center embeddings are closest to `query`'s by cosine similarity."""
    w = model.center.weight.detach().numpy()
    w = w / np.linalg.norm(w, axis=1, keepdims=True).clip(1e-9)
    sims = w @ w[words.index(query)]
    best = np.argsort(-sims)[1:k + 1]
    return [(words[i], float(sims[i])) for i in best]


def run(text, epochs=5, seed=0, dim=100, window=5, negatives=5, batch_size=128, lr=1e-2,
        quiet=False):
    """Train a SkipGram on `text`; return (model, words, History) with the mean loss of
    every epoch. Pairs are redrawn (subsampling, windows, noise) every epoch."""
    rng = seed_all(seed)
    ids, words, counts = tokenize(text)
    model = SkipGram(len(words), dim)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    epoch = {"pairs": skipgram_pairs(subsample(ids, counts, rng), window, negatives, counts, rng)}
    per_epoch = len(epoch["pairs"][0]) // batch_size
    epoch["losses"] = []

    def loss_at(step):
        if step % per_epoch == 0 and step:
            kept = subsample(ids, counts, rng)
            epoch.update(pairs=skipgram_pairs(kept, window, negatives, counts, rng), losses=[])
        if step % per_epoch == 0:
            epoch["order"] = rng.permutation(len(epoch["pairs"][0]))
        rows = epoch["order"][step % per_epoch * batch_size:][:batch_size]
        centers, ctx, mask, labels = (a[rows] for a in epoch["pairs"])
        loss = masked_bce(model(tensor(centers), tensor(ctx)), labels, mask)
        epoch["losses"].append(loss.item())
        return loss

    history = train(model, optimizer, loss_at, epochs * per_epoch,
                    evaluate=lambda: {"epoch loss": float(np.mean(epoch["losses"]))},
                    eval_every=per_epoch, name="skip-gram", quiet=quiet)
    history.tokens = len(ids)
    return model, words, history


def main(argv=None):
    p = parser(__doc__, epochs=5)
    p.add_argument("--words", nargs="+", default=["class", "function", "exception", "string",
                                                  "true", "integer"])
    p.add_argument("--dim", type=int, default=100)
    args = parse_args(p, argv)
    model, words, h = run(python_text("docs"), args.epochs, args.seed, args.dim)
    print(f"\nskip-gram on {h.tokens} tokens ({len(words)} words seen 5 times or more), "
          f"{args.epochs} epochs, {h.seconds:.1f} s, final epoch loss "
          f"{h.last('epoch loss'):.3f}")
    for q in args.words:
        if q not in words:
            print(f"{q}: not in the vocabulary")
            continue
        near = ", ".join(f"{w} {s:.2f}" for w, s in neighbours(model, words, q))
        print(f"{q:>10}: {near}")
    if args.plot:
        plot([h], args.plot, "word2vec (skip-gram, negative sampling)")
    return h


if __name__ == "__main__":
    main()
