"""A backlog's temp logs leave by several threads at once (`base.fanout`): each log is still
read, compared and removed in one go, so what was appended while the run went on stays
pending, a log changed under it is kept and named, and the folders the logs left are tidied."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import Repo
from test_exactly_once import _backlog, everywhere, in_head, strays

from sessionlog_git import workspace
from sessionlog_git.base import trash
from sessionlog_git.base.fanout import fan_out, start
from sessionlog_git.errors import SessionlogError
from sessionlog_git.pipeline import consolidate


def test_a_backlog_leaves_pending_whole_and_its_commit_holds_every_entry_once(
        native_repo: Repo) -> None:
    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    pending = repo.state() / "pending"
    assert len(repo.pending()) == len(titles)
    done = repo.sl("consolidate")
    # Two contributors' archive files, each contributor's in one pack, and the two views.
    assert "staged 4 files" in done.stdout
    assert repo.pending() == []
    assert not pending.exists() or list(pending.iterdir()) == []  # the user folders tidied
    repo.git("commit", "-q", "-m", "the backlog")
    shown = repo.git("show", "--stat", "--format=", "HEAD").stdout
    assert "4 files changed" in shown and shown.count("/pack-") == 2
    assert sorted(in_head(repo)) == sorted(titles)
    assert repo.porcelain() == []


def test_what_is_appended_or_changed_while_a_backlog_runs_stays_pending(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the read of the temp logs and their trim, three get a new entry (a writer that
    does not take the lock: a hand edit in a `pending_dir` of the work tree) and one is
    rewritten: the three keep exactly the new entry under their header, the rewritten one is
    kept whole and named, every other one leaves; a rerun archives the new entries once."""
    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 8)
    logs = sorted(repo.pending())
    appended, rewritten = logs[:3], logs[3]
    render = consolidate._render

    def render_then_write(*args: object, **kwargs: object) -> object:
        out = render(*args, **kwargs)  # type: ignore[arg-type]
        for n, path in enumerate(appended):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\n## 18:0{n} - Appended {n}\n- Decision: late {n}\n")
        rewritten.write_text(rewritten.read_text().replace("Backlog", "Rewritten"))
        return out

    monkeypatch.setattr(consolidate, "_render", render_then_write)
    monkeypatch.chdir(repo.path)
    result = consolidate.run(workspace.at(repo.path))
    monkeypatch.undo()
    assert sorted(repo.pending()) == sorted([*appended, rewritten])
    assert [p for p in result.problems if str(rewritten) in p and "Fix: none needed" in p]
    assert len(result.problems) == 1
    for n, path in enumerate(appended):
        text = path.read_text()
        assert text.startswith("# sessionlog: shop / ")
        assert "Backlog" not in text and f"## 18:0{n} - Appended {n}" in text
    repo.sl("consolidate")
    found = everywhere(repo)
    for title in titles:
        assert found.count(title) == 1, title
    for n in range(3):
        assert found.count(f"Appended {n}") == 1
    assert sum(t.startswith("Rewritten") for t in found) == 1  # kept whole, archived again
    assert repo.pending() == []
    assert strays(repo) == []


def test_fan_out_gives_results_in_order_and_the_first_failure_after_trying_all() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def square(n: int) -> int:
        with lock:
            seen.append(n)
        if n in (7, 3):
            raise OSError(n, f"failed {n}")
        return n * n

    assert fan_out(lambda n: n * n, list(range(50))) == [n * n for n in range(50)]
    with pytest.raises(OSError, match="failed 3"):
        fan_out(square, list(range(20)))
    assert sorted(seen) == list(range(20))  # every item tried, as each is independent


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # on purpose
def test_fan_out_names_a_thread_that_stopped_without_its_result() -> None:
    def stops(n: int) -> int:
        if n == 5:
            raise SystemExit(0)
        return n

    with pytest.raises(SessionlogError, match=r"stopped before its end.*Fix: run the command"):
        fan_out(stops, list(range(12)))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # on purpose
def test_work_started_beside_the_caller_relays_its_value_its_failure_and_its_stop() -> None:
    """One helper starts the archive's sync and a backlog's trim beside the caller's work."""
    assert start(lambda: 6 * 7, "sessionlog-test")() == 42

    def fails() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        start(fails, "sessionlog-test")()

    def exits() -> None:
        raise SystemExit(0)

    with pytest.raises(SessionlogError, match=r"^pending\.json: the trim stopped\. Fix: again$"):
        start(exits, "sessionlog-test", stopped="pending.json: the trim stopped. Fix: again")()
    with pytest.raises(SessionlogError, match=r"stopped before its end.*Fix: run the command"):
        start(exits, "sessionlog-test")()


def test_the_folders_of_a_log_that_stays_are_not_removed(native_repo: Repo,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo = native_repo
    _backlog(repo, consolidate.TRIM_ASIDE_FROM + 2)
    keep: Path = sorted(repo.pending())[0]
    render = consolidate._render

    def render_then_append(*args: object, **kwargs: object) -> object:
        out = render(*args, **kwargs)  # type: ignore[arg-type]
        with keep.open("a", encoding="utf-8") as handle:
            handle.write("\n## 19:00 - Still here\n- Finding: kept\n")
        return out

    monkeypatch.setattr(consolidate, "_render", render_then_append)
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))
    assert repo.pending() == [keep]
    assert "## 19:00 - Still here" in keep.read_text()


def test_a_backlog_git_cannot_stage_leaves_every_temp_log_pending(native_repo: Repo) -> None:
    """Another git process holds the index: the thread that waits for git and then trims
    reports it (with the lock file and the fix), no temp log leaves, and the next run, the
    lock gone, archives and stages each entry once."""
    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 4)
    lock = repo.path / ".git" / "index.lock"
    lock.write_text("")
    refused = repo.sl("consolidate", check=False)
    assert refused.returncode != 0
    message = refused.stderr + refused.stdout
    assert f"{lock}: another git process holds the index" in message
    assert "Fix: wait for that git command to finish" in message
    assert len(repo.pending()) == len(titles)
    lock.unlink()
    repo.sl("consolidate")
    assert repo.pending() == []
    repo.git("commit", "-q", "-m", "the backlog")
    assert sorted(in_head(repo)) == sorted(titles)
    assert repo.porcelain() == []


def test_a_backlog_whose_files_cannot_be_synced_leaves_every_temp_log_pending(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync runs in the trim's thread, beside the folds: when it fails (an I/O error of
    the disk), the run reports it naming the file, git's add is waited for (no index.lock is
    left), no temp log leaves, and the next run archives each entry once."""
    import errno
    import os

    from sessionlog_git.base import fsutil

    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 4)

    def failing(fd: int, path: str) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), path)

    fsync_path = fsutil._fsync_path

    def failing_archive(path: str) -> None:  # a backlog's packs are few: synced one by one
        if "/logs/archive/" in path:
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        fsync_path(path)

    monkeypatch.setattr(fsutil, "_SYNCFS", [failing])
    monkeypatch.setattr(fsutil, "_fsync_path", failing_archive)
    monkeypatch.chdir(repo.path)
    with pytest.raises(OSError) as caught:
        consolidate.run(workspace.at(repo.path))
    assert "logs/archive/" in str(caught.value.filename)
    monkeypatch.undo()
    assert not (repo.path / ".git" / "index.lock").exists()
    assert len(repo.pending()) == len(titles)
    repo.sl("consolidate")
    assert repo.pending() == []
    repo.git("commit", "-q", "-m", "the backlog")
    assert sorted(in_head(repo)) == sorted(titles)
    assert repo.porcelain() == []


def _wait_gone(folder: Path, seconds: float = 20.0) -> list[Path]:
    """What is left under `folder` once it is empty or `seconds` have passed."""
    import time

    end = time.monotonic() + seconds
    while True:
        left = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.05)


def test_a_backlogs_temp_logs_are_moved_aside_whole_and_removed_after_the_run(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trim moves each temp log, byte for byte, into one folder of the state folder's
    `trimmed/`, and hands that folder (and one a killed run left) to a removal that runs
    after the run; the run leaves no child process behind; the user folders are tidied and
    every entry is in the commit once."""
    import os

    repo = native_repo
    titles = _backlog(repo, consolidate.TRIM_ASIDE_FROM + 6)
    before = sorted(p.read_bytes() for p in repo.pending())
    left = repo.state() / trash.TRASH_DIR / "1-1"  # a run killed before its removal
    left.mkdir(parents=True)
    (left / "0.md").write_text("a temp log a killed run had moved aside\n")
    handed: list[list[str]] = []
    def hand(folders: list[str]) -> bool:
        handed.append(folders)
        return True

    monkeypatch.setattr(trash, "remove_later", hand)
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))
    monkeypatch.undo()
    assert repo.pending() == []
    assert not (repo.state() / "pending").exists() or list((repo.state() / "pending").iterdir()) == []
    assert len(handed) == 1 and handed[0][0] == str(left)
    [ours] = [Path(f) for f in handed[0][1:]]
    assert sorted(p.read_bytes() for p in ours.iterdir()) == before
    # The real removal, started by the next backlog's trim: both folders go, after the run.
    _backlog(repo, consolidate.TRIM_ASIDE_FROM + 2)
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))
    monkeypatch.undo()
    with pytest.raises(ChildProcessError):  # nothing of ours to wait for: not our child
        os.waitpid(-1, os.WNOHANG)
    assert _wait_gone(repo.state() / trash.TRASH_DIR) == []
    repo.git("commit", "-q", "-m", "the backlogs")
    assert sorted(in_head(repo)) == sorted(titles + titles[:consolidate.TRIM_ASIDE_FROM + 2])
    assert repo.porcelain() == []


def test_where_no_removal_can_be_started_the_run_removes_what_it_moved_aside(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = native_repo
    _backlog(repo, consolidate.TRIM_ASIDE_FROM + 2)
    monkeypatch.setattr(trash, "remove_later", lambda folders: False)
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))
    assert repo.pending() == []
    assert list((repo.state() / trash.TRASH_DIR).iterdir()) == []  # at once, not later


def test_a_commits_few_temp_logs_and_a_pending_folder_elsewhere_are_removed_in_place(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Below a backlog nothing is moved aside; nor where the pending folder lies on another
    file system than the state folder (a rename there would copy): `trash.folder` gives none and
    leaves no folder."""
    import os
    import tempfile

    repo = native_repo
    _backlog(repo, 3)
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))
    assert repo.pending() == []
    assert not (repo.state() / trash.TRASH_DIR).exists()
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system here")
    with tempfile.TemporaryDirectory(dir=shm) as elsewhere:
        assert trash.folder(tmp_path / "state", elsewhere) is None
    assert list((tmp_path / "state" / trash.TRASH_DIR).iterdir()) == []


def test_the_removal_outlives_the_process_and_holds_none_of_its_files(tmp_path: Path) -> None:
    """`remove_later`: the folders go, in a process that is not the caller's child, and a
    reader of the caller's output (as git and the pre-commit framework read a hook's) gets
    its end at once, not when the removal ends (an `rm` that takes 3 s first, here)."""
    import os
    import shutil
    import subprocess
    import sys
    import time

    folders = []
    for n in range(3):
        folder = tmp_path / f"aside-{n}"
        (folder / "deep").mkdir(parents=True)
        for k in range(50):
            (folder / "deep" / f"{k}.md").write_text("x\n")
        folders.append(str(folder))
    slow = tmp_path / "bin"
    slow.mkdir()
    (slow / "rm").write_text(f'#!/bin/sh\nsleep 3\nexec {shutil.which("rm")} "$@"\n')
    (slow / "rm").chmod(0o755)
    env = {**os.environ, "PATH": f"{slow}{os.pathsep}{os.environ['PATH']}"}
    code = ("import sys; from sessionlog_git.base.trash import remove_later; "
            "print(remove_later(sys.argv[1:]), flush=True)")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, *folders], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    took = time.monotonic() - started
    assert out.stdout == "True\n" and out.stderr == ""
    assert took < 2.5, took  # neither the removal nor its holding our output was waited for
    assert all(Path(f).exists() for f in folders)  # still there: the removal comes after
    for name in folders:
        assert _wait_gone(Path(name)) == []
    deadline = time.monotonic() + 10
    while any(Path(f).exists() for f in folders) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f).exists() for f in folders)
    assert trash.remove_later([]) is True
    assert trash.remove_later([str(tmp_path / "never-there")]) is True
    # No `rm` on the PATH: nothing started, the caller removes them itself.
    (tmp_path / "empty-bin").mkdir()
    kept = tmp_path / "kept"
    kept.mkdir()
    bare = subprocess.run([sys.executable, "-c", code, str(kept)], capture_output=True, text=True,
                          check=True, env={**os.environ, "PATH": str(tmp_path / "empty-bin")})
    assert bare.stdout == "False\n" and kept.is_dir()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
