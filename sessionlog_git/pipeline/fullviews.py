"""Every view rendered fresh from the archive, one month folder at a time.

`consolidate.rebuild` (what the committed views must equal: `sessionlog check`, the merge
driver, hand-edit detection) reads through here. A project's month folders are read in order:
each folder's records give that month's master log, and the status is folded on as the
status checkpoints fold it (records before the folder's cutoff, the rest carried into the
next), so one month of records is held at a time, beside what the status fold keeps (the
entries of every live decision, to match a later `Supersedes:`) and the rendered views.

That equals rendering from the whole history at once when every record sits in the folder of
its own month (as consolidation files them: by the temp log's day). A project with a record
anywhere else (a hand-made file, an entry whose time names another month) is rendered from
its whole history at once instead, as before: the same result, without the flat memory.
"""
from __future__ import annotations

from collections.abc import Iterator

from sessionlog_git.logs import archive, layout, views
from sessionlog_git.logs.model import Record, StatusState, ordered
from sessionlog_git.workspace import Workspace


class _Misfiled(Exception):
    """A record outside its own month's folder: the project is rendered all at once."""


def _hint(ws: Workspace) -> str:
    return layout.archive_prefix(ws.config.logs_dir)


def _master(ws: Workspace, project: str, month: str, records: list[Record]) -> tuple[str, str]:
    from sessionlog_git.pipeline.render import render

    cfg = ws.config
    view = views.master_log(project, month, records,
                            archive.physical_links(cfg.logs_path))  # packed: the pack's name
    return layout.master_rel(cfg.logs_dir, project, month), render(
        "master_log.md.j2", archive_hint=_hint(ws), **view)


def _status(ws: Workspace, project: str, records: list[Record], state: StatusState | None
            ) -> tuple[str, str]:
    from sessionlog_git.pipeline.render import render

    view = views.status(project, records, state=state,
                        link=archive.physical_links(ws.config.logs_path))
    return layout.status_rel(ws.config.logs_dir, project), render(
        "status.md.j2", archive_hint=_hint(ws), **view)


def _streamed(ws: Workspace, project: str) -> list[tuple[str, str]]:
    """The project's views month folder by month folder; _Misfiled when that would differ."""
    cfg = ws.config
    out: list[tuple[str, str]] = []
    state = StatusState()
    carry: list[Record] = []
    seen = False
    for folder in archive.months(cfg.logs_path, project):
        mine = archive.read_records(cfg.logs_path, project, [folder], cfg.timezone)
        for record in mine:
            day = record.entry.day
            if layout.month_of(record.at.date()) != folder or (day is not None
                                                               and layout.month_of(day) != folder):
                raise _Misfiled(folder)
        records = ordered(mine)
        if records:
            seen = True
            out.append(_master(ws, project, folder, records))
        edge = archive.cutoff(folder).timestamp()
        both = ordered([*carry, *records])
        state.feed(r for r in both if r.at.timestamp() < edge)
        carry = [r for r in both if r.at.timestamp() >= edge]
    if seen:
        out.append(_status(ws, project, carry, state))
    return out


def _at_once(ws: Workspace, project: str) -> list[tuple[str, str]]:
    cfg = ws.config
    records = ordered(archive.read_records(cfg.logs_path, project, archive.months(cfg.logs_path, project),
                                           cfg.timezone))
    if not records:
        return []
    by_month: dict[str, list[Record]] = {}
    for record in records:
        by_month.setdefault(layout.month_of(record.at.date()), []).append(record)
    out = [_master(ws, project, month, by_month[month]) for month in sorted(by_month)]
    out.append(_status(ws, project, records, None))
    return out


def views_of(ws: Workspace) -> Iterator[tuple[str, str]]:
    """(repository path, text) of every master log and status file, project by project."""
    for project in layout.archive_projects(ws.config.logs_path):
        try:
            yield from _streamed(ws, project)
        except _Misfiled:
            yield from _at_once(ws, project)
