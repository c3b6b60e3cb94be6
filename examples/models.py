"""The classic architectures as nn modules, sized to run on CPU.

The convolutional networks keep their published topology (kernel sizes, strides, depth,
block structure) and scale every channel count by `width` (1.0 is the paper's; the defaults
are smaller so a batch trains in seconds). LeNet-5 takes 28x28 images; the ImageNet-era
networks end in adaptive average pooling, so any input from their minimum size up works:
VGG-11, GoogLeNet, ResNet-18 and DenseNet 32x32, AlexNet 63x63, NiN 67x67 (96x96, as in the
d2l.ai book, is a good CPU size). Inputs are (N, in_channels, H, W); outputs are class scores
(N, num_classes). The sequence models (BiRNN, Seq2Seq) take integer token arrays (B, T).

    python -m examples.models              # parameter counts, output shapes, one step's time
"""
import os
import sys
import time

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import ops
from autograd import tensor
from autograd.random import default_generator
from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def _c(channels, width):
    """`channels` scaled by `width`, at least 1."""
    return max(1, round(channels * width))


def lenet5(in_channels=1, num_classes=10):
    """LeNet-5 (LeCun et al., 1998) for 28x28 inputs: sigmoid convolutions and average
    pooling, 6 and 16 feature maps, classifier 400 -> 120 -> 84."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2),    # 6 x 14 x 14
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2),                        # 16 x 5 x 5
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, num_classes))


def _classifier(n_in, hidden, num_classes, dropout):
    """AlexNet's and VGG's head: two ReLU layers of `hidden` units with dropout."""
    return [nn.Flatten(), nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes)]


def alexnet(in_channels=3, num_classes=10, width=0.25, dropout=0.5):
    """AlexNet (Krizhevsky et al., 2012): 11x11 stride-4, 5x5 and three 3x3 convolutions
    (96, 256, 384, 384, 256 channels x width), three 3x3 stride-2 max pools, then two
    4096 x width dropout layers."""
    c = [_c(n, width) for n in (96, 256, 384, 384, 256)]
    return nn.Sequential(
        nn.Conv2d(in_channels, c[0], 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c[0], c[1], 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c[1], c[2], 3, padding=1), nn.ReLU(),
        nn.Conv2d(c[2], c[3], 3, padding=1), nn.ReLU(),
        nn.Conv2d(c[3], c[4], 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(1), *_classifier(c[4], _c(4096, width), num_classes, dropout))


def vgg_layers(blocks, in_channels=3, width=1.0):
    """VGG's convolutional part as a list of layers: for each (convs, channels) of `blocks`,
    `convs` 3x3 same-size convolutions of channels x width, each followed by a ReLU, then a
    2x2 max pool. The positions are torchvision's `features`, so are the state-dict names."""
    layers, n_in = [], in_channels
    for convs, channels in blocks:
        for _ in range(convs):
            layers += [nn.Conv2d(n_in, _c(channels, width), 3, padding=1), nn.ReLU()]
            n_in = _c(channels, width)
        layers.append(nn.MaxPool2d(2))
    return layers


def vgg11(in_channels=3, num_classes=10, width=0.25, dropout=0.5):
    """VGG-11 (Simonyan and Zisserman, 2014): 8 3x3 convolutions in five blocks
    (1 x 64, 1 x 128, 2 x 256, 2 x 512, 2 x 512 channels x width), each block ending in a 2x2
    max pool, then two 4096 x width dropout layers."""
    blocks = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
    return nn.Sequential(*vgg_layers(blocks, in_channels, width), nn.AdaptiveAvgPool2d(1),
                         *_classifier(_c(512, width), _c(4096, width), num_classes, dropout))


def _nin_block(n_in, n_out, kernel, stride, padding):
    """A convolution followed by two 1x1 convolutions (the "MLP" of a network in network)."""
    return nn.Sequential(nn.Conv2d(n_in, n_out, kernel, stride, padding), nn.ReLU(),
                         nn.Conv2d(n_out, n_out, 1), nn.ReLU(),
                         nn.Conv2d(n_out, n_out, 1), nn.ReLU())


def nin(in_channels=3, num_classes=10, width=0.25, dropout=0.5):
    """Network in Network (Lin et al., 2013): four NiN blocks (96, 256, 384 x width channels,
    then one channel per class) and global average pooling instead of a dense head."""
    c = [_c(n, width) for n in (96, 256, 384)]
    return nn.Sequential(
        _nin_block(in_channels, c[0], 11, 4, 0), nn.MaxPool2d(3, 2),
        _nin_block(c[0], c[1], 5, 1, 2), nn.MaxPool2d(3, 2),
        _nin_block(c[1], c[2], 3, 1, 1), nn.MaxPool2d(3, 2), nn.Dropout(dropout),
        _nin_block(c[2], num_classes, 3, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


class Inception(nn.Module):
    """GoogLeNet's block: 1x1, 1x1-3x3, 1x1-5x5 and 3x3-maxpool-1x1 paths side by side, their
    outputs concatenated along the channels (c1 + c2[1] + c3[1] + c4 of them)."""

    def __init__(self, n_in, c1, c2, c3, c4):
        super().__init__()
        self.p1 = nn.Sequential(nn.Conv2d(n_in, c1, 1), nn.ReLU())
        self.p2 = nn.Sequential(nn.Conv2d(n_in, c2[0], 1), nn.ReLU(),
                                nn.Conv2d(c2[0], c2[1], 3, padding=1), nn.ReLU())
        self.p3 = nn.Sequential(nn.Conv2d(n_in, c3[0], 1), nn.ReLU(),
                                nn.Conv2d(c3[0], c3[1], 5, padding=2), nn.ReLU())
        self.p4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(n_in, c4, 1), nn.ReLU())
        self.out_channels = c1 + c2[1] + c3[1] + c4

    def forward(self, x):
        return ops.cat([self.p1(x), self.p2(x), self.p3(x), self.p4(x)], 1)


# GoogLeNet's nine Inception blocks (c1, c2, c3, c4) at full width, by stage
_INCEPTIONS = (((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64)),
               ((192, (96, 208), (16, 48), 64), (160, (112, 224), (24, 64), 64),
                (128, (128, 256), (24, 64), 64), (112, (144, 288), (32, 64), 64),
                (256, (160, 320), (32, 128), 128)),
               ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128)))


def googlenet(in_channels=3, num_classes=10, width=0.25):
    """GoogLeNet (Szegedy et al., 2014): a 7x7 stride-2 stem, 1x1 and 3x3 convolutions, then
    2 + 5 + 2 Inception blocks with 3x3 stride-2 max pools between stages, global average
    pooling and one linear layer (no auxiliary classifiers)."""
    w = lambda n: _c(n, width)                                   # noqa: E731
    layers = [nn.Conv2d(in_channels, w(64), 7, stride=2, padding=3), nn.ReLU(),
              nn.MaxPool2d(3, 2, 1),
              nn.Conv2d(w(64), w(64), 1), nn.ReLU(),
              nn.Conv2d(w(64), w(192), 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    n_in = w(192)
    for stage, blocks in enumerate(_INCEPTIONS):
        for c1, c2, c3, c4 in blocks:
            block = Inception(n_in, w(c1), (w(c2[0]), w(c2[1])), (w(c3[0]), w(c3[1])), w(c4))
            layers.append(block)
            n_in = block.out_channels
        if stage < 2:
            layers.append(nn.MaxPool2d(3, 2, 1))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(n_in, num_classes))


class Residual(nn.Module):
    """ResNet's basic block: two 3x3 conv-batchnorm layers and a shortcut, a 1x1 strided
    convolution with batchnorm where the shape changes: relu(F(x) + shortcut(x))."""

    def __init__(self, n_in, n_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(n_in, n_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(n_out)
        self.conv2 = nn.Conv2d(n_out, n_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(n_out)
        self.shortcut = (nn.Identity() if stride == 1 and n_in == n_out else
                         nn.Sequential(nn.Conv2d(n_in, n_out, 1, stride, bias=False),
                                       nn.BatchNorm2d(n_out)))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


def resnet18(in_channels=3, num_classes=10, width=0.25):
    """ResNet-18 (He et al., 2015): a 7x7 stride-2 stem with max pool, four stages of two
    basic blocks (64, 128, 256, 512 channels x width; stages 2-4 start with stride 2), global
    average pooling and one linear layer."""
    c = [_c(n, width) for n in (64, 128, 256, 512)]
    layers = [nn.Conv2d(in_channels, c[0], 7, 2, 3, bias=False), nn.BatchNorm2d(c[0]),
              nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    n_in = c[0]
    for stage, n_out in enumerate(c):
        layers += [Residual(n_in, n_out, 1 if stage == 0 else 2), Residual(n_out, n_out)]
        n_in = n_out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(n_in, num_classes))


def _bn_relu_conv(n_in, n_out, kernel):
    """DenseNet's pre-activation unit: batchnorm, relu, convolution (same size)."""
    return nn.Sequential(nn.BatchNorm2d(n_in), nn.ReLU(),
                         nn.Conv2d(n_in, n_out, kernel, padding=kernel // 2))


class DenseBlock(nn.Module):
    """`convs` pre-activation 3x3 units, each fed the concatenation of the block's input and
    every earlier unit's output; adds growth channels per unit."""

    def __init__(self, n_in, growth, convs):
        super().__init__()
        self.units = nn.ModuleList([_bn_relu_conv(n_in + i * growth, growth, 3)
                                    for i in range(convs)])
        self.out_channels = n_in + convs * growth

    def forward(self, x):
        for unit in self.units:
            x = ops.cat([x, unit(x)], 1)
        return x


def densenet(in_channels=3, num_classes=10, width=0.25, growth=32, blocks=(4, 4, 4, 4)):
    """DenseNet (Huang et al., 2017), as in the d2l.ai book: a ResNet stem (64 channels),
    dense blocks of `blocks` units (growth rate growth x width), transition layers (1x1
    convolution halving the channels, 2x2 average pool) between them, batchnorm, global
    average pooling and one linear layer."""
    n = _c(64, width)
    growth = _c(growth, width)
    layers = [nn.Conv2d(in_channels, n, 7, 2, 3), nn.BatchNorm2d(n), nn.ReLU(),
              nn.MaxPool2d(3, 2, 1)]
    for i, convs in enumerate(blocks):
        block = DenseBlock(n, growth, convs)
        layers.append(block)
        n = block.out_channels
        if i < len(blocks) - 1:
            layers += [_bn_relu_conv(n, n // 2, 1), nn.AvgPool2d(2)]
            n //= 2
    return nn.Sequential(*layers, nn.BatchNorm2d(n), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(n, num_classes))


class BiRNN(nn.Module):
    """A multi-layer bidirectional recurrent classifier of token sequences (B, T): embedding,
    `layers` bidirectional LSTM/GRU/RNN layers, and a linear layer over the outputs at the
    first and last steps (each direction's summary of the whole sequence); batches of
    different lengths run packed (forward's `lengths`)."""

    def __init__(self, vocab_size, num_classes=2, embed=32, hidden=64, layers=2, cell="lstm"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.encoder = rnn(embed, hidden, layers, batch_first=True, bidirectional=True)
        self.decoder = nn.Linear(4 * hidden, num_classes)

    def forward(self, tokens, lengths=None):                  # (B, T) int, (B,) int
        """Class scores (B, num_classes). With `lengths`, the padded batch runs packed, each
        sequence over its own steps, and its last state is read at step lengths - 1."""
        x = self.embedding(tokens)                            # (B, T, embed)
        if lengths is None:
            out, _ = self.encoder(x)                          # (B, T, 2 * hidden)
            return self.decoder(ops.cat([out[:, 0], out[:, -1]], 1))
        lengths = np.asarray(lengths)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.encoder(packed)[0], batch_first=True)
        last = out[np.arange(len(lengths)), lengths - 1]      # (B, 2 * hidden)
        return self.decoder(ops.cat([out[:, 0], last], 1))


def valid_windows(lengths, steps, width):
    """(B, steps - width + 1) bool: the convolution windows of `width` that start inside each
    sequence and end inside it, or, for a sequence shorter than `width`, the first window
    only (the sequence followed by padding, as a zero-padded convolution would see it)."""
    last_start = np.maximum(np.asarray(lengths) - width, 0)  # (B,)
    return np.arange(steps - width + 1) <= last_start[:, None]


class TextCNN(nn.Module):
    """textCNN (Kim, 2014) over token sequences (B, T): embedding, one 1-D convolution per
    kernel width with ReLU, max-over-time pooling of each channel over the windows that lie
    in the sequence (padding never wins the max), the pooled features concatenated, dropout
    and a linear layer. Token `pad` embeds as zeros. T must be at least max(kernel_sizes)."""

    def __init__(self, vocab_size, num_classes=2, embed=32, kernel_sizes=(3, 4, 5),
                 channels=(32, 32, 32), dropout=0.5, pad=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=pad)
        self.convs = nn.ModuleList([nn.Conv1d(embed, c, k)
                                    for c, k in zip(channels, kernel_sizes)])
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(sum(channels), num_classes)

    def forward(self, tokens, lengths=None):                  # (B, T) int, (B,) int
        batch, steps = tokens.shape
        if steps < max(c.kernel_size[0] for c in self.convs):
            raise ValueError(f"TextCNN: {steps} steps are fewer than the widest kernel "
                             f"{max(c.kernel_size[0] for c in self.convs)}; pad the batch")
        lengths = np.full(batch, steps) if lengths is None else np.asarray(lengths)
        x = self.embedding(tokens).transpose(1, 2)           # (B, embed, T)
        pooled = []
        for conv in self.convs:
            y = F.relu(conv(x))                               # (B, channels, T - k + 1)
            valid = valid_windows(lengths, steps, conv.kernel_size[0])[:, None, :]
            pooled.append(ops.amax(ops.where(valid, y, -np.inf), -1))   # (B, channels)
        return self.decoder(self.dropout(ops.cat(pooled, 1)))


class AdditiveAttention(nn.Module):
    """Bahdanau attention: score(q, k) = v . tanh(W_q q + W_k k), softmax over the valid
    keys, weighted sum of the values."""

    def __init__(self, query_size, key_size, hidden):
        super().__init__()
        self.w_q = nn.Linear(query_size, hidden, bias=False)
        self.w_k = nn.Linear(key_size, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, query, keys, values, mask=None):       # (B, q), (B, S, k), (B, S, v)
        features = ops.tanh(self.w_q(query).unsqueeze(1) + self.w_k(keys))   # (B, S, hidden)
        scores = self.v(features).squeeze(-1)                 # (B, S)
        if mask is not None:                                  # padding gets no weight
            scores = ops.where(mask, scores, -1e9)
        weights = F.softmax(scores, dim=-1)
        self.weights = weights.detach()                       # kept for inspection
        return (weights.unsqueeze(1) @ values).squeeze(1)     # (B, v)


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder with additive attention (Bahdanau et al., 2014), batch first.

    The encoder reads the source (B, S); at every target step the decoder attends over the
    encoder outputs with its top hidden state, feeds [embedded input, context] to its GRU
    and scores the next token. Training uses teacher forcing: the decoder's input at step t
    is the true token t-1 (`tgt_in` starts with <bos>), or, with probability
    1 - teacher_forcing, its own previous prediction."""

    def __init__(self, src_vocab, tgt_vocab, embed=32, hidden=64, layers=2):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, embed)
        self.encoder = nn.GRU(embed, hidden, layers, batch_first=True)
        self.tgt_embedding = nn.Embedding(tgt_vocab, embed)
        self.attention = AdditiveAttention(hidden, hidden, hidden)
        self.decoder = nn.GRU(embed + hidden, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, tgt_vocab)

    def encode(self, src):                                    # (B, S) int
        return self.encoder(self.src_embedding(src))         # (B, S, hidden), (L, B, hidden)

    def decode_step(self, token, state, memory, mask):
        """Scores (B, vocab) of the token after `token` (B,), and the new state."""
        context = self.attention(state[-1], memory, memory, mask)            # (B, hidden)
        x = ops.cat([self.tgt_embedding(token), context], 1).unsqueeze(1)    # (B, 1, e + h)
        out, state = self.decoder(x, state)
        return self.out(out.squeeze(1)), state

    def forward(self, src, tgt_in, src_mask=None, teacher_forcing=1.0, rng=None):
        """Scores (B, T, tgt_vocab) for targets tgt_in (B, T) (shifted right, <bos> first);
        src_mask (B, S) marks the real (non-padding) source tokens. The teacher-forcing
        coin is drawn from `rng`, else from autograd's default generator."""
        memory, state = self.encode(src)
        token, scores = tgt_in[:, 0], []
        for t in range(tgt_in.shape[1]):
            step_scores, state = self.decode_step(token, state, memory, src_mask)
            scores.append(step_scores.unsqueeze(1))
            if t + 1 < tgt_in.shape[1]:
                draw = (rng or default_generator()).random
                forced = teacher_forcing >= 1 or draw() < teacher_forcing
                token = tgt_in[:, t + 1] if forced else step_scores.argmax(-1)
        return ops.cat(scores, 1)

    def greedy_decode(self, src, bos, steps, src_mask=None):
        """The most likely next token, fed back, for `steps` steps: (B, steps) int."""
        memory, state = self.encode(src)
        token, out = np.full(len(src), bos), []
        for _ in range(steps):
            scores, state = self.decode_step(token, state, memory, src_mask)
            token = scores.argmax(-1).numpy()
            out.append(token)
        return np.stack(out, 1)

    # one decoding step at a time, as the searches of examples/seq2seq.py call it: a state is
    # (decoder hidden (L, n, hidden), encoder outputs (n, S, hidden), source mask (n, S))

    def begin(self, src, src_mask=None):
        """The decoding state of the sources (n, S) before the first target token."""
        memory, state = self.encode(src)
        return state, memory, src_mask

    def step(self, token, state):
        """Scores (n, vocab) of the token after `token` (n,), and the state after it."""
        hidden, memory, mask = state
        scores, hidden = self.decode_step(token, hidden, memory, mask)
        return scores, (hidden, memory, mask)

    @staticmethod
    def reorder(state, rows):
        """The state of the sequences `rows` (n',) (a beam's survivors)."""
        hidden, memory, mask = state
        return hidden[:, rows], memory[rows], None if mask is None else mask[rows]


def positional_encoding(steps, dim):
    """(steps, dim) fixed sinusoids (Vaswani et al., 2017): position p, column 2i holds
    sin(p / 10000^(2i / dim)) and column 2i + 1 cos of the same angle."""
    angle = np.arange(steps)[:, None] / 10000 ** (np.arange(0, dim, 2) / dim)  # (steps, dim/2)
    table = np.zeros((steps, dim), np.float32)
    table[:, 0::2], table[:, 1::2] = np.sin(angle), np.cos(angle[:, :dim // 2])
    return table


class TransformerSeq2Seq(nn.Module):
    """An encoder-decoder built on nn.Transformer, called as Seq2Seq (forward, begin, step,
    reorder): token embeddings (initialised N(0, 1 / d_model) as in Vaswani et al., so that,
    scaled by sqrt(d_model), they are as large as the positions) plus sinusoidal positions,
    padded source positions masked out of every attention, a causal mask on the target, and
    a linear layer over the target vocabulary. Its decoding state keeps the target prefix and reruns
    the decoder over it at every step (the sequences here are short)."""

    def __init__(self, src_vocab, tgt_vocab, d_model=64, nhead=4, layers=2, feedforward=128,
                 dropout=0.1, max_len=128):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, d_model)
        self.tgt_embedding = nn.Embedding(tgt_vocab, d_model)
        self.transformer = nn.Transformer(d_model, nhead, layers, layers, feedforward, dropout,
                                          batch_first=True)
        self.out = nn.Linear(d_model, tgt_vocab)
        self.positions = positional_encoding(max_len, d_model)
        for embedding in (self.src_embedding, self.tgt_embedding):
            nn.init.normal_(embedding.weight, std=d_model ** -0.5)

    def _embed(self, embedding, tokens):                     # (B, T) int -> (B, T, d_model)
        scale = np.sqrt(embedding.embedding_dim)
        return embedding(tokens) * scale + self.positions[:tokens.shape[1]]

    def encode(self, src, src_mask=None):
        """Encoder outputs (B, S, d_model); src_mask (B, S) marks the real tokens."""
        padding = None if src_mask is None else ~np.asarray(src_mask)
        return self.transformer.encoder(self._embed(self.src_embedding, src),
                                        src_key_padding_mask=padding)

    def decode(self, tgt_in, memory, src_mask=None):
        """Scores (B, T, tgt_vocab) of each next token given the prefix tgt_in (B, T)."""
        steps = tgt_in.shape[1]
        padding = None if src_mask is None else ~np.asarray(src_mask)
        causal = nn.Transformer.generate_square_subsequent_mask(steps)
        out = self.transformer.decoder(self._embed(self.tgt_embedding, tgt_in), memory,
                                       tgt_mask=causal, memory_key_padding_mask=padding)
        return self.out(out)

    def forward(self, src, tgt_in, src_mask=None):
        """Scores (B, T, tgt_vocab) for targets tgt_in (B, T) (shifted right, <bos> first):
        teacher forcing, all steps at once."""
        return self.decode(tgt_in, self.encode(src, src_mask), src_mask)

    def begin(self, src, src_mask=None):
        """The decoding state (prefix (n, 0), encoder outputs, source mask)."""
        return np.zeros((len(src), 0), np.int64), self.encode(src, src_mask), src_mask

    def step(self, token, state):
        """Scores (n, vocab) of the token after `token` (n,), and the longer prefix."""
        prefix, memory, mask = state
        prefix = np.concatenate([prefix, np.asarray(token)[:, None]], 1)   # (n, t + 1)
        return self.decode(prefix, memory, mask)[:, -1], (prefix, memory, mask)

    @staticmethod
    def reorder(state, rows):
        """The state of the sequences `rows` (n',)."""
        prefix, memory, mask = state
        return prefix[rows], memory[rows], None if mask is None else mask[rows]


IMAGE_MODELS = {"lenet5": (lenet5, 1, 28), "alexnet": (alexnet, 3, 96),
                "vgg11": (vgg11, 3, 96), "nin": (nin, 3, 96),
                "googlenet": (googlenet, 3, 96), "resnet18": (resnet18, 3, 96),
                "densenet": (densenet, 3, 96)}


def main(argv=None):
    from examples._common import parse_args, parser, seed_all
    p = parser("the classic architectures: parameters, output shape, one training step",
               plots=False)
    p.add_argument("--batch", type=int, default=8)
    args = parse_args(p, argv)
    rng = seed_all(args.seed)
    print(f"{'model':<10}{'input':>18}{'parameters':>12}{'output':>10}{'fwd+bwd ms':>12}")
    for name, (build, channels, size) in IMAGE_MODELS.items():
        model = build(channels, 10)
        x = rng.standard_normal((args.batch, channels, size, size)).astype(np.float32)
        y = rng.integers(0, 10, args.batch)
        for _ in range(2):                                    # the first call warms up
            start = time.perf_counter()
            out = model(tensor(x))
            F.cross_entropy(out, y).backward()
            ms = 1e3 * (time.perf_counter() - start)
        n = sum(p.numel() for p in model.parameters())
        print(f"{name:<10}{str(x.shape):>18}{n:>12,}{str(out.shape):>10}{ms:>12.1f}")


if __name__ == "__main__":
    main()
