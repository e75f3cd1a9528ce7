"""Consolidation: pending temp logs -> raw archive -> re-rendered views -> staged.

Order matters for "nothing lost": every file is computed in memory and checked first;
then archive files are written (named by content, so a rerun after a crash rewrites the
same file), then views, then everything is staged, and only then are the archived bytes
removed from the pending logs. A kill at any point leaves each entry either still pending
or archived, and a rerun finishes the job. The render cache's entry of a day appended to a
master log (`monthview.append_days`) is written once the views' `git add` has started (kill
point `views-staging` just before): it serves the next commit only, and lost it is a miss.

Where a run archives PACK_FROM files or more into one contributor's month folder, they are
written as one pack there (`logs.packs`, named by its content as archive files are), not one
file each: creating hundreds of files is a backlog's slowest step on some file systems, and git
then hashes ten files, not hundreds. Every file keeps its logical name (records, ids, caches and
the journal name it; readers find it in the pack); only the views' `[raw]` links name the pack.

Archive first (a backlog: TRIM_ASIDE_FROM temp logs or more, whose views hold no hand edit):
the archive files are written before the views are rendered, so git stages them and the
context index and the session-start summary fold them in a forked child (`base.forked.beside`)
while this process renders, journals and writes the views, then adds them and trims. It
waits for the child before it leaves the lock, and folds them itself when the child failed in
any way (`_start_index`). The child first hashes the status identities of a large backlog's
records and sends them ahead, for this process's status fold (`_hashed`). The steps, and why
each kill point stays safe:

* the records are made and every view the render may rewrite is asked about first
  (`handedits.none_possible`, with the framework's stashed paths): one with a hand edit
  takes the ordinary order (render, refuse, then write), so a refusal still writes nothing,
  archives nothing and leaves the temp logs as they were;
* the originals of redacted logs are kept (`keep_all`) before any redacted copy is written;
* the journal is saved with every temp log's intent, the archive files' digests and the
  months to render (`_affected`: exactly the ones `_render` renders), but no view yet
  (kill point `archive-journaled`): a rerun finds the archive files incomplete and takes
  the temp logs again, or complete and trims them, and renders those months again;
* the archive files are written (`archive-partial`, `archived`): as above, and a file the
  journal names with its digest on disk is ours, never a hand edit;
* the child is forked (no thread runs yet: a fork copies none), `git add` of the archive
  files starts (`_start_adding`, once the ledger's `git status` is done: one process writes
  the index at a time) and a thread syncs them (`fsutil.start_sync_all`: the kernel's
  write-back overlaps the render); the views are rendered from the records in memory (the
  new files on disk are left out where the folders are read);
* the journal is saved again with the views' digests (`journaled`), then the views are
  written (`render-partial`); then the archive files' add is waited for (a failure stops the
  run with git's error before anything is trimmed, the journal kept: the next run trims and
  stages), and what is left to add is the views. A kill while the archive files are staged
  and the views are not aborts the commit, and the next run renders and stages them (the
  journal names their months);
* the trim's thread waits for the archive files' sync, syncs the views, saves the ledger
  (`rendered`, `ledger-saved`) and trims the temp logs, and only then waits for the views'
  add (`trimmed-views-unstaged`, then `staged`): the entries the temp logs lose are in
  archive files that are durable and staged, and a kill (or git's error) before the views
  are staged leaves them as a kill at `ledger-saved` does, the journal kept. From here on
  the order is the ordinary one.

A run that stops with an error kills the child (its writes stop where they are: the index
and the summary are caches built to recover from a half-written state, logs.context_store);
a run killed from outside leaves the child to finish alone, and the child still holds the
run's lock (a flock belongs to the open file, which the fork shares), so the next run waits
for it.
The serial path (`SESSIONLOG_SERIAL=1`, a busy machine) does the same steps in the same
order, the fold where the run waits for the child.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionlog_git.base import statedir
from sessionlog_git.base.fsutil import atomic_write_bytes, start_sync_all, sync_all
from sessionlog_git.errors import SessionlogError
from sessionlog_git.logs import layout
from sessionlog_git.logs.layout import LogFile
from sessionlog_git.pipeline import framework, journal, ledger
from sessionlog_git.workspace import Workspace

if TYPE_CHECKING:
    from sessionlog_git import gitops
    from sessionlog_git.base import forked
    from sessionlog_git.logs import lifecycle, model, status_tail
    from sessionlog_git.logs.entries import TempLog
    from sessionlog_git.pipeline.handedits import Early

# archive, views and entries are imported where they are used: a commit with nothing
# pending (`nothing_to_do`) needs none of them.

# A test hook: SESSIONLOG_FAULT=<step> makes the run die right after that step.
STEPS = (
    "read", "journaled", "archive-partial", "archived", "render-partial", "views-staging",
    "rendered", "ledger-saved", "staged", "trim-partial", "pending-trimmed",
)
# Steps only a backlog's run passes (archive first: the journal saved before the archive
# writes, without the views; the temp logs trimmed before the views' add is waited for),
# and the points where the index's child dies (its parent
# folds instead: the run goes on).
BACKLOG_STEPS = ("archive-journaled", "trimmed-views-unstaged")
CHILD_STEPS = ("index-aside-hashing", "index-aside-start", "index-aside-end")


class Taken:
    """A pending log read for archiving: exactly these bytes leave the pending file.

    Plain classes here (mutable, compared by their fields): a dataclass costs its generated
    methods' compile at every commit's start."""

    __slots__ = ("archive_rel", "content", "data", "header", "log", "parsed", "trim")

    def __init__(self, log: LogFile, data: bytes, content: bytes, header: list[str],
                 archive_rel: str | None, trim: bool = True, parsed: TempLog | None = None) -> None:
        self.log = log
        self.data = data  # as read from the pending file
        self.content = content  # what is archived: the same, with secrets redacted
        self.header = header
        self.archive_rel = archive_rel  # None: nothing worth archiving (an empty log)
        self.trim = trim  # False: another part of the same temp log (logs.handroute) trims it
        self.parsed = parsed  # `content` parsed, when it was (each log is parsed once)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Taken):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in Taken.__slots__)

    __hash__ = None  # type: ignore[assignment]


class Result:
    """What a consolidation did: entries taken, files archived, views rendered and staged."""

    __slots__ = (
        "archived",
        "entries",
        "kept",
        "notes",
        "problems",
        "redacted",
        "staged",
        "taken",
        "views",
    )

    def __init__(self, entries: int = 0, redacted: int = 0, taken: list[Taken] | None = None,
                 archived: list[str] | None = None, views: list[str] | None = None,
                 staged: list[str] | None = None, problems: list[str] | None = None,
                 notes: list[str] | None = None,
                 kept: list[tuple[Path, bytes, list[Any]]] | None = None) -> None:
        self.entries = entries
        self.redacted = redacted
        self.taken: list[Taken] = [] if taken is None else taken
        self.archived: list[str] = [] if archived is None else archived
        self.views: list[str] = [] if views is None else views
        self.staged: list[str] = [] if staged is None else staged
        self.problems: list[str] = [] if problems is None else problems
        self.notes: list[str] = [] if notes is None else notes
        # Originals to keep.
        self.kept: list[tuple[Path, bytes, list[Any]]] = [] if kept is None else kept

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in Result.__slots__)

    __hash__ = None  # type: ignore[assignment]

    @property
    def idle(self) -> bool:
        return not (self.taken or self.staged or self.problems or self.notes)


# The paths the commit being made changes, or what gives them (None: not known).
Staged = list[str] | Callable[[], list[str] | None] | None


class UnstagedEdits(SessionlogError):
    pass


def _fault(step: str) -> None:
    import os

    if os.environ.get("SESSIONLOG_FAULT") == step:
        os._exit(97)


def nothing_to_do(ws: Workspace) -> bool:
    """The idle check: no pending temp log and no unfinished earlier run. Cheap."""
    from sessionlog_git.pipeline.idle import has_temp_log

    state = ws.config.state_path
    return (not has_temp_log(ws.config.pending_path) and not ledger.exists(state)
            and not journal.exists(state))


def run(ws: Workspace, *, dry_run: bool = False, stage: bool = True,
        staged: Staged = None) -> Result:
    """`staged`: the paths the commit being made changes, as the hook read them before this
    run, or what gives them when called (None: asked here when needed)."""
    import gc

    from sessionlog_git.base.lock import locked

    # The cyclic collector paused for the run: its passes over a backlog's tens of thousands
    # of new objects (records, entries, views) free next to nothing (a run's whole backlog
    # leaves a few hundred objects in cycles), yet cost ~20 ms of CPU. Objects without a
    # cycle are freed as ever; the collector runs again once the run is over, where it ran
    # before (a program's `sessionlog consolidate` pauses it for good: main).
    _SETTLED.clear()  # the last run's (see there)
    collecting = gc.isenabled()
    gc.disable()
    try:
        with locked(ws.config.state_path):
            try:
                return _run_locked(ws, dry_run=dry_run, stage=stage, staged=staged)
            finally:
                _settle_started()
    finally:
        if collecting:
            gc.enable()


# The git processes a run started ahead (`_start_recover`) and may not have waited for: a run
# that stops early waits for them, so none is left holding git's index lock after it.
_STARTED: list[Callable[[], object]] = []
# The waits `_settle_started` ended, kept until the next run starts: the index child's holds
# every record of a backlog, and a process that leaves when the run is done (base.leave) would
# otherwise free them one by one (~5 ms of its wall time) just before it exits.
_SETTLED: list[Callable[[], object]] = []


def _settle_started() -> None:
    import contextlib

    while _STARTED:
        done = _STARTED.pop()
        with contextlib.suppress(Exception):
            done()
        _SETTLED.append(done)


def _rel(ws: Workspace, path: str | Path) -> str:
    return statedir.display(ws.top, path)


MAX_PENDING_BYTES = 8 * 1024 * 1024  # a temp log this large is a mistake, not a session


def _read_pending(ws: Workspace, log: LogFile, result: Result) -> tuple[bytes, str] | None:
    """The bytes of a temp log and their text, or None (kept pending, reported) when it
    cannot be archived."""
    import os

    from sessionlog_git.base import safeio

    # The path as found (a str): a backlog reads hundreds, and a Path of each costs more than
    # its stat and its read.
    try:
        size = os.lstat(log.path).st_size
        if size > MAX_PENDING_BYTES:
            result.problems.append(
                f"{log.path}:1: {size // (1024 * 1024)} MiB is too large for a temp log "
                f"(at most {MAX_PENDING_BYTES // (1024 * 1024)} MiB); kept pending, not archived. "
                "Fix: move pasted output out of it, or split it by day."
            )
            return None
        data = safeio.read_regular(log.path, max_links=1)
    except safeio.NotRegular as exc:
        result.problems.append(f"{exc} It is kept pending, not archived.")
        return None
    except OSError as exc:
        result.problems.append(f"{log.path}:1: cannot be read ({exc.strerror}); kept pending. "
                               "Fix: check its permissions.")
        return None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        result.problems.append(
            f"{log.path}:{line}: binary content (a NUL byte); kept pending, not archived. "
            "Fix: remove the binary data, or move the file out of the pending folder."
        )
        return None
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.problems.append(
            f"{log.path}:{line}: not UTF-8 text; kept pending, not archived. "
            "Fix: save the file as UTF-8 (or move it out of the pending folder)."
        )
        return None


def _has_our_header(log: LogFile, result: Result, pending_dir: str) -> bool:
    """In a pending folder outside `.sessionlog/` (shared with the user's own files), only a
    file that starts with the header `sessionlog log` writes is a temp log of ours."""
    from sessionlog_git.base import safeio

    want = f"# sessionlog: {log.project} / {log.user} / {log.day.isoformat()}"
    try:
        first = safeio.read_regular(log.path, limit=4096).split(b"\n", 1)[0]
    except (OSError, SessionlogError):
        first = b""
    if first.rstrip(b"\r").decode("utf-8", "replace") == want:
        return True
    result.problems.append(
        f"{log.path}:1: does not start with sessionlog's header (`{want}`), so it is not a temp "
        f"log sessionlog wrote; left untouched ({pending_dir} is not sessionlog's own folder). "
        "Fix: nothing, if it is your file; to have it consolidated, add that line at its top."
    )
    return False


def _take(ws: Workspace, result: Result) -> list[Taken]:
    from sessionlog_git.logs import archive, batchread
    from sessionlog_git.logs.entries import META

    cfg = ws.config
    real_root = cfg.pending_path.resolve()
    inside = (ws.top.resolve(), cfg.state_path.resolve())
    if cfg.pending_path.exists() and not any(real_root.is_relative_to(r) for r in inside):
        result.problems.append(
            f"{cfg.pending_path}: leads outside the repository (to {real_root}); not read. "
            f"Fix: make {cfg.pending_dir} a real folder inside the repository."
        )
        return []
    logs, strays = layout.scan_pending(cfg.pending_path)
    for stray in strays:
        result.problems.append(f"{stray.path}: {stray.reason}; left untouched. Fix: move it out of "
                               f"{cfg.pending_dir} or rename it to <project>/<user>/YYYY-MM-DD.md")
    taken: list[Taken] = []
    blocked: list[str] = []
    shared = not statedir.in_state(cfg.pending_dir)
    texts: list[tuple[LogFile, bytes, str]] = []
    for log in logs:
        if shared and not _has_our_header(log, result, cfg.pending_dir):
            continue
        read = _read_pending(ws, log, result)
        if read is not None:
            texts.append((log, *read))
    allow = None
    if cfg.redaction != "off" and texts:
        from sessionlog_git.logs.redaction_store import allowed

        allow = allowed(ws.top)
    # Redacted and parsed at once: a backlog's redaction in a forked child (logs.batchread).
    done = batchread.redact_parse([text for _, _, text in texts],
                                  [log.day for log, _, _ in texts],
                                  cfg.timezone, allow, meanwhile=lambda: _warm_views(ws))
    for (log, data, text), (found, parsed) in zip(texts, done, strict=True):
        # The bytes as read are the text's UTF-8 (it was decoded strictly from them): what is
        # archived when nothing was redacted, not encoded again (nor decoded again: `text`).
        content = data
        if found is not None:
            if found.count and cfg.redaction == "block":
                blocked.extend(f"{log.path}:{f.line}: {f.kind}" for f in found.findings)
                continue
            if found.count:
                text = found.text
                content = text.encode("utf-8")
                result.kept.append((Path(log.path), data, found.findings))
                result.redacted += found.count
                result.notes.append(
                    f"{log.path}: redacted {found.count} secret{'s' if found.count != 1 else ''} "
                    f"({', '.join(found.kinds())}) before archiving"
                )
        for problem in parsed.problems:
            result.problems.append(f"{log.path}:{problem.line}: {problem.message}")
        # Only a file holding nothing but our own header is dropped without archiving.
        ours = all(line.startswith("# sessionlog:") or META.match(line.strip())
                   for line in parsed.header)
        worth = bool(parsed.entries or parsed.preamble or not ours)
        parts = _routed_parts(ws, log, parsed, data, text) if worth else None
        if parts:
            taken += parts
            result.entries += len(parsed.entries)
            continue
        rel = None
        if worth:
            ident = archive.content_id(content)
            rel = layout.archive_rel(cfg.logs_dir, log.project, log.user, log.day, ident)
        taken.append(Taken(log, data, content, parsed.header, rel, parsed=parsed))
        result.entries += len(parsed.entries)
    if blocked:
        raise SessionlogError(
            "secrets found in temp logs, and `redaction: block` is set, so nothing was archived "
            "or staged:\n  " + "\n  ".join(blocked) + "\nFix: remove them from those lines, "
            "or set `redaction: redact` in .sessionlog.yaml to replace them with a marker."
        )
    return taken


def _warm_views(ws: Workspace) -> None:
    """What rendering the views loads (jinja2, the two templates, the view modules) and the
    modules the rest of the run imports, loaded while a forked child redacts a backlog. Not
    the context index's (logs.context_store, logs.continuity): a backlog folds it in a forked
    child (`_start_index`), which loads them on the other core; this process only where it
    folds it itself."""
    from sessionlog_git.logs import startsummary, status_rewind, views  # noqa: F401
    from sessionlog_git.pipeline import handedits, monthview  # noqa: F401
    from sessionlog_git.pipeline.render import warm

    warm(ws.config.state_path / "cache" / "templates", monthview.TEMPLATE, "status.md.j2")


def _routed_parts(ws: Workspace, log: LogFile, parsed: TempLog, data: bytes, text: str
                  ) -> list[Taken]:
    """One Taken per project when hand-written entries name another project's files
    (`data`: the temp log as read, what its trim takes out of it; `text`: what is archived,
    decoded (with secrets redacted), as parsed)."""
    from sessionlog_git.logs import archive, handroute

    cfg = ws.config
    split = handroute.split(cfg, ws.top, log.project, parsed, text)
    if not split:
        return []
    out = []
    for i, (project, own) in enumerate(split.items()):
        part = own.encode("utf-8")
        where = log if project == log.project else layout.LogFile(
            log.path, log.month, project, log.user, log.day, log.name)
        rel = layout.archive_rel(cfg.logs_dir, project, log.user, log.day,
                                 archive.content_id(part))
        out.append(Taken(where, data, part, parsed.header, rel, trim=i == 0))
    return out


def render_project(
    ws: Workspace, project: str, records: list[model.Record] | Callable[[], list[model.Record]],
    months: set[str], state: model.StatusState | None = None, new_sources: set[str] | None = None,
    folded: model.StatusState | None = None, new: Sequence[model.Record] = (),
    listing: tuple[str, str] | None = None,
    files: tuple[Sequence[str], Sequence[str]] | None = None, carry: Sequence[model.Record] = (),
    read: Callable[[set[str]], list[model.Record]] | None = None,
    cache_writes: list[Callable[[], None]] | None = None, links: dict[str, str] | None = None,
) -> dict[str, str | bytes]:
    """The master logs of `months` and the status file of one project, from its records
    (`records`: them, or what reads them when they are needed).

    With `state` (the status folded over everything before `records`), the status is the
    same as from the whole history; with `folded` (the status folded over everything,
    `records` included: logs.status_tail), that is the status. With `new_sources` (the
    archive files a commit adds), a master log that is exactly its last render is
    re-rendered only where they change it (pipeline.monthview); the text is the same as a
    full render. With `new` (the commit's records) and `listing` (the keys of the archive's
    listing before and after them), a master log kept from exactly that archive gets the new
    days of their contributors appended, without reading the month's records (it comes as
    the bytes of the file, which it was spliced as). With `files`
    (the archive files of the month folders the records come from, listed before this
    commit, and this commit's), `carry` (the records carried into them from before) and
    `read` (what parses some of those files), a master log a pull brought keeps the sections
    this clone rendered from the same files and renders the others from their contributors'
    files alone (`monthview.splice_listed`). `cache_writes` receives what keeps an appended
    master log in the render cache, for once the file is written; without it, that is done
    at once. `links`: where this commit's packed archive files lie (`_placed`), for their
    `[raw]` links.
    """
    from functools import cache, partial

    from sessionlog_git.logs import archive, views
    from sessionlog_git.pipeline import handedits, monthview
    from sessionlog_git.pipeline.render import cache_compiled, render

    cfg = ws.config
    cache_compiled(cfg.state_path / "cache" / "templates")
    hint = f"{layout.archive_prefix(cfg.logs_dir)}"
    on_disk = archive.physical_links(cfg.logs_path)  # a packed month's [raw] links name its pack

    def link(source: str) -> str:
        # This commit's archive files may not be written yet when the views are rendered:
        # loose, or in the pack `links` names.
        if new_sources and source in new_sources:
            return links.get(source, source) if links else source
        return on_disk(source)

    out: dict[str, str | bytes] = {}
    # Each month's master log sees only that month's records (an entry archived twice has
    # one local date, so duplicates never straddle months): the cost is one pass, not one
    # pass over the whole history per month.
    grouped: dict[str, list[model.Record]] | None = None

    def by_month() -> dict[str, list[model.Record]]:
        nonlocal grouped
        if grouped is None:
            grouped = {}
            for record in records() if callable(records) else records:
                grouped.setdefault(layout.month_at(record.at), []).append(record)
        return grouped

    for month in sorted(months):
        rel = layout.master_rel(cfg.logs_dir, project, month)
        if new_sources is None:
            out[rel] = monthview.render_full(project, month, by_month().get(month, []), hint, link=link)
            continue
        current = handedits.disk_bytes(ws.top, rel)
        keys = None
        if files is not None:  # asked for once needed: an append needs them for the render
            # cache only, written while git hashes the views (`cache_writes`)
            keys = cache(partial(monthview.file_keys_around, project, month, cfg.timezone,
                                 files[0], files[1], carry, link))
        if listing is not None:
            mine = [r for r in new if layout.month_at(r.at) == month]
            appended: str | bytes | None = None
            days = monthview.append_days(
                project, month, mine, hint=hint, current=current, listing=listing,
                cache_dir=cfg.state_path / "cache", keys=keys)
            if days is not None:
                appended, keep = days
                if cache_writes is None:
                    keep()
                else:
                    cache_writes.append(keep)
            if appended is None and keys is not None and files is not None and read is not None:
                appended = monthview.splice_listed(
                    project, month, mine, hint=hint, zone=cfg.timezone, current=current, keys=keys(),
                    files=monthview.by_contributor(files[0]), read=read, carry=carry,
                    listing=listing, cache_dir=cfg.state_path / "cache", link=link)
            if appended is not None:
                out[rel] = appended
                continue
        out[rel] = monthview.render_month(
            project, month, by_month().get(month, []), hint=hint, zone=cfg.timezone,
            current=current, new_sources=new_sources, cache_dir=cfg.state_path / "cache",
            listing=listing, link=link, keys=None if keys is None else keys()[1],
        )
    if folded is None:
        every = records() if callable(records) else records
        view = views.status(project, every, state=state, link=link)
    else:
        view = views.status_view(project, folded, link)
    out[layout.status_rel(cfg.logs_dir, project)] = render("status.md.j2", archive_hint=hint, **view)
    return out


def archived_projects(ws: Workspace) -> list[str]:
    return layout.archive_projects(ws.config.logs_path)


def rebuild(ws: Workspace) -> dict[str, str]:
    """Every view, rendered fresh from the whole archive: what the committed views must equal.
    Read one month folder at a time (pipeline.fullviews); `rebuild_each` without holding them."""
    return dict(rebuild_each(ws))


def rebuild_each(ws: Workspace) -> Iterator[tuple[str, str]]:
    """(repository path, text) of every view of `rebuild`, one at a time, each path once."""
    from sessionlog_git.pipeline import fullviews

    return fullviews.views_of(ws)


def _render(
    ws: Workspace, taken: list[Taken], extra: dict[str, set[str]] | None = None,
    affected_out: dict[str, set[str]] | None = None,
    records_out: dict[str, list[model.Record]] | None = None,
    scan: layout.ArchiveScan | None = None,
    new: tuple[list[model.Record], dict[str, set[str]]] | None = None,
    cache_writes: list[Callable[[], None]] | None = None, links: dict[str, str] | None = None,
    hashed: status_tail.Hasher | None = None,
) -> dict[str, str | bytes]:
    """Every view the new archive files affect, rendered from the archive (old and new).

    `extra`: months of projects to render as well (an interrupted run's, from the journal);
    `affected_out` receives every project's months rendered; `records_out` each new archive
    file's records (by its path from the top), so the index does not parse it again;
    `scan`: the archive's folders as this run listed them (`layout.scan_archive`);
    `new`: `_new_records` of `taken` and `_affected` of them and `extra`, when the caller
    made them already; `cache_writes`, `links`: as `render_project`'s; `hashed`: the status
    fold's identities (`logs.status_tail.Hasher`), some hashed ahead. The new archive files may be
    on disk already or not (a backlog writes them first): they are rendered from `taken`,
    and left out wherever the archive's folders are read."""
    from sessionlog_git.logs import archive, model

    cfg = ws.config
    if new is None:
        new_records = _new_records(ws, taken, records_out)
        affected = _affected(new_records, extra)
    else:
        new_records, affected = new
    if affected_out is not None:
        affected_out.update(affected)
    new_sources = {r.source for r in new_records}
    new_folders: dict[str, set[str]] = {}
    new_files: dict[str, set[str]] = {}  # each project's new archive files, as sources
    for t in taken:
        if t.archive_rel is not None:
            new_folders.setdefault(t.log.project, set()).add(layout.month_of(t.log.day))
            new_files.setdefault(t.log.project, set()).add(
                layout.source_of(cfg.logs_dir, t.archive_rel))
    cache = cfg.state_path / "cache"
    out: dict[str, str | bytes] = {}
    # Cost follows the new work, not the month or the history: the status folds only this
    # commit's records onto a checkpoint of the months so far (logs.status_tail), and the
    # master log gets their days appended (monthview.append_days); the month folders from the
    # first month touched on are read (through the parse cache) only when one of those cannot
    # be done, and the months before come from the month checkpoint.
    from sessionlog_git.logs import sourceread, status_rewind, status_tail

    for project, months in sorted(affected.items()):
        every = scan.months(project) if scan is not None else archive.months(cfg.logs_path, project)
        if not months:
            continue
        first = min(months | new_folders.get(project, set()))
        earlier = [m for m in every if m < first]
        later = [folder for folder in every if folder >= first]
        read: list[list[model.Record]] = []

        def recent(later: list[str] = later, read: list[list[model.Record]] = read,
                   project: str = project) -> list[model.Record]:
            if not read:  # read once, and only when needed
                read.append([
                    r
                    for folder in later
                    for r in archive.month_records(cfg.logs_path, project, folder, cfg.timezone,
                                                   cache)
                    if r.source not in new_sources
                ])
            return read[0]

        mine = [r for r in new_records if r.project == project]
        added = new_files.get(project, set())
        old_sources = [s for folder in later
                       for s in archive.month_sources(cfg.logs_path, project, folder)
                       if s not in added and s not in new_sources]

        def checkpoint(earlier: list[str] = earlier, project: str = project
                       ) -> tuple[model.StatusState, list[model.Record]]:
            if not earlier:
                return model.StatusState(), []
            return archive.status_checkpoint(cfg.logs_path, project, earlier[-1], cfg.timezone, cache)

        def folded_before(carry: list[model.Record], recent: Callable[[], list[model.Record]] = recent
                          ) -> list[model.Record]:
            return [*carry, *recent()]

        tail = status_tail.find(cfg.logs_path, project, first, cfg.timezone, cache, old_sources,
                                folded_before, scan)
        after = status_tail.tail_key(tail.base, first, cfg.timezone, [*old_sources, *sorted(added)])
        # The few archive files read one by one (a pull: the rewind fold, the splice, then
        # the context index) are each listed and parsed once.
        parse = sourceread.SourceReader(cfg.logs_path, project, later, cfg.timezone)

        def decisions(ids: set[str], project: str = project
                      ) -> list[lifecycle.Decision[model.Record]] | None:
            return archive.decisions_by_id(cfg.logs_path, project, cfg.timezone, ids)

        # From the day before when the new records are not all newer (a pull, a late entry).
        folded, carry = status_rewind.fold(
            tail, cache, project, after, recent, mine, checkpoint, first=first,
            zone_name=cfg.timezone, sources=old_sources, read=parse, records=folded_before,
            decisions=decisions, hashed=hashed or status_tail.identity_list)

        def everything(carry: Sequence[model.Record] = carry, mine: list[model.Record] = mine,
                       recent: Callable[[], list[model.Record]] = recent) -> list[model.Record]:
            return [*carry, *recent(), *mine]

        out.update(render_project(ws, project, everything, months, new_sources=new_sources,
                                  folded=folded, new=mine, listing=(tail.key, after),
                                  files=(old_sources, sorted(added)), carry=carry, read=parse,
                                  cache_writes=cache_writes, links=links))
        if records_out is not None:
            for rel, parsed in parse.parsed(cfg.logs_dir).items():
                records_out.setdefault(rel, parsed)
    return out


def _new_records(ws: Workspace, taken: list[Taken],
                 records_out: dict[str, list[model.Record]] | None = None) -> list[model.Record]:
    """The records of the new archive files (`records_out` receives them by path)."""
    from sessionlog_git.logs import archive, model

    cfg = ws.config
    new_records: list[model.Record] = []
    for t in taken:
        if t.archive_rel is None:
            continue
        source = layout.source_of(cfg.logs_dir, t.archive_rel)
        if t.parsed is not None:  # parsed when it was taken: not again
            mine = [model.Record(e, t.log.project, t.log.user, source)
                    for e in t.parsed.entries if e.at is not None]
        else:
            mine = archive.records_from(
                t.content, project=t.log.project, user=t.log.user, day=t.log.day, source=source,
                zone_name=cfg.timezone,
            )
        new_records.extend(mine)
        if records_out is not None:
            records_out[t.archive_rel] = mine
    return new_records


def _affected(new_records: list[model.Record], extra: dict[str, set[str]] | None
              ) -> dict[str, set[str]]:
    """Each project's months whose views are rendered: the new records' and `extra`."""
    affected: dict[str, set[str]] = {p: set(m) for p, m in (extra or {}).items()}
    for project, day in {(record.project, record.at.date()) for record in new_records}:
        affected.setdefault(project, set()).add(layout.month_of(day))
    return affected


def _changed(top: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    from sessionlog_git.base import safeio

    out: dict[str, bytes] = {}
    for rel, data in files.items():
        try:
            if safeio.read_regular(top / rel) == data:
                continue
        except FileNotFoundError:
            pass
        out[rel] = data
    return out


def _refuse_unstaged(ws: Workspace, rewrite: list[str], written: dict[str, str],
                     early: Early | None = None) -> None:
    """A generated file with a hand edit (staged or not): write nothing, save a copy, say so.
    `early`: handedits.start of the views this run may rewrite, asked before rendering."""
    from sessionlog_git.pipeline import handedits

    why = handedits.find(ws, rewrite, written, rebuild, early)
    stashed = framework.stashed_paths()
    for p in rewrite:
        if p in stashed and p not in why:
            why[p] = "has changes that are not staged"
    if not why:
        return
    blocked = sorted(why)
    one = len(blocked) == 1
    copy = handedits.save_copies(ws, blocked)
    saved = f" (sessionlog saved a copy at {_rel(ws, copy)}/)" if copy else ""
    notes = f"{ws.config.logs_dir}/notes.md"
    raise UnstagedEdits(
        "".join(f"{p}: {why[p]}; " for p in blocked)
        + f"sessionlog must rewrite {'it' if one else 'them'}: "
        f"{'it is' if one else 'they are'} generated from "
        f"{layout.archive_prefix(ws.config.logs_dir)} at every commit, so an edit there cannot "
        "be kept, and staging it (`git add`) would not keep it "
        "either. Nothing was written; your edit is untouched" + saved
        + " and your entries are still pending. Fix: move your text into a file sessionlog "
        f"does not generate (for example {notes}), restore the generated "
        f"file{'' if one else 's'} (`git checkout HEAD -- {' '.join(blocked)}`), then commit "
        "again. To change what a view says, edit the pending entries before they are archived."
    )


def _recover(ws: Workspace, written: dict[str, str], result: Result,
             fresh: set[str] | None = None,
             asked: tuple[frozenset[str], Callable[[], dict[str, str]]] | None = None) -> list[str]:
    """Files an earlier run wrote that git does not have yet: stage them again (`fresh`:
    the files this run wrote, staged anyway, so not read again to tell whether they are ours).

    `asked`: the paths of the ledger as this run found it and what gives their `git status`,
    started before this run wrote anything (`_start_recover`): this run writes none of them
    but the `fresh` ones, so git answers for the others as it would now, while the views are
    rendered. A fresh file is one git sees changed in the work tree (this run just wrote it,
    and only where its bytes differ), so it is not asked about again."""
    from sessionlog_git import gitops

    if not written:
        return []
    if asked is None and fresh is not None and fresh.issuperset(written) \
            and not framework.stashed_paths():
        # The ledger held nothing before this run and every file in it now is one this run
        # wrote: all of them are staged anyway, so git need not be asked about them (for a
        # backlog, a `git status` of hundreds of paths the run would wait for).
        return []
    if asked is None or fresh is None:
        codes = gitops.status(ws.top, list(written))
    else:
        known, answer = asked
        codes = answer()
        for rel in fresh & set(written):
            codes[rel] = " M"
        unknown = [rel for rel in written if rel not in known and rel not in fresh]
        if unknown:  # written again unchanged (a file an interrupted run left): asked now
            codes.update(gitops.status(ws.top, unknown))
    stashed = framework.stashed_paths()
    again: list[str] = []
    for rel in sorted(written):
        code = codes.get(rel)
        if code is None and rel not in stashed:
            written.pop(rel)  # committed: nothing left to do for it
        elif code is None:
            continue  # set aside by the framework and not ours: keep it in mind
        elif code[1] == " ":
            continue  # staged and waiting for a commit
        elif rel in stashed:
            result.notes.append(
                f"{rel}: holds an update from an earlier sessionlog run that is not staged. "
                f"Fix: `git add {rel}`."
            )
        elif (fresh is not None and rel in fresh) or ledger.is_ours(ws.top, rel, written):
            again.append(rel)
    return again


def _start_recover(top: Path, written: dict[str, str]
                   ) -> tuple[frozenset[str], Callable[[], dict[str, str]]] | None:
    """`git status` of the ledger's files, started now for `_recover` (None: none to ask)."""
    if not written:
        return None
    from sessionlog_git import gitops

    answer = gitops.start_status(top, sorted(written))
    _STARTED.append(answer)
    return frozenset(written), answer


def _trim_pending(ws: Workspace, taken: list[Taken], result: Result) -> None:
    import os

    logs = [t for t in taken if t.trim]
    # A backlog's temp logs are moved into a folder of the state folder's `trimmed/` (one
    # rename each), which a process of its own removes after the run (`base.trash`): where
    # the file system discards freed blocks, a removal waits on the device. Each log is
    # still read, compared and moved in one go, as one at a time did; what leaves pending is
    # the same, and when it leaves. Elsewhere (a few logs, a pending folder on another file
    # system, no shell to start the removal), they are removed here, as before.
    from sessionlog_git.base import trash

    aside = (trash.folder(ws.config.state_path, ws.config.pending_path)
             if len(logs) >= TRIM_ASIDE_FROM else None)
    if aside is not None:
        outcomes = [_trim_one(t, os.path.join(aside, f"{n}.md")) for n, t in enumerate(logs)]
    elif len(logs) >= TRIM_ASIDE_FROM:
        # Removed by two threads at once (`base.fanout`): a removal can wait on a busy file
        # system's journal, and those waits overlap.
        from sessionlog_git.base.fanout import fan_out

        outcomes = fan_out(_trim_one, logs)
    else:
        outcomes = [_trim_one(t) for t in logs]
    emptied: dict[Path, None] = {}  # the folders logs left, tidied once each at the end
    for t, outcome in zip(logs, outcomes, strict=True):
        if outcome is True:
            emptied[Path(t.log.path).parent] = None
        elif isinstance(outcome, str):
            result.problems.append(outcome)
    for folder in emptied:
        for empty in (folder, folder.parent):
            try:
                empty.rmdir()  # only when empty: tidy, never destructive
            except OSError:
                break
    # This run's trimmed logs, and those of a run killed before it removed its own.
    trash.empty(ws.config.state_path)


def _trim_one(t: Taken, aside: str | None = None) -> bool | str | None:
    """Take the archived bytes out of one temp log: True when the file is gone (moved to
    `aside`, or removed), None when it keeps what was appended since (or was gone already),
    else the problem to report."""
    import os

    path = Path(t.log.path)
    try:
        now = path.read_bytes()
    except FileNotFoundError:
        return None
    if now == t.data:
        if aside is None:
            path.unlink()
        else:
            try:
                os.rename(path, aside)
            except OSError:
                path.unlink()
        _fault("trim-partial")
        return True
    if now.startswith(t.data):
        # Appended while we ran: keep exactly the new part, under the same header.
        head = ("\n".join(t.header) + "\n").encode() if t.header else b""
        atomic_write_bytes(path, head + now[len(t.data) :])
        _fault("trim-partial")
        return None
    return (f"{path}: changed while it was being consolidated; kept pending so nothing is "
            "lost (entries already archived show once). Fix: none needed.")


TRIM_ASIDE_FROM = 32  # temp logs trimmed beside the folds (a thread), from this many on
HASH_ASIDE_FROM = 1024  # a backlog's records whose identities the index's child hashes first
PACK_FROM = 8  # new archive files of one contributor folder written as one pack, from this many on


def _placed(logs_dir: str, new: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, str]]:
    """The files that hold these new archive files (repository path -> bytes): each loose,
    or, where one contributor folder gets PACK_FROM or more, those in one pack; and, for each
    packed one, the pack's path beside its own (both from the logs folder, as a `[raw]` link
    names them). The same archive files make the same pack: a rerun writes the same file."""
    from sessionlog_git.logs import packs

    folders: dict[str, list[tuple[str, bytes]]] = {}
    for rel, data in new.items():
        folder, _, name = rel.rpartition("/")
        folders.setdefault(folder, []).append((name, data))
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for folder, named in folders.items():
        if len(named) < PACK_FROM:
            files.update((f"{folder}/{name}", data) for name, data in named)
            continue
        data = packs.encode(named)
        rel = f"{folder}/{packs.pack_name(data)}"
        files[rel] = data
        where = layout.source_of(logs_dir, rel)
        base = where.rpartition("/")[0]
        for name, _ in named:
            links[f"{base}/{name}"] = where
    return files, links


def _start_trim(ws: Workspace, taken: list[Taken], result: Result,
                first: Callable[[], None] = lambda: None,
                then: Callable[[], None] = lambda: None) -> Callable[[], None]:
    """Trim the temp logs (`_trim_pending`) once `first` has returned (for a backlog: their
    files synced, the ledger saved and git's add waited for), then `then`; many of them in
    a thread of their own. What it returns waits for the trim to end, and raises what
    `first`, the trim or `then` raised (`first`'s: the logs are left as they were)."""
    if sum(t.trim for t in taken) < TRIM_ASIDE_FROM:
        first()
        _trim_pending(ws, taken, result)
        then()
        return lambda: None
    from sessionlog_git.base.fanout import start

    def trim() -> None:
        first()
        _trim_pending(ws, taken, result)
        _fault("trimmed-views-unstaged")
        then()

    # A trim stopped without an error of its own leaves the journal, and the next run ends it.
    return start(trim, "sessionlog-trim", stopped=(
        f"{_rel(ws, ws.config.pending_path)}: the temp logs' trim stopped before its end; "
        "nothing is lost: their archived entries leave them at the next run. "
        "Fix: run `sessionlog consolidate` (or commit) again."))


def _scan(ws: Workspace) -> layout.ArchiveScan:
    """The archive's folders, listed once for the whole run (`layout.scan_archive`); refused,
    as `safeio.check_tree` refuses, when the logs folder, the archive or one of its month,
    project or contributor folders is a symbolic link."""
    from sessionlog_git.base import safeio

    safeio.check_tree(ws.top, ws.config.logs_dir, depth=1)  # the folders down to archive/
    scan = layout.scan_archive(layout.archive_root(ws.config.logs_path))
    if scan.link is not None:
        raise safeio.linked_archive(scan.link)
    return scan


def _run_locked(ws: Workspace, *, dry_run: bool, stage: bool, staged: Staged = None) -> Result:
    from sessionlog_git.base import safeio

    result = Result()
    top = ws.top
    state_dir = ws.config.state_path
    written = ledger.load(state_dir)
    scan = _scan(ws)  # never through a linked logs/ or archive
    # Finish an interrupted run first (its journal says what it was doing): so the entries
    # it archived leave the temp logs before they are read again, exactly once.
    recovered = journal.recover(top, state_dir, act=not dry_run)
    if recovered.files:
        scan = _scan(ws)  # it wrote into the archive: listed as it is now
    written.update({rel: h for rel, h in recovered.files.items()
                    if ledger.is_ours(top, rel, recovered.files)})
    if stage and not dry_run and framework.active():
        from sessionlog_git.pipeline.stashed_output import take_back

        if callable(staged):
            staged = staged()  # what the commit changes, read before any of ours is staged

        result.staged += take_back(top, written)  # ours, set aside by the framework
    # The ledger's files, as git sees them before this run writes anything: asked now, the
    # answer read when they are recovered (after the views are rendered and written).
    asked = _start_recover(top, written) if stage and not dry_run else None
    taken = _take(ws, result)
    _fault("read")
    archives: dict[str, bytes] = {t.archive_rel: t.content for t in taken if t.archive_rel}
    months: dict[str, set[str]] = {}
    parsed: dict[str, list[model.Record]] = {}
    # A backlog's records are made now: they name every view its render may rewrite, which
    # must be known to be free of hand edits before its archive files are written (below).
    backlog = sum(t.trim for t in taken) >= TRIM_ASIDE_FROM
    new: tuple[list[model.Record], dict[str, set[str]]] | None = None
    if backlog and archives and not dry_run:
        new_records = _new_records(ws, taken, parsed)
        new = new_records, _affected(new_records, recovered.months)
    early = None
    if archives or recovered.months:
        from sessionlog_git.pipeline import handedits

        # Whether the user edited the views this run will likely rewrite (their months' master
        # logs, their projects' status files): git answers while they are rendered.
        logs_dir = ws.config.logs_dir
        likely = {(t.log.project, layout.month_of(t.log.day)) for t in taken if t.archive_rel}
        likely |= {(p, m) for p, ms in recovered.months.items() for m in ms}
        if new is not None:  # all of them: the months of the records too (`_render`)
            likely |= {(p, m) for p, ms in new[1].items() for m in ms}
        early = handedits.start(ws, {path for project, month in likely for path in (
            layout.master_rel(logs_dir, project, month), layout.status_rel(logs_dir, project))})
    # Archive first (a backlog whose views hold no hand edit; see the module's text): its
    # archive files are written before its views are rendered, and the context index folds
    # them in a forked child meanwhile.
    first = (new is not None and early is not None
             and not framework.stashed_paths() & early[0]
             and handedits.none_possible(ws, written, early))
    files, links = _placed(ws.config.logs_dir, archives)  # the files that hold them
    for rel in sorted(files):  # (a pack lies in its files' folder)
        safeio.check_inside(top, rel)
    new_archives = _changed(top, files)
    rendered: dict[str, bytes] = {}
    kept: list[Callable[[], None]] = []  # the render cache's writes, for once git hashes the views
    if (archives or recovered.months) and not first:
        rendered = _rendered(ws, taken, recovered.months, months, parsed, scan, new, kept, links)
    for rel in sorted(rendered):
        safeio.check_inside(top, rel)
    new_views = _changed(top, rendered)
    if not first:
        _refuse_unstaged(ws, sorted(new_views), written, early)
    result.archived = sorted(files)  # the files that hold them: loose, or packs
    result.views = sorted(new_views)
    result.taken = taken
    if dry_run:
        return result
    # The originals of redacted logs, privately, before any redacted copy is written (and the
    # ones past their retention period go).
    from sessionlog_git.logs.redaction_store import keep_all

    keep_all(ws, result.kept, result.notes)

    # Each file hashed once: a log nothing was redacted from is archived as it was read.
    shas: dict[bytes, str] = {}
    for t in taken:
        shas[t.data] = shas.get(t.data) or journal.sha(t.data)
        shas[t.content] = shas.get(t.content) or journal.sha(t.content)
    if first and new is not None:
        months.update(new[1])  # what `_render` will render
    # (an archive file's digest is its content's, hashed above: ledger.digest is the same sha256)
    digests = {**{rel: shas.get(data) or journal.sha(data) for rel, data in files.items()},
               **_digests(rendered)}
    logs = [
        journal.LogIntent(
            pending=_rel(ws, t.log.path), size=len(t.data), digest=shas[t.data],
            header=t.header, archive=t.archive_rel,
            archive_digest=shas[t.content] if t.archive_rel else None,
            project=t.log.project, month=layout.month_of(t.log.day),
        )
        for t in taken
    ]

    def intent() -> journal.Intent:
        return journal.Intent(
            logs=logs,
            files={**{rel: h for rel, h in recovered.files.items() if rel in written},
                   **digests},
            months={p: sorted(m) for p, m in months.items()},
        )

    journal.save(state_dir, intent())
    _fault("archive-journaled" if first else "journaled")
    # The session-start summary as it was before this run's archive files: fresh, it takes
    # them in by a fold; stale or missing, it is removed, and the next session start makes it
    # again from the archive's window (a commit never reads the archive's months for it).
    from sessionlog_git.logs import startsummary

    summary = (startsummary.read(state_dir, ws.config.logs_path, ws.config.timezone)
               if archives or recovered.files else None)
    # Written unsynced, then synced in one pass before anything relies on them (the ledger, and
    # above all the trim of the temp logs): one fsync per file at the end, and one per folder,
    # cost less than one per write. git stages them meanwhile: it reads what was written (its
    # own objects are no more durable for our fsync), and the trim waits for both. (Archive
    # first, that pass starts in a thread once the child is forked: `start_sync_all`.)
    for rel, data in new_archives.items():
        atomic_write_bytes(top / rel, data, sync=False)
        _fault("archive-partial")
    _fault("archived")
    changed: list[str] | None = None
    index: forked.Aside[None] | None = None
    adding_archives = None
    synced: Callable[[], None] | None = None
    if first:
        # The paths the commit changes, read before anything of ours is staged.
        changed = staged() if callable(staged) else staged
        ahead = new[0] if new is not None and len(new[0]) >= HASH_ASIDE_FROM else None
        index = _start_index(ws, archives, recovered, scan, new_archives, parsed, changed, summary,
                             ahead)
        if stage and new_archives:
            adding_archives = _start_adding(top, sorted(new_archives), asked)
        if new_archives:  # synced while the views are rendered; `durable` waits for it
            synced = start_sync_all([top / rel for rel in new_archives])
            _STARTED.append(synced)
        rendered = _rendered(ws, taken, recovered.months, months, parsed, scan, new, kept, links,
                             _hashed(index, ahead))
        for rel in sorted(rendered):
            safeio.check_inside(top, rel)
        new_views = _changed(top, rendered)
        result.views = sorted(new_views)
        digests.update(_digests(rendered))
        journal.save(state_dir, intent())  # now with the views
        _fault("journaled")
    for rel, data in new_views.items():
        atomic_write_bytes(top / rel, data, sync=False)
        _fault("render-partial")
    if adding_archives is not None:
        adding_archives.finish()  # raises what `gitops.stage` would; then nothing is trimmed
    written.update(digests)
    again = _recover(ws, written, result, {*new_archives, *new_views}, asked) if stage else []
    to_stage = sorted(set(new_archives) | set(new_views) | set(again))
    if not first:
        # The paths the commit changes, read before anything of ours is staged (a question
        # started early must not see our files in the index).
        changed = staged() if callable(staged) else staged
    # Ordinarily git hashes the files (a megabyte's master log) in its own process while they
    # are synced, the ledger is saved and the indexes in the state folder are folded, and the few
    # temp logs are trimmed once it is done (so they leave only once the files are durable and
    # staged). A backlog's add is one quick pack (gitops.PACK_FROM) but its hundreds of temp logs
    # can each wait on the file system's journal: a thread syncs the files, saves the ledger,
    # waits for git and then trims them while the folds run (which read none of them).
    staging = None
    # (archive first: the archive files are staged already, by `_start_adding`)
    to_add = [rel for rel in to_stage if adding_archives is None or rel not in new_archives]
    if stage and to_add:
        from sessionlog_git import gitops

        staging = gitops.start_stage(top, to_add)
    _fault("views-staging")
    for keep in kept:  # while git hashes the views (the render cache is for the next commit)
        keep()

    def durable() -> None:
        if synced is None:
            sync_all([top / rel for rel in (*new_archives, *new_views)])
        else:
            synced()
            sync_all([top / rel for rel in new_views])
        _fault("rendered")
        ledger.save(state_dir, written)
        _fault("ledger-saved")

    adding = staging  # `staging` itself is cleared once the trim's thread owns the wait

    def staged_done() -> None:
        if adding is not None:
            adding.finish()  # raises what `gitops.stage` would (before the trim but archive first's)
        if stage and to_stage:
            result.staged = sorted(set(result.staged) | set(to_stage))
        _fault("staged")

    def durable_or_wait() -> None:
        try:
            durable()
        except BaseException:
            if adding is not None:
                adding.wait()  # git's own outcome; this error is the one to report
            raise

    def durable_and_staged() -> None:
        durable_or_wait()
        staged_done()

    trimmer: Callable[[], None] | None = None
    if backlog and adding_archives is not None:
        # Archive first: the archive files are staged already (`adding_archives.finish`
        # above), so the temp logs leave once every file is durable and the ledger saved,
        # while git adds the views; the wait for it comes after the trim. A kill in between
        # (`trimmed-views-unstaged`) aborts the commit with the views written and not
        # staged, as a kill at `ledger-saved` does: the journal (kept until the end) names
        # their months and the ledger their bytes, so the next run renders and stages them.
        if adding is not None:
            _STARTED.append(adding.wait)  # waited for even when the trim fails
        trimmer = _start_trim(ws, taken, result, first=durable_or_wait, then=staged_done)
        staging = None
    elif backlog:
        # The sync, the ledger, the wait for git and then the trim go on beside the folds, in
        # that order, in the trim's thread (the folds read none of them).
        trimmer = _start_trim(ws, taken, result, first=durable_and_staged)
        staging = None
    else:
        durable_or_wait()
    try:
        if index is not None:
            index.result()  # the child's fold, or this process's when it has none
        else:
            _fold_index(ws, archives, recovered, scan, new_archives, parsed, changed, summary)
    except BaseException:
        if staging is not None:
            staging.wait()  # git's own outcome; this error is the one to report
        raise
    finally:
        if trimmer is not None:
            trimmer()
    if trimmer is None:
        staged_done()
        _trim_pending(ws, taken, result)
    _fault("pending-trimmed")
    journal.clear(state_dir)
    return result


def _start_adding(top: Path, paths: list[str],
                  asked: tuple[frozenset[str], Callable[[], dict[str, str]]] | None
                  ) -> gitops.Staging | None:
    """`git add` of a backlog's archive files, started as soon as they are written (archive
    first): git hashes and packs them while the views are rendered, and what is left to add
    once the views are written is the views. Only one git process may write the index: the
    ledger's `git status` (`_start_recover`, started at the run's start, which may refresh
    the index) is let finish first; its answer, or its error, is read again by `_recover`.
    Its own outcome is read once the views are written (`Staging.finish`), before anything
    relies on it; a run that stops before waits for it (`_settle_started`)."""
    import contextlib

    from sessionlog_git import gitops

    if asked is not None:
        with contextlib.suppress(gitops.GitError):
            asked[1]()
    adding = gitops.start_stage(top, paths)
    if adding is not None:
        _STARTED.append(adding.wait)
    return adding


def _rendered(ws: Workspace, taken: list[Taken], extra: dict[str, set[str]],
              months: dict[str, set[str]], parsed: dict[str, list[model.Record]],
              scan: layout.ArchiveScan,
              new: tuple[list[model.Record], dict[str, set[str]]] | None = None,
              cache_writes: list[Callable[[], None]] | None = None,
              links: dict[str, str] | None = None,
              hashed: status_tail.Hasher | None = None,
              ) -> dict[str, bytes]:
    """`_render`'s views, each encoded once."""
    from sessionlog_git.pipeline.monthview import utf8  # a master log is encoded once

    return {rel: utf8(text)
            for rel, text in _render(ws, taken, extra, months, parsed, scan, new=new,
                                     cache_writes=cache_writes, links=links,
                                     hashed=hashed).items()}


def _hashed(index: forked.Aside[None], ahead: list[model.Record] | None
            ) -> status_tail.Hasher | None:
    """The status fold's identities, those of a backlog's records (`ahead`) hashed by the
    index's child before its fold (`_start_index`, `logs.status_tail.hashed_ahead`); None
    (each hashed as the fold wants it) without them, or without a child."""
    if ahead is None or not index.forked:
        return None
    from sessionlog_git.logs import status_tail

    return status_tail.hashed_ahead(ahead, index.first)


def _digests(rendered: dict[str, bytes]) -> dict[str, str]:
    """`ledger.digest` of each view: a master log's was taken as its render was kept."""
    if not rendered:
        return {}
    from sessionlog_git.pipeline.monthview import sha256_of

    return {rel: sha256_of(data) for rel, data in rendered.items()}


def _fold_index(ws: Workspace, archives: dict[str, bytes], recovered: journal.Recovered,
                scan: layout.ArchiveScan, new_archives: dict[str, bytes],
                parsed: dict[str, list[model.Record]], changed: list[str] | None,
                summary: dict[str, Any] | None) -> None:
    """The context index and the session-start summary, with the new archive files folded in
    (they are on disk: their folders are stated and listed)."""
    # The archives of an interrupted run the journal finished count too (the index skips
    # what it has folded in already).
    # (by the names the journal gives them: a pack it wrote holds some of them)
    finished = set(recovered.archives)
    # The archive's folders as listed at the start, with the ones this run wrote into
    # as they are now: the index's folder mtimes without a second walk of every month.
    scan.restat({"/".join(split) for rel in new_archives
                 if (split := layout.split_archive_folder(rel, ws.config.logs_dir))})
    from sessionlog_git.logs import context_store  # a backlog's in its forked child only

    context_store.update(ws, sorted({*archives, *finished}), parsed, changed=changed,
                         now=scan.mtimes())
    if archives or finished:
        from sessionlog_git.logs.continuity import update_summary

        update_summary(ws.config, sorted({*archives, *finished}), summary, parsed)


def _start_index(ws: Workspace, archives: dict[str, bytes], recovered: journal.Recovered,
                 scan: layout.ArchiveScan, new_archives: dict[str, bytes],
                 parsed: dict[str, list[model.Record]], changed: list[str] | None,
                 summary: dict[str, Any] | None,
                 ahead: list[model.Record] | None = None) -> forked.Aside[None]:
    """`_fold_index` started in a forked child (`base.forked.beside`: where no second core is
    usable, its `result()` folds here). Both are caches built to recover from a half-written
    state (logs.context_store, logs.continuity), so a child that fails anywhere, killed
    between two writes included, costs only the parent's own fold. The run waits for it
    before it leaves the lock (`_settle_started` kills it when the run stops early).

    `ahead`: records whose status identities the child hashes before it folds and sends at
    once (`Aside.first`, `_hashed`): the status fold here wants them only after its own
    sort and feed, so the hashing leaves this process's path for the other core's, which
    has the time (its fold is the shorter)."""
    import os

    from sessionlog_git.base import forked

    parent = os.getpid()

    def fold() -> None:
        if os.getpid() != parent:  # a test hook: the child dies at its start or its end
            _fault("index-aside-start")
        _fold_index(ws, archives, recovered, scan, new_archives, parsed, changed, summary)
        if os.getpid() != parent:
            _fault("index-aside-end")

    first = None
    if ahead is not None:
        from sessionlog_git.logs.status_tail import packed_identities

        def first() -> object:
            if os.getpid() != parent:  # a test hook: the child dies before it sends them
                _fault("index-aside-hashing")
            return packed_identities(ahead)

    index = forked.beside(fold, first=first)
    _STARTED.append(lambda: index.__exit__(None, None, None))
    return index


def describe(result: Result, *, dry_run: bool, echo: Callable[[str], None]) -> None:
    for problem in result.problems:
        echo(f"sessionlog: warning: {problem}")
    for note in result.notes:
        echo(f"sessionlog: {note}")
    logs = [t for t in result.taken if t.archive_rel]
    if not logs:
        if result.staged:
            echo(f"sessionlog: staged {len(result.staged)} file(s) an earlier, aborted commit "
                 "left behind: " + ", ".join(result.staged))
        elif not result.problems and not result.notes:
            echo("sessionlog: nothing pending")
        return
    verb = "would consolidate" if dry_run else "consolidated"
    days = sorted({t.log.day for t in logs}, key=date.toordinal)
    span = f" ({days[0]}..{days[-1]})" if len(days) > 1 else (f" ({days[0]})" if days else "")
    echo(f"sessionlog: {verb} {result.entries} {'entry' if result.entries == 1 else 'entries'} "
         f"from {len(logs)} temp log{'s' if len(logs) != 1 else ''}{span}")
    for rel in result.archived:
        echo(f"  archive  {rel}")
    for rel in result.views:
        echo(f"  {'render' if dry_run else 'rendered'}   {rel}")
    if result.staged:
        echo(f"  staged {len(result.staged)} file{'s' if len(result.staged) != 1 else ''}")
