"""Derived views as data: the monthly master log and the project status.

Pure functions of archived entries: no clock, no file system, deterministic order. The
templates only lay out what these functions return.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sessionlog_git.base.clock import format_offset
from sessionlog_git.base.text import one_line
from sessionlog_git.logs.layout import month_of
from sessionlog_git.logs.lifecycle import Decision
from sessionlog_git.logs.mdsafe import inline  # every line of a view goes through it
from sessionlog_git.logs.model import RECENT_DECISIONS, Blocker, Record, StatusState, ordered

Link = Callable[[str], str]  # a record's source -> what its [raw] link names (a pack, once packed)


def _same(source: str) -> str:
    return source


_DETAIL_KINDS = frozenset(("decision", "supersede", "revert", "expires", "finding", "blocker", "unblock"))


_OFFSETS: dict[Any, str] = {}  # a UTC offset -> its text (a report formats tens of thousands)


def record_brief(record: Record) -> dict[str, Any]:
    """What a report or an answer shows of any entry: when, who, where, its title and summary."""
    entry = record.entry
    at = record.at
    stamp = at.isoformat()  # its date and HH:MM are `at.date().isoformat()` and `%H:%M`
    shift = at.utcoffset()
    offset = _OFFSETS.get(shift)
    if offset is None:
        offset = _OFFSETS[shift] = format_offset(at)
    summary = next((b for b in entry.bullets if b.kind == "summary"), None)
    return {
        "date": stamp[:10],
        "time": stamp[11:16],
        "offset": offset,
        "at": stamp,
        "user": record.user,
        "project": record.project,
        "title": one_line(entry.title) or "(untitled)",
        "summary": one_line(summary.body) if summary is not None else "",
        "agent": entry.meta.get("agent", ""),  # the assistant that wrote it (`log --agent`)
    }


def _md(text: str) -> str:
    """One line of log text for a Markdown view: raw HTML and script links escaped
    (logs.mdsafe); the archive keeps the text verbatim."""
    # Most log text has nothing to fold or escape: told by the checks `one_line` and `inline`
    # make first, without their two calls (a backlog's month has tens of thousands).
    if ("  " not in text and "<" not in text and "](" not in text and "]:" not in text
            and text.isprintable() and text[:1] != " " and text[-1:] != " "):
        return text
    return inline(one_line(text))


_CLOCK: dict[tuple[int, int], str] = {}  # (hour, minute) -> "HH:MM" (a month has thousands)
_WEEKDAYS: dict[int, str] = {}  # date.weekday() -> its `%a` name, formatted once each


_ROW = ("time", "show_offset", "offset", "title", "summary", "agent", "link", "details", "next")


def _entry_row(record: Record, link: Link, day_offset: str) -> tuple[Any, ...]:
    """An entry as a view shows it, in the order of `_ROW` (the master log's template unpacks
    it so): a tuple, not a dict, because a month has thousands of entries and the template
    would read each field of a dict by a lookup of jinja2's (a Python call), where a tuple
    unpacks in one step; one function with no calls of its own but the text's, for the same
    reason. `day_offset`: the offset its day is headed with (`show_offset`: the entry's
    differs)."""
    entry = record.entry
    at = entry.at
    assert at is not None
    details: list[str] = []
    next_steps: list[str] = []
    summary = ""
    told = False
    for bullet in entry.bullets:  # one pass
        kind = bullet.kind
        if kind in _DETAIL_KINDS:
            details.append(_md(bullet.text))
        elif kind == "next":
            next_steps.append(_md(bullet.text))
        elif kind == "summary" and not told:
            summary, told = _md(bullet.body), True
    agent = entry.meta.get("agent")
    clock = (at.hour, at.minute)
    time = _CLOCK.get(clock)
    if time is None:
        time = _CLOCK[clock] = f"{at.hour:02d}:{at.minute:02d}"
    offset = format_offset(at)
    return (time, offset != day_offset, offset, _md(entry.title) or "(untitled)", summary,
            _md(agent) if agent else "", link(record.source), details, next_steps)


def _entry_view(record: Record, link: Link = _same, day: str = "", day_offset: str = ""
                ) -> dict[str, Any]:
    """`_entry_row` as a dict (the status's few entries), with its contributor and date;
    `day`: the entry's local date as ISO text, when the caller has it already."""
    view = dict(zip(_ROW, _entry_row(record, link, day_offset), strict=True))
    view["user"] = record.user
    view["date"] = day or record.at.date().isoformat()
    return view


def master_log(project: str, month: str, records: Sequence[Record], link: Link = _same, *,
               in_order: bool = False) -> dict[str, Any]:
    """A section per contributor, entries by day with their local time (each entry as
    `_entry_row` gives it); `link` names the file each entry's [raw] link points to (its
    source, or the pack holding it). The template reads these dicts by subscript
    (`day["date"]`): `day.date` would try an attribute first, an exception per lookup.

    `in_order`: the records come from `ordered` already (it is idempotent), so skip it."""
    by_user: dict[str, list[Record]] = {}
    # `month_at(at) == month` told by the date's numbers (no call per record)
    year, number = _month_numbers(month)
    for r in records if in_order else ordered(records):
        at = r.entry.at
        assert at is not None
        if at.month == number and at.year == year and r.project == project:
            mine = by_user.get(r.user)
            if mine is None:
                by_user[r.user] = [r]
            else:
                mine.append(r)
    contributors: list[dict[str, Any]] = []
    for user in sorted(by_user):
        days: list[dict[str, Any]] = []
        current = None  # the date of the last day listed, and its offset and entries
        iso = offset = ""
        entries: list[tuple[Any, ...]] = []
        for record in by_user[user]:
            at = record.entry.at
            assert at is not None
            day = at.date()
            if day != current:
                current, iso, offset, entries = day, day.isoformat(), format_offset(at), []
                weekday = _WEEKDAYS.get(day.weekday())
                if weekday is None:
                    weekday = _WEEKDAYS[day.weekday()] = day.strftime("%a")
                days.append({"date": iso, "weekday": weekday, "offset": offset,
                             "entries": entries})
            entries.append(_entry_row(record, link, offset))
        contributors.append({"name": user, "days": days, "count": len(by_user[user])})
    return {"project": project, "month": month, "contributors": contributors,
            "total": sum(len(mine) for mine in by_user.values())}


def _month_numbers(month: str) -> tuple[int, int]:
    """The year and month of a month folder's name ("2024-06": (2024, 6)); (0, 0), which no
    date has, for a name `month_at` never gives."""
    try:
        year, number = int(month[:4]), int(month[5:7])
        return (year, number) if month_of(date(year, number, 1)) == month else (0, 0)
    except ValueError:  # (no such date)
        return 0, 0


def status(project: str, records: Sequence[Record], state: StatusState | None = None,
           link: Link = _same) -> dict[str, Any]:
    """Where things stand: last session per contributor, blockers, decisions, next steps.

    With `state`, `records` must all come after what the state has seen.
    """
    mine = [r for r in ordered(records) if r.project == project]
    return status_view(project, (state or StatusState()).feed(mine), link)


def status_view(project: str, state: StatusState, link: Link = _same) -> dict[str, Any]:
    return {
        "project": project,
        "contributors": [{**_entry_view(state.last[user], link), "name": user}
                         for user in sorted(state.last)],
        "open_blockers": [_blocker_view(b, link) for b in state.book.still_open],
        "recently_closed": [_blocker_view(b, link) for b in reversed(state.closed)],
        "decisions": [_decision_view(d, link)
                      for d in reversed(state.lifecycle.recent(RECENT_DECISIONS))],
        "retired_decisions": [_decision_view(d, link) for d in reversed(state.retired)],
        "next_steps": [
            {**_entry_view(state.next_steps[user], link), "name": user}
            for user in sorted(state.next_steps)
        ],
    }


def _blocker_view(blocker: Blocker, link: Link = _same) -> dict[str, Any]:
    view = {**_entry_view(blocker.record, link), "text": _md(blocker.bullet.body)}
    if blocker.closed_by is not None and blocker.closing is not None:
        view["closed"] = {
            **_entry_view(blocker.closed_by, link),
            "text": _md(blocker.closing.text),
        }
    return view


def _decision_view(decision: Decision[Record], link: Link = _same) -> dict[str, Any]:
    """A decision as the status file lists it: live ones with their expiry date (no clock
    here: it is applied where a "now" exists), retired ones with what retired them."""
    view = {
        **_entry_view(decision.record, link),
        "text": _md(decision.text),
        "expires": decision.expires.isoformat() if decision.expires else "",
        "how": decision.how,
    }
    if decision.retired_by is not None and decision.retiring is not None:
        view["by"] = {**_entry_view(decision.retired_by, link), "text": _md(decision.retiring.text)}
        view["replacements"] = [_md(d.text) for d in decision.replacements]
    return view
