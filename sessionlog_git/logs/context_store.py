"""The context index on disk, kept up to date at each commit for the cost of that commit.

`logs.context_index` has the fold and the reader the pre-edit hook calls; this module writes
what that reader opens (`context-index/NN.json`, one shard per checksum of a key, format
unchanged) and the state that lets the next commit fold only what it brings:

    context-index.json            the manifest: for each month of the archive a digest of its
                                  contributor folders and their mtimes, with the newest of
                                  those mtimes; each project's newest folded entry; a version
    context-index.state/
      dirs/<month>.json           that month's contributor folders with their mtimes
      book/<month>/<project>/<user>/<archive file>.json   the live items whose entries
                                  came from that archive file, each with the keys it concerns
      book/<month>/<project>/<user>.json   the same for many archive files of that folder
                                  at once, by file name: a fold that starts BUNDLE_FROM or
                                  more books of one folder (a first consolidation, a backlog)
                                  writes them as one file; each archive file's book is in
                                  one place, its own file or its folder's
      open/<project>.json         the open blockers (an `Unblocked:` is matched against them)
      listing/<month>/<project>/<user>.json   the archive files of that folder folded
      listing/<month>/<project>.json   the same for many contributor folders at once, by user
      steps/<project>/<day>.json  the steps of that day's records (UTC, by the entry's time):
                                  each record that states, retires, opens or closes something,
                                  with what it changed (`context_index.step_of`)
      steps/<project>/<month>.json   the same for many days of that month at once, by day:
                                  like a folder's books, the listings and steps files a fold
                                  starts BUNDLE_FROM or more of (a backlog) are written as one
                                  file; each is in one place, its own file or its bundle
      undo.json, undo.N.json      what the last folds changed (the newest first, UNDO_KEPT
                                  of them), to take them back

A commit reads the manifest, digests the contributor folders' mtimes month by month (the
caller stated them; never a listing of every archive file), reads the folders of only the
months whose digest moved, lists only the folders whose mtime moved, and reads the book
files, shards and open blockers of what its entries touch: what it reads, decodes and
writes is the size of its months, not of the history's. Only a `Supersedes:`/`Reverted:`
reads every live decision of its project (it is matched against all of them). A first
consolidation (no index yet, an archive of nothing but the files it brings) folds onto the
empty index a rebuild would leave, made in memory, not written and read back
(`_empty_start`).

What the fold of a decision or blocker gives depends on the order of the records (a
`Supersedes:` takes the live decision it shares the most words with, the oldest on a tie; an
`Unblocked:`, the open blocker; a replacement inherits the paths of what it retired); nothing
else does (findings are cut to the newest per path by time, whatever order they came in).
So archive files this commit did not bring (a pull, a merge, a checkout of a teammate's
work) are folded like its own, their commit links read from the commits that added them
only; and when a new entry is older than one folded already (a pull, a clock set ahead, an
entry dated in the future), the steps from that entry's time on are taken back, newest
first (the items they added go, the ones they retired come back), and fed again in time
order with the new entries: the cost is the entries after it, not the history. When the
archive lost files, the last folds are taken back, newest first, as far as that explains
it (a reset of the last few commits; the files they folded that are still there are then
folded again). Otherwise (a reset further back, a checkout of another branch, an entry
archived twice, state that does not hold what it should) the index is rebuilt from the
whole archive: the result is always what `rebuild` gives.
"""
from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sessionlog_git.constants import (
    ARCHIVE_DIR,
    CONTEXT_INDEX,
    CONTEXT_SEEN,
    CONTEXT_SHARDS,
    CONTEXT_STATE,
)
from sessionlog_git.logs import context_index as ci
from sessionlog_git.logs import layout

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sessionlog_git.logs.model import Record
    from sessionlog_git.workspace import Workspace

VERSION = 6  # 3: the steps; 4: a folder's books in one file; 5: a backlog's steps and listings
# too; 6: the folders' mtimes by month, a digest of each in the manifest
BUNDLE_FROM = 8  # new books of one contributor folder in one fold, written as one file (and
# new steps files of one project's month, new listings of one month's project)
UNDO_KEPT = 8  # folds that can be taken back (a reset of that many consolidating commits)
RACY_NS = 1_000_000_000  # a folder changed this close to the manifest is listed again
SPAN_LOOKED_UP = 31  # days back from the newest folded entry whose steps are looked up by
# name when an older entry comes (further back, the project's steps files are listed)


class Stale(Exception):
    """The stored state does not hold what the fold expects: rebuild."""


# --- paths --------------------------------------------------------------------------------------


def _manifest_path(state: Path) -> Path:
    return state / CONTEXT_INDEX


def _folder(state: Path) -> Path:
    return state / CONTEXT_STATE


def _month_of_source(source: str) -> tuple[str, str, str]:
    """(month, project, user) of an archive source (`archive/<month>/<project>/<user>/<f>`)."""
    parts = source.split("/")  # as the index writes them (a fold replays thousands: no Path)
    if len(parts) != 5 or not all(parts):
        raise Stale(source)
    return parts[1], parts[2], parts[3]


@lru_cache(maxsize=4096)  # a fold asks for each of a source's items: 20 a file in a busy day
def _book_rel(source: str) -> str:
    month, project, user = _month_of_source(source)
    stem = source.rsplit("/", 1)[1].rsplit(".", 1)[0]
    return f"{CONTEXT_STATE}/book/{month}/{project}/{user}/{stem}.json"


@lru_cache(maxsize=4096)
def _bundle_rel(source: str) -> str:
    """The file holding many books of `source`'s folder (`BUNDLE_FROM`), by file stem."""
    month, project, user = _month_of_source(source)
    return f"{CONTEXT_STATE}/book/{month}/{project}/{user}.json"


def _is_bundle(rel: str) -> bool:
    return rel.count("/") == 4  # `<state>/book/<month>/<project>/<user>.json`


def _book_items(rel: str, data: Any) -> list[tuple[str, dict[str, Any]]]:
    """(id, item) of a book file, or of every book in a folder's bundle."""
    if not data:
        return []
    if _is_bundle(rel):
        return [pair for book in data.values() for pair in book.items()]
    return list(data.items())


_BOOKS = f"{CONTEXT_STATE}/book/"


def _open_rel(project: str) -> str:
    return f"{CONTEXT_STATE}/open/{project}.json"


def _listing_rel(rel_dir: str) -> str:
    return f"{CONTEXT_STATE}/listing/{rel_dir}.json"


def _shard_rel(name: str) -> str:
    return f"{CONTEXT_SHARDS}/{name}"


def _dirs_rel(month: str) -> str:
    return f"{CONTEXT_STATE}/dirs/{month}.json"


def _steps_dir(project: str) -> str:
    return f"{CONTEXT_STATE}/steps/{project}"


def _day(sort_key: Sequence[Any]) -> str:
    return _day_of(int(sort_key[0] // 86_400))  # (a backlog's thousands of steps: few days)


@lru_cache(maxsize=1024)
def _day_of(days: int) -> str:
    """The UTC date `days` days after 1970-01-01."""
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86_400))


def _steps_rel(project: str, day: str) -> str:
    return f"{_steps_dir(project)}/{day}.json"


_STEPS = f"{CONTEXT_STATE}/steps/"
_LISTINGS = f"{CONTEXT_STATE}/listing/"


def _steps_bundle_rel(project: str, day: str) -> str:
    """The file holding many days' steps of `day`'s month (`BUNDLE_FROM`), by day."""
    return f"{_steps_dir(project)}/{day[:7]}.json"


def _listing_bundle_rel(rel_dir: str) -> str:
    """The file holding many contributor folders' listings of a month's project, by user."""
    return f"{_LISTINGS}{rel_dir.rsplit('/', 1)[0]}.json"


def _bundled_in(rel: str) -> tuple[str, str] | None:
    """(the bundle, the name in it) that a book, steps or listing file goes into when a fold
    starts BUNDLE_FROM or more of them at once; None for any other file."""
    if rel.startswith(_BOOKS) and rel.count("/") == 5:  # `<state>/book/<m>/<p>/<u>/<stem>.json`
        folder, name = rel.rsplit("/", 1)
        return f"{folder}.json", name[: -len(".json")]
    if rel.startswith(_STEPS):
        folder, name = rel.rsplit("/", 1)
        if len(name) == len("YYYY-MM-DD.json"):
            return f"{folder}/{name[:7]}.json", name[:10]
    elif rel.startswith(_LISTINGS) and rel.count("/") == 4:  # `<state>/listing/<m>/<p>/<u>.json`
        folder, name = rel.rsplit("/", 1)
        return f"{folder}.json", name[: -len(".json")]
    return None


def _is_member_bundle(rel: str) -> bool:
    """A folder's books bundle, a steps bundle (`steps/<project>/<YYYY-MM>.json`) or a
    listing bundle."""
    if rel.startswith(_BOOKS):
        return _is_bundle(rel)
    if rel.startswith(_STEPS):
        return len(rel.rsplit("/", 1)[1]) == len("YYYY-MM.json")
    return rel.startswith(_LISTINGS) and rel.count("/") == 3


_STEP_ORDER = itemgetter("k")  # a step's place: its record's sort key


def _ident_source(ident: str) -> str:
    return ident.rsplit("#", 1)[0]


def _order(item: dict[str, Any], ident: str) -> tuple[str, str]:
    return item["at"], ident  # the index's order (Fold.data)


def _dump(data: Any) -> str:
    # (made of JSON's own values, never a cycle: not checked for one, which a backlog's
    # thousands of steps and items would each pay for)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      check_circular=False)


def _entry(ident: str, item: dict[str, Any], key: str) -> dict[str, Any]:
    """An item as a shard lists it under `key` (what `context_index.read` returns)."""
    return {**{k: v for k, v in item.items() if k not in ("keys", "source", "full")}, "id": ident,
            "how": item["keys"][key]}


# --- the archive as it is now ---------------------------------------------------------------------


def dir_mtimes(logs_path: Path) -> dict[str, int]:
    """`<month>/<project>/<user>` -> mtime (ns) of every contributor folder of the archive:
    adding or removing a file changes its folder's mtime. Folders only, never the files: the
    same listing a commit makes once for all its uses (`layout.scan_archive`)."""
    return layout.scan_archive(layout.archive_root(logs_path)).mtimes()


class _Months:
    """The archive's contributor folders and their mtimes (`dir_mtimes`) by month, each
    month with its digest as the manifest keeps it: [a digest of its folders and their
    mtimes, the newest of them]. A commit compares the digests, not every folder of the
    history: the manifest stays the size of the months, and only a month whose digest moved
    has its folders read (`dirs/<month>.json`)."""

    def __init__(self, now: Mapping[str, int]) -> None:
        from sessionlog_git.base.text import sha256_hexes

        self.folders: dict[str, dict[str, int]] = {}  # month -> `<project>/<user>` -> mtime
        for rel, mtime in now.items():
            month, _, folder = rel.partition("/")
            found = self.folders.get(month)
            if found is None:
                self.folders[month] = {folder: mtime}
            else:
                found[folder] = mtime
        # (safe names: no blank, no line break, so each text is its folders' alone)
        texts = ["\n".join([f"{folder} {folders[folder]}" for folder in sorted(folders)])
                 for folders in self.folders.values()]
        self.digests: dict[str, list[Any]] = {
            month: [digest, max(folders.values())]
            for (month, folders), digest in zip(self.folders.items(), sha256_hexes(texts),
                                                strict=True)}

    def files(self) -> dict[str, str | None]:
        """Every month's folders file (a rebuild writes them all)."""
        return {_dirs_rel(month): _dump(folders) for month, folders in self.folders.items()}


def _names(logs_path: Path, rel_dir: str) -> list[str]:
    month, project, user = rel_dir.split("/")
    folder = layout.Folder(os.path.join(layout.archive_root(logs_path), month, project, user),
                           month, project, user)
    return [f.name for f in layout.files_in(folder, archive=True)]


# --- reading and writing the state, with an undo record -----------------------------------------


class Store:
    """The state files one fold reads and writes, each read once, written at `commit`."""

    def __init__(self, state: Path, manifest_text: str | None = None) -> None:
        self.state = state
        # The manifest as the fold found it, when that is not on disk (`_Start`); else read
        # at `commit`.
        self._manifest_text = manifest_text
        self._cache: dict[str, Any] = {}
        self._before: dict[str, str | None] = {}
        self.dirty: set[str] = set()
        self.keys_touched: set[str] = set()
        # The items of each key a fold touched, by id in their shard's order, while it
        # folds (`_items_of`); put back into their shards as lists by `trim`: a key that a
        # backlog's thousands of items concern (a file its commit changed) takes each in
        # O(1), not a copy of its whole list.
        self._keyed: dict[str, dict[str, dict[str, Any]]] = {}
        self._folders: dict[str, bool] = {}  # folder (from the state) -> whether it exists
        # source -> its book as `book` found it, until a `write` (a fold asks for a source's
        # book at each of its items: thousands in a backlog)
        self._books: dict[str, dict[str, dict[str, Any]]] = {}
        # What has no state yet, so that neither its own file nor its bundle is read: the
        # archive files new to the index (`_changes`: not in the listings, so no book), and
        # each project's days after the UTC day of its newest folded entry (the manifest's
        # tips: a step is a folded record's, so none). A commit's new day would otherwise
        # read its month's steps bundle, and its new file its folder's books bundle (a
        # backlog's, a megabyte at a million entries), only to find nothing there.
        self.new_sources: set[str] | frozenset[str] = frozenset()
        self.steps_until: dict[str, str] = {}

    def _may_exist(self, rel: str) -> bool:
        """False when `rel`'s folder is not there (nothing is written before `commit`): a
        backlog's new books, in folders of their own, are not each looked for."""
        folder = rel.rpartition("/")[0]
        found = self._folders.get(folder)
        if found is None:
            found = self._folders[folder] = os.path.isdir(self.state / folder)
        return found

    def read(self, rel: str, default: Any) -> Any:
        if rel not in self._cache:
            text: str | None = None
            try:
                if self._may_exist(rel):
                    text = (self.state / rel).read_text(encoding="utf-8")
            except FileNotFoundError:
                text = None
            self._before[rel] = text
            self._cache[rel] = json.loads(text) if text is not None else default
        return self._cache[rel]

    def write(self, rel: str, data: Any) -> None:
        self.read(rel, None)
        self._cache[rel] = data
        self.dirty.add(rel)
        self._books = {}  # (it may have replaced a book's file or bundle)

    # the items -------------------------------------------------------------------------------

    def book(self, source: str) -> dict[str, dict[str, Any]]:
        found = self._books.get(source)
        if found is not None:
            return found  # (marked dirty when first asked for)
        found = self._books[source] = self._book(source)
        return found

    def _book(self, source: str) -> dict[str, dict[str, Any]]:
        rel = _book_rel(source)
        if source in self.new_sources and rel not in self._cache:
            self._before[rel] = None  # (no file: `new_sources`)
            found = self._cache[rel] = {}
            self.dirty.add(rel)
            return found
        found = self.read(rel, None)
        if found is None:  # no file of its own: in its folder's bundle, or a new book
            bundle_rel = _bundle_rel(source)
            bundle: dict[str, dict[str, dict[str, Any]]] = self.read(bundle_rel, {})
            stem = source.rsplit("/", 1)[1].rsplit(".", 1)[0]
            if stem in bundle:
                self.dirty.add(bundle_rel)
                return bundle[stem]
            found = self._cache[rel] = {}
        self.dirty.add(rel)
        return found

    def _member(self, own: str, bundle: str, name: str) -> Any:
        """A steps or listing file's data: its own file's, else its bundle's `name` (None:
        neither has it). Each is in one place, its own file or its bundle."""
        found = self.read(own, None)
        if found is not None:
            return found
        return self.read(bundle, {}).get(name)

    def _set_member(self, own: str, bundle: str, name: str, data: Any) -> None:
        """Write a steps or listing file's data where it is (`_member`); a new one in a
        file of its own, bundled at `commit` when the fold starts many."""
        if self.read(own, None) is None:
            held = self.read(bundle, {})
            if name in held:
                held[name] = data
                self.dirty.add(bundle)
                return
        self.write(own, data)

    def listing(self, rel_dir: str) -> list[str] | None:
        """The archive files of a contributor folder folded so far (None: none)."""
        found: list[str] | None = self._member(_listing_rel(rel_dir), _listing_bundle_rel(rel_dir),
                                               rel_dir.rsplit("/", 1)[1])
        return found

    def set_listing(self, rel_dir: str, names: list[str]) -> None:
        self._set_member(_listing_rel(rel_dir), _listing_bundle_rel(rel_dir),
                         rel_dir.rsplit("/", 1)[1], names)

    def _steps_of(self, project: str, day: str) -> list[dict[str, Any]]:
        if day > self.steps_until.get(project, ""):
            return []  # after the project's newest folded entry: none (`steps_until`)
        found: list[dict[str, Any]] | None = self._member(
            _steps_rel(project, day), _steps_bundle_rel(project, day), day)
        return found or []

    def _set_steps(self, project: str, day: str, steps: list[dict[str, Any]]) -> None:
        if day > self.steps_until.get(project, ""):  # no file, no bundle holds it yet
            self.write(_steps_rel(project, day), steps)
            return
        self._set_member(_steps_rel(project, day), _steps_bundle_rel(project, day), day, steps)

    def _bundle_new_members(self) -> None:
        """The books, steps and listing files this fold starts, BUNDLE_FROM or more for one
        bundle (a backlog's books of one contributor folder, its days of one month, its
        contributor folders of one month): into it, one file written, not one each (each file
        costs a create in a busy file system)."""
        fresh: dict[str, list[tuple[str, str]]] = {}
        for rel in list(self.dirty):
            if self._before.get(rel) is not None or not self._cache.get(rel):
                continue
            found = _bundled_in(rel)
            if found is not None:
                fresh.setdefault(found[0], []).append((rel, found[1]))
        for bundle_rel, members in fresh.items():
            if len(members) < BUNDLE_FROM:
                continue
            held = dict(self.read(bundle_rel, {}))
            for rel, name in members:
                held[name] = self._cache[rel]
                self._cache[rel] = None  # never written: it had no file, and has none
            self.write(bundle_rel, held)
        self._books = {}
        for rel in self.dirty:  # a bundle's emptied member goes (as its own file would)
            if _is_member_bundle(rel) and self._cache.get(rel):
                self._cache[rel] = {name: data for name, data in self._cache[rel].items() if data}

    def shard(self, key: str) -> dict[str, list[dict[str, Any]]]:
        rel = _shard_rel(ci.shard_name(key))
        found: dict[str, list[dict[str, Any]]] = self.read(rel, {})
        self.dirty.add(rel)
        return found

    def _items_of(self, key: str) -> dict[str, dict[str, Any]]:
        """`key`'s items in its shard, by id (`_keyed`)."""
        found = self._keyed.get(key)
        if found is None:
            found = self._keyed[key] = {e["id"]: e for e in self.shard(key).get(key, [])}
            self.keys_touched.add(key)
        return found

    def _put_back(self) -> None:
        """The keys' items as their shards list them (`_keyed`), in the order they came."""
        for key, items in self._keyed.items():
            self.shard(key)[key] = list(items.values())
        self._keyed = {}

    def put(self, ident: str, item: dict[str, Any]) -> None:
        if item["kind"] == "finding" and not item["keys"]:
            return  # concerns no path, and retires nothing: the index does not keep it
        self.book(item["source"])[ident] = item
        for key in item["keys"]:
            items = self._items_of(key)
            items.pop(ident, None)  # (put again: it goes last, as a new one would)
            items[ident] = _entry(ident, item, key)

    def remove(self, ident: str) -> dict[str, Any]:
        """Take an item out of its book and shards; it as the book had it."""
        item: dict[str, Any] | None = self.book(_ident_source(ident)).pop(ident, None)
        if item is None:
            raise Stale(ident)
        for key in item["keys"]:
            self._items_of(key).pop(ident, None)
        return item

    # the steps ------------------------------------------------------------------------------

    def add_steps(self, steps: Mapping[str, list[dict[str, Any]]]) -> None:
        """Keep new steps, each in its day's file, in time order."""
        for project, found in steps.items():
            by_day: dict[str, list[dict[str, Any]]] = {}
            day_steps: list[dict[str, Any]] = []
            start = end = 0.0  # the UTC day `day_steps` is of, in POSIX seconds
            for step in found:
                at = step["k"][0]
                if not start <= at < end:  # (fed in time order: a day's steps come together)
                    start = at // 86_400 * 86_400
                    end = start + 86_400
                    day_steps = by_day.setdefault(_day(step["k"]), [])
                day_steps.append(step)
            for day, new in by_day.items():
                kept = self._steps_of(project, day)
                # (`steps` are in the order fed, time order: alone, they are sorted already)
                self._set_steps(project, day, sorted([*kept, *new], key=_STEP_ORDER)
                                if kept else new)

    def take_steps(self, project: str, since: list[Any]) -> list[dict[str, Any]]:
        """The steps of `project` from `since` (a sort key) on, oldest first, taken out of
        their files; every day's file from `since`'s day on is read, no earlier one."""
        first = _day(since)
        start = int(since[0] // 86_400)
        until = self.steps_until.get(project, "")
        end = start + SPAN_LOOKED_UP
        if until <= _day_of(end):
            # A few days back (a teammate's day among entries folded already): each day up
            # to the newest folded entry's is looked up (its own file, else its month's
            # bundle), not the history's thousand files listed.
            days = {day for n in range(start, end + 1) if (day := _day_of(n)) <= until}
        else:
            days = self._days_from(project, first)
        out: list[dict[str, Any]] = []
        for day in sorted(days):
            steps = self._steps_of(project, day)
            keep = [st for st in steps if st["k"] < since]
            if len(keep) != len(steps):
                out += [st for st in steps if st["k"] >= since]
                self._set_steps(project, day, keep)
        return sorted(out, key=_STEP_ORDER)

    def _days_from(self, project: str, first: str) -> set[str]:
        """The days of `project`'s steps files and bundles from `first` on."""
        names = [p.name for p in (self.state / _steps_dir(project)).glob("*.json")]  # the state's
        days: set[str] = set()
        for name in names:
            stem = name[:-5]
            if len(stem) == len("YYYY-MM"):  # a month's bundle: its days
                if stem >= first[:7]:
                    bundle = self.read(f"{_steps_dir(project)}/{name}", {})
                    days.update(day for day in bundle if day >= first)
            elif stem >= first:
                days.add(stem)
        return days

    def rewind(self, project: str, steps: list[dict[str, Any]]) -> None:
        """Take `steps` back (oldest first as given; undone newest first): the items they
        added go, the ones they retired come back; and the project's open blockers with them."""
        opened: list[list[str]] = list(self.read(_open_rel(project), []))
        gone: set[str] = set()
        for step in reversed(steps):
            source = step["k"][2]
            for line in step["add"]:
                ident = f"{source}#{line}"
                if self.remove(ident)["kind"] == "blocker":
                    gone.add(ident)
            for ident, item, text in step["ret"]:
                self.put(ident, item)
                if item["kind"] == "blocker":
                    gone.discard(ident)
                    opened.append([ident, text, item["author"], item["at"]])
        from datetime import datetime

        def order(row: list[str]) -> tuple[Any, ...]:
            source, line = row[0].rsplit("#", 1)
            return datetime.fromisoformat(row[3]).timestamp(), row[2], source, int(line)

        self.write(_open_rel(project), sorted((o for o in opened if o[0] not in gone), key=order))

    def trim(self) -> None:
        """Each touched key's items in the index's order, the newest findings only."""
        self._put_back()
        for key in sorted(self.keys_touched):
            shard = self.shard(key)
            lst = sorted(shard.get(key, []), key=lambda e: (e["at"], e["id"]))
            findings = 0
            kept: list[dict[str, Any]] = []
            for entry in reversed(lst):
                if entry["kind"] == "finding":
                    findings += 1
                    if findings > ci.FINDINGS_PER_KEY:
                        self._lose_key(entry["id"], key)
                        continue
                kept.append(entry)
            if kept:
                shard[key] = kept[::-1]
            else:
                shard.pop(key, None)

    def _lose_key(self, ident: str, key: str) -> None:
        book = self.book(_ident_source(ident))
        item = book.get(ident)
        if item is None:
            return
        keys = {k: h for k, h in item["keys"].items() if k != key}
        if keys:
            book[ident] = {**item, "keys": keys}
        else:
            del book[ident]

    # writing ---------------------------------------------------------------------------------

    def commit(self, manifest: dict[str, Any], added: Sequence[str]) -> None:
        """Write every changed file; first the undo record, last the manifest (a crash in
        between leaves no manifest, so the next commit rebuilds)."""
        from sessionlog_git.base.fsutil import atomic_write_text

        sync = _synced()
        self._put_back()  # (trim has, when it ran)
        self._bundle_new_members()
        changes: dict[str, str | None] = {}
        for rel in sorted(self.dirty):
            data = self._cache[rel]
            text = None if not data else _dump(data)
            if text != self._before.get(rel):
                changes[rel] = text
        manifest_path = _manifest_path(self.state)
        old_manifest = self._manifest_text
        if old_manifest is None:
            old_manifest = _text_of(manifest_path)
        undo = {"added": sorted(added),
                "files": {**{rel: self._before.get(rel) for rel in changes},
                          CONTEXT_INDEX: old_manifest}}
        manifest_path.unlink(missing_ok=True)
        stack = _undo_paths(self.state)
        stack[-1].unlink(missing_ok=True)
        for newer, older in zip(stack[-2::-1], stack[:0:-1], strict=True):
            if newer.exists():
                os.replace(newer, older)
        atomic_write_text(stack[0], _dump(undo), sync=sync)
        _apply(self.state, changes)
        _write_manifest(self.state, manifest)


def _text_of(path: Path) -> str | None:
    """A file's text; None when there is no such file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _undo_paths(state: Path) -> list[Path]:
    """The undo records, the newest first."""
    folder = state / CONTEXT_STATE
    return [folder / "undo.json", *(folder / f"undo.{n}.json" for n in range(1, UNDO_KEPT))]


def _synced() -> bool:
    """Whether the index's files are synced as they are written. Where the system has a boot
    id they are not: the manifest names the boot it was written in, and one from an earlier
    boot (a power cut may have taken unsynced writes back) is not trusted (`_load_manifest`):
    the next commit rebuilds. A killed process loses nothing it wrote."""
    from sessionlog_git.base.fsutil import boot_id

    return boot_id() is None


def _write_manifest(state: Path, manifest: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text, boot_id

    atomic_write_text(_manifest_path(state), _dump(_stamped(manifest)), sync=boot_id() is None)


def _stamped(manifest: dict[str, Any]) -> dict[str, Any]:
    """`manifest` as it is written: with the boot it is written in, where the system has one
    (`_synced`)."""
    from sessionlog_git.base.fsutil import boot_id

    manifest = {k: v for k, v in manifest.items() if k != "boot"}
    boot = boot_id()
    if boot is not None:
        manifest["boot"] = boot
    return manifest


def _apply(state: Path, files: dict[str, str | None]) -> None:
    """Write and remove `files`; where they are synced (`_synced`), in one pass at the end,
    before it returns: the manifest, written after, never names state a power cut could
    take back."""
    from sessionlog_git.base.fsutil import atomic_write_text, sync_all

    written: list[str | os.PathLike[str]] = []
    for rel, text in files.items():
        path = state / rel
        if text is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write_text(path, text, sync=False)  # it makes the folder
            written.append(path)
    if _synced():
        sync_all(written)


def _undo(state: Path, undo: Any = None) -> bool:
    """Take the last fold back (its files are gone from the archive); False when there is
    no record of it. `undo`: its record, when the caller read it already (`_undo_depth`)."""
    stack = _undo_paths(state)
    path = stack[0]
    if undo is None:
        try:
            undo = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
    if not isinstance(undo, dict):
        return False
    files = undo.get("files")
    if not isinstance(files, dict):
        return False
    _manifest_path(state).unlink(missing_ok=True)
    manifest = files.pop(CONTEXT_INDEX, None)
    _apply(state, files)
    path.unlink(missing_ok=True)
    for older, newer in zip(stack[1:], stack, strict=False):  # the one before is now the last
        if older.exists():
            os.replace(older, newer)
    if manifest is not None:
        from sessionlog_git.base.fsutil import atomic_write_text

        # as it was written (with its boot id: one from an earlier boot is not trusted)
        atomic_write_text(_manifest_path(state), manifest, sync=_synced())
    return manifest is not None


def _undo_depth(state: Path, removed: set[str], records: list[Any]) -> int:
    """How many of the last folds, newest first, folded every file in `removed` (0: no
    such run of undo records); `records` gets the undo records read, newest first (each
    is read once: `_undo` takes them)."""
    folded: set[str] = set()
    for depth, path in enumerate(_undo_paths(state), 1):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
            folded |= set(records[-1]["added"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0
        if removed <= folded:
            return depth
    return 0


def _load_manifest(state: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(_manifest_path(state).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        return None
    if not isinstance(data.get("months"), dict) or not isinstance(data.get("tips"), dict):
        return None
    if "boot" in data:  # written unsynced: trusted in the boot that wrote it only
        from sessionlog_git.base.fsutil import boot_id

        if data["boot"] != boot_id():
            return None
    return data


# --- the fold of one commit -----------------------------------------------------------------------


NONE, TOUCHED, EVERY = "", "touched", "every"  # which live decisions a fold loads
_RETIRING = ci._RETIRING_KINDS


class _StoreFold(ci.Fold):
    """`Fold.feed` over the stored state: items go to the store as they are added or dropped;
    the books hold what matching needs (every live decision only for a project whose new
    entries retire one; none for a project none of whose entries, new or fed again, retires
    one: its decisions are items at once, `Fold.unmatched`)."""

    def __init__(self, logs_dir: str, store: Store, projects: dict[str, str]) -> None:
        super().__init__(logs_dir)
        self.store = store
        for project, retiring in projects.items():
            self._load_books(project, retiring)
        self.unmatched = {project for project, retiring in projects.items() if retiring == NONE}

    def _stub(self, item: dict[str, Any]) -> tuple[Any, Any]:
        from datetime import datetime

        from sessionlog_git.logs.entries import Bullet, Entry, classify

        bullet = Bullet(classify(item["text"]), item["text"], item["line"])
        entry = Entry(None, "", [bullet], at=datetime.fromisoformat(item["at"]))
        return self._record(entry, item["project"], item["author"], item["source"]), bullet

    def _load_books(self, project: str, retiring: str) -> None:
        """The project's open blockers, and as many of its live decisions as `retiring` says:
        NONE (nothing of this fold retires a decision), TOUCHED (only entries fed again do:
        the books the steps taken back wrote, which hold what those entries retired before)
        or EVERY (a new entry does: it may retire any of them).

        Why TOUCHED is enough: the new entries retire nothing, so a decision live when an
        entry fed again first matched is live now too, unless a pick that moved took it,
        and a pick moves only to a new decision or to one put back by the rewind (taken by
        an entry fed again). So each entry fed again finds what it took before, or a
        decision in these books or in this fold: one sharing more words, or as many and
        older. Every other live decision lost to what it took before and loses again."""
        from sessionlog_git.logs.entries import expiry_date

        book = self._book(project)
        if retiring != NONE:
            from datetime import datetime

            every: list[tuple[tuple[Any, ...], str, dict[str, Any]]] = []
            folder = _folder(self.store.state) / "book"
            rels: set[str] = set()
            if retiring == EVERY:
                rels = {str(PurePosixPath(*path.relative_to(self.store.state).parts))
                        for pattern in (f"*/{project}/*/*.json", f"*/{project}/*.json")
                        for path in folder.glob(pattern)}
            # and the books this fold wrote so far (taking steps back can make new ones)
            rels |= {rel for rel in self.store.dirty
                     if rel.startswith(f"{CONTEXT_STATE}/book/")
                     and PurePosixPath(rel).parts[3] == project}
            for rel in sorted(rels):
                for ident, item in _book_items(rel, self.store.read(rel, {})):
                    if item["kind"] == "decision":
                        # the order a rebuild adds them in (model.Record.sort_key)
                        at = datetime.fromisoformat(item["at"]).timestamp()
                        every.append(((at, item["author"], item["source"], item["line"]),
                                      ident, item))
            for _, ident, item in sorted(every, key=lambda t: t[0]):
                record, bullet = self._stub({**item, "text": item.get("full", item["text"])})
                expires = expiry_date("Expires: " + item["expires"]) if item["expires"] else None
                decision = self._decision(record, bullet, expires)
                book.add(decision)
                self._ids[id(decision)] = ident
        blockers = self._blocker_book_of(project)
        for ident, text, author, at in self.store.read(_open_rel(project), []):
            record, bullet = self._stub({"text": text, "line": 0, "at": at, "project": project,
                                         "author": author, "source": _ident_source(ident)})
            blocker = self._blocker(record, bullet)
            blockers.add(blocker)
            self._ids[id(blocker)] = ident

    def _add(self, record: Record, line: int, kind: str, text: str, keys: dict[str, str],
             expires: str = "", replaces: list[dict[str, str]] | None = None) -> str:
        # The item goes to the store alone, made once as the book keeps it: as the index has
        # it, with its keys, and a decision's whole text when the index shortened it (a later
        # `Supersedes:` matches the whole). Over the stored state the fold's own `items` are
        # never read.
        ident = f"{record.source}#{line}"
        if self._step is not None and kind != "finding":
            self._step["add"].append(line)
        if kind == "finding" and not keys:
            return ident  # Store.put keeps no finding that concerns no path
        self.store.put(ident, self._item(record, line, kind, text, expires, replaces, dict(keys)))
        return ident

    def _drop(self, ident: str | None) -> dict[str, Any] | None:
        if ident is None:
            return None
        return self.store.remove(ident)


def _changes(logs_path: Path, store: Store, manifest: dict[str, Any], now: _Months,
             listed: Mapping[str, list[str]] | None = None,
             ) -> tuple[set[str], set[str], dict[str, list[str]]]:
    """(archive sources added, removed) since the manifest, listing only the folders whose
    mtime moved (or moved too close to the manifest to tell); and their new listings.
    `listed`: contributor folders listed already (`_Start.listed`). The folders file of
    each month whose digest moved (or that holds a folder too close to the manifest) is
    read, and written as the month is now."""
    digests: dict[str, list[Any]] = manifest["months"]
    racy = int(manifest.get("written", 0)) - RACY_NS
    months = {m for m in digests.keys() | now.digests.keys()
              if m not in digests or digests[m] != now.digests.get(m) or digests[m][1] >= racy}
    moved: set[str] = set()
    for month in months:
        before: dict[str, int] = store.read(_dirs_rel(month), {})
        folders = now.folders.get(month, {})
        # The folders whose mtime differs (or that one side lacks), and those written too
        # close to the manifest to tell: set operations, not a lookup per folder.
        moved |= {f"{month}/{d}" for d, _ in before.items() ^ folders.items()}
        moved |= {f"{month}/{d}" for d, mtime in before.items() if mtime >= racy}
        store.write(_dirs_rel(month), folders)
    added: set[str] = set()
    removed: set[str] = set()
    listings: dict[str, list[str]] = {}
    for rel_dir in sorted(moved):
        had = set(store.listing(rel_dir) or [])
        month, _, folder = rel_dir.partition("/")
        if folder not in now.folders.get(month, {}):
            has: set[str] = set()
        elif listed is not None and rel_dir in listed:
            has = set(listed[rel_dir])
        else:
            has = set(_names(logs_path, rel_dir))
        added |= {f"{ARCHIVE_DIR}/{rel_dir}/{n}" for n in has - had}
        removed |= {f"{ARCHIVE_DIR}/{rel_dir}/{n}" for n in had - has}
        listings[rel_dir] = sorted(has)
    return added, removed, listings


def _records_of(ws: Workspace, rel: str) -> list[Record]:
    """The records of one archive file (its path from the top)."""
    from sessionlog_git.logs.archive import records_at

    cfg = ws.config
    return records_at(rel, layout.read_archive_path(ws.top / rel), cfg.logs_dir, cfg.timezone)


def _archived_twice(ws: Workspace, records: list[Record], listings: dict[str, list[str]],
                    fresh: set[str]) -> bool:
    """Whether a new entry is also in another archive file of its day (a temp log archived
    again after it changed mid-commit): the fold would count it twice; a rebuild does not."""
    cfg = ws.config
    days: dict[str, set[str]] = {}  # contributor folder -> the days of its new files
    for source in fresh:
        month, project, user = _month_of_source(source)
        days.setdefault(f"{month}/{project}/{user}", set()).add(source.rsplit("/", 1)[1][:10])
    others: set[str] = set()
    for rel_dir, wanted in days.items():
        others |= {f"{ARCHIVE_DIR}/{rel_dir}/{n}" for n in listings.get(rel_dir, [])
                   if n[:10] in wanted}
    others -= fresh
    if not others:
        return False  # no other archive file of those days (a first consolidation's case)
    keys = {(r.project, r.user, *r.entry.key()) for r in records}
    for source in sorted(others):
        rel = layout.rel_of(cfg.logs_dir, source)
        try:
            found = _records_of(ws, rel)
        except OSError:
            continue
        for r in found:
            if (r.project, r.user, *r.entry.key()) in keys:
                return True
    return False


def update(ws: Workspace, archived: Sequence[str],
           parsed: Mapping[str, list[Record]] | None = None,
           changed: Sequence[str] | None = None, now: dict[str, int] | None = None) -> None:
    """Fold newly consolidated archive files (paths from the top) into the index; `parsed`:
    the records of those the caller parsed already (by path), read again from disk otherwise;
    `changed`: the files of the commit being made, when the caller read them already; `now`:
    the archive's contributor folders and their mtimes (`dir_mtimes`), when the caller has
    them as they are now (`layout.ArchiveScan.mtimes`).

    Called by consolidation; an index that cannot be read, or an archive that changed
    otherwise, is rebuilt instead. It is a cache: a failure to write it costs a rebuild
    later, never a commit. The cyclic collector is held off meanwhile (`base.gcpause`): a
    backlog's fold makes tens of thousands of small objects, all kept until it is written.
    """
    from sessionlog_git.base.gcpause import paused_gc

    with paused_gc():
        try:
            known = parsed or {}
            ours = {layout.source_of(ws.config.logs_dir, rel) for rel in archived}
            if _attempt(ws, archived, known, changed, now):
                return
            # The history without this commit's files, then this commit's fold on top: so it
            # can be taken back like any other (a reset right after is common). An archive of
            # nothing but this commit's files (a first consolidation) has no history: the
            # fold starts from the empty index in memory, not written and read back.
            start = _empty_start(ws, ours, now)
            if start is None:
                rebuild(ws, leave_out=ours)
            if _attempt(ws, archived, known, changed, now, start):
                return
            rebuild(ws, {source: set(ci.staged_files(ws)) for source in ours})
        except (OSError, ValueError, KeyError, TypeError, IndexError, Stale):
            _manifest_path(ws.config.state_path).unlink(missing_ok=True)


def _attempt(ws: Workspace, archived: Sequence[str], known: Mapping[str, list[Record]],
             changed: Sequence[str] | None = None, now: dict[str, int] | None = None,
             start: _Start | None = None) -> bool:
    """The incremental fold; False (nothing written) when the stored state does not hold
    what it needs."""
    try:
        return _update(ws, archived, known=known, changed=changed,
                       now=dict(now) if now is not None else None, start=start)
    except Stale:
        return False


def _in_time_order(records: list[Record]
                   ) -> tuple[list[Record], list[tuple[Record, set[str]]],
                              dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """`model.ordered(records)` as the fold reads it: (its records, in no set order; those of
    them that fold (`ci.folds`), in time order, each with the set of its bullets' kinds; each
    project's oldest and newest sort key among them).

    Only the records that fold are sorted (about half of a backlog's); each record's sort
    key and kinds are made once; the oldest and newest are picked, not sorted for. That is
    `ordered` exactly when no two records can be one entry archived twice (`ordered` keeps
    the first): no two share a project, contributor, day, time and title (what
    `Record.same_key` begins with; no two sharing a title is enough); else `ordered` itself
    runs."""
    from sessionlog_git.logs.model import Record, ordered

    dated = [r for r in records if r.entry.at is not None]  # as `ordered` keeps them
    folds_nothing = ci.FOLDED_KINDS.isdisjoint  # (`ci.folds`, on kinds)
    first: dict[str, tuple[Any, ...]] = {}
    last: dict[str, tuple[Any, ...]] = {}
    # (their titles alone, in C, tell it for most backlogs: entries seldom share a title)
    if (len(set(map(_TITLE, dated))) != len(dated)
            and len(set(map(_SAME_PART, dated))) != len(dated)):
        dated = ordered(dated)
        for record in dated:
            first.setdefault(record.project, record.sort_key())
            last[record.project] = record.sort_key()
        return dated, [(r, its) for r in dated
                       if not folds_nothing(its := {b.kind for b in r.entry.bullets})], first, last
    # No two are one entry: their sort keys differ (a key names the file and line), so the
    # order is the keys' alone, whatever the records were given in. Each key is made once
    # (kept on its record: the fold reads it again), and each record's kinds once, as a set.
    sort_keys = list(map(Record.sort_key, dated))
    keyed = [(key, r, its) for key, r in zip(sort_keys, dated, strict=True)
             if not folds_nothing(its := set(map(_KIND, r.entry.bullets)))]
    keyed.sort(key=_FIRST)
    folding = [(r, its) for _, r, its in keyed]
    projects = set(map(_PROJECT, dated))
    if len(projects) == 1:  # (the usual case: no key grouped by project)
        (project,) = projects
        first[project], last[project] = min(sort_keys), max(sort_keys)
        return dated, folding, first, last
    keys: dict[str, list[tuple[Any, ...]]] = {}
    for record, key in zip(dated, sort_keys, strict=True):
        keys.setdefault(record.project, []).append(key)
    for project, found in keys.items():
        first[project], last[project] = min(found), max(found)
    return dated, folding, first, last


_KIND = attrgetter("kind")
_PROJECT = attrgetter("project")
_FIRST = itemgetter(0)
# What two records that are one entry archived twice share (`Record.same_key` begins with
# it), made in C, not a tuple built in Python per record
_SAME_PART = attrgetter("project", "user", "entry.day", "entry.time", "entry.title")
_TITLE = attrgetter("entry.title")  # (the last of them: records with no title in common share none)


def _update(ws: Workspace, archived: Sequence[str], *, undone: bool = False,
            now: dict[str, int] | None = None,
            known: Mapping[str, list[Record]] | None = None,
            changed: Sequence[str] | None = None, start: _Start | None = None,
            months: _Months | None = None) -> bool:
    """The incremental fold; False when only a rebuild gives the right index. `start`: the
    state to start from when it is not on disk (`_empty_start`); `months`: `now` by month,
    when made already (a fold after an undo)."""
    if not archived:
        return True
    cfg = ws.config
    state = cfg.state_path
    manifest = _load_manifest(state) if start is None else start.manifest
    if manifest is None:
        return False
    if now is None:
        now = dir_mtimes(cfg.logs_path)
    if months is None:
        months = _Months(now)
    store = Store(state, None if start is None else start.text)
    added, removed, listings = _changes(cfg.logs_path, store, manifest, months,
                                        None if start is None else start.listed)
    ours = {layout.source_of(cfg.logs_dir, rel) for rel in archived}
    if removed:
        # The last folds' files went (a reset, an amend, a hook that failed after us):
        # take those folds back (what they folded that is still there comes back as new),
        # then fold this commit's files.
        undos: list[Any] = []
        depth = 0 if undone else _undo_depth(state, removed, undos)
        if not depth or not all(_undo(state, undos[n]) for n in range(depth)):
            return False
        return _update(ws, archived, undone=True, now=now, known=known, changed=changed,
                       months=months)
    fresh = added  # this commit's, and any a pull, merge or checkout brought
    store.new_sources = fresh
    store.steps_until = {project: _day(tip) for project, tip in manifest["tips"].items()}
    if not fresh:
        manifest = {**manifest, "months": months.digests, "written": time.time_ns()}
        for rel_dir, listing in listings.items():
            store.set_listing(rel_dir, listing)
        store.commit(manifest, [])
        return True
    records: list[Record] = []
    for source in sorted(fresh):
        rel = layout.rel_of(cfg.logs_dir, source)
        mine = (known or {}).get(rel)
        records += mine if mine is not None else _records_of(ws, rel)
    records, folding, oldest, latest = _in_time_order(records)
    if _archived_twice(ws, records, listings, fresh):
        return False
    tips: dict[str, list[Any]] = dict(manifest["tips"])
    # An entry older than one folded already: the steps from its time on are taken back,
    # and fed again with the new entries, in time order.
    since: dict[str, list[Any]] = {}
    for project, oldest_key in oldest.items():
        tip = tips.get(project)
        key = list(oldest_key)
        if tip is not None and key <= tip:
            since[project] = key  # (no later record of it can come before the tip if this does not)
    again: list[tuple[Record, dict[str, str]]] = []
    for project, first in since.items():
        steps = store.take_steps(project, first)
        store.rewind(project, steps)
        again += [(ci.step_record(project, step), step["keys"]) for step in steps]
    # The records that fold (`_in_time_order`), with their bullet kinds: the others add
    # nothing (`Fold.feed`), retire nothing (`_RETIRING` is among the folded kinds) and count
    # below only as their project's newest.
    new: list[tuple[Record, dict[str, str] | None, set[str]]] = [
        (r, None, its) for r, its in folding]
    again_new: list[tuple[Record, dict[str, str] | None, set[str]]] = [
        (r, k, its) for r, k in again if not ci.FOLDED_KINDS.isdisjoint(
            its := {b.kind for b in r.entry.bullets})]
    # What the books must hold (`_StoreFold._load_books`): every live decision of a project
    # only when a new entry retires one; when only entries fed again do, the decisions those
    # steps retired before (put back into their books by the rewind) are enough.
    retiring: dict[str, str] = {}
    for batch, how in ((new, EVERY), (again_new, TOUCHED)):
        for record, _, its in batch:
            if not _RETIRING.isdisjoint(its) and retiring.get(record.project) != EVERY:
                retiring[record.project] = how
    newest: dict[str, tuple[Any, ...]] = {}
    again_latest: dict[str, tuple[Any, ...]] = {}
    for record, _ in again:  # (in time order: a project's last is its newest)
        again_latest[record.project] = record.sort_key()
    for last in (latest, again_latest):
        for project, at_key in last.items():
            retiring.setdefault(project, NONE)
            if at_key > newest.get(project, ()):
                newest[project] = at_key
    for project, at_key in newest.items():
        tips[project] = max(tips.get(project, []), list(at_key))
    fold = _StoreFold(cfg.logs_dir, store, retiring)
    fold.steps = {}
    if changed is None:
        changed = ci.staged_files(ws)
    theirs = fresh - ours
    # Their commit links: from the commits that added them only.
    links = ci.commit_links(ws, sources=theirs) if theirs else {}
    feed = new
    if again:  # (the new records alone are in order already)
        feed = sorted([*new, *again_new], key=lambda t: t[0].sort_key())
    # A commit's keys, made once for all its records (a backlog's thousands share them).
    commit_keys: dict[str, dict[str, str]] = {}
    for record, stored_keys, its in feed:
        if stored_keys is None:
            is_ours = record.source in ours
            group = "" if is_ours else record.source
            if group not in commit_keys:
                commit_keys[group] = ci.commit_keys(
                    ws, changed if is_ours else links.get(record.source, ()))
            stored_keys = ci.record_keys(ws, record, (), commit_keys[group])
        fold.feed(record, stored_keys, its)
    store.add_steps(fold.steps)
    store.trim()
    opened = fold.open_blockers()
    for project in retiring:
        store.write(_open_rel(project), opened.get(project, []))
    for rel_dir, listing in listings.items():
        store.set_listing(rel_dir, listing)
    store.commit({"v": VERSION, "months": months.digests, "tips": tips,
                  "written": time.time_ns()}, sorted(fresh))
    return True


# --- the whole archive ------------------------------------------------------------------------------


def rebuild(ws: Workspace, being_committed: dict[str, set[str]] | None = None, *,
            leave_out: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The index from the whole archive and history; written, and returned.

    `being_committed`: archive source -> the files of the commit being made, which carries it.
    `leave_out`: archive sources to fold as if they were not there yet (the next `update`
    folds them as new).
    """
    cfg = ws.config
    now = _mtimes_left_out(cfg.logs_path, leave_out)
    records: list[Record] = []
    links: dict[str, set[str]] = {}
    # An archive that holds nothing but the files left out (a first consolidation) folds to
    # nothing: neither its entries nor the history are read.
    if _listed_if_only(cfg.logs_path, leave_out) is None:
        records = [r for r in ci.all_records(ws) if r.source not in leave_out]
        links = ci.commit_links(ws)
    for source, files in (being_committed or {}).items():
        links.setdefault(source, set()).update(files)
    state = cfg.state_path
    _clear(state)
    fold = ci.Fold(cfg.logs_dir)
    fold.steps = {}
    for n, record in enumerate(records, 1):
        fold.feed(record, ci.record_keys(ws, record, links.get(record.source, ())))
        if n % STEPS_FLUSH == 0:
            _flush_steps(state, fold.steps, keep_last=True)
    _flush_steps(state, fold.steps, keep_last=False)
    data = fold.data()
    tips: dict[str, list[Any]] = {}
    for record in records:
        tips[record.project] = list(record.sort_key())
    _save(ws, fold, data, tips, now, leave_out)
    return data


STEPS_FLUSH = 20_000  # records fed between writes of the days whose steps are complete


def _mtimes_left_out(logs_path: Path, leave_out: set[str] | frozenset[str],
                     now: Mapping[str, int] | None = None) -> dict[str, int]:
    """The archive's folder mtimes (`dir_mtimes`, or `now` when the caller has them), the
    folders of `leave_out` at -1: listed again by the next update. Read before the archive
    is walked: a file added meanwhile is seen as new."""
    now = dict(now) if now is not None else dir_mtimes(logs_path)
    for source in leave_out:
        month, project, user = _month_of_source(source)
        now[f"{month}/{project}/{user}"] = -1
    return now


def _listed_if_only(logs_path: Path, leave_out: set[str] | frozenset[str]
                    ) -> dict[str, list[str]] | None:
    """The archive's files by contributor folder when it holds nothing but `leave_out`;
    None when it holds any other."""
    listed: dict[str, list[str]] = {}
    for log in layout.walk(layout.archive_root(logs_path), archive=True):
        if f"{ARCHIVE_DIR}/{log.month}/{log.project}/{log.user}/{log.name}" not in leave_out:
            return None
        listed.setdefault(f"{log.month}/{log.project}/{log.user}", []).append(log.name)
    return listed


def _clear(state: Path) -> None:
    """Remove the manifest, then the fold's state (a rebuild writes them again)."""
    _manifest_path(state).unlink(missing_ok=True)
    if _folder(state).exists():
        import shutil  # not on a commit's usual path

        shutil.rmtree(_folder(state), ignore_errors=True)


class _Start:
    """The state a fold starts from when it is not on disk: the empty index that
    `rebuild(leave_out=...)` leaves for an archive of nothing but the files left out, its
    manifest (and that manifest's text, for the undo record) kept in memory instead of
    written and read back, with the archive's listing the check for that made."""

    def __init__(self, manifest: dict[str, Any], listed: dict[str, list[str]]) -> None:
        self.manifest = manifest
        self.text = _dump(manifest)
        self.listed = listed


def _empty_start(ws: Workspace, ours: set[str], now: Mapping[str, int] | None = None
                 ) -> _Start | None:
    """What `rebuild(ws, leave_out=ours)` does when the archive holds nothing but `ours` (a
    first consolidation: its index is empty), with the manifest returned, not written; None
    (nothing done) when the archive holds any other file. `now`: the archive's folders and
    their mtimes, when the caller has them (`update`'s): not stated again (the walk below
    finds any file of a folder they lack).

    Safe where the rebuild is: the stored state is removed first, and until the fold's
    `commit` writes its manifest (last) there is none, so a process killed meanwhile leaves
    no index to trust and the next commit rebuilds (where the rebuild's empty manifest was
    folded onto before: both give what `rebuild` gives)."""
    cfg = ws.config
    state = cfg.state_path
    now = _mtimes_left_out(cfg.logs_path, ours, now)
    if any(mtime != -1 for mtime in now.values()):
        return None  # a folder none of `ours` is in: the rebuild (no walk of a history here)
    listed = _listed_if_only(cfg.logs_path, ours)
    if listed is None:
        return None
    _clear(state)
    (state / CONTEXT_SEEN).unlink(missing_ok=True)  # as `_save` does
    _save_shards(state, {"paths": {}, "items": {}})  # the folder the hook reads, emptied
    return _Start(_stamped({"v": VERSION, "months": _Months(now).digests, "tips": {},
                            "written": time.time_ns()}),
                  listed)


def _flush_steps(state: Path, steps: dict[str, list[dict[str, Any]]], *, keep_last: bool) -> None:
    """Write the steps a rebuild made so far, a file per project and day, and forget them;
    with `keep_last`, each project's last day stays (the next records may add to it)."""
    files: dict[str, str | None] = {}
    for project, found in steps.items():
        by_day: dict[str, list[dict[str, Any]]] = {}
        for step in found:  # fed in time order
            by_day.setdefault(_day(step["k"]), []).append(step)
        last = max(by_day) if keep_last and by_day else None
        files.update({_steps_rel(project, day): _dump(kept) for day, kept in by_day.items()
                      if day != last})
        steps[project] = by_day.get(last, []) if last is not None else []
    _apply(state, files)


def _save(ws: Workspace, fold: ci.Fold, data: dict[str, Any], tips: dict[str, list[Any]],
          now: dict[str, int], leave_out: set[str] | frozenset[str]) -> None:

    cfg = ws.config
    state = cfg.state_path
    (state / CONTEXT_SEEN).unlink(missing_ok=True)  # the record of an index before this one
    _save_shards(state, data)
    books: dict[str, dict[str, dict[str, Any]]] = {}
    for ident, item in data["items"].items():
        full = fold.texts.get(ident)
        books.setdefault(_book_rel(item["source"]), {})[ident] = (
            {**item, "full": full} if full is not None and full != item["text"] else item)
    files: dict[str, str | None] = {rel: _dump(book) for rel, book in books.items()}
    files.update({_open_rel(p): _dump(o) for p, o in fold.open_blockers().items() if o})
    listings: dict[str, list[str]] = {}
    for log in layout.walk(layout.archive_root(cfg.logs_path), archive=True):
        if f"{ARCHIVE_DIR}/{log.month}/{log.project}/{log.user}/{log.name}" in leave_out:
            continue
        listings.setdefault(f"{log.month}/{log.project}/{log.user}", []).append(log.name)
    files.update({_listing_rel(d): _dump(listing) for d, listing in listings.items()})
    months = _Months(now)
    files.update(months.files())
    _apply(state, files)
    _write_manifest(state, {"v": VERSION, "months": months.digests, "tips": tips,
                            "written": time.time_ns()})


def _save_shards(state: Path, data: dict[str, Any]) -> None:
    """Write the shards that changed (synced in one pass), remove the ones no key falls in
    any more."""
    from sessionlog_git.base.fsutil import atomic_write_text, sync_all

    shards: dict[str, dict[str, list[dict[str, Any]]]] = {}
    items = data["items"]
    for key, ids in data["paths"].items():
        shards.setdefault(ci.shard_name(key), {})[key] = [_entry(i, items[i], key) for i in ids]
    folder = state / CONTEXT_SHARDS
    had = folder.is_dir()  # a first build has no shard to remove (or compare with)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str | os.PathLike[str]] = []
    for number in range(ci.SHARDS):
        name = f"{number:02x}.json"
        if name not in shards:
            if had:
                (folder / name).unlink(missing_ok=True)
            continue  # (a first build's 256 names: no path made for each)
        path = folder / name
        text = _dump(shards[name])
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except OSError:
            pass
        atomic_write_text(path, text, sync=False)
        written.append(path)
    if _synced():
        sync_all(written)


def load(state: Path) -> dict[str, Any] | None:
    """The whole index as `Fold.data` gives it (`{"v", "paths", "items"}`), read back from
    the stored state; None when there is none. Reads every book file: for `context` and
    checks, never for a commit."""
    if _load_manifest(state) is None:
        return None
    items: dict[str, dict[str, Any]] = {}
    books = _folder(state) / "book"
    for path in sorted([*books.glob("*/*/*/*.json"), *books.glob("*/*/*.json")]):
        rel = str(PurePosixPath(*path.relative_to(state).parts))
        for ident, item in _book_items(rel, json.loads(path.read_text(encoding="utf-8"))):
            items[ident] = {k: v for k, v in item.items() if k != "full"}
    order = sorted(items, key=lambda i: _order(items[i], i))
    paths: dict[str, list[str]] = {}
    for ident in order:
        for key in items[ident]["keys"]:
            paths.setdefault(key, []).append(ident)
    return {"v": ci.VERSION, "paths": paths, "items": {i: items[i] for i in order}}


def shards(state: Path) -> dict[str, Any]:
    """Every shard the hook reads, by file name (for comparing two indexes)."""
    folder = state / CONTEXT_SHARDS
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


