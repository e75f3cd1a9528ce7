"""base.lock.locked takes the same flock as filelock, without importing filelock."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from sessionlog_git.base.lock import flocked, locked
from sessionlog_git.errors import LockTimeout


def test_locked_and_filelock_exclude_each_other(tmp_path: Path) -> None:
    state = tmp_path / ".sessionlog"
    with locked(state, timeout=5):
        with pytest.raises(LockTimeout) as caught, locked(state, timeout=0.2):
            pass
        assert "another sessionlog process has held the lock" in str(caught.value)
        assert str(state / "lock") in str(caught.value)
        other = FileLock(str(state / "lock"), timeout=0.2)
        with pytest.raises(TimeoutError):
            other.acquire()
        with pytest.raises(LockTimeout), flocked(state, timeout=0.2):
            pass
    with FileLock(str(state / "lock")), pytest.raises(LockTimeout), locked(state, timeout=0.2):
        pass
    with locked(state, timeout=0.2):  # released: free again
        pass
    assert (state / ".gitignore").exists()


def test_locked_does_not_import_filelock(tmp_path: Path) -> None:
    probe = ("import sys; from pathlib import Path; from sessionlog_git.base.lock import locked\n"
             f"with locked(Path({str(tmp_path / 's')!r})): pass\n"
             "print('filelock' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
