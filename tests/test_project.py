"""The project's promises: the README's commands are what CI runs."""
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _readme_commands():
    return re.findall(r"```bash\n#[^\n]*\n([^\n]+)\n```", (ROOT / "README.md").read_text())


def test_ci_runs_the_readmes_test_command():
    main_job, tests = _readme_commands()
    assert "python -m benchmarks" in main_job
    assert "pytest" in tests
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines


def test_readme_example_runs():
    code = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})


def test_the_wheel_installs_only_the_product_packages(tmp_path):
    """benchmarks/ and examples/ run from the checkout; the wheel holds autograd, ops, nn and
    optim only. Built from a copy, offline (no build isolation: setuptools from this env)."""
    pytest.importorskip("setuptools")
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                          "--no-build-isolation", "-w", str(tmp_path), str(source)],
                         capture_output=True, text=True, timeout=300)
    if run.returncode:
        pytest.skip(f"pip wheel could not build here: {run.stderr.strip()[-300:]}")
    wheel, = tmp_path.glob("tapegrad-*.whl")
    with zipfile.ZipFile(wheel) as z:
        top = {n.split("/")[0] for n in z.namelist() if not n.split("/")[0].endswith(".dist-info")}
        listed = next(z.read(n).decode().split() for n in z.namelist()
                      if n.endswith("top_level.txt"))
    assert top == {"autograd", "ops", "nn", "optim"}
    assert sorted(listed) == ["autograd", "nn", "ops", "optim"]


def test_readme_names_the_installed_packages():
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "`autograd`, `ops`, `nn`, `optim`" in text and "HIPS" in text


def test_skips_are_summarised_by_reason_and_failures_stay_loud(tmp_path):
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path)
    skip = "import pytest\nnp = pytest.importorskip('no_such_module_here')\n" \
           "def test_a(): pass\ndef test_b(): pass\n"
    (tmp_path / "test_one.py").write_text(skip)
    (tmp_path / "test_two.py").write_text(skip.replace("test_b", "test_c"))
    (tmp_path / "test_three.py").write_text(
        "import pytest\n@pytest.mark.skip(reason='by hand')\ndef test_d(): pass\n"
        "def test_e(): assert 1 == 2\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider",
                          str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    lines = run.stdout.splitlines()
    skipped = [line for line in lines if line.startswith("SKIPPED")]
    assert skipped == ["SKIPPED [2 tests in 2 files] could not import 'no_such_module_here': "
                       "No module named 'no_such_module_here'", "SKIPPED [1 tests] by hand"]
    assert any(line.startswith("FAILED") and "test_e" in line for line in lines)
    assert "assert 1 == 2" in run.stdout
