"""Archive content that is there twice: the same entry in two archive files.

The views show such an entry once (they de-duplicate by entry identity), so a view check
alone cannot see it; `sessionlog check` asks this module.
"""
from __future__ import annotations

from sessionlog_git.workspace import Workspace


def archived_twice(ws: Workspace) -> list[str]:
    """One finding per extra copy of an entry, naming both files and lines, oldest first."""
    from sessionlog_git.base import safeio
    from sessionlog_git.base.text import sha256_hex
    from sessionlog_git.logs import archive
    from sessionlog_git.pipeline import consolidate

    cfg = ws.config
    try:
        safeio.check_tree(ws.top, cfg.logs_dir, depth=4)
    except safeio.NotRegular:
        return []  # a linked logs/ or archive: never read through; the view check reports it
    findings: list[str] = []
    for project in consolidate.archived_projects(ws):
        # One month folder at a time (sources sort month first, so the order is the whole
        # archive's by file and line); of each entry seen only a digest of its identity and
        # where it was, not the entry: a million entries' records would not fit.
        first: dict[str, tuple[str, int]] = {}
        for month in archive.months(cfg.logs_path, project):
            records = archive.read_records(cfg.logs_path, project, [month], cfg.timezone)
            for record in sorted(records, key=lambda r: (r.source, r.entry.line)):
                day, time, heading, texts = record.entry.key()
                key = sha256_hex(repr((record.user, str(day), time, heading, texts)))[:32]
                if key not in first:
                    first[key] = (record.source, record.entry.line)
                    continue
                where = f"{cfg.logs_dir}/{record.source}"
                title = " ".join(record.entry.title.split()) or "(untitled)"
                findings.append(
                    f"{where}:{record.entry.line}: entry {title!r} ({record.at:%Y-%m-%d %H:%M}) is "
                    f"archived twice: also at {cfg.logs_dir}/{first[key][0]}:{first[key][1]}"
                )
    return findings
