"""The project's promises: the README's commands are what CI runs."""
import pathlib
import re

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
