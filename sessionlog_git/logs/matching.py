"""The one matching rule: a bullet takes the open item it shares the most words with.

An `Unblocked:` closes a blocker, a `Supersedes:` or `Reverted:` retires a decision, both by
this rule: the open item sharing the most words with the bullet (the oldest on a tie); sharing
none, the bullet's own author's most recent item. An index from words to open items keeps a
fold linear in the number of bullets, whatever the history's length. Words come from the one
tokeniser, `base.text.words`.
"""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from itertools import chain
from typing import Generic, TypeVar

from sessionlog_git.base.text import words

T = TypeVar("T")


class WordIndex(Generic[T]):
    """Open items; `text_of` gives an item's words, `owner_of` its author."""

    def __init__(self, text_of: Callable[[T], str], owner_of: Callable[[T], str],
                 items: Iterable[T] = (), tokens: Callable[[str], set[str]] = words) -> None:
        self._text_of, self._owner_of, self._tokens = text_of, owner_of, tokens
        self._open: dict[int, T] = {}  # ids grow with time: the smallest is the oldest
        # An item's words as a tuple of interned strings: a set per item and a copy of each
        # word per item cost kilobytes an item, and a history keeps every live decision here.
        self._words: dict[int, tuple[str, ...]] = {}
        self._by_word: dict[str, set[int]] = {}
        self._next = 0
        # Items added since the last `take`, not indexed yet: a fold whose items are never
        # matched against (decisions, when no `Supersedes:` or `Reverted:` comes) never
        # tokenises them.
        self._unindexed: list[int] = []
        for item in items:
            self.add(item)

    def add(self, item: T) -> None:
        ident = self._next
        self._next += 1
        self._open[ident] = item
        self._unindexed.append(ident)

    def _index(self) -> None:
        by_word, opened, tokens, text_of = self._by_word, self._open, self._tokens, self._text_of
        for ident in self._unindexed:
            item = opened.get(ident)
            if item is None:
                continue
            self._words[ident] = found = tuple(map(sys.intern, tokens(text_of(item))))
            for word in found:
                posting = by_word.get(word)
                if posting is None:  # (not a set made per word only to be thrown away)
                    by_word[word] = {ident}
                else:
                    posting.add(ident)
        self._unindexed = []

    def take(self, text: str, owner: str) -> T | None:
        """The open item `text` matches (removed from the index), or None."""
        if self._unindexed:
            self._index()
        target = self._best(self._tokens(text))
        if target is None:
            own = [i for i, item in self._open.items() if self._owner_of(item) == owner]
            if not own:
                return None
            target = max(own)
        item = self._open.pop(target)
        for word in self._words.pop(target):
            self._by_word[word].discard(target)
        return item

    def _best(self, query: Iterable[str]) -> int | None:
        """The open item sharing the most of `query`'s words (the oldest on a tie), or None.

        With many items open the posting lists are long (a word in one decision in eight is
        in tens of thousands at a million entries), and a bullet usually restates what it
        retires: the lists are intersected first, and an item in all of them shares the most.
        Else an item sharing at least c of the k words is in one of the k - c + 1 shortest
        lists, so the items of the shortest lists are counted first (exactly, by set
        intersections in C), and the search stops once one of them shares as many words as
        an item outside them could. When those candidates grow to cost more than counting
        every posting, every posting is counted (in C), as a plain count would."""
        return most_shared([found for w in query if (found := self._by_word.get(w))])

    @property
    def items(self) -> list[T]:
        """The open items, oldest first."""
        return [self._open[i] for i in sorted(self._open)]


def most_shared(lists: Sequence[AbstractSet[int]]) -> int | None:
    """The item (by its id: ids grow with time, the smallest is the oldest) in the most of
    `lists`, the posting sets of a query's words (the oldest on a tie); None when all are
    empty. WordIndex._best's search, for any index that can hand over its posting sets."""
    lists = sorted((found for found in lists if found), key=len)
    if not lists:
        return None
    # Usually a bullet restates what it matches: the items in every list share the most,
    # and the oldest of them is the answer (intersected from the shortest; a set and any
    # other set type, as logs.decisionspool's arrays, meet as the search below meets them).
    common = set(lists[0])
    for other in lists[1:]:
        common = common & other
        if not common:
            break
    else:
        return min(common)
    total = sum(map(len, lists))
    counts: Counter[int] = Counter()
    seen: set[int] = set()
    for used, postings in enumerate(lists, 1):
        new = postings - seen
        seen |= new
        if len(seen) * len(lists) > total:
            break
        counts.update(chain.from_iterable(new & other for other in lists))
        best = max(counts.values())
        if best >= len(lists) - used + 1:
            return min(i for i, c in counts.items() if c == best)
    counts = Counter(chain.from_iterable(lists))
    best = max(counts.values())
    return min(i for i, c in counts.items() if c == best)
