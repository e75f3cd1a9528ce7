"""Exactly once, whatever is interrupted: kills at every step with appends before the rerun,
`kill -9` during real commits, a foreign `index.lock`, our own half-done views."""
from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Repo
from test_context_reorder import assert_same_as_a_rebuild

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate

MASTER = "logs/shop-session-log-2026-11.md"
STATUS = "logs/shop-status.md"
FIRST = [f"First batch {i}" for i in range(4)]
LATE = [f"Logged after the kill {i}" for i in range(3)]


def titles_in(texts: list[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            if line.startswith("## ") and " - " in line:
                found.append(line.split(" - ", 1)[1])
    return found


def everywhere(repo: Repo) -> list[str]:
    """Every entry title in the work tree's archive and in pending, with repeats."""
    return titles_in([p.read_text() for p in [*repo.archive(), *repo.pending()]])


def in_head(repo: Repo) -> list[str]:
    """Every entry title in HEAD's archive, with repeats."""
    names = repo.git("ls-tree", "-r", "--name-only", "HEAD", "logs/archive").stdout.split()
    return titles_in([repo.tracked(name) for name in names])


def strays(repo: Repo) -> list[str]:
    """Files under logs/ that are neither an archive file nor a view we render."""
    fresh = set(consolidate.rebuild(workspace.at(repo.path)))
    archive = {p.relative_to(repo.path).as_posix() for p in repo.archive()}
    found = []
    for path in (repo.path / "logs").rglob("*"):
        rel = path.relative_to(repo.path).as_posix()
        if path.is_file() and rel not in fresh and rel not in archive:
            found.append(rel)
    return sorted(found)


def wait_for_group_to_die(pgid: int) -> None:
    """Until no process of the killed group is left (a hook's `git add` dies a moment later).
    At most 5 s: without an init that reaps orphans, their zombies stay in the group."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def seed(repo: Repo, titles: list[str], hour: int = 9) -> None:
    for i, title in enumerate(titles):
        user = "ada" if i % 2 == 0 else "grace"
        repo.log(f"2026-11-{24 + i % 2}T{hour + i:02d}:00:00+01:00", title, f"Decision: pick {title}",
                 user=user)


@pytest.mark.parametrize("step", consolidate.STEPS)
def test_kill_at_every_step_with_appends_before_the_rerun(native_repo: Repo, step: str) -> None:
    repo = native_repo
    seed(repo, FIRST)
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": step}, check=False)
    assert killed.returncode == 97, killed.stderr
    # More logging before the next run: into the same temp logs, and a new one.
    seed(repo, LATE, hour=15)
    repo.log("2026-11-26T08:00:00+01:00", "A new day", user="ada")
    expected = sorted([*FIRST, *LATE, "A new day"])
    repo.sl("consolidate")
    assert repo.pending() == []
    assert sorted(everywhere(repo)) == expected
    assert strays(repo) == []
    fresh = consolidate.rebuild(workspace.at(repo.path))
    for rel, text in fresh.items():
        assert repo.read(rel) == text, rel
    assert repo.read(MASTER).count("First batch 0 ·") == 1
    # `git add -A` sweeps nothing of ours that is not meant to be committed.
    repo.git("add", "-A")
    repo.git("commit", "-m", "after the crash")
    assert sorted(in_head(repo)) == expected
    assert repo.porcelain() == []
    assert repo.sl("check").returncode == 0


def test_a_kill_before_an_appended_days_render_is_cached_costs_only_a_full_render(
        native_repo: Repo) -> None:
    """A day appended to the master log is kept in the render cache once git hashes the views
    (`views-staging`, then the cache write `monthview.append_days` returned): killed before,
    the cache lacks it, and the next run renders the month from its records, byte for byte a
    rebuild, each entry once."""
    import json

    repo = native_repo
    seed(repo, FIRST)
    repo.sl("consolidate")
    repo.git("commit", "-q", "-m", "first")
    cache = workspace.at(repo.path).config.state_path / "cache" / "views" / "shop" / "2026-11.master.json"
    kept = json.loads(cache.read_text(encoding="utf-8"))["renders"]
    repo.log("2026-11-26T08:00:00+01:00", "A new day", user="ada")
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": "views-staging"}, check=False)
    assert killed.returncode == 97, killed.stderr
    assert json.loads(cache.read_text(encoding="utf-8"))["renders"] == kept  # not kept yet
    repo.log("2026-11-27T08:00:00+01:00", "Another day", user="grace")
    repo.sl("consolidate")
    assert repo.pending() == []
    assert sorted(everywhere(repo)) == sorted([*FIRST, "A new day", "Another day"])
    fresh = consolidate.rebuild(workspace.at(repo.path))
    for rel, text in fresh.items():
        assert repo.read(rel) == text, rel
    renders = json.loads(cache.read_text(encoding="utf-8"))["renders"]
    assert renders[-1]["digest"] == hashlib.sha256(repo.read(MASTER).encode()).hexdigest()
    repo.git("commit", "-q", "-m", "after the kill")
    assert repo.porcelain() == []
    assert repo.sl("check").returncode == 0


def test_kill_9_loop_during_real_commits(native_repo: Repo) -> None:
    """A bounded loop of real `git commit`s killed with SIGKILL at spread-out moments."""
    repo = native_repo
    logged: list[str] = []
    delays = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.7, 0.9, 1.2, 1.6]
    # git's own locks: the index's, and HEAD's and the branch's when the kill lands as git
    # moves them (after the hook)
    locks = [repo.path / ".git" / name for name in ("index.lock", "HEAD.lock", "refs/heads/main.lock")]
    for n, delay in enumerate(delays):
        title = f"Round {n:02d}"
        repo.log(f"2026-11-25T{8 + n // 6:02d}:{(n % 6) * 10:02d}:00+01:00", title,
                 f"Decision: round {n}", user="ada" if n % 2 else "grace")
        logged.append(title)
        repo.append("app.py", f"x{n} = {n}\n")
        proc = subprocess.Popen(["git", "commit", "-qam", f"round {n}"], cwd=repo.path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        wait_for_group_to_die(proc.pid)
        # A killed git leaves its own lock behind, which a user removes by hand.
        for lock in locks:
            lock.unlink(missing_ok=True)
        # At any moment, every entry is in the archive or pending.
        assert set(logged) <= set(everywhere(repo))
    repo.log("2026-11-25T20:00:00+01:00", "After the storm", user="ada")
    logged.append("After the storm")
    repo.append("app.py", "done = True\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "final")
    assert repo.pending() == []
    assert sorted(in_head(repo)) == sorted(logged)
    assert sorted(everywhere(repo)) == sorted(logged)
    # `git add -A` swept no leftover of ours into the history: HEAD's logs/ holds only the
    # archive and the views.
    assert strays(repo) == []
    committed = repo.git("ls-tree", "-r", "--name-only", "HEAD", "logs").stdout.split()
    expected_files = set(consolidate.rebuild(workspace.at(repo.path))) | {
        p.relative_to(repo.path).as_posix() for p in repo.archive()}
    assert set(committed) == expected_files
    assert repo.porcelain() == []
    assert repo.sl("check").returncode == 0


def test_index_lock_held_by_another_process(native_repo: Repo) -> None:
    repo = native_repo
    seed(repo, FIRST)
    lock = repo.path / ".git/index.lock"
    lock.write_text("")
    held = repo.sl("consolidate", check=False)
    assert held.returncode == 1, held.stderr
    assert "Traceback" not in held.stderr and "internal error" not in held.stderr
    assert ".git/index.lock" in held.stderr and "Fix:" in held.stderr
    lock.unlink()
    seed(repo, LATE, hour=15)
    repo.sl("consolidate")
    repo.git("commit", "-m", "logs")
    assert sorted(in_head(repo)) == sorted([*FIRST, *LATE])
    assert repo.pending() == [] and repo.porcelain() == []


def test_check_notices_an_entry_archived_twice(native_repo: Repo) -> None:
    repo = native_repo
    seed(repo, FIRST[:1])
    repo.sl("consolidate")
    repo.git("commit", "-m", "logs")
    assert repo.sl("check").returncode == 0
    [original] = repo.archive()
    twin = original.with_name(original.name[:11] + "0123456789.md")
    twin.write_text(original.read_text() + "\n## 23:00 - Another entry\n")
    proc = repo.sl("check", check=False)
    assert proc.returncode == 1
    assert "archived twice" in proc.stdout and "First batch 0" in proc.stdout
    assert twin.name in proc.stdout and original.name in proc.stdout


def test_kill_while_rendering_then_one_more_entry(native_repo: Repo) -> None:
    """Our own half-done views are never mistaken for a hand edit: the next commit finishes."""
    repo = native_repo
    seed(repo, FIRST[:2])
    repo.git("commit", "--allow-empty", "-qm", "first logs")
    assert MASTER in repo.head_files()
    seed(repo, FIRST[2:], hour=14)
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": "render-partial"}, check=False)
    assert killed.returncode == 97
    repo.log("2026-11-25T18:00:00+01:00", "One more entry", user="ada")
    repo.append("app.py", "y = 2\n")
    done = repo.git("commit", "-am", "second", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(in_head(repo)) == sorted([*FIRST, "One more entry"])
    assert repo.tracked(MASTER).count("One more entry ·") == 1
    assert repo.tracked(MASTER).count("First batch 2 ·") == 1
    assert repo.pending() == [] and repo.porcelain() == []


def test_staged_hand_edit_of_a_view_is_not_dropped(hooked_repo: Repo) -> None:
    """Following the refusal's advice never loses the edit: a staged edit is refused too."""
    repo = hooked_repo
    repo.log("2026-11-25T09:00:00+01:00", "Chose RS256", "Blocked on: key storage")
    repo.git("commit", "--allow-empty", "-qm", "first")
    repo.append(STATUS, "\nMy hand-written note.\n")
    repo.git("add", STATUS)  # what the old advice said to do
    repo.log("2026-11-25T15:00:00+01:00", "Second entry")
    refused = repo.git("commit", "-m", "second", check=False)
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert STATUS in said and "Fix:" in said
    assert "stage the edit" not in said
    assert "My hand-written note." in repo.read(STATUS)
    assert "My hand-written note." in repo.git("show", f":{STATUS}").stdout
    saved = list((repo.path / ".git/sessionlog/edits").rglob("*"))
    assert any(p.is_file() and "My hand-written note." in p.read_text() for p in saved)
    # The advice: keep the note in a file of your own, restore the view, commit again.
    repo.write("logs/notes.md", "My hand-written note.\n")
    repo.git("checkout", "HEAD", "--", STATUS)
    repo.git("add", "logs/notes.md")
    repo.git("commit", "-m", "second")
    assert "My hand-written note." in repo.tracked("logs/notes.md")
    assert "Second entry" in repo.tracked(MASTER)
    assert repo.pending() == []


def test_refusal_names_a_saved_copy(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "First")
    repo.git("commit", "--allow-empty", "-qm", "first")
    repo.append(MASTER, "edited by hand\n")
    repo.log("2026-11-25T15:00:00+01:00", "Second")
    proc = repo.sl("consolidate", check=False)
    assert proc.returncode == 1
    assert "saved a copy" in proc.stderr
    folder = Path(proc.stderr.split("saved a copy at ", 1)[1].split()[0].rstrip(".;,)/"))
    copy = (folder if folder.is_absolute() else repo.path / folder) / MASTER
    assert copy.read_text().endswith("edited by hand\n")
    assert repo.read(MASTER).endswith("edited by hand\n")


def test_temporary_files_of_a_killed_write_are_removed(native_repo: Repo) -> None:
    """A kill inside an atomic write leaves `.<name>.<pid>-<ns>-<n>.tmp` next to the target:
    the rerun, which holds the lock, removes those in the folders the journal names."""
    repo = native_repo
    seed(repo, FIRST[:2])
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": "archive-partial"}, check=False)
    assert killed.returncode == 97
    folder = repo.archive()[0].parent
    leftovers = [folder / ".2026-11-24-0123456789.md.4242-123456789-0.tmp",
                 repo.path / "logs" / ".shop-status.md.4242-123456790-0.tmp"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half written")
    mine = repo.write("logs/.my-own-notes.tmp", "a user's file is never touched\n")
    repo.sl("consolidate")
    assert [p for p in leftovers if p.exists()] == []
    assert mine.read_text() == "a user's file is never touched\n"
    assert sorted(everywhere(repo)) == sorted(FIRST[:2])


def _backlog(repo: Repo, days: int) -> list[str]:
    """`days` temp logs of ada's and grace's, written as `sessionlog log` writes them."""
    from datetime import date, datetime, timedelta, timezone

    from sessionlog_git.logs import layout
    from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry

    zone = timezone(timedelta(hours=1))
    titles: list[str] = []
    for n in range(days):
        user = ("ada", "grace")[n % 2]
        day = date(2026, 11, 1) + timedelta(days=n // 2)
        at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
        title = f"Backlog {n:02d}"
        entry = entry_from_parts("09:00", title, [f"Decision: pick {n}"], {"at": at.isoformat()})
        path = layout.pending_file(repo.state() / "pending", "shop", user, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([*file_header("shop", user, day, "Europe/Berlin", "+01:00"), "",
                                   *format_entry(entry), ""]), encoding="utf-8")
        titles.append(title)
    return titles


def _rerun_archives_each_once(repo: Repo, titles: list[str]) -> None:
    """More logging, then a rerun that finishes the failed run's work: every entry archived
    exactly once, nothing pending, the views and the context index what a rebuild gives, and
    the commit holds them all."""
    seed(repo, LATE, hour=15)
    repo.sl("consolidate")
    assert repo.pending() == []
    assert sorted(everywhere(repo)) == sorted([*titles, *LATE])
    assert strays(repo) == []
    for rel, text in consolidate.rebuild(workspace.at(repo.path)).items():
        assert repo.read(rel) == text, rel
    assert_same_as_a_rebuild(repo)  # the context index too, whoever folded it
    repo.git("commit", "-q", "-m", "logs")
    assert sorted(in_head(repo)) == sorted([*titles, *LATE])
    assert repo.porcelain() == []


@pytest.mark.parametrize("step", [*consolidate.STEPS, *consolidate.BACKLOG_STEPS])
def test_a_kill_while_a_backlogs_temp_logs_are_trimmed_beside_the_folds(
        native_repo: Repo, step: str) -> None:
    """Enough temp logs that their archive files are written before the views are rendered,
    the index is folded by a child meanwhile and they are trimmed in a thread beside it: a
    kill at every step (before the views are journaled, between the archive writes, while the
    child folds, in the trim's thread...), then appends, then a rerun: every entry is archived
    exactly once, nothing stays pending, the views equal a rebuild."""
    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": step, "SESSIONLOG_SERIAL": "0"},
                     check=False)
    assert killed.returncode == 97, killed.stderr
    _rerun_archives_each_once(repo, titles)


@pytest.mark.parametrize("serial", ["0", "1"])
def test_a_backlogs_early_add_refused_by_a_held_index_lock(native_repo: Repo, serial: str) -> None:
    """A backlog's archive files are staged while its views are rendered: when another git
    process holds the index, the run fails with the fix before anything is trimmed (the
    temp logs stay whole, the journal stays), and the next run archives every entry once."""
    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    pending = {p: p.read_bytes() for p in repo.pending()}
    lock = repo.path / ".git/index.lock"
    lock.write_text("")
    held = repo.sl("consolidate", env={"SESSIONLOG_SERIAL": serial}, check=False)
    assert held.returncode == 1, held.stderr
    assert "Traceback" not in held.stderr and "internal error" not in held.stderr
    assert ".git/index.lock" in held.stderr and "Fix:" in held.stderr
    assert {p: p.read_bytes() for p in repo.pending()} == pending
    assert (repo.state() / "journal.json").is_file()
    lock.unlink()
    _rerun_archives_each_once(repo, titles)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # on purpose
def test_a_trim_thread_that_stops_without_an_error_of_its_own_leaves_the_journal(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread trimming a backlog's temp logs ends without finishing and without an error
    the run could raise (a SystemExit in it): the run fails with the fix, keeps its journal, and
    the next run takes every archived entry out of the temp logs, exactly once."""
    from sessionlog_git.errors import SessionlogError

    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)

    def stops(*_args: object) -> None:
        raise SystemExit(0)

    monkeypatch.setattr(consolidate, "_trim_pending", stops)
    monkeypatch.chdir(repo.path)
    with pytest.raises(SessionlogError, match=r"trim stopped .*Fix: run `sessionlog consolidate`"):
        consolidate.run(workspace.at(repo.path))
    assert len(repo.pending()) == len(titles)
    assert (repo.state() / "journal.json").is_file()
    monkeypatch.undo()
    repo.sl("consolidate")
    assert repo.pending() == []
    assert sorted(everywhere(repo)) == sorted(titles)
    assert strays(repo) == []


def test_a_backlog_killed_after_its_trim_before_its_views_are_staged(native_repo: Repo) -> None:
    """Archive first: the temp logs leave once every file is durable and the archive files are
    staged, before the views' add is waited for. Killed right there, the archive files are
    staged, the temp logs gone, the views written, the journal kept; the next run stages the
    views, and every entry is archived exactly once."""
    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": "trimmed-views-unstaged",
                                         "SESSIONLOG_SERIAL": "0"}, check=False)
    assert killed.returncode == 97, killed.stderr
    assert repo.pending() == []
    staged = repo.git("diff", "--cached", "--name-only").stdout.split()
    assert {str(p.relative_to(repo.path)) for p in repo.archive()} <= set(staged)
    assert (repo.path / MASTER).is_file() and (repo.path / STATUS).is_file()
    assert (repo.state() / "journal.json").is_file()
    _rerun_archives_each_once(repo, titles)


def test_a_backlogs_views_add_refused_after_its_trim(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Archive first: git refuses the views' add after the temp logs were trimmed (their
    entries are in archive files that are durable and staged). The run fails with git's
    error and its fix, keeps its journal, and the next run stages the views: every entry
    once, nothing lost."""
    from sessionlog_git import gitops
    from sessionlog_git.errors import SessionlogError

    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    finish = gitops.Staging.finish

    def refused(self: gitops.Staging) -> None:
        if any(rel.startswith("logs/archive/") for rel in self.paths):
            finish(self)  # the archive files' add goes through
            return
        self.wait()
        raise SessionlogError("git add: refused. Fix: try again.")

    monkeypatch.setattr(gitops.Staging, "finish", refused)
    monkeypatch.setenv("SESSIONLOG_SERIAL", "0")
    monkeypatch.chdir(repo.path)
    with pytest.raises(SessionlogError, match=r"refused\. Fix:"):
        consolidate.run(workspace.at(repo.path))
    assert repo.pending() == []
    assert (repo.state() / "journal.json").is_file()
    staged = repo.git("diff", "--cached", "--name-only").stdout.split()
    assert {str(p.relative_to(repo.path)) for p in repo.archive()} <= set(staged)
    monkeypatch.undo()
    _rerun_archives_each_once(repo, titles)


def test_the_journal_holds_one_temp_log_a_line(native_repo: Repo) -> None:
    """The journal a killed backlog leaves is JSON with one temp log a line (compact, for
    the C encoder, and still readable), and the next run reads it whole."""
    import json

    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": "archive-journaled"}, check=False)
    assert killed.returncode == 97, killed.stderr
    text = (repo.state() / "journal.json").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == len(titles) + 2
    assert all(line.startswith('{"archive": "logs/archive/') for line in lines[1:-1])
    raw = json.loads(text)
    assert raw["v"] == 1 and len(raw["logs"]) == len(titles)
    _rerun_archives_each_once(repo, titles)


def test_a_backlogs_archive_sync_that_fails_trims_nothing(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Archive first: the archive files are synced in a thread while the views are rendered.
    When that sync fails (a write-back error), the run fails with it before anything is
    trimmed, keeps its journal, and the next run archives every entry exactly once."""
    import errno

    from sessionlog_git.base import fsutil

    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    pending = {p: p.read_bytes() for p in repo.pending()}
    sync_all = fsutil.sync_all

    def fails(paths: list[str | os.PathLike[str]]) -> None:
        if any("/archive/" in os.fspath(p) for p in paths):
            raise OSError(errno.EIO, "Input/output error", os.fspath(paths[0]))
        sync_all(paths)

    monkeypatch.setattr(fsutil, "sync_all", fails)
    monkeypatch.setenv("SESSIONLOG_SERIAL", "0")
    monkeypatch.chdir(repo.path)
    with pytest.raises(OSError, match="Input/output error"):
        consolidate.run(workspace.at(repo.path))
    assert {p: p.read_bytes() for p in repo.pending()} == pending
    assert (repo.state() / "journal.json").is_file()
    monkeypatch.undo()
    _rerun_archives_each_once(repo, titles)
