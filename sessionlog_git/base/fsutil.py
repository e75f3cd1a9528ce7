"""Atomic writes, syncing many files at once (`sync_all`, or `start_sync_all` in a thread
meanwhile), and the ignored state folder. Standard library only."""
from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # not typing's: the per-prompt hook writes through this module
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

IGNORE_ALL = "# Created by sessionlog-git: keep pending logs and state out of git.\n*\n"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, sync: bool = True) -> None:
    """Write through a temp file in the same folder and rename it over `path`.

    `sync=False` leaves the data to the caller's `sync_all` (which must then run before
    anything relies on the file surviving a power cut): many files synced in one pass at the
    end cost less than one at a time.

    The temp name is unique by process, clock and O_EXCL, without `tempfile` (which imports
    shutil and random: the per-prompt hook writes through this too, and avoids them).
    """
    target = os.fspath(path)
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):  # a stat: a mkdir that fails on an existing folder costs more
        os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}")
    for attempt in range(100):
        tmp = f"{base}-{time.monotonic_ns()}-{attempt}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"{folder}: no free temporary file name for {target}")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:  # noqa: SIM105 - not contextlib.suppress: the hooks write through here, and
            os.unlink(tmp)  # importing contextlib costs each of them about a millisecond
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, sync: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), sync=sync)


# From this many files on, sync_all asks the kernel to sync their whole file system at once
# (Linux syncfs) instead of one fsync per file and per folder: a first consolidation writes
# hundreds of archive files, and each fsync is a journal commit of its own.
SYNCFS_FROM = 32


def sync_all(paths: list[str | os.PathLike[str]]) -> None:
    """Make files written with `sync=False` durable: each file's data, then each of their
    folders once (the renames). A file removed meanwhile is skipped.

    Many files (SYNCFS_FROM or more) on Linux 5.8 or later: one syncfs(2) per file system
    they are on. It writes back every dirty page and inode of that file system (their
    data, and the folders that hold their names) and waits for it, as an fsync of each
    would; since 5.8 it reports a write-back error of any file on it, as fsync does. Where
    syncfs is not there (or the kernel is older), one fsync per file and per folder."""
    if len(paths) >= SYNCFS_FROM and _syncfs_all(paths):
        return
    folders: dict[str, None] = {}
    for path in paths:
        target = os.fspath(path)
        folders[os.path.dirname(target) or "."] = None
        _fsync_path(target)
    for folder in folders:
        _fsync_path(folder)


def start_sync_all(paths: list[str | os.PathLike[str]]) -> Callable[[], None]:
    """`sync_all(paths)` started in a thread now: what it returns waits for it and raises
    what it raised. The thread spends its time in the kernel (the GIL released), so the
    caller's own work goes on meanwhile; it must not fork until the wait (a fork copies no
    thread)."""
    from sessionlog_git.base.fanout import start

    return start(lambda: sync_all(paths), "sessionlog-sync")


def _syncfs_all(paths: list[str | os.PathLike[str]]) -> bool:
    """One syncfs per file system the files are on; False (nothing done) where there is no
    syncfs that reports errors."""
    syncfs = _syncfs()
    if syncfs is None:
        return False
    devices: dict[int, str] = {}
    for path in paths:
        target = os.fspath(path)
        try:
            devices.setdefault(os.stat(target).st_dev, target)
        except FileNotFoundError:
            continue
    for target in devices.values():
        try:
            fd = os.open(target, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            syncfs(fd, target)
        finally:
            os.close(fd)
    return True


_SYNCFS: list[Any] = []


def _syncfs() -> Any:
    """A function (fd, path) that syncs the file system of fd, raising OSError naming the
    path on failure; None where syncfs(2) does not report write-back errors (not Linux, or
    Linux before 5.8) or cannot be called."""
    if not _SYNCFS:
        _SYNCFS.append(_load_syncfs())
    return _SYNCFS[0]


def _load_syncfs() -> Any:
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        major, minor = (int(part) for part in os.uname().release.split(".")[:2])
    except ValueError:
        return None
    if (major, minor) < (5, 8):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.syncfs
    except (ImportError, OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int]
    call.restype = ctypes.c_int

    def syncfs(fd: int, path: str) -> None:
        if call(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno), path)

    return syncfs


def _fsync_path(target: str) -> None:
    """fsync a file or folder by its path; one removed meanwhile is skipped."""
    try:
        fd = os.open(target, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_BOOT: list[str | None] = []


def boot_id() -> str | None:
    """This boot's id (Linux: a random id the kernel picks at each boot), or None where
    there is none. A file written unsynced in an earlier boot may have lost its data to a
    power cut; one written in this boot has not (a killed process loses nothing written)."""
    if not _BOOT:
        try:  # read as UTF-8 (it is ASCII): the ascii codec would be one more import per commit
            with open("/proc/sys/kernel/random/boot_id", encoding="utf-8") as handle:
                _BOOT.append(handle.read().strip() or None)
        except OSError:
            _BOOT.append(None)
    return _BOOT[0]


def ensure_state_dir(path: Path) -> bool:
    """Create an ignored folder (its own .gitignore ignores everything). True if it changed."""
    marker = path / ".gitignore"
    if marker.is_file():
        return False
    path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, IGNORE_ALL)
    return True
