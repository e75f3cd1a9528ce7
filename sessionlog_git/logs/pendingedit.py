"""Pending temp logs for a tidying assistant: list them, print one, replace one safely.

The pending folder lives in the git directory, where the assistants' file tools may not
write (Claude Code and Gemini CLI refuse any path under `.git/`). So tidying goes through
`sessionlog pending`: `show` prints a temp log, `put` replaces it with text from stdin, and
only when every word of the current text is still there (as many times): a tidy may add
prefixes and `Summary:` bullets, never drop or reword what was written. Anything else is
refused with the missing words named, and nothing is written.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sessionlog_git.base import statedir
from sessionlog_git.base.fsutil import atomic_write_bytes
from sessionlog_git.base.lock import locked
from sessionlog_git.base.safeio import read_regular
from sessionlog_git.errors import SessionlogError, UsageError
from sessionlog_git.logs import layout

if TYPE_CHECKING:
    from sessionlog_git.workspace import Workspace

MAX_SHOWN = 8  # missing words named in a refusal


@dataclass(frozen=True)
class Pending:
    path: Path
    shown: str  # as a person reads it (relative to the top when inside)
    project: str
    user: str
    day: date
    entries: int


def listing(ws: Workspace) -> list[Pending]:
    out: list[Pending] = []
    logs, _strays = layout.scan_pending(ws.config.pending_path)
    for log in sorted(logs, key=lambda f: (f.project, f.user, f.day)):
        try:
            text = read_regular(log.path).decode("utf-8", "replace")
        except (OSError, SessionlogError):
            text = ""
        count = sum(1 for line in text.splitlines() if line.startswith("## "))
        out.append(Pending(Path(log.path), statedir.display(ws.top, log.path), log.project,
                           log.user, log.day, count))
    return out


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r}: not a date. Fix: give the temp log's day as YYYY-MM-DD "
                         "(`sessionlog pending` lists them).") from None


def path_of(ws: Workspace, day: date, project: str, user: str) -> Path:
    return layout.pending_file(ws.config.pending_path, project, user, day)


def show(path: Path, shown: str) -> str:
    try:
        return read_regular(path).decode("utf-8")
    except FileNotFoundError:
        raise SessionlogError(f"{shown}: no such temp log. Fix: pick a day that "
                              "`sessionlog pending` lists.") from None


def missing_words(old: str, new: str) -> list[str]:
    """The words of `old` that `new` lacks (counted: a word twice in `old` must be twice in `new`)."""
    have = Counter(new.split())
    gone: list[str] = []
    for word, count in Counter(old.split()).items():
        if have[word] < count:
            gone.append(word)
    return gone


def put(ws: Workspace, path: Path, shown: str, new: str) -> int:
    """Replace the temp log at `path` with `new` if it keeps every word; returns how many
    words were added. Raises SessionlogError naming the missing words otherwise."""
    if not new.strip():
        raise SessionlogError(f"{shown}: not replaced: the new text on stdin is empty. Nothing "
                              "was written. Fix: pipe the whole tidied file into `sessionlog "
                              "pending put DAY`.")
    with locked(ws.config.state_path):
        try:
            old = read_regular(path, max_links=1).decode("utf-8")
        except FileNotFoundError:
            raise SessionlogError(f"{shown}: no such temp log (consolidated already?). Nothing "
                                  "was written. Fix: pick a day that `sessionlog pending` "
                                  "lists.") from None
        gone = missing_words(old, new)
        if gone:
            named = ", ".join(repr(w) for w in gone[:MAX_SHOWN])
            more = f" and {len(gone) - MAX_SHOWN} more" if len(gone) > MAX_SHOWN else ""
            raise SessionlogError(
                f"{shown}: not replaced: the new text drops or rewords {len(gone)} word"
                f"{'s' if len(gone) != 1 else ''} of the current one: {named}{more}. Nothing was "
                "written. Fix: keep every heading, bullet and `<!-- sessionlog ... -->` line as it "
                "is (a tidy only adds prefixes and Summary: bullets), then run it again.")
        data = new if new.endswith("\n") else new + "\n"
        atomic_write_bytes(path, data.encode("utf-8"))
    return len(new.split()) - len(old.split())
