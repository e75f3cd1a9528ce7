"""Cheap when idle: a commit with nothing pending imports no heavy library."""
from __future__ import annotations

import re
import sys

from conftest import Repo

HEAVY = ("git", "jinja2", "ruamel", "filelock", "detect_secrets", "re2")


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
    names = imported(out.stderr)
    assert "re2" in names  # the secret scan (HEAVY)
    assert "jinja2" in names  # the views (HEAVY)


def test_idle_hook_under_the_framework_environment(native_repo: Repo) -> None:
    """What the framework runs (`sessionlog git-hook pre-commit`), idle, stays light too."""
    repo = native_repo
    proc = repo.sl("git-hook", "pre-commit", env={"PRE_COMMIT": "1", "PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.stdout == ""
    names = imported(proc.stderr)
    assert "sessionlog_git" in names and not names & set(HEAVY)


def test_idle_commit_imports_almost_nothing(native_repo: Repo) -> None:
    """An idle commit answers from a few stat calls: not even the config module is loaded."""
    repo = native_repo
    repo.sl("consolidate")  # refresh the config cache
    out = repo.git("commit", "--allow-empty", "-m", "idle", env={"PYTHONPROFILEIMPORTTIME": "1"})
    bare = repo.run(sys.executable, "-X", "importtime", "-c", "pass").stderr
    names = imported(out.stderr) - imported(bare)  # what start-up imports anyway is not ours
    assert "sessionlog_git" in names
    assert not names & {"dataclasses", "tempfile", "argparse", "subprocess", "pathlib", "typing",
                         "runpy"}, names


def test_idle_check_sends_anything_uncertain_down_the_full_path(native_repo: Repo) -> None:
    from sessionlog_git.pipeline import idle

    repo = native_repo
    top = str(repo.path)
    repo.sl("consolidate")
    assert idle.nothing_to_do(top) is True
    repo.log("2026-11-25T09:00:00+01:00", "Pending work")
    assert idle.nothing_to_do(top) is False  # a temp log is waiting
    repo.sl("consolidate")
    assert idle.nothing_to_do(top) is False  # the ledger: our files are not committed yet
    repo.git("commit", "-m", "commit them")
    repo.git("commit", "--allow-empty", "-m", "clear the ledger")
    assert idle.nothing_to_do(top) is True
    repo.write(".sessionlog.yaml", "project: shop\npending_dir: tmp/pending\n")
    assert idle.nothing_to_do(top) is False  # a config edit: the cache is stale
    repo.sl("consolidate")
    assert idle.nothing_to_do(top) is True
    repo.log("2026-11-25T09:30:00+01:00", "Elsewhere")
    assert (repo.path / "tmp/pending/shop/ada/2026-11-25.md").is_file()
    assert idle.nothing_to_do(top) is False  # found in the configured folder
    assert idle.nothing_to_do(str(repo.path / "logs")) is False  # not a work tree's top
