"""A commit folds only what it brings, and still ends where a full rebuild ends.

The context index the pre-edit hook reads and the status file are folded incrementally at
each commit (logs/context_store.py, archive.status_checkpoint). After a teammate's merge,
a reset to an older commit, a commit undone right away, or a Supersedes: of a decision made
months before, both must equal what a rebuild from the whole archive gives, and a commit in
the current month must not list the archive folders of the months before it.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, Repo, clone_teammate, founder_with_remote
from test_why import commit_at

from sessionlog_git.logs import context_index, context_store

REBUILD = (
    "import json, pathlib; from sessionlog_git import workspace; "
    "from sessionlog_git.pipeline import consolidate; "
    "print(json.dumps(consolidate.rebuild(workspace.at(pathlib.Path.cwd()))))"
)


def index_now(repo: Repo) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    state = repo.state()
    return context_store.load(state), context_store.shards(state)


def assert_index_is_a_rebuild(repo: Repo) -> dict[str, Any]:
    """The index as the commits left it equals `sessionlog context --rebuild-index`'s."""
    incremental, shards = index_now(repo)
    assert incremental is not None and incremental["items"]
    out = repo.sl("context", "--rebuild-index").stdout
    assert "sessionlog: rebuilt" in out
    rebuilt, rebuilt_shards = index_now(repo)
    assert incremental == rebuilt
    assert shards == rebuilt_shards
    return incremental


def assert_views_are_fresh(repo: Repo) -> None:
    """Every committed view equals a fresh render of the whole archive, byte for byte."""
    expected: dict[str, str] = json.loads(repo.run(PYTHON, "-c", REBUILD).stdout)
    assert "logs/shop-status.md" in expected
    for rel, text in expected.items():
        assert repo.tracked(rel) == text, rel
        assert repo.read(rel) == text, rel
    checked = repo.sl("check", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def age_archive(repo: Repo) -> None:
    """Make the archive's folders a day old, as a long history's are (a folder changed in
    the last second is listed again, as git treats a racily clean entry)."""
    past = time.time() - 86400
    for folder in (repo.path / "logs" / "archive").glob("*/*/*"):
        os.utime(folder, (past, past))


def texts(repo: Repo, path: str) -> list[str]:
    return [i["text"] for _, i in context_index.read(repo.state(), path)]


def month_of_work(repo: Repo, month: str, user: str | None = None) -> None:
    who = user or "ada"
    repo.log(f"{month}-05T09:00:00+00:00", f"Payments {month}",
             f"Decision: payments.py batches refunds by {month}, because {who} said so",
             "Blocked on: gateway sandbox credentials", user=user)
    repo.write("payments.py", f"MONTH = '{month}'\n")
    repo.git("add", "payments.py")
    commit_at(repo, f"{month}-05T10:00:00+00:00", "-m", f"Payments {month}")
    repo.log(f"{month}-06T09:00:00+00:00", f"Gateway {month}", "Unblocked: gateway sandbox is ready",
             "Tried: payments.py retries without keys; the gateway dropped them", user=user)
    commit_at(repo, f"{month}-06T10:00:00+00:00", "--allow-empty", "-m", f"Gateway {month}")


def test_a_commit_after_history_lists_no_folder_of_the_months_before(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The work of a commit in the current month: no listing of an earlier month's archive
    folder (status checkpoint keys from folder mtimes, the index from its manifest)."""
    from sessionlog_git import workspace
    from sessionlog_git.logs import layout
    from sessionlog_git.pipeline import consolidate

    repo = native_repo
    for month in ("2026-08", "2026-09", "2026-10", "2026-11"):
        month_of_work(repo, month)
    age_archive(repo)
    repo.log("2026-11-20T09:00:00+00:00", "Prime", "Decision: keep the prime commit")
    commit_at(repo, "2026-11-20T10:00:00+00:00", "--allow-empty", "-m", "Prime")

    listed: list[str] = []
    real = layout.files_in

    def spy(folder: layout.Folder, **kw: Any) -> list[layout.LogFile]:
        if folder.month:  # the archive's (the pending folder's have none)
            listed.append(folder.month)
        return real(folder, **kw)

    monkeypatch.setattr(layout, "files_in", spy)
    repo.log("2026-11-21T09:00:00+00:00", "Refunds", "Decision: payments.py refunds in one batch")
    monkeypatch.chdir(repo.path)
    result = consolidate.run(workspace.at(repo.path))
    assert result.archived and not result.problems
    assert listed and set(listed) == {"2026-11"}
    commit_at(repo, "2026-11-21T10:00:00+00:00", "-m", "Refunds")
    assert "Decision: payments.py refunds in one batch" in texts(repo, "payments.py")
    assert_views_are_fresh(repo)
    assert_index_is_a_rebuild(repo)


def test_a_supersedes_of_a_decision_months_old_is_matched_as_in_a_rebuild(native_repo: Repo) -> None:
    """The status's live decisions are read from the month checkpoints' deltas only when a
    Supersedes: needs them; the index's from its books. Both find the months-old decision."""
    repo = native_repo
    repo.log("2026-09-03T09:00:00+00:00", "Tokens",
             "Decision: RS256 over HS256 for tokens, because key rotation is required")
    commit_at(repo, "2026-09-03T10:00:00+00:00", "--allow-empty", "-m", "Tokens")
    for month in ("2026-09", "2026-10", "2026-11"):
        month_of_work(repo, month)
    age_archive(repo)
    # This commit saves September's and October's checkpoints under keys that hold; the next
    # one starts from October's and reads the live decisions back through both deltas.
    repo.log("2026-11-10T09:00:00+00:00", "Prime", "Decision: keep the prime commit")
    commit_at(repo, "2026-11-10T10:00:00+00:00", "--allow-empty", "-m", "Prime")
    cache = repo.state() / "cache" / "archive" / "shop"
    assert sorted(p.name for p in cache.glob("*.live.json")) == [
        "2026-09.live.json", "2026-10.live.json"]
    repo.log("2026-11-20T09:00:00+00:00", "Vault", "Supersedes: RS256 over HS256 for tokens",
             "Decision: HS256 with vault keys for tokens, because the vault rotates them")
    repo.write("auth.py", "ALG = 'HS256'\n")
    repo.git("add", "auth.py")
    commit_at(repo, "2026-11-20T10:00:00+00:00", "-m", "Vault")
    status = repo.read("logs/shop-status.md")
    retired = status.split("## Retired decisions", 1)[1].split("##", 1)[0]
    assert "~~Decision: RS256 over HS256 for tokens, because key rotation is required~~" in retired
    recent = status.split("## Recent decisions", 1)[1].split("##", 1)[0]
    assert "RS256 over HS256 for tokens, because" not in recent
    assert "HS256 with vault keys" in recent
    (item,) = [i for _, i in context_index.read(repo.state(), "auth.py")]
    assert item["replaces"] == [{"how": "superseded", "text": "Decision: RS256 over HS256 for "
                                 "tokens, because key rotation is required"}]
    assert_views_are_fresh(repo)
    assert_index_is_a_rebuild(repo)


def test_after_a_reset_to_an_older_commit_the_next_commit_is_as_a_rebuild(native_repo: Repo) -> None:
    repo = native_repo
    for month in ("2026-10", "2026-11"):
        month_of_work(repo, month)
    repo.log("2026-11-10T09:00:00+00:00", "Ledger", "Decision: ledger.py writes twice, because audits")
    commit_at(repo, "2026-11-10T10:00:00+00:00", "--allow-empty", "-m", "Ledger")
    assert "Decision: ledger.py writes twice, because audits" in texts(repo, "ledger.py")
    repo.git("reset", "-q", "--hard", "HEAD~3")  # back into October's work
    assert not (repo.path / "logs" / "archive" / "2026-11").exists()
    repo.log("2026-11-12T09:00:00+00:00", "Ledger again", "Decision: ledger.py writes once")
    commit_at(repo, "2026-11-12T10:00:00+00:00", "--allow-empty", "-m", "Ledger again")
    assert texts(repo, "ledger.py") == ["Decision: ledger.py writes once"]
    assert not any("2026-11" in t for t in texts(repo, "payments.py"))
    assert_views_are_fresh(repo)
    assert_index_is_a_rebuild(repo)


def test_a_consolidation_undone_by_a_reset_is_taken_back_from_the_index(native_repo: Repo) -> None:
    """Consolidate, then `git reset --hard` (the files it archived go): the next commit takes
    the index's last fold back and folds its own."""
    repo = native_repo
    month_of_work(repo, "2026-11")
    repo.log("2026-11-10T09:00:00+00:00", "Ledger", "Decision: ledger.py writes twice",
             "Blocked on: the auditors' sign-off")
    repo.sl("consolidate")
    assert "Decision: ledger.py writes twice" in texts(repo, "ledger.py")
    repo.git("reset", "-q", "--hard", "HEAD")
    assert not repo.pending()
    repo.log("2026-11-11T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once")
    commit_at(repo, "2026-11-11T10:00:00+00:00", "--allow-empty", "-m", "Ledger")
    assert texts(repo, "ledger.py") == ["Decision: ledger.py writes once"]
    assert (repo.state() / "context-index.state" / "undo.json").is_file()
    status = repo.read("logs/shop-status.md")
    assert "auditors" not in status
    assert_views_are_fresh(repo)
    assert_index_is_a_rebuild(repo)


def test_a_teammates_merge_is_folded_as_a_rebuild_would(tmp_path: Path) -> None:
    """grace's commits arrive by a pull (a merge): ada's next commit folds them, older than
    what ada's index holds, with their commit links, exactly as a rebuild does."""
    ada, remote = founder_with_remote(tmp_path)
    month_of_work(ada, "2026-10")
    ada.git("push", "-q", "origin", "main")
    grace = clone_teammate(tmp_path, remote)
    grace.log("2026-11-02T09:00:00+00:00", "Billing", "Decision: billing.py exports CSV",
              "Supersedes: payments.py batches refunds by 2026-10",
              "Blocked on: finance's import format")
    grace.write("billing.py", "FORMAT = 'csv'\n")
    grace.git("add", "billing.py")
    commit_at(grace, "2026-11-02T10:00:00+00:00", "-m", "Billing")
    grace.git("push", "-q", "origin", "main")

    ada.log("2026-11-03T09:00:00+00:00", "Refunds", "Decision: payments.py refunds in one batch")
    commit_at(ada, "2026-11-03T10:00:00+00:00", "--allow-empty", "-m", "Refunds")
    ada.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert any("grace" in str(p) for p in ada.archive())
    ada.log("2026-11-04T09:00:00+00:00", "Ledger", "Decision: ledger.py writes once",
            "Unblocked: finance's import format is agreed")
    commit_at(ada, "2026-11-04T10:00:00+00:00", "--allow-empty", "-m", "Ledger")
    assert texts(ada, "billing.py") == ["Decision: billing.py exports CSV"]
    payments = texts(ada, "payments.py")
    assert "Decision: payments.py refunds in one batch" in payments
    assert not any("batches refunds by 2026-10" in t and t.startswith("Decision") for t in payments)
    status = ada.read("logs/shop-status.md")
    assert "finance's import format" not in status.split("## Open blockers", 1)[1].split("##", 1)[0]
    assert_views_are_fresh(ada)
    assert_index_is_a_rebuild(ada)
