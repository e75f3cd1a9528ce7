"""Reports across projects and contributors, from the archive: weekly, blockers, time, onboarding.

Unlike the derived views (a pure function of the archive), reports know the time: a blocker's
age and the default period are relative to `now` (`clock.now()`, pinned by SESSIONLOG_NOW).
Every function here returns plain data (str, int, float, lists, dicts) that the Markdown and
HTML templates lay out and that `--json` prints as is. Ordering is deterministic.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git.base.text import clip, one_line
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight import recurring as recurring_cache
from sessionlog_git.insight import similar
from sessionlog_git.insight.blockerlog import Closings, Seen
from sessionlog_git.insight.blockermemo import Part
from sessionlog_git.logs import archive, layout
from sessionlog_git.logs.model import Blocker, Record, blockers, ordered
from sessionlog_git.logs.views import record_brief
from sessionlog_git.workspace import Workspace

KINDS = ("weekly", "blockers", "time", "onboarding")
DEFAULT_DAYS = {"weekly": 7, "time": 7}  # the others default to all history

# Time estimation (stated in the report itself).
SESSION_GAP_MINUTES = 90  # a gap up to this long counts as work; longer starts a new session
FIRST_ENTRY_MINUTES = 30  # the allowance for the first entry of a session
METHOD = (
    "Effort is estimated from entry timestamps. Per contributor and local day, each entry is "
    f"credited with the time since that person's previous entry when the gap is at most "
    f"{SESSION_GAP_MINUTES} min; a longer gap, or the day's first entry, starts a new session, "
    f"and the first entry of a session is credited a fixed {FIRST_ENTRY_MINUTES} min. The time "
    "goes to the entry's project. A context switch is two consecutive entries of one person on "
    "one day in different projects."
)
RECURRING_SIMILARITY = 0.5  # Jaccard similarity of blocker words that makes two the same blocker

_REASON = re.compile(r"\b(?:because|since|so that)\b", re.IGNORECASE)
_SPAN = re.compile(r"^(\d{1,4})\s*([dwh])$")


# --- input ------------------------------------------------------------------------------------


def load(ws: Workspace) -> list[Record]:
    """Every archived entry of every project, in time order, without duplicates."""
    cfg = ws.config
    records: list[Record] = []
    for project in layout.archive_projects(cfg.logs_path):
        records += archive.read_records(
            cfg.logs_path, project, archive.months(cfg.logs_path, project), cfg.timezone
        )
    return ordered(records)


def parse_since(text: str | None, kind: str, now: datetime) -> datetime | None:
    """`--since`: a date (YYYY-MM-DD, local midnight) or a span back from now (14d, 2w, 36h)."""
    if text is None:
        days = DEFAULT_DAYS.get(kind)
        if days is None:
            return None
        start = (now - timedelta(days=days - 1)).date()
        return datetime(start.year, start.month, start.day, tzinfo=now.tzinfo)
    value = text.strip()
    span = _SPAN.match(value.lower())
    if span:
        amount, unit = int(span[1]), span[2]
        delta = {"d": timedelta(days=amount), "w": timedelta(weeks=amount), "h": timedelta(hours=amount)}
        return now - delta[unit]
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise SessionlogError(
            f"--since {text!r}: not a date or a span. Fix: write a date such as "
            f"`--since {now.date().isoformat()}` or a span back from now such as `--since 14d`, "
            "`--since 2w` or `--since 36h`."
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)


# --- small helpers ----------------------------------------------------------------------------


def duration(minutes: int) -> str:
    """45 -> '45 min', 125 -> '2 h 05 min'."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def age(delta: timedelta) -> str:
    """A coarse age: '12 min', '5 h 20 min', '3 d 4 h'."""
    return _age(max(0, int(delta.total_seconds() // 60)))


def _brief(record: Record, logs_dir: str) -> dict[str, Any]:
    # A blocker read back from a month checkpoint carries its brief (insight.blockerlog.Seen).
    if isinstance(record, Seen):
        brief = record.brief()  # a fresh dict: the link goes in as is
        brief["link"] = _link(logs_dir, record.source)
        return brief
    return {**record_brief(record), "link": _link(logs_dir, record.source)}


@cache
def _link_base(logs_dir: str) -> str:
    base = str(PurePosixPath(logs_dir))
    return "" if base == "." else base if base.endswith("/") else base + "/"


def _link(logs_dir: str, source: str) -> str:
    """`str(PurePosixPath(logs_dir, source))`, without building a path for every archive
    file's plain relative name (a report links tens of thousands)."""
    if not source or source[0] == "/" or source.endswith("/") or "." in (parts := source.split("/")) \
            or "" in parts:
        return str(PurePosixPath(logs_dir, source))
    return _link_base(logs_dir) + source


def _decision(record: Record, text: str, logs_dir: str) -> dict[str, Any]:
    match = _REASON.search(text)
    reason = one_line(text[match.end() :]).strip(" ,.;") if match else ""
    return {**_brief(record, logs_dir), "text": one_line(text), "reason": reason}


def _in(at: datetime, since: datetime | None, now: datetime) -> bool:
    return (since is None or at >= since) and at <= now


def _by_project(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        out[record.project].append(record)
    return dict(sorted(out.items()))


def _all_blockers(records: Sequence[Record]) -> list[Blocker]:
    """Blockers per project (an unblock closes a blocker of its own project only)."""
    found: list[Blocker] = []
    for recs in _by_project(records).values():
        found += blockers(recs)
    found.sort(key=lambda b: (b.record.sort_key(), b.bullet.line))
    return found


def _age(minutes: int) -> str:
    """`age` of a delta of `minutes` (already at least 0)."""
    if minutes < 24 * 60:
        return duration(minutes)
    days, rest = divmod(minutes, 24 * 60)
    return f"{days} d {rest // 60} h"


def _blocker_view(b: Blocker, now: datetime, logs_dir: str) -> dict[str, Any]:
    opened = b.record.at
    minutes = max(0, int((now - opened).total_seconds() // 60))
    view: dict[str, Any] = {
        **_brief(b.record, logs_dir),
        "text": one_line(b.bullet.body),
        "status": "open" if b.closed_by is None else "closed",
        "age_minutes": minutes,
        "age": _age(minutes),
        "closed": None,
    }
    if b.closed_by is not None and b.closing is not None:
        took = max(0, int((b.closed_by.at - opened).total_seconds() // 60))
        view["closed"] = {
            **_brief(b.closed_by, logs_dir),
            "text": one_line(b.closing.text),
            "after_minutes": took,
            "after": _age(took),
        }
    return view


def _period(since: datetime | None, now: datetime) -> dict[str, Any]:
    return {
        "since": since.isoformat() if since else None,
        "until": now.isoformat(),
        "label": (f"{since:%Y-%m-%d %H:%M} – {now:%Y-%m-%d %H:%M}" if since
                  else f"all history up to {now:%Y-%m-%d %H:%M}"),
    }


# --- blockers ---------------------------------------------------------------------------------


def group_blockers(found: Sequence[Blocker], cache: Path | None = None, *, save: bool = True
                   ) -> list[list[Blocker]]:
    """Blockers grouped by similar text (single-link: each joins the first group holding a
    blocker whose words it shares at least RECURRING_SIMILARITY of, Jaccard), each group in
    order. Found through a word index (insight.similar), never by comparing every pair;
    `cache`: the groups of an earlier run over the same first blockers are reused
    (insight.recurring), `save` keeps these for the next run."""
    if cache is None:
        return similar.group(found, lambda b: b.bullet.body, RECURRING_SIMILARITY)
    homes = recurring_cache.homes([b.bullet.body for b in found], RECURRING_SIMILARITY, cache, save=save)
    return similar.collect(found, homes)


def recurring(found: Sequence[Blocker], now: datetime, logs_dir: str, cache: Path | None = None,
              *, save: bool = True, view: Callable[[Blocker], dict[str, Any]] | None = None,
              occurrences: bool = True) -> list[dict[str, Any]]:
    """Groups of similar blocker texts reported more than once. `view`: a blocker's view
    (`_blocker_view`), when the caller has made them already; `occurrences`: each group
    lists its blockers' views (the Markdown report shows only the group)."""
    if view is None:
        def view(b: Blocker) -> dict[str, Any]:
            return _blocker_view(b, now, logs_dir)
    groups = group_blockers(found, cache, save=save)
    out: list[dict[str, Any]] = []
    for group in groups:
        if len(group) < 2:
            continue
        summary = recurring_cache.Summary()
        for b in group:
            summary.add(b)
        line = summary.line()
        if occurrences:
            line["occurrences"] = [view(b) for b in group]
        out.append(line)
    out.sort(key=recurring_cache.order)
    return out


def blocker_report(
    records: Sequence[Record], now: datetime, since: datetime | None, logs_dir: str,
    *, found: Sequence[Blocker] | None = None, cache: Path | None = None,
    closings: Sequence[Closings] | None = None, kept: Part | None = None,
) -> dict[str, Any]:
    """`found`: every blocker up to `now`, already folded (insight.blockerlog); else folded
    from `records`. `cache`: where the recurring groups of every blocker are kept between
    runs (insight.recurring); a report of part of them reads it but keeps its own out.
    `closings`: what each month folder closed, for `found` (`blockerlog.every_blocker`): the
    closed blockers then come as the Markdown section's text (`closed_text`, kept a folder at
    a time beside `cache`: insight.blockertext) instead of a view each. `kept`: the report of
    all history up to `now` from the blockers report's memo (insight.blockermemo: its
    `found` and `closings` are those after the memo's point, `closings` is not needed)."""
    if kept is not None:
        found, closings = kept.found, kept.closings
    if found is None:
        found = _all_blockers([r for r in records if r.at <= now])
    views: dict[int, dict[str, Any]] = {}

    def view(b: Blocker) -> dict[str, Any]:  # each blocker's view made once, then shared
        made = views.get(id(b))
        if made is None:
            made = views[id(b)] = _blocker_view(b, now, logs_dir)
        return made

    still_open = [b for b in found if b.closed_by is None]
    still_open.sort(key=lambda b: (b.record.at, b.record.user))
    closed = [b for b in found if b.closed_by is not None and _in(b.closed_by.at, since, now)]
    shown: dict[str, Any]
    if closings is not None:
        from sessionlog_git.insight import blockertext

        shown = {"closed_text": blockertext.closed_text(
            closed, closings, view, cache.parent if cache is not None else None,
            kept.runs if kept is not None else ())}
    else:
        closed.sort(key=lambda b: b.closed_by.sort_key() if b.closed_by else (), reverse=True)
        shown = {"closed": [view(b) for b in closed]}
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in still_open:
        waiting[b.record.user].append(view(b))
    if kept is not None:
        lines = kept.recurring
    else:
        in_scope = [b for b in found if b.closed_by is None or _in(b.record.at, since, now)
                    or (b.closed_by is not None and _in(b.closed_by.at, since, now))]
        lines = recurring(in_scope, now, logs_dir, cache, save=len(in_scope) == len(found), view=view,
                          occurrences=closings is None)
    return {
        "open": [view(b) for b in still_open],
        **shown,
        "waiting": [{"user": u, "blockers": waiting[u]} for u in sorted(waiting)],
        "recurring": lines,
        "totals": {"open": len(still_open), "closed": len(closed) + (kept.closed if kept is not None else 0)},
    }


# --- time -------------------------------------------------------------------------------------


def time_report(
    records: Sequence[Record], now: datetime, since: datetime | None, logs_dir: str
) -> dict[str, Any]:
    period = [r for r in records if _in(r.at, since, now)]
    effort: dict[tuple[str, str, str], int] = defaultdict(int)  # (user, project, day) -> minutes
    sessions = 0
    switches: list[dict[str, Any]] = []
    for user in sorted({r.user for r in period}):
        previous: Record | None = None
        for record in (r for r in period if r.user == user):
            same_day = previous is not None and previous.at.date() == record.at.date()
            gap = int((record.at - previous.at).total_seconds() // 60) if previous and same_day else None
            if gap is None or gap > SESSION_GAP_MINUTES:
                credit = FIRST_ENTRY_MINUTES
                sessions += 1
            else:
                credit = max(0, gap)
            effort[(user, record.project, record.at.date().isoformat())] += credit
            if previous is not None and same_day and previous.project != record.project:
                switches.append({
                    "user": user,
                    "date": record.at.date().isoformat(),
                    "time": record.at.strftime("%H:%M"),
                    "from": previous.project,
                    "to": record.project,
                    "title": one_line(record.entry.title),
                    "link": str(PurePosixPath(logs_dir, record.source)),
                })
            previous = record

    def totals(index: int) -> list[dict[str, Any]]:
        sums: dict[str, int] = defaultdict(int)
        for key, minutes in effort.items():
            sums[key[index]] += minutes
        total = sum(sums.values()) or 1
        return [
            {"name": name, "minutes": m, "text": duration(m), "share": round(100 * m / total)}
            for name, m in sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]) if index != 2 else (kv[0],))
        ]

    by_day = totals(2)
    for day in by_day:
        day["weekday"] = date.fromisoformat(day["name"]).strftime("%a")
    users = sorted({k[0] for k in effort})
    projects = sorted({k[1] for k in effort})
    matrix = [
        {
            "user": u,
            "cells": [
                {"project": p, "minutes": m, "text": duration(m) if m else "–"}
                for p in projects
                for m in [sum(v for (uu, pp, _), v in effort.items() if uu == u and pp == p)]
            ],
        }
        for u in users
    ]
    per_user_switches = [
        {"user": u, "count": sum(1 for s in switches if s["user"] == u)}
        for u in sorted({s["user"] for s in switches})
    ]
    total = sum(effort.values())
    return {
        "method": METHOD,
        "session_gap_minutes": SESSION_GAP_MINUTES,
        "first_entry_minutes": FIRST_ENTRY_MINUTES,
        "entries": len(period),
        "sessions": sessions,
        "total_minutes": total,
        "total": duration(total),
        "by_project": totals(1),
        "by_contributor": totals(0),
        "by_day": by_day,
        "projects": projects,
        "matrix": matrix,
        "context_switches": switches,
        "switches_by_contributor": per_user_switches,
    }


# --- onboarding -------------------------------------------------------------------------------


def onboarding(
    records: Sequence[Record], now: datetime, since: datetime | None, logs_dir: str
) -> dict[str, Any]:
    upto = [r for r in records if r.at <= now]
    out: list[dict[str, Any]] = []
    for project, recs in _by_project(upto).items():
        in_period = [r for r in recs if _in(r.at, since, now)]
        decisions = [
            _decision(r, b.text, logs_dir) for r in in_period for b in r.entry.bullets if b.kind == "decision"
        ]
        months: list[dict[str, Any]] = []
        for d in decisions:
            month = d["date"][:7]
            if not months or months[-1]["month"] != month:
                months.append({"month": month, "decisions": []})
            months[-1]["decisions"].append(d)
        people = []
        for user in sorted({r.user for r in recs}):
            theirs = [r for r in recs if r.user == user]
            people.append({
                "name": user, "entries": len(theirs),
                "first": theirs[0].at.date().isoformat(), "last": theirs[-1].at.date().isoformat(),
            })
        still_open = [b for b in blockers(recs) if b.closed_by is None]
        findings = [
            {**_brief(r, logs_dir), "text": one_line(b.text)}
            for r in in_period for b in r.entry.bullets if b.kind == "finding"
        ]
        # The logs folder this project's files are in (across repositories: `<repo>/<logs>`).
        base = str(PurePosixPath(logs_dir, recs[0].source)).rsplit("/archive/", 1)[0]
        name = project.rsplit("/", 1)[-1]
        master = sorted({layout.master_rel(base, name, layout.month_of(r.at.date())) for r in recs})
        out.append({
            "name": project,
            "first": recs[0].at.date().isoformat(),
            "last": recs[-1].at.date().isoformat(),
            "entries": len(recs),
            "people": people,
            "decisions": decisions,
            "timeline": months,
            "findings": findings,
            "open_blockers": [_blocker_view(b, now, logs_dir) for b in still_open],
            "read_first": [layout.status_rel(base, name), *reversed(master)],
        })
    total = sum(len(p["decisions"]) for p in out)
    return {"projects": out, "totals": {"projects": len(out), "decisions": total}}


# --- charts (geometry here, drawing in the template) --------------------------------------------

CHART_WIDTH = 720
LABEL_WIDTH = 210
VALUE_WIDTH = 110
ROW = 26
BAR = 18
LABEL_CHARS = 32  # a bar's label, clipped to fit LABEL_WIDTH
PALETTE = ("#3b6ea8", "#d9822b", "#3a9a5b", "#a8453b", "#7a5ea8", "#2b9ad9", "#a89a3b", "#5e7a8a")


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 decision', '2 decisions', '1 entry', '3 entries'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def bar_chart(title: str, items: Sequence[tuple[str, int, str]], series: int = 0) -> dict[str, Any]:
    """Horizontal bars: (label, value, value text) -> an SVG layout the template draws.

    One colour per series (a chart is one series): bars of one chart never differ in colour."""
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max((v for _, v, _ in items), default=0) or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        bars.append({
            "label": clip(label, LABEL_CHARS), "full_label": label, "value": value, "text": text,
            "x": LABEL_WIDTH, "y": 8 + i * ROW, "w": max(2, round(span * value / top)) if value else 0,
            "h": BAR, "ty": 8 + i * ROW + BAR - 5, "color": PALETTE[series % len(PALETTE)],
        })
    return {"title": title, "width": CHART_WIDTH, "height": 16 + ROW * max(1, len(items)), "bars": bars,
            "label_x": LABEL_WIDTH - 8}


def charts(model: dict[str, Any]) -> list[dict[str, Any]]:
    kind = model["kind"]
    if kind == "time":
        return [
            bar_chart("Effort by contributor",
                      [(r["name"], r["minutes"], r["text"]) for r in model["by_contributor"]]),
            bar_chart("Effort by project",
                      [(r["name"], r["minutes"], r["text"]) for r in model["by_project"]], 1),
            bar_chart("Effort by day", [(f'{r["name"]} {r["weekday"]}', r["minutes"], r["text"])
                                        for r in model["by_day"]], 2),
        ]
    if kind == "blockers":
        return [bar_chart("Open blockers by age", [
            (f'{b["text"]} ({b["user"]})', b["age_minutes"], b["age"]) for b in model["open"]
        ])] if model["open"] else []
    if kind == "weekly":
        per_person: dict[str, int] = defaultdict(int)
        for project in model["projects"]:
            for person in project["people"]:
                per_person[person["name"]] += person["entries"]
        people = [(name, n, plural(n, "entry", "entries")) for name, n in sorted(per_person.items())]
        projects = [(p["name"], len(p["decided"]), plural(len(p["decided"]), "decision"))
                    for p in model["projects"]]
        return [c for c in (bar_chart("Entries this period by person", people) if people else None,
                            bar_chart("Decisions by project", projects, 1) if projects else None) if c]
    per_month: dict[str, int] = defaultdict(int)
    for project in model["projects"]:
        for month in project["timeline"]:
            per_month[f'{month["month"]} {project["name"]}'] += len(month["decisions"])
    items = [(k, v, plural(v, "decision")) for k, v in sorted(per_month.items())]
    return [bar_chart("Decisions per month and project", items)] if items else []
