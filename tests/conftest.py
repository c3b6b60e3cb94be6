"""The end of a test run: skips summarised by reason, one line each (a run without the
optional PyTorch or interop packages skips dozens of tests for the same reason), while
failures and errors keep pytest's full report."""
import collections


def pytest_terminal_summary(terminalreporter):
    reporter = terminalreporter
    if "s" not in reporter.reportchars:
        return
    reporter.reportchars = reporter.reportchars.replace("s", "")   # not one line per test
    counts, files = collections.Counter(), collections.defaultdict(set)
    for report in reporter.stats.get("skipped", []):
        path, _, reason = report.longrepr
        reason = reason.removeprefix("Skipped: ")
        counts[reason] += 1
        files[reason].add(path)
    if counts:
        reporter.write_sep("=", "skipped, by reason")
        for reason, n in counts.most_common():
            where = f" in {len(files[reason])} files" if len(files[reason]) > 1 else ""
            reporter.write_line(f"SKIPPED [{n} tests{where}] {reason}")
