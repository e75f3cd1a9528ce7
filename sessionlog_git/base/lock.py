"""One lock per work tree: a consolidation and a log append never interleave."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sessionlog_git.errors import LockTimeout

DEFAULT_TIMEOUT = float(os.environ.get("SESSIONLOG_LOCK_TIMEOUT", "30"))


@contextmanager
def locked(state_dir: Path, timeout: float | None = None) -> Iterator[None]:
    from filelock import FileLock, Timeout

    from sessionlog_git.base.fsutil import ensure_state_dir

    ensure_state_dir(state_dir)
    path = state_dir / "lock"
    wait = DEFAULT_TIMEOUT if timeout is None else timeout
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
