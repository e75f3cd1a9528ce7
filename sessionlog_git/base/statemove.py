"""Moving an old in-tree state folder (`<top>/.sessionlog`) into the git directory, and
clearing the state folder at uninstall. Standard library only; imported only when needed, so
the per-prompt hook and the idle commit load just `statedir`.
"""
from __future__ import annotations

import os

from sessionlog_git.constants import LOCK_NAME


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
                try:  # noqa: SIM105 - contextlib would cost the hooks an import
                    os.unlink(entry.path)
                except OSError:
                    pass
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
            try:  # noqa: SIM105 - contextlib would cost the hooks an import
                os.rmdir(os.path.join(here, name))
            except OSError:
                pass
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
        try:  # noqa: SIM105
            os.rmdir(old)
        except OSError:
            pass
