"""The changed-files scan: which work-tree files changed since a moment, without git.

"Files changed since the last entry" is a bounded walk of the work tree comparing file
modification times with a baseline, never `git status` (a hook must not start a process on
every prompt). Runs on every prompt: standard library only.
"""
from __future__ import annotations

import os

from sessionlog_git.constants import STATE_DIR

# The changed-files scan: folders never worth a look, and its bounds.
SKIP_DIRS = frozenset(
    {
        "node_modules", "__pycache__", "venv", "env", "build", "dist", "target", "vendor",
        "bower_components", "coverage", "htmlcov", "site-packages", "out",
    }
)
KEEP_DOT_DIRS = frozenset({".github", ".gitlab", ".circleci", ".devcontainer", ".claude"})
SKIP_FILES = frozenset({".DS_Store", "settings.local.json"})
SCAN_LIMIT = 20_000  # directory entries looked at, at most


def _ignored_dir_names(top: str) -> set[str]:
    """Plain folder names from the top-level .gitignore (`build/`, `/tmp`): skipped too."""
    try:
        with open(os.path.join(top, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return set()
    names: set[str] = set()
    for line in text.splitlines():
        item = line.strip().strip("/")
        if item and not line.lstrip().startswith(("#", "!")) and not any(c in item for c in "*?[/\\"):
            names.add(item)
    return names


def changed_files(top: str, skip_paths: set[str], since: float, limit: int = 50) -> tuple[list[str], bool]:
    """Work-tree files modified after `since` (POSIX time): (up to `limit` paths, more?).

    A walk of the work tree by modification time, bounded to SCAN_LIMIT entries. It skips
    `skip_paths` (normalised: `.git`, the state, pending and logs folders), dot-folders other
    than a few that hold project files (.github, .claude, ...), dependency and build folders
    (node_modules, venv, dist, ...), and plain folder names listed in the top-level
    .gitignore. A file counts when its mtime is later than `since`.
    """
    skip_names = SKIP_DIRS | _ignored_dir_names(top)
    found: list[str] = []
    stack = [top]
    seen = 0
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > SCAN_LIMIT:
                return found, True
            try:
                if entry.is_dir(follow_symlinks=False):
                    name = entry.name
                    if name in skip_names or (name.startswith(".") and name not in KEEP_DOT_DIRS):
                        continue
                    if os.path.normpath(entry.path) in skip_paths:
                        continue
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    name = entry.name
                    if name in SKIP_FILES or name.endswith(("~", ".swp", ".swx")):
                        continue
                    if entry.stat(follow_symlinks=False).st_mtime > since:
                        rel = os.path.relpath(entry.path, top).replace(os.sep, "/")
                        if len(found) >= limit:
                            return sorted(found), True
                        found.append(rel)
            except OSError:
                continue
    return sorted(found), False


def skip_paths(top: str, pending_dir: str, logs_dir: str) -> set[str]:
    """The folders the scan never enters: `.git`, the state, pending and logs folders."""
    return {os.path.normpath(os.path.join(top, rel)) for rel in (".git", STATE_DIR, pending_dir, logs_dir)}
