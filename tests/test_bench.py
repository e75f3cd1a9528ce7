"""The benchmark still runs: a smoke run at tiny sizes. No timing is asserted here."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT

ROWS = (
    "per-prompt hook", "per-prompt hook, no entry today", "session-start hook",
    "pre-commit hook, nothing pending",
    "git commit --allow-empty", "one new day into a", "the same with", "full rebuild", "peak memory",
    "sessionlog why", "entries into one file", "sessionlog search, first query",
    "sessionlog search, later queries", "adversarial temp log",
)
NUMBER = re.compile(r"\d+(?:\.\d+)? (?:ms|s|MB)")


def test_quick_benchmark_prints_every_row_with_numbers() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| measurement |")
    body = lines[2:]
    for row in ROWS:
        found = [line for line in body if row in line]
        assert len(found) >= 1, f"no row for {row!r}:\n{proc.stdout}"
        for line in found:
            cells = line.split("|")
            assert NUMBER.search(cells[2]), f"no measurement in {line!r}"
            # The towncrier side may be unavailable (no network): the row then says why.
            assert NUMBER.search(cells[3]) or "not measured" in cells[3], line
            assert cells[5].strip() and cells[6].strip(), line
    assert len(body) == 16
