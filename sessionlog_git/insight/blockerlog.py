"""Every blocker of a project's history without reading the history: a fold per month folder,
kept in the state folder's cache.

The blocker fold (`logs.model.BlockerBook`: an `Unblocked:` takes the open blocker it shares
the most words with) runs month folder by month folder, in the order the archive is laid out,
exactly as the status checkpoints run (`logs.archive.status_checkpoint`): a folder's records
before its cutoff are folded, the rest are carried into the next folder. After each folder
its result is cached under a key that names every archive file up to it: the blockers
opened there (slim: the entry's title, summary, meta and the blocker bullets, all a report
shows), the ones closed there and by what, and the open blockers and carried records at its
end. A new file in a month folder invalidates that month and the ones after it, nothing
before. A commit into the newest folder (files added, nothing else changed) folds it again
only from the first new entry on (insight.monthtail), onto its kept checkpoint up to there:
the first report after a commit costs the commit's entries, not the month.

A report then reads the month files (small: only blockers) instead of every entry, and the
weekly report reads only the open blockers at the end of the month before its window. The
blockers opened and closed in a folder are kept as a report shows them (`Seen`: when, who,
where, and the brief made at the fold), so reading them back makes no entries.
Deleting the cache, or any damage to it, costs a re-fold, never a different answer.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, cast

from sessionlog_git.base.clock import format_offset
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.config import Config
from sessionlog_git.insight import monthtail
from sessionlog_git.logs import archive, layout
from sessionlog_git.logs.entries import Bullet, Entry
from sessionlog_git.logs.model import Blocker, BlockerBook, Record, ordered
from sessionlog_git.logs.views import record_brief

CACHE_VERSION = 3  # 2: the carried records in a file of their own; 3: opened and closed as `Seen`
READ = (2, 3)  # a version 2 checkpoint is read (its entries made `Seen`) and written again as 3
# The version in the month keys: 2, the format the keys were made for; a version 3 file is
# the same fold under the same key, so an upgrade re-folds nothing.
KEYS_VERSION = 2
SHOWN = ("summary", "blocker", "unblock")  # the bullets a blocker's record keeps when slim


class Checkpoint:
    """The fold after one month folder: every blocker by its number in the order opened."""

    def __init__(self) -> None:
        self.opened: list[Blocker] = []  # opened in this folder
        self.closed: list[tuple[int, Record, Bullet]] = []  # (number, closing record, bullet)
        self.open: list[tuple[int, Blocker]] = []  # open at the end, oldest first
        self._carry: list[Record] | None = []
        self._load_carry: Callable[[], list[Record]] | None = None
        self.first = 0  # the number of the first blocker opened in this folder
        self.total = 0  # the entries folded up to here, this folder's included
        self.month = ""  # the month folder, and its key (`keys`), once folded or read
        self.key = ""
        # Folded again from the first new entry on (`_grow`): the key it was kept under, and
        # that entry's order key (what it closed before the entry is what it closed then).
        self.grown_from: tuple[str, tuple[Any, ...]] | None = None

    @property
    def carry(self) -> list[Record]:
        """The records after the cutoff, folded with the next folder: read from their own
        file only when asked for (a report needs only the last folder's)."""
        if self._carry is None:
            self._carry = self._load_carry() if self._load_carry is not None else []
        return self._carry

    @carry.setter
    def carry(self, records: list[Record]) -> None:
        self._carry = records


class Seen:
    """An entry as the blockers report uses it, read back from a checkpoint: the `Record`
    fields it reads (`at`, `user`, `project`, `source`, `sort_key`) and the brief
    (`logs.views.record_brief`) made when the folder was folded; no entry behind it."""

    __slots__ = ("_parts", "at", "line", "project", "source", "user")
    _offsets: ClassVar[dict[Any, str]] = {}  # a UTC offset -> its text

    def __init__(self, project: str, row: list[Any]) -> None:
        user, source, stamp, line, title, summary, agent = row
        self.at = datetime.fromisoformat(stamp)
        self.user, self.project, self.source, self.line = user, project, source, int(line)
        self._parts = (stamp, title, summary, agent)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.at.timestamp(), self.user, self.source, self.line)

    def brief(self) -> dict[str, Any]:
        stamp, title, summary, agent = self._parts
        shift = self.at.utcoffset()
        offset = Seen._offsets.get(shift)
        if offset is None:
            offset = Seen._offsets[shift] = format_offset(self.at)
        return {"date": stamp[:10], "time": stamp[11:16], "offset": offset, "at": stamp,
                "user": self.user, "project": self.project, "title": title, "summary": summary,
                "agent": agent}

    @staticmethod
    def row(record: Record | Seen) -> list[Any]:
        if isinstance(record, Seen):
            stamp, title, summary, agent = record._parts
            return [record.user, record.source, stamp, record.line, title, summary, agent]
        brief = record_brief(record)
        return [record.user, record.source, brief["at"], record.entry.line, brief["title"],
                brief["summary"], brief["agent"]]


def _slim(record: Record) -> Record:
    entry = record.entry
    kept = Entry(time=entry.time, title=entry.title, bullets=[b for b in entry.bullets if b.kind in SHOWN],
                 meta=entry.meta, heading=entry.heading, line=entry.line, day=entry.day, at=entry.at)
    return Record(kept, record.project, record.user, record.source)


def _bul(value: list[Any]) -> Bullet:
    return Bullet(value[0], value[1], value[2])


def _bullet_json(bullet: Bullet) -> list[Any]:
    return [bullet.kind, bullet.text, bullet.line]


def _rec_json(record: Record) -> list[Any]:
    return archive._record_json(record)


def _to_json(key: str, point: Checkpoint) -> dict[str, Any]:
    return {
        "v": CACHE_VERSION, "key": key, "first": point.first, "total": point.total,
        "opened": [[Seen.row(b.record), _bullet_json(b.bullet)] for b in point.opened],
        "closed": [[n, Seen.row(r), _bullet_json(b)] for n, r, b in point.closed],
        "open": [[n, _rec_json(b.record), _bullet_json(b.bullet)] for n, b in point.open],
    }


def _carry_json(key: str, point: Checkpoint) -> dict[str, Any]:
    return {"v": CACHE_VERSION, "key": key, "carry": [_rec_json(r) for r in point.carry]}


def _from_json(project: str, data: dict[str, Any], load_carry: Callable[[], list[Record]]) -> Checkpoint:
    def rec(value: list[Any]) -> Record:
        return archive._record_from_json(project, value)

    def seen(value: list[Any]) -> Record:
        # What a report reads of these is their `Seen` part (typed as the records they stand for).
        return cast(Record, Seen(project, value if data["v"] == CACHE_VERSION else Seen.row(rec(value))))

    point = Checkpoint()
    point.first = int(data["first"])
    point.total = int(data["total"])
    if data["v"] == CACHE_VERSION:  # the rows as `Seen` takes them, no call between (150,000 at 1M)
        made = cast(Callable[[str, list[Any]], Record], Seen)
        point.opened = [Blocker(made(project, r), Bullet(*b)) for r, b in data["opened"]]
        point.closed = [(int(n), made(project, r), Bullet(*b)) for n, r, b in data["closed"]]
    else:
        point.opened = [Blocker(seen(r), Bullet(*b)) for r, b in data["opened"]]
        point.closed = [(int(n), seen(r), Bullet(*b)) for n, r, b in data["closed"]]
    point.open = [(int(n), Blocker(rec(r), _bul(b))) for n, r, b in data["open"]]
    point._carry, point._load_carry = None, load_carry
    return point


def _cached_carry(cache_dir: Path, project: str, month: str, key: str) -> list[Record] | None:
    found = _load(_carry_file(cache_dir, project, month))
    if not (isinstance(found, dict) and found.get("v") in READ and found.get("key") == key):
        return None
    try:
        return [archive._record_from_json(project, r) for r in found["carry"]]
    except (KeyError, TypeError, ValueError):
        return None


def _carry_of(cfg: Config, project: str, folders: list[str], month_keys: list[str], i: int
              ) -> list[Record]:
    """The records carried out of folder `i`: from its file, else from the nearest earlier
    folder's and the month folders since (a missing or damaged file costs those reads)."""
    cache_dir = cfg.state_path / "cache"
    j = i
    carry: list[Record] | None = None
    while j >= 0:
        carry = _cached_carry(cache_dir, project, folders[j], month_keys[j])
        if carry is not None:
            break
        j -= 1
    carry = carry or []
    for k in range(j + 1, i + 1):
        records = ordered([*carry, *archive.month_records(cfg.logs_path, project, folders[k],
                                                          cfg.timezone, cache_dir)])
        edge = archive.cutoff(folders[k]).timestamp()
        carry = [r for r in records if r.at.timestamp() >= edge]
        point = Checkpoint()
        point.carry = carry
        _save(_carry_file(cache_dir, project, folders[k]), _carry_json(month_keys[k], point))
    return carry


def _cache_file(cache_dir: Path, project: str, month: str) -> Path:
    return cache_dir / "reports" / project / f"{month}.blockers.json"


def _carry_file(cache_dir: Path, project: str, month: str) -> Path:
    return cache_dir / "reports" / project / f"{month}.carry.json"


def _tail_file(cache_dir: Path, project: str, month: str) -> Path:
    return cache_dir / "reports" / project / f"{month}.blockers.tail.json"


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _save(path: Path, data: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
        atomic_write_text(path, json.dumps(data, separators=(",", ":")))


RACY_NS = 1_000_000_000  # a folder changed this recently may change again within its mtime tick


def keys(cfg: Config, project: str, folders: list[str], version: int = KEYS_VERSION) -> list[str]:
    """A key per month folder naming every archive file of the project up to it (and
    `version`, the format of the files kept under it).

    Listing a month's names reads the index of each of its packs; the key each folder got is
    kept (`keys.json` beside the checkpoints) with its contributor folders' mtimes (adding,
    removing or packing files changes them) and the key before it, and taken back while both
    are unchanged. A folder changed within the last second could change again in the same
    mtime tick, so its month is listed (as git treats a racily clean index entry). The keys
    are the same either way; a missing or damaged file costs the listing."""
    import os
    import time

    root = layout.archive_root(cfg.logs_path)
    memo_file = cfg.state_path / "cache" / "reports" / project / "keys.json"
    memo = _load(memo_file)
    kept: dict[str, Any] = memo.get("months", {}) if isinstance(memo, dict) and memo.get("v") == 1 else {}
    by_month: dict[str, list[layout.Folder]] = {}
    for found in layout.folders(root, archive=True, months=set(folders), project=project):
        by_month.setdefault(found.month, []).append(found)
    racy = time.time_ns() - RACY_NS
    keys: list[str] = []
    key = f"{version}|{cfg.timezone}"
    fresh: dict[str, Any] = {}
    for folder in folders:
        stamps: list[str] = []
        settled = True
        for found in by_month.get(folder, []):
            try:
                mtime = os.stat(found.path).st_mtime_ns
            except OSError:
                mtime = -1
            settled = settled and 0 <= mtime < racy
            stamps.append(f"{found.user}:{mtime}")
        slot = f"{version}|{folder}"
        before = key
        held = kept.get(slot)
        if settled and isinstance(held, list) and held[:2] == [before, stamps] and isinstance(held[2], str):
            key = held[2]
        else:
            names = [f.name for f in layout.walk(root, archive=True, months=(folder,), project=project)]
            key = sha256_hex("\n".join([key, folder, *names]))
        if settled:
            fresh[slot] = [before, stamps, key]
        keys.append(key)
    if any(kept.get(slot) != value for slot, value in fresh.items()):
        _save(memo_file, {"v": 1, "months": {**kept, **fresh}})
    return keys


def _carrier(cfg: Config, project: str, folders: list[str], month_keys: list[str], i: int
             ) -> Callable[[], list[Record]]:
    return lambda: _carry_of(cfg, project, folders, month_keys, i)


def _fold(records: Iterable[Record], book: BlockerBook, numbers: dict[int, int], point: Checkpoint,
          ) -> None:
    """Fold `records` (in order) into `book`; what opens and closes goes to `point`.
    `numbers`: id(blocker) -> its number."""
    for record in records:
        for bullet in record.entry.bullets:
            if bullet.kind == "blocker":
                blocker = Blocker(record, bullet)
                numbers[id(blocker)] = point.first + len(point.opened)
                point.opened.append(blocker)
                book.add(blocker)
            elif bullet.kind == "unblock":
                taken = book.close(record, bullet)
                if taken is not None:
                    point.closed.append((numbers[id(taken)], record, bullet))


def checkpoints(cfg: Config, project: str, upto: str | None = None, *, last_only: bool = False,
                since: str | None = None) -> list[Checkpoint]:
    """The checkpoint after each month folder of `project` (up to `upto`), oldest first,
    from the cache where it is current, folded (and cached) where not. `last_only`: only the
    last one is wanted (a list of one, or none): the newest current cache is read, and only
    the folders after it are folded. `since`: only the folders from that month on are wanted,
    after the checkpoint of the folder before them (an empty one when there is none): that
    one is read as `last_only` reads it."""
    folders = [m for m in layout.archive_months(cfg.logs_path, project) if upto is None or m <= upto]
    month_keys = keys(cfg, project, folders)
    cache_dir = cfg.state_path / "cache"
    out: list[Checkpoint] = []
    start = 0
    limit = len(folders) if since is None else sum(1 for m in folders if m < since)
    if last_only or since is not None:
        for i in range(limit - 1, -1, -1):
            cached = _load(_cache_file(cache_dir, project, folders[i]))
            if isinstance(cached, dict) and cached.get("v") in READ \
                    and cached.get("key") == month_keys[i]:
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    out.append(_upgraded(_cache_file(cache_dir, project, folders[i]), cached, _from_json(
                        project, cached, _carrier(cfg, project, folders, month_keys, i))))
                    out[-1].month, out[-1].key = folders[i], month_keys[i]
                    start = i + 1
                    break
    for i in range(start, len(folders)):
        folder = folders[i]
        cached = _load(_cache_file(cache_dir, project, folder))
        current = isinstance(cached, dict) and cached.get("v") in READ
        if current and cached.get("key") == month_keys[i]:
            try:
                out.append(_upgraded(_cache_file(cache_dir, project, folder), cached, _from_json(
                    project, cached, _carrier(cfg, project, folders, month_keys, i))))
                out[-1].month, out[-1].key = folder, month_keys[i]
                continue
            except (KeyError, TypeError, ValueError):
                pass
        before = out[-1] if out else Checkpoint()
        # The newest folder, where commits land (a report up to an earlier one, the weekly
        # one's, neither marks nor grows it: that folder is seldom committed into).
        last = upto is None and i == len(folders) - 1
        if last and isinstance(cached, dict):
            grown = _grow(cfg, project, folder, month_keys, i, before, cached)
            if grown is not None:
                out.append(grown)
                continue
        point = Checkpoint()
        point.month, point.key = folder, month_keys[i]
        point.first = before.first + len(before.opened)
        numbers: dict[int, int] = {}
        open_before = [b for _, b in before.open]
        for n, b in before.open:
            numbers[id(b)] = n
        book = BlockerBook(open_before)
        # Listed before it is read: a file added in between is then new to the mark, and
        # holds entries folded already, so the next commit folds the month whole.
        listed = monthtail.sources(cfg, project, folder) if last else []
        records = ordered([*before.carry, *archive.month_records(
            cfg.logs_path, project, folder, cfg.timezone, cache_dir)])
        edge = archive.cutoff(folder).timestamp()
        folded = [r for r in records if r.at.timestamp() < edge]
        _fold(folded, book, numbers, point)
        point.carry = [r for r in records if r.at.timestamp() >= edge]
        point.total = before.total + len(folded)
        point.open = [(numbers[id(b)], b) for b in book.still_open]
        _save(_carry_file(cache_dir, project, folder), _carry_json(month_keys[i], point))
        _save(_cache_file(cache_dir, project, folder), _to_json(month_keys[i], point))
        if last:  # what lets the next commit into this folder fold only its own entries
            mark = monthtail.mark(records, listed, month_keys[i - 1] if i else "")
            _save(_tail_file(cache_dir, project, folder),
                  {"v": CACHE_VERSION, "key": month_keys[i], "mark": mark})
        out.append(point)
    if since is not None:  # the folders before `limit` are the first `cut` of `out`
        cut = len(out) - (len(folders) - limit)
        return [out[cut - 1] if cut else Checkpoint(), *out[cut:]]
    return out[-1:] if last_only else out


def _grow(cfg: Config, project: str, folder: str, month_keys: list[str], i: int, before: Checkpoint,
          cached: dict[str, Any]) -> Checkpoint | None:
    """The newest folder's checkpoint, kept under an older key, folded again only from the
    first entry of the archive files added since (insight.monthtail), onto the fold up to
    there: the blockers opened and closed before it stay, those open at it are open again.
    None when the folder must be folded whole (no mark, a file removed, an entry archived
    twice, a record carried in after a new one, or a blocker left open whose entry the
    checkpoint kept only as a report shows it)."""
    cache_dir = cfg.state_path / "cache"
    tail = _load(_tail_file(cache_dir, project, folder))
    if not (isinstance(tail, dict) and tail.get("v") == CACHE_VERSION and cached.get("v") == CACHE_VERSION
            and tail.get("key") == cached.get("key")):
        return None
    change = monthtail.grown(cfg, project, folder, tail.get("mark"), month_keys[i - 1] if i else "")
    if change is None:
        return None
    start = change.point
    again = ordered([*change.again, *change.new])
    if len(again) != len(change.again) + len(change.new) \
            or any(r.sort_key() >= start for r in before.carry):
        return None
    try:
        old = _from_json(project, cached, lambda: [])
        old_carry = _cached_carry(cache_dir, project, folder, str(cached["key"]))
    except (KeyError, TypeError, ValueError):
        return None
    if old_carry is None or old.first != before.first + len(before.opened):
        return None

    def early(record: Record) -> bool:
        return record.sort_key() < start

    point = Checkpoint()
    point.month, point.key = folder, month_keys[i]
    point.grown_from = (str(cached["key"]), start)
    point.first = old.first
    point.opened = [b for b in old.opened if early(b.record)]  # in fold order: a prefix
    point.closed = [c for c in old.closed if early(c[1])]
    # The fold at the first new entry: the blockers open at the folder's start or opened
    # since, less those closed since, in the order opened; a whole entry where one is kept.
    whole = {n: b for n, b in [*before.open, *old.open]}
    shut = {n for n, _, _ in point.closed}
    numbers: dict[int, int] = {}
    at_start: list[Blocker] = []
    for n, b in [*before.open, *((point.first + k, b) for k, b in enumerate(point.opened))]:
        if n not in shut:
            b = whole.get(n, b)
            numbers[id(b)] = n
            at_start.append(b)
    book = BlockerBook(at_start)
    edge = archive.cutoff(folder).timestamp()
    folded = [r for r in again if r.at.timestamp() < edge]
    _fold(folded, book, numbers, point)
    point.carry = [*(r for r in old_carry if early(r)), *(r for r in again if r.at.timestamp() >= edge)]
    point.total = old.total + sum(1 for r in change.new if r.at.timestamp() < edge)
    point.open = [(numbers[id(b)], b) for b in book.still_open]
    if any(isinstance(b.record, Seen) for _, b in point.open):
        return None
    _save(_carry_file(cache_dir, project, folder), _carry_json(point.key, point))
    _save(_cache_file(cache_dir, project, folder), _to_json(point.key, point))
    _save(_tail_file(cache_dir, project, folder), {"v": CACHE_VERSION, "key": point.key, "mark": change.mark})
    return point


def _upgraded(path: Path, data: dict[str, Any], point: Checkpoint) -> Checkpoint:
    """`point`, read from `data`; an older version's file is written again in this one."""
    if data.get("v") != CACHE_VERSION:
        _save(path, _to_json(str(data["key"]), point))
    return point


class Closings(NamedTuple):
    """The blockers closed in one month folder of a project (by its checkpoint's fold), under
    the folder's key: the same key, the same closings, whatever else changed after it."""

    project: str
    month: str
    key: str
    blockers: list[Blocker]
    # The folder's key before a commit that only added files, and the order key of its first
    # new entry: the blockers closed before that entry were closed the same under that key.
    since: tuple[str, tuple[Any, ...]] | None = None


def numbered(points: list[Checkpoint], before: Checkpoint | None = None,
             closings: list[Closings] | None = None, project: str = "") -> dict[int, Blocker]:
    """The blockers of the checkpoints' folders by number, with the closings their folders
    made (`before`: the checkpoint of the folder before them, whose open blockers come first
    and may be closed in them). `closings`: gets each checkpoint's closed blockers."""
    found: dict[int, Blocker] = {} if before is None else dict(before.open)
    for point in points:
        found.update(enumerate(point.opened, point.first))
    for point in points:
        for n, record, bullet in point.closed:
            found[n].closed_by, found[n].closing = record, bullet
        if closings is not None:
            closings.append(Closings(project, point.month, point.key, [found[n] for n, _, _ in point.closed],
                                     point.grown_from))
    return found


def blockers_after(points: list[Checkpoint], now: datetime, closings: list[Closings] | None = None,
                   project: str = "", before: Checkpoint | None = None) -> tuple[list[Blocker], int]:
    """The blockers of the checkpoints' folders and of the last carry, as the fold over every
    record up to `now` finds them (in the order opened); and the number of entries.
    `closings`: gets each checkpoint's closed blockers (the last carry's are in none).
    `before`: the checkpoint of the folder before the first of `points` (none: they start
    with the first folder): the blockers open there come first, and may be closed after it."""
    found = numbered(points, before, closings, project)
    total = 0
    last = points[-1] if points else before
    if last is not None:
        tail_records = ordered(last.carry)
        total = last.total + len(tail_records)
        book = BlockerBook(found[n] for n, _ in last.open)
        numbers = {id(found[n]): n for n, _ in last.open}
        tail = Checkpoint()
        tail.first = last.first + len(last.opened)
        _fold(tail_records, book, numbers, tail)
        found.update(enumerate(tail.opened, tail.first))
        for n, record, bullet in tail.closed:
            found[n].closed_by, found[n].closing = record, bullet
    return _until(list(found.values()), now), total


def _until(found: list[Blocker], now: datetime) -> list[Blocker]:
    """Records after `now` never were: their blockers dropped, their unblocks undone. (The fold
    is in time order, so nothing after `now` changes what happened before it.)"""
    out = [b for b in found if b.record.at <= now]
    for b in out:
        if b.closed_by is not None and b.closed_by.at > now:
            b.closed_by = b.closing = None
    return out


def every_blocker(cfg: Config, now: datetime, closings: list[Closings] | None = None
                  ) -> tuple[list[Blocker], int]:
    """Every blocker of every project up to `now`, with what closed it, in the order
    `reports._all_blockers` gives them; and the number of archived entries. `closings`: gets
    what each project's month folder closed (`Closings`), for a report that keeps its text."""
    found: list[Blocker] = []
    total = 0
    for project in layout.archive_projects(cfg.logs_path):
        mine, count = blockers_after(checkpoints(cfg, project), now, closings, project)
        found += mine
        total += count
    found.sort(key=lambda b: (b.record.sort_key(), b.bullet.line))
    return found, total


def window(cfg: Config, first: str, now: datetime) -> tuple[list[Record], list[Blocker], int]:
    """For a report of the month folders from `first` on: their records (and the ones carried
    into them), in order, and every blocker open at their start or opened in them, with the
    unblocks among those records applied, up to `now`; and the number of archived entries.
    Earlier folders are not read: the open blockers and the count come from the checkpoint of
    the folder before `first`."""
    total = 0
    records: list[Record] = []
    found: list[Blocker] = []
    cache_dir = cfg.state_path / "cache"
    for project in layout.archive_projects(cfg.logs_path):
        folders = layout.archive_months(cfg.logs_path, project)
        earlier = [m for m in folders if m < first]
        before = checkpoints(cfg, project, earlier[-1], last_only=True)[-1] if earlier else Checkpoint()
        mine = ordered([*before.carry, *(r for folder in folders if folder >= first
                                         for r in archive.month_records(cfg.logs_path, project, folder,
                                                                        cfg.timezone, cache_dir))])
        opened = [b for _, b in before.open]
        book = BlockerBook(opened)
        point = Checkpoint()
        _fold((r for r in mine if r.at <= now), book, {id(b): 0 for b in opened}, point)
        found += opened + point.opened
        records += mine
        total += before.total + len(mine)
    found.sort(key=lambda b: (b.record.sort_key(), b.bullet.line))
    return ordered(records), found, total
