"""Smoke test of `python -m benchmarks`: the table and the JSON have every field (no timing
is asserted anywhere)."""
import json
import os
import subprocess
import sys

from benchmarks.harness import add_peak_fractions, blas_kernel, table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # not installed: run here

RESULT_FIELDS = {"key", "title", "unit", "target", "tapegrad", "torch", "numpy", "ratio",
                 "gflops", "peak_fraction", "peak_inconsistent"}
STAT_FIELDS = {"median", "min", "max", "repeats"}


def test_quick_run_prints_table_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "W1,W2,W9",
                          "--json", str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
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
    import numba
    import pytest
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


def test_a_missed_target_is_marked():
    rows = table(add_peak_fractions([_result("W1", None, ratio=2.0, target=1.5),
                                     _result("W2", None, ratio=1.0, target=1.5)])).splitlines()
    assert rows[2].split()[-1] == "MISSED" and "MISSED" not in rows[3]


def test_blas_is_named_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    name = blas_kernel()
    assert "unknown" not in name and "blas" in name.lower()
