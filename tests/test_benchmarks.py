"""Smoke test of `python -m benchmarks`: the table and the JSON have every field, --compare
and the peak RSS work; the W11-W13 models agree with their PyTorch twins and their FLOP counts
with torch's counter (no timing is asserted anywhere)."""
import functools
import json
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from benchmarks import harness
from benchmarks.harness import Workload, add_peak_fractions, blas_kernel, measure, table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # not installed: run here

RESULT_FIELDS = {"key", "title", "unit", "target", "tapegrad", "torch", "numpy", "ratio",
                 "gflops", "peak_fraction", "peak_inconsistent", "rss"}
STAT_FIELDS = {"median", "min", "max", "repeats"}


def test_quick_run_prints_table_and_writes_json(tmp_path):
    """W9 joins the run (W2 counts FLOPs); --compare reads a handmade earlier run."""
    out, ref = tmp_path / "results.json", tmp_path / "ref.json"
    ref.write_text(json.dumps({"threads": 1, "results": [_result("W1", None, ratio=2.0)]}))
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "W1,W2",
                          "--json", str(out), "--compare", str(ref)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    header = [ln for ln in run.stdout.splitlines() if ln.startswith("workload")]
    assert header and "x torch" in header[0]
    assert any(ln.startswith("W1 ") for ln in run.stdout.splitlines())
    assert any(ln.startswith("W2 ") for ln in run.stdout.splitlines())
    data = json.loads(out.read_text())
    assert {r["key"] for r in data["results"]} == {"W1", "W2", "W9"}
    by_key = {r["key"]: r for r in data["results"]}
    assert by_key["W1"]["peak_fraction"] is None
    if any(r["peak_inconsistent"] for r in data["results"]):     # a busy machine: flagged
        assert "shares of peak are left out" in run.stdout
    else:
        assert by_key["W2"]["peak_fraction"] > 0
    for r in data["results"]:
        assert RESULT_FIELDS <= set(r)
        assert STAT_FIELDS <= set(r["tapegrad"]) and STAT_FIELDS <= set(r["numpy"])
        assert (r["torch"] is None) == (data["torch"] is None)
        assert r["rss"] is None
    against = run.stdout[run.stdout.index(f"against {ref}"):].splitlines()
    assert against[1].split()[:3] == ["workload", "unit", "tapegrad"]
    rows = {ln.split()[0]: ln for ln in against[3:]}
    assert "not in REF" not in rows["W1"] and "not in REF" in rows["W2"]
    assert "note: the runs differ in" in against[-1] and "threads 1 then" in against[-1]


def test_profile_option_prints_a_profile():
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--profile", "W1"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "profile of W1" in run.stdout and "tanh" in run.stdout and "engine, backward" in run.stdout


def test_unknown_workload_is_an_error():
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "W99"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 2 and "no workload matches" in run.stderr


def test_data_parallel_figures(tmp_path):
    if numba.config.DISABLE_JIT:
        pytest.skip("NUMBA_DISABLE_JIT=1: LeNet training steps as plain Python take minutes")
    from benchmarks import distributed
    if not distributed.available():
        pytest.skip("mpi4py or mpiexec missing (the distributed extra)")
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "D",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for key in ("D1", "D2", "D3", "D4"):
        assert any(ln.startswith(key + " ") for ln in lines), run.stdout
    figures = json.loads(out.read_text())["data_parallel"]
    assert figures["one"]["world"] == 1 and figures["two"]["world"] == 2
    assert {"local", "ddp", "blocking", "allreduce_1mb", "allreduce_25mb"} <= set(figures["two"])


def _result(key, gflops, ratio=None, target=None, numpy=None):
    stats = {"median": 1.0, "min": 1.0, "max": 1.0, "repeats": 1}
    return {"key": key, "title": key, "unit": "ms", "target": target, "tapegrad": stats,
            "torch": stats if ratio else None, "numpy": numpy, "ratio": ratio, "gflops": gflops}


def test_peak_shares_are_left_out_when_a_workload_beats_the_peak():
    w9 = _result("W9", 100.0, numpy={"median": 1.0, "min": 1.0, "max": 1.0, "repeats": 1})
    fine = add_peak_fractions([w9, _result("W2", 50.0)])
    assert fine[1]["peak_fraction"] == 0.5 and not fine[1]["peak_inconsistent"]
    cold = add_peak_fractions([w9, _result("W2", 50.0), _result("W4", 230.0)])
    assert [r["peak_fraction"] for r in cold] == [None, None, None]
    assert [r["peak_inconsistent"] for r in cold] == [False, False, True]
    assert "230%" not in table(cold) and "above W9's peak?" in table(cold)


def test_the_peak_is_the_faster_of_w9s_two_runs_of_one_gemm():
    # tapegrad's W9 ran its GEMM in 1.0 ms at 100 GFLOP/s, NumPy's in 1.1 ms: the peak is 100
    w9 = _result("W9", 100.0, numpy={"median": 1.1, "min": 1.1, "max": 1.1, "repeats": 1})
    rows = add_peak_fractions([w9, _result("W2", 50.0)])
    assert [r["peak_fraction"] for r in rows] == [1.0, 0.5]
    assert not any(r["peak_inconsistent"] for r in rows)


def test_a_missed_target_is_marked():
    rows = table(add_peak_fractions([_result("W1", None, ratio=2.0, target=1.5),
                                     _result("W2", None, ratio=1.0, target=1.5)])).splitlines()
    assert rows[2].split()[-1] == "MISSED" and "MISSED" not in rows[3]


def test_blas_is_named_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    name = blas_kernel()
    assert "unknown" not in name and "blas" in name.lower()


def test_w9_joins_a_run_that_counts_flops():
    from benchmarks import WORKLOADS
    from benchmarks.__main__ import _with_peak
    by_key = {w.key: w for w in WORKLOADS}
    assert [w.key for w in _with_peak([by_key["W11"]])] == ["W9", "W11"]
    assert [w.key for w in _with_peak([by_key["W9"], by_key["W2"]])] == ["W9", "W2"]
    assert [w.key for w in _with_peak([by_key["W1"]])] == ["W1"]      # no FLOPs: no peak needed


def test_compare_gives_the_change_of_the_median_and_of_the_ratio(tmp_path):
    from benchmarks import compare
    ref = tmp_path / "ref.json"
    old = [_result("W2", 1.0, ratio=2.0), _result("W3", None, ratio=1.0)]
    old[0]["tapegrad"] = {"median": 0.004}
    ref.write_text(json.dumps({"blas": "x", "threads": 2, "torch": "2", "results": old}))
    new = [_result("W2", 1.0, ratio=1.5), _result("W3", None), _result("W4", None, ratio=1.0)]
    new[0]["tapegrad"] = {"median": 0.003}
    lines = compare.report(new, compare.load(ref),
                           {"blas": "x", "threads": 2, "torch": "2"}).splitlines()
    assert lines[2].split() == ["W2", "ms", "4", "3", "0.75", "2", "1.5", "0.75"]
    assert lines[3].split() == ["W3", "ms", "1e+03", "1e+03", "1.00", "1", "-", "-"]
    assert lines[4].split() == ["W4", "ms", "not", "in", "REF", "1e+03", "1"]
    assert len(lines) == 5                                            # same setting: no note
    (tmp_path / "bad.json").write_text('{"workloads": []}')
    with pytest.raises(ValueError, match="bad.json is not a `python -m benchmarks --json` file"):
        compare.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="--compare: cannot read .*missing.json"):
        compare.load(tmp_path / "missing.json")


def test_peak_rss_is_measured_in_a_fresh_process(monkeypatch):
    """tapegrad's process only (torch's import would double the time; it is the same code)."""
    from benchmarks import WORKLOADS, rss
    if not os.path.exists("/proc/self/clear_refs"):
        pytest.skip("peak RSS needs Linux's /proc/self")
    monkeypatch.setattr(rss, "torch_or_none", lambda: None)
    figures = rss.peak_rss(next(w for w in WORKLOADS if w.key == "W2"), steps=1, threads=1)
    assert figures["torch"] is None and figures["tapegrad"]["steps"] == 1
    assert figures["tapegrad"]["peak_mib"] >= figures["tapegrad"]["start_mib"] > 10, figures
    theirs = {"start_mib": 100.0, "peak_mib": 150.0, "steps": 1}
    ours = {"start_mib": 80.0, "peak_mib": 180.0, "steps": 1}
    rows = rss.table([{"key": "W2", "rss": {"tapegrad": ours, "torch": theirs}},
                      {"key": "W1", "rss": None},
                      {"key": "W3", "rss": {"tapegrad": ours, "torch": None}}]).splitlines()
    assert rows[0].startswith("peak RSS over 1 step(s)") and len(rows) == 5
    assert rows[3].split() == ["W2", "180", "(80)", "150", "(100)", "1.20", "2.00"]
    assert rows[4].split() == ["W3", "180", "(80)", "-", "-", "-"]


# (workload, batch, rtol): small batches to stay fast, but ResNet-18's needs 8, as at 4 a
# batchnorm output in block 9 lies within float32 rounding of ReLU's kink (a gradient then
# differs by design, not by a bug)
needs_jit = pytest.mark.skipif(numba.config.DISABLE_JIT,
                               reason="NUMBA_DISABLE_JIT=1: ResNet-18's convolutions take minutes")
TWINS = [pytest.param("W11", 8, 1e-4, marks=needs_jit), ("W12", 2, 1e-4), ("W13", 2, 2e-3)]


def _grad_close(ours, theirs, rtol):
    ours, theirs = ours.numpy(), theirs.detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * np.abs(theirs).max())


@pytest.mark.parametrize("key, batch, rtol", TWINS)
def test_models_agree_with_their_torch_twins(key, batch, rtol):
    """Same weights, same batch: the same loss and gradients (of the first, a middle and the
    last parameter) in one train step."""
    torch = pytest.importorskip("torch")
    from benchmarks import models
    m = models.MODELS[key]
    ours, step = models.tapegrad_train(m, batch)
    theirs, their_step = models.torch_train(m, batch, torch, ours)
    np.testing.assert_allclose(float(step().detach()), float(their_step().detach()), rtol=rtol)
    params, their_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert params.keys() == their_params.keys()
    names = list(params)
    for name in (names[0], names[len(names) // 2], names[-1]):
        _grad_close(params[name].grad, their_params[name].grad, rtol)


# torch's flop counter sets a oneDNN flag that warns on builds without Intel GPU support
@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN:UserWarning")
@pytest.mark.parametrize("key", [pytest.param("W11", marks=needs_jit), "W12", "W13"])
def test_flop_counts_are_torchs(key):
    """The counted FLOPs are what torch.utils.flop_counter sees in the twin's forward and
    backward at batch 1 (in eval mode: batchnorm's batch statistics need 2), with the LSTM and
    attention composite (oneDNN and fused attention off, so that their matmuls are visible)
    and the LSTM over 3 steps (its many small ops are slow to count)."""
    torch = pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode
    from benchmarks import models
    m = models.MODELS[key]
    data, flops = m.data, m.flops
    if key == "W13":
        data, flops = (functools.partial(f, steps=3) for f in (m.data, m.flops))
    x, y = (torch.from_numpy(a) for a in data(1))
    model = m.twin(torch).eval()
    with torch.backends.mkldnn.flags(enabled=False), sdpa_kernel(SDPBackend.MATH), \
            FlopCounterMode(display=False) as counter:
        getattr(torch.nn.functional, m.loss)(model(x), y).backward()
    assert flops(1) == counter.get_total_flops()


def test_each_sample_follows_a_pause_and_an_untimed_call(monkeypatch):
    # the frameworks take turns; each waits for the other's spinning BLAS threads to sleep
    log = []
    monkeypatch.setattr(harness.time, "sleep", lambda s: log.append(("sleep", s)))

    def setup(name):
        return lambda: (lambda: log.append(name))

    w = Workload("W0", "two fakes", {"tapegrad": setup("ours"), "torch": setup("theirs")})
    result = measure(w, rounds=2, target=0.0, warmup=0, settle=0.25)
    rounds = log[log.index(("sleep", 0.25)):]
    assert rounds == [("sleep", 0.25), "ours", "ours", ("sleep", 0.25), "theirs", "theirs"] * 2
    assert result["tapegrad"]["repeats"] == result["torch"]["repeats"] == 2
