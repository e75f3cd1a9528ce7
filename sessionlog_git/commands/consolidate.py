"""`sessionlog consolidate [--dry-run]`: archive pending logs, re-render views, stage."""
from __future__ import annotations

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate as consolidation


def consolidate(*, dry_run: bool = False, no_stage: bool = False, pack: bool = False) -> int:
    ws = workspace.find()
    if consolidation.nothing_to_do(ws):
        if not pack:
            print("sessionlog: nothing pending")
    else:
        result = consolidation.run(ws, dry_run=dry_run, stage=not no_stage)
        # One write: a backlog's report is hundreds of lines (one print each cost ~10 ms).
        lines: list[str] = []
        consolidation.describe(result, dry_run=dry_run, echo=lines.append)
        if lines:
            print("\n".join(lines))
    if pack:
        _pack(ws, dry_run=dry_run, stage=not no_stage)
    return 0


def _pack(ws: workspace.Workspace, *, dry_run: bool, stage: bool) -> None:
    """`--pack`: every closed month (older than the previous calendar month) into packs."""
    from sessionlog_git.base.lock import locked
    from sessionlog_git.pipeline import packing

    with locked(ws.config.state_path):
        if dry_run:
            months = packing.months_to_pack(ws)
            print(f"sessionlog: would pack {len(months)} closed month{'s' if len(months) != 1 else ''}"
                  + (": " + ", ".join(months) if months else ""))
            return
        done = packing.pack_all(ws, stage=stage)
    for packed in done:
        print(packed.describe())
    if not done:
        print("sessionlog: every closed month is packed already")
    elif stage:
        print(f"  staged: commit them (`git commit -m \"Pack closed months of the session archive\" -- "
              f"{ws.config.logs_dir}`)")
