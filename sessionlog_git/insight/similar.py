"""Recurring blockers: texts grouped single-link by the Jaccard similarity of their words,
found through an index instead of comparing every pair.

The rule (`reports.group_blockers`, written once there as the pairwise definition in the
tests): texts are taken in order; a text joins the first group (in the order groups were
made) holding a text it is similar to, else starts a group. Two texts are similar when the
words they share are at least `threshold` of the words either uses; a text without words is
similar only to the same text (case and surrounding space aside).

Similarity depends only on the word sets, so texts with the same set share one row; only
rows that share a rare enough word and can still reach the threshold are compared (the
prefix filter of set-similarity joins: with the words of every set in one global order,
rarest first, two sets of Jaccard at least t share a word among the first |S| - ceil(t·|S|)
+ 1 words of each; and the words of that prefix a row holds, plus the words after it, bound
what the two can share). The result is the pairwise rule's, exactly; the cost follows how
many earlier sets share several of a set's rare words.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, TypeVar

from sessionlog_git.base.text import words

T = TypeVar("T")


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1


class Grouper:
    """The rule above as a fold: texts are added in order, each gets its group's number.
    `replay` takes back a text whose group is already known (from an earlier run over the
    same texts), so a grouping goes on from where a cached one ended with the same result."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.count = 0  # groups made so far
        self._bare: dict[str, int] = {}  # a text without words -> its group
        self._row_of: dict[frozenset[str], int] = {}  # a word set -> its row
        self._rows: list[tuple[frozenset[str], int]] = []  # (set, the lowest group a text of it joined)
        # (size, word) -> the rows of that size holding the word (every word, not only a prefix).
        self._index: dict[tuple[int, str], list[int]] = {}
        self._frequency: Counter[str] = Counter()  # words by how many sets hold them
        self._sets: dict[str, frozenset[str]] = {}  # a text -> its words

    def _words(self, text: str) -> frozenset[str]:
        found = self._sets.get(text)
        if found is None:
            found = self._sets[text] = frozenset(words(text))
        return found

    def prepare(self, texts: Sequence[str]) -> None:
        """Count the words of texts about to be added: the rarest are looked up first. (Any
        order of a set's words gives the same groups, since the index holds every word of
        every row; rare ones only make fewer candidates.)"""
        self._frequency.update(chain.from_iterable({self._words(t) for t in texts}))

    def replay(self, text: str, home: int) -> None:
        found = self._words(text)
        if not found:
            self._bare.setdefault(text.strip().lower(), home)
        else:
            self._place(found, home)
        self.count = max(self.count, home + 1)

    def _place(self, found: frozenset[str], home: int) -> None:
        same = self._row_of.get(found)
        if same is None:
            self._row_of[found] = len(self._rows)
            for word in found:
                self._index.setdefault((len(found), word), []).append(len(self._rows))
            self._rows.append((found, home))
        elif home < self._rows[same][1]:
            self._rows[same] = (found, home)

    def state(self) -> dict[str, Any]:
        """What the fold holds so far, as JSON data: `restore` goes on from it exactly."""
        return {"threshold": self.threshold, "count": self.count, "bare": dict(self._bare),
                "rows": [[sorted(found), home] for found, home in self._rows],
                "frequency": dict(self._frequency)}

    @staticmethod
    def words_of(texts: Sequence[str]) -> frozenset[str]:
        """Every word of `texts`, as `add` finds them."""
        return frozenset(chain.from_iterable(words(t) for t in texts))

    @staticmethod
    def prefix_words(data: Any, prepared: Sequence[str], new: Sequence[str]) -> frozenset[str] | None:
        """The words `add` looks rows up by for each of the `new` texts, in a grouper restored
        from `data` (a `state`) that then `prepare`s `prepared`: a row holding none of them is
        never compared with any of those texts, nor is it one's own set (a set holds its
        prefix). Most texts share a common word with nearly every row, few a rare one, so
        restoring only these rows restores few. None when `data` is not a state."""
        try:
            probe = Grouper(float(data["threshold"]))
            probe._frequency.update({str(k): int(v) for k, v in data["frequency"].items()})
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        probe.prepare(prepared)
        found: set[str] = set()
        for text in new:
            found.update(probe._prefix(probe._words(text)))
        return frozenset(found)

    def _prefix(self, found: frozenset[str]) -> list[str]:
        """The rarest words of `found` (the prefix filter's, with the words counted so far)."""
        frequency = self._frequency
        return sorted(found, key=lambda w: (frequency[w], w))[: _prefix_length(len(found), self.threshold)]

    @classmethod
    def restore(cls, data: Any, only: frozenset[str] | None = None) -> Grouper | None:
        """A grouper in the `state` it was saved in; None when `data` is not one. `only`: the
        words the texts that will be added look rows up by (`prefix_words`; every word of them
        will do too): only the rows holding one of them are restored
        (a row without any can never be a candidate for such a text, nor its same set; a text
        taken back that holds none is placed where no lookup of theirs goes), so those texts
        get the groups the whole grouper would give them. Its state is then not the whole
        fold's and must not be kept."""
        try:
            grouper = cls(float(data["threshold"]))
            grouper.count = int(data["count"])
            grouper._bare = {str(k): int(v) for k, v in data["bare"].items()}
            kept = data["rows"] if only is None else [r for r in data["rows"] if not only.isdisjoint(r[0])]
            rows = grouper._rows = [(frozenset(words_of), int(home)) for words_of, home in kept]
            grouper._row_of = {found: row for row, (found, _) in enumerate(rows)}
            index = grouper._index
            for row, (found, _) in enumerate(rows):
                size = len(found)
                for word in found:
                    index.setdefault((size, word), []).append(row)
            if len(grouper._row_of) != len(rows):
                return None  # a word set twice: not a state `state` makes
            grouper._frequency.update({str(k): int(v) for k, v in data["frequency"].items()})
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return grouper

    def add(self, text: str) -> int:
        """The group `text` joins (a new one's number when it joins none)."""
        threshold = self.threshold
        found = self._words(text)
        home: int | None
        if not found:
            key = text.strip().lower()
            home = self._bare.get(key)
            if home is None:
                self._bare[key] = home = self.count
                self.count += 1
            return home
        size = len(found)
        prefix = self._prefix(found)
        rest = size - len(prefix)  # words outside the prefix: at most this many more shared
        home = None
        same = self._row_of.get(found)
        if same is not None:
            home = self._rows[same][1]  # a set is similar to itself: at most that set's group
        # A similar set shares a prefix word (the prefix filter); `shared` words of the prefix
        # bound what it can share in all: only rows that can still reach the threshold are
        # compared. Rows are bucketed by size, since the words needed depend on it.
        low = math.ceil(threshold * size - 1e-9)
        high = math.floor(size / threshold + 1e-9)
        ratio = threshold / (1 + threshold)
        index, rows = self._index, self._rows
        for other_size in range(max(1, low), high + 1):
            counts = Counter(chain.from_iterable(index.get((other_size, w), ()) for w in prefix))
            if not counts:
                continue
            need = ratio * (size + other_size) - rest - 1e-9
            for row, shared_prefix in counts.most_common():
                if shared_prefix < need:
                    break
                other, where = rows[row]
                if home is not None and where >= home:
                    continue
                shared = len(found & other)
                if shared / (size + other_size - shared) >= threshold:
                    home = where
        if home is None:
            home = self.count
            self.count += 1
        self._place(found, home)
        return home


def group(items: Sequence[T], text_of: Callable[[T], str], threshold: float) -> list[list[T]]:
    """`items` grouped by the rule above, each group in the items' order."""
    texts = [text_of(item) for item in items]
    grouper = Grouper(threshold)
    grouper.prepare(texts)
    return collect(items, [grouper.add(t) for t in texts])


def collect(items: Sequence[T], homes: Sequence[int]) -> list[list[T]]:
    """Items by their group's number, each group in the items' order."""
    groups: list[list[T]] = [[] for _ in range(max(homes, default=-1) + 1)]
    for item, home in zip(items, homes, strict=True):
        groups[home].append(item)
    return groups
