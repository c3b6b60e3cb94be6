"""State dicts as .safetensors files (nn.save / nn.load pick this format by the suffix or
format="safetensors"), interchangeable with PyTorch's `safetensors.torch.save_file` and
`load_file`: names and layouts are PyTorch's, so a file from one loads 1:1 into the other's
twin model.

A file is an 8-byte little-endian header length, a JSON header {name: {"dtype", "shape",
"data_offsets"}} and the raw little-endian tensors. Writing goes through the `safetensors`
package (the `interop` extra). Reading checks the whole header first (every tensor's dtype,
shape and byte range against the file's size: a truncated file or a header whose offsets lie
is refused, naming the file and the tensor), then reads the tensors through the package.
bfloat16, which NumPy cannot hold, is converted to float32 (exactly); float16 stays float16
(load_state_dict casts it into a float32 model). Nothing in a file is ever executed.
"""
import json

import numpy as np

from autograd.tensor import Tensor

DTYPES = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16,
          "U32": np.uint32, "I32": np.int32, "U64": np.uint64, "I64": np.int64,
          "F16": np.float16, "F32": np.float32, "F64": np.float64}
BF16 = "BF16"
_MAX_HEADER = 100 << 20              # as the safetensors package: a longer header is refused


def _package(what):
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f"{what} .safetensors files needs the safetensors package: "
                          "pip install 'tapegrad[interop]'") from None
    return safetensors


def dumps(state, path):
    """The bytes of a .safetensors file holding `state`, a flat dict of str -> array or
    Tensor (a state dict)."""
    if not isinstance(state, dict):
        raise TypeError(f"save: {path!r}: a .safetensors file holds a flat dict of named "
                        f"arrays (a state dict), not a {type(state).__name__}; use .npz for "
                        "other checkpoints")
    arrays = {}
    for name, value in state.items():
        value = value._data if isinstance(value, Tensor) else value
        if not isinstance(name, str) or not isinstance(value, np.ndarray):
            raise TypeError(f"save: {path!r}: entry {name!r} is a {type(value).__name__}; a "
                            ".safetensors file holds str names of arrays only (use .npz for "
                            "nested checkpoints)")
        if value.dtype.newbyteorder("<") not in [np.dtype(t) for t in DTYPES.values()]:
            raise TypeError(f"save: {path!r}: entry {name!r} has dtype {value.dtype}, which "
                            f"safetensors cannot hold (it holds {', '.join(DTYPES)})")
        value = value.astype(value.dtype.newbyteorder("<"), copy=False)
        arrays[name] = value if value.flags.c_contiguous else value.copy()
    # "pt": the layouts are PyTorch's, and Hugging Face's loaders expect this tag
    return _package("writing").numpy.save(arrays, metadata={"format": "pt"})


def header(data, path):
    """The checked header of the .safetensors bytes `data`: {name: (dtype, shape, begin,
    end)} with offsets into the data after the header."""
    def bad(why):
        return ValueError(f"load: {path!r} is not a valid .safetensors file: {why}")
    if len(data) < 8:
        raise bad(f"it has {len(data)} bytes, fewer than the 8 of the header's length")
    n = int.from_bytes(data[:8], "little")
    if n > min(len(data) - 8, _MAX_HEADER):
        raise bad(f"its header claims {n} bytes, but the file has {len(data) - 8} after the "
                  "length (truncated?)")
    try:
        entries = json.loads(data[8:8 + n].decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad(f"its header is not JSON ({e})") from None
    if not isinstance(entries, dict):
        raise bad("its header is not a JSON object")
    entries.pop("__metadata__", None)
    size, found, spans = len(data) - 8 - n, {}, []
    for name, e in entries.items():
        try:
            dtype, shape, (begin, end) = e["dtype"], e["shape"], e["data_offsets"]
            ok = all(isinstance(v, int) and v >= 0 for v in (*shape, begin, end))
        except (TypeError, KeyError, ValueError):
            ok = False
        if not ok:
            raise bad(f"tensor {name!r} has a malformed entry {e!r}")
        if dtype not in DTYPES and dtype != BF16:
            raise bad(f"tensor {name!r} has dtype {dtype}, which tapegrad cannot hold (it reads "
                      f"{', '.join(DTYPES)} and converts BF16 to float32)")
        need = int(np.prod(shape, dtype=np.int64)) * (2 if dtype == BF16 else
                                                      np.dtype(DTYPES[dtype]).itemsize)
        if end - begin != need:
            raise bad(f"tensor {name!r} ({dtype}, shape {shape}) spans bytes [{begin}, {end}) "
                      f"of the data, but needs {need} bytes")
        if end > size:
            raise bad(f"tensor {name!r} needs bytes [{begin}, {end}) of the data, which has "
                      f"only {size} (truncated?)")
        found[name] = (dtype, tuple(shape), begin, end)
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise bad(f"tensor {name!r} starts at byte {begin} of the data, expected {at} (the "
                      "tensors must tile the data without gaps or overlaps)")
        at = end
    if at != size:
        raise bad(f"its tensors cover {at} bytes of the data, which has {size}")
    return found


def load(path):
    """The state dict in the .safetensors file `path`: {name: ndarray}, in the order of the
    header (the package writes it sorted)."""
    with open(path, "rb") as f:
        return loads(f.read(), path)


def loads(data, path):
    """The state dict in `data`, the bytes of a .safetensors file (`path` names it in errors),
    checked by `header` first, then read by the package."""
    entries = header(data, path)
    out = {}
    for name, entry in _package("reading").deserialize(bytes(data)):
        dtype, shape = entries[name][:2]
        if dtype == BF16:                       # the high 16 bits of a float32
            bits = np.frombuffer(entry["data"], "<u2").astype(np.uint32)
            out[name] = (bits << 16).view(np.float32).reshape(shape)
        else:
            out[name] = np.frombuffer(entry["data"], np.dtype(DTYPES[dtype]).newbyteorder("<")
                                      ).reshape(shape)
    return {name: out[name] for name in entries}
