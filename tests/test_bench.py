"""The benchmark still runs: a smoke run at tiny sizes. No timing is asserted here."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT

ROWS = (
    "per-prompt hook", "per-prompt hook, no entry today", "session-start hook",
    "the same session start with 24 months of history", "pre-edit hook",
    "pre-commit hook, nothing pending",
    "git commit --allow-empty", "one new day into a", "pre-commit hook process, one new day",
    "git commit, one new day", "the same with", "full rebuild", "peak memory",
    "sessionlog why", "entries into one file", "sessionlog search, first query",
    "sessionlog search, later queries", "adversarial temp log",
    "pre-commit hook process after a pull that brought a teammate's day",
)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)? (?:ms|s|MB|files)")


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
    assert len(body) == 22


def test_quick_session_benchmark_prints_a_row_per_cli_and_session() -> None:
    """The session benchmark's smoke run (3 prompts) with the real CLIs; no budget asserted."""
    import shutil

    import pytest

    if shutil.which("npm") is None:
        pytest.skip("npm not found: no real CLI to run a session with")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--sessions", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| CLI | session | prompts | Stop blocks | extra model turns |")
    rows = {tuple(c.strip() for c in line.split("|")[1:4]) for line in lines[2:]}
    for cli in ("claude", "codex", "gemini"):
        if f"{cli}: not installed" not in proc.stderr:
            assert {(cli, "diligent", "3"), (cli, "read-only", "3")} <= rows, proc.stdout
    for line in lines[2:]:
        assert all(re.fullmatch(r"[\d,]+", c.strip()) for c in line.split("|")[4:-1]), line


def test_scale_rows_run_on_a_tiny_generated_history() -> None:
    """`--scale N`: the generated history (cached under .cache/bench-scale) and its fourteen rows,
    at a size that takes seconds. No timing is asserted."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--only", "scale", "--scale", "1200",
         "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    body = [line for line in proc.stdout.splitlines() if line.startswith("| ")][2:]
    names = ("sessionlog report weekly, 1,201 entries", "sessionlog report blockers, 1,201 entries",
             "sessionlog why src/payments.py:3, 1,201 entries",
             "sessionlog report blockers, the first after a commit (a new day in the newest month)",
             "sessionlog why src/payments.py:3, the first after a commit (a new day in the newest",
             "sessionlog report blockers, the first of a new month (a day in the month after the newest)",
             "pre-commit hook process, one new day into a 60-entry month, 1,201 entries archived",
             "the same into the history's newest month (a tenth of it as large in the baseline), "
             "1,201 entries",
             "the same, a day among entries already folded (a teammate's later ones that day "
             "committed first), into the 60-entry month, 1,201 entries archived",
             "the same, a day among entries already folded, in the history's newest month, "
             "1,201 entries",
             "full rebuild (consolidate.rebuild), 1,201",
             "peak memory of that rebuild (VmHWM), 1,201",
             "peak memory of that rebuild, 48 months of history against the last 12 alone",
             "files under logs/archive, 1,201")
    assert len(body) == len(names), proc.stdout
    for name, line in zip(names, body, strict=True):
        cells = line.split("|")
        assert name in cells[1] and NUMBER.search(cells[2]) and NUMBER.search(cells[3]), line
        assert cells[5].strip() in ("≤ 2 s", "≤ 1.2×", "—", "≤ 60 s", "≤ 1 GB", "≤ 60,000"), line
    # The commit rows: against the same generator's history with a tenth of the entries.
    for line in body[6:10]:
        assert "121 entries (the same generator)" in line.split("|")[3], line
    # ... timed in clones: the generated repositories the other rows read stay as generated
    # (no hook installed, nothing committed, a clean tree).
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_scale

    for entries in (1200, 120):
        top = ROOT / ".cache" / "bench-scale" / f"{entries}-{bench_scale.key(entries)}" / "shop"
        log = subprocess.run(["git", "log", "--format=%s"], cwd=top, capture_output=True,
                             text=True, check=True).stdout.splitlines()
        assert log[0] == "Retry card charges three times" and len(log) == 50, log[:3]
        status = subprocess.run(["git", "status", "--porcelain"], cwd=top, capture_output=True,
                                text=True, check=True).stdout
        assert status == "" and not (top / ".git" / "hooks" / "pre-commit").exists(), status
    # The closed months are packed: fewer files than one per archived temp log (1,201).
    files = body[-1].split("|")
    packed, loose = (int(c.split()[0].replace(",", "")) for c in files[2:4])
    assert loose == 1201 and 0 < packed < loose, body[-1]
