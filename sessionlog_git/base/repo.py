"""The one repository-top finder: the work tree a command, a hook or the merge driver acts on.

Found as git finds it, without running git: `GIT_WORK_TREE` when set; with only `GIT_DIR`
set (git exports it to hooks in linked worktrees and submodules, and runs them at the top),
the start folder itself; otherwise the nearest folder at or above the start's real path that
holds a `.git` (a folder, or the file of a linked worktree or submodule).

Stdlib-safe and lean (only `os`): the per-prompt hook may use it.
"""
from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from collections.abc import Mapping


def find_top(
    start: str | os.PathLike[str],
    environ: Mapping[str, str] | None = None,
    *,
    real: bool = True,
) -> str | None:
    """The work tree's top for a process started in `start`, or None outside any work tree.

    `real=False` keeps the start folder as written (joined onto the cwd, `.` and `//` dropped,
    `..` and links kept, as pathlib's `absolute()`): the assistants' hooks name the top the
    way their CLI named the project folder.
    """
    env = os.environ if environ is None else environ
    work_tree = env.get("GIT_WORK_TREE", "")
    if work_tree:
        return os.path.realpath(os.path.join(start, work_tree))
    here = os.path.realpath(start) if real else _absolute(os.fspath(start))
    if env.get("GIT_DIR", ""):
        return here
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _absolute(path: str) -> str:
    """As pathlib's `Path(path).absolute()`: joined onto the cwd, `.` and `//` dropped."""
    joined = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
    parts = [p for p in joined.split(os.sep) if p not in ("", ".")]
    return os.sep + os.sep.join(parts)
