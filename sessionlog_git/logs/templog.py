"""Append entries to today's temp log."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from sessionlog_git.base.clock import Moment
from sessionlog_git.base.fsutil import atomic_write_bytes, ensure_state_dir
from sessionlog_git.base.text import one_line
from sessionlog_git.errors import SessionlogError
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry
from sessionlog_git.logs.layout import pending_file

MAX_TITLE = 300


def clean_title(title: str) -> str:
    text = one_line(title)
    if not text:
        raise SessionlogError("the entry needs a title. Fix: sessionlog log \"What you did\" [BULLET ...]")
    if len(text) > MAX_TITLE:
        raise SessionlogError(
            f"the title is {len(text)} characters long (at most {MAX_TITLE}). "
            "Fix: keep the title short and put the detail in bullets."
        )
    return text


def clean_bullets(bullets: Sequence[str]) -> list[str]:
    out = []
    for bullet in bullets:
        text = bullet.strip()
        if text.startswith(("- ", "* ")):
            text = text[2:].strip()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            out.append("\n".join(lines))
    return out


def _refuse_links(path: Path, *roots: Path) -> None:
    """Never follow a link out of the repository (its work tree or its state folder), nor
    write through a linked temp log."""
    real = path.parent.resolve()
    if path.is_symlink() or not any(real.is_relative_to(root.resolve()) for root in roots):
        target = path.resolve() if path.is_symlink() else path.parent.resolve()
        raise SessionlogError(
            f"{path}: is a link to {target}; sessionlog writes temp logs only inside the "
            "repository and never through a link. Nothing was written. Fix: replace the link "
            "with a real folder (or file) inside the repository."
        )


def append(
    pending_root: Path,
    state_dir: Path,
    *,
    project: str,
    user: str,
    moment: Moment,
    title: str,
    bullets: Sequence[str],
    extra_meta: dict[str, str] | None = None,
    lock: Callable[[Path], AbstractContextManager[None]] | None = None,
    top: Path | None = None,
) -> Path:
    """Append one entry under the work tree's lock; the file is replaced atomically.

    `lock` replaces the filelock-based lock (the agent hooks pass `lock.flocked`, which
    takes the same lock with the standard library only).
    """
    if lock is None:
        from sessionlog_git.base.lock import locked

        lock = locked

    day = moment.at.date()
    meta = {"at": moment.at.isoformat(timespec="seconds"), **(extra_meta or {})}
    entry = entry_from_parts(moment.at.strftime("%H:%M"), clean_title(title), clean_bullets(bullets), meta)
    path = pending_file(pending_root, project, user, day)
    with lock(state_dir):
        _refuse_links(path, state_dir, top or state_dir.parent)
        if pending_root.is_relative_to(state_dir):
            os.makedirs(pending_root, exist_ok=True)  # in the git directory: nothing to ignore
        else:
            ensure_state_dir(pending_root)  # a work-tree folder, ignored by its own .gitignore
        from sessionlog_git.base.safeio import read_regular

        try:
            # Never a FIFO (it would block), nor a hard link (it would pull a file from
            # elsewhere into the archive): those raise a message naming the file and the fix.
            old = read_regular(path, max_links=1)
        except FileNotFoundError:
            old = ("\n".join(file_header(project, user, day, moment.zone, moment.offset)) + "\n").encode()
        if old and not old.endswith(b"\n"):
            old += b"\n"
        text = "\n" + "\n".join(format_entry(entry)) + "\n"
        atomic_write_bytes(path, old + text.encode("utf-8"))
    return path
