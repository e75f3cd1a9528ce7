"""`sessionlog consolidate [--dry-run]`: archive pending logs, re-render views, stage."""
from __future__ import annotations

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate as consolidation


def consolidate(*, dry_run: bool = False, no_stage: bool = False) -> int:
    ws = workspace.find()
    if consolidation.nothing_to_do(ws):
        print("sessionlog: nothing pending")
        return 0
    result = consolidation.run(ws, dry_run=dry_run, stage=not no_stage)
    consolidation.describe(result, dry_run=dry_run, echo=print)
    return 0
