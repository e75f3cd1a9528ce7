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
        _leave_to_exit()
    if pack:
        _pack(ws, dry_run=dry_run, stage=not no_stage)
    return 0


def _leave_to_exit() -> None:
    """What a run left in memory (a backlog's records, entries and caches: hundreds of
    thousands of objects) moved out of the cyclic collector's reach (`gc.freeze`): the
    interpreter's last collections at exit went through all of them, ~45 ms of a backlog's
    run (finalization measured 69 -> 25 ms, medians of 12 runs). The memory goes back to the
    system at exit as ever. A caller in the same process (tests) keeps a collector that
    works as before; only cycles among these objects are never collected."""
    import gc

    gc.freeze()


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
