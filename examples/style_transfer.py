"""Neural style transfer (Gatys et al., 2016): synthesise an image with the content of one
photo and the style of another by optimising the image itself through a fixed VGG-19.

    python -m examples.style_transfer --out styled.png --plot style-curves.png
    python -m examples.style_transfer --optimizer lbfgs --steps 50 --out styled.png
    python -m examples.style_transfer --weights vgg19.npz --size 224 --out styled.png

Content: scikit-learn's sample photo "china.jpg"; style: "flower.jpg", both resized to
--size pixels high and normalised per channel (ImageNet's means and deviations; the inverse
maps the result back to RGB). The loss is a weighted sum of the content loss (mean squared
difference of the features at the last convolution of block 4), the style loss (for the
first convolution of each of the five blocks, the mean squared difference of the Gram
matrices of the features, each divided by its element count) and the total variation (mean
absolute difference of neighbouring pixels); features are taken after each convolution's
ReLU. Only the image is optimised (Adam, or L-BFGS with a strong-Wolfe line search),
starting from the content image (its content loss starts at 0 and rises while the style and
total-variation losses fall) or, with --init noise, from Gaussian noise (with a content
weight of about 100 all three losses fall, but random filters leave much of the noise).

No pretrained weights can be downloaded here. --weights FILE loads torchvision's VGG-19
weights, converted where torch, torchvision and the internet are available by

    python -c "import numpy, torchvision; numpy.savez('vgg19.npz', **{k: v.numpy() for k, v in torchvision.models.vgg19(weights='IMAGENET1K_V1').features.state_dict().items()})"

(or any state dict of vgg19().features or of the whole vgg19(), as .npz or .safetensors).
Without weights the filters are random (He-normal): each block sees the image at twice the
scale of the one before, so the five style layers still match texture statistics at five
scales, but random filters know nothing of objects: expect texture transfer (the flower's
colours and strokes over the scene's layout) rather than photographic quality.
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import time

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import manual_seed, no_grad, tensor
from examples._common import needs, parse_args, parser, save_figure
from examples.models import vgg_layers

VGG19_BLOCKS = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))
# positions in torchvision's vgg19().features (conv, relu, ..., pool): the ReLUs after
# conv1_1, conv2_1, conv3_1, conv4_1, conv5_1 (the convolutions at 0, 5, 10, 19, 28) ...
STYLE_LAYERS = (1, 6, 11, 20, 29)
# ... and after conv4_4 (the convolution at 25)
CONTENT_LAYER = 26
MEAN = np.array([0.485, 0.456, 0.406], np.float32)        # ImageNet's, per RGB channel
STD = np.array([0.229, 0.224, 0.225], np.float32)


def vgg19_features(width=1.0):
    """VGG-19's convolutional part, with torchvision's layer positions and state-dict names
    ("0.weight", "0.bias", "2.weight", ..., "34.bias"); channels scaled by `width`."""
    return nn.Sequential(*vgg_layers(VGG19_BLOCKS, 3, width))


def random_filters(features, seed=0):
    """He-normal weights and zero biases for every convolution of `features`: activations
    keep their scale through the 16 layers (the default initialisation would shrink them)."""
    manual_seed(seed)
    for layer in features:
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return features


def load_weights(path):
    """The VGG-19 features of a state dict file (nn.load: .npz or .safetensors) of
    torchvision's vgg19().features, or of the whole vgg19() (its "features." entries are
    taken, the classifier dropped). The width follows the file (64 first-layer filters:
    1.0)."""
    state = nn.load(path)
    if any(k.startswith("features.") for k in state):
        state = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
    if "0.weight" not in state:
        raise ValueError(f"style_transfer: {path!r} holds no VGG features: no '0.weight' or "
                         f"'features.0.weight' among its {len(state)} entries")
    features = vgg19_features(state["0.weight"].shape[0] / 64)
    features.load_state_dict(state)
    return features


def extract(features, x, layers):
    """The outputs of features[i] for i in `layers` (sorted), running only as far as the
    last of them."""
    out = []
    for i, layer in enumerate(features):
        x = layer(x)
        if i in layers:
            out.append(x)
            if len(out) == len(layers):
                return out
    raise ValueError(f"style_transfer: layers {layers} beyond the {len(features)} features")


def gram(x):
    """The Gram matrix of features (1, c, h, w): channel-by-channel inner products over the
    positions, divided by the element count c * h * w."""
    _, c, h, w = x.shape
    flat = x.reshape(c, h * w)                                # (c, h * w)
    return flat @ flat.T / (c * h * w)


def total_variation(image):
    """Mean absolute difference of vertically and of horizontally neighbouring pixels,
    averaged: small for smooth images, so it discourages pixel noise."""
    return 0.5 * ((image[:, :, 1:, :] - image[:, :, :-1, :]).abs().mean()
                  + (image[:, :, :, 1:] - image[:, :, :, :-1]).abs().mean())


def photo(name, height):
    """scikit-learn's sample image `name` resized (Lanczos) to `height` rows, aspect kept:
    (height, width, 3) float32 in [0, 1]."""
    picture = needs("sklearn.datasets").load_sample_image(name)
    image = needs("PIL.Image")
    width = round(picture.shape[1] * height / picture.shape[0])
    small = image.fromarray(picture).resize((width, height), image.Resampling.LANCZOS)
    return np.asarray(small, np.float32) / 255


def preprocess(rgb):
    """(H, W, 3) in [0, 1] -> (1, 3, H, W) normalised per channel."""
    return ((rgb - MEAN) / STD).transpose(2, 0, 1)[None]


def postprocess(x):
    """The inverse of preprocess, clipped to [0, 1]: (1, 3, H, W) -> (H, W, 3)."""
    return np.clip(x[0].transpose(1, 2, 0) * STD + MEAN, 0, 1)


def transfer(features, content, style, steps=200, optimizer="adam", lr=0.05,
             weights=(1.0, 1e4, 10.0), init="content", seed=0, quiet=False):
    """Optimise an image (normalised, shape of `content`) for `steps` steps so that its
    content features match `content`'s and its Gram matrices `style`'s. `weights` are the
    content, style and total-variation weights; `optimizer` is "adam" or "lbfgs"; `init` is
    "content" (the content image, whose content loss then starts at 0) or "noise" (Gaussian,
    as Gatys et al.). Returns (image (1, 3, H, W) array, {"content": [...], "style": [...],
    "tv": [...], "total": [...]}: the losses at the start of each step)."""
    if optimizer not in ("adam", "lbfgs") or init not in ("content", "noise"):
        raise ValueError(f"style_transfer: optimizer must be 'adam' or 'lbfgs' and init "
                         f"'content' or 'noise', got optimizer={optimizer!r}, init={init!r}")
    tqdm = needs("tqdm").tqdm
    features.eval()
    features.requires_grad_(False)
    layers = sorted(STYLE_LAYERS + (CONTENT_LAYER,))
    at_style = [layers.index(i) for i in STYLE_LAYERS]
    at_content = layers.index(CONTENT_LAYER)
    with no_grad():
        target_content = extract(features, tensor(content), layers)[at_content]
        target_grams = [gram(f) for i, f in enumerate(extract(features, tensor(style), layers))
                        if i in at_style]
    start = (content if init == "content" else
             np.random.default_rng(seed).normal(0, 1, content.shape).astype(np.float32))
    image = nn.Parameter(tensor(start))
    if optimizer == "lbfgs":
        opt = optim.LBFGS([image], lr=1, max_iter=1, line_search_fn="strong_wolfe")
    else:
        opt = optim.Adam([image], lr=lr)
    history = {"content": [], "style": [], "tv": [], "total": []}

    def closure():
        opt.zero_grad()
        outs = extract(features, image, layers)
        parts = {"content": F.mse_loss(outs[at_content], target_content),
                 "style": sum(F.mse_loss(gram(outs[i]), g)
                              for i, g in zip(at_style, target_grams)),
                 "tv": total_variation(image)}
        total = sum(w * parts[k] for w, k in zip(weights, ("content", "style", "tv")))
        total.backward()
        if closure.parts is None:               # the first evaluation of the step (L-BFGS's
            closure.parts = {k: v.item() for k, v in parts.items()} | {"total": total.item()}
        return total                            # line search evaluates more)

    bar = tqdm(range(steps), desc="style transfer", disable=quiet, leave=False,
               dynamic_ncols=True)
    for _ in bar:
        closure.parts = None
        opt.step(closure)
        for key, value in closure.parts.items():
            history[key].append(value)
        if not np.isfinite(closure.parts["total"]):
            raise FloatingPointError(f"style transfer: the loss became {closure.parts['total']}")
        bar.set_postfix({k: f"{v:.3g}" for k, v in closure.parts.items()}, refresh=False)
    return image.detach().numpy(), history


def figure(content, style, result, history, path):
    """Content, style and result pictures, then the three losses and their weighted total
    against the step (log scale), side by side, to `path`."""
    needs("matplotlib").use("Agg")
    plt = needs("matplotlib.pyplot")
    fig, axes = plt.subplots(1, 4, figsize=(18, 4))
    for ax, (title, picture) in zip(axes, (("content", content), ("style", style),
                                           ("result", result))):
        ax.imshow(picture)
        ax.set_title(title)
        ax.axis("off")
    for key in ("content", "style", "tv", "total"):
        axes[3].plot(history[key], label=key)
    axes[3].set(yscale="log", xlabel="step", title="losses (unweighted; total weighted)")
    axes[3].legend(fontsize="small")
    axes[3].grid(alpha=0.3)
    save_figure(fig, path)


def main(argv=None):
    p = parser(__doc__, steps=200)
    p.add_argument("--size", type=int, default=128, help="image height in pixels, the width "
                   "follows the photo's aspect (default 128)")
    p.add_argument("--weights", metavar="FILE", help="VGG-19 weights converted from "
                   "torchvision (.npz or .safetensors); without them, random filters")
    p.add_argument("--width", type=float, default=0.25, help="channel scale of the random "
                   "VGG-19 (default 0.25; with --weights the file decides)")
    p.add_argument("--optimizer", choices=("adam", "lbfgs"), default="adam")
    p.add_argument("--lr", type=float, default=0.05, help="Adam's learning rate (default "
                   "0.05; L-BFGS uses 1 with a line search)")
    p.add_argument("--init", choices=("content", "noise"), default="content",
                   help="start from the content image (default) or from Gaussian noise")
    p.add_argument("--content-weight", type=float, default=1.0)
    p.add_argument("--style-weight", type=float, default=1e4)
    p.add_argument("--tv-weight", type=float, default=10.0)
    p.add_argument("--out", metavar="OUT.png", help="save the synthesised image here")
    args = parse_args(p, argv)
    features = (load_weights(args.weights) if args.weights else
                random_filters(vgg19_features(args.width), args.seed))
    content, style = photo("china.jpg", args.size), photo("flower.jpg", args.size)
    start = time.perf_counter()
    result, history = transfer(features, preprocess(content), preprocess(style), args.steps,
                               args.optimizer, args.lr, (args.content_weight, args.style_weight,
                                                         args.tv_weight), args.init, args.seed)
    seconds = time.perf_counter() - start
    print(f"style transfer, {content.shape[0]}x{content.shape[1]}, "
          f"{'VGG-19 from ' + args.weights if args.weights else f'random VGG-19 x{args.width}'}, "
          f"{args.optimizer}, {args.steps} steps ({seconds:.0f} s):")
    for key in ("content", "style", "tv", "total"):
        print(f"  {key:<8} loss {history[key][0]:10.4g} -> {history[key][-1]:10.4g}")
    picture = postprocess(result)
    if args.out:
        needs("matplotlib").use("Agg")
        needs("matplotlib.pyplot").imsave(args.out, picture)
        print(f"saved {args.out}")
    if args.plot:
        figure(content, style, picture, history, args.plot)
    return picture, history


if __name__ == "__main__":
    main()
