"""One report of any kind: the kind's own maker, under the header every report shares.

The weekly digest (`digest`) builds on the reports' helpers (`reports`), so the dispatch
between them lives here, above both, and neither imports the other back.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sessionlog_git.base.clock import format_offset
from sessionlog_git.insight import digest
from sessionlog_git.insight.reports import _period, blocker_report, onboarding, time_report
from sessionlog_git.logs import layout
from sessionlog_git.logs.model import Record


def build(kind: str, records: Sequence[Record], now: datetime, since: datetime | None, logs_dir: str
          ) -> dict[str, Any]:
    makers = {"weekly": digest.weekly, "blockers": blocker_report, "time": time_report,
              "onboarding": onboarding}
    body = makers[kind](records, now, since, logs_dir)
    return {
        "kind": kind,
        "generated": now.isoformat(),
        "generated_label": f"{now:%Y-%m-%d %H:%M} (UTC{format_offset(now)})",
        "period": _period(since, now),
        "source": f"{len(records)} archived entries under {layout.archive_prefix(logs_dir)}",
        **body,
    }
