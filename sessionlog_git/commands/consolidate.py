"""`sessionlog consolidate [--dry-run]`: archive pending logs, re-render views, stage."""
from __future__ import annotations

import argparse

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    if consolidate.nothing_to_do(ws):
        print("sessionlog: nothing pending")
        return 0
    result = consolidate.run(ws, dry_run=args.dry_run, stage=not args.no_stage)
    consolidate.describe(result, dry_run=args.dry_run, echo=print)
    return 0
