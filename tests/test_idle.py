"""Cheap when idle: a commit with nothing pending imports no heavy library."""
from __future__ import annotations

import re

from conftest import Repo

HEAVY = ("git", "jinja2", "ruamel")


def imported(stderr: str) -> set[str]:
    """Top-level module names from `python -X importtime` lines."""
    names = set()
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", line)
        if m:
            names.add(m[1].split(".")[0])
    return names


def test_commit_with_nothing_pending_imports_no_heavy_library(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Earlier work")
    repo.git("commit", "-m", "consolidates", "--allow-empty")
    repo.git("commit", "-m", "clears the ledger", "--allow-empty")
    repo.append("app.py", "x = 1\n")
    out = repo.git("commit", "-am", "idle", env={"PYTHONPROFILEIMPORTTIME": "1"})
    names = imported(out.stderr)
    assert "sessionlog_git" in names, "the hook ran our code"
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert repo.porcelain() == []


def test_commit_with_work_pending_does_use_them(native_repo: Repo) -> None:
    """The check above can fail: with an entry pending the same measure sees the imports."""
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Work")
    out = repo.git("commit", "-m", "busy", "--allow-empty", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert {"git", "jinja2"} <= imported(out.stderr)


def test_idle_hook_under_the_framework_environment(native_repo: Repo) -> None:
    """What the framework runs (`sessionlog git-hook pre-commit`), idle, stays light too."""
    repo = native_repo
    proc = repo.sl("git-hook", "pre-commit", env={"PRE_COMMIT": "1", "PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.stdout == ""
    names = imported(proc.stderr)
    assert "sessionlog_git" in names and not names & set(HEAVY)
