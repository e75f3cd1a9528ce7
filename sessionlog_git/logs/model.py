"""The data the views are computed from: an archived entry with its origin (`Record`), the
chronological order without duplicates (`ordered`), blockers and the rule that closes them
(`BlockerBook`), and the project status as a fold over records (`StatusState`).

Data flows entries -> archive -> views: the archive checkpoints these types and the views
render them, so they live below both. Pure: no clock, no file system.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sessionlog_git.base.text import words
from sessionlog_git.logs.entries import Bullet, Entry
from sessionlog_git.logs.lifecycle import Decision, LazyDecisionBook, expiry
from sessionlog_git.logs.matching import WordIndex

RECENT_DECISIONS = 10
RECENTLY_CLOSED = 10
_TRIM_AT = 256  # the latest lists grow to this while a fold runs, then are cut to their size

class Record:
    """An archived entry with where it came from; equal and hashed by all four, never changed
    once made. (The records of a fold are plain classes: a dataclass costs its generated
    methods' compile at every commit's start.)"""

    def __init__(self, entry: Entry, project: str, user: str, source: str) -> None:
        self.entry = entry
        self.project = project
        self.user = user
        self.source = source  # the archive file, relative to the logs folder (POSIX), for links

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return ((self.entry, self.project, self.user, self.source)
                == (other.entry, other.project, other.user, other.source))

    def __hash__(self) -> int:
        return hash((self.entry, self.project, self.user, self.source))

    def __repr__(self) -> str:
        return (f"Record(entry={self.entry!r}, project={self.project!r}, user={self.user!r}, "
                f"source={self.source!r})")

    @property
    def at(self) -> datetime:
        assert self.entry.at is not None
        return self.entry.at

    # `sort_key` and `same_key`, once made (None: not yet; an instance's own value hides these)
    _sort_key: tuple[Any, ...] | None = None
    _same_key: tuple[Any, ...] | None = None

    def sort_key(self) -> tuple[Any, ...]:
        # Kept once made: a commit's folds sort and compare the same records many times
        # (an attribute of the instance, read without an exception or a call, since a
        # backlog makes thousands for the first time).
        found = self._sort_key
        if found is None:
            entry = self.entry
            assert entry.at is not None
            found = self._sort_key = (entry.at.timestamp(), self.user, self.source, entry.line)
        return found

    def same_key(self) -> tuple[Any, ...]:
        """Identity for de-duplication (`Entry.key` with the project and the contributor),
        kept once made as `sort_key` is."""
        found = self._same_key
        if found is None:
            found = self._same_key = (self.project, self.user, *self.entry.key())
        return found


def ordered(records: Iterable[Record]) -> list[Record]:
    """Chronological, without the duplicates an entry archived twice would make."""
    seen: set[tuple[Any, ...]] = set()
    add = seen.add
    out: list[Record] = []
    append = out.append
    timed = [r for r in records if r.entry.at is not None]
    timed.sort(key=Record.sort_key)
    for record in timed:
        key = record._same_key  # (kept: no call for a key made before)
        if key is None:
            key = record.same_key()
        if key not in seen:
            add(key)
            append(record)
    return out


class Blocker:
    """A blocker bullet, and the entry and bullet that closed it, once one did."""

    __slots__ = ("bullet", "closed_by", "closing", "record")

    def __init__(self, record: Record, bullet: Bullet, closed_by: Record | None = None,
                 closing: Bullet | None = None) -> None:
        self.record = record
        self.bullet = bullet
        self.closed_by = closed_by
        self.closing = closing

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Blocker):
            return NotImplemented
        return ((self.record, self.bullet, self.closed_by, self.closing)
                == (other.record, other.bullet, other.closed_by, other.closing))

    __hash__ = None  # type: ignore[assignment]  # mutable


class BlockerBook:
    """Open blockers, and the rule that closes them (logs.matching: the blocker an unblock
    shares the most words with, the oldest on a tie; sharing none, its author's latest)."""

    def __init__(self, still_open: Iterable[Blocker] = ()) -> None:
        self._index: WordIndex[Blocker] = WordIndex(
            lambda b: b.bullet.body, lambda b: b.record.user, still_open)

    def add(self, blocker: Blocker) -> None:
        self._index.add(blocker)

    def close(self, record: Record, bullet: Bullet) -> Blocker | None:
        blocker = self._index.take(bullet.body, record.user)
        if blocker is not None:
            blocker.closed_by, blocker.closing = record, bullet
        return blocker

    @property
    def still_open(self) -> list[Blocker]:
        return self._index.items


def blockers(records: Sequence[Record], *, in_order: bool = False) -> list[Blocker]:
    """Every blocker, in the order opened, with the unblock that closed it, if any.

    `in_order`: the records come from `ordered` already (it is idempotent), so skip it.
    """
    found: list[Blocker] = []
    book = BlockerBook()
    for record in records if in_order else ordered(records):
        for bullet in record.entry.bullets:
            if bullet.kind == "blocker":
                found.append(Blocker(record, bullet))
                book.add(found[-1])
            elif bullet.kind == "unblock":
                book.close(record, bullet)
    return found


class StatusState:
    """The status of a project as a fold over its records in order.

    Small whatever the history: a checkpoint of it after each month lets a commit fold only
    the months it touches (archive.status_checkpoint).
    """

    __slots__ = ("book", "closed", "decisions", "last", "lifecycle", "next_steps", "retired")

    def __init__(self, book: BlockerBook | None = None, last: dict[str, Record] | None = None,
                 next_steps: dict[str, Record] | None = None, closed: list[Blocker] | None = None,
                 decisions: list[tuple[Record, Bullet]] | None = None,
                 lifecycle: LazyDecisionBook[Record] | None = None,
                 retired: list[Decision[Record]] | None = None) -> None:
        self.book = BlockerBook() if book is None else book
        self.last: dict[str, Record] = {} if last is None else last
        self.next_steps: dict[str, Record] = {} if next_steps is None else next_steps
        # The latest, in the order closed.
        self.closed: list[Blocker] = [] if closed is None else closed
        # The latest.
        self.decisions: list[tuple[Record, Bullet]] = [] if decisions is None else decisions
        # Every live decision (a Supersedes:/Reverted: is matched against all of them; a
        # checkpoint's are read only then), and the latest retired ones: see logs/lifecycle.py.
        self.lifecycle: LazyDecisionBook[Record] = (LazyDecisionBook(words) if lifecycle is None
                                                    else lifecycle)
        self.retired: list[Decision[Record]] = [] if retired is None else retired

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusState):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in StatusState.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def feed(self, records: Iterable[Record]) -> StatusState:
        """Fold in records that all come after everything fed before (already ordered)."""
        # The state's parts held in locals: a backlog feeds thousands of records at once.
        last, next_steps, decisions, closed = self.last, self.next_steps, self.decisions, self.closed
        book, step, start = self.book, self.lifecycle.step, self.lifecycle.start
        for record in records:
            user = record.user
            last[user] = record
            stated: list[Bullet] = []  # the decisions' lifecycle's part: most records have none
            retires = dated = False
            for bullet in record.entry.bullets:
                kind = bullet.kind
                if kind == "note":  # (the most common, and nothing to fold)
                    continue
                if kind == "next":
                    next_steps[user] = record
                elif kind == "decision":
                    decisions.append((record, bullet))
                    stated.append(bullet)
                elif kind == "blocker":
                    book.add(Blocker(record, bullet))
                elif kind == "unblock":
                    found = book.close(record, bullet)
                    if found is not None:
                        closed.append(found)
                        if len(closed) > _TRIM_AT:  # (only a close grows it)
                            del closed[:-RECENTLY_CLOSED]
                elif kind == "supersede" or kind == "revert":
                    retires = True
                elif kind == "expires":
                    dated = True
            if retires or stated:  # (the lifecycle folds nothing else: most records skip it)
                if retires:  # matched against the live decisions: the lifecycle's own step
                    self.retired += step(record)[1]
                else:  # decisions only: they start, nothing retires (its bullets sorted here)
                    start(record, stated, expiry(record.entry) if dated else None)
                # the latest only; cut once a batch, not per record (nor for a record that
                # added to none of these lists)
                if len(decisions) > _TRIM_AT:
                    del decisions[:-RECENT_DECISIONS]
                if len(self.retired) > _TRIM_AT:
                    del self.retired[:-RECENTLY_CLOSED]
        del decisions[:-RECENT_DECISIONS]
        del closed[:-RECENTLY_CLOSED]
        del self.retired[:-RECENTLY_CLOSED]
        return self
