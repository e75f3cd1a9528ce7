"""Nothing read or written outside the repository, nothing hangs, every OS error explained."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git import main
from sessionlog_git.pipeline import consolidate

NOW = "2026-11-25T10:00:00+01:00"


def sl_bounded(repo: Repo, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """sessionlog with a deadline: a hang is a failure, not a stuck test run."""
    env = {**os.environ, "SESSIONLOG_NOW": NOW}
    return subprocess.run([sys.executable, "-m", "sessionlog_git", *args], cwd=repo.path, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def assert_refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    said = proc.stdout + proc.stderr
    assert proc.returncode == 1, said
    assert "internal error" not in said and "Traceback" not in said, said
    assert "Fix:" in said, said
    for word in words:
        assert word in said, said


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("linked", ["logs", "logs/archive", "logs/archive/2026-11"])
def test_symlinked_logs_or_archive_folder_is_refused(
    native_repo: Repo, tmp_path: Path, linked: str
) -> None:
    repo = native_repo
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.path / linked).parent.mkdir(parents=True, exist_ok=True)
    (repo.path / linked).symlink_to(outside)
    repo.log(NOW, "Chose RS256")
    proc = sl_bounded(repo, "consolidate")
    assert_refused(proc, f"{linked}: is a symbolic link")
    assert files_under(outside) == []
    assert len(repo.pending()) == 1  # kept pending for when the link is replaced
    checked = sl_bounded(repo, "check")
    assert checked.returncode == 1 and f"{linked}: is a symbolic link" in checked.stdout


def test_symlinked_view_is_refused(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    outside = tmp_path / "status.md"
    outside.write_text("not yours\n")
    (repo.path / "logs").mkdir()
    (repo.path / "logs/shop-status.md").symlink_to(outside)
    repo.log(NOW, "Chose RS256")
    proc = sl_bounded(repo, "consolidate")
    assert_refused(proc, "logs/shop-status.md: is a symbolic link")
    assert outside.read_text() == "not yours\n"
    assert repo.archive() == [] and len(repo.pending()) == 1


def test_hard_linked_temp_log_is_refused(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    outside = tmp_path / "private.md"
    outside.write_text("# sessionlog: shop / ada / 2026-11-25\n\n## 09:00 - Private elsewhere\n")
    folder = repo.path / ".git/sessionlog/pending/shop/ada"
    folder.mkdir(parents=True)
    os.link(outside, folder / "2026-11-25.md")
    proc = sl_bounded(repo, "consolidate")
    assert "2026-11-25.md: is a hard link" in proc.stdout and "kept pending" in proc.stdout
    assert repo.archive() == []
    appended = sl_bounded(repo, "log", "More")
    assert_refused(appended, "is a hard link")
    assert "Private elsewhere" in outside.read_text() and "More" not in outside.read_text()
    assert repo.git("ls-files", "logs").stdout == ""


def test_fifo_where_a_view_belongs_does_not_hang(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "First entry")
    repo.git("commit", "--allow-empty", "-qm", "first")
    status = repo.path / "logs/shop-status.md"
    status.unlink()
    os.mkfifo(status)
    repo.log(NOW, "Chose RS256")
    proc = sl_bounded(repo, "consolidate")
    assert_refused(proc, "logs/shop-status.md: is a FIFO")
    assert len(repo.pending()) == 1
    checked = sl_bounded(repo, "check")  # reads the views too: never waits on the FIFO
    assert checked.returncode == 1 and "logs/shop-status.md: is a FIFO" in checked.stdout


def test_fifo_where_a_temp_log_belongs_does_not_hang(native_repo: Repo) -> None:
    repo = native_repo
    folder = repo.path / ".git/sessionlog/pending/shop/ada"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "2026-11-25.md")
    appended = sl_bounded(repo, "log", "Chose RS256")
    assert_refused(appended, "2026-11-25.md: is a FIFO")
    proc = sl_bounded(repo, "consolidate")
    assert proc.returncode == 0 and "2026-11-25.md" in proc.stdout
    assert repo.archive() == []


def test_project_name_must_match_to_the_end(native_repo: Repo) -> None:
    proc = sl_bounded(native_repo, "log", "x", "--project", "shop\n")
    assert_refused(proc, "cannot be used as a folder name")
    assert native_repo.pending() == []


def test_shared_pending_folder_keeps_the_users_dated_draft(native_repo: Repo) -> None:
    repo = native_repo
    repo.write(".sessionlog.yaml", "project: shop\npending_dir: docs\n")
    draft = repo.write("docs/shop/ada/2026-11-24.md", "## 09:00 - My own dated draft\n- keep me\n")
    repo.log(NOW, "Logged by sessionlog")
    proc = sl_bounded(repo, "consolidate")
    assert proc.returncode == 0, proc.stderr
    assert f"{draft}:1: does not start with sessionlog's header" in proc.stdout
    assert draft.read_text() == "## 09:00 - My own dated draft\n- keep me\n"
    archived = "".join(p.read_text() for p in repo.archive())
    assert "Logged by sessionlog" in archived and "My own dated draft" not in archived
    assert not (repo.path / "docs/shop/ada/2026-11-25.md").exists()


@pytest.mark.parametrize(
    ("yaml", "words"),
    [
        ('project: shop\nlogs_dir: "lo\\0gs"\n', [".sessionlog.yaml: line 2: `logs_dir`",
                                                  "control character"]),
        ("project: shop\npending_dir: \"p\\nq\"\n", [".sessionlog.yaml: line 2: `pending_dir`"]),
        ("project: shop\nx: " + "[" * 5000 + "]" * 5000 + "\n", [".sessionlog.yaml: nested too deeply"]),
    ],
)
def test_bad_config_values_name_the_file_and_the_fix(repo: Repo, yaml: str, words: list[str]) -> None:
    repo.write(".sessionlog.yaml", yaml)
    assert_refused(sl_bounded(repo, "log", "x"), *words)
    assert_refused(sl_bounded(repo, "consolidate"), *words)


@pytest.mark.parametrize(
    ("code", "fix"),
    [(errno.ENOSPC, "free space on that disk"), (errno.EROFS, "mounted read-only"),
     (errno.EACCES, "write access")],
)
def test_os_errors_name_the_file_and_the_fix(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    code: int, fix: str,
) -> None:
    """The disk fills up (or turns read-only, or denies access) while the archive is written."""
    repo = native_repo
    repo.log(NOW, "Chose RS256")
    pending_before = [p.read_bytes() for p in repo.pending()]

    def failing_write(path: str | os.PathLike[str], data: bytes, **_options: object) -> None:
        raise OSError(code, os.strerror(code), os.fspath(path))

    monkeypatch.setattr(consolidate, "atomic_write_bytes", failing_write)
    monkeypatch.chdir(repo.path)
    assert main.main(["consolidate"]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "logs/archive/2026-11/shop/ada/2026-11-25-" in err
    assert os.strerror(code) in err and "Fix:" in err and fix in err.split("Fix:", 1)[1]
    assert [p.read_bytes() for p in repo.pending()] == pending_before
