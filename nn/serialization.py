"""nn.save / nn.load: checkpoints as .npz files (or state dicts as .safetensors files, see
safetensors_file.py) that can never execute code.

A checkpoint holds a tree of dicts (str or int keys), lists and tuples whose leaves are arrays
(ndarrays or Tensors, loaded back as Tensors, as torch.load gives them), Python numbers, strings, booleans or None. The
arrays are the .npz members "0", "1", ...; the tree itself is JSON in the member
"__tapegrad__". Files are written atomically (a temporary file in the same folder, renamed
over the target) and read with allow_pickle=False. A plain .npz of named arrays (e.g. from
`np.savez(f, **{k: v.numpy() for k, v in torch_state.items()})`) loads as a flat dict.
"""
import io
import json
import math
import os
import tempfile
import zipfile

import numpy as np

from autograd.tensor import Tensor
from . import safetensors_file

MANIFEST = "__tapegrad__"
FORMAT = "tapegrad-checkpoint"
VERSION = 1


def _encode(obj, arrays, where):
    """The JSON tree for `obj`; arrays are appended to `arrays` and referenced by position."""
    if isinstance(obj, Tensor):
        obj = obj._data
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError(f"save: {where} is an object array, which could only be stored "
                            "by pickling; convert it to a numeric dtype")
        arrays.append(obj)
        return {"array": len(arrays) - 1}
    if isinstance(obj, np.generic):
        return _encode(np.asarray(obj), arrays, where) if obj.dtype.kind not in "biuf" \
            else {"scalar": [obj.item(), obj.dtype.str]}
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: {where} has a key {k!r} of type {type(k).__name__}; "
                                "keys must be str or int")
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if hasattr(obj, "state_dict"):                   # a Module, an optimizer, a scheduler
        raise TypeError(f"save: {where} is a {type(obj).__name__}; save its state_dict() "
                        f"instead (a checkpoint holds data, never pickled code) and load it "
                        f"into a new {type(obj).__name__} with load_state_dict")
    raise TypeError(f"save: {where} is a {type(obj).__name__}; a checkpoint holds dicts, "
                    "lists, tuples, arrays, Tensors, numbers, strings and None")


def _decode(node, arrays):
    if not isinstance(node, dict):
        return node
    (kind, value), = node.items()
    if kind == "array":
        return arrays(value)
    if kind == "scalar":
        return np.dtype(value[1]).type(value[0])
    if kind == "float":
        return float(value)
    if kind == "dict":
        return {k: _decode(v, arrays) for k, v in value}
    if kind == "list":
        return [_decode(v, arrays) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, arrays) for v in value)
    raise ValueError(f"unknown entry {kind!r}")


def _format(path, format):
    """"npz" or "safetensors": `format` if given, else by the file's suffix (npz otherwise)."""
    if format is None:
        return "safetensors" if path.endswith(".safetensors") else "npz"
    if format not in ("npz", "safetensors"):
        raise ValueError(f"format must be 'npz' or 'safetensors', got {format!r}")
    return format


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save(obj, f, format=None):
    """Write `obj` (see the module docstring) to `f`, a path or a binary file object (as
    torch.save). A path is written atomically: a reader sees the old file or the complete new
    one, never a partial write; its permissions follow the umask, as a plain open() (and
    torch.save) would make them. format="safetensors" (or a .safetensors suffix) writes a flat
    dict of arrays as safetensors (nn/safetensors_file.py)."""
    name = _name(f)
    if _format(name, format) == "safetensors":
        data = safetensors_file.dumps(obj, name)

        def write(file):
            file.write(data)
    else:
        arrays = []
        tree = {"format": FORMAT, "version": VERSION, "tree": _encode(obj, arrays, "object")}
        manifest = np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)
        members = {str(i): a for i, a in enumerate(arrays)}

        def write(file):
            np.savez(file, allow_pickle=False, **members, **{MANIFEST: manifest})
    if hasattr(f, "write"):
        write(f)
    else:
        _write_atomic(name, write)


def _name(f):
    """A path as a string, or a file object's name (for messages and the suffix)."""
    if hasattr(f, "read") or hasattr(f, "write"):
        return str(getattr(f, "name", "<file object>"))
    return os.fspath(f)


def _write_atomic(path, write):
    """Call write(file) on a temporary file beside `path`, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        os.chmod(tmp, 0o666 & ~_umask())        # mkstemp makes it 0600
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load(f, map_location=None, weights_only=True, format=None):
    """Read, from a path or a binary file object, a checkpoint written by `save` (or a plain
    .npz of arrays) with allow_pickle=False, or a .safetensors file (by suffix or
    format="safetensors") as a dict; its arrays come back as Tensors (on the CPU, so
    `map_location` may only name it; `weights_only` is accepted either way: nothing is ever
    unpickled). A missing, truncated, corrupted or foreign file raises ValueError saying
    which and why (a missing file raises FileNotFoundError)."""
    _check_location(map_location)
    path = _name(f)
    if hasattr(f, "read"):
        data = f.read()
        if _format(path, format) == "safetensors":
            return _tensors(safetensors_file.loads(data, path))
    elif _format(path, format) == "safetensors":
        return _tensors(safetensors_file.load(path))
    else:
        with open(path, "rb") as file:
            data = file.read()
    return _tensors(_load_npz(data, path))


def _check_location(map_location):
    if map_location is None or callable(map_location) and not isinstance(map_location, str):
        return
    if str(map_location) != "cpu" and not (isinstance(map_location, dict) and all(
            str(v) == "cpu" for v in map_location.values())):
        raise RuntimeError(f"load: map_location={map_location!r}: tapegrad computes on the "
                           f"CPU; use map_location=\"cpu\" or leave it out")


def _tensors(tree):
    """`tree` with its arrays wrapped as Tensors, as torch.load gives them."""
    if isinstance(tree, np.ndarray):
        return Tensor._wrap(tree)
    if isinstance(tree, dict):
        return {k: _tensors(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tensors(v) for v in tree)
    return tree


def _load_npz(data, path):
    if not data.startswith(b"PK"):
        raise ValueError(f"load: {path!r} is not a checkpoint: not an .npz (zip) file "
                         f"(starts with {data[:8]!r})")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            members = {name: _member(npz, name, path) for name in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError) as e:
        if str(e).startswith("load:"):
            raise
        raise ValueError(f"load: {path!r} is truncated or corrupted: {e}") from None
    if MANIFEST not in members:
        return members
    try:
        tree = json.loads(members.pop(MANIFEST).tobytes().decode())
        if tree.get("format") != FORMAT or not isinstance(tree.get("version"), int):
            raise ValueError("not a tapegrad manifest")
        if tree["version"] > VERSION:
            raise ValueError(f"written by a newer version ({tree['version']} > {VERSION})")

        def array(i):
            return members[str(i)]
        return _decode(tree["tree"], array)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
        raise ValueError(f"load: {path!r} has a damaged manifest: {e!r}") from None


def _member(npz, name, path):
    try:
        value = npz[name]
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(f"load: {path!r} member {name!r} is an object array, which "
                             "could only be read by unpickling (refused: a checkpoint must "
                             "not execute code)") from None
        raise
    if not isinstance(value, np.ndarray):
        raise ValueError(f"load: {path!r} is a zip file but not an .npz of arrays: member "
                         f"{name!r} is not a .npy array (a torch .pt file? load it with torch "
                         "and convert: {k: v.numpy() for k, v in state.items()})")
    return value
