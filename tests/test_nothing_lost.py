"""Nothing lost, ever: reruns, aborted commits, appends during a run, hand edits of views."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate

NOW = "2026-11-25T14:30:00+01:00"
STATUS = "logs/shop-status.md"
MASTER = "logs/shop-session-log-2026-11.md"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_consolidating_twice_changes_nothing(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(NOW, "Chose RS256", "Decision: RS256 over HS256")
    first = repo.sl("consolidate")
    assert "consolidated 1 entry" in first.stdout
    before = snapshot(repo.path / "logs")
    index_before = repo.git("ls-files", "-s").stdout
    second = repo.sl("consolidate")
    assert second.stdout.strip() == "sessionlog: nothing pending"
    assert snapshot(repo.path / "logs") == before
    assert repo.git("ls-files", "-s").stdout == index_before


def test_rerun_after_views_deleted_renders_the_same(native_repo: Repo) -> None:
    """Views are a pure function of the archive: the same bytes whenever they are rendered."""
    repo = native_repo
    repo.log(NOW, "Chose RS256", "Decision: RS256 over HS256", "Blocked on: key storage")
    repo.sl("consolidate")
    before = {rel: repo.read(rel) for rel in (MASTER, STATUS)}
    repo.log("2026-11-25T15:00:00+01:00", "Second entry")
    repo.sl("consolidate")
    text = repo.read(MASTER)
    assert "Second entry" in text and "Chose RS256" in text
    assert before[MASTER] != text


@pytest.mark.parametrize("mode", ["-a", "-m"])
def test_aborted_commit_leaves_entries_to_the_next(hooked_repo: Repo, mode: str) -> None:
    repo = hooked_repo
    repo.append("app.py", "print('change')\n")
    if mode == "-m":
        repo.git("add", "app.py")
    repo.log(NOW, "Chose RS256", "Decision: RS256 over HS256")
    args = ["commit", "-a"] if mode == "-a" else ["commit"]
    aborted = repo.git(*args, "-m", "", check=False)
    assert aborted.returncode != 0
    assert "empty commit message" in aborted.stderr.lower()
    head = repo.git("rev-parse", "HEAD").stdout
    repo.git(*args, "-m", "Use RS256")
    assert repo.git("rev-parse", "HEAD~1").stdout == head
    files = repo.head_files()
    archived = [f for f in files if f.startswith("logs/archive/")]
    assert len(archived) == 1, files
    assert MASTER in files and STATUS in files
    assert repo.tracked(MASTER).count("Chose RS256") == 1
    assert [line for line in repo.porcelain() if "logs/" in line] == []
    assert repo.pending() == []
    # The ledger of what we wrote is cleared once git has it all.
    repo.git("commit", "--allow-empty", "-m", "later")
    assert not (repo.path / ".git/sessionlog/written.json").exists()


def test_entries_appended_while_consolidating_are_kept(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor appends to the temp log between our read and our trim: the new text stays."""
    repo = native_repo
    repo.log(NOW, "First entry", "Decision: keep it")
    pending = repo.pending()[0]
    late = "\n## 14:45 - Written during consolidation\n- Tried: appending mid-run\n"

    def append_midway(step: str) -> None:
        if step == "rendered":
            with pending.open("a", encoding="utf-8") as handle:
                handle.write(late)

    monkeypatch.setattr(consolidate, "_fault", append_midway)
    monkeypatch.chdir(repo.path)
    result = consolidate.run(workspace.find(repo.path))
    assert result.entries == 1
    kept = pending.read_text(encoding="utf-8")
    assert "Written during consolidation" in kept and "First entry" not in kept
    assert kept.startswith("# sessionlog: shop / ada / 2026-11-25")  # the header is kept
    archived = repo.archive()
    assert len(archived) == 1 and "First entry" in archived[0].read_text()
    # The next run archives the late entry exactly once.
    monkeypatch.undo()
    repo.sl("consolidate")
    texts = [p.read_text() for p in repo.archive()]
    assert sum("Written during consolidation" in t for t in texts) == 1
    assert sum("First entry" in t for t in texts) == 1
    assert repo.read(MASTER).count("Written during consolidation") == 1


def test_log_waits_for_a_running_consolidation(native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sessionlog log` takes the same lock: its entry lands wholly before or after the run."""
    repo = native_repo
    repo.log(NOW, "First entry")
    started = threading.Event()
    proceed = threading.Event()

    def pause(step: str) -> None:
        if step == "rendered":
            started.set()
            proceed.wait(30)

    monkeypatch.setattr(consolidate, "_fault", pause)
    monkeypatch.chdir(repo.path)
    worker = threading.Thread(target=consolidate.run, args=(workspace.find(repo.path),))
    worker.start()
    assert started.wait(30)
    child = subprocess.Popen(
        [sys.executable, "-m", "sessionlog_git", "log", "Logged during the run"],
        cwd=repo.path, env={**os.environ, "SESSIONLOG_NOW": "2026-11-25T14:40:00+01:00"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        child.wait(timeout=1.5)
        finished_early = True
    except subprocess.TimeoutExpired:
        finished_early = False
    proceed.set()
    worker.join(30)
    _, err = child.communicate(timeout=60)
    assert not finished_early, "the append must wait for the lock"
    assert child.returncode == 0, err
    pending = repo.pending()
    assert len(pending) == 1 and "Logged during the run" in pending[0].read_text()
    assert "First entry" not in pending[0].read_text()
    assert "First entry" in repo.archive()[0].read_text()


def test_unstaged_edit_of_a_view_refuses_and_keeps_everything(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.log(NOW, "Chose RS256", "Blocked on: key storage")
    repo.append("app.py", "print(1)\n")
    repo.git("commit", "-a", "-m", "First")
    assert STATUS in repo.head_files()
    repo.append(STATUS, "\nMy hand-written note.\n")
    repo.log("2026-11-25T15:00:00+01:00", "Second entry")
    repo.append("app.py", "print(2)\n")
    repo.git("add", "app.py")
    before_archive = repo.archive()
    failed = repo.git("commit", "-m", "Second", check=False)
    said = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert STATUS in said and "git add" in said and "not staged" in said
    assert "My hand-written note." in repo.read(STATUS)
    assert repo.archive() == before_archive
    assert "Second entry" in repo.pending()[0].read_text()
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == "First"


def test_unstaged_edit_blocks_manual_consolidate_too(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(NOW, "First")
    repo.git("commit", "--allow-empty", "-m", "First")
    repo.append(MASTER, "edited\n")
    repo.log("2026-11-25T15:00:00+01:00", "Second")
    proc = repo.sl("consolidate", check=False)
    assert proc.returncode == 1
    assert f"{MASTER}: has changes that are not staged" in proc.stderr
    assert repo.read(MASTER).endswith("edited\n")
    assert len(repo.pending()) == 1


def test_committed_views_equal_a_fresh_render_of_the_archive(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-10-31T23:30:00+01:00", "October work", "Blocked on: vendor API keys")
    repo.log("2026-11-02T10:00:00+01:00", "November work", "Unblocked: vendor API keys arrived")
    repo.git("commit", "--allow-empty", "-m", "one")
    repo.log("2026-11-03T10:00:00+01:00", "More", user="grace")
    repo.git("commit", "--allow-empty", "-m", "two")
    fresh = consolidate.rebuild(workspace.at(repo.path))
    assert set(fresh) == {
        "logs/shop-session-log-2026-10.md", "logs/shop-session-log-2026-11.md", "logs/shop-status.md"
    }
    for rel, text in fresh.items():
        assert repo.tracked(rel) == text, rel


def test_incremental_views_equal_a_full_rebuild_across_months(native_repo: Repo) -> None:
    """The parse cache and the monthly status checkpoints never change what is rendered."""
    import random

    repo = native_repo
    rng = random.Random(7)
    topics = ["vendor api keys", "staging database", "design review", "legal sign-off", "ops ticket"]
    months = ["2026-01", "2026-02", "2026-03", "2026-05"]  # a gap in April
    for round_, month in enumerate(months):
        for day in (1, 14, 28):
            for user, offset in (("ada", "+01:00"), ("grace", "-08:00")):
                for hour in (9, 23):
                    bullets = [f"Decision: option {rng.randint(1, 99)}"]
                    if rng.random() < 0.4:
                        bullets.append(f"Blocked on: {rng.choice(topics)} {rng.randint(1, 3)}")
                    if rng.random() < 0.3:
                        bullets.append(f"Unblocked: {rng.choice(topics)}")
                    if rng.random() < 0.3:
                        bullets.append(f"Next: step {rng.randint(1, 9)}")
                    repo.log(f"{month}-{day:02d}T{hour:02d}:30:00{offset}",
                             f"{user} {month}-{day} {hour}h", *bullets, user=user)
        if round_ == 2:
            import shutil

            shutil.rmtree(repo.path / ".git/sessionlog/cache", ignore_errors=True)
        if round_ == 3:
            for cached in (repo.path / ".git/sessionlog/cache").rglob("*.status.json"):
                cached.write_text("{not json")
        repo.git("commit", "--allow-empty", "-m", f"month {month}")
        fresh = consolidate.rebuild(workspace.at(repo.path))
        for rel, text in fresh.items():
            assert repo.read(rel) == text, (month, rel)
    # A late entry for an old month re-renders that month and the status, still exact.
    repo.log("2026-02-10T10:00:00+01:00", "Late note", "Resolved: legal sign-off", user="ada")
    repo.git("commit", "--allow-empty", "-m", "late")
    fresh = consolidate.rebuild(workspace.at(repo.path))
    for rel, text in fresh.items():
        assert repo.read(rel) == text, rel
    assert "Late note" in repo.read("logs/shop-session-log-2026-02.md")
