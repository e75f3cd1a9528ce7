"""Live decisions and open blockers kept off the heap while a whole history is folded (the
full rebuild).

The status fold keeps every live decision: a `Supersedes:`/`Reverted:` years later is matched
against all of them (logs.matching's rule), as an `Unblocked:` is against every open blocker.
Held as objects, they are most of what a rebuild's memory grows by with the history (about
1.8 KB each, 300,000 live decisions at a million entries). Here each is, once its month is
folded (`settle`), a few numbers in memory: its id in the posting array of each of its words
and of its author, and where its payload (what the status file and the match need: date,
author, archive file, bullet, expiry) lies in a temporary file. A payload is read back only
for the item a bullet retires or closes and those the status shows (the newest decisions,
every open blocker).

The rule is logs.matching's, exactly: the posting arrays of a query's words become the sets
`matching.most_shared` searches (ids grow with time, so the smallest is the oldest), and an
author's own most recent decision is the last id of that author's array. An item's words are
its text's words, computed again when it is taken, so none are stored per item.
"""
from __future__ import annotations

import os
import pickle
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from typing import IO, Any, TypeVar

from sessionlog_git.base.text import words
from sessionlog_git.logs.entries import Bullet, Entry
from sessionlog_git.logs.lifecycle import Decision, LazyDecisionBook
from sessionlog_git.logs.matching import WordIndex, most_shared
from sessionlog_git.logs.model import Blocker, BlockerBook, Record

T = TypeVar("T")
# Reading a posting array whole costs about this many of its ids per binary search in it.
_SCAN = 16
# Where a payload can end while the ends are kept in 4 bytes each (past it: 8).
_NARROW_END = 0xFFFF_FFFF


def _drop(ids: array[int], ident: int) -> None:
    """Remove `ident` from an ascending array holding it."""
    del ids[bisect_left(ids, ident)]


class _Ids(AbstractSet[int]):
    """An ascending id array as the set `matching.most_shared` takes, without building one:
    a word in most decisions (`over`) has a posting array of hundreds of thousands of ids,
    while the search mostly asks which of a few hundred candidates it holds."""

    __slots__ = ("_ids",)

    def __init__(self, ids: array[int]) -> None:
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __contains__(self, ident: object) -> bool:
        ids = self._ids
        if not isinstance(ident, int):
            return False
        at = bisect_left(ids, ident)
        return at < len(ids) and ids[at] == ident

    def __sub__(self, other: AbstractSet[Any]) -> set[int]:
        return set(self._ids).difference(other)

    def __rand__(self, other: AbstractSet[Any]) -> set[int]:
        """`candidates & self`: the candidates looked up one by one in the array (a binary
        search each) when that is cheaper than reading the whole array."""
        if len(self._ids) <= _SCAN * len(other):
            return (other if isinstance(other, set) else set(other)).intersection(self._ids)
        return {ident for ident in other if ident in self}


class SpooledIndex(WordIndex[T]):
    """A WordIndex whose items, once settled, live in a temporary file (`pack`/`unpack`
    turn one into bytes and back); the items added since the last `settle` stay objects."""

    def __init__(self, text_of: Callable[[T], str], owner_of: Callable[[T], str],
                 pack: Callable[[T], bytes], unpack: Callable[[bytes], T],
                 tokens: Callable[[str], set[str]] = words) -> None:
        super().__init__(text_of, owner_of, (), tokens)
        self._pack, self._unpack = pack, unpack
        # A word -> the ascending ids of the open items with it (dropped once none is open:
        # a history keeps coining words, ticket numbers among them).
        self._postings: dict[str, array[int]] = {}
        self._owners: dict[str, array[int]] = {}  # an author -> ascending ids of their items
        self._fresh: dict[int, T] = {}  # added since the last settle
        self._alive = bytearray()  # by id: 1 while open
        # By settled id: where its payload ends in the file (it starts where the one before
        # ends; an item taken before it was settled has none). 4 bytes an item until the
        # file passes 4 GiB, then 8: a million entries settle about 380,000 items.
        self._ends: array[int] = array("I")
        # Closed by close(): it outlives this call, so no `with` here.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="sessionlog-open-items-")  # noqa: SIM115
        self._end = 0
        self._unflushed = False

    def add(self, item: T) -> None:
        ident = len(self._alive)
        self._alive.append(1)
        self._fresh[ident] = item
        for word in self._tokens(self._text_of(item)):
            ids = self._postings.get(word)
            if ids is None:
                ids = self._postings[sys.intern(word)] = array("I")
            ids.append(ident)
        owner = self._owner_of(item)
        ids = self._owners.get(owner)
        if ids is None:
            ids = self._owners[owner] = array("I")
        ids.append(ident)

    def take(self, text: str, owner: str) -> T | None:
        target = most_shared([_Ids(ids) for word in self._tokens(text)
                              if (ids := self._postings.get(word)) is not None])
        if target is None:
            own = self._owners.get(owner)
            if not own:
                return None
            target = own[-1]
        item = self._get(target)
        self._fresh.pop(target, None)
        self._alive[target] = 0
        for word in self._tokens(self._text_of(item)):
            ids = self._postings[word]
            _drop(ids, target)
            if not ids:
                del self._postings[word]
        _drop(self._owners[self._owner_of(item)], target)
        return item

    def _get(self, ident: int) -> T:
        item = self._fresh.get(ident)
        if item is not None:
            return item
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        start = self._ends[ident - 1] if ident else 0
        return self._unpack(os.pread(self._file.fileno(), self._ends[ident] - start, start))

    @property
    def items(self) -> list[T]:
        """The open items, oldest first (every one read back: for small histories)."""
        return [self._get(i) for i, open_ in enumerate(self._alive) if open_]

    def tail(self, n: int) -> list[T]:
        """The `n` newest open items, oldest first."""
        found: list[int] = []
        end = len(self._alive)
        while len(found) < n and (end := self._alive.rfind(1, 0, end)) >= 0:
            found.append(end)
        return [self._get(i) for i in reversed(found)]

    def settle(self) -> None:
        """Move the items added since the last settle to the file (in id order)."""
        ends, fresh = self._ends, self._fresh
        for ident in range(len(ends), len(self._alive)):
            item = fresh.get(ident)
            if item is not None:
                data = self._pack(item)
                self._file.write(data)
                self._end += len(data)
                self._unflushed = True
                if self._end > _NARROW_END and ends.typecode == "I":
                    ends = self._ends = array("Q", ends)
            ends.append(self._end)
        fresh.clear()

    def close(self) -> None:
        self._file.close()


def _record(record: Record) -> tuple[object, ...]:
    """What a view shows of a kept item's entry: its time, title, assistant, line, day and
    moment, and the record's origin (not the entry's other bullets)."""
    entry = record.entry
    return (entry.time, entry.title, entry.meta.get("agent"), entry.line, entry.day, entry.at,
            record.project, record.user, record.source)


def _unrecord(time: str | None, title: str, agent: str | None, line: int, day: date | None,
              at: datetime | None, project: str, user: str, source: str) -> Record:
    entry = Entry(time, title, [], {"agent": agent} if agent else {}, "", line, day, at)
    return Record(entry, project, user, source)


def _pack(decision: Decision[Record]) -> bytes:
    """What the status file and the match need of a live decision: its entry's, the bullet
    and the expiry (not what it replaced: the status shows that for no live one)."""
    bullet = decision.bullet
    return pickle.dumps((_record(decision.record), bullet.kind, bullet.text, bullet.line,
                         decision.expires), pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes) -> Decision[Record]:
    record, kind, text, line, expires = pickle.loads(data)  # our own file
    return Decision(_unrecord(*record), Bullet(kind, text, line), expires)


def _pack_blocker(blocker: Blocker) -> bytes:
    bullet = blocker.bullet
    return pickle.dumps((_record(blocker.record), bullet.kind, bullet.text, bullet.line),
                        pickle.HIGHEST_PROTOCOL)


def _unpack_blocker(data: bytes) -> Blocker:
    record, kind, text, line = pickle.loads(data)  # our own file
    return Blocker(_unrecord(*record), Bullet(kind, text, line))


class SpooledDecisionBook(LazyDecisionBook[Record]):
    """The status fold's live decisions, each settled month moved to a temporary file."""

    def __init__(self, tokens: Callable[[str], set[str]] = words) -> None:
        super().__init__(tokens)
        self._spooled: SpooledIndex[Decision[Record]] = SpooledIndex(
            lambda d: d.bullet.body, lambda d: d.record.user, _pack, _unpack, tokens=tokens)
        self._index = self._spooled

    def recent(self, n: int) -> list[Decision[Record]]:
        return self._spooled.tail(n) if n > 0 else []

    def settle(self) -> None:
        """The decisions added since the last settle that are still live go to the file
        (and the book's since-the-last-mark delta, which a rebuild does not store, is reset)."""
        self.mark()
        self._spooled.settle()

    def release(self) -> None:
        """Remove the file (the book is not used after)."""
        self._spooled.close()


class SpooledBlockerBook(BlockerBook):
    """The status fold's open blockers, each settled month moved to a temporary file (a
    blocker can stay open for years; the status file lists them all, read back at its end)."""

    def __init__(self) -> None:
        super().__init__()
        self._spooled: SpooledIndex[Blocker] = SpooledIndex(
            lambda b: b.bullet.body, lambda b: b.record.user, _pack_blocker, _unpack_blocker)
        self._index = self._spooled

    def settle(self) -> None:
        self._spooled.settle()

    def release(self) -> None:
        """Remove the file (the book is not used after)."""
        self._spooled.close()
