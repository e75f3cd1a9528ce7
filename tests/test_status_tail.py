"""A commit folds only its own records into the status, and the status stays a rebuild's.

The status file's fold of the month so far is checkpointed at each commit
(logs/status_tail.py), so the next commit folds only its new day. Whatever the order the
entries come in (a second commit the same day, an entry archived twice, a back-dated entry,
a `Supersedes:` of a decision made earlier in the month or months before, a damaged
checkpoint, a reset), the committed status must equal a full rebuild's, byte for byte.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import PYTHON, Repo
from test_incremental_history import REBUILD, age_archive, assert_views_are_fresh, month_of_work
from test_why import commit_at

from sessionlog_git.logs import layout, model


def assert_views_are_a_rebuild(repo: Repo) -> None:
    """As assert_views_are_fresh, for an archive `sessionlog check` warns about (an entry
    archived twice): every view, committed and on disk, equals a rebuild's."""
    expected: dict[str, str] = json.loads(repo.run(PYTHON, "-c", REBUILD).stdout)
    assert "logs/shop-status.md" in expected
    for rel, text in expected.items():
        assert repo.tracked(rel) == text, rel
        assert repo.read(rel) == text, rel


def section(status: str, title: str) -> str:
    return status.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def tail_files(repo: Repo) -> list[Path]:
    return sorted((repo.state() / "cache" / "status-tail" / "shop").glob("*.json"))


def consolidate_in_process(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """`consolidate.run` here, counting the records each status fold is fed."""
    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    fed: list[int] = []
    real = model.StatusState.feed

    def spy(self: model.StatusState, records: object) -> model.StatusState:
        items = list(records)  # type: ignore[call-overload]
        fed.append(len(items))
        return real(self, items)

    with monkeypatch.context() as m:
        m.setattr(model.StatusState, "feed", spy)
        m.chdir(repo.path)
        result = consolidate.run(workspace.at(repo.path))
    assert result.archived and not result.problems, result.problems
    return fed


def test_a_new_day_folds_only_its_own_records_and_the_status_is_a_rebuilds(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    month_of_work(repo, "2026-10")
    for day in range(10, 16):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}",
                 f"Decision: ledger.py keeps {day} copies, because audits",
                 f"Blocked on: auditors of day {day}")
        repo.log(f"2026-11-{day}T11:00:00+00:00", f"Exports {day}", "Next: export the ledger")
        commit_at(repo, f"2026-11-{day}T12:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    assert tail_files(repo)
    assert_views_are_fresh(repo)

    repo.log("2026-11-16T09:00:00+00:00", "Refunds", "Decision: refunds.py batches",
             "Unblocked: the auditors signed off")
    fed = consolidate_in_process(repo, monkeypatch)
    assert fed == [1], "only the new day's one record is folded"
    commit_at(repo, "2026-11-16T12:00:00+00:00", "-m", "Refunds")
    status = repo.read("logs/shop-status.md")
    opened = section(status, "Open blockers")
    # The oldest of the blockers it matches as well as any other is closed.
    assert "auditors of day 10" not in opened and "auditors of day 11" in opened
    assert "~~auditors of day 10~~" in section(status, "Recently closed blockers")
    assert_views_are_fresh(repo)


def test_a_second_commit_the_same_day_and_an_entry_archived_twice_match_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    repo.log("2026-11-10T09:00:00+00:00", "Ledger", "Decision: ledger.py writes twice",
             "Next: ask the auditors")
    commit_at(repo, "2026-11-10T10:00:00+00:00", "--allow-empty", "-m", "Ledger")
    repo.log("2026-11-10T11:00:00+00:00", "Ledger again", "Decision: ledger.py writes once",
             "Supersedes: ledger.py writes twice")
    fed = consolidate_in_process(repo, monkeypatch)
    assert fed == [1]
    commit_at(repo, "2026-11-10T12:00:00+00:00", "-m", "Ledger again")
    assert_views_are_fresh(repo)

    # The same entry again, in a temp log with one more entry: archived twice, shown once.
    archived = sorted((repo.path / "logs" / "archive" / "2026-11" / "shop").rglob("*.md"))
    first = archived[0].read_text(encoding="utf-8")
    user = archived[0].parent.name
    pending = layout.pending_file(repo.state() / "pending", "shop", user,
                                  date(2026, 11, 10))
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_text(first.rstrip("\n") + "\n\n## 13:00 - Ledger, last\n"
                       "<!-- sessionlog at=2026-11-10T13:00:00+00:00 -->\n"
                       "- Next: close the ledger ticket\n", encoding="utf-8")
    # Its twin was folded before the last record: the month is folded again, in time order.
    assert consolidate_in_process(repo, monkeypatch) == [3]
    commit_at(repo, "2026-11-10T14:00:00+00:00", "-m", "Ledger, last")
    status = repo.read("logs/shop-status.md")
    assert "close the ledger ticket" in status
    assert_views_are_a_rebuild(repo)

    # ... and the checkpoint it wrote serves the next commit.
    repo.log("2026-11-10T15:00:00+00:00", "Ledger closed", "Decision: ledger.py is closed")
    assert consolidate_in_process(repo, monkeypatch) == [1]
    commit_at(repo, "2026-11-10T16:00:00+00:00", "-m", "Ledger closed")
    assert "ledger.py is closed" in repo.read("logs/shop-status.md")
    assert_views_are_a_rebuild(repo)


def test_a_back_dated_entry_folds_the_month_again_as_a_rebuild_would(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    repo.log("2026-11-10T09:00:00+00:00", "Gateway", "Blocked on: gateway sandbox credentials")
    commit_at(repo, "2026-11-10T10:00:00+00:00", "--allow-empty", "-m", "Gateway")
    repo.log("2026-11-12T09:00:00+00:00", "Gateway works", "Unblocked: gateway sandbox is ready")
    commit_at(repo, "2026-11-12T10:00:00+00:00", "--allow-empty", "-m", "Gateway works")
    # An entry dated before the last one folded (a clock set back): the fold starts over.
    repo.log("2026-11-11T09:00:00+00:00", "Sandbox", "Blocked on: sandbox quota",
             "Next: ask for a bigger quota")
    fed = consolidate_in_process(repo, monkeypatch)
    assert sum(fed) == 3, "the month's three records are folded again, in time order"
    commit_at(repo, "2026-11-12T11:00:00+00:00", "-m", "Sandbox")
    assert "sandbox quota" in repo.read("logs/shop-status.md")
    assert_views_are_fresh(repo)
    # ... and the checkpoint it wrote serves the next commit.
    repo.log("2026-11-13T09:00:00+00:00", "Quota", "Unblocked: sandbox quota raised")
    assert consolidate_in_process(repo, monkeypatch) == [1]
    commit_at(repo, "2026-11-13T10:00:00+00:00", "-m", "Quota")
    assert_views_are_fresh(repo)


def test_supersedes_of_this_months_and_older_decisions_through_checkpoints_match_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Live decisions at a checkpoint are the month checkpoint's plus a delta: decisions made
    this month and retired this month, or made months before and retired now, come out as in
    a rebuild, after several commits have each folded onto the one before."""
    repo = native_repo
    month_of_work(repo, "2026-09")
    month_of_work(repo, "2026-10")
    age_archive(repo)  # a month folder written within the last second keys its checkpoint anew
    repo.log("2026-11-02T09:00:00+00:00", "Queue", "Decision: queue.py drains nightly, because load")
    commit_at(repo, "2026-11-02T10:00:00+00:00", "--allow-empty", "-m", "Queue")
    repo.log("2026-11-03T09:00:00+00:00", "Queue hourly", "Decision: queue.py drains hourly",
             "Supersedes: queue.py drains nightly")
    assert consolidate_in_process(repo, monkeypatch) == [1]
    commit_at(repo, "2026-11-03T10:00:00+00:00", "-m", "Queue hourly")
    repo.log("2026-11-04T09:00:00+00:00", "Payments", "Reverted: payments.py batches refunds by 2026-09")
    assert consolidate_in_process(repo, monkeypatch) == [1]
    commit_at(repo, "2026-11-04T10:00:00+00:00", "-m", "Payments")
    repo.log("2026-11-05T09:00:00+00:00", "Queue again", "Supersedes: queue.py drains hourly",
             "Decision: queue.py drains on demand")
    assert consolidate_in_process(repo, monkeypatch) == [1]
    commit_at(repo, "2026-11-05T10:00:00+00:00", "-m", "Queue again")
    status = repo.read("logs/shop-status.md")
    assert "queue.py drains on demand" in section(status, "Recent decisions")
    retired = section(status, "Retired decisions")
    for text in ("queue.py drains nightly", "queue.py drains hourly",
                 "payments.py batches refunds by 2026-09"):
        assert f"~~Decision: {text}" in retired, text
    assert_views_are_fresh(repo)


def test_a_damaged_checkpoint_or_a_reset_only_costs_a_fold(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    for day, name in ((10, "alpha"), (11, "bravo")):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", f"Blocked on: auditors {name}")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    for path in tail_files(repo):
        path.write_text('{"v": 1, "key": "', encoding="utf-8")
    repo.log("2026-11-12T09:00:00+00:00", "Ledger 12", "Unblocked: auditors alpha signed")
    assert sum(consolidate_in_process(repo, monkeypatch)) == 3
    commit_at(repo, "2026-11-12T10:00:00+00:00", "-m", "Ledger 12")
    assert_views_are_fresh(repo)

    repo.git("reset", "-q", "--hard", "HEAD~1")  # the checkpoint of the day before serves
    repo.log("2026-11-12T11:00:00+00:00", "Ledger 12b", "Unblocked: auditors bravo signed")
    assert consolidate_in_process(repo, monkeypatch) == [1]
    commit_at(repo, "2026-11-12T12:00:00+00:00", "-m", "Ledger 12b")
    opened = section(repo.read("logs/shop-status.md"), "Open blockers")
    assert "auditors alpha" in opened and "auditors bravo" not in opened
    assert_views_are_fresh(repo)


def test_an_entrys_identity_is_the_digest_of_its_keys_repr_whatever_its_text() -> None:
    """A checkpoint names the entries it folded by a digest of their key's repr (`seen`):
    written out for speed, it must stay that repr, or a checkpoint written before would
    fold an entry twice. Quotes, backslashes, non-ASCII text, no bullets or one, no day."""
    import hashlib
    from datetime import datetime, timezone

    from sessionlog_git.logs import status_tail
    from sessionlog_git.logs.entries import Bullet, Entry

    at = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
    texts = ["Decision: it's \"quoted\"", "Blocked on: C:\\path\\n", "Note: café — ünïcode 😀", "'"]
    records = [
        model.Record(Entry(time, title, [Bullet("note", t, 3) for t in bullets], {}, "## x", 2,
                           day, at), "shop", user, "archive/a.md")
        for time, title, bullets, day, user in [
            ("09:30", "Plain", texts[:2], date(2026, 11, 25), "ada"),
            ("09:30", "It's", texts[2:3], date(2026, 11, 25), "ada"),
            (None, 'Say "hi"', [], None, "bob's"),
            ("10:00", "Last", texts, date(2026, 11, 24), "ada"),
        ]
    ]
    want = [hashlib.sha256(repr(r.same_key()).encode("utf-8")).hexdigest()[:16] for r in records]
    assert status_tail.identity_list(records) == want
    assert [status_tail.identity(r) for r in records] == want


def test_a_backlogs_identities_load_hashlib_and_are_the_same_digests() -> None:
    """A batch of HASHLIB_FOR records or more loads hashlib (OpenSSL's sha256) before hashing
    in a process that has not yet; a smaller batch does not (an ordinary commit's day). The
    digests are the key's repr's, whichever sha256 made them."""
    import subprocess
    import sys

    code = """
import sys
from datetime import date, datetime, timezone
from sessionlog_git.logs import status_tail
from sessionlog_git.logs.entries import Bullet, Entry
from sessionlog_git.logs.model import Record
assert "hashlib" not in sys.modules
def records(n):
    at = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
    return [Record(Entry("09:30", f"Entry {i} — é", [Bullet("note", f"Note: {i}", 3)], {}, "## x",
                         2, date(2026, 11, 25), at), "shop", "ada", f"archive/{i}.md")
            for i in range(n)]
few = records(status_tail.HASHLIB_FOR - 1)
small = status_tail.identity_list(few)
assert "hashlib" not in sys.modules
many = records(status_tail.HASHLIB_FOR)
large = status_tail.identity_list(many)
assert "hashlib" in sys.modules
import hashlib
for batch, found in ((few, small), (many, large)):
    assert found == [hashlib.sha256(repr(r.same_key()).encode()).hexdigest()[:16] for r in batch]
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_checkpoints_folded_entries_are_kept_by_day_through_every_checkpoint_after_it() -> None:
    """A checkpoint keeps its folded entries' identities by day (`Seen`), a day's as one
    text decoded only when a record of that day is looked up: every checkpoint taken onto
    another (a rewind point's two, then the commit's, each written and read back) still
    knows every day's, the one it was taken onto is left as it was, and a damaged `seen`
    is refused (the fold again)."""
    from datetime import datetime, timezone

    from sessionlog_git.logs import status_tail
    from sessionlog_git.logs.entries import Bullet, Entry

    def day(n: int) -> list[model.Record]:
        at = datetime(2026, 11, n, 9, 30, tzinfo=timezone.utc)
        return [model.Record(Entry("09:30", f"Entry {n}.{i}", [Bullet("note", f"Note: {i}", 3)],
                                   {}, "## x", 2, date(2026, 11, n), at), "shop", "ada",
                             f"archive/{n}.md") for i in range(3)]

    def round_trip(seen: status_tail.Seen) -> status_tail.Seen:
        return status_tail.Seen.from_json(json.loads(json.dumps(seen.to_json())))

    days = {n: day(n) for n in (10, 11, 12)}
    seen = status_tail.Seen()
    steps = []
    for n, records in days.items():  # the 11th's taken onto the 10th's as it was made
        seen = seen.plus(records, status_tail.identity_list(records))
        steps.append(seen if n == 10 else round_trip(seen))
    for records in days.values():
        for record in records:
            assert steps[-1].has(record, status_tail.identity(record))
    assert not steps[0].has(days[11][0], status_tail.identity(days[11][0]))
    assert not steps[-1].has(days[10][0], status_tail.identity(days[11][0]))
    assert list(steps[-1].to_json()) == ["2026-11-10", "2026-11-11", "2026-11-12"]
    assert steps[-1] == round_trip(steps[-1]) and steps[0] != steps[-1]
    for damaged in (["abc"], {"2026-11-10": "abc"}, {"2026-11-10": 12}):
        with pytest.raises(ValueError):
            status_tail.Seen.from_json(damaged)


@pytest.mark.parametrize("ids", [[], [""], ["a.md#3"], ["a.md#3", "b.md#4"], ["a\nb.md#3", "c#1"]])
def test_a_checkpoints_live_decision_ids_read_back_as_written(ids: list[str]) -> None:
    """`added` is kept as one text, a line each, or as a list when an id holds a line break."""
    from sessionlog_git.logs import status_tail

    assert status_tail._ids(json.loads(json.dumps(status_tail._ids_json(ids)))) == ids


def test_a_checkpoint_whose_folded_entries_are_damaged_only_costs_a_fold(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A day's identities cut short in every checkpoint (`seen`, written by day): none is
    read, the month is folded again, and the status is still a rebuild's."""
    repo = native_repo
    for day, name in ((10, "alpha"), (11, "bravo")):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", f"Blocked on: auditors {name}")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    paths = sorted((repo.state() / "cache" / "status-tail" / "shop").rglob("*.json"))
    damaged = 0
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("seen"):
            first = min(data["seen"])
            data["seen"][first] = data["seen"][first][:-1]
            path.write_text(json.dumps(data), encoding="utf-8")
            damaged += 1
    assert damaged
    repo.log("2026-11-12T09:00:00+00:00", "Ledger 12", "Unblocked: auditors alpha signed")
    assert sum(consolidate_in_process(repo, monkeypatch)) == 3, "the month folded again"
    commit_at(repo, "2026-11-12T10:00:00+00:00", "-m", "Ledger 12")
    opened = section(repo.read("logs/shop-status.md"), "Open blockers")
    assert "auditors alpha" not in opened and "auditors bravo" in opened
    assert_views_are_fresh(repo)
