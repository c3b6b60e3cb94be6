"""Primitive ops and their compositions. Each function takes Tensors (recording on the tape
when an input requires grad) or plain arrays (plain NumPy, returning arrays)."""
from .elementwise import (add, sub, mul, div, neg, pow, remainder, floor_divide, exp, expm1, log,
                          log1p, sqrt, abs, sign, sin, cos, tanh, sigmoid, relu, leaky_relu,
                          softplus, logaddexp, maximum, minimum, clamp, clip, where, astype,
                          zeros_like)
from .reduce import (sum, mean, amax, amin, max, min, argmax, argmin, var, std, cumsum,
                     logsumexp, norm, MaxResult)
from .shape import (reshape, view, permute, transpose, swapaxes, broadcast_to, expand, squeeze,
                    unsqueeze, flatten, cat, concatenate, stack, split, chunk, pad, flip, tile,
                    repeat)
from .index import getitem, index_put_add, index_put, gather, scatter_add
from .sorting import sort, argsort, topk, median
from .linalg import matmul, dot, outer, einsum
from .triangular import cholesky, solve_triangular
from .activation import (erf, hardtanh, relu6, elu, selu, gelu, silu, prelu, softmax,
                         log_softmax, celu, hardshrink, softshrink, rrelu)
from .loss import (cross_entropy, nll_loss, binary_cross_entropy,
                   binary_cross_entropy_with_logits, mse_loss, l1_loss, smooth_l1_loss,
                   huber_loss, kl_div, cosine_similarity)
from .margin import (margin_ranking_loss, pairwise_distance, triplet_margin_loss,
                     cosine_embedding_loss, hinge_embedding_loss, soft_margin_loss,
                     multilabel_soft_margin_loss, gaussian_nll_loss, poisson_nll_loss, pdist,
                     triplet_margin_with_distance_loss, multi_margin_loss,
                     multilabel_margin_loss)
from .normalization import (batch_norm, layer_norm, group_norm, instance_norm, rms_norm,
                            local_response_norm)
from .sparse import linear, bilinear, embedding, one_hot
from .bags import embedding_bag
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .pool import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,
                   adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d, lp_pool1d,
                   lp_pool2d, max_unpool1d, max_unpool2d, max_unpool3d)
from .patches import fold
from .ctc import ctc_loss
from .volumetric import (conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_max_pool3d,
                         adaptive_avg_pool3d)
from .recurrent import recurrence
from .resample import (interpolate, pixel_shuffle, pixel_unshuffle, channel_shuffle,
                       affine_grid, grid_sample)
from .special import (rsqrt, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2, lgamma,
                      digamma, polygamma, mvlgamma, erfc, erfinv, erfcx, i0, i1, i0e, i1e,
                      ndtr, ndtri, log_ndtr,
                      entr, log2, log10, exp2, logaddexp2,
                      deg2rad, rad2deg, sinc, xlogy, xlog1py, hypot, copysign, fmod, frac,
                      float_power, logit, heaviside, lerp, addcmul, addcdiv, rsub, fmax, fmin,
                      stepped)
from .scan import (prod, cumprod, logcumsumexp, cummax, cummin, nansum, nanmean,
                   count_nonzero, aminmax, var_mean, std_mean, dist, diff, renorm, gradient)
from .arrange import (atleast_1d, atleast_2d, atleast_3d, hstack, vstack, dstack,
                      column_stack, tensor_split, hsplit, vsplit, dsplit, select, diagonal,
                      diag_embed, diagflat, rot90, fliplr, flipud, broadcast_tensors, meshgrid,
                      block_diag, cartesian_prod, kron, take, take_along_dim, unfold, trace,
                      sum_to_size, combinations)
from .statistics import (kthvalue, nanmedian, mode, quantile, nanquantile, msort, cov,
                         corrcoef, trapezoid, cumulative_trapezoid, histc, searchsorted,
                         bucketize, isin, unique, unique_consecutive, bincount, argwhere)
from .products import (mv, addmm, addmv, addr, baddbmm, addbmm, vdot, inner, tensordot, cross,
                       vecdot, multi_dot, matrix_power, cdist)
from .decompositions import (inv, det, slogdet, logdet, solve, eigh, eigvalsh, svd,
                             linalg_svd, svdvals, pinv, matrix_rank, matrix_norm)
from .writes import (index_add, index_copy, index_fill, scatter, scatter_reduce,
                      masked_scatter, select_scatter, slice_scatter, diagonal_scatter, put,
                      index_reduce)
from .solvers import (triangular_solve, cholesky_inverse, cholesky_solve,
                      lstsq, tensorinv, tensorsolve, cond, pinverse, qr, vander, matrix_exp)
from .detection import (box_area, box_iou, box_convert, nms, batched_nms, roi_pool,
                        roi_align)
from .anchors import multibox_prior, multibox_target, multibox_detection
