"""Archive content that is there twice: the same entry in two archive files.

The views show such an entry once (they de-duplicate by entry identity), so a view check
alone cannot see it; `sessionlog check` asks this module.
"""
from __future__ import annotations

from sessionlog_git.workspace import Workspace


def archived_twice(ws: Workspace) -> list[str]:
    """One finding per extra copy of an entry, naming both files and lines, oldest first."""
    from sessionlog_git.base import safeio
    from sessionlog_git.logs import archive
    from sessionlog_git.pipeline import consolidate

    cfg = ws.config
    try:
        safeio.check_tree(ws.top, cfg.logs_dir, depth=4)
    except safeio.NotRegular:
        return []  # a linked logs/ or archive: never read through; the view check reports it
    findings: list[str] = []
    for project in consolidate.archived_projects(ws):
        records = archive.read_records(
            cfg.logs_path, project, archive.months(cfg.logs_path, project), cfg.timezone
        )
        first: dict[tuple[object, ...], tuple[str, int]] = {}
        for record in sorted(records, key=lambda r: (r.source, r.entry.line)):
            key = (record.user, *record.entry.key())
            where = (f"{cfg.logs_dir}/{record.source}", record.entry.line)
            if key not in first:
                first[key] = where
                continue
            title = " ".join(record.entry.title.split()) or "(untitled)"
            findings.append(
                f"{where[0]}:{where[1]}: entry {title!r} ({record.at:%Y-%m-%d %H:%M}) is archived "
                f"twice: also at {first[key][0]}:{first[key][1]}"
            )
    return findings
