"""`sessionlog consolidate` with its flags spelled out starts without building the command
line parser: the same output and exit code as through the parser, without its imports."""
from __future__ import annotations

import re
import sys
from pathlib import Path

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


def _order(stderr: str) -> list[str]:
    """Module names in the order `python -X importtime` finished importing them."""
    return [m[1] for line in stderr.splitlines()
            if (m := re.match(r"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", line))]


def test_consolidate_finds_its_repository_without_loading_git_before_its_work(
        native_repo: Repo, tmp_path: Path) -> None:
    """The top is found as every command finds it (base.repo, no git process): run from a
    subfolder it consolidates the repository's temp logs, and git's runner (subprocess) and
    the context index load only once the work has started (the take's first import,
    logs.archive). Outside a work tree it fails as every command does."""
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Chose the queue", "Decision: SQS over Redis, because ops")
    sub = repo.path / "src" / "deep"
    sub.mkdir(parents=True)
    run = repo.run(sys.executable, "-X", "importtime", "-m", "sessionlog_git", "consolidate",
                   cwd=sub)
    assert "consolidated 1 entr" in run.stdout and repo.pending() == []
    assert any(line.startswith("A  logs/archive/") for line in repo.porcelain())
    order = _order(run.stderr)
    take = order.index("sessionlog_git.logs.archive")
    assert order.index("subprocess") > take
    assert order.index("sessionlog_git.logs.context_store") > take
    outside = tmp_path / "plain"
    outside.mkdir()
    proc = Repo(outside).sl("consolidate", check=False)
    assert proc.returncode == 1 and "not inside a git work tree. Fix:" in proc.stderr
