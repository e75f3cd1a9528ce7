"""Where work left off: the last entries, open blockers and next steps. Standard library only.

Read from the pending temp logs and the raw archive (`<logs>/archive/<YYYY-MM>/...`), so the
SessionStart hook, `sessionlog resume` and the `/sessionlog:resume` command all say the same.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git.base import statedir
from sessionlog_git.base.text import clip, one_line
from sessionlog_git.config import Config
from sessionlog_git.logs import layout, startsummary
from sessionlog_git.logs.archive import month_records, parse_log
from sessionlog_git.logs.entries import Entry
from sessionlog_git.logs.layout import month_of, pending_file
from sessionlog_git.logs.model import Record, blockers, ordered

HISTORY_MONTHS = startsummary.HISTORY_MONTHS  # months of archive read for blockers, next steps
SHOWN_ENTRIES = 3
SHOWN_BLOCKERS = 5
SHOWN_NEXT = 5
LINE_CHARS = 160
MAX_SUMMARY = 1400


class LogFile:
    """A temp log or archive file of one contributor's day, as the summary reads it.

    A plain class (equal and hashed by its fields): a dataclass costs its generated methods'
    compile at every hook process's start."""

    __slots__ = ("day", "found", "path", "project", "source", "user")

    def __init__(self, path: Path, project: str, user: str, day: date, source: str,
                 found: layout.LogFile) -> None:
        self.path = path
        self.project = project
        self.user = user
        self.day = day
        self.source = source  # relative to the work tree, POSIX
        self.found = found  # as the walker found it (read through layout.read_log: packs)

    def _fields(self) -> tuple[Any, ...]:
        return (self.path, self.project, self.user, self.day, self.source, self.found)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogFile):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())


def _files(cfg: Config, found: list[layout.LogFile]) -> list[LogFile]:
    out: list[LogFile] = []
    for f in found:
        path = Path(f.path)
        rel = statedir.display(cfg.top, path)
        out.append(LogFile(path, f.project, f.user, f.day, rel, f))
    return out


def pending_files(cfg: Config, user: str | None = None) -> list[LogFile]:
    return _files(cfg, layout.walk(cfg.pending_path, archive=False, user=user))


def archive_months(cfg: Config) -> list[str]:
    """Month folders of the archive, newest first."""
    return layout.archive_months(cfg.logs_path)[::-1]


def archive_files(cfg: Config, month: str, user: str | None = None) -> list[LogFile]:
    root = layout.archive_root(cfg.logs_path)
    return _files(cfg, layout.walk(root, archive=True, months=(month,), user=user))


def records(cfg: Config, files: list[LogFile]) -> list[Record]:
    out: list[Record] = []
    for f in files:
        try:
            log = parse_log(layout.read_log(f.found), f.day, cfg.timezone)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        out += [Record(e, f.project, f.user, f.source) for e in log.entries if e.at is not None]
    return out


def automatic(record: Record) -> bool:
    """An automatic entry (SessionEnd's gap marker): never counted as a real entry."""
    return bool(record.entry.meta.get("auto"))


class LastEntry:
    """A contributor's latest entry, and when it was last written to."""

    __slots__ = ("mark", "record")

    def __init__(self, record: Record | None, mark: float) -> None:
        self.record = record
        self.mark = mark  # POSIX time: the later of the entry's time and its file's last write

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LastEntry):
            return NotImplemented
        return (self.record, self.mark) == (other.record, other.mark)

    def __hash__(self) -> int:
        return hash((self.record, self.mark))


def last_entry(cfg: Config, user: str) -> LastEntry:
    """This user's latest entry, pending or archived; cheap (reads the newest files only)."""
    candidates = pending_files(cfg, user)
    months = archive_months(cfg)
    best: Record | None = None
    best_file: LogFile | None = None
    for month in [None, *months]:
        if month is not None:
            if best is not None and month_of(best.at.date()) > month:
                break  # older months cannot hold a later entry
            candidates = archive_files(cfg, month, user)
        for f in sorted(candidates, key=lambda f: f.day, reverse=True):
            if best is not None and f.day < best.at.date() - timedelta(days=2):
                break  # a file dated two days before the best cannot beat it (midnight rollover)
            for record in records(cfg, [f]):
                if automatic(record):
                    continue  # a gap marker, not an entry anyone wrote
                if best is None or record.at > best.at:
                    best, best_file = record, f
    if best is None or best_file is None:
        return LastEntry(None, 0.0)
    try:
        mtime = Path(best_file.found.physical).stat().st_mtime
    except OSError:
        mtime = 0.0
    return LastEntry(best, max(best.at.timestamp(), mtime))


def archive_records(cfg: Config, month: str) -> list[Record]:
    """Everyone's records of one archive month, through the parse cache consolidation keeps
    (`cache` in the state folder, valid for as long as the content-named files exist), so a session
    start parses only what no commit has parsed yet. Sources as `archive_files` names them."""
    cache = cfg.state_path / "cache" if cfg.state_path.is_dir() else None
    logs_rel = str(PurePosixPath(*cfg.logs_path.relative_to(cfg.top).parts))
    out: list[Record] = []
    found = layout.walk(layout.archive_root(cfg.logs_path), archive=True, months=(month,))
    for project in sorted({f.project for f in found}):
        for r in month_records(cfg.logs_path, project, month, cfg.timezone, cache):
            out.append(Record(r.entry, r.project, r.user, f"{logs_rel}/{r.source}"))
    return out


def recent_records(cfg: Config, months: int = HISTORY_MONTHS) -> list[Record]:
    """Everyone's records of the last `months` archive months and everything pending."""
    out = records(cfg, pending_files(cfg))
    for month in archive_months(cfg)[:months]:
        out += archive_records(cfg, month)
    return ordered(out)


def _source_rel(cfg: Config) -> str:
    return str(PurePosixPath(*cfg.logs_path.relative_to(cfg.top).parts))


def build_summary(cfg: Config, archived: list[Record], months: list[str],
                  marker: list[Any]) -> dict[str, Any]:
    """The session-start summary (`startsummary`) of the window's archive records (ordered,
    as `window_records` gives them): the selection folded, the open blockers replayed."""
    recs = [r for r in archived if not automatic(r)]
    summary = startsummary.empty(months, marker, cfg.timezone)
    # Blockers come from the replay below, so the fold sees none (a fold that never refuses).
    folded = startsummary.fold(
        summary, [{**startsummary.item(r, r.source), "b": []} for r in recs], archived=True)
    assert folded is not None
    still_open = [b for b in blockers(recs, in_order=True) if b.closed_by is None]
    folded["blockers"] = [{"u": b.record.user, "body": b.bullet.body, "w": _when(b.record.at)}
                          for b in still_open][-startsummary.MAX_BLOCKERS:]
    return folded


def window_records(cfg: Config) -> tuple[list[Record], list[str], list[Any]]:
    """The window's archive records (ordered), its months, and its marker taken before they
    were read (so a change while reading leaves the summary stale, never wrong)."""
    months = startsummary.window(cfg.logs_path)
    mark = startsummary.marker(cfg.logs_path, months)
    out: list[Record] = []
    for month in months:
        out += archive_records(cfg, month)
    return ordered(out), months, mark


def write_summary(cfg: Config) -> dict[str, Any]:
    """Read the window and write the summary from it (when it is missing or stale)."""
    from sessionlog_git.base.fsutil import ensure_state_dir

    records, months, mark = window_records(cfg)
    summary = build_summary(cfg, records, months, mark)
    ensure_state_dir(cfg.state_path)
    startsummary.save(cfg.state_path, summary)
    return summary


def update_summary(cfg: Config, archived: list[str], before: dict[str, Any] | None,
                   parsed: Mapping[str, list[Record]] | None = None) -> None:
    """Fold newly archived files (paths from the top) into the summary at consolidation;
    `parsed`: the records of those the caller parsed already (by path), not read again (a
    backlog's hundreds of files).

    `before`: the summary as `startsummary.read` found it, fresh, before they were written.
    Without one (none yet, or stale after a pull, a merge or a checkout), when the window
    moved to a new month, or when a new entry opens or closes a blocker earlier than one
    folded already, the summary is removed instead: the next session start reads the window
    once and writes it again, so a commit never pays for reading the archive's months. It is
    a cache: a failure removes it, never fails a commit."""
    from sessionlog_git.logs.archive import records_at

    try:
        months = startsummary.window(cfg.logs_path)
        if before is not None and before.get("months") == months:
            logs_rel = str(PurePosixPath(*cfg.logs_path.relative_to(cfg.top).parts))
            new: list[Record] = []
            for rel in archived:
                found = (parsed or {}).get(rel)
                if found is None:
                    found = records_at(rel, layout.read_archive_path(cfg.top / rel), cfg.logs_dir,
                                       cfg.timezone)
                for r in found:
                    if not automatic(r):
                        new.append(Record(r.entry, r.project, r.user, f"{logs_rel}/{r.source}"))
            folded = startsummary.fold(
                before, [startsummary.item(r, r.source) for r in ordered(new)], archived=True)
            if folded is not None:
                folded["marker"] = startsummary.marker(cfg.logs_path, months)
                startsummary.save(cfg.state_path, folded)
                return
    except (OSError, ValueError, KeyError, TypeError):
        pass
    startsummary.remove(cfg.state_path)


def _clip(text: str) -> str:
    return clip(one_line(text), LINE_CHARS)


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _entry_line(record: Record, with_project: bool) -> str:
    entry: Entry = record.entry
    summary = entry.of_kind("summary")
    text = entry.title + (f": {summary[0].body}" if summary else "")
    where = f" [{record.project}]" if with_project else ""
    return _clip(f"- {_when(record.at)}{where} {text}")


def left_off(cfg: Config, user: str, all_records: list[Record] | None = None) -> str:
    """Facts about where work left off, as short Markdown lines ("" when there is no history).

    `all_records`: what `recent_records` returned (in order, without duplicates).
    """
    recs = recent_records(cfg) if all_records is None else all_records
    recs = [r for r in recs if not automatic(r)]
    if not recs:
        return ""
    several = len({r.project for r in recs}) > 1
    lines: list[str] = []
    mine = [r for r in recs if r.user == user]
    if mine:
        lines.append(f"Last entries by {user}:")
        lines += [_entry_line(r, several) for r in mine[-SHOWN_ENTRIES:]]
    else:
        others = recs[-SHOWN_ENTRIES:]
        lines.append(f"No entries by {user} yet; latest in this repository:")
        lines += [_entry_line(r, several) + f" ({r.user})" for r in others]
    still_open = [b for b in blockers(recs, in_order=True) if b.closed_by is None]
    if still_open:
        lines.append("Open blockers:")
        for b in reversed(still_open[-SHOWN_BLOCKERS:]):
            lines.append(_clip(f"- {b.bullet.body} ({b.record.user}, since {_when(b.record.at)})"))
    with_next = [r for r in mine if r.entry.of_kind("next")]
    if with_next:
        latest = with_next[-1]
        lines.append(f"Next steps (from {_when(latest.at)}):")
        lines += [_clip(f"- {b.body}") for b in latest.entry.of_kind("next")[:SHOWN_NEXT]]
    text = "\n".join(lines)
    if len(text) > MAX_SUMMARY:
        text = text[: MAX_SUMMARY - 1].rsplit("\n", 1)[0] + "\n…"
    return text


def committed_today(cfg: Config, user: str, day: date, all_records: list[Record]) -> int:
    """This user's entries of `day` that are already in the archive (not pending)."""
    pending = statedir.display(cfg.top, cfg.pending_path) + "/"
    return sum(1 for r in all_records
               if r.user == user and not automatic(r) and r.at.date() == day
               and not r.source.startswith(pending))


def logged_since(cfg: Config, user: str, since: datetime, all_records: list[Record]) -> str:
    """This user's entries at or after `since` (what a session has logged so far)."""
    mine = [r for r in all_records if r.user == user and r.at >= since and not automatic(r)]
    if not mine:
        return f"Nothing logged in this session yet (since {since:%H:%M})."
    lines = ["Logged in this session so far:"]
    lines += [_clip(f"- {r.at:%H:%M} {r.entry.title}") for r in mine[-8:]]
    return "\n".join(lines)


def today_path(cfg: Config, user: str, day: date) -> Path:
    return pending_file(cfg.pending_path, cfg.project, user, day)
