"""Derived views as data: the monthly master log and the project status.

Pure functions of archived entries: no clock, no file system, deterministic order. The
templates only lay out what these functions return.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sessionlog_git.clock import format_offset
from sessionlog_git.entries import Bullet, Entry
from sessionlog_git.layout import month_of

RECENT_DECISIONS = 10
RECENTLY_CLOSED = 10
_WORD = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_STOP = frozenset(
    (
        "the and for with not yet but now has have had are was were been this that from into "
        "onto our its can cannot will still until on off out any all"
    ).split()
)


@dataclass(frozen=True)
class Record:
    """An archived entry with where it came from."""

    entry: Entry
    project: str
    user: str
    source: str  # the archive file, relative to the logs folder (POSIX), for links

    @property
    def at(self) -> datetime:
        assert self.entry.at is not None
        return self.entry.at

    def sort_key(self) -> tuple[Any, ...]:
        return (self.at.timestamp(), self.user, self.source, self.entry.line)


def ordered(records: Iterable[Record]) -> list[Record]:
    """Chronological, without the duplicates an entry archived twice would make."""
    seen: set[tuple[Any, ...]] = set()
    out: list[Record] = []
    for record in sorted((r for r in records if r.entry.at is not None), key=Record.sort_key):
        key = (record.project, record.user, *record.entry.key())
        if key in seen:
            continue
        seen.add(key)
        out.append(record)
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bullets(entry: Entry, *kinds: str) -> list[str]:
    return [_one_line(b.text) for b in entry.bullets if b.kind in kinds]


def _entry_view(record: Record) -> dict[str, Any]:
    entry = record.entry
    summary = entry.of_kind("summary")
    return {
        "time": record.at.strftime("%H:%M"),
        "offset": format_offset(record.at),
        "title": _one_line(entry.title) or "(untitled)",
        "summary": _one_line(summary[0].body) if summary else "",
        "details": _bullets(entry, "decision", "finding", "blocker", "unblock"),
        "next": _bullets(entry, "next"),
        "agent": entry.meta.get("agent", ""),
        "link": record.source,
        "user": record.user,
        "date": record.at.date().isoformat(),
    }


def master_log(project: str, month: str, records: Sequence[Record]) -> dict[str, Any]:
    """A section per contributor, entries by day with their local time."""
    mine = [r for r in ordered(records) if r.project == project and month_of(r.at.date()) == month]
    contributors: list[dict[str, Any]] = []
    for user in sorted({r.user for r in mine}):
        days: list[dict[str, Any]] = []
        for record in (r for r in mine if r.user == user):
            day = record.at.date()
            if not days or days[-1]["date"] != day.isoformat():
                days.append(
                    {
                        "date": day.isoformat(),
                        "weekday": day.strftime("%a"),
                        "offset": format_offset(record.at),
                        "entries": [],
                    }
                )
            view = _entry_view(record)
            view["show_offset"] = view["offset"] != days[-1]["offset"]
            days[-1]["entries"].append(view)
        contributors.append({"name": user, "days": days, "count": sum(len(d["entries"]) for d in days)})
    return {"project": project, "month": month, "contributors": contributors, "total": len(mine)}


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


@dataclass
class Blocker:
    record: Record
    bullet: Bullet
    closed_by: Record | None = None
    closing: Bullet | None = None


def blockers(records: Sequence[Record]) -> list[Blocker]:
    """Every blocker, with the later `Unblocked:`/`Resolved:` that closed it, if any.

    An unblock closes the open blocker it shares the most words with (the oldest on a tie);
    sharing none, it closes its own author's most recent open blocker.
    """
    found: list[Blocker] = []
    for record in ordered(records):
        for bullet in record.entry.bullets:
            if bullet.kind == "blocker":
                found.append(Blocker(record, bullet))
            elif bullet.kind == "unblock":
                still_open = [b for b in found if b.closed_by is None]
                words = _words(bullet.body)
                scored = [(len(words & _words(b.bullet.body)), b) for b in still_open]
                best = max((s for s, _ in scored), default=0)
                target: Blocker | None = None
                if best > 0:
                    target = next(b for s, b in scored if s == best)
                else:
                    own = [b for b in still_open if b.record.user == record.user]
                    target = own[-1] if own else None
                if target is not None:
                    target.closed_by, target.closing = record, bullet
    return found


def status(project: str, records: Sequence[Record]) -> dict[str, Any]:
    """Where things stand: last session per contributor, blockers, decisions, next steps."""
    mine = [r for r in ordered(records) if r.project == project]
    last: dict[str, Record] = {}
    next_steps: dict[str, Record] = {}
    for record in mine:
        last[record.user] = record
        if record.entry.of_kind("next"):
            next_steps[record.user] = record
    all_blockers = blockers(mine)
    open_blockers = [b for b in all_blockers if b.closed_by is None]
    closed = [b for b in all_blockers if b.closed_by is not None]
    closed.sort(key=lambda b: b.closed_by.sort_key() if b.closed_by else ())
    decisions = [(r, b) for r in mine for b in r.entry.bullets if b.kind == "decision"]
    return {
        "project": project,
        "contributors": [
            {**_entry_view(last[user]), "name": user} for user in sorted(last)
        ],
        "open_blockers": [_blocker_view(b) for b in open_blockers],
        "recently_closed": [_blocker_view(b) for b in reversed(closed[-RECENTLY_CLOSED:])],
        "decisions": [
            {**_entry_view(r), "text": _one_line(b.text)} for r, b in reversed(decisions[-RECENT_DECISIONS:])
        ],
        "next_steps": [
            {**_entry_view(next_steps[user]), "name": user} for user in sorted(next_steps)
        ],
        "total": len(mine),
    }


def _blocker_view(blocker: Blocker) -> dict[str, Any]:
    view = {**_entry_view(blocker.record), "text": _one_line(blocker.bullet.body)}
    if blocker.closed_by is not None and blocker.closing is not None:
        view["closed"] = {
            **_entry_view(blocker.closed_by),
            "text": _one_line(blocker.closing.text),
        }
    return view
