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

import contextlib
import os

from sessionlog_git.base.clone import git_dir
from sessionlog_git.constants import LOCK_NAME, STATE_DIR

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


def migrate(old: str, new: str) -> None:
    """Move the contents of the old in-tree state folder `old` into `new`, then remove `old`
    (with its `.gitignore`) if nothing is left. Idempotent; safe against a concurrent run (the
    work tree's lock, in the new folder, is held while files move).

    A file missing in `new` is renamed over; a pending `.md` present in both is merged (the old
    text appended to the new one, its header dropped); any other file present in both keeps
    the new copy (caches) unless it is the ledger, the journal or the install record, whose old
    copy then stays where it is (nothing lost; `doctor` names the folder)."""
    os.makedirs(new, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        _move_tree(old, new, old)
        _prune(old)
        return
    fd = os.open(os.path.join(new, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another process holds the lock (and migrates, or will next run)
        try:
            _move_tree(old, new, old)
            _prune(old)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def clear(state: str, keep: tuple[str, ...] = (), dry_run: bool = False) -> list[str]:
    """Delete the state folder's contents (for uninstall) except `keep`, the kept originals of
    redacted logs (`redacted`) and a `pending` folder holding temp logs: the user's. Returns the
    names kept."""
    import shutil

    kept: list[str] = []
    try:
        entries = sorted(os.scandir(state), key=lambda e: e.name)
    except OSError:
        return kept
    for entry in entries:
        holds_logs = entry.name == "pending" and any(
            name.endswith(".md") for _here, _dirs, files in os.walk(entry.path) for name in files)
        if entry.name in keep or entry.name == "redacted" or holds_logs:
            kept.append(entry.name)
        elif not dry_run:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    return kept


KEEP_BOTH = ("written.json", "journal.json", "installed.json", "installed-originals.json")


def _move_tree(src_dir: str, dst_dir: str, root: str) -> None:
    try:
        entries = list(os.scandir(src_dir))
    except OSError:
        return
    for entry in entries:
        src = entry.path
        dst = os.path.join(dst_dir, entry.name)
        if src_dir == root and entry.name in (".gitignore", LOCK_NAME):
            continue  # the old folder's own; removed with it
        try:
            if entry.is_dir(follow_symlinks=False):
                if not os.path.lexists(dst):
                    os.rename(src, dst)
                elif os.path.isdir(dst) and not os.path.islink(dst):
                    _move_tree(src, dst, root)
                continue
            if not os.path.lexists(dst):
                os.rename(src, dst)
            elif _is_pending(src, root) and os.path.isfile(dst) and not os.path.islink(src):
                _append(src, dst)
            elif _same(src, dst) or (src_dir != root or entry.name not in KEEP_BOTH):
                os.unlink(src)  # a cache the new folder has already: the new copy wins
        except OSError:
            continue  # left in place; the next run tries again, nothing is lost


def _is_pending(path: str, root: str) -> bool:
    """A temp log: `<root>/.../<project>/<user>/YYYY-MM-DD.md` (any pending folder under it)."""
    rel = os.path.relpath(path, root).split(os.sep)
    name = rel[-1]
    return len(rel) >= 4 and name.endswith(".md") and len(name) == 13 and name[4] == "-"


def _same(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def _append(src: str, dst: str) -> None:
    """Append the entries of temp log `src` (its header line dropped) to `dst`, then delete it."""
    with open(src, "rb") as handle:
        old = handle.read()
    with open(dst, "rb") as handle:
        current = handle.read()
    body = old
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if body.startswith(b"# sessionlog:"):
        body = body.split(b"\n", 1)[1] if b"\n" in body else b""
    if body.strip() and body.strip() not in current:
        from sessionlog_git.base.fsutil import atomic_write_bytes

        joined = current if current.endswith(b"\n") or not current else current + b"\n"
        atomic_write_bytes(dst, joined + (body if body.startswith(b"\n") else b"\n" + body))
    os.unlink(src)


def _prune(old: str) -> None:
    """Remove the empty folders left in `old`, then `old` itself (and its own `.gitignore`
    and lock) when nothing else is left."""
    for here, dirs, _files in os.walk(old, topdown=False):
        for name in dirs:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(here, name))
    try:
        left = set(os.listdir(old))
    except OSError:
        return
    if left <= {".gitignore", LOCK_NAME}:
        for name in left:
            try:
                os.unlink(os.path.join(old, name))
            except OSError:
                return
        with contextlib.suppress(OSError):
            os.rmdir(old)
