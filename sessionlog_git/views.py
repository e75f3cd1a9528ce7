"""Derived views as data: the monthly master log and the project status.

Pure functions of archived entries: no clock, no file system, deterministic order. The
templates only lay out what these functions return.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
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


def _md(text: str) -> str:
    """One line of log text for a Markdown view: raw HTML and script links escaped."""
    from sessionlog_git.mdsafe import inline

    return inline(_one_line(text))


_DETAIL_KINDS = frozenset(("decision", "finding", "blocker", "unblock"))


def record_brief(record: Record) -> dict[str, Any]:
    """What a report or an answer shows of any entry: when, who, where, its title and summary."""
    entry = record.entry
    summary = entry.of_kind("summary")
    return {
        "date": record.at.date().isoformat(),
        "time": record.at.strftime("%H:%M"),
        "offset": format_offset(record.at),
        "at": record.at.isoformat(),
        "user": record.user,
        "project": record.project,
        "title": _one_line(entry.title) or "(untitled)",
        "summary": _one_line(summary[0].body) if summary else "",
        "agent": entry.meta.get("agent", ""),  # the assistant that wrote it (`log --agent`)
    }


def _entry_view(record: Record) -> dict[str, Any]:
    entry = record.entry
    at = record.at
    details: list[str] = []
    next_steps: list[str] = []
    summary: str | None = None
    for bullet in entry.bullets:  # one pass: this runs for every entry of a month
        kind = bullet.kind
        if kind in _DETAIL_KINDS:
            details.append(_md(bullet.text))
        elif kind == "next":
            next_steps.append(_md(bullet.text))
        elif kind == "summary" and summary is None:
            summary = _md(bullet.body)
    return {
        "time": f"{at.hour:02d}:{at.minute:02d}",
        "offset": format_offset(at),
        "title": _md(entry.title) or "(untitled)",
        "summary": summary or "",
        "details": details,
        "next": next_steps,
        "agent": _md(entry.meta.get("agent", "")),
        "link": record.source,
        "user": record.user,
        "date": at.date().isoformat(),
    }


def master_log(project: str, month: str, records: Sequence[Record]) -> dict[str, Any]:
    """A section per contributor, entries by day with their local time."""
    mine = [r for r in ordered(records) if r.project == project and month_of(r.at.date()) == month]
    by_user: dict[str, list[Record]] = {}
    for record in mine:
        by_user.setdefault(record.user, []).append(record)
    contributors: list[dict[str, Any]] = []
    for user in sorted(by_user):
        days: list[dict[str, Any]] = []
        for record in by_user[user]:
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


class BlockerBook:
    """Open blockers, and the rule that closes them.

    An unblock closes the open blocker it shares the most words with (the oldest on a tie);
    sharing none, it closes its own author's most recent open blocker. An index from words to
    open blockers keeps this linear in the number of bullets, whatever the history's length.
    """

    def __init__(self, still_open: Iterable[Blocker] = ()) -> None:
        self._open: dict[int, Blocker] = {}  # by id; ids grow with time, so min id = oldest
        self._words: dict[int, set[str]] = {}
        self._by_word: dict[str, set[int]] = {}
        self._next = 0
        for blocker in still_open:
            self.add(blocker)

    def add(self, blocker: Blocker) -> None:
        ident = self._next
        self._next += 1
        self._open[ident] = blocker
        self._words[ident] = words = _words(blocker.bullet.body)
        for word in words:
            self._by_word.setdefault(word, set()).add(ident)

    def close(self, record: Record, bullet: Bullet) -> Blocker | None:
        # Counted in C: with many blockers open, the posting lists are long.
        counts = Counter(chain.from_iterable(self._by_word.get(w, ()) for w in _words(bullet.body)))
        if counts:
            best = max(counts.values())
            target = min(i for i, c in counts.items() if c == best)
        else:
            own = [i for i, b in self._open.items() if b.record.user == record.user]
            if not own:
                return None
            target = max(own)
        blocker = self._open.pop(target)
        for word in self._words.pop(target):
            self._by_word[word].discard(target)
        blocker.closed_by, blocker.closing = record, bullet
        return blocker

    @property
    def still_open(self) -> list[Blocker]:
        return [self._open[i] for i in sorted(self._open)]


def blockers(records: Sequence[Record], *, in_order: bool = False) -> list[Blocker]:
    """Every blocker, in the order opened, with the unblock that closed it, if any.

    `in_order`: the records come from `ordered` already (it is idempotent), so skip it.
    """
    found: list[Blocker] = []
    book = BlockerBook()
    for record in records if in_order else ordered(records):
        for bullet in record.entry.bullets:
            if bullet.kind == "blocker":
                found.append(Blocker(record, bullet))
                book.add(found[-1])
            elif bullet.kind == "unblock":
                book.close(record, bullet)
    return found


@dataclass
class StatusState:
    """The status of a project as a fold over its records in order.

    Small whatever the history: a checkpoint of it after each month lets a commit fold only
    the months it touches (archive.status_checkpoint).
    """

    book: BlockerBook = field(default_factory=BlockerBook)
    last: dict[str, Record] = field(default_factory=dict)
    next_steps: dict[str, Record] = field(default_factory=dict)
    closed: list[Blocker] = field(default_factory=list)  # the latest, in the order closed
    decisions: list[tuple[Record, Bullet]] = field(default_factory=list)  # the latest

    def feed(self, records: Iterable[Record]) -> StatusState:
        """Fold in records that all come after everything fed before (already ordered)."""
        for record in records:
            self.last[record.user] = record
            for bullet in record.entry.bullets:
                if bullet.kind == "next":
                    self.next_steps[record.user] = record
                elif bullet.kind == "decision":
                    self.decisions.append((record, bullet))
                elif bullet.kind == "blocker":
                    self.book.add(Blocker(record, bullet))
                elif bullet.kind == "unblock":
                    closed = self.book.close(record, bullet)
                    if closed is not None:
                        self.closed.append(closed)
            del self.decisions[:-RECENT_DECISIONS]
            del self.closed[:-RECENTLY_CLOSED]
        return self


def status(project: str, records: Sequence[Record], state: StatusState | None = None) -> dict[str, Any]:
    """Where things stand: last session per contributor, blockers, decisions, next steps.

    With `state`, `records` must all come after what the state has seen.
    """
    mine = [r for r in ordered(records) if r.project == project]
    return status_view(project, (state or StatusState()).feed(mine))


def status_view(project: str, state: StatusState) -> dict[str, Any]:
    return {
        "project": project,
        "contributors": [{**_entry_view(state.last[user]), "name": user} for user in sorted(state.last)],
        "open_blockers": [_blocker_view(b) for b in state.book.still_open],
        "recently_closed": [_blocker_view(b) for b in reversed(state.closed)],
        "decisions": [
            {**_entry_view(r), "text": _md(b.text)} for r, b in reversed(state.decisions)
        ],
        "next_steps": [
            {**_entry_view(state.next_steps[user]), "name": user} for user in sorted(state.next_steps)
        ],
    }


def _blocker_view(blocker: Blocker) -> dict[str, Any]:
    view = {**_entry_view(blocker.record), "text": _md(blocker.bullet.body)}
    if blocker.closed_by is not None and blocker.closing is not None:
        view["closed"] = {
            **_entry_view(blocker.closed_by),
            "text": _md(blocker.closing.text),
        }
    return view
