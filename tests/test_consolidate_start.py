"""`sessionlog consolidate` with its flags spelled out starts without building the command
line parser: the same output and exit code as through the parser, without its imports."""
from __future__ import annotations

import sys

from conftest import Repo
from test_idle import imported


def test_consolidate_skips_the_parser_and_says_the_same(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Chose the queue", "Decision: SQS over Redis, because ops")
    quick = repo.run(sys.executable, "-X", "importtime", "-m", "sessionlog_git", "consolidate",
                     "--dry-run", "--no-stage")
    parsed = repo.sl("consolidate", "--dry", "--no-st")  # prefixes: only the parser reads them
    assert quick.returncode == parsed.returncode == 0
    assert quick.stdout == parsed.stdout and "would" in quick.stdout.lower()
    assert "argparse" not in imported(quick.stderr)
    assert repo.pending(), "a dry run leaves the temp log"
    out = repo.sl("consolidate")
    assert "consolidated 1 entr" in out.stdout and repo.pending() == []
    assert any(line.startswith("A  logs/archive/") for line in repo.porcelain())
    # Anything else still goes through the parser: a repeated flag, an unknown one.
    assert repo.sl("consolidate", "--pack", "--pack").returncode == 0
    wrong = repo.sl("consolidate", "--fast", check=False)
    assert wrong.returncode == 2 and "unrecognized arguments: --fast" in wrong.stderr
