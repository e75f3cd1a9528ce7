"""Append entries to today's temp log."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sessionlog_git.clock import Moment
from sessionlog_git.entries import entry_from_parts, file_header, format_entry
from sessionlog_git.errors import SessionlogError
from sessionlog_git.fsutil import atomic_write_bytes, ensure_state_dir
from sessionlog_git.layout import pending_file

MAX_TITLE = 300


def clean_title(title: str) -> str:
    text = " ".join(title.split())
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
) -> Path:
    """Append one entry under the work tree's lock; the file is replaced atomically."""
    from sessionlog_git.lock import locked

    day = moment.at.date()
    meta = {"at": moment.at.isoformat(timespec="seconds"), **(extra_meta or {})}
    entry = entry_from_parts(moment.at.strftime("%H:%M"), clean_title(title), clean_bullets(bullets), meta)
    path = pending_file(pending_root, project, user, day)
    with locked(state_dir):
        ensure_state_dir(pending_root)
        try:
            old = path.read_bytes()
        except FileNotFoundError:
            old = ("\n".join(file_header(project, user, day, moment.zone, moment.offset)) + "\n").encode()
        if old and not old.endswith(b"\n"):
            old += b"\n"
        text = "\n" + "\n".join(format_entry(entry)) + "\n"
        atomic_write_bytes(path, old + text.encode("utf-8"))
    return path
