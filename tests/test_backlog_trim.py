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
