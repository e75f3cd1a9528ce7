"""The raw archive: verbatim temp logs under logs/archive/<YYYY-MM>/<project>/<user>/."""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git.base.text import sha256_hex, words
from sessionlog_git.constants import ARCHIVE_DIR
from sessionlog_git.logs import layout
from sessionlog_git.logs.entries import Bullet, Entry, TempLog, parse
from sessionlog_git.logs.layout import archive_match
from sessionlog_git.logs.lifecycle import Decision, LazyDecisionBook, decision_id, expiry
from sessionlog_git.logs.model import (
    RECENT_DECISIONS,
    Blocker,
    BlockerBook,
    Record,
    StatusState,
    ordered,
)

ID_LENGTH = 10


def content_id(data: bytes) -> str:
    """Archive files are named by content: archiving the same bytes twice is one file."""
    return sha256_hex(data)[:ID_LENGTH]


def zone_offset(day: date, zone_name: str) -> timezone:
    """The UTC offset of the configured (or system) zone on `day`, at noon."""
    if zone_name:
        from sessionlog_git.base.clock import load_zone

        noon = datetime(day.year, day.month, day.day, 12, tzinfo=load_zone(zone_name))
    else:
        noon = datetime(day.year, day.month, day.day, 12).astimezone()
    return timezone(noon.utcoffset() or timedelta(0))


def parse_log(data: bytes, day: date, zone_name: str) -> TempLog:
    return parse(data.decode("utf-8"), day=day, offset=zone_offset(day, zone_name))


def months(logs_path: Path, project: str) -> list[str]:
    """The archive's month folders that hold `project`, oldest first."""
    return layout.archive_months(logs_path, project)


def _listing(logs_path: Path, project: str, month: str) -> list[layout.LogFile]:
    """Every archive file of `project` in one month folder, sorted by user and name."""
    return layout.walk(layout.archive_root(logs_path), archive=True, months=(month,), project=project)


def _source(found: layout.LogFile) -> str:
    """An archive file's path relative to the logs folder (POSIX), as the views link it."""
    return f"{ARCHIVE_DIR}/{found.month}/{found.project}/{found.user}/{found.name}"


def physical_links(logs_path: Path) -> Callable[[str], str]:
    """A view's link for a record's source (`archive/<month>/<project>/<user>/<name>`, relative
    to the logs folder): the source itself when the file is loose, the pack holding it when
    its month is packed (so a `[raw]` link always names a tracked file)."""
    import os

    folders: dict[str, Callable[[str], str | None]] = {}

    def link(source: str) -> str:
        folder, _, name = source.rpartition("/")
        names = folders.get(folder)
        if names is None:
            names = folders[folder] = layout.physical_names(os.path.join(logs_path, *folder.split("/")))
        where = names(name)
        return f"{folder}/{where}" if where else source

    return link


def files(logs_path: Path, project: str, month_list: Iterable[str]) -> list[layout.LogFile]:
    """The archive files (packed ones as the files they were) of `project` in those months;
    read their bytes with `layout.read_log`."""
    return [found for month in sorted(set(month_list)) for found in _listing(logs_path, project, month)]


def records_from(
    data: bytes, *, project: str, user: str, day: date, source: str, zone_name: str
) -> list[Record]:
    log = parse_log(data, day, zone_name)
    return [Record(e, project, user, source) for e in log.entries if e.at is not None]


def records_at(
    rel: str, data: bytes, logs_dir: str, zone_name: str, source: str | None = None
) -> list[Record]:
    """Records of an archive file named by its path in the repository (`logs/archive/<month>/
    <project>/<user>/<date>-<id>.md`); none when the path is not an archive file's."""
    split = layout.split_archive_rel(rel, logs_dir)
    if split is None:
        return []
    _, project, user, day = split
    return records_from(
        data, project=project, user=user, day=day,
        source=source if source is not None else str(PurePosixPath(rel).relative_to(logs_dir)),
        zone_name=zone_name,
    )


def read_records(
    logs_path: Path, project: str, month_list: Iterable[str], zone_name: str,
    skip: set[str] | None = None,
) -> list[Record]:
    """Records from the archive files of `project` in the given months (no cache)."""
    out: list[Record] = []
    for month in sorted(set(month_list)):
        for found in _listing(logs_path, project, month):
            source = _source(found)
            if skip and source in skip:
                continue
            # Unreadable archive files yield nothing here; `sessionlog check` reports them.
            out.extend(_parse_file(found, project, source, zone_name))
    return out


# --- a cache of parsed archive files -------------------------------------------------------
#
# Archive files are named by their content and never rewritten, so a parse is valid for as
# long as the file exists. The cache lives in the ignored state folder; it only ever saves
# time: deleting it, or any damage to it, costs a re-parse, never a different view.

CACHE_VERSION = 1


def _entry_json(entry: Entry) -> list[Any]:
    return [
        entry.time, entry.title, [[b.kind, b.text, b.line] for b in entry.bullets], entry.meta,
        entry.heading, entry.line, entry.day.isoformat() if entry.day else None,
        entry.at.isoformat() if entry.at else None,
    ]


def _entry_from_json(data: list[Any]) -> Entry:
    time, title, bullets, meta, heading, line, day, at = data
    return Entry(
        time=time, title=title, bullets=[Bullet(k, t, n) for k, t, n in bullets], meta=meta,
        heading=heading, line=line, day=date.fromisoformat(day) if day else None,
        at=datetime.fromisoformat(at) if at else None,
    )


def _record_json(record: Record) -> list[Any]:
    return [record.user, record.source, _entry_json(record.entry)]


def _record_from_json(project: str, data: list[Any]) -> Record:
    user, source, entry = data
    return Record(_entry_from_json(entry), project, user, source)


def _cache_path(cache_dir: Path, project: str, month: str, kind: str) -> Path:
    return cache_dir / "archive" / project / f"{month}.{kind}.json"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _save_json(path: Path, data: Any) -> None:
    """Atomic, not synced: a cache file lost or cut short by a crash reads as a miss, so an
    fsync at every commit would buy nothing."""
    from sessionlog_git.base.fsutil import atomic_write_text

    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
        atomic_write_text(path, json.dumps(data, separators=(",", ":")), sync=False)


def _sources(logs_path: Path, project: str, month: str) -> list[tuple[str, layout.LogFile]]:
    """(source, file): source is the logical path relative to the logs folder (a packed
    file's too), as records name it."""
    return [(_source(found), found) for found in _listing(logs_path, project, month)]


def month_sources(logs_path: Path, project: str, month: str) -> list[str]:
    """The archive files of `project` in one month folder, as sources (listed, not read)."""
    return [source for source, _ in _sources(logs_path, project, month)]


def source_records(logs_path: Path, project: str, month_list: Iterable[str], zone_name: str,
                   wanted: set[str]) -> list[Record]:
    """The records of the archive files `wanted` (sources) among those months' files, parsed
    from the files themselves: a few files, without loading the months' parse caches."""
    if not wanted:
        return []
    return [r for month in sorted(set(month_list)) for source, found in _sources(logs_path, project, month)
            if source in wanted for r in _parse_file(found, project, source, zone_name)]


def decisions_by_id(logs_path: Path, project: str, zone_name: str, ids: set[str]
                    ) -> list[Decision[Record]] | None:
    """The decisions named by `ids` (`lifecycle.decision_id`: archive file and line), read
    from their archive files alone; None when one of them is not found there."""
    wanted = {ident.rsplit("#", 1)[0] for ident in ids}
    months = {PurePosixPath(source).parts[1] for source in wanted
              if len(PurePosixPath(source).parts) > 1}
    found: dict[str, Decision[Record]] = {}
    for record in source_records(logs_path, project, months, zone_name, wanted):
        for bullet in record.entry.bullets:
            ident = f"{record.source}#{bullet.line}"
            if ident in ids and bullet.kind in ("decision", "supersede"):
                found[ident] = Decision(record, bullet, expiry(record.entry))
    return list(found.values()) if found.keys() == ids else None


SIDE_FILES = 64  # archive files parsed since the month's cache was last written whole


def _cached_files(data: Any, zone_name: str) -> dict[str, Any]:
    if isinstance(data, dict) and data.get("v") == CACHE_VERSION and data.get("zone") == zone_name:
        files = data.get("files")
        if isinstance(files, dict):
            return files
    return {}


def month_records(
    logs_path: Path, project: str, month: str, zone_name: str, cache_dir: Path | None
) -> list[Record]:
    """All records of one month folder, parsing only files the cache has not seen.

    The cache of a month is one file written whole, plus a small side file of the archive
    files parsed since (a commit adds one or two): a commit writes the side file, not the
    month's whole cache again; past SIDE_FILES of them the whole is written and the side file
    emptied. Entries of files no longer there (a reset) are skipped, and dropped when the
    whole is written again."""
    sources = _sources(logs_path, project, month)
    if cache_dir is None:
        return read_records(logs_path, project, [month], zone_name)
    path = _cache_path(cache_dir, project, month, "records")
    side_path = _cache_path(cache_dir, project, month, "records-new")
    known = _cached_files(_load_json(path), zone_name)
    side = _cached_files(_load_json(side_path), zone_name) if side_path.exists() else {}
    out: list[Record] = []
    parsed: dict[str, Any] = {}
    for source, file in sources:
        raw = side.get(source, known.get(source))
        if raw is not None:
            try:
                records = [_record_from_json(project, r) for r in raw]
            except (TypeError, ValueError):
                records = None
            if records is not None:
                out.extend(records)
                continue
        records = _parse_file(file, project, source, zone_name)
        out.extend(records)
        parsed[source] = [_record_json(r) for r in records]
    if parsed:
        listed = {source for source, _ in sources}
        recent = {s: r for s, r in side.items() if s in listed and s not in parsed}
        recent.update(parsed)
        if len(recent) <= SIDE_FILES and known:
            _save_json(side_path, {"v": CACHE_VERSION, "zone": zone_name, "files": recent})
        else:
            whole = {s: r for s, r in known.items() if s in listed}
            whole.update(recent)
            _save_json(path, {"v": CACHE_VERSION, "zone": zone_name, "files": whole})
            if side:
                with contextlib.suppress(OSError):
                    side_path.unlink()
    return out


def _bullet_json(bullet: Bullet) -> list[Any]:
    return [bullet.kind, bullet.text, bullet.line]


STATUS_VERSION = 2  # checkpoints keep their live decisions apart, as deltas (below)
RACY_NS = 1_000_000_000  # a folder changed this recently may change again within its mtime tick


def _state_json(key: str, state: StatusState, carry: list[Record]) -> dict[str, Any]:
    """The small part of a checkpoint, read at every commit: everything but the live
    decisions, of which only the newest (`tail`) are here."""
    return {
        "key": key,
        "last": {u: _record_json(r) for u, r in state.last.items()},
        "next": {u: _record_json(r) for u, r in state.next_steps.items()},
        "open": [[_record_json(b.record), _bullet_json(b.bullet)] for b in state.book.still_open],
        "closed": [
            [_record_json(b.record), _bullet_json(b.bullet), _record_json(b.closed_by),
             _bullet_json(b.closing)]
            for b in state.closed if b.closed_by is not None and b.closing is not None
        ],
        "decisions": [[_record_json(r), _bullet_json(b)] for r, b in state.decisions],
        "tail": [[_record_json(d.record), _bullet_json(d.bullet)]
                 for d in state.lifecycle.recent(RECENT_DECISIONS)],
        "retired": [
            [_record_json(d.record), _bullet_json(d.bullet), _record_json(d.retired_by),
             _bullet_json(d.retiring), d.how, [_bullet_json(n.bullet) for n in d.replacements]]
            for d in state.retired if d.retired_by is not None and d.retiring is not None
        ],
        "carry": [_record_json(r) for r in carry],
    }


def _live_json(key: str, base: str, state: StatusState) -> dict[str, Any]:
    """The live decisions of a checkpoint as a delta over the checkpoint it was folded from
    (`base`; "" for none): which of those were retired, which were added. Read only when a
    `Supersedes:`/`Reverted:` is matched, so a month's checkpoint costs that month's work."""
    retired, added = state.lifecycle.mark()
    return {"key": key, "base": base, "retired": retired,
            "added": [[_record_json(d.record), _bullet_json(d.bullet)] for d in added]}


def _state_from_json(
    project: str, data: dict[str, Any], load: Callable[[], list[Decision[Record]]],
) -> tuple[StatusState, list[Record]]:
    def rec(value: list[Any]) -> Record:
        return _record_from_json(project, value)

    def bul(value: list[Any]) -> Bullet:
        return Bullet(value[0], value[1], value[2])

    def decision(r: list[Any], b: list[Any]) -> Decision[Record]:
        record = rec(r)
        return Decision(record, bul(b), expiry(record.entry))

    state = StatusState(
        book=BlockerBook(Blocker(rec(r), bul(b)) for r, b in data["open"]),
        last={u: rec(r) for u, r in data["last"].items()},
        next_steps={u: rec(r) for u, r in data["next"].items()},
        closed=[Blocker(rec(r), bul(b), rec(cr), bul(cb)) for r, b, cr, cb in data["closed"]],
        decisions=[(rec(r), bul(b)) for r, b in data["decisions"]],
        lifecycle=LazyDecisionBook(words, load, [decision(r, b) for r, b in data["tail"]]),
    )
    for r, b, by, bb, how, new in data["retired"]:
        record, later = rec(r), rec(by)
        state.retired.append(Decision(
            record, bul(b), expiry(record.entry), later, bul(bb), how,
            [Decision(later, bul(n), expiry(later.entry)) for n in new],
        ))
    return state, [rec(r) for r in data["carry"]]


def cutoff(month: str) -> datetime:
    """An instant before every record filed under a later month (local dates run up to 14 h
    ahead of UTC, so a day of margin) and after most of this month's."""
    year, mon = int(month[:4]), int(month[5:])
    first = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=timezone.utc)
    return first - timedelta(days=1)


def _month_keys(logs_path: Path, project: str, folders: list[str], zone_name: str,
                scan: layout.ArchiveScan | None = None) -> list[str]:
    """A key per month folder that changes whenever any archive file of `project` up to it
    is added or removed, without listing the files: each contributor folder's mtime (adding
    or removing a file changes it). A folder changed within the last second could change
    again in the same mtime tick, so for it the file names count too (as git treats a
    racily clean index entry); such a key differs from the one computed later, which only
    costs that month's checkpoint one more fold. `scan`: the folders and their mtimes as a
    commit listed them already (`layout.scan_archive`), not listed again."""
    import os
    import time

    root = layout.archive_root(logs_path)
    by_month: dict[str, list[tuple[str, int]]] = {}
    if scan is not None:
        listed = scan.stamps_of(folders, project)
    else:
        listed = []
        for found in layout.folders(root, archive=True, months=set(folders), project=project):
            try:
                listed.append((found.month, found.user, os.stat(found.path).st_mtime_ns))
            except OSError:
                listed.append((found.month, found.user, -1))
    for month, user, mtime in listed:
        by_month.setdefault(month, []).append((user, mtime))
    racy = time.time_ns() - RACY_NS
    keys: list[str] = []
    key = f"{STATUS_VERSION}|{CACHE_VERSION}|{zone_name}"
    for folder in folders:
        parts = [key, folder]
        for user, mtime in by_month.get(folder, []):
            parts.append(f"{user}:{mtime}")
            if mtime < 0 or mtime >= racy:
                found = layout.Folder(os.path.join(root, folder, project, user), folder, project, user)
                parts += [f.name for f in layout.files_in(found, archive=True)]
        key = sha256_hex("\n".join(parts))
        keys.append(key)
    return keys


def _fold_months(
    logs_path: Path, project: str, folders: list[str], zone_name: str, cache_dir: Path | None,
    state: StatusState, carry: list[Record],
) -> tuple[StatusState, list[Record]]:
    for folder in folders:
        records = ordered(
            [*carry, *month_records(logs_path, project, folder, zone_name, cache_dir)]
        )
        edge = cutoff(folder).timestamp()
        state.feed(r for r in records if r.at.timestamp() < edge)
        carry = [r for r in records if r.at.timestamp() >= edge]
    return state, carry


def _live_loader(
    logs_path: Path, project: str, folders: list[str], keys: list[str], upto: int,
    zone_name: str, cache_dir: Path,
) -> Callable[[], list[Decision[Record]]]:
    """What reads the live decisions of checkpoint `upto`: its delta and the ones before it,
    back to the first; any missing or stale link, and the months are folded afresh."""

    def fresh() -> list[Decision[Record]]:
        state, _ = _fold_months(logs_path, project, folders[: upto + 1], zone_name, cache_dir,
                                StatusState(), [])
        return state.lifecycle.live

    def load() -> list[Decision[Record]]:
        chain: list[dict[str, Any]] = []
        i = upto
        while True:
            data = _load_json(_cache_path(cache_dir, project, folders[i], "live"))
            if not isinstance(data, dict) or data.get("key") != keys[i]:
                return fresh()
            chain.append(data)
            if not data.get("base"):
                break
            i -= 1
            if i < 0 or keys[i] != data["base"]:
                return fresh()
        live: dict[str, Decision[Record]] = {}
        try:
            for data in reversed(chain):
                for ident in data["retired"]:
                    del live[ident]
                for r, b in data["added"]:
                    record = _record_from_json(project, r)
                    found = Decision(record, Bullet(b[0], b[1], b[2]), expiry(record.entry))
                    live[decision_id(found)] = found
        except (KeyError, TypeError, ValueError):
            return fresh()
        return list(live.values())

    return load


def status_checkpoint(
    logs_path: Path, project: str, upto: str, zone_name: str, cache_dir: Path | None
) -> tuple[StatusState, list[Record]]:
    """The status fold over every record filed in folders up to `upto` that comes before its
    cutoff, and the records after the cutoff (carried, not yet folded), oldest first.

    Each month's checkpoint is cached under a key that changes with any archive file up to
    it (`_month_keys`: the contributor folders' mtimes, not a listing of every file), in two
    files: the small state read at every commit, and its live decisions as a delta over the
    month before, read only when a `Supersedes:`/`Reverted:` needs them. So a commit in the
    current month reads one small file, whatever the history's length.
    """
    folders = [m for m in months(logs_path, project) if m <= upto]
    if cache_dir is None:
        return _fold_months(logs_path, project, folders, zone_name, None, StatusState(), [])
    keys = _month_keys(logs_path, project, folders, zone_name)
    state, carry = StatusState(), list[Record]()
    start = 0
    for i in range(len(folders) - 1, -1, -1):
        cached = _load_json(_cache_path(cache_dir, project, folders[i], "status"))
        if isinstance(cached, dict) and cached.get("key") == keys[i]:
            load = _live_loader(logs_path, project, folders, keys, i, zone_name, cache_dir)
            try:
                state, carry = _state_from_json(project, cached, load)
            except (KeyError, TypeError, ValueError):
                continue
            start = i + 1
            break
    for i in range(start, len(folders)):
        state, carry = _fold_months(logs_path, project, [folders[i]], zone_name, cache_dir,
                                    state, carry)
        base = keys[i - 1] if i > 0 else ""
        _save_json(_cache_path(cache_dir, project, folders[i], "live"),
                   _live_json(keys[i], base, state))
        _save_json(_cache_path(cache_dir, project, folders[i], "status"),
                   _state_json(keys[i], state, carry))
    return state, carry


def _parse_file(found: layout.LogFile, project: str, source: str, zone_name: str) -> list[Record]:
    match = archive_match(found.name)
    assert match is not None
    try:
        return records_from(
            layout.read_log(found), project=project, user=found.user,
            day=date.fromisoformat(match[1]), source=source, zone_name=zone_name,
        )
    except (OSError, UnicodeDecodeError, ValueError):
        return []
