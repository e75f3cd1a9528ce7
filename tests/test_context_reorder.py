"""A pull, a merge, a rebase or an entry older than the newest folded: the context index is
folded incrementally (no rebuild from the whole archive) and still ends exactly where
`sessionlog context --rebuild-index` ends, and so does the commit after a reset that undoes
it.

The fold depends on the order of the records (a `Supersedes:` takes the live decision it
shares the most words with, the oldest on a tie; an `Unblocked:`, the open blocker): each
scenario brings an entry that, placed in time order, changes what an entry folded before it
matched, so an index that only appended would be wrong.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, clone_teammate, founder_with_remote
from test_why import commit_at

from sessionlog_git import workspace
from sessionlog_git.logs import context_index, context_store
from sessionlog_git.pipeline import consolidate


def texts(repo: Repo, path: str) -> list[str]:
    return [i["text"] for _, i in context_index.read(repo.state(), path)]


def index_now(repo: Repo) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    state = repo.state()
    return context_store.load(state), context_store.shards(state)


def assert_same_as_a_rebuild(repo: Repo) -> None:
    """The index the commits left equals `--rebuild-index`'s; the state the commits left is
    put back afterwards, so the next commit folds on top of it (not of the rebuild)."""
    state = repo.state()
    kept = state.parent / "sessionlog-kept"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(state, kept)
    incremental, shards = index_now(repo)
    assert incremental is not None and incremental["items"]
    assert "sessionlog: rebuilt" in repo.sl("context", "--rebuild-index").stdout
    rebuilt, rebuilt_shards = index_now(repo)
    assert incremental == rebuilt
    assert shards == rebuilt_shards
    shutil.rmtree(state)
    shutil.move(str(kept), str(state))


class Folds:
    """Consolidation run in this process (as the pre-commit hook runs it), with every whole
    rebuild of the index counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rebuilds = 0
        self.monkeypatch = monkeypatch
        real = context_store.rebuild

        def counted(*args: Any, **kw: Any) -> dict[str, Any]:
            self.rebuilds += 1
            return real(*args, **kw)

        monkeypatch.setattr(context_store, "rebuild", counted)

    def commit(self, repo: Repo, when: str, message: str) -> None:
        """Consolidate what is pending, then commit it (the hook finds nothing left)."""
        self.monkeypatch.chdir(repo.path)
        result = consolidate.run(workspace.at(repo.path))
        assert result.archived and not result.problems
        commit_at(repo, when, "--allow-empty", "-m", message)

    def added(self, repo: Repo) -> set[str]:
        """The archive files the last fold folded (what a reset right after takes back)."""
        undo = json.loads((repo.state() / "context-index.state" / "undo.json").read_text())
        return set(undo["added"])


def sources(repo: Repo, user: str) -> set[str]:
    return {str(p.relative_to(repo.path / "logs").as_posix())
            for p in repo.archive() if p.parent.name == user}


def teammates(tmp_path: Path) -> tuple[Repo, Repo]:
    """ada and grace, clones of one remote, both set up (hooks native)."""
    ada, remote = founder_with_remote(tmp_path)
    ada.git("push", "-q", "origin", "main")
    grace = clone_teammate(tmp_path, remote)
    return ada, grace


def test_a_pull_of_a_teammates_month_is_folded_in_time_order_then_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """grace's month of entries arrives by a merge, interleaved with ada's own November:
    ada's `Supersedes:` of the 10th, folded before the pull against ada's own decision, now
    finds grace's decision of the 5th (more words shared), and ada's `Unblocked:` closes
    grace's blocker. A reset of the commit after the pull, and then of the pull too, leave
    an index that is again a rebuild's."""
    ada, grace = teammates(tmp_path)
    folds = Folds(monkeypatch)
    ada.log("2026-11-01T09:00:00+00:00", "Exports", "Decision: reports export as PDF files")
    folds.commit(ada, "2026-11-01T10:00:00+00:00", "Exports")
    folds.rebuilds = 0  # the first fold of a repository is its first build
    for day, bullets in (
        ("05", ["Decision: billing.py exports invoices as CSV files for finance",
                "Blocked on: finance import format for invoices"]),
        ("08", ["Tried: billing.py streaming rows; the gateway timed out"]),
        ("12", ["Decision: ledger.py keeps a daily audit trail"]),
        ("18", ["Blocked on: auditors sign-off on the ledger trail"]),
    ):
        grace.log(f"2026-11-{day}T09:00:00+00:00", f"Billing {day}", *bullets)
        grace.write("billing.py", f"DAY = {day}\n")
        grace.git("add", "billing.py")
        commit_at(grace, f"2026-11-{day}T10:00:00+00:00", "-m", f"Billing {day}")
    grace.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    grace.git("push", "-q", "origin", "main")

    ada.log("2026-11-10T09:00:00+00:00", "Invoices",
            "Supersedes: invoices export as CSV files for finance",
            "Decision: invoices export as JSON, because finance reads JSON now",
            "Unblocked: finance import format is agreed")
    ada.write("invoices.py", "FORMAT = 'json'\n")
    ada.git("add", "invoices.py")
    folds.commit(ada, "2026-11-10T10:00:00+00:00", "Invoices")
    # Before the pull, ada's Supersedes: could only take ada's own decision.
    assert texts(ada, "reports.py") == []
    before_pull = ada.git("rev-parse", "HEAD").stdout.strip()
    ada.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    theirs = sources(ada, "grace")
    assert len(theirs) == 4

    ada.log("2026-11-20T09:00:00+00:00", "Ledger", "Decision: ledger.py rotates logs weekly")
    folds.commit(ada, "2026-11-20T10:00:00+00:00", "Ledger")
    assert folds.rebuilds == 0
    assert theirs <= folds.added(ada)  # grace's files were folded by this commit, not rebuilt
    # In time order, ada's Supersedes: of the 10th retired grace's CSV decision of the 5th,
    # and its replacement inherited billing.py; its Unblocked: closed grace's blocker of the
    # 5th. Grace's later entries concern billing.py through her commits.
    assert texts(ada, "billing.py") == [
        "Tried: billing.py streaming rows; the gateway timed out",
        "Decision: invoices export as JSON, because finance reads JSON now",
        "Decision: ledger.py keeps a daily audit trail",
        "Blocked on: auditors sign-off on the ledger trail",
    ]
    (invoices,) = [i for _, i in context_index.read(ada.state(), "invoices.py")]
    assert invoices["replaces"] == [{"how": "superseded", "text": "Decision: billing.py exports "
                                     "invoices as CSV files for finance"}]
    assert_same_as_a_rebuild(ada)

    # Undo the commit after the pull: the next commit takes that fold back and folds
    # grace's files again (they are still there).
    ada.git("reset", "-q", "--hard", "HEAD~1")
    ada.log("2026-11-21T09:00:00+00:00", "Ledger", "Decision: ledger.py rotates logs daily")
    folds.commit(ada, "2026-11-21T10:00:00+00:00", "Ledger again")
    assert folds.rebuilds == 0
    assert theirs <= folds.added(ada)
    assert "Decision: ledger.py rotates logs daily" in texts(ada, "ledger.py")
    assert_same_as_a_rebuild(ada)

    # Undo the pull too: grace's entries leave the index; ada's Supersedes: is ada's again.
    ada.git("reset", "-q", "--hard", before_pull)
    assert sources(ada, "grace") == set()
    ada.log("2026-11-22T09:00:00+00:00", "Reports", "Decision: reports.py caches totals")
    folds.commit(ada, "2026-11-22T10:00:00+00:00", "Reports")
    assert not any("grace" in i["author"] for _, i in context_index.read(ada.state(), "billing.py"))
    assert_same_as_a_rebuild(ada)


def test_an_entry_older_than_everything_folded_changes_what_a_later_supersedes_took(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clock set wrong: an entry dated months before everything folded. Its decision ties
    with October's on the words a November `Supersedes:` shares with both: the oldest wins,
    so the old entry's decision is the one retired and October's is live again. Its blocker
    is the one a November `Unblocked:` closes. Then a reset undoes it."""
    repo = native_repo
    folds = Folds(monkeypatch)
    repo.log("2026-10-05T09:00:00+00:00", "Tokens",
             "Decision: tokens.py caches session tokens in redis",
             "Blocked on: redis cluster credentials")
    folds.commit(repo, "2026-10-05T10:00:00+00:00", "Tokens")
    folds.rebuilds = 0  # the first fold of a repository is its first build
    repo.log("2026-11-05T09:00:00+00:00", "Vault",
             "Supersedes: caches session tokens in redis",
             "Decision: vault.py keeps the signing keys",
             "Unblocked: redis cluster credentials arrived")
    folds.commit(repo, "2026-11-05T10:00:00+00:00", "Vault")
    # The replacement inherits the paths of what it retired.
    assert texts(repo, "tokens.py") == ["Decision: vault.py keeps the signing keys"]
    assert folds.rebuilds == 0

    repo.log("2026-03-01T09:00:00+00:00", "Sessions",
             "Decision: sessions.py caches session tokens in redis",
             "Blocked on: redis cluster credentials for staging")
    folds.commit(repo, "2026-11-06T10:00:00+00:00", "Sessions, logged with a wrong clock")
    assert folds.rebuilds == 0
    # The oldest of the tied decisions is the one November's Supersedes: retired, and the
    # oldest of the tied blockers the one its Unblocked: closed: October's are live again.
    assert texts(repo, "tokens.py") == ["Decision: tokens.py caches session tokens in redis",
                                        "Blocked on: redis cluster credentials"]
    assert texts(repo, "sessions.py") == ["Decision: vault.py keeps the signing keys"]
    (vault,) = [i for _, i in context_index.read(repo.state(), "vault.py")]
    assert vault["replaces"] == [{"how": "superseded",
                                  "text": "Decision: sessions.py caches session tokens in redis"}]
    assert_same_as_a_rebuild(repo)

    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.log("2026-11-07T09:00:00+00:00", "Keys", "Decision: keys.py rotates monthly")
    folds.commit(repo, "2026-11-07T10:00:00+00:00", "Keys")
    assert folds.rebuilds == 0
    assert texts(repo, "tokens.py") == ["Decision: vault.py keeps the signing keys"]
    assert texts(repo, "keys.py") == ["Decision: keys.py rotates monthly"]
    assert_same_as_a_rebuild(repo)


def test_interleaved_timestamps_in_one_commit_fold_as_in_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One commit brings entries before, between and after the ones folded already (a day
    logged in two sessions, one of them late): blockers and unblocks, decisions and
    supersedes cross each other. Then the commit is undone and another made."""
    repo = native_repo
    folds = Folds(monkeypatch)
    repo.log("2026-11-10T10:00:00+00:00", "Gateway",
             "Blocked on: gateway.py sandbox keys", "Decision: gateway.py retries twice")
    repo.log("2026-11-10T12:00:00+00:00", "Gateway",
             "Unblocked: gateway.py sandbox keys arrived",
             "Supersedes: gateway.py retries")
    folds.commit(repo, "2026-11-10T13:00:00+00:00", "Gateway")
    folds.rebuilds = 0  # the first fold of a repository is its first build
    assert texts(repo, "gateway.py") == ["Supersedes: gateway.py retries"]

    repo.log("2026-11-10T09:00:00+00:00", "Gateway",
             "Blocked on: gateway.py sandbox keys for refunds",
             "Decision: gateway.py retries with backoff")
    repo.log("2026-11-10T11:00:00+00:00", "Gateway",
             "Tried: gateway.py without keys; it answered 401")
    repo.log("2026-11-10T14:00:00+00:00", "Gateway", "Decision: gateway.py logs every retry")
    folds.commit(repo, "2026-11-10T15:00:00+00:00", "Gateway, the rest of the day")
    assert folds.rebuilds == 0
    found = texts(repo, "gateway.py")
    # 09:00's decision and blocker are the oldest on their ties: the 12:00 entry took them,
    # so 10:00's blocker and decision are live again.
    assert found == ["Blocked on: gateway.py sandbox keys", "Decision: gateway.py retries twice",
                     "Tried: gateway.py without keys; it answered 401",
                     "Supersedes: gateway.py retries", "Decision: gateway.py logs every retry"]
    assert_same_as_a_rebuild(repo)

    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.log("2026-11-10T16:00:00+00:00", "Gateway", "Decision: gateway.py pins its TLS version")
    folds.commit(repo, "2026-11-10T17:00:00+00:00", "Gateway, again")
    assert folds.rebuilds == 0
    assert texts(repo, "gateway.py") == ["Supersedes: gateway.py retries",
                                         "Decision: gateway.py pins its TLS version"]
    assert_same_as_a_rebuild(repo)


def test_a_rebase_that_reorders_is_folded_as_in_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ada's local commits are rebased onto grace's (`git pull --rebase`), then reordered by
    an interactive rebase; the commits after each fold as a rebuild would, and a reset of
    the last one too."""
    ada, grace = teammates(tmp_path)
    folds = Folds(monkeypatch)
    grace.log("2026-11-03T09:00:00+00:00", "Search",
              "Decision: search.py ranks by recency for support agents",
              "Blocked on: search index rebuild window")
    grace.write("search.py", "RANK = 'recency'\n")
    grace.git("add", "search.py")
    commit_at(grace, "2026-11-03T10:00:00+00:00", "-m", "Search")
    grace.git("push", "-q", "origin", "main")

    ada.log("2026-11-02T09:00:00+00:00", "Search", "Decision: rank.py ranks by relevance")
    ada.write("rank.py", "RANK = 1\n")
    ada.git("add", "rank.py")
    folds.commit(ada, "2026-11-02T10:00:00+00:00", "Rank")
    folds.rebuilds = 0  # the first fold of a repository is its first build
    ada.log("2026-11-04T09:00:00+00:00", "Search",
            "Supersedes: ranks by recency for support agents",
            "Unblocked: search index rebuild window is Sunday")
    ada.write("window.py", "DAY = 'sunday'\n")
    ada.git("add", "window.py")
    folds.commit(ada, "2026-11-04T10:00:00+00:00", "Window")
    ada.git("pull", "-q", "--rebase", "origin", "main")
    assert sources(ada, "grace")

    ada.log("2026-11-05T09:00:00+00:00", "Docs", "Decision: docs.py documents ranking")
    folds.commit(ada, "2026-11-05T10:00:00+00:00", "Docs")
    assert folds.rebuilds == 0
    assert sources(ada, "grace") <= folds.added(ada)
    # In time order, ada's Supersedes: of the 4th took grace's decision of the 3rd (the
    # most words shared), not ada's own of the 2nd; the replacement (the Supersedes: stands
    # as the new decision) inherited search.py.
    assert texts(ada, "search.py") == ["Supersedes: ranks by recency for support agents"]
    assert texts(ada, "rank.py") == ["Decision: rank.py ranks by relevance"]
    assert_same_as_a_rebuild(ada)

    # Reorder the two commits before the last one (their archive files stay the same).
    editor = (f"{sys.executable} -c \"import sys; p = sys.argv[1]; lines = open(p).read()"
              f".splitlines(); picks = [l for l in lines if l.startswith('pick')]; "
              f"open(p, 'w').write('\\n'.join([picks[1], picks[0], picks[2]]) + '\\n')\"")
    ada.git("rebase", "-q", "-i", "HEAD~3", env={"GIT_SEQUENCE_EDITOR": editor})
    ada.log("2026-11-06T09:00:00+00:00", "Docs", "Decision: docs.py links the ranking note")
    folds.commit(ada, "2026-11-06T10:00:00+00:00", "Docs again")
    assert folds.rebuilds == 0
    assert_same_as_a_rebuild(ada)

    ada.git("reset", "-q", "--hard", "HEAD~1")
    ada.log("2026-11-07T09:00:00+00:00", "Docs", "Decision: docs.py links the runbook")
    folds.commit(ada, "2026-11-07T10:00:00+00:00", "Docs, once more")
    assert folds.rebuilds == 0
    assert "Decision: docs.py links the runbook" in texts(ada, "docs.py")
    assert_same_as_a_rebuild(ada)


def test_batches_in_a_shuffled_order_fold_as_a_rebuild(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Entries over a week, with decisions, supersedes, reverts, blockers and unblocks that
    share words, committed in batches whose times are shuffled (each batch older or newer
    than what came before, at random but seeded): no rebuild, and the same index as one."""
    import random

    repo = native_repo
    folds = Folds(monkeypatch)
    rng = random.Random(15)
    words = ["cache", "tokens", "queue", "retries", "ledger", "export", "search", "gateway"]
    entries: list[tuple[str, list[str]]] = []
    for i in range(36):
        a, b = rng.sample(words, 2)
        roll = rng.random()
        if roll < 0.3:
            bullets = [f"Decision: {a}.py keeps {b} {rng.choice(words)}"]
        elif roll < 0.45:
            bullets = [f"Supersedes: {a} {b}", f"Decision: {a}.py drops {b}"]
        elif roll < 0.5:
            bullets = [f"Reverted: {a} keeps {b}"]
        elif roll < 0.7:
            bullets = [f"Blocked on: {a}.py waits for {b}"]
        elif roll < 0.85:
            bullets = [f"Unblocked: {b} {a} arrived"]
        else:
            bullets = [f"Tried: {a}.py with {b}; it failed"]
        day, minute = 2 + i % 6, rng.randrange(600)
        entries.append((f"2026-11-{day:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:00+00:00",
                        bullets))
    rng.shuffle(entries)
    for n, start in enumerate(range(0, len(entries), 6)):
        for when, bullets in entries[start:start + 6]:
            repo.log(when, f"Work {when}", *bullets)
        folds.commit(repo, f"2026-11-20T{10 + n:02d}:00:00+00:00", f"Batch {n}")
        if n == 0:
            folds.rebuilds = 0  # the first fold of a repository is its first build
        if n in (2, 5):
            assert_same_as_a_rebuild(repo)
    assert folds.rebuilds == 0
    steps = sorted((repo.state() / "context-index.state" / "steps" / "shop").glob("*.json"))
    assert [p.name for p in steps] == [f"2026-11-{d:02d}.json" for d in range(2, 8)]


def test_a_reset_of_the_last_commits_takes_their_folds_back_without_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two of ada's commits and a pull between them, then `git reset --hard` to before all
    three: the next commit takes the three folds back (the newest first) and folds its own;
    the same as a rebuild. The folds are undone in order, so what the pull's teammate had
    retired is live again."""
    ada, grace = teammates(tmp_path)
    folds = Folds(monkeypatch)
    ada.log("2026-11-01T09:00:00+00:00", "Cache", "Decision: cache.py keeps sessions for a day",
            "Blocked on: redis sizing for sessions")
    folds.commit(ada, "2026-11-01T10:00:00+00:00", "Cache")
    ada.git("push", "-q", "origin", "main")
    start = ada.git("rev-parse", "HEAD").stdout.strip()
    folds.rebuilds = 0  # the first fold of a repository is its first build
    grace.git("pull", "-q", "--no-rebase", "origin", "main")
    grace.log("2026-11-02T09:00:00+00:00", "Cache", "Supersedes: cache.py keeps sessions",
              "Decision: cache.py keeps sessions for an hour",
              "Unblocked: redis sizing for sessions is done")
    commit_at(grace, "2026-11-02T10:00:00+00:00", "--allow-empty", "-m", "Cache, grace")
    grace.git("push", "-q", "origin", "main")

    ada.log("2026-11-03T09:00:00+00:00", "Queue", "Decision: queue.py retries three times")
    folds.commit(ada, "2026-11-03T10:00:00+00:00", "Queue")
    ada.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    ada.log("2026-11-04T09:00:00+00:00", "Queue", "Decision: queue.py drops poison messages")
    folds.commit(ada, "2026-11-04T10:00:00+00:00", "Queue again")
    assert texts(ada, "cache.py") == ["Decision: cache.py keeps sessions for an hour"]
    assert folds.rebuilds == 0

    ada.git("reset", "-q", "--hard", start)
    ada.log("2026-11-05T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once")
    folds.commit(ada, "2026-11-05T10:00:00+00:00", "Ledger")
    assert folds.rebuilds == 0
    assert texts(ada, "cache.py") == ["Decision: cache.py keeps sessions for a day",
                                      "Blocked on: redis sizing for sessions"]
    assert texts(ada, "queue.py") == []
    assert_same_as_a_rebuild(ada)


def _backlog_of_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, Folds, int]:
    """ada's clone after one commit of a backlog of her days (enough for bundled state files),
    each with a decision and a blocker; the folds counted from the start, and the days."""
    ada, _ = teammates(tmp_path)
    folds = Folds(monkeypatch)
    names = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
             "juliet", "kilo", "lima", "mike", "november")
    days = context_store.BUNDLE_FROM + 2
    for day in range(1, days + 1):
        ada.log(f"2026-11-{day:02d}T09:00:00+00:00", f"Day {day}",
                f"Decision: cache{day}.py keeps sessions for {day} hours",
                f"Blocked on: redis sizing for the {names[day]} shard")
    folds.commit(ada, "2026-11-20T10:00:00+00:00", "Backlog")
    return ada, folds, days


def test_a_backlogs_books_share_one_file_per_folder_and_fold_on_as_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backlog of ada's days in one commit: their books are one file for her folder, not one
    per archive file. Later commits retire what they hold (a `Supersedes:`, an `Unblocked:`),
    bring an entry older than the backlog's newest (its steps taken back and fed again), and
    a reset takes a fold back: the index is the same as a rebuild's at each step, without one."""
    ada, folds, days = _backlog_of_days(tmp_path, monkeypatch)
    book = ada.state() / "context-index.state" / "book" / "2026-11" / "shop"
    assert sorted(p.name for p in book.iterdir()) == ["ada.json"]  # no folder of one file each
    assert len(json.loads((book / "ada.json").read_text())) == days
    folds.rebuilds = 0  # the first fold of a repository is its first build
    assert_same_as_a_rebuild(ada)

    ada.log("2026-11-21T09:00:00+00:00", "Cache", "Supersedes: cache3.py keeps sessions for 3",
            "Decision: cache3.py keeps sessions for a week", "Unblocked: the foxtrot shard is sized")
    folds.commit(ada, "2026-11-21T10:00:00+00:00", "Retire")
    now = texts(ada, "cache3.py")
    assert "Decision: cache3.py keeps sessions for a week" in now
    assert "Decision: cache3.py keeps sessions for 3 hours" not in now
    assert "Blocked on: redis sizing for the foxtrot shard" not in texts(ada, "cache5.py")
    assert_same_as_a_rebuild(ada)
    after_retire = ada.git("rev-parse", "HEAD").stdout.strip()

    ada.log("2026-11-04T12:00:00+00:00", "Earlier", "Supersedes: cache2.py keeps sessions for 2",
            "Decision: cache2.py keeps sessions for a month")  # older than the backlog's newest
    folds.commit(ada, "2026-11-22T10:00:00+00:00", "Older entry")
    now = texts(ada, "cache2.py")
    assert "Decision: cache2.py keeps sessions for a month" in now
    assert "Decision: cache2.py keeps sessions for 2 hours" not in now
    assert_same_as_a_rebuild(ada)

    ada.git("reset", "-q", "--hard", after_retire)
    ada.log("2026-11-23T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once")
    folds.commit(ada, "2026-11-23T10:00:00+00:00", "Ledger")
    now = texts(ada, "cache2.py")
    assert "Decision: cache2.py keeps sessions for 2 hours" in now
    assert "Decision: cache2.py keeps sessions for a month" not in now
    assert folds.rebuilds == 0
    assert_same_as_a_rebuild(ada)


def test_a_day_among_folded_entries_reads_only_the_books_its_steps_taken_back_touch(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A teammate's day among entries folded already: the steps from its first entry on are
    taken back and fed again, and one of them is a `Supersedes:`. Its new entries retire
    nothing, so the fold reads the books of the entries taken back (which hold what that
    `Supersedes:` took before), not every book of the history; and it still ends where a
    rebuild ends, with the pick moved to the teammate's older tied decision. A new entry
    that retires something may retire any live decision: that fold reads them all."""
    repo = native_repo
    folds = Folds(monkeypatch)
    read: list[str] = []
    real = context_store.Store.read

    def counted(self: context_store.Store, rel: str, default: Any) -> Any:
        if "/book/" in rel and rel not in self._cache and (self.state / rel).exists():
            read.append(rel)
        return real(self, rel, default)

    monkeypatch.setattr(context_store.Store, "read", counted)
    history = [f"2026-11-0{d}" for d in range(2, 8)]
    for day in history:  # a book each, none of them concerned by what follows
        repo.log(f"{day}T09:00:00+00:00", "Modules", f"Decision: module_{day[-1]}.py batches "
                 f"writes per request {day}")
        folds.commit(repo, f"{day}T10:00:00+00:00", f"Modules {day}")
    repo.log("2026-11-10T10:00:00+00:00", "Cache", "Decision: cache.py keeps sessions in redis")
    repo.log("2026-11-10T14:00:00+00:00", "Cache", "Supersedes: cache.py keeps sessions in redis",
             "Decision: cache.py keeps sessions in memcached")
    folds.commit(repo, "2026-11-10T15:00:00+00:00", "Cache")
    folds.rebuilds = 0
    assert texts(repo, "cache.py") == ["Decision: cache.py keeps sessions in memcached"]

    read.clear()
    repo.log("2026-11-10T08:30:00+00:00", "Cache", "Decision: cache.py keeps sessions in redis",
             user="grace")
    repo.log("2026-11-10T12:00:00+00:00", "Cache", "Tried: cache.py with a local redis",
             user="grace")
    folds.commit(repo, "2026-11-10T16:00:00+00:00", "Cache, grace's day")
    assert folds.rebuilds == 0
    # One book: the file of the day's entries taken back (grace's is new: nothing to read).
    assert len(read) == 1 and "2026-11-10" in read[0] and "/grace/" not in read[0], read
    # The tie goes to the oldest: grace's 08:30 decision is the one retired, 10:00's is live.
    assert texts(repo, "cache.py") == ["Decision: cache.py keeps sessions in redis",
                                       "Tried: cache.py with a local redis",
                                       "Decision: cache.py keeps sessions in memcached"]
    assert next(i["author"] for _, i in context_index.read(repo.state(), "cache.py")) != "grace"
    assert_same_as_a_rebuild(repo)

    read.clear()
    repo.log("2026-11-10T09:00:00+00:00", "Modules", "Reverted: module_4.py batches writes",
             user="grace")
    folds.commit(repo, "2026-11-10T17:00:00+00:00", "Modules, a revert")
    assert folds.rebuilds == 0
    assert len({rel for rel in read if any(day in rel for day in history)}) == len(history)
    assert texts(repo, "module_4.py") == []
    assert_same_as_a_rebuild(repo)


def test_a_new_day_after_a_backlog_reads_neither_its_months_steps_nor_its_folders_books(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backlog of ada's days in one commit: their steps are one file for the month, their
    books one for her folder. The next day's commit brings a new archive file and a day after
    every entry folded: neither bundle can hold anything of them, and neither is read; the
    day's steps and the file's book get files of their own. Then an entry among the
    backlog's days (its steps taken back out of the month's bundle) and a reset of that
    commit: the index is a rebuild's at each step, without one."""
    ada, folds, _ = _backlog_of_days(tmp_path, monkeypatch)
    state = ada.state() / "context-index.state"
    bundles = ("steps/shop/2026-11.json", "book/2026-11/shop/ada.json")
    assert all((state / rel).is_file() for rel in bundles)
    folds.rebuilds = 0
    read: list[str] = []
    real = context_store.Store.read

    def counted(self: context_store.Store, rel: str, default: Any) -> Any:
        if rel not in self._cache and (self.state / rel).exists():
            read.append(rel)
        return real(self, rel, default)

    monkeypatch.setattr(context_store.Store, "read", counted)
    ada.log("2026-11-21T09:00:00+00:00", "Cache", "Decision: cache21.py keeps sessions a week",
            "Blocked on: redis sizing for the oscar shard")
    folds.commit(ada, "2026-11-21T10:00:00+00:00", "Next day")
    assert not [rel for rel in read if rel.endswith(bundles)], read
    assert (state / "steps" / "shop" / "2026-11-21.json").is_file()
    assert texts(ada, "cache21.py") == ["Decision: cache21.py keeps sessions a week",
                                        "Blocked on: redis sizing for the oscar shard"]
    assert_same_as_a_rebuild(ada)
    next_day = ada.git("rev-parse", "HEAD").stdout.strip()

    ada.log("2026-11-05T12:00:00+00:00", "Earlier", "Unblocked: the delta shard is sized",
            "Decision: cache5.py keeps sessions for a month")  # among the backlog's days
    folds.commit(ada, "2026-11-22T10:00:00+00:00", "Older entry")
    assert "Blocked on: redis sizing for the delta shard" not in texts(ada, "cache3.py")
    assert_same_as_a_rebuild(ada)

    ada.git("reset", "-q", "--hard", next_day)
    ada.log("2026-11-23T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once")
    folds.commit(ada, "2026-11-23T10:00:00+00:00", "Ledger")
    assert "Blocked on: redis sizing for the delta shard" in texts(ada, "cache3.py")
    assert folds.rebuilds == 0
    assert_same_as_a_rebuild(ada)


def _given_up_then_rebuilt(repo: Repo, folds: Folds, day: str) -> None:
    """With the index's state damaged: the commit on November's `day` gives the state up (the
    index is a cache) without a rebuild, the next day's rebuilds it once, and both days'
    decisions are found, as a rebuild finds them."""
    next_day = f"{int(day) + 1:02d}"
    given_up, rebuilt = f"Decision: given{day}.py writes once", f"Decision: rebuilt{next_day}.py retries"
    folds.rebuilds = 0
    repo.log(f"2026-11-{day}T09:00:00+00:00", "Given up", given_up)
    folds.commit(repo, f"2026-11-{day}T10:00:00+00:00", "Given up")
    assert not (repo.state() / "context-index.json").exists() and folds.rebuilds == 0
    repo.log(f"2026-11-{next_day}T09:00:00+00:00", "Rebuilt", rebuilt)
    folds.commit(repo, f"2026-11-{next_day}T10:00:00+00:00", "Rebuilt")
    assert texts(repo, f"given{day}.py") == [given_up]
    assert texts(repo, f"rebuilt{next_day}.py") == [rebuilt]
    assert folds.rebuilds == 1
    assert_same_as_a_rebuild(repo)


def test_a_manifest_whose_newest_entry_is_not_one_is_rebuilt_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The manifest's newest folded entry of a project tells the fold which days can have
    no steps yet; one that is not an entry's sort key (a hand edit, a damaged file) is not
    trusted: the commit still succeeds, the state is given up, and the next commit rebuilds
    the index from the archive."""
    ada, _ = teammates(tmp_path)
    folds = Folds(monkeypatch)
    ada.log("2026-11-02T09:00:00+00:00", "Cache", "Decision: cache.py keeps sessions a day")
    folds.commit(ada, "2026-11-02T10:00:00+00:00", "Cache")
    manifest = ada.state() / "context-index.json"
    data = json.loads(manifest.read_text())
    data["tips"]["shop"] = "soon"
    manifest.write_text(json.dumps(data))
    _given_up_then_rebuilt(ada, folds, "03")


def test_a_commit_reads_the_folders_of_its_own_month_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The manifest keeps a digest of each month's contributor folders: a commit into
    November reads November's folders file, not September's or October's (their digests
    did not move). A lost folders file costs that month's folders a listing, not a rebuild;
    a damaged one is not trusted: the next commit rebuilds. The index is a rebuild's."""
    import os

    ada, _ = teammates(tmp_path)
    folds = Folds(monkeypatch)
    for month in ("09", "10", "11"):
        ada.log(f"2026-{month}-02T09:00:00+00:00", "Cache",
                f"Decision: cache{month}.py keeps sessions a day")
        folds.commit(ada, f"2026-{month}-02T10:00:00+00:00", f"Cache {month}")
    archive = ada.path / "logs" / "archive"
    for month in ("2026-09", "2026-10"):  # folders written an hour ago, not in this second
        for folder in (archive / month).glob("*/*"):
            os.utime(folder, ns=(folder.stat().st_mtime_ns - 3600 * 10**9,) * 2)
    ada.log("2026-11-03T09:00:00+00:00", "Queue", "Decision: queue.py retries twice")
    folds.commit(ada, "2026-11-03T10:00:00+00:00", "Queue")  # (takes the older mtimes in)
    folds.rebuilds = 0
    read: list[str] = []
    real = context_store.Store.read

    def counted(self: context_store.Store, rel: str, default: Any) -> Any:
        if "/dirs/" in rel and rel not in self._cache:
            read.append(rel.rsplit("/", 1)[1])
        return real(self, rel, default)

    monkeypatch.setattr(context_store.Store, "read", counted)
    ada.log("2026-11-04T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once")
    folds.commit(ada, "2026-11-04T10:00:00+00:00", "Ledger")
    assert read == ["2026-11.json"]
    assert texts(ada, "ledger.py") == ["Decision: ledger.py writes once"]
    assert_same_as_a_rebuild(ada)

    folders = ada.state() / "context-index.state" / "dirs"
    (folders / "2026-11.json").unlink()
    ada.log("2026-11-05T09:00:00+00:00", "Mail", "Decision: mail.py sends in batches")
    folds.commit(ada, "2026-11-05T10:00:00+00:00", "Mail")
    assert texts(ada, "mail.py") == ["Decision: mail.py sends in batches"]
    assert folds.rebuilds == 0
    assert_same_as_a_rebuild(ada)

    (folders / "2026-11.json").write_text("{not json")
    _given_up_then_rebuilt(ada, folds, "06")


@pytest.mark.parametrize("back", ["2026-11-15", "2026-09-20"])
def test_an_entry_days_or_months_older_than_the_newest_folded_folds_as_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, back: str,
) -> None:
    """An entry older than the newest folded: the steps from its day on are taken back, looked
    up day by day when it is a few days back, found by a listing of the project's steps when
    it is months back; either way the index ends where a rebuild ends, without one."""
    ada, _ = teammates(tmp_path)
    folds = Folds(monkeypatch)
    for when in ("2026-09-10", "2026-10-10", "2026-11-10", "2026-11-20"):
        ada.log(f"{when}T09:00:00+00:00", "Cache", f"Decision: cache.py keeps sessions {when}",
                f"Blocked on: redis sizing for {when}")
        folds.commit(ada, f"{when}T10:00:00+00:00", f"Cache {when}")
    folds.rebuilds = 0
    ada.log(f"{back}T09:00:00+00:00", "Cache", "Supersedes: cache.py keeps sessions",
            "Decision: cache.py keeps sessions in memcached",
            "Unblocked: redis sizing is done", user="grace")
    folds.commit(ada, "2026-11-21T10:00:00+00:00", "Grace's older day")
    assert "Decision: cache.py keeps sessions in memcached" in texts(ada, "cache.py")
    assert folds.rebuilds == 0
    assert_same_as_a_rebuild(ada)
