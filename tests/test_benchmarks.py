"""Smoke test of `python -m benchmarks`: the table and the JSON have every field (no timing
is asserted anywhere)."""
import json
import subprocess
import sys

RESULT_FIELDS = {"key", "title", "unit", "target", "tapegrad", "torch", "numpy", "ratio",
                 "gflops", "peak_fraction"}
STAT_FIELDS = {"median", "min", "max", "repeats"}


def test_quick_run_prints_table_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "W1,W2,W9",
                          "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    header = [ln for ln in run.stdout.splitlines() if ln.startswith("workload")]
    assert header and "x torch" in header[0]
    assert any(ln.startswith("W1 ") for ln in run.stdout.splitlines())
    assert any(ln.startswith("W2 ") for ln in run.stdout.splitlines())
    data = json.loads(out.read_text())
    assert {r["key"] for r in data["results"]} == {"W1", "W2", "W9"}
    by_key = {r["key"]: r for r in data["results"]}
    assert by_key["W1"]["peak_fraction"] is None and by_key["W2"]["peak_fraction"] > 0
    for r in data["results"]:
        assert RESULT_FIELDS <= set(r)
        assert STAT_FIELDS <= set(r["tapegrad"]) and STAT_FIELDS <= set(r["numpy"])
        assert (r["torch"] is None) == (data["torch"] is None)


def test_profile_option_prints_a_profile():
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--profile", "W1"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "profile of W1" in run.stdout and "tanh" in run.stdout and "engine, backward" in run.stdout


def test_unknown_workload_is_an_error():
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "W99"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "no workload matches" in run.stderr


def test_data_parallel_figures(tmp_path):
    from benchmarks import distributed
    if not distributed.available():
        import pytest
        pytest.skip("mpi4py or mpiexec missing (the distributed extra)")
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "D",
                          "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for key in ("D1", "D2", "D3", "D4"):
        assert any(ln.startswith(key + " ") for ln in lines), run.stdout
    figures = json.loads(out.read_text())["data_parallel"]
    assert figures["one"]["world"] == 1 and figures["two"]["world"] == 2
    assert {"local", "ddp", "blocking", "allreduce_1mb", "allreduce_25mb"} <= set(figures["two"])
