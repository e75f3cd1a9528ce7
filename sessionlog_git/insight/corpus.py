"""Every entry of the session log, pending and archived, and what is still open in it.

The reports read the archive only (they describe committed history); an assistant asking
what blocks the work, or searching for a decision, also needs the entries not committed yet.
Sources are relative to the work tree's top (POSIX).
"""
from __future__ import annotations

from typing import Any

from sessionlog_git.base import clock
from sessionlog_git.insight import reports
from sessionlog_git.logs import continuity
from sessionlog_git.logs.model import Record, ordered
from sessionlog_git.workspace import Workspace


def all_records(ws: Workspace) -> list[Record]:
    """Everyone's entries: the temp logs and the whole raw archive, in time order, once each."""
    cfg = ws.config
    found = continuity.records(cfg, continuity.pending_files(cfg))
    for month in continuity.archive_months(cfg):
        found += continuity.archive_records(cfg, month)
    return ordered(found)


def open_blockers(ws: Workspace) -> list[dict[str, Any]]:
    """The blockers no later entry unblocked, oldest first, with their age now (`age`,
    `age_minutes`), who logged them, the project and the file (`link`)."""
    now = clock.now(ws.config.timezone).at
    report = reports.blocker_report(all_records(ws), now, None, "")
    found: list[dict[str, Any]] = report["open"]
    return found


def blockers_text(found: list[dict[str, Any]]) -> str:
    if not found:
        return "No open blockers."
    lines = [f"{len(found)} open blocker{'s' if len(found) != 1 else ''} (oldest first):"]
    for b in found:
        lines.append(f"- {b['text']} (open {b['age']}; logged {b['date']} {b['time']} by {b['user']}, "
                     f"project {b['project']}, in {b['link']})")
    return "\n".join(lines)
