"""A commit's work does not grow with the months before it: each folder of an earlier month is
listed once (the archive's folders are listed in one pass, `layout.scan_archive`, which the
link check, the status checkpoint's month keys and the context index's folder mtimes share),
no file of an earlier month is opened and no path of one is stat'ed again; the records the month
checkpoint carries into the month are written once, not into every status checkpoint; and the
views stay a rebuild's. What is read is asserted here, not how long it takes (scripts/bench.py times it)."""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from test_incremental_history import age_archive, assert_views_are_fresh, month_of_work
from test_why import commit_at

CURRENT = "2026-11"
RECORDING: list[bool] = []  # audit hooks cannot be removed: this one records only while set
EVENTS: list[tuple[str, str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if RECORDING and event in ("open", "os.scandir", "os.listdir") and args and args[0] is not None:
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)) and not isinstance(path, int):
            EVENTS.append((event, os.fsdecode(os.fspath(path))))


sys.addaudithook(_audit)


def _earlier(path: str, archive: str) -> str | None:
    """The earlier month a path lies in (under the archive), else None."""
    if not path.startswith(archive + os.sep):
        return None
    month = path[len(archive) + 1:].split(os.sep, 1)[0]
    return month if month < CURRENT else None


def test_a_new_day_lists_each_earlier_month_folder_once_and_opens_none_of_its_files(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    repo = native_repo
    for month in ("2026-07", "2026-08", "2026-09", "2026-10", CURRENT):
        month_of_work(repo, month)
        repo.log(f"{month}-07T09:00:00+00:00", f"Ledger {month}", "Next: audit the ledger",
                 user="grace")
        commit_at(repo, f"{month}-07T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {month}")
    age_archive(repo)
    repo.log(f"{CURRENT}-20T09:00:00+00:00", "Prime", "Decision: keep the prime commit")
    commit_at(repo, f"{CURRENT}-20T10:00:00+00:00", "--allow-empty", "-m", "Prime")
    archive = str(repo.path / "logs" / "archive")
    months = sorted(p.name for p in Path(archive).iterdir() if p.name < CURRENT)
    assert months == ["2026-07", "2026-08", "2026-09", "2026-10"]

    stats: list[str] = []
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path: Any, *args: Any, **kw: Any) -> os.stat_result:
        stats.append(os.fsdecode(os.fspath(path)) if not isinstance(path, int) else "")
        return real_stat(path, *args, **kw)

    def lstat(path: Any, *args: Any, **kw: Any) -> os.stat_result:
        stats.append(os.fsdecode(os.fspath(path)))
        return real_lstat(path, *args, **kw)

    repo.log(f"{CURRENT}-21T09:00:00+00:00", "Refunds", "Decision: payments.py refunds in one batch",
             "Blocked on: the auditors")
    # The status checkpoints name the file of the records the month checkpoint carried; a
    # commit names it again, it does not write those records once more (the same file: its inode).
    tails = repo.state() / "cache" / "status-tail" / "shop"
    carried = {p.name: p.stat().st_ino for p in (tails / "carry").iterdir()}
    assert carried
    EVENTS.clear()
    with monkeypatch.context() as m:
        m.setattr(os, "stat", stat)
        m.setattr(os, "lstat", lstat)
        m.chdir(repo.path)
        RECORDING.append(True)
        try:
            result = consolidate.run(workspace.at(repo.path))
        finally:
            RECORDING.clear()
    assert result.archived and not result.problems, result.problems

    opened = [p for event, p in EVENTS if event == "open" and _earlier(p, archive)]
    assert opened == [], "files of earlier months were opened"
    listings = Counter(p for event, p in EVENTS if event != "open" and _earlier(p, archive))
    twice = {p: n for p, n in listings.items() if n > 1}
    assert twice == {}, "folders of earlier months listed more than once"
    # The month folders and their project folders, each once (their contributor folders'
    # mtimes come with those listings' entries, not from a call each); a contributor folder
    # only where the status file links to a file of it (which file of its pack), once.
    walked = {os.path.join(archive, month, *rest) for month in months for rest in ((), ("shop",))}
    assert walked <= set(listings)
    assert all(p.count(os.sep) - archive.count(os.sep) == 3 for p in set(listings) - walked)
    assert [p for p in stats if _earlier(p, archive)] == []

    assert {p.name: p.stat().st_ino for p in (tails / "carry").iterdir()} == carried
    newest = max(tails.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    assert json.loads(newest.read_text(encoding="utf-8"))["carry"] in carried

    commit_at(repo, f"{CURRENT}-21T10:00:00+00:00", "-m", "Refunds")
    assert_views_are_fresh(repo)
