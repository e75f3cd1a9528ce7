"""A backlog (weeks of two contributors' temp logs, hundreds of entries) consolidated in one
commit with the code it explains: the context index, the status and the master logs it leaves
are a full rebuild's, byte for byte, and so are the ones the next commit leaves.

The folds take a backlog in batches (a commit's keys made once, entries that state, retire,
open, close or find nothing passed over, a key's items held by id while they fold): what a
rebuild gives, entry by entry, is the reference.
"""
from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import Repo
from test_context_reorder import Folds, assert_same_as_a_rebuild, texts
from test_incremental_history import assert_views_are_fresh
from test_why import commit_at

from sessionlog_git.logs import context_index, context_store, layout
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry

WORDS = ("cache", "ledger", "retry", "gateway", "invoice", "session", "token", "queue",
         "export", "schema", "worker", "refund", "webhook", "upload", "search", "report")


def _phrase(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def write_backlog(repo: Repo, users: tuple[str, ...], days: list[date], per_day: int) -> int:
    """Temp logs as `sessionlog log` writes them, one per contributor and day: decisions
    (some naming a file), supersedes, reverts, blockers and their unblocks, findings (more
    per file than the index keeps), and many entries with none of these."""
    rng = random.Random("backlog")
    entries = 0
    for user in users:
        waiting: list[str] = []
        for day in days:
            lines = [*file_header("shop", user, day, "UTC", "+00:00"), ""]
            for i in range(per_day):
                at = datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc) + timedelta(
                    minutes=37 * i + rng.randrange(30))
                bullets = [_phrase(rng, 6).capitalize()]
                roll = rng.random()
                if roll < 0.35:
                    bullets.append(f"Decision: {_phrase(rng, 3)} over {_phrase(rng, 2)}")
                elif roll < 0.45:
                    bullets.append(f"Decision: api.py keeps the {_phrase(rng, 2)}")
                elif roll < 0.52:
                    bullets += [f"Supersedes: {_phrase(rng, 3)}",
                                f"Decision: {_phrase(rng, 3)} instead"]
                elif roll < 0.55:
                    bullets.append(f"Reverted: {_phrase(rng, 3)}")
                if rng.random() < 0.15:
                    bullets.append(f"Tried: {_phrase(rng, 3)} in billing.py; it did not hold")
                if rng.random() < 0.12:
                    waiting.append(_phrase(rng, 3))
                    bullets.append(f"Blocked on: {waiting[-1]}")
                elif waiting and rng.random() < 0.2:
                    bullets.append(f"Unblocked: {waiting.pop(0)} is ready")
                if rng.random() < 0.3:
                    bullets.append(f"Next: {_phrase(rng, 4)}")
                entry = entry_from_parts(f"{at:%H:%M}", _phrase(rng, 3).capitalize(), bullets,
                                         {"at": at.isoformat()})
                lines += [*format_entry(entry), ""]
                entries += 1
            path = layout.pending_file(repo.state() / "pending", "shop", user, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines), encoding="utf-8")
    return entries


def test_a_backlog_committed_with_its_code_folds_as_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    days = [date(2026, 11, 1) + timedelta(days=d) for d in range(12)]
    assert write_backlog(repo, ("ada", "grace"), days, 14) == 2 * 12 * 14
    # (retires nothing now; retires the decision the last commit below dates before it)
    repo.log("2026-11-08T23:00:00+00:00", "Zebra", "Supersedes: zebra yak quokka")
    for rel in ("api.py", "billing.py", "src/core.py"):
        repo.write(rel, "VALUE = 1\n")
        repo.git("add", rel)
    commit_at(repo, "2026-11-13T18:00:00+00:00", "-m", "Three weeks of work")
    assert not repo.pending()  # every temp log archived
    assert "logs/shop-status.md" in repo.head_files()
    # Every live item the backlog holds concerns the files its commit changed: the key of a
    # changed file lists hundreds of them, as a rebuild lists them.
    core = context_index.read(repo.state(), "src/core.py")
    assert len(core) > 100 and {i["how"] for _, i in core} == {"commit"}
    assert sum(1 for _, i in core if i["kind"] == "finding") == context_index.FINDINGS_PER_KEY
    assert any(t.startswith("Decision: api.py keeps") for t in texts(repo, "api.py"))
    # An entry with nothing to fold (a plain note, a Next:) is not an item.
    assert not any(t.startswith("Next:") for t in texts(repo, "api.py"))
    assert_same_as_a_rebuild(repo)
    assert_views_are_fresh(repo)
    # Its twelve days' steps are one file for the month (each file a create in a busy file
    # system), as its books are one per contributor folder; two folders' listings stay apart
    # (fewer than BUNDLE_FROM).
    state = repo.state() / "context-index.state"
    assert sorted(p.name for p in (state / "steps" / "shop").iterdir()) == ["2026-11.json"]
    assert sorted(p.name for p in (state / "book" / "2026-11" / "shop").iterdir()) == [
        "ada.json", "grace.json"]
    assert sorted(p.name for p in (state / "listing" / "2026-11" / "shop").iterdir()) == [
        "ada.json", "grace.json"]

    # The next commit, with a decision retired, a blocker closed and the same code file,
    # folds onto what the backlog left (no rebuild) and still ends where a rebuild ends.
    folds = Folds(monkeypatch)
    decision = next(i for _, i in core if i["kind"] == "decision")
    repo.log("2026-11-14T09:00:00+00:00", "Rework", f"Supersedes: {decision['text'][10:]}",
             "Decision: src/core.py reads the ledger once",
             "Tried: a second ledger read in src/core.py")
    repo.append("src/core.py", "ONCE = True\n")
    repo.git("add", "src/core.py")
    folds.commit(repo, "2026-11-14T10:00:00+00:00", "Read the ledger once")
    assert "src/core.py" in repo.head_files()
    assert folds.rebuilds == 0
    now = texts(repo, "src/core.py")
    assert "Decision: src/core.py reads the ledger once" in now
    assert decision["text"] not in now
    assert_same_as_a_rebuild(repo)
    assert_views_are_fresh(repo)

    # A decision dated inside the backlog, before the backlog's `Supersedes:` of it: the
    # steps from its time on are taken out of the month's file and fed again after it, so
    # that `Supersedes:` retires it, still without a rebuild.
    repo.log("2026-11-06T07:00:00+00:00", "Earlier", "Decision: zebra yak quokka in api.py")
    folds.commit(repo, "2026-11-14T11:00:00+00:00", "A late note")
    assert folds.rebuilds == 0
    now = texts(repo, "api.py")
    assert "Decision: zebra yak quokka in api.py" not in now
    assert "Supersedes: zebra yak quokka" in now  # the replacement took over its file
    assert_same_as_a_rebuild(repo)


def test_an_index_of_the_version_before_is_rebuilt_once(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state's format changed (steps and listings bundled): an index written by the
    version before is not read; the next commit rebuilds it, once, and folds on from there."""
    repo = native_repo
    folds = Folds(monkeypatch)
    write_backlog(repo, ("ada",), [date(2026, 11, 1) + timedelta(days=d) for d in range(9)], 3)
    folds.commit(repo, "2026-11-10T10:00:00+00:00", "Backlog")
    manifest = repo.state() / "context-index.json"
    data = json.loads(manifest.read_text())
    assert data["v"] == context_store.VERSION
    manifest.write_text(json.dumps({**data, "v": context_store.VERSION - 1}))
    folds.rebuilds = 0
    repo.log("2026-11-11T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once")
    folds.commit(repo, "2026-11-11T10:00:00+00:00", "Ledger")
    assert folds.rebuilds == 1
    assert texts(repo, "ledger.py") == ["Decision: ledger.py writes once"]
    assert json.loads(manifest.read_text())["v"] == context_store.VERSION
    repo.log("2026-11-12T09:00:00+00:00", "Ledger", "Tried: ledger.py with two writers")
    folds.commit(repo, "2026-11-12T10:00:00+00:00", "Ledger again")
    assert folds.rebuilds == 1
    assert_same_as_a_rebuild(repo)


def test_many_contributors_listings_share_one_file_and_fold_on_as_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backlog of BUNDLE_FROM or more contributors' folders in one month: their listings
    are one file; a later day of one of them is listed in it, without a rebuild."""
    repo = native_repo
    folds = Folds(monkeypatch)
    users = tuple(f"dev{i}" for i in range(context_store.BUNDLE_FROM + 1))
    write_backlog(repo, users, [date(2026, 11, 2)], 2)
    folds.commit(repo, "2026-11-03T10:00:00+00:00", "Backlog")
    listing = repo.state() / "context-index.state" / "listing" / "2026-11"
    assert sorted(p.name for p in listing.iterdir()) == ["shop.json"]
    assert sorted(json.loads((listing / "shop.json").read_text())) == sorted(users)
    folds.rebuilds = 0
    repo.log("2026-11-04T09:00:00+00:00", "Queue", "Decision: queue.py retries twice", user="dev3")
    folds.commit(repo, "2026-11-04T10:00:00+00:00", "Queue")
    assert folds.rebuilds == 0
    assert sorted(p.name for p in listing.iterdir()) == ["shop.json"]
    assert len(json.loads((listing / "shop.json").read_text())["dev3"]) == 2
    assert_same_as_a_rebuild(repo)


@pytest.mark.parametrize(("written", "logs_dir"), [("docs/session-logs", "docs/session-logs"),
                                                   ("./notes/", "notes")])
def test_a_backlog_in_a_nested_logs_folder_folds_as_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch, written: str, logs_dir: str,
) -> None:
    """A logs folder other than `logs`, two levels down or written with `./` and a slash:
    the archive files' sources and links the index keeps are the ones a rebuild makes (the
    fold cuts a source from its path as text, not through pathlib), and the commit's files
    are told from the logs' own however the folder is written."""
    repo = native_repo
    repo.write(".sessionlog.yaml", f"logs_dir: {written}\n")
    repo.git("add", ".sessionlog.yaml")
    repo.git("commit", "-q", "-m", "Logs in a folder of their own")
    folds = Folds(monkeypatch)
    write_backlog(repo, ("ada", "grace"), [date(2026, 11, 2) + timedelta(days=d) for d in range(9)], 6)
    repo.write("api.py", "VALUE = 1\n")
    repo.git("add", "api.py")
    folds.commit(repo, "2026-11-12T10:00:00+00:00", "Backlog")
    items = context_index.read(repo.state(), "api.py")
    assert items and all(i["link"].startswith(f"{logs_dir}/archive/2026-11/shop/") for _, i in items)
    assert all(layout.read_archive_path(repo.path / i["link"]) for _, i in items)  # in a pack
    assert_same_as_a_rebuild(repo)
    # and the next commit folds on from there, without a rebuild
    folds.rebuilds = 0
    repo.log("2026-11-13T09:00:00+00:00", "Ledger", "Decision: api.py writes the ledger once")
    folds.commit(repo, "2026-11-13T10:00:00+00:00", "Ledger")
    assert folds.rebuilds == 0
    assert "Decision: api.py writes the ledger once" in texts(repo, "api.py")
    assert_same_as_a_rebuild(repo)


def test_an_items_date_is_its_entrys_own_around_midnight(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An item's date, as `why` and the pre-edit hook show it, is the day its entry was
    written on where it was written (not the UTC day), whichever side of midnight."""
    repo = native_repo
    folds = Folds(monkeypatch)
    repo.log("2026-11-09T00:30:00+01:00", "Late", "Decision: ledger.py batches writes")
    repo.log("2026-11-09T23:40:00-05:00", "Later", "Blocked on: ledger.py lock review")
    repo.log("2026-11-10T12:00:00+00:00", "Noon", "Tried: ledger.py without the lock")
    folds.commit(repo, "2026-11-10T13:00:00+00:00", "Ledger")
    found = {i["kind"]: (i["date"], i["at"]) for _, i in context_index.read(repo.state(), "ledger.py")}
    assert found == {"decision": ("2026-11-09", "2026-11-09T00:30:00+01:00"),
                     "blocker": ("2026-11-09", "2026-11-09T23:40:00-05:00"),
                     "finding": ("2026-11-10", "2026-11-10T12:00:00+00:00")}
    assert_same_as_a_rebuild(repo)


def _retiring_nothing(repo: Repo) -> None:
    """The pending temp logs without their `Supersedes:` and `Reverted:` bullets."""
    for path in (repo.state() / "pending").rglob("*.md"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(line for line in lines
                                if "Supersedes:" not in line and "Reverted:" not in line),
                        encoding="utf-8")


def test_a_backlog_that_retires_no_decision_folds_as_a_rebuild_and_on(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backlog none of whose entries retires a decision (a first consolidation, most
    often): its decisions are items at once, never put where a `Supersedes:` is matched
    (nothing of the fold would match one), and the index is a rebuild's; the next commit's
    `Supersedes:` still retires the backlog's decision it names, without a rebuild."""
    repo = native_repo
    monkeypatch.setenv("SESSIONLOG_SERIAL", "1")  # (the fold in this process: counted)
    stated = 0
    real = context_index.Fold._state

    def counted(self: context_index.Fold, *args: Any) -> None:
        nonlocal stated
        stated += 1
        real(self, *args)

    monkeypatch.setattr(context_index.Fold, "_state", counted)
    days = [date(2026, 11, 1) + timedelta(days=d) for d in range(6)]
    write_backlog(repo, ("ada", "grace"), days, 10)
    _retiring_nothing(repo)
    repo.write("api.py", "VALUE = 1\n")
    repo.git("add", "api.py")
    folds = Folds(monkeypatch)
    folds.commit(repo, "2026-11-07T10:00:00+00:00", "A week of work")
    assert stated > 20  # the backlog's decisions went straight to items
    decisions = [i for _, i in context_index.read(repo.state(), "api.py")
                 if i["kind"] == "decision"]
    assert len(decisions) > 20
    assert_same_as_a_rebuild(repo)

    old = decisions[3]
    repo.log("2026-11-07T11:00:00+00:00", "Rework", f"Supersedes: {old['text'][10:]}",
             "Decision: api.py keeps one ledger")
    folds.commit(repo, "2026-11-07T12:00:00+00:00", "One ledger")
    assert folds.rebuilds == 0
    now = texts(repo, "api.py")
    assert "Decision: api.py keeps one ledger" in now
    assert old["text"] not in now
    assert_same_as_a_rebuild(repo)


def test_a_fold_told_wrongly_that_nothing_retires_leaves_no_index_then_it_is_rebuilt(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fold that meets a `Supersedes:` of a project it was told nothing would retire a
    decision of (its decisions were never put where one is matched) refuses to fold: the
    commit goes on, the index's manifest is gone (as after any failed fold) and the next
    commit rebuilds the index, as a rebuild."""
    repo = native_repo
    monkeypatch.setenv("SESSIONLOG_SERIAL", "1")
    folds = Folds(monkeypatch)
    repo.log("2026-11-02T09:00:00+00:00", "Ledger", "Decision: api.py reads the ledger once")
    folds.commit(repo, "2026-11-02T10:00:00+00:00", "Ledger")
    real = context_store._StoreFold.__init__

    def wrong(self: context_store._StoreFold, logs_dir: str, store: context_store.Store,
              projects: dict[str, str]) -> None:
        real(self, logs_dir, store, projects)
        self.unmatched = set(projects)

    monkeypatch.setattr(context_store._StoreFold, "__init__", wrong)
    repo.log("2026-11-03T09:00:00+00:00", "Rework", "Supersedes: api.py reads the ledger once",
             "Decision: api.py reads the ledger twice")
    folds.commit(repo, "2026-11-03T10:00:00+00:00", "Rework")
    assert any(f.startswith("logs/archive/") and "2026-11-03" in f
               for f in repo.head_files())  # the commit went on
    assert not (repo.state() / "context-index.json").exists()

    monkeypatch.setattr(context_store._StoreFold, "__init__", real)
    repo.log("2026-11-04T09:00:00+00:00", "Note", "Tried: api.py without the ledger")
    folds.commit(repo, "2026-11-04T10:00:00+00:00", "Note")
    assert folds.rebuilds == 1
    now = texts(repo, "api.py")
    assert "Decision: api.py reads the ledger twice" in now
    assert "Decision: api.py reads the ledger once" not in now
    assert_same_as_a_rebuild(repo)
