"""The work tree's lock, standard library only, for the agent hooks.

`lock.locked` uses filelock, which on Unix takes `fcntl.flock` on `.sessionlog/lock` and
leaves the file in place. Taking the same flock on the same file here excludes a running
consolidation exactly as filelock does, without importing it. Where fcntl is missing
(Windows) the hook writes without the lock: its append is still one atomic replace.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sessionlog_git.base.fsutil import ensure_state_dir
from sessionlog_git.errors import LockTimeout

HOOK_TIMEOUT = 5.0  # seconds: an agent hook must not hang a prompt


@contextmanager
def flocked(state_dir: Path, timeout: float = HOOK_TIMEOUT) -> Iterator[None]:
    ensure_state_dir(state_dir)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = state_dir / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{path}: held by another sessionlog process for {timeout:.0f} s. "
                        "Fix: wait for it to finish; if none is running, delete that file."
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
