"""One lock per work tree (`lock` in its state folder): a consolidation and a log append never
interleave.

Two ways to take the same lock:

* `locked`: the commands and git hooks: on Unix the `fcntl.flock` that filelock takes on the
  file (left in place), without importing filelock (about 10 ms of every commit); filelock
  itself where fcntl is missing;
* `flocked`: the agent hooks, standard library only: the same flock on the same file, so it
  excludes a running consolidation exactly as filelock does, without importing it. Where
  fcntl is missing (Windows) the hook writes without the lock: its append is still one
  atomic replace.

Stdlib-safe at import: the per-prompt and agent hooks may import this module.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sessionlog_git.base.fsutil import ensure_state_dir
from sessionlog_git.constants import LOCK_NAME, STATE_DIR
from sessionlog_git.errors import LockTimeout

DEFAULT_TIMEOUT = float(os.environ.get("SESSIONLOG_LOCK_TIMEOUT", "30"))
HOOK_TIMEOUT = 5.0  # seconds: an agent hook must not hang a prompt


def _ensure(state_dir: Path) -> None:
    """The state folder exists: in the git directory a plain folder; an in-tree `.sessionlog`
    (a folder that is no git work tree) with its own `.gitignore`."""
    if state_dir.name == STATE_DIR:
        ensure_state_dir(state_dir)
    else:
        os.makedirs(state_dir, exist_ok=True)


@contextmanager
def locked(state_dir: Path, timeout: float | None = None) -> Iterator[None]:
    wait = DEFAULT_TIMEOUT if timeout is None else timeout
    try:
        import fcntl  # noqa: F401  (Unix: the flock filelock would take, without its import)
    except ImportError:  # pragma: no cover - Windows: filelock's own lock
        pass
    else:
        with _flock(state_dir, wait, f"{{path}}: another sessionlog process has held the lock for "
                    f"{wait:.0f} s. Fix: wait for it to finish; if none is running, delete that "
                    "file and retry."):
            yield
        return
    from filelock import FileLock, Timeout

    _ensure(state_dir)
    path = state_dir / LOCK_NAME
    lock = FileLock(str(path), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeout(
            f"{path}: another sessionlog process has held the lock for {wait:.0f} s. "
            "Fix: wait for it to finish; if none is running, delete that file and retry."
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def flocked(state_dir: Path, timeout: float = HOOK_TIMEOUT) -> Iterator[None]:
    try:
        import fcntl  # noqa: F401
    except ImportError:  # pragma: no cover - Windows
        _ensure(state_dir)
        yield
        return
    with _flock(state_dir, timeout, f"{{path}}: held by another sessionlog process for {timeout:.0f} s. "
                "Fix: wait for it to finish; if none is running, delete that file."):
        yield


@contextmanager
def _flock(state_dir: Path, timeout: float, message: str) -> Iterator[None]:
    """flock(LOCK_EX) on the state folder's `lock`, polled every 50 ms (as filelock does on Unix) for
    `timeout` seconds; then LockTimeout with `message` (`{path}` is the lock file)."""
    import fcntl

    _ensure(state_dir)
    path = state_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(message.format(path=path)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
