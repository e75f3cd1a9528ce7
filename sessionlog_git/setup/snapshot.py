"""What each file looked like before `sessionlog init` touched it, so `uninstall` puts it back
byte for byte.

Before init writes anything, the exact bytes (and mode) of every file it may change are saved
in this work tree's git directory (`sessionlog/originals.json`, never versioned, left alone
by `git clean`), once: a second init keeps the first record. After init, the checksum of what
it left is recorded. `uninstall` restores a file whose bytes still equal what init left (or
deletes it, when init created it); a file changed since keeps the change and gets the
textual removal of our parts instead.
"""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sessionlog_git.base.plan import Plan
from sessionlog_git.base.text import sha256_hex

RECORD = "sessionlog/originals.json"


def record_path(top: Path) -> Path:
    from sessionlog_git.gitops import git_path

    return git_path(top, RECORD)


def _load(top: Path) -> dict[str, Any]:
    try:
        data = json.loads(record_path(top).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(top: Path, data: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    path = record_path(top)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def _key(top: Path, path: Path) -> str:
    return os.path.relpath(path, top)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _sha(path: Path) -> str | None:
    raw = _read(path)
    return None if raw is None else sha256_hex(raw)


def begin(top: Path, paths: Iterable[Path]) -> dict[str, str | None]:
    """Save the bytes of each path init may change, unless an earlier init saved them;
    returns each path's checksum now (for `finish`)."""
    data = _load(top)
    changed = False
    now: dict[str, str | None] = {}
    for path in paths:
        key = _key(top, path)
        now[key] = _sha(path)
        if key in data:
            continue
        raw = _read(path)
        data[key] = {
            "before": None if raw is None else base64.b64encode(raw).decode("ascii"),
            "mode": None if raw is None else path.stat().st_mode & 0o7777,
            "after": None,
            "fresh": True,
        }
        changed = True
    if changed:
        _save(top, data)
    return now


def finish(top: Path, paths: Iterable[Path], started: dict[str, str | None]) -> None:
    """Record what init left in each path it changed now (its checksum; None when absent).

    A file this run left alone keeps the earlier record: when a person changed it after the
    first init, it no longer equals what init left, so uninstall keeps their change.
    """
    data = _load(top)
    for path in paths:
        key = _key(top, path)
        if key not in data:
            continue
        now = _sha(path)
        if now != started.get(key) or data[key].get("fresh", True):
            data[key]["after"] = now
        data[key]["fresh"] = False
    _save(top, data)


def restore(top: Path, plan: Plan) -> set[str]:
    """Put back every file that still holds exactly what init left; returns their keys."""
    data = _load(top)
    done: set[str] = set()
    for key, item in sorted(data.items()):
        if not isinstance(item, dict):
            continue
        path = top / key
        raw = _read(path)
        now = None if raw is None else sha256_hex(raw)
        if now != item.get("after"):
            continue  # changed since init (or never recorded): the textual removal handles it
        before = item.get("before")
        if before is None:
            if raw is not None:
                if not plan.dry_run:
                    path.unlink()
                plan.did(f"delete {key} (init created it)")
            done.add(key)
            continue
        original = base64.b64decode(before)
        if raw != original:
            if not plan.dry_run:
                from sessionlog_git.base.fsutil import atomic_write_bytes

                atomic_write_bytes(path, original)
                if isinstance(item.get("mode"), int):
                    path.chmod(item["mode"])
            plan.did(f"restore {key} exactly as it was before init")
        done.add(key)
    return done


def drop(top: Path, plan: Plan) -> None:
    path = record_path(top)
    if path.exists() and not plan.dry_run:
        path.unlink()
