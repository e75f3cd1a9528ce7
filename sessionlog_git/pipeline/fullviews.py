"""Every view rendered fresh from the archive, one month folder at a time.

`consolidate.rebuild` (what the committed views must equal: `sessionlog check`, the merge
driver, hand-edit detection) reads through here. A project's month folders are read in order:
each folder's records give that month's master log, and the status is folded on as the
status checkpoints fold it (records before the folder's cutoff, the rest carried into the
next), so one month of records is held at a time. Beside it the status fold keeps every live
decision (a later `Supersedes:` is matched against all of them), each moved after its month
to a temporary file with only its ids in word and author posting arrays left in memory
(logs.decisionspool): a history's length adds a few dozen bytes per live decision. Each
rendered view goes to a spool file as soon as its month is done and is read back one at a
time (`views_of` yields; `consolidate.rebuild` collects).

That equals rendering from the whole history at once when every record sits in the folder of
its own month (as consolidation files them: by the temp log's day). A project with a record
anywhere else (a hand-made file, an entry whose time names another month) is rendered from
its whole history at once instead, as before: the same result, without the flat memory.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import IO, Any

from sessionlog_git.base.gcpause import give_back, paused_gc
from sessionlog_git.logs import archive, layout, views
from sessionlog_git.logs.decisionspool import SpooledBlockerBook, SpooledDecisionBook
from sessionlog_git.logs.model import Record, StatusState, ordered
from sessionlog_git.workspace import Workspace


class _Misfiled(Exception):
    """A record outside its own month's folder: the project is rendered all at once."""


def _hint(ws: Workspace) -> str:
    return layout.archive_prefix(ws.config.logs_dir)


def _master(ws: Workspace, project: str, month: str, records: list[Record], *,
            in_order: bool = False) -> tuple[str, str]:
    from sessionlog_git.pipeline.render import render

    cfg = ws.config
    view = views.master_log(project, month, records,
                            archive.physical_links(cfg.logs_path),  # packed: the pack's name
                            in_order=in_order)
    return layout.master_rel(cfg.logs_dir, project, month), render(
        "master_log.md.j2", archive_hint=_hint(ws), **view)


def _master_by_contributor(ws: Workspace, project: str, month: str, records: list[Record],
                           out: _Spool) -> None:
    """The month's master log into `out` as its header and one section per contributor, each
    rendered from that contributor's records alone (monthview's sections, which splice into
    the same bytes as rendering the month at once), so a render holds one contributor's views,
    not the month's. `records`: the month's, ordered, without duplicates. Should a section not
    come out as exactly that contributor's, the month is rendered at once instead."""
    from sessionlog_git.pipeline import monthview

    link = archive.physical_links(ws.config.logs_path)
    hint = _hint(ws)
    by_user: dict[str, list[Record]] = {}
    for record in records:
        by_user.setdefault(record.user, []).append(record)
    users = sorted(by_user)
    counts = {user: len(by_user[user]) for user in users}
    rel = layout.master_rel(ws.config.logs_dir, project, month)
    out.begin(rel)
    out.add(monthview._header(project, month, counts, users, hint))
    for i, user in enumerate(users):
        text, got = monthview._render(project, month, by_user.pop(user), hint, link)
        _, sections = monthview._split(text)
        if list(sections) != [user] or got != {user: counts[user]}:
            out.undo()
            out.write(*_master(ws, project, month, records, in_order=True))
            return
        out.add(sections[user] if i == 0 else "\n" + sections[user])
    out.end()


def _status(ws: Workspace, project: str, records: list[Record], state: StatusState | None
            ) -> tuple[str, str]:
    from sessionlog_git.pipeline.render import render

    view = views.status(project, records, state=state,
                        link=archive.physical_links(ws.config.logs_path))
    return layout.status_rel(ws.config.logs_dir, project), render(
        "status.md.j2", archive_hint=_hint(ws), **view)


# A record with its sort key and its duplicate key (model.ordered's), each computed once.
_Keyed = tuple[tuple[Any, ...], tuple[Any, ...], Record]


def _keyed(records: Iterable[Record]) -> list[_Keyed]:
    return [(r.sort_key(), (r.project, r.user, *r.entry.key()), r)
            for r in records if r.entry.at is not None]


def _in_order(keyed: list[_Keyed]) -> list[_Keyed]:
    """model.ordered over keyed records: by time (sort keys are unique), the first of any
    duplicates kept. Carried records are merged in without computing their keys again."""
    seen: set[tuple[Any, ...]] = set()
    out: list[_Keyed] = []
    for item in sorted(keyed, key=itemgetter(0)):
        if item[1] not in seen:
            seen.add(item[1])
            out.append(item)
    return out


class _Spool:
    """Rendered views in a temporary file, in the order written, read back one at a time."""

    def __init__(self) -> None:
        # Closed by drain() or close(): it outlives this call, so no `with` here.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="sessionlog-views-")  # noqa: SIM115
        self._sizes: list[tuple[str, int]] = []
        self._open: tuple[str, int] | None = None  # a view being written in parts: (rel, start)

    def write(self, rel: str, text: str) -> None:
        data = text.encode("utf-8")
        self._file.write(data)
        self._sizes.append((rel, len(data)))

    def begin(self, rel: str) -> None:
        """Start a view written in parts (`add`), ended by `end` or taken back by `undo`."""
        self._open = (rel, self._file.tell())

    def add(self, part: str) -> None:
        self._file.write(part.encode("utf-8"))

    def end(self) -> None:
        assert self._open is not None
        rel, start = self._open
        self._sizes.append((rel, self._file.tell() - start))
        self._open = None

    def undo(self) -> None:
        assert self._open is not None
        self._file.seek(self._open[1])
        self._file.truncate()
        self._open = None

    def __bool__(self) -> bool:
        return bool(self._sizes)

    def drain(self) -> Iterator[tuple[str, str]]:
        with self._file:
            self._file.seek(0)
            for rel, size in self._sizes:
                yield rel, self._file.read(size).decode("utf-8")

    def close(self) -> None:
        self._file.close()


def _streamed(ws: Workspace, project: str) -> _Spool:
    """The project's views month folder by month folder; _Misfiled when that would differ.

    The cyclic garbage collector's own passes are off while it runs: they would walk every
    object of the month being folded again and again. The rebuild makes few cycles, but they
    outlive their month: a decision and the one that superseded it refer to each other (a
    few hundred objects a month at 100,000 entries, 2,500 at a million, about 20 MB over 48
    months). One collection after each month frees them, and the allocator's free pages are
    handed back (`gcpause.give_back`), so the rebuild's peak is its largest month's plus the
    posting arrays, not a heap grown with the history's length."""
    with paused_gc():
        spool = _streamed_months(ws, project)
    give_back()  # the books' posting arrays are gone: their pages too, before the views are read
    return spool


def _streamed_months(ws: Workspace, project: str) -> _Spool:
    cfg = ws.config
    out = _Spool()
    book, blockers = SpooledDecisionBook(), SpooledBlockerBook()
    try:
        state = StatusState(book=blockers, lifecycle=book)
        carry: list[_Keyed] = []
        for folder in archive.months(cfg.logs_path, project):
            mine = archive.read_records(cfg.logs_path, project, [folder], cfg.timezone)
            for record in mine:
                day = record.entry.day
                if layout.month_at(record.at) != folder or (
                        day is not None and layout.month_of(day) != folder):
                    raise _Misfiled(folder)
            month = _in_order(_keyed(mine))
            del mine
            if month:
                _master_by_contributor(ws, project, folder, [r for _, _, r in month], out)
            edge = archive.cutoff(folder).timestamp()
            both = _in_order([*carry, *month])
            del month
            state.feed(r for (at, *_), _, r in both if at < edge)
            carry = [item for item in both if item[0][0] >= edge]
            del both
            # The decisions this month added that are still live are held until a later
            # Supersedes:/Reverted: matches them, possibly years on, and the blockers still
            # open until an Unblocked: does: off the heap, each is a few numbers in memory
            # (logs.decisionspool).
            book.settle()
            blockers.settle()
            give_back()
        if out:
            out.write(*_status(ws, project, [r for _, _, r in carry], state))
    except BaseException:
        out.close()
        raise
    finally:
        book.release()
        blockers.release()
    return out


def _at_once(ws: Workspace, project: str) -> list[tuple[str, str]]:
    cfg = ws.config
    records = ordered(archive.read_records(cfg.logs_path, project, archive.months(cfg.logs_path, project),
                                           cfg.timezone))
    if not records:
        return []
    by_month: dict[str, list[Record]] = {}
    for record in records:
        by_month.setdefault(layout.month_at(record.at), []).append(record)
    out = [_master(ws, project, month, by_month[month]) for month in sorted(by_month)]
    out.append(_status(ws, project, records, None))
    return out


def views_of(ws: Workspace) -> Iterator[tuple[str, str]]:
    """(repository path, text) of every master log and status file, project by project."""
    for project in layout.archive_projects(ws.config.logs_path):
        try:
            spool = _streamed(ws, project)
        except _Misfiled:
            yield from _at_once(ws, project)
        else:
            yield from spool.drain()
