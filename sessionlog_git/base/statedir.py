"""The state folder of a work tree: where pending entries, the ledger, the journal, the install
record and the hooks' caches live. Standard library only (`os`), no git process.

It is `<git dir of this worktree>/sessionlog/`: `.git/sessionlog/` in the main worktree
(beside this clone's launcher `run`), `.git/worktrees/<name>/sessionlog/` in a linked one.
Nothing under the git directory is versioned, and `git clean -fdx`, `git clean -ffdx`,
`git stash --all`/`pop` never touch it, so a day's pending entries survive everyday git. A
folder that is not a git work tree (no `.git` at its top) keeps `<top>/.sessionlog/`.

Older versions kept it in the work tree, `<top>/.sessionlog/` (ignored through its own
`.gitignore`). `folder` moves such a folder's contents over the first time anything asks for
the state folder (init, `log`, the commit hook, an assistant's hook), losing nothing: a
pending file present in both places is merged by appending (entries are Markdown sections).
"""
from __future__ import annotations

import os

from sessionlog_git.base.clone import git_dir
from sessionlog_git.constants import STATE_DIR

NAME = "sessionlog"  # in the git directory of the worktree
LEGACY = STATE_DIR  # the old in-tree folder, `<top>/.sessionlog`
_migrated: set[str] = set()  # tops this process has migrated (or found nothing to migrate)


def folder(top: str | os.PathLike[str]) -> str:
    """The state folder of the work tree at `top` (migrating an old in-tree one first)."""
    top = os.fspath(top)
    here = git_dir(top)
    if here is None:
        return os.path.join(top, LEGACY)
    state = os.path.join(here, NAME)
    if top not in _migrated:
        old = os.path.join(top, LEGACY)
        if os.path.isdir(old) and not os.path.islink(old):
            from sessionlog_git.base.statemove import migrate  # only then: the hooks stay lean

            migrate(old, state)
        _migrated.add(top)
    return state


def resolve(top: str | os.PathLike[str], rel: str) -> str:
    """A configured folder: `.sessionlog/<rest>` (the old default `.sessionlog/pending`
    included) means `<state folder>/<rest>`; any other path is relative to the top."""
    top = os.fspath(top)
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if parts[:1] == [LEGACY]:
        return os.path.join(folder(top), *parts[1:])
    return os.path.join(top, *parts)


def in_state(rel: str) -> bool:
    """Whether a configured folder lives in the state folder (sessionlog's own)."""
    return [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")][:1] == [LEGACY]


def display(top: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """A path as a person reads it: relative to the top when it is inside, else absolute."""
    top, path = os.fspath(top), os.fspath(path)
    # A plain path below a plain top (a backlog names hundreds): cut as text, as relpath would.
    rest = path[len(top) + 1:]
    if (os.sep == "/" and path.startswith(top) and path[len(top):len(top) + 1] == "/"
            and os.path.isabs(top) and top == os.path.normpath(top)
            and not rest.startswith("..")  # as relpath's answer is read below
            and all(part not in ("", ".", "..") for part in rest.split("/"))):
        return rest
    rel = os.path.relpath(path, top)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def ensure(top: str | os.PathLike[str]) -> str:
    """The state folder, created if missing (no `.gitignore`: it is not in the work tree,
    unless `top` is not a git work tree, where it gets one as before)."""
    path = folder(top)
    if os.path.basename(path) == LEGACY:
        from pathlib import Path

        from sessionlog_git.base.fsutil import ensure_state_dir

        ensure_state_dir(Path(path))
    else:
        os.makedirs(path, exist_ok=True)
    return path
