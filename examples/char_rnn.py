"""A character-level language model (RNN, GRU or LSTM) on text that ships with Python: random
or sequential minibatches, gradient clipping, perplexity per epoch beside the unigram
perplexity of the text, and text sampled from the trained model.

    python -m examples.char_rnn                               # GRU on Python's LICENSE
    python -m examples.char_rnn --cell lstm --sampling random --epochs 10 --plot lm.png

Sequential sampling reads the text as `batch` parallel streams and carries the hidden state
from one minibatch to the next (detached: truncated backpropagation through time); random
sampling draws independent windows, each from a zero state. The last 10% of the text is held
out for the validation perplexity.
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import no_grad, tensor
from examples._common import parse_args, parser, plot, python_text, seed_all, train

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class CharModel(nn.Module):
    """Embedding -> recurrent layers -> linear scores over the vocabulary, batch first."""

    def __init__(self, vocab_size, cell="gru", hidden=256, layers=1, embed=32):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = CELLS[cell](embed, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, x, state=None):                        # x (B, T) int
        h, state = self.rnn(self.embed(x), state)             # (B, T, hidden)
        return self.out(h), state                             # (B, T, vocab)


def detach(state):
    """The recurrent state cut from its graph (LSTM: a pair)."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def batches_per_epoch(n, batch_size, steps):
    """How many minibatches `batches` makes of n characters, whatever its start offset."""
    return (n - 2 * steps) // (batch_size * steps)


def batches(corpus, batch_size, steps, sequential, rng):
    """One epoch of (x, y) index arrays (batch_size, steps), y = x shifted by one, from a
    random start offset below `steps`."""
    count = batches_per_epoch(len(corpus), batch_size, steps)
    offset = rng.integers(steps)
    if sequential:                                           # consecutive windows of B streams
        width = (len(corpus) - offset - 1) // batch_size
        x = corpus[offset:offset + batch_size * width].reshape(batch_size, width)
        y = corpus[offset + 1:offset + 1 + batch_size * width].reshape(batch_size, width)
        return [(x[:, i * steps:(i + 1) * steps], y[:, i * steps:(i + 1) * steps])
                for i in range(count)]
    starts = rng.permutation(np.arange(offset, len(corpus) - steps - 1, steps))
    window = starts[:count * batch_size, None] + np.arange(steps)   # (count * B, T)
    return [(corpus[w], corpus[w + 1]) for w in np.split(window, count)]


def unigram_perplexity(corpus):
    """exp of the entropy of the character frequencies: what a model that ignores context
    can reach at best."""
    p = np.bincount(corpus) / len(corpus)
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def perplexity(model, corpus, steps=100):
    """exp(mean cross-entropy) of predicting each next character of `corpus`, reading it as
    one stream in windows of `steps`, carrying the state."""
    model.eval()
    total, state = 0.0, None
    with no_grad():
        for i in range(0, len(corpus) - 1, steps):
            x, y = corpus[i:i + steps][None], corpus[i + 1:i + 1 + steps]
            scores, state = model(tensor(x[:, :len(y)]), state)
            total += F.cross_entropy(scores[0], y, reduction="sum").item()
    return float(np.exp(total / (len(corpus) - 1)))


def sample(model, prefix, chars, n, rng, temperature=0.8):
    """`prefix` continued by `n` characters drawn from the model's softmax / temperature."""
    index = {c: i for i, c in enumerate(chars)}
    model.eval()
    out, state = list(prefix), None
    x = np.array([[index[c] for c in prefix]])
    with no_grad():
        for _ in range(n):
            scores, state = model(tensor(x), state)
            logits = scores.numpy()[0, -1].astype(np.float64) / temperature
            p = np.exp(logits - logits.max())
            nxt = rng.choice(len(chars), p=p / p.sum())
            out.append(chars[nxt])
            x = np.array([[nxt]])
    return "".join(out)


def run(text, cell="gru", epochs=20, seed=0, sequential=True, batch_size=32, steps=35,
        hidden=256, layers=1, lr=3e-3, clip=1.0, quiet=False):
    """Train a CharModel on `text`; return (model, chars, History) with the training and
    validation perplexity of every epoch and the unigram perplexity of the training text."""
    rng = seed_all(seed)
    chars = sorted(set(text))
    corpus = np.searchsorted(chars, list(text)).astype(np.int64)
    split = int(0.9 * len(corpus))
    train_ids, valid_ids = corpus[:split], corpus[split:]
    model = CharModel(len(chars), cell, hidden, layers)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    per_epoch = batches_per_epoch(len(train_ids), batch_size, steps)
    if per_epoch < 1:
        raise ValueError(f"{split} training characters are too few for batches of "
                         f"{batch_size} x {steps}")
    epoch = {"batches": [], "state": None, "losses": []}

    def loss_at(step):
        if step % per_epoch == 0:
            epoch.update(batches=batches(train_ids, batch_size, steps, sequential, rng),
                         state=None, losses=[])
        x, y = epoch["batches"][step % per_epoch]
        state = epoch["state"] if sequential else None
        scores, state = model(tensor(x), state)
        epoch["state"] = detach(state)
        loss = F.cross_entropy(scores.reshape(-1, len(chars)), y.reshape(-1))
        epoch["losses"].append(loss.item())
        return loss

    def evaluate():
        return {"train perplexity": float(np.exp(np.mean(epoch["losses"]))),
                "valid perplexity": perplexity(model, valid_ids)}

    history = train(model, optimizer, loss_at, epochs * per_epoch, evaluate=evaluate,
                    eval_every=per_epoch, clip=clip, name=cell, quiet=quiet)
    history.unigram = unigram_perplexity(train_ids)
    return model, chars, history


def main(argv=None):
    p = parser(__doc__, epochs=20)
    p.add_argument("--cell", choices=list(CELLS), default="gru")
    p.add_argument("--sampling", choices=["sequential", "random"], default="sequential")
    p.add_argument("--text", choices=["license", "docs"], default="license")
    p.add_argument("--chars", type=int, default=None, help="use only the first CHARS")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=1)
    args = parse_args(p, argv)
    text = python_text(args.text)[:args.chars]
    model, chars, h = run(text, args.cell, args.epochs, args.seed,
                          args.sampling == "sequential", hidden=args.hidden, layers=args.layers)
    print(f"\n{args.cell} on {len(text)} characters of Python's {args.text} "
          f"({len(chars)} distinct), {args.sampling} sampling, {args.epochs} epochs, "
          f"{h.seconds:.1f} s")
    for e, (tr, va) in enumerate(zip(h.metrics["train perplexity"],
                                     h.metrics["valid perplexity"]), 1):
        print(f"epoch {e:3d}: train perplexity {tr:6.2f}   valid perplexity {va:6.2f}")
    print(f"unigram perplexity of the text: {h.unigram:.2f}")
    rng = np.random.default_rng(args.seed)
    for prefix in ("The ", "Python "):
        print(f"\n--- sample ---\n{sample(model, prefix, chars, 200, rng)}")
    if args.plot:
        unigram = (h.unigram, "unigram")
        plot([h], args.plot, "character-level language model",
             {"train perplexity": unigram, "valid perplexity": unigram})
    return h


if __name__ == "__main__":
    main()
