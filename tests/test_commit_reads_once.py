"""What a commit reads, and when, where history or a pull could make it read more.

- The records a month checkpoint carries into the month (the last day of the month before)
  are not parsed by an ordinary commit: its checkpoint says which of them each master log
  names; a commit that needs them (a pull's splice) parses them, and the views stay a
  rebuild's.
- After a pull, each archive file the commit reads one by one (the status fold from its
  rewind point, the splice of the teammate's master log, the context index) is parsed once,
  and the index still equals `--rebuild-index`'s.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from test_context_reorder import assert_same_as_a_rebuild
from test_incremental_history import age_archive, assert_views_are_fresh
from test_pull_splice import MASTER, _consolidate, _rebuilt, _team
from test_why import commit_at

from sessionlog_git import workspace
from sessionlog_git.logs import archive, status_tail
from sessionlog_git.pipeline import consolidate


class CarryReads:
    """How often a checkpoint's carried records were parsed in this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed = 0
        real = status_tail.Carry.records

        def records(carry: status_tail.Carry) -> list[Any]:
            self.parsed += 1
            return real(carry)

        monkeypatch.setattr(status_tail.Carry, "records", records)


def _late_october(repo: Repo) -> None:
    """October's last evening (after its month checkpoint's cutoff: carried into November)
    and a November day, each committed."""
    repo.log("2026-10-05T09:00:00+00:00", "Payments", "Decision: payments.py batches refunds")
    commit_at(repo, "2026-10-05T10:00:00+00:00", "--allow-empty", "-m", "Payments")
    repo.log("2026-10-31T21:00:00+00:00", "Late ledger", "Next: audit the ledger", user="grace")
    repo.log("2026-10-31T22:00:00+00:00", "Late refunds", "Decision: refunds.py retries twice")
    commit_at(repo, "2026-10-31T23:00:00+00:00", "--allow-empty", "-m", "Late October")
    repo.log("2026-11-02T09:00:00+00:00", "Exports", "Decision: exports.py writes CSV")
    commit_at(repo, "2026-11-02T10:00:00+00:00", "--allow-empty", "-m", "Exports")
    age_archive(repo)


def test_an_ordinary_commit_does_not_parse_the_records_carried_from_the_month_before(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    _late_october(repo)
    repo.log("2026-11-03T09:00:00+00:00", "Imports", "Decision: imports.py reads CSV")
    commit_at(repo, "2026-11-03T10:00:00+00:00", "--allow-empty", "-m", "Imports")  # primes the checkpoints
    tails = repo.state() / "cache" / "status-tail" / "shop"
    assert [p for p in (tails / "carry").iterdir() if p.stat().st_size > 2], "nothing carried"

    repo.log("2026-11-04T09:00:00+00:00", "Refund audit", "Next: sample 50 refunds")
    reads = CarryReads(monkeypatch)
    monkeypatch.chdir(repo.path)
    result = consolidate.run(workspace.at(repo.path))
    assert result.archived and not result.problems, result.problems
    assert reads.parsed == 0
    commit_at(repo, "2026-11-04T10:00:00+00:00", "--allow-empty", "-m", "Refund audit")
    assert_views_are_fresh(repo)
    assert "Late refunds" in repo.read("logs/shop-session-log-2026-10.md")


def test_a_damaged_carry_file_costs_a_fold_not_a_wrong_view(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The carried records' file is checked by its digest when a checkpoint names it: one
    that changed on disk is not used (the month is folded again), the views stay a rebuild's."""
    repo = native_repo
    _late_october(repo)
    carry_dir = repo.state() / "cache" / "status-tail" / "shop" / "carry"
    for path in carry_dir.iterdir():
        path.write_text(path.read_text(encoding="utf-8").replace("Late", "Lost"), encoding="utf-8")
    repo.log("2026-11-04T09:00:00+00:00", "Refund audit", "Next: sample 50 refunds")
    commit_at(repo, "2026-11-04T10:00:00+00:00", "--allow-empty", "-m", "Refund audit")
    assert_views_are_fresh(repo)
    assert "Lost" not in repo.read("logs/shop-status.md")


def test_after_a_pull_each_file_read_one_by_one_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada, _ = _team(tmp_path)
    ada.log("2026-11-23T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    parsed: Counter[str] = Counter()
    real_parse, real_at = archive._parse_file, archive.records_at

    def parse_file(found: Any, project: str, source: str, zone: str) -> list[Any]:
        parsed[source] += 1
        return real_parse(found, project, source, zone)

    def records_at(rel: str, *args: Any, **kw: Any) -> list[Any]:
        parsed[rel.split("/", 1)[1]] += 1  # the context index's own read of a file
        return real_at(rel, *args, **kw)

    monkeypatch.setattr(archive, "_parse_file", parse_file)
    monkeypatch.setattr(archive, "records_at", records_at)
    _consolidate(ada, monkeypatch)
    grace = [s for s in parsed if "/grace/" in s]
    assert grace, "the teammate's file was not read"
    assert {s: n for s, n in parsed.items() if n > 1} == {}
    assert ada.read(MASTER) == _rebuilt(ada)
    assert_same_as_a_rebuild(ada)
