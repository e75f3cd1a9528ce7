"""One report of any kind: the kind's own maker, under the header every report shares.

The weekly digest (`digest`) builds on the reports' helpers (`reports`), so the dispatch
between them lives here, above both, and neither imports the other back.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sessionlog_git.base.clock import format_offset
from sessionlog_git.insight import digest
from sessionlog_git.insight.blockerlog import Closings
from sessionlog_git.insight.blockermemo import Part
from sessionlog_git.insight.reports import _period, blocker_report, onboarding, time_report
from sessionlog_git.logs import layout
from sessionlog_git.logs.model import Blocker, Record


def build(kind: str, records: Sequence[Record], now: datetime, since: datetime | None, logs_dir: str,
          *, found: Sequence[Blocker] | None = None, entries: int | None = None,
          cache: Path | None = None, closings: Sequence[Closings] | None = None,
          kept: Part | None = None) -> dict[str, Any]:
    """`found`: the blockers, already folded (insight.blockerlog), when `records` are not the
    whole history; `entries`: how many archived entries there are, then; `cache`: where the
    blockers report keeps its recurring groups between runs (insight.recurring); `closings`:
    what each month folder closed, when the closed blockers are wanted as Markdown text
    (`reports.blocker_report`); `kept`: the blockers report from its memo (insight.blockermemo)."""
    if kind == "weekly":
        body = digest.weekly(records, now, since, logs_dir, found=found)
    elif kind == "blockers":
        body = blocker_report(records, now, since, logs_dir, found=found, cache=cache, closings=closings,
                              kept=kept)
    else:
        body = {"time": time_report, "onboarding": onboarding}[kind](records, now, since, logs_dir)
    return {
        "kind": kind,
        "generated": now.isoformat(),
        "generated_label": f"{now:%Y-%m-%d %H:%M} (UTC{format_offset(now)})",
        "period": _period(since, now),
        "source": f"{len(records) if entries is None else entries} archived entries under "
                  f"{layout.archive_prefix(logs_dir)}",
        **body,
    }
