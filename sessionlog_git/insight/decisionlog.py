"""What became of each decision, without reading the history: the lifecycle fold per month
folder, kept in the state folder's cache.

`sessionlog why` shows, for the few entries behind a line, whether each decision is still in
force or what replaced it (logs.lifecycle). That depends on every decision before it (a
`Supersedes:` takes the live decision it shares the most words with), so the fold runs over
the project's month folders in order, as the status checkpoints do (records before a folder's
cutoff folded, the rest carried into the next), and each folder's result is cached under a
key naming every archive file up to it:

* `<month>.decisions.json`: the decisions stated there (slim: title, meta and the lifecycle
  bullets), numbered in the order stated, and the records carried on;
* `<month>.retired.json`: the decisions retired there, by number, with what retired them;
* `<month>.words.json`: the decisions stated there by their words (insight.decisionwords),
  what a later folder's `Supersedes:` is matched against.

An answer reads the stated file of its entries' month and the retired files from there on.
A folder whose key changed is folded again from the decisions of the folders before it
(their words files, less the numbers their retired files name): no book of every live
decision is built. A commit into the newest folder folds it again only from the first new
entry on (insight.monthtail). Deleting the cache, or any damage to it, costs a re-fold,
never a different answer.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sessionlog_git.config import Config
from sessionlog_git.insight import monthtail
from sessionlog_git.insight.blockerlog import keys
from sessionlog_git.insight.decisionwords import Part, PostedBook
from sessionlog_git.logs import archive, layout
from sessionlog_git.logs.entries import Bullet, Entry
from sessionlog_git.logs.lifecycle import Decision, expiry
from sessionlog_git.logs.model import Record, ordered

CACHE_VERSION = 1
# The version in the folders' keys: 2, as when these files were first keyed. Kept apart from
# the blocker fold's file format, so that a change of that format leaves these files current.
KEYS_VERSION = 2
KEPT = ("summary", "decision", "supersede", "revert", "expires")  # a stated decision's bullets


def _slim(record: Record) -> Record:
    entry = record.entry
    kept = Entry(time=entry.time, title=entry.title, bullets=[b for b in entry.bullets if b.kind in KEPT],
                 meta=entry.meta, heading=entry.heading, line=entry.line, day=entry.day, at=entry.at)
    return Record(kept, record.project, record.user, record.source)


def _bullet_json(bullet: Bullet) -> list[Any]:
    return [bullet.kind, bullet.text, bullet.line]


def _bul(value: list[Any]) -> Bullet:
    return Bullet(value[0], value[1], value[2])


class Folder:
    """One month folder's part of the fold."""

    def __init__(self, first: int = 0) -> None:
        self.first = first  # the number of the first decision stated here
        self.stated: list[Decision[Record]] = []
        # (number, retiring record, bullet, how, the numbers of the replacements)
        self.retired: list[tuple[int, Record, Bullet, str, list[int]]] = []
        self.carry: list[Record] = []
        # Folded only while this is the project's last folder: its carry, after its cutoff.
        self.tail_stated: list[Decision[Record]] = []
        self.tail_retired: list[tuple[int, Record, Bullet, str, list[int]]] = []


def _words_file(cache_dir: Path, project: str, month: str) -> Path:
    return cache_dir / "reports" / project / f"{month}.words.json"


def _files(cache_dir: Path, project: str, month: str) -> tuple[Path, Path]:
    base = cache_dir / "reports" / project
    return base / f"{month}.decisions.json", base / f"{month}.retired.json"


def _load(path: Path, key: str | None) -> Any:
    """The cache file if it is current (`key`; None: under any key)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("v") == CACHE_VERSION and (key is None or data.get("key") == key):
        return data
    return None


def _save(path: Path, data: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
        atomic_write_text(path, json.dumps(data, separators=(",", ":")))


def _stated(project: str, data: dict[str, Any]) -> Folder:
    folder = Folder(int(data["first"]))
    for r, b in data["stated"]:
        record = archive._record_from_json(project, r)
        folder.stated.append(Decision(record, _bul(b), expiry(record.entry)))
    folder.carry = [archive._record_from_json(project, r) for r in data["carry"]]
    for r, b in data["tail_stated"]:
        record = archive._record_from_json(project, r)
        folder.tail_stated.append(Decision(record, _bul(b), expiry(record.entry)))
    return folder


def _retired(project: str, rows: list[Any]) -> list[tuple[int, Record, Bullet, str, list[int]]]:
    return [(int(n), archive._record_from_json(project, r), _bul(b), str(how), [int(x) for x in new])
            for n, r, b, how, new in rows]


def _retired_json(rows: list[tuple[int, Record, Bullet, str, list[int]]]) -> list[Any]:
    return [[n, archive._record_json(_slim(r)), _bullet_json(b), how, new] for n, r, b, how, new in rows]


class Lifecycle:
    """The fold over one project's folders, read from the cache or folded where stale."""

    def __init__(self, cfg: Config, project: str) -> None:
        self.cfg, self.project = cfg, project
        self.cache_dir = cfg.state_path / "cache"
        self.folders = layout.archive_months(cfg.logs_path, project)
        self.keys = dict(zip(self.folders, keys(cfg, project, self.folders, KEYS_VERSION), strict=True))
        self._stated: dict[str, Folder] = {}
        self._retired: dict[str, list[tuple[int, Record, Bullet, str, list[int]]]] = {}
        self._parts: dict[str, Part] = {}  # a folder's decisions by word (insight.decisionwords)

    def stated(self, month: str) -> Folder:
        if month not in self._stated:
            self._ensure(month)
        return self._stated[month]

    def retired(self, month: str) -> list[tuple[int, Record, Bullet, str, list[int]]]:
        if month not in self._retired:
            self._ensure(month)
        return self._retired[month]

    def _ensure(self, month: str) -> None:
        first, second = _files(self.cache_dir, self.project, month)
        key = self.keys[month]
        a, b = _load(first, key), _load(second, key)
        last = month == self.folders[-1]
        if a is not None and b is not None and (a.get("tail") or not last):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self._stated[month] = _stated(self.project, a)
                self._retired[month] = _retired(self.project, b["retired"])
                self._stated[month].tail_retired = _retired(self.project, b["tail_retired"])
                return
        if last and self._grow(month):
            return
        self._refold(month)

    def _before(self, month: str) -> str:
        i = self.folders.index(month)
        return self.keys[self.folders[i - 1]] if i else ""

    def _part(self, month: str) -> Part:
        """`month`'s decisions by word: from the cache, else from its checkpoint (and kept)."""
        if month not in self._parts:
            path = _words_file(self.cache_dir, self.project, month)
            part = Part.from_json(_load(path, self.keys[month]))
            if part is None:
                folder = self.stated(month)
                part = Part.of(folder.first, folder.stated)
                _save(path, {"v": CACHE_VERSION, "key": self.keys[month], **part.to_json()})
            self._parts[month] = part
        return self._parts[month]

    def _dead(self, month: str) -> set[int]:
        """The numbers of the decisions `month`'s fold retired."""
        if month not in self._retired:
            data = _load(_files(self.cache_dir, self.project, month)[1], self.keys[month])
            with contextlib.suppress(KeyError, TypeError, ValueError):
                if data is not None:
                    return {int(row[0]) for row in data["retired"]}
        return {n for n, *_ in self.retired(month)}

    def _book(self, month: str) -> PostedBook:
        """The book at the start of `month`'s fold: every decision of the folders before it,
        less the retired ones, matched through their words (insight.decisionwords)."""
        parts: list[Part] = []
        dead: set[int] = set()
        for m in self.folders[: self.folders.index(month)]:
            part = self._part(m)
            if part.first != (parts[-1].end if parts else 0):  # damaged: made again from the fold
                self._parts.pop(m)
                _words_file(self.cache_dir, self.project, m).unlink(missing_ok=True)
                part = self._part(m)
            parts.append(part)
            dead |= self._dead(m)
        return PostedBook(parts, dead)

    def _fold(self, month: str, book: PostedBook, records: Iterable[Record], here: Folder) -> None:
        """Fold `records` (in order, after everything in `here`) into `here`: the ones before
        the folder's cutoff into its fold, the rest carried (and, in the newest folder, folded
        as its tail)."""
        edge = archive.cutoff(month).timestamp()
        last = month == self.folders[-1]
        for record in records:
            if record.at.timestamp() >= edge:
                here.carry.append(record)
                if not last:
                    continue
                stated, retired = here.tail_stated, here.tail_retired
            else:
                stated, retired = here.stated, here.retired
            new, gone = book.step(record)
            stated += new
            for d in gone:
                retired.append((book.number[id(d)], record, d.retiring or Bullet("supersede", "", 0),
                                d.how, [book.number[id(n)] for n in d.replacements]))

    def _refold(self, month: str) -> None:
        """Fold `month` again, from the live decisions after the folders before it."""
        i = self.folders.index(month)
        before = self.stated(self.folders[i - 1]) if i else None
        carry = before.carry if before is not None else []
        book = self._book(month)
        here = Folder(book.next)
        folded = monthtail.sources(self.cfg, self.project, month)
        records = ordered([*carry, *archive.month_records(
            self.cfg.logs_path, self.project, month, self.cfg.timezone, self.cache_dir)])
        self._fold(month, book, records, here)
        for stale in (self.cache_dir / "reports" / self.project).glob("*.book.json"):
            stale.unlink(missing_ok=True)  # the kept books of every live decision, no longer read
        last = month == self.folders[-1]
        grown = monthtail.mark(records, folded, self._before(month)) if last else None
        self._write(month, here, grown)

    def _grow(self, month: str) -> bool:
        """The newest folder's fold, kept under an older key, folded again from the first
        entry of the archive files added since (insight.monthtail): False when it must be
        folded whole."""
        first_file, second_file = _files(self.cache_dir, self.project, month)
        a, b = _load(first_file, None), _load(second_file, None)
        if a is None or b is None or not a.get("tail") or b.get("key") != a.get("key"):
            return False
        change = monthtail.grown(self.cfg, self.project, month, a.get("grown"), self._before(month))
        if change is None:
            return False
        point = change.point
        i = self.folders.index(month)
        if i and any(r.sort_key() >= point for r in self.stated(self.folders[i - 1]).carry):
            return False  # a record carried in comes after a new one: fold the month whole
        try:
            kept = _stated(self.project, a)
            retired = _retired(self.project, b["retired"])
            tail_retired = _retired(self.project, b["tail_retired"])
        except (KeyError, TypeError, ValueError):
            return False
        again = ordered([*change.again, *change.new])
        if len(again) != len(change.again) + len(change.new):
            return False

        def early(record: Record) -> bool:
            return record.sort_key() < point

        # The fold up to the first new entry stays: numbered first, folded before it.
        here = Folder(kept.first)
        here.stated = [d for d in kept.stated if early(d.record)]
        here.tail_stated = [d for d in kept.tail_stated if early(d.record)]
        here.retired = [row for row in retired if early(row[1])]
        here.tail_retired = [row for row in tail_retired if early(row[1])]
        here.carry = [r for r in kept.carry if early(r)]
        book = self._book(month)
        if book.next != kept.first:
            return False
        for d in [*here.stated, *here.tail_stated]:
            book.add(d)
        book.kill(n for n, *_ in [*here.retired, *here.tail_retired])
        self._fold(month, book, again, here)
        self._write(month, here, change.mark)
        return True

    def _write(self, month: str, here: Folder, grown: dict[str, Any] | None) -> None:
        """Save a folder's fold under its current key, and keep it (slim) for this answer."""
        key = self.keys[month]
        last = month == self.folders[-1]
        first_file, second_file = _files(self.cache_dir, self.project, month)
        _save(first_file, {
            "v": CACHE_VERSION, "key": key, "first": here.first,
            "stated": [[archive._record_json(_slim(d.record)), _bullet_json(d.bullet)] for d in here.stated],
            "carry": [archive._record_json(r) for r in here.carry], "tail": last,
            "tail_stated": [[archive._record_json(_slim(d.record)), _bullet_json(d.bullet)]
                            for d in here.tail_stated],
            "grown": grown,
        })
        _save(second_file, {"v": CACHE_VERSION, "key": key, "retired": _retired_json(here.retired),
                            "tail_retired": _retired_json(here.tail_retired)})
        kept = Folder(here.first)
        kept.stated = [Decision(_slim(d.record), d.bullet, d.expires) for d in here.stated]
        kept.tail_stated = [Decision(_slim(d.record), d.bullet, d.expires) for d in here.tail_stated]
        kept.carry = here.carry
        kept.tail_retired = [(n, _slim(r), b, how, new) for n, r, b, how, new in here.tail_retired]
        self._stated[month] = kept
        self._retired[month] = [(n, _slim(r), b, how, new) for n, r, b, how, new in here.retired]
        self._parts.pop(month, None)

    def stated_all(self, month: str) -> list[Decision[Record]]:
        """The decisions stated in `month`'s fold (and its tail, when it is the last folder)."""
        folder = self.stated(month)
        return folder.stated + (folder.tail_stated if month == self.folders[-1] else [])

    def retired_all(self, month: str) -> list[tuple[int, Record, Bullet, str, list[int]]]:
        rows = self.retired(month)
        return rows + (self.stated(month).tail_retired if month == self.folders[-1] else [])


def decisions_of(cfg: Config, records: Iterable[Record]) -> dict[tuple[str, int], Decision[Record]]:
    """(source, bullet line) -> the decision, with what retired it, for every decision the
    given records state; as `logs.lifecycle.fold` over the whole history gives it."""
    wanted: dict[str, set[tuple[str, int]]] = {}
    for record in records:
        for bullet in record.entry.bullets:
            if bullet.kind in ("decision", "supersede"):
                wanted.setdefault(record.project, set()).add((record.source, bullet.line))
    out: dict[tuple[str, int], Decision[Record]] = {}
    for project, places in sorted(wanted.items()):
        book = Lifecycle(cfg, project)
        if not book.folders:
            continue
        months = {p[0].split("/")[1] for p in places if p[0].count("/") >= 4}
        start = min((m for m in book.folders if m in months), default=book.folders[0])
        later = [m for m in book.folders if m >= start]
        # A record carried over a folder's cutoff is stated in the next folder's fold.
        search = {m for i, m in enumerate(book.folders)
                  if m in months or (i and book.folders[i - 1] in months)}
        found: dict[int, Decision[Record]] = {}
        for month in sorted(search):
            first = book.stated(month).first
            for i, d in enumerate(book.stated_all(month)):
                if (d.record.source, d.bullet.line) in places:
                    found[first + i] = d
        numbered: dict[int, Decision[Record]] = dict(found)
        for month in later:
            for n, record, bullet, how, new in book.retired_all(month):
                if n not in found:
                    continue
                d = found[n]
                d.retired_by, d.retiring, d.how = _full(cfg, record), bullet, how
                d.replacements = [_replacement(book, x, numbered) for x in new]
        for d in found.values():
            out[(d.record.source, d.bullet.line)] = d
    return out


def _replacement(book: Lifecycle, number: int, known: dict[int, Decision[Record]]) -> Decision[Record]:
    if number not in known:
        for month in book.folders:
            folder = book.stated(month)
            stated = book.stated_all(month)
            if folder.first <= number < folder.first + len(stated):
                known[number] = stated[number - folder.first]
                break
    return known[number]


def _full(cfg: Config, slim: Record) -> Record:
    """The whole entry behind a slim record (read from its archive file), for showing it."""
    rel = f"{cfg.logs_dir.rstrip('/')}/{slim.source}"
    try:
        data = layout.read_archive_path(cfg.top / rel)  # loose or packed
        found = archive.records_at(rel, data, cfg.logs_dir, cfg.timezone, source=slim.source)
    except (OSError, UnicodeDecodeError, ValueError):
        return slim
    return next((r for r in found if r.entry.line == slim.entry.line), slim)
