"""Decisions over time: which decisions are still in force, and what replaced the others.

Pure functions over archived records, in time order; nothing here is written back to the
archive, which stays verbatim. The rules:

* Every `Decision:` (`Decided:`, `Chose`, `Rejected:`) bullet starts a live decision.
* A `Supersedes:` bullet retires the live decision of the same project it shares the most
  words with (the oldest on a tie); sharing none, its own author's most recent live decision.
  This is the rule an `Unblocked:` bullet closes a blocker by. The decisions of the
  superseding entry are the replacement; an entry with none stands its `Supersedes:` bullet
  as the new decision (its text says what changed).
* A `Reverted:` bullet retires a decision the same way, with no replacement.
* An `Expires: YYYY-MM-DD` bullet gives every decision of its entry that date. The views have
  no clock, so they only show the date; what has a "now" (`context`, `why`, reports, the
  pre-edit hook) treats a decision as retired from that date on (`Decision.state(today)`).

Within one entry, its `Supersedes:`/`Reverted:` bullets are matched before its own decisions
are added, so an entry never retires its own decision.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from sessionlog_git.logs.entries import Bullet, Entry, expiry_date
from sessionlog_git.logs.matching import WordIndex

SUPERSEDED = "superseded"
REVERTED = "reverted"
EXPIRED = "expired"
LIVE = "live"


class RecordLike(Protocol):
    """What the lifecycle needs of an archived entry (views.Record is one)."""

    @property
    def entry(self) -> Entry: ...

    @property
    def project(self) -> str: ...

    @property
    def user(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def at(self) -> datetime: ...


R = TypeVar("R", bound=RecordLike)


def expiry(entry: Entry) -> date | None:
    """The first valid `Expires:` date of an entry (it applies to all its decisions)."""
    for bullet in entry.bullets:
        if bullet.kind == "expires":
            found = expiry_date(bullet.text)
            if found is not None:
                return found
    return None


class Decision(Generic[R]):
    """A decision bullet and where it stands: live, expiring, or retired by a later entry.
    Each is its own (equal only to itself). A plain class: a dataclass costs its generated
    methods' compile at every commit's start."""

    __slots__ = (
        "bullet",
        "expires",
        "how",
        "record",
        "replacements",
        "replaces",
        "retired_by",
        "retiring",
    )

    def __init__(self, record: R, bullet: Bullet, expires: date | None = None,
                 retired_by: R | None = None, retiring: Bullet | None = None, how: str = "",
                 replacements: list[Decision[R]] | None = None,
                 replaces: list[Decision[R]] | None = None) -> None:
        self.record = record
        self.bullet = bullet
        self.expires = expires
        self.retired_by = retired_by
        self.retiring = retiring  # the Supersedes:/Reverted: bullet
        self.how = how  # SUPERSEDED or REVERTED once retired by a later entry
        self.replacements: list[Decision[R]] = [] if replacements is None else replacements
        self.replaces: list[Decision[R]] = [] if replaces is None else replaces

    @property
    def text(self) -> str:
        return " ".join(self.bullet.text.split())

    def state(self, today: date | None = None) -> str:
        """LIVE, SUPERSEDED, REVERTED, or (only with a `today`) EXPIRED."""
        if self.how:
            return self.how
        if today is not None and self.expires is not None and self.expires <= today:
            return EXPIRED
        return LIVE

    def live(self, today: date | None = None) -> bool:
        return self.state(today) == LIVE


class DecisionBook(Generic[R]):
    """The live decisions of one project, and the rule that retires them.

    Retired by the one matching rule (logs.matching), with `words`, the tokeniser the
    blocker rule uses, so both match alike.
    """

    def __init__(self, words: Callable[[str], set[str]], live: Iterable[Decision[R]] = ()) -> None:
        self._index: WordIndex[Decision[R]] = WordIndex(
            lambda d: d.bullet.body, lambda d: d.record.user, live, tokens=words)

    def add(self, decision: Decision[R]) -> None:
        self._index.add(decision)

    def _take(self, record: R, bullet: Bullet) -> Decision[R] | None:
        return self._index.take(bullet.body, record.user)

    def feed(self, record: R) -> list[Decision[R]]:
        """Fold in one record (after all records fed before); the decisions it retired."""
        return self.step(record)[1]

    def step(self, record: R) -> tuple[list[Decision[R]], list[Decision[R]]]:
        """Fold in one record: (the decisions it states, the decisions it retired)."""
        retired: list[Decision[R]] = []
        retiring: list[Bullet] = []
        stated: list[Bullet] = []
        for b in record.entry.bullets:  # one pass: most records state and retire nothing
            kind = b.kind
            if kind == "decision":
                stated.append(b)
            elif kind == "supersede" or kind == "revert":
                retiring.append(b)
        if not stated and not retiring:
            return [], retired
        for bullet in retiring:
            found = self._take(record, bullet)
            if found is not None:
                found.retired_by, found.retiring = record, bullet
                found.how = SUPERSEDED if bullet.kind == "supersede" else REVERTED
                retired.append(found)
        if not stated:
            stated = [b for b in retiring if b.kind == "supersede"]
        new: list[Decision[R]] = []
        if stated:
            expires = expiry(record.entry)
            new = [Decision(record, b, expires) for b in stated]
            replaced = [d for d in retired if d.how == SUPERSEDED]
            for old in replaced:
                old.replacements = new
            for decision in new:
                decision.replaces = replaced
                self.add(decision)
        return new, retired

    def start(self, record: R, stated: list[Bullet], expires: date | None) -> None:
        """`step` for a record with `Decision:` bullets (`stated`, in order) and no
        `Supersedes:`/`Reverted:` (`expires`: `expiry(record.entry)`), for a caller that
        has sorted its bullets already: its decisions start, nothing is retired (a
        backlog's thousands of decisions, each sorted once, not three times)."""
        replaced: list[Decision[R]] = []  # (as step: one list, empty, for them all)
        for bullet in stated:
            self.add(Decision(record, bullet, expires, replaces=replaced))

    @property
    def live(self) -> list[Decision[R]]:
        """The live decisions, oldest first."""
        return self._index.items

    def recent(self, n: int) -> list[Decision[R]]:
        """The `n` newest live decisions, oldest first."""
        return self.live[-n:] if n > 0 else []


def decision_id(decision: Decision[Any]) -> str:
    """A decision's stable name: its archive file and the line of its bullet."""
    return f"{decision.record.source}#{decision.bullet.line}"


class LazyDecisionBook(DecisionBook[R]):
    """A book whose older live decisions (`load`, oldest first) are read only when a
    `Supersedes:`/`Reverted:` must be matched against them or every live decision is asked
    for: a commit that only adds decisions never reads the history's.

    `tail`: the newest of the loaded decisions (at least as many as `recent` is asked for),
    so the status shows the newest without loading the rest. `mark` says what changed since
    the last mark (a checkpoint stores that delta, not every live decision)."""

    def __init__(self, words: Callable[[str], set[str]],
                 load: Callable[[], list[Decision[R]]] | None = None,
                 tail: Iterable[Decision[R]] = ()) -> None:
        super().__init__(words)
        self._words = words
        self._load = load
        self._tail = list(tail)
        # Since the last mark, oldest first, by identity: a take looks its find up in O(1)
        # (a fold that marks seldom, or never, holds many decisions here).
        self._added: dict[int, Decision[R]] = {}
        self._retired: list[str] = []  # decisions live at the last mark retired since, by id
        # `narrow`: the few loaded decisions that are enough for the takes, by id (None until
        # they are loaded), and the loaded ones taken since, by id.
        self._few: Callable[[], list[Decision[R]] | None] | None = None
        self._few_ids: set[str] | None = None
        self._gone: set[str] = set()

    @property
    def loaded(self) -> bool:
        return self._load is None

    def narrow(self, few: Callable[[], list[Decision[R]] | None]) -> None:
        """Match the takes against `few` of the decisions `load` reads (and the ones added
        since), not all of them: the caller knows that every take finds a decision among
        those (logs.status_rewind says when). Asking for every live decision still reads
        them all, and so does a `few` that answers None (it could not find them)."""
        if self._load is not None:
            self._few = few

    def _materialize(self) -> None:
        if self._load is None:
            return
        old, self._load = self._load(), None
        self._tail = []
        if self._few_ids is not None:  # narrowed: the loaded ones taken since stay taken
            mine = {decision_id(d): d for d in self._index.items
                    if decision_id(d) in self._few_ids}
            old = [mine.get(decision_id(d), d) for d in old
                   if decision_id(d) not in self._gone]
            rest = [d for d in self._index.items if decision_id(d) not in self._few_ids]
            self._few_ids, self._few = None, None
        else:
            rest = self._index.items
        self._index = WordIndex(lambda d: d.bullet.body, lambda d: d.record.user,
                                [*old, *rest], tokens=self._words)

    def _narrowed(self) -> None:
        """The index of the few loaded decisions (in the order `load` gives, which is the
        order they were stated in) and the ones added since."""
        if self._few is None or self._few_ids is not None:
            return
        found = self._few()
        if found is None:
            self._few = None
            self._materialize()
            return
        few = sorted(found, key=_order)
        self._few_ids = {decision_id(d) for d in few}
        self._index = WordIndex(lambda d: d.bullet.body, lambda d: d.record.user,
                                [*few, *self._index.items], tokens=self._words)

    def add(self, decision: Decision[R]) -> None:
        self._index.add(decision)  # (DecisionBook.add, without a call more per decision)
        self._added[id(decision)] = decision

    def _take(self, record: R, bullet: Bullet) -> Decision[R] | None:
        if self._few is not None and self._load is not None:
            self._narrowed()
        else:
            self._materialize()
        found = super()._take(record, bullet)
        if found is not None and self._added.pop(id(found), None) is None:
            self._retired.append(decision_id(found))
            if self._few_ids is not None:
                self._gone.add(decision_id(found))
        return found

    @property
    def live(self) -> list[Decision[R]]:
        self._materialize()
        return self._index.items

    def recent(self, n: int) -> list[Decision[R]]:
        if self._load is None:
            return super().recent(n)
        if self._few_ids is not None:  # narrowed: the checkpoint's newest, less those taken
            added = [d for d in self._index.items if decision_id(d) not in self._few_ids]
            tail = [d for d in self._tail if decision_id(d) not in self._gone]
            if len(added) >= n or len(tail) == len(self._tail):
                return [*tail, *added][-n:] if n > 0 else []
            self._materialize()  # too few left of the checkpoint's newest: read them all
            return super().recent(n)
        return [*self._tail, *self._index.items][-n:] if n > 0 else []

    def mark(self) -> tuple[list[str], list[Decision[R]]]:
        """(ids of the decisions live at the last mark that were retired since, the decisions
        added since that are still live); then a new mark."""
        out = (self._retired, list(self._added.values()))
        self._retired, self._added = [], {}
        return out


def _order(decision: Decision[Any]) -> tuple[Any, ...]:
    """The order a fold states decisions in: its record's (model.Record.sort_key: time,
    author, archive file, entry), then the bullet's line."""
    record = decision.record
    return (record.at.timestamp(), record.user, record.source, record.entry.line,
            decision.bullet.line)


def fold(records: Iterable[R], words: Callable[[str], set[str]]) -> list[Decision[R]]:
    """Every decision of `records` (in time order, any projects), with its lifecycle.

    Projects never retire each other's decisions: each has its own book.
    """
    books: dict[str, DecisionBook[R]] = {}
    out: list[Decision[R]] = []
    for record in records:
        book = books.get(record.project)
        if book is None:
            book = books[record.project] = DecisionBook(words)
        out += book.step(record)[0]
    return out
