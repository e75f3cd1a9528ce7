"""The weekly digest as data: per project and person, what was done day by day, what was
decided, what is blocked and on whom, what is next; with the seed's measurements.

Why coverage (measures.coverage) needs the repositories' commits, so the command adds it as
`coverage`; everything else is a pure function of the records, `now` and `since`.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sessionlog_git.base.text import one_line
from sessionlog_git.insight import measures
from sessionlog_git.insight.reports import _all_blockers, _blocker_view, _brief, _by_project, _in
from sessionlog_git.logs.entries import Bullet
from sessionlog_git.logs.model import Blocker, Record

SHOWN_KINDS = ("decision", "finding", "blocker", "unblock", "note")  # under an entry, as written
LABEL = {"decision": "decision", "finding": "finding", "blocker": "blocker", "unblock": "unblocked",
         "note": ""}


def _entry(record: Record, logs_dir: str) -> dict[str, Any]:
    return {
        **_brief(record, logs_dir),
        "bullets": [{"kind": b.kind, "label": LABEL[b.kind], "text": one_line(b.text)}
                    for b in record.entry.bullets if b.kind in SHOWN_KINDS and b.text.strip()],
    }


def _days(records: Sequence[Record], logs_dir: str) -> list[dict[str, Any]]:
    days: list[dict[str, Any]] = []
    for r in records:
        day = r.at.date()
        if not days or days[-1]["date"] != day.isoformat():
            days.append({"date": day.isoformat(), "weekday": day.strftime("%a"), "entries": []})
        days[-1]["entries"].append(_entry(r, logs_dir))
    return days


def _decided(record: Record, bullet: Bullet, logs_dir: str) -> dict[str, Any]:
    """A decision without a bare "Decision:" label (a "Rejected:" or "Chose" keeps its word)."""
    text = bullet.body if bullet.text.lower().startswith(("decision:", "decided:")) else bullet.text
    text = one_line(text)
    return {**_brief(record, logs_dir), "text": text[:1].upper() + text[1:]}


def _blocked(b: Blocker, now: datetime, logs_dir: str) -> dict[str, Any]:
    view = _blocker_view(b, now, logs_dir)
    view["entry"] = one_line(b.record.entry.title) or "(untitled)"
    if view["closed"] is not None and b.closing is not None:
        view["closed"]["text"] = one_line(b.closing.body)
    return view


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def weekly(records: Sequence[Record], now: datetime, since: datetime | None, logs_dir: str,
           *, found: Sequence[Blocker] | None = None) -> dict[str, Any]:
    """`found`: every blocker open before the records or opened in them (insight.blockerlog),
    when `records` are only the period's months; else they are folded from `records`."""
    upto = [r for r in records if r.at <= now]
    period = [r for r in upto if _in(r.at, since, now)]
    all_blockers = _all_blockers(upto) if found is None else list(found)
    projects: list[dict[str, Any]] = []
    for project, recs in _by_project(period).items():
        mine = [b for b in all_blockers if b.record.project == project]
        people = []
        for user in sorted({r.user for r in recs}):
            theirs = [r for r in recs if r.user == user]
            people.append({"name": user, "entries": len(theirs), "days": _days(theirs, logs_dir)})
        latest_next: dict[str, Record] = {}  # each person's latest entry with a next step
        for r in upto:
            if r.project == project and r.entry.of_kind("next"):
                latest_next[r.user] = r
        next_steps = []
        for user in sorted(latest_next):
            latest = latest_next[user]
            if _in(latest.at, since, now):
                next_steps.append({**_brief(latest, logs_dir),
                                   "steps": [one_line(b.body) for b in latest.entry.of_kind("next")]})
        still_open = [b for b in mine if b.closed_by is None]
        decided = [_decided(r, b, logs_dir) for r in recs for b in r.entry.bullets if b.kind == "decision"]
        opened = sum(1 for b in mine if _in(b.record.at, since, now))
        closed = [_blocked(b, now, logs_dir) for b in mine
                  if b.closed_by is not None and _in(b.closed_by.at, since, now)]
        lead = (f"{_plural(len(recs), 'entry', 'entries')} by "
                + ", ".join(f"{p['name']} ({p['entries']})" for p in people)
                + f"; {_plural(len(decided), 'decision')}, {_plural(opened, 'blocker')} opened, "
                f"{len(closed)} closed, {len(still_open)} open.")
        projects.append({
            "lead": lead,
            "name": project,
            "entries": len(recs),
            "contributors": sorted({r.user for r in recs}),
            "people": people,
            "decided": decided,
            "findings": sum(1 for r in recs for b in r.entry.bullets if b.kind == "finding"),
            "blocked": [_blocked(b, now, logs_dir) for b in still_open],
            "opened": opened,
            "unblocked": closed,
            "next": next_steps,
        })
    period_blockers = [b for b in all_blockers if _in(b.record.at, since, now)]
    totals = {
        "entries": len(period),
        "contributors": len({r.user for r in period}),
        "projects": len(projects),
        "decisions": sum(len(p["decided"]) for p in projects),
        "findings": sum(p["findings"] for p in projects),
        "blockers_opened": len(period_blockers),
        "blockers_closed": sum(len(p["unblocked"]) for p in projects),
        "blockers_open": sum(len(p["blocked"]) for p in projects),
    }
    summary = (
        f"{_plural(totals['entries'], 'entry', 'entries')} by "
        f"{_plural(totals['contributors'], 'person', 'people')} in "
        f"{_plural(totals['projects'], 'project')}: {_plural(totals['decisions'], 'decision')}, "
        f"{_plural(totals['findings'], 'finding')}, {_plural(totals['blockers_opened'], 'blocker')} "
        f"opened, {totals['blockers_closed']} closed, {totals['blockers_open']} still open."
    )
    return {
        "coverage": None,  # the command measures it from the repositories' commits
        "summary": summary,
        "totals": totals,
        "projects": projects,
        "measures": {
            "context_switching": measures.context_switching(period),
            "blockers": measures.blocker_frequency(
                period_blockers, {p["name"]: p["entries"] for p in projects}),
            "assistants": measures.per_assistant(period, all_blockers),
        },
    }
