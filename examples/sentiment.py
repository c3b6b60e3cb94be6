"""Sentiment of movie-review sentences with the course's two text classifiers, a 2-layer
bidirectional LSTM and textCNN, beside a bag-of-words logistic regression; accuracy on a
held-out fifth of the sentences.

    python -m examples.sentiment                      # both models, 5 epochs each
    python -m examples.sentiment --models textcnn --vectors vectors.pt --plot sent.png

The data are the 10,605 Rotten Tomatoes snippets (sentences of the Pang & Lee 2004 reviews)
that Hutto & Gilbert (2014) had rated from -4 to +4 by at least 20 people each, shipped in
the source distribution of the vaderSentiment package on PyPI (MIT licence), in
additional_resources/hutto_ICWSM_2014.tar.gz. The wheel leaves that file out, so the first
run fetches the source distribution with pip (`--data` names the folder it is kept in) and
reads the sentences straight from it. A sentence is positive when its mean rating is above
0.5 and negative below -0.5; the 562 near-neutral ones in between are dropped.
Batches are padded to their longest sentence: the LSTM runs them packed, textCNN masks the
padding out of its max-over-time pooling. `--vectors` initialises the embedding from a file
written by autograd.save({"itos": words, "vectors": Tensor(V, d)}) (the word-vector example).
"""
import collections
import glob
import io
import os
import re
import subprocess
import sys
import tarfile

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import autograd
import nn.functional as F
import optim
from autograd import no_grad, tensor
from examples._common import needs, parse_args, parser, plot, seed_all, train
from examples.models import BiRNN, TextCNN

SDIST = "vaderSentiment==3.3.2"
INNER = "additional_resources/hutto_ICWSM_2014.tar.gz"
SNIPPETS = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"
PAD, UNK = 0, 1
WIDEST = 5                           # textCNN's widest kernel: batches are at least this long
DEFAULT_DATA = os.path.join(os.path.expanduser("~"), ".cache", "tapegrad")


def fetch(folder):
    """The path of the vaderSentiment source distribution in `folder`, downloaded there with
    pip first if it is not there yet."""
    found = sorted(glob.glob(os.path.join(folder, "vaderSentiment-*.tar.gz")))
    if not found:
        print(f"fetching the {SDIST} source distribution into {folder} with pip")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", SDIST, "-d", folder], check=True)
        found = sorted(glob.glob(os.path.join(folder, "vaderSentiment-*.tar.gz")))
    return found[-1]


def read_snippets(sdist):
    """(sentences, mean ratings) of the movie-review snippets inside the source distribution
    `sdist` (a .tar.gz path), read from the archive in the archive without unpacking."""
    with tarfile.open(sdist) as outer:
        inner_name = next((n for n in outer.getnames() if n.endswith(INNER)), None)
        if inner_name is None:
            raise FileNotFoundError(f"read_snippets: {sdist} holds no {INNER}; is it the "
                                    f"{SDIST} source distribution?")
        inner_bytes = outer.extractfile(inner_name).read()
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        text = inner.extractfile(SNIPPETS).read().decode("utf-8")
    rows = [line.split("\t", 2) for line in text.splitlines() if line.strip()]
    return [r[2] for r in rows], np.array([float(r[1]) for r in rows])


def labelled(sentences, ratings, margin=0.5):
    """(sentences, labels) keeping the sentences rated beyond +-margin: 1 positive, 0 not."""
    keep = np.abs(ratings) > margin
    return [s for s, k in zip(sentences, keep) if k], (ratings[keep] > 0).astype(np.int64)


def tokenize(sentence):
    """Lower-case words (with their apostrophes: "isn't") and the marks ! and ?."""
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?|[!?]", sentence.lower())


def split(n, test_fraction=0.2, seed=0):
    """(train rows, test rows): a fixed random split of n items, the same for every run."""
    order = np.random.default_rng(seed).permutation(n)
    cut = int(round(n * test_fraction))
    return order[cut:], order[:cut]


def vocabulary(token_lists, min_count=2):
    """["<pad>", "<unk>", words seen min_count times or more, by falling count]."""
    counts = collections.Counter(t for tokens in token_lists for t in tokens)
    return ["<pad>", "<unk>"] + [w for w, c in counts.most_common() if c >= min_count]


def encode(token_lists, itos):
    """Each token list as an int64 array of vocabulary indices (<unk> for unknown words)."""
    index = {w: i for i, w in enumerate(itos)}
    return [np.array([index.get(t, UNK) for t in tokens] or [UNK], np.int64)
            for tokens in token_lists]


def pad_batch(sequences, min_steps=1):
    """(tokens (B, T) padded with <pad>, lengths (B,)), T the longest length or min_steps."""
    lengths = np.array([len(s) for s in sequences], np.int64)
    tokens = np.full((len(sequences), max(lengths.max(), min_steps)), PAD, np.int64)
    for row, s in zip(tokens, sequences):
        row[:len(s)] = s
    return tokens, lengths


def load_vectors(path, itos, embedding):
    """Copy into `embedding`'s rows the vectors of the words of `itos` found in the file
    `path` (autograd.save of {"itos", "vectors"}); return how many were found."""
    saved = autograd.load(path)
    vectors = saved["vectors"]
    vectors = vectors.numpy() if isinstance(vectors, autograd.Tensor) else np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[1] != embedding.embedding_dim:
        raise ValueError(f"{path}: vectors of shape {vectors.shape} do not fit an embedding "
                         f"of size {embedding.embedding_dim}; pass --embed {vectors.shape[-1]}")
    index = {w: i for i, w in enumerate(saved["itos"])}
    mine = [(i, index[w]) for i, w in enumerate(itos) if w in index and i != PAD]
    if mine:
        rows, theirs = map(np.array, zip(*mine))
        with no_grad():                 # an in-place copy into the parameter
            embedding.weight[rows] = vectors[theirs]
    return len(mine)


MODELS = {  # name: (builder from vocabulary and embedding sizes, Adam's learning rate)
    "birnn": (lambda vocab, embed: BiRNN(vocab, 2, embed, hidden=64, layers=2), 1e-3),
    "textcnn": (lambda vocab, embed: TextCNN(vocab, 2, embed, kernel_sizes=(3, 4, WIDEST),
                                             channels=(64, 64, 64), dropout=0.5, pad=PAD),
                3e-3),
}


def predict(model, sequences, batch_size=256):
    """Argmax class of each sequence, in eval mode without a tape."""
    model.eval()
    out = []
    with no_grad():
        for i in range(0, len(sequences), batch_size):
            tokens, lengths = pad_batch(sequences[i:i + batch_size], min_steps=WIDEST)
            out.append(model(tensor(tokens), lengths).numpy().argmax(-1))
    return np.concatenate(out)


def run(name, data, epochs=5, seed=0, embed=100, batch_size=64, lr=None, vectors=None,
        quiet=False):
    """Train model `name` on data = (train sequences, train labels, test sequences, test
    labels, itos) at `lr` (or the model's own rate); return (model, History) with the test
    accuracy of every epoch."""
    x, y, x_test, y_test, itos = data
    rng = seed_all(seed)
    build, default_lr = MODELS[name]
    model = build(len(itos), embed)
    found = None if vectors is None else load_vectors(vectors, itos, model.embedding)
    optimizer = optim.Adam(model.parameters(), lr=lr or default_lr)
    per_epoch = len(x) // batch_size
    epoch = {}

    def loss_at(step):
        if step % per_epoch == 0:
            epoch["order"] = rng.permutation(len(x))
        rows = epoch["order"][step % per_epoch * batch_size:][:batch_size]
        tokens, lengths = pad_batch([x[r] for r in rows], min_steps=WIDEST)
        return F.cross_entropy(model(tensor(tokens), lengths), y[rows])

    def evaluate():
        return {"test acc %": 100 * float(np.mean(predict(model, x_test) == y_test))}

    history = train(model, optimizer, loss_at, epochs * per_epoch, evaluate=evaluate,
                    eval_every=per_epoch, clip=5.0, name=name, quiet=quiet)
    history.vectors_found = found
    return model, history


def baseline(train_text, y, test_text, y_test):
    """Test accuracy of a bag-of-words (binary counts, same tokens) logistic regression."""
    text = needs("sklearn.feature_extraction.text")
    linear = needs("sklearn.linear_model")
    vectorizer = text.CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                      binary=True)
    classifier = linear.LogisticRegression(C=1.0, max_iter=2000)
    classifier.fit(vectorizer.fit_transform(train_text), y)
    return float(np.mean(classifier.predict(vectorizer.transform(test_text)) == y_test))


def prepare(sentences, labels):
    """The split and encoded data for `run`, and the raw train/test sentences for the
    baseline: ((x, y, x_test, y_test, itos), (train sentences, test sentences))."""
    tokens = [tokenize(s) for s in sentences]
    train_rows, test_rows = split(len(sentences))
    itos = vocabulary([tokens[i] for i in train_rows])
    encoded = encode(tokens, itos)
    data = ([encoded[i] for i in train_rows], labels[train_rows],
            [encoded[i] for i in test_rows], labels[test_rows], itos)
    return data, ([sentences[i] for i in train_rows], [sentences[i] for i in test_rows])


def main(argv=None):
    p = parser(__doc__, epochs=5)
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--data", default=DEFAULT_DATA,
                   help=f"folder of the vaderSentiment source distribution (default "
                        f"{DEFAULT_DATA}; fetched with pip if absent)")
    p.add_argument("--vectors", metavar="FILE", help="initial word vectors (autograd.save "
                   "of {'itos': words, 'vectors': Tensor(V, d)})")
    p.add_argument("--embed", type=int, default=100, help="embedding size (default 100)")
    args = parse_args(p, argv)
    sentences, labels = labelled(*read_snippets(fetch(args.data)))
    data, (train_text, test_text) = prepare(sentences, labels)
    print(f"{len(sentences)} rated sentences ({labels.mean():.1%} positive): "
          f"{len(data[0])} for training, {len(data[2])} held out; {len(data[4])} words")
    rows = [("bag-of-words logistic regression",
             100 * baseline(train_text, data[1], test_text, data[3]), None)]
    histories = []
    for name in args.models:
        _, h = run(name, data, args.epochs, args.seed, args.embed, vectors=args.vectors)
        if h.vectors_found is not None:
            print(f"{name}: {h.vectors_found} of {len(data[4])} words from {args.vectors}")
        rows.append((name, h.last("test acc %"), h.seconds))
        histories.append(h)
    print(f"\n{'model':<34}{'test acc %':>11}{'train s':>9}")
    for name, acc, seconds in rows:
        print(f"{name:<34}{acc:>11.1f}{'' if seconds is None else f'{seconds:9.0f}'}")
    if args.plot:
        plot(histories, args.plot, "sentiment of movie-review sentences",
             {"test acc %": (rows[0][1], "bag-of-words")})
    return histories


if __name__ == "__main__":
    main()
