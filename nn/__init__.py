"""Neural-network layers in PyTorch's shape: Module, Parameter, containers, layers, recurrent
networks, init, utilities, and safe save/load of state dicts. `import nn.functional as F`."""
from .parameter import Parameter
from .module import Module, RemovableHandle
from .containers import (Identity, Sequential, ModuleList, ModuleDict, ParameterList,
                         ParameterDict)
from .linear import Linear, NonDynamicallyQuantizableLinear, Bilinear, Flatten, Unflatten
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d)
from .activation import (ReLU, ReLU6, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, Sigmoid, Tanh,
                         Hardtanh, Softplus, Hardsigmoid, Hardswish, Mish, LogSigmoid, Softsign,
                         Tanhshrink, Threshold, GLU, Softmax, Softmin, LogSoftmax)
from .loss import (CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss,
                   SmoothL1Loss, HuberLoss, KLDivLoss, CosineSimilarity, PairwiseDistance,
                   MarginRankingLoss, CosineEmbeddingLoss, HingeEmbeddingLoss, TripletMarginLoss,
                   SoftMarginLoss, MultiLabelSoftMarginLoss, GaussianNLLLoss, PoissonNLLLoss)
from .normalization import (BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d, LayerNorm,
                            GroupNorm, SyncBatchNorm, RMSNorm)
from .dropout import Dropout, Dropout1d, Dropout2d, AlphaDropout
from .upsampling import (Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle,
                         PixelUnshuffle)
from .padding import (ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d,
                      ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, CircularPad1d,
                      CircularPad2d)
from .sparse import Embedding, EmbeddingBag
from .rnn import RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell
from .attention import MultiheadAttention
from .transformer import (TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder,
                          TransformerDecoder, Transformer)
from .serialization import save, load
from autograd.random import manual_seed
from . import functional, init, parallel, utils
