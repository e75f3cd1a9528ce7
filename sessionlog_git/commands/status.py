"""`sessionlog status`: whether this clone is set up, what is pending, and what the next
commit will consolidate (a dry run of consolidation: nothing is written)."""
from __future__ import annotations

from sessionlog_git import gitops, workspace


def status() -> int:
    from sessionlog_git.commands import doctor
    from sessionlog_git.logs import layout
    from sessionlog_git.pipeline import consolidate

    top = gitops.toplevel()
    report = doctor.Report()
    doctor._git_hooks(top, report)
    ws = workspace.at(top)
    doctor._merge_driver(top, ws.config.logs_dir, report)
    doctor._launcher(top, report)
    print("sessionlog status:")
    if report.failed:
        print(f"  this clone is NOT set up ({report.failed} problem"
              f"{'s' if report.failed != 1 else ''}): `git commit` will not consolidate here")
        for line in report.lines:
            if line.startswith("FAIL"):
                print(f"    {line[6:].replace(chr(10) + '      ', chr(10) + '    ')}")
        print("  Fix: run `sessionlog init` in this clone (it changes no committed file)")
    else:
        print("  this clone is set up: git hooks, merge driver, assistants' launcher")
    logs, _ = layout.scan_pending(ws.config.pending_path)
    if not logs:
        print("  pending: nothing")
    else:
        print(f"  pending: {len(logs)} temp log{'s' if len(logs) != 1 else ''}")
        for log in sorted(logs, key=lambda item: str(item.path)):
            print(f"    {gitops_rel(top, str(log.path))}")
    if consolidate.nothing_to_do(ws):
        print("  next commit consolidates: nothing")
        return 0
    from sessionlog_git.errors import SessionlogError

    try:
        result = consolidate.run(ws, dry_run=True)
    except SessionlogError as exc:
        print(f"  next commit: would be refused: {exc}")
        return 0
    lines: list[str] = []
    consolidate.describe(result, dry_run=True, echo=lines.append)
    print("  next commit:")
    for line in lines:
        print(f"    {line.removeprefix('sessionlog: ').strip()}")
    return 0


def gitops_rel(top: object, path: str) -> str:
    import os

    return os.path.relpath(path, str(top))
