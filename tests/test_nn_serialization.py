"""nn.save / nn.load: bit-exact round trips, atomic writes with the umask's permissions, clear
errors for files that are truncated, corrupted, foreign or would need unpickling, and the same
for .safetensors files (interchange with PyTorch: tests/test_nn_safetensors.py)."""
import io
import json
import os
import pathlib
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import autograd as ag
import nn

ROOT = pathlib.Path(__file__).resolve().parent.parent


def checkpoint():
    rng = np.random.default_rng(0)
    return {
        "model": {"0.weight": rng.standard_normal((3, 4)).astype(np.float32),
                  "0.bias": rng.standard_normal(3),
                  "bn.num_batches_tracked": np.array(5, np.int64),
                  "half": rng.standard_normal(4).astype(np.float16),
                  "mask": rng.random((2, 2)) > 0.5,
                  "empty": np.zeros((0, 3), np.float32),
                  "strided": rng.standard_normal((4, 6))[::2, ::3]},
        "optim": {"state": {0: {"step": 3, "exp_avg": ag.tensor(np.ones(2))}},
                  "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                    "nesterov": False, "name": None, "eps": float("inf")}]},
        "epoch": np.int64(7),
    }


def assert_same(a, b):
    assert type(a) is type(b) or (isinstance(b, ag.Tensor) and type(a) is np.ndarray)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, (np.ndarray, ag.Tensor)):
        a = a.numpy() if isinstance(a, ag.Tensor) else a
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == np.ascontiguousarray(b).tobytes()
    else:
        assert a == b and type(a) is type(b)


def test_round_trip_is_bit_exact(tmp_path):
    obj = checkpoint()
    nn.save(obj, tmp_path / "ck.npz")
    assert_same(obj, nn.load(tmp_path / "ck.npz"))
    nn.save({"x": np.float32(np.nan)}, str(tmp_path / "nan"))      # no suffix is added
    assert np.isnan(nn.load(str(tmp_path / "nan"))["x"])
    assert sorted(os.listdir(tmp_path)) == ["ck.npz", "nan"]


def test_module_state_dict_round_trip(tmp_path):
    m = nn.Sequential(nn.Identity())
    m.register_parameter("w", nn.Parameter(np.arange(6, dtype=np.float32).reshape(2, 3)))
    nn.save(m.state_dict(), tmp_path / "m.npz")
    m2 = nn.Sequential(nn.Identity())
    m2.register_parameter("w", nn.Parameter(np.zeros((2, 3), np.float32)))
    m2.load_state_dict(nn.load(tmp_path / "m.npz"))
    np.testing.assert_array_equal(m2.w.data, m.w.data)


def test_plain_npz_loads_as_a_flat_dict(tmp_path):
    np.savez(tmp_path / "plain.npz", **{"0.weight": np.ones(3), "0.bias": np.zeros(1)})
    assert list(nn.load(tmp_path / "plain.npz")) == ["0.weight", "0.bias"]


def test_save_refuses_what_would_need_pickling(tmp_path):
    with pytest.raises(TypeError, match=r"object\['a'\] is an object array"):
        nn.save({"a": np.array([{}, 1], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"object\['f'\] is a builtin_function"):
        nn.save({"f": len}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="keys must be str or int"):
        nn.save({(1, 2): 1}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []                   # no temporary file left behind


def test_object_array_in_file_is_refused(tmp_path):
    np.savez(tmp_path / "evil.npz", payload=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="member 'payload' is an object array.*unpickling"):
        nn.load(tmp_path / "evil.npz")


def test_truncated_file_is_reported(tmp_path):
    nn.save(checkpoint(), tmp_path / "ck.npz")
    data = (tmp_path / "ck.npz").read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        (tmp_path / "cut.npz").write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated or corrupted"):
            nn.load(tmp_path / "cut.npz")


def test_corrupted_member_is_reported(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("w.npy", b"\x93NUMPY\x01\x00garbage")
    (tmp_path / "bad.npz").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="truncated or corrupted"):
        nn.load(tmp_path / "bad.npz")


def test_damaged_manifest_is_reported(tmp_path):
    np.savez(tmp_path / "m.npz", __tapegrad__=np.frombuffer(b'{"format": 1}', np.uint8))
    with pytest.raises(ValueError, match="damaged manifest"):
        nn.load(tmp_path / "m.npz")
    manifest = b'{"format": "tapegrad-checkpoint", "version": 1, "tree": {"array": 3}}'
    np.savez(tmp_path / "m.npz", __tapegrad__=np.frombuffer(manifest, np.uint8))
    with pytest.raises(ValueError, match="damaged manifest"):
        nn.load(tmp_path / "m.npz")


def test_foreign_files_are_reported(tmp_path):
    (tmp_path / "text.npz").write_text("hello, not a checkpoint")
    with pytest.raises(ValueError, match=r"not an \.npz \(zip\) file"):
        nn.load(tmp_path / "text.npz")
    with zipfile.ZipFile(tmp_path / "model.pt", "w") as z:      # how torch.save lays out
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    with pytest.raises(ValueError, match="not a .npy array.*torch"):
        nn.load(tmp_path / "model.pt")
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    nn.save({"w": np.ones(3)}, path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.npz"]


def test_a_process_dying_during_save_leaves_the_old_file_intact(tmp_path):
    """The writer is killed (os._exit) half way through writing the arrays."""
    path = tmp_path / "ck.npz"
    nn.save({"w": np.ones(3)}, path)
    before = path.read_bytes()
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
import numpy.lib.format as fmt
import nn
real, calls = fmt.write_array, []
def dying(*args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        os._exit(3)
    return real(*args, **kwargs)
fmt.write_array = dying
nn.save({{"a": np.zeros(1000), "b": np.zeros(1000)}}, {str(path)!r})
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == 3, result.stderr.decode()
    assert path.read_bytes() == before
    np.testing.assert_array_equal(nn.load(path)["w"], np.ones(3))


def test_safetensors_format_by_suffix_or_argument(tmp_path):
    pytest.importorskip("safetensors")
    state = {"w": np.arange(6.0).reshape(2, 3), "n": np.array(3, np.int64)}
    nn.save(state, tmp_path / "a.bin", format="safetensors")
    assert open(tmp_path / "a.bin", "rb").read()[8:9] == b"{"
    loaded = nn.load(tmp_path / "a.bin", format="safetensors")
    assert all(np.array_equal(loaded[k], state[k]) and loaded[k].dtype == state[k].dtype
               for k in state)
    nn.save(state, tmp_path / "b.safetensors", format="npz")       # the argument wins
    assert open(tmp_path / "b.safetensors", "rb").read(2) == b"PK"
    with pytest.raises(ValueError, match="format must be"):
        nn.save(state, tmp_path / "c", format="pt")


def test_safetensors_hold_only_flat_dicts_of_arrays(tmp_path):
    with pytest.raises(TypeError, match=r"entry 'opt' is a dict.*\.npz"):
        nn.save({"w": np.ones(2), "opt": {"lr": 1}}, tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="complex128"):
        nn.save({"z": np.ones(2, complex)}, tmp_path / "m.safetensors")
    assert not os.listdir(tmp_path)


def _file(header, data=b""):
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


@pytest.mark.parametrize("content, message", [
    (b"\x05\x00", "fewer than the 8"),
    (_file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})[:-3], "truncated"),
    (_file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4),
     "'w' needs bytes \\[0, 8\\) of the data, which has only 4"),
    (_file({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8),
     r"'w' \(F32, shape \[3\]\) spans bytes \[0, 8\) of the data, but needs 12"),
    (_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
     "'b' starts at byte 4 of the data, expected 8"),
    (_file({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 2),
     "'w' has dtype F8_E4M3"),
    (_file({"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}, b"\0" * 8),
     "'w' has a malformed entry"),
    (b"\x03\0\0\0\0\0\0\0abc", "not JSON"),
])
def test_bad_safetensors_files_are_refused_naming_file_and_tensor(content, message, tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        nn.load(path)
    assert "bad.safetensors" in str(info.value)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_saved_files_follow_the_umask(suffix, tmp_path):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    old = os.umask(0o027)
    try:
        nn.save({"w": np.ones(2)}, tmp_path / ("m" + suffix))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / ("m" + suffix)).st_mode) == 0o640


def test_save_and_load_take_file_objects_and_give_tensors():
    import io
    buf = io.BytesIO()
    ag.save({"w": ag.tensor(np.arange(3.0)), "epoch": 4, "nested": [np.ones(2)]}, buf)
    buf.seek(0)
    back = ag.load(buf, map_location="cpu", weights_only=False)
    assert isinstance(back["w"], ag.Tensor) and back["w"].tolist() == [0.0, 1.0, 2.0]
    assert back["epoch"] == 4 and isinstance(back["nested"][0], ag.Tensor)
    assert ag.save is nn.save and ag.load is nn.load


def test_saving_a_module_asks_for_its_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"save: object\['model'\] is a Linear; save its "
                       r"state_dict\(\) instead"):
        nn.save({"model": nn.Linear(2, 2)}, tmp_path / "m.npz")
    with pytest.raises(RuntimeError, match="tapegrad computes on the CPU"):
        nn.load(tmp_path / "m.npz", map_location="cuda:0")
