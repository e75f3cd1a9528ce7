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
* `<month>.retired.json`: the decisions retired there, by number, with what retired them.

An answer reads the stated file of its entries' month and the retired files from there on.
A folder whose key changed is folded again from the live decisions before it (read from the
stated and retired files of the earlier folders). Deleting the cache, or any damage to it,
costs a re-fold, never a different answer.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sessionlog_git.base.text import words
from sessionlog_git.config import Config
from sessionlog_git.insight.blockerlog import keys
from sessionlog_git.logs import archive, layout
from sessionlog_git.logs.entries import Bullet, Entry
from sessionlog_git.logs.lifecycle import Decision, DecisionBook, expiry
from sessionlog_git.logs.model import Record, ordered

CACHE_VERSION = 1
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


@dataclass(frozen=True)
class _Owner:
    """What the book needs of an earlier decision's entry: its author (the matching rule's
    fallback). A kept book holds only that, the bullet and the decision's number."""

    user: str


def _book_file(cache_dir: Path, project: str, month: str) -> Path:
    return cache_dir / "reports" / project / f"{month}.book.json"


def _files(cache_dir: Path, project: str, month: str) -> tuple[Path, Path]:
    base = cache_dir / "reports" / project
    return base / f"{month}.decisions.json", base / f"{month}.retired.json"


def _load(path: Path, key: str) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("v") == CACHE_VERSION and data.get("key") == key:
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
        self.keys = dict(zip(self.folders, keys(cfg, project, self.folders), strict=True))
        self._stated: dict[str, Folder] = {}
        self._retired: dict[str, list[tuple[int, Record, Bullet, str, list[int]]]] = {}
        # After folding a folder: (it, the book, decision numbers, the next number), so that
        # folding the next one goes on from there instead of rebuilding the book.
        self._going: tuple[str, DecisionBook[Record], dict[int, int], int] | None = None

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
        self._refold(month)

    def _refold(self, month: str) -> None:
        """Fold `month` again, from the live decisions after the folders before it."""
        earlier = [m for m in self.folders if m < month]
        carry: list[Record] = self.stated(earlier[-1]).carry if earlier else []
        going = self._going
        if earlier and (going is None or going[0] != earlier[-1]):
            going = self._saved_book(earlier[-1]) or going
        if going is not None and earlier and going[0] == earlier[-1]:
            _, book, number, first = going  # the folder before was folded: go on from its book
        else:
            every: list[Decision[Record]] = []
            for m in earlier:
                every += self.stated(m).stated
            gone = {n for m in earlier for n, *_ in self.retired(m)}
            first = len(every)
            book = DecisionBook(words, (d for i, d in enumerate(every) if i not in gone))
            number = {id(d): i for i, d in enumerate(every)}
            if earlier[-1:] and self.folders.index(earlier[-1]) >= len(self.folders) - 2:
                self._save_book(earlier[-1], book, number, first)  # the next re-fold starts here
        here = Folder(first)
        records = ordered([*carry, *archive.month_records(
            self.cfg.logs_path, self.project, month, self.cfg.timezone, self.cache_dir)])
        edge = archive.cutoff(month).timestamp()

        def fold(part: Iterable[Record], stated: list[Decision[Record]],
                 retired: list[tuple[int, Record, Bullet, str, list[int]]], start: int) -> None:
            for record in part:
                new, gone_now = book.step(record)
                for d in new:
                    number[id(d)] = start + len(stated)
                    stated.append(d)
                for d in gone_now:
                    retired.append((number[id(d)], record, d.retiring or Bullet("supersede", "", 0),
                                    d.how, [number[id(n)] for n in d.replacements]))

        fold((r for r in records if r.at.timestamp() < edge), here.stated, here.retired, first)
        here.carry = [r for r in records if r.at.timestamp() >= edge]
        last = month == self.folders[-1]
        self._going = None if last else (month, book, number, first + len(here.stated))
        if self.folders.index(month) >= len(self.folders) - 2:
            self._save_book(month, book, number, first + len(here.stated))
        if last:  # the carry no next folder folds yet
            fold(here.carry, here.tail_stated, here.tail_retired, first + len(here.stated))
        key = self.keys[month]
        first_file, second_file = _files(self.cache_dir, self.project, month)
        _save(first_file, {
            "v": CACHE_VERSION, "key": key, "first": here.first,
            "stated": [[archive._record_json(_slim(d.record)), _bullet_json(d.bullet)] for d in here.stated],
            "carry": [archive._record_json(r) for r in here.carry], "tail": last,
            "tail_stated": [[archive._record_json(_slim(d.record)), _bullet_json(d.bullet)]
                            for d in here.tail_stated],
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

    def _save_book(self, month: str, book: DecisionBook[Record], number: dict[int, int], after: int) -> None:
        """The live decisions at the end of `month`'s fold (before its carry), kept for the
        last two folders only: a new file in the newest month re-folds it from the book of
        the one before, instead of from every decision stated before it."""
        live = [[number[id(d)], d.record.user, *_bullet_json(d.bullet)] for d in book.live]
        _save(_book_file(self.cache_dir, self.project, month),
              {"v": CACHE_VERSION, "key": self.keys[month], "next": after, "live": live})
        keep = set(self.folders[-2:])
        for old in self.folders[:-2]:
            if old not in keep:
                with contextlib.suppress(OSError):
                    _book_file(self.cache_dir, self.project, old).unlink(missing_ok=True)

    def _saved_book(self, month: str) -> tuple[str, DecisionBook[Record], dict[int, int], int] | None:
        data = _load(_book_file(self.cache_dir, self.project, month), self.keys[month])
        if data is None:
            return None
        try:
            live = [(int(n), Decision(cast(Record, _Owner(str(user))),
                                      Bullet(str(kind), str(text), int(line))))
                    for n, user, kind, text, line in data["live"]]
            after = int(data["next"])
        except (KeyError, TypeError, ValueError):
            return None
        book = DecisionBook(words, (d for _, d in live))
        return month, book, {id(d): n for n, d in live}, after

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
