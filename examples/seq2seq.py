"""Sequence to sequence with attention: dates written in many human formats translated to ISO
dates by the course's GRU encoder-decoder with additive attention, decoded by greedy and beam
search, beside an nn.Transformer on the same data; exact match and BLEU on held-out dates.

    python -m examples.seq2seq                              # GRU + attention, then Transformer
    python -m examples.seq2seq --models gru --beam 4 --plot s2s.png --attention att.png

The generator (examples/seq2seq_data.py) draws a day between 1950-01-01 and 2049-12-31 and
writes it in one of 14 formats ("3 March 2021", "March 3, 2021", "Wed, 3 Mar 21",
"03/03/2021" (month first), "3.3.2021" (day first), "the 3rd of march 2021", ...), the
target being "2021-03-03".
Two-digit years 50-99 are 19xx and 00-49 20xx. The held-out days never occur in training.
Sources are characters, targets are characters followed by <eos>; the --task numbers
generator (integers 0-999999 as digits, with or without thousands separators, to English
words, word tokens) gives targets of different lengths, padded and masked out of the loss.

Training uses teacher forcing (the decoder reads the true previous token). Greedy search
feeds back the most likely token; beam search keeps the k most likely prefixes by their sum
of log-probabilities (a prefix that has ended with <eos> stays in the beam as it is) and
returns the candidate with the best (1 / L^alpha) * sum log P, L its length with <eos>,
alpha = 0.75. BLEU is the course's: exp(min(0, 1 - len_label / len_pred)) * prod_n
p_n^(1 / 2^n) for n-grams of 1 to 4 tokens, averaged over the held-out sequences.
"""
import collections
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn.functional as F
import optim
from autograd import no_grad, tensor
from examples._common import (needs, parse_args, parser, plot, save_figure, seed_all,
                              train)
from examples.models import Seq2Seq, TransformerSeq2Seq
from examples.seq2seq_data import TASKS, make_pairs

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ["<pad>", "<bos>", "<eos>"]
ALPHA = 0.75

class Vocab:
    """Tokens <-> indices: <pad>, <bos>, <eos>, then the sorted tokens seen in `texts`,
    characters or (words=True) space-separated words."""

    def __init__(self, texts, words=False):
        self.words = words
        self.itos = SPECIALS + sorted({t for text in texts for t in self.split(text)})
        self.index = {t: i for i, t in enumerate(self.itos)}

    def split(self, text):
        return text.split() if self.words else list(text)

    def encode(self, text):
        """Indices of the tokens of `text` (unknown ones raise KeyError)."""
        return [self.index[t] for t in self.split(text)]

    def decode(self, ids):
        """The text of `ids` up to (without) the first <eos>."""
        ids = list(ids)
        ids = ids[:ids.index(EOS)] if EOS in ids else ids
        return (" " if self.words else "").join(self.itos[i] for i in ids)


def pad(rows, width=None):
    """Lists of indices as a (B, width) int64 array padded with <pad>, and its 0/1 mask."""
    width = width or max(len(r) for r in rows)
    out = np.full((len(rows), width), PAD, np.int64)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out, out != PAD


def tensors(pairs, src_vocab, tgt_vocab):
    """(src (N, S), src_mask (N, S), tgt_in (N, T) starting with <bos>, tgt_out (N, T) ending
    with <eos>, tgt_mask (N, T)) for the pairs, padded to their longest."""
    src, src_mask = pad([src_vocab.encode(s) for s, _ in pairs])
    targets = [tgt_vocab.encode(t) for _, t in pairs]
    tgt_in, _ = pad([[BOS] + t for t in targets])
    tgt_out, tgt_mask = pad([t + [EOS] for t in targets])
    return src, src_mask, tgt_in, tgt_out, tgt_mask


def masked_cross_entropy(scores, targets, mask):
    """Mean cross-entropy over the real (mask 1) target tokens of scores (B, T, V): the
    padding after each <eos> adds nothing."""
    per_token = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1),
                                reduction="none")                        # (B * T,)
    mask = mask.reshape(-1).astype(np.float32)
    return (per_token * mask).sum() / mask.sum()


def log_probs(scores):
    """Log-softmax of step scores (n, V) as a float64 array."""
    return F.log_softmax(scores, dim=-1).numpy().astype(np.float64)


def greedy(model, src, src_mask, max_len, attention=False):
    """Greedy decoding of the sources (B, S): (tokens (B, <= max_len), each row ending with
    <eos> or reaching max_len, then <pad>), and with `attention` the Seq2Seq attention
    weights (B, steps, S) of every step."""
    model.eval()
    tokens, weights = [], []
    with no_grad():
        state = model.begin(src, src_mask)
        token = np.full(len(src), BOS)
        done = np.zeros(len(src), bool)
        while len(tokens) < max_len and not done.all():
            scores, state = model.step(token, state)
            token = np.where(done, PAD, scores.numpy().argmax(-1))
            tokens.append(token)
            if attention:
                weights.append(model.attention.weights.numpy())
            done |= token == EOS
    out = np.stack(tokens, 1)
    return (out, np.stack(weights, 1)) if attention else out


def beam_search(model, src, src_mask, max_len, k=4, alpha=ALPHA):
    """Beam search for one source (S,): the candidate, a list of tokens ending with <eos> or
    of max_len tokens, with the best (1 / L^alpha) * sum log P among the k beams at the end.
    A beam's prefixes are ranked by sum log P; an ended one stays in the beam unchanged."""
    if k < 1 or max_len < 1:
        raise ValueError(f"beam_search: beam size k and max_len must be at least 1, got "
                         f"k={k}, max_len={max_len}")
    model.eval()
    with no_grad():
        state = model.begin(src[None], None if src_mask is None else src_mask[None])
        beams, totals = [[]], np.zeros(1)                         # prefixes, sum log P
        for _ in range(max_len):
            ended = np.array([bool(b) and b[-1] == EOS for b in beams])
            if ended.all():
                break
            last = np.array([b[-1] if b else BOS for b in beams])
            scores, state = model.step(last, state)
            step = totals[:, None] + log_probs(scores)            # (beams, V)
            step[ended] = -np.inf                                 # an ended beam: no growth,
            step[ended, PAD] = totals[ended]                      # it competes as it is
            best = np.argsort(-step, axis=None, kind="stable")[:k]
            rows, cols = np.unravel_index(best, step.shape)
            finite = np.isfinite(step[rows, cols])                # fewer than k candidates
            rows, cols = rows[finite], cols[finite]
            beams = [beams[r] + ([] if ended[r] else [int(c)]) for r, c in zip(rows, cols)]
            totals = step[rows, cols]
            state = model.reorder(state, rows)
    lengths = np.array([len(b) for b in beams])
    return beams[int(np.argmax(totals / lengths ** alpha))]


def bleu(pred, label, k=4):
    """The course's BLEU of token lists: exp(min(0, 1 - len(label) / len(pred))) times
    prod over n = 1..k of p_n^(1/2^n), p_n the clipped n-gram precision of pred."""
    if not pred:
        return 0.0
    score = np.exp(min(0.0, 1 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        grams = collections.Counter(tuple(label[i:i + n]) for i in range(len(label) - n + 1))
        hits = 0
        for i in range(len(pred) - n + 1):
            gram = tuple(pred[i:i + n])
            if grams[gram] > 0:
                hits += 1
                grams[gram] -= 1
        score *= (hits / (len(pred) - n + 1)) ** (0.5 ** n)
    return float(score)


def evaluate(model, pairs, src_vocab, tgt_vocab, max_len, beam=None):
    """{"exact %", "BLEU"} of the model's translations of `pairs`: greedy search, or beam
    search of width `beam`."""
    src, src_mask = pad([src_vocab.encode(s) for s, _ in pairs])
    if beam is None:
        outputs = [tgt_vocab.decode(row) for row in greedy(model, src, src_mask, max_len)]
    else:
        outputs = [tgt_vocab.decode(beam_search(model, s, m, max_len, beam))
                   for s, m in zip(src, src_mask)]
    labels = [t for _, t in pairs]
    return {"exact %": 100 * float(np.mean([o == t for o, t in zip(outputs, labels)])),
            "BLEU": float(np.mean([bleu(tgt_vocab.split(o), tgt_vocab.split(t))
                                   for o, t in zip(outputs, labels)]))}


MODELS = {  # name: (builder from the two vocabulary sizes, Adam's learning rate)
    "gru": (lambda s, t: Seq2Seq(s, t, embed=32, hidden=64, layers=2), 3e-3),
    "transformer": (lambda s, t: TransformerSeq2Seq(s, t, d_model=64, nhead=4, layers=2,
                                                    feedforward=128, dropout=0.1), 1e-3),
}


def run(name, train_pairs, test_pairs, words=False, steps=1000, seed=0, batch_size=64,
        lr=None, quiet=False):
    """Train model `name` on the pairs (at `lr`, or the model's own rate); return (model,
    vocabularies, max_len, History) with the greedy exact match and BLEU on `test_pairs`
    every 250 steps."""
    rng = seed_all(seed)
    src_vocab = Vocab([s for s, _ in train_pairs])
    tgt_vocab = Vocab([t for _, t in train_pairs], words)
    data = tensors(train_pairs, src_vocab, tgt_vocab)
    max_len = data[3].shape[1] + 2                                # room for a longer guess
    build, default_lr = MODELS[name]
    model = build(len(src_vocab.itos), len(tgt_vocab.itos))
    optimizer = optim.Adam(model.parameters(), lr=lr or default_lr)

    def loss_at(step):
        rows = rng.integers(0, len(train_pairs), batch_size)
        src, src_mask, tgt_in, tgt_out, tgt_mask = (a[rows] for a in data)
        width = tgt_mask.sum(1).max()                             # this batch's longest
        scores = model(tensor(src), tensor(tgt_in[:, :width]), src_mask)
        return masked_cross_entropy(scores, tgt_out[:, :width], tgt_mask[:, :width])

    history = train(model, optimizer, loss_at, steps,
                    evaluate=lambda: evaluate(model, test_pairs, src_vocab, tgt_vocab, max_len),
                    eval_every=250, clip=1.0, name=name, quiet=quiet)
    return model, (src_vocab, tgt_vocab), max_len, history


def attention_heatmaps(model, pairs, vocabs, max_len, path):
    """Save a PNG of the attention weights (target step x source character) of the GRU
    model's greedy translations of `pairs`, one panel each."""
    needs("matplotlib").use("Agg")
    plt = needs("matplotlib.pyplot")
    src_vocab, tgt_vocab = vocabs
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.5 * len(pairs), 4), squeeze=False)
    for ax, (source, _) in zip(axes[0], pairs):
        src, mask = pad([src_vocab.encode(source)])
        tokens, weights = greedy(model, src, mask, max_len, attention=True)
        out = [tgt_vocab.itos[t] for t in tokens[0] if t != PAD]
        ax.imshow(weights[0, :len(out)], cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(source)), list(source), fontsize=7)
        ax.set_yticks(range(len(out)), out, fontsize=7)
        ax.set_xlabel("source")
        ax.set_ylabel("output")
    fig.suptitle("additive attention of the GRU decoder, greedy search")
    save_figure(fig, path)


def main(argv=None):
    p = parser(__doc__, steps=1000)
    p.add_argument("--task", choices=list(TASKS), default="dates")
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--train", type=int, default=20000, help="training pairs (default 20000)")
    p.add_argument("--test", type=int, default=500, help="held-out pairs (default 500)")
    p.add_argument("--beam", type=int, default=4, help="beam size (default 4)")
    p.add_argument("--attention", metavar="OUT.png",
                   help="save the GRU model's attention weights on 3 held-out sources here")
    args = parse_args(p, argv)
    train_pairs, test_pairs = make_pairs(args.task, args.train, args.test, args.seed)
    print(f"{args.task}: {len(train_pairs)} training pairs, {len(test_pairs)} held out, e.g.")
    for source, target in test_pairs[:3]:
        print(f"  {source!r} -> {target!r}")
    words = TASKS[args.task][2]
    rows, histories = [], []
    for name in args.models:
        model, vocabs, max_len, h = run(name, train_pairs, test_pairs, words, args.steps,
                                        args.seed)
        histories.append(h)
        for search, beam in (("greedy", None), (f"beam {args.beam}", args.beam)):
            scores = evaluate(model, test_pairs, *vocabs, max_len, beam)
            rows.append((name, search, scores["exact %"], scores["BLEU"], h.seconds))
        sample = [s for s, _ in test_pairs[:3]]
        src, mask = pad([vocabs[0].encode(s) for s in sample])
        for s, out in zip(sample, greedy(model, src, mask, max_len)):
            print(f"  {name}: {s!r} -> {vocabs[1].decode(out)!r}")
        if args.attention and name == "gru":
            attention_heatmaps(model, test_pairs[:3], vocabs, max_len, args.attention)
    print(f"\n{'model':<13}{'search':<9}{'exact %':>9}{'BLEU':>8}{'train s':>9}")
    for name, search, exact, score, seconds in rows:
        print(f"{name:<13}{search:<9}{exact:>9.1f}{score:>8.3f}{seconds:>9.0f}")
    if args.plot:
        plot(histories, args.plot, f"seq2seq on {args.task}")
    return rows


if __name__ == "__main__":
    main()
