"""Optimizers and learning-rate schedulers with PyTorch's update rules. They update parameter
arrays in place, bumping the parameters' version counters, and never record on the tape."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW, Adamax, NAdam, RAdam
from .adagrad import Adagrad, RMSprop, Adadelta
from .lbfgs import LBFGS
from . import lr_scheduler, swa_utils
