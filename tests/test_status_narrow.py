"""A day among entries folded already, when its entries retire nothing: the status is folded
again from the month checkpoint, but its `Supersedes:` are matched against the decisions of
the month and the few of the months before that the month took before, read from their
archive files, not against every live decision of the history (logs/status_rewind.py,
`_narrowing`). The committed status still equals a full rebuild's, byte for byte.
"""
from __future__ import annotations

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


def test_a_day_among_folded_entries_reads_only_the_decisions_the_month_took(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    for n, topic in enumerate(TOPICS, start=1):  # October: the history's live decisions
        repo.log(f"2026-10-{n:02d}T09:00:00+00:00", f"Ledger {topic}",
                 f"Decision: ledger.py keeps {topic} copies")
        commit_at(repo, f"2026-10-{n:02d}T10:00:00+00:00", "--allow-empty", "-m", topic)
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
