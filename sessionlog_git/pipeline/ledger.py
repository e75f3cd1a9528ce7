"""What consolidation wrote, so a commit aborted after the hook loses nothing.

When git aborts a commit after the hook ran (empty message, a failing commit-msg hook),
the index that held our staged files is rolled back and the pending logs are already
archived: our files exist only on disk. The ledger names them with the hash of what we
wrote; the next run stages them again, and drops them once git has them committed.
Standard library only.
"""
from __future__ import annotations

import json
from pathlib import Path

from sessionlog_git.base.fsutil import atomic_write_text
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import LEDGER_NAME


def digest(data: bytes) -> str:
    return sha256_hex(data)


def path(state_dir: Path) -> Path:
    return state_dir / LEDGER_NAME


def load(state_dir: Path) -> dict[str, str]:
    try:
        data = json.loads(path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def save(state_dir: Path, entries: dict[str, str]) -> None:
    if entries:
        atomic_write_text(path(state_dir), json.dumps(entries, sort_keys=True, indent=1))
    else:
        path(state_dir).unlink(missing_ok=True)


def exists(state_dir: Path) -> bool:
    return path(state_dir).is_file()


def is_ours(top: Path, rel: str, entries: dict[str, str]) -> bool:
    """Whether the file on disk is exactly what we last wrote there."""
    want = entries.get(rel)
    if want is None:
        return False
    from sessionlog_git.base.safeio import read_regular
    from sessionlog_git.errors import SessionlogError

    try:
        return digest(read_regular(top / rel)) == want
    except (OSError, SessionlogError):  # missing, unreadable, or not a regular file (never blocks on a FIFO)
        return False
