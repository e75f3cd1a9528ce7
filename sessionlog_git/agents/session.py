"""Where a hook runs and what it remembers: the top, the event's JSON, the session state.

Per-session state (when it started, the last nudge, whether Stop already blocked for the
current stretch of unlogged work) lives in `.sessionlog/sessions/<session key>.json`.
Runs on every prompt: standard library only, strings rather than pathlib.
"""
from __future__ import annotations

import os
import sys

from sessionlog_git.base import statedir
from sessionlog_git.base.leanjson import loads  # json's parser without importing json (re)
from sessionlog_git.constants import SESSIONS_DIR

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def session_key(data: dict[str, Any]) -> str:
    """The session's state file name: its id with anything unsafe replaced by `_`."""
    raw = str(data.get("session_id") or "unknown")
    key = "".join(c if c in _KEY_CHARS else "_" for c in raw)
    return key[:100].lstrip(".") or "unknown"


def state_file(top: str | os.PathLike[str], key: str) -> str:
    """`.sessionlog/sessions/<key>.json`, the state of the session `session_key` names."""
    return os.path.join(statedir.folder(top), SESSIONS_DIR, f"{key}.json")


def load_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = loads(handle.read())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def save_state(path: str | os.PathLike[str], state: dict[str, Any]) -> None:
    """Write the state; the caller has made sure the state folder (and its .gitignore) exists.

    Atomic (a reader sees the old state or the new one), not synced: a state a power cut
    loses (or leaves unreadable: read as none) costs at most one more reminder or Stop
    request, and every prompt that speaks writes it, where an fsync was most of its write."""
    from sessionlog_git.base.fsutil import atomic_write_text
    from sessionlog_git.base.leanjson import dumps  # json.dumps's own text, without json (re)

    atomic_write_text(path, dumps(state, ensure_ascii=True, sort_keys=True), sync=False)


def find_top(project_env: str, data: dict[str, Any]) -> str | None:
    """The work tree's top above the CLI's project folder (its `project_env` variable),
    stdin's `cwd`, or this process's folder, in that order (base.repo.find_top, with the start
    folder kept as the CLI wrote it and no GIT_* variables: an assistant is not a git hook)."""
    from sessionlog_git.base.repo import find_top as find_repo_top

    starts = [os.environ.get(project_env, "") if project_env else "", str(data.get("cwd") or ""),
              os.getcwd()]
    for start in starts:
        if start:
            top = find_repo_top(start, {}, real=False)
            if top is not None:
                return top
    return None


KEEP_DAYS = 14  # a session state untouched this long belongs to a session that ended


def prune_states(top: str | os.PathLike[str], keep_days: int) -> None:
    """Delete session state files untouched for `keep_days` (a session that ended)."""
    import time

    folder = os.path.join(statedir.folder(top), SESSIONS_DIR)
    cutoff = time.time() - keep_days * 86400
    try:
        for entry in os.scandir(folder):
            if entry.name.endswith(".json") and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
    except OSError:
        pass


def states(top: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every session state kept in `top`, by file name (for the session measures)."""
    folder = os.path.join(statedir.folder(top), SESSIONS_DIR)
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".json"))
    except OSError:
        return []
    return [load_state(os.path.join(folder, name)) for name in names]


def read_stdin() -> dict[str, Any]:
    """The event's JSON from stdin ({} for none, a terminal, or anything but an object)."""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return {}
        raw = sys.stdin.read()
    except (OSError, ValueError):
        return {}
    try:
        data = loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def emit(out: str, stream: str = "stdout") -> None:
    """Print a hook's output; a closed pipe is the assistant's business, not an error."""
    if out:
        try:
            handle = sys.stderr if stream == "stderr" else sys.stdout
            handle.write(out if out.endswith("\n") else out + "\n")
            handle.flush()
        except (OSError, ValueError):
            pass
