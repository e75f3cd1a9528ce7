"""Atomic writes and the ignored state folder. Standard library only."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

IGNORE_ALL = "# Created by sessionlog-git: keep pending logs and state out of git.\n*\n"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write through a temp file in the same folder and rename it over `path`."""
    import tempfile  # here, not at the top: it imports shutil and random, which the hooks avoid

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def ensure_state_dir(path: Path) -> bool:
    """Create an ignored folder (its own .gitignore ignores everything). True if it changed."""
    marker = path / ".gitignore"
    if marker.is_file():
        return False
    path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, IGNORE_ALL)
    return True
