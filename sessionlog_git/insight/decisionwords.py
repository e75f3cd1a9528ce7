"""The live decisions a `Supersedes:`/`Reverted:` is matched against, indexed by their words
per month folder, so that a fold never builds a book of every live decision in memory.

The matching rule (logs.matching): the live decision sharing the most words with the bullet,
the oldest on a tie; sharing none, the bullet's author's newest. Decisions are numbered in
the order stated, and that order is the book's, so "oldest" is "lowest number". A folder's
part of the index (`Part`) holds, for the decisions its fold stated, each word's decision
numbers and each decision's author; it never changes while the folder's key does not, so it
is kept in the state folder's cache beside the folder's checkpoint. A `PostedBook` answers
the rule from those parts, the numbers retired since (`dead`) and the decisions added in the
fold at hand: the cost of a match is the lengths of its words' lists, and opening the book
costs reading the parts, not tokenising every decision ever stated.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

from sessionlog_git.base.text import words
from sessionlog_git.logs.entries import Bullet
from sessionlog_git.logs.lifecycle import Decision, DecisionBook
from sessionlog_git.logs.model import Record


@dataclass(frozen=True)
class Owner:
    """What the fold needs of an earlier decision's entry: its author (the rule's fallback).
    A decision taken from a part is only numbered, marked retired and pointed at."""

    user: str


class Part:
    """One folder's decisions by word: `first` is the number of its first decision."""

    def __init__(self, first: int, by_word: dict[str, list[int]], users: list[str]) -> None:
        self.first, self.by_word, self.users = first, by_word, users

    @classmethod
    def of(cls, first: int, decisions: Iterable[Decision[Record]]) -> Part:
        by_word: dict[str, list[int]] = {}
        users: list[str] = []
        for n, decision in enumerate(decisions, start=first):
            users.append(decision.record.user)
            for word in words(decision.bullet.body):
                by_word.setdefault(word, []).append(n)
        return cls(first, by_word, users)

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "words": self.by_word, "users": self.users}

    @classmethod
    def from_json(cls, data: Any) -> Part | None:
        try:
            first, by_word, users = int(data["first"]), data["words"], data["users"]
        except (KeyError, TypeError, ValueError):
            return None
        if not (isinstance(by_word, dict) and isinstance(users, list)):
            return None
        return cls(first, by_word, users)

    @property
    def end(self) -> int:
        return self.first + len(self.users)


class PostedBook(DecisionBook[Record]):
    """The book after the folders of `parts` (their decisions, numbered from 0 on, less the
    `dead` ones): decisions added later are indexed in memory and numbered on from there.
    `number`: id(decision) -> its number, for the added decisions and the ones taken."""

    def __init__(self, parts: list[Part], dead: set[int]) -> None:
        super().__init__(words)
        self._parts = parts
        self._dead = set(dead)
        self._next = parts[-1].end if parts else 0
        self._added: dict[int, Decision[Record]] = {}
        self._added_words: dict[str, list[int]] = {}
        self.number: dict[int, int] = {}

    @property
    def next(self) -> int:
        return self._next

    def add(self, decision: Decision[Record]) -> None:
        n = self._next
        self._next += 1
        self._added[n] = decision
        self.number[id(decision)] = n
        for word in words(decision.bullet.body):
            self._added_words.setdefault(word, []).append(n)

    def kill(self, numbers: Iterable[int]) -> None:
        """Decisions retired by records folded before this book was opened."""
        self._dead.update(numbers)

    def _owner(self, n: int) -> str:
        if n in self._added:
            return self._added[n].record.user
        for part in self._parts:
            if part.first <= n < part.end:
                return str(part.users[n - part.first])
        raise KeyError(n)

    def _take(self, record: Record, bullet: Bullet) -> Decision[Record] | None:
        found = words(bullet.body)
        lists = [part.by_word.get(w, ()) for part in self._parts for w in found]
        lists += [self._added_words.get(w, ()) for w in found]
        counts = Counter(chain.from_iterable(lists))
        for n in self._dead & counts.keys():
            del counts[n]
        target: int | None = None
        if counts:
            best = max(counts.values())
            target = min(n for n, c in counts.items() if c == best)
        else:  # sharing no word: the author's newest live decision
            owner = record.user
            target = next((n for n in sorted(self._added, reverse=True)
                           if n not in self._dead and self._added[n].record.user == owner), None)
            for part in reversed(self._parts):
                if target is not None:
                    break
                for i in range(len(part.users) - 1, -1, -1):
                    if part.users[i] == owner and part.first + i not in self._dead:
                        target = part.first + i
                        break
        if target is None:
            return None
        self._dead.add(target)
        if target in self._added:
            return self._added[target]
        whose = cast(Record, Owner(self._owner(target)))
        taken: Decision[Record] = Decision(whose, Bullet("decision", "", 0))
        self.number[id(taken)] = target
        return taken

    @property
    def live(self) -> list[Decision[Record]]:
        raise NotImplementedError("a PostedBook keeps numbers, not every live decision")
