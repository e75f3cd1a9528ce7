"""A day among entries folded already, when its entries retire nothing: the status is folded
again from the month checkpoint, but its `Supersedes:` are matched against the decisions of
the month and the few of the months before that the month took before, read from their
archive files, not against every live decision of the history (logs/status_rewind.py,
`_narrowing`). The committed status still equals a full rebuild's, byte for byte.
"""
from __future__ import annotations

import os
import time
from typing import Any

import pytest
from conftest import Repo
from test_incremental_history import assert_views_are_fresh
from test_status_tail import consolidate_in_process, section
from test_why import commit_at

from sessionlog_git.logs import archive, status_rewind

TOPICS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")


class Reads:
    """What the status folds read of the months before: every live decision (`whole`), or
    the decisions asked for by id (`by_id`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole = 0
        self.by_id: list[set[str]] = []
        loader, by_id = archive._live_loader, archive.decisions_by_id

        def counted_loader(*args: Any, **kw: Any) -> Any:
            load = loader(*args, **kw)

            def counted() -> Any:
                self.whole += 1
                return load()

            return counted

        def counted_by_id(*args: Any) -> Any:
            self.by_id.append(set(args[-1]))
            return by_id(*args)

        monkeypatch.setattr(archive, "_live_loader", counted_loader)
        monkeypatch.setattr(archive, "decisions_by_id", counted_by_id)


def settle(repo: Repo, month: str) -> None:
    """Date the month's archive folders two seconds back: a folder changed within the last
    second is keyed with its file names too (`archive._month_keys`, as git treats a racily
    clean entry), so a fast commit right after would key the month apart from a later one,
    and these tests assert which checkpoint each commit folds from."""
    ago = time.time_ns() - 2_000_000_000
    for folder, _dirs, _files in os.walk(repo.path / "logs" / "archive" / month):
        os.utime(folder, ns=(ago, ago))


def test_a_day_among_folded_entries_reads_only_the_decisions_the_month_took(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    for n, topic in enumerate(TOPICS, start=1):  # October: the history's live decisions
        repo.log(f"2026-10-{n:02d}T09:00:00+00:00", f"Ledger {topic}",
                 f"Decision: ledger.py keeps {topic} copies")
        commit_at(repo, f"2026-10-{n:02d}T10:00:00+00:00", "--allow-empty", "-m", topic)
    settle(repo, "2026-10")
    repo.log("2026-11-02T09:00:00+00:00", "Cache", "Decision: cache.py keeps sessions in redis")
    commit_at(repo, "2026-11-02T10:00:00+00:00", "--allow-empty", "-m", "Cache")
    repo.log("2026-11-10T10:00:00+00:00", "Vault",
             "Supersedes: ledger.py keeps charlie copies in the vault")
    repo.log("2026-11-10T14:00:00+00:00", "Cache", "Supersedes: cache.py keeps sessions",
             "Decision: cache.py keeps sessions in memcached")
    commit_at(repo, "2026-11-10T15:00:00+00:00", "--allow-empty", "-m", "Vault")
    retired = section(repo.read("logs/shop-status.md"), "Retired decisions")
    assert "~~Decision: ledger.py keeps charlie copies~~" in retired

    # grace's day, the 10th, before and among the entries folded: her decision shares more
    # words with the 10:00 Supersedes: than October's charlie one, which is live again.
    reads = Reads(monkeypatch)
    repo.log("2026-11-10T08:30:00+00:00", "Vault", "Decision: ledger.py keeps charlie copies "
             "in the vault for a year", user="grace")
    repo.log("2026-11-10T12:00:00+00:00", "Vault", "Tried: the vault API", user="grace")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "MAX_FILES", 0)  # the month folded again, from its checkpoint
        fed = consolidate_in_process(repo, monkeypatch)
    assert sum(fed) == 5, fed  # the month's 3 records and grace's 2
    assert reads.whole == 0  # not October's live decisions
    (asked,) = reads.by_id
    assert len(asked) == 1 and next(iter(asked)).startswith("archive/2026-10/")  # charlie's
    commit_at(repo, "2026-11-10T16:00:00+00:00", "-m", "Vault, grace's day")
    status = repo.read("logs/shop-status.md")
    retired = section(status, "Retired decisions")
    assert "charlie copies~~" not in retired.replace("in the vault for a year~~", "")
    assert "~~Decision: ledger.py keeps charlie copies in the vault for a year~~" in retired
    assert_views_are_fresh(repo)

    # A day whose own entry retires something may take any live decision: all are read.
    reads = Reads(monkeypatch)
    repo.log("2026-11-10T09:00:00+00:00", "Ledger", "Reverted: ledger.py keeps echo copies",
             user="grace")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "MAX_FILES", 0)
        consolidate_in_process(repo, monkeypatch)
    assert reads.by_id == []  # not narrowed
    commit_at(repo, "2026-11-10T17:00:00+00:00", "-m", "Ledger, a revert")
    assert "~~Decision: ledger.py keeps echo copies~~" in section(
        repo.read("logs/shop-status.md"), "Retired decisions")
    assert_views_are_fresh(repo)


OLD = """\
## 09:00 - Auth
- Decision: tokens signed with RS256 over HS256
- Decision: sessions kept in redis
## 10:00 - Payments
- Decision: payments.py retries card charges three times
## 11:00 - Ledger
- Decision: ledger.py keeps daily copies
"""

NEW = """\
## 14:00 - Sessions
- Decision: sessions kept in memcached for now
## 15:00 - Rotation
- Supersedes: tokens signed with RS256
- Decision: tokens signed by the vault
"""


def test_a_narrowed_book_takes_and_lists_what_a_whole_one_does() -> None:
    """The book narrowed to the decision its takes need gives the same takes, and, once every
    live decision is asked for, the same live decisions and newest ones, as the book that
    read them all; it reads the rest only then."""
    from datetime import date

    from sessionlog_git.base.text import words
    from sessionlog_git.logs.entries import parse
    from sessionlog_git.logs.lifecycle import Decision, LazyDecisionBook, decision_id, fold
    from sessionlog_git.logs.model import Record

    def records(text: str, source: str) -> list[Record]:
        return [Record(e, "shop", "ada", source) for e in parse(text, day=date(2026, 11, 2)).entries]

    old = fold(records(OLD, "archive/2026-10/shop/ada/a.md"), words)
    new = records(NEW, "archive/2026-11/shop/ada/b.md")
    loads = 0

    def load() -> list[Decision[Record]]:
        nonlocal loads
        loads += 1
        return [Decision(d.record, d.bullet) for d in old]

    whole = LazyDecisionBook(words, load, old[-2:])
    narrowed = LazyDecisionBook(words, load, old[-2:])
    narrowed.narrow(lambda: [Decision(old[0].record, old[0].bullet)])  # the RS256 decision
    for record in new:
        assert [decision_id(d) for d in whole.feed(record)] == [
            decision_id(d) for d in narrowed.feed(record)]
    assert loads == 1  # the whole book's
    assert [decision_id(d) for d in narrowed.recent(3)] == [decision_id(d) for d in whole.recent(3)]
    assert loads == 1
    assert [decision_id(d) for d in narrowed.live] == [decision_id(d) for d in whole.live]
    assert loads == 2
    assert narrowed.mark()[0] == whole.mark()[0] == [decision_id(old[0])]


def test_a_day_among_folded_entries_refolds_from_the_rewind_point_with_the_decisions_it_took(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From the rewind point too (logs/status_rewind.py, `_narrow_point`): the `Supersedes:`
    after its edge are matched against the decisions the fold took after it, one of the
    history's and one of the month's before the edge, read by id; not every live decision of
    the history, and not the month's records. A day whose own entry supersedes an old
    decision still reads them all. Each time the status is a full rebuild's."""
    repo = native_repo
    for n, topic in enumerate(TOPICS, start=1):  # October: the history's live decisions
        repo.log(f"2026-10-{n:02d}T09:00:00+00:00", f"Ledger {topic}",
                 f"Decision: ledger.py keeps {topic} copies")
        commit_at(repo, f"2026-10-{n:02d}T10:00:00+00:00", "--allow-empty", "-m", topic)
    settle(repo, "2026-10")
    repo.log("2026-11-02T09:00:00+00:00", "Cache", "Decision: cache.py keeps sessions in redis")
    commit_at(repo, "2026-11-02T10:00:00+00:00", "--allow-empty", "-m", "Cache")
    repo.log("2026-11-05T09:00:00+00:00", "Queue", "Decision: queue.py retries jobs five times")
    commit_at(repo, "2026-11-05T10:00:00+00:00", "--allow-empty", "-m", "Queue")
    repo.log("2026-11-10T10:00:00+00:00", "Vault",
             "Supersedes: ledger.py keeps charlie copies in the vault")
    repo.log("2026-11-10T14:00:00+00:00", "Queue", "Supersedes: queue.py retries jobs",
             "Decision: queue.py retries jobs three times")
    commit_at(repo, "2026-11-10T15:00:00+00:00", "--allow-empty", "-m", "Vault")
    # The 11th's: more decisions than the status lists (RECENT_DECISIONS), so the newest
    # need none of those before the edge (with fewer, the book would read them all).
    repo.log("2026-11-11T09:00:00+00:00", "Exports", "Next: export the ledger",
             *(f"Decision: exports.py writes format {n}" for n in range(12)))
    commit_at(repo, "2026-11-11T10:00:00+00:00", "--allow-empty", "-m", "Exports")
    # A late entry of the 11th, folded with the whole month (no rewind point is near enough
    # with so few files allowed): that takes a rewind point at 00:00 UTC of the 10th.
    repo.log("2026-11-11T08:00:00+00:00", "Late", "Next: count the ledger copies")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "MAX_FILES", 1)
        consolidate_in_process(repo, monkeypatch)
    commit_at(repo, "2026-11-11T11:00:00+00:00", "-m", "Late")
    retired = section(repo.read("logs/shop-status.md"), "Retired decisions")
    assert "~~Decision: ledger.py keeps charlie copies~~" in retired
    assert "~~Decision: queue.py retries jobs five times~~" in retired
    assert_views_are_fresh(repo)

    # grace's day, the 10th, among the entries folded: her decision shares more words with
    # the 10:00 Supersedes: than October's charlie one, which is live again.
    reads = Reads(monkeypatch)
    month_reads: list[str] = []
    real_month = archive.month_records

    def counted_month(*args: Any, **kw: Any) -> Any:
        month_reads.append(args[2])
        return real_month(*args, **kw)

    monkeypatch.setattr(archive, "month_records", counted_month)
    repo.log("2026-11-10T08:30:00+00:00", "Vault", "Decision: ledger.py keeps charlie copies "
             "in the vault for a year", user="grace")
    repo.log("2026-11-10T12:00:00+00:00", "Vault", "Tried: the vault API", user="grace")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "_whole", None)  # the month is not folded whole
        fed = consolidate_in_process(repo, monkeypatch)
    # From the edge: the 10th's two, the 11th's two, and grace's two.
    assert sum(fed) == 6, fed
    assert reads.whole == 0  # not the history's live decisions
    assert month_reads == []  # nor the month's records
    (asked,) = reads.by_id
    assert sorted(i.split("/")[1] for i in asked) == ["2026-10", "2026-11"], asked
    assert any("/2026-11-05-" in i for i in asked), asked  # queue.py, five times
    commit_at(repo, "2026-11-10T16:00:00+00:00", "-m", "Vault, grace's day")
    retired = section(repo.read("logs/shop-status.md"), "Retired decisions")
    assert "charlie copies~~" not in retired.replace("in the vault for a year~~", "")
    assert "~~Decision: ledger.py keeps charlie copies in the vault for a year~~" in retired
    assert "~~Decision: queue.py retries jobs five times~~" in retired
    assert_views_are_fresh(repo)

    # grace's day again, with a Supersedes: of an October decision: it may take any live
    # decision, so all are read; still from the rewind point, and still a rebuild's status.
    reads = Reads(monkeypatch)
    repo.log("2026-11-10T09:00:00+00:00", "Ledger", "Supersedes: ledger.py keeps echo copies",
             "Decision: ledger.py keeps echo copies offsite", user="grace")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "_whole", None)
        fed = consolidate_in_process(repo, monkeypatch)
    assert sum(fed) == 7, fed
    assert reads.by_id == [] and reads.whole == 1  # not narrowed
    commit_at(repo, "2026-11-10T17:00:00+00:00", "-m", "Ledger, grace's echo")
    retired = section(repo.read("logs/shop-status.md"), "Retired decisions")
    assert "~~Decision: ledger.py keeps echo copies~~" in retired
    assert "~~Decision: ledger.py keeps charlie copies in the vault for a year~~" in retired
    assert_views_are_fresh(repo)
