"""Dropout, Dropout1d, Dropout2d and AlphaDropout: active in training mode, the identity in
eval mode. Masks come from nn.functional's generator (F.manual_seed)."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability p and scale the rest by 1 / (1 - p)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) with probability p."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) or (C, L) with probability p."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout that keeps SELU's zero mean and unit variance (see F.alpha_dropout)."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)

