"""Consolidating many temp logs at once (a first commit, a team's backlog): the shortcuts that
make it fast change nothing a user sees, and keep every guarantee of the slow path."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sessionlog_git.base import fsutil


def _written(folder: Path, n: int) -> list[str | os.PathLike[str]]:
    paths: list[str | os.PathLike[str]] = []
    for i in range(n):
        path = folder / f"u{i % 7}" / f"2024-06-{i % 28 + 1:02d}-{i:04x}.md"
        fsutil.atomic_write_bytes(path, f"entry {i}\n".encode(), sync=False)
        paths.append(path)
    return paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_many_files_are_synced_by_one_syncfs_per_file_system(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, fsutil.SYNCFS_FROM + 5)
    syncfs = fsutil._syncfs()
    if syncfs is None:
        pytest.skip("this kernel's syncfs does not report write-back errors (before 5.8)")
    calls: list[str] = []
    fsyncs: list[int] = []

    def counted(fd: int, path: str) -> None:
        calls.append(path)
        syncfs(fd, path)  # the real system call

    monkeypatch.setattr(fsutil, "_SYNCFS", [counted])
    monkeypatch.setattr(os, "fsync", fsyncs.append)
    fsutil.sync_all(paths)
    assert len(calls) == 1 and calls[0] == os.fspath(paths[0])  # one file system here
    assert fsyncs == []
    assert (tmp_path / "u0" / "2024-06-01-0000.md").read_bytes() == b"entry 0\n"


def test_a_few_files_are_synced_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, 3)
    synced: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    fsutil.sync_all(paths)
    assert len(synced) == 3 + 3  # each file, then each of its three folders


def test_without_syncfs_every_file_and_folder_is_fsynced(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, fsutil.SYNCFS_FROM + 5)
    monkeypatch.setattr(fsutil, "_SYNCFS", [None])  # another system, or Linux before 5.8
    synced: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    fsutil.sync_all(paths)
    assert len(synced) == len(paths) + 7


def test_a_failed_syncfs_is_an_error_naming_the_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, fsutil.SYNCFS_FROM)

    def failing(fd: int, path: str) -> None:
        raise OSError(5, os.strerror(5), path)

    monkeypatch.setattr(fsutil, "_SYNCFS", [failing])
    with pytest.raises(OSError) as caught:
        fsutil.sync_all(paths)
    assert caught.value.filename == os.fspath(paths[0])
