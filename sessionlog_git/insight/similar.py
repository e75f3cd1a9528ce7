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
from typing import TypeVar

from sessionlog_git.base.text import words

T = TypeVar("T")


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1


def group(items: Sequence[T], text_of: Callable[[T], str], threshold: float) -> list[list[T]]:
    """`items` grouped by the rule above, each group in the items' order."""
    sets = [frozenset(words(text_of(item))) for item in items]
    frequency = Counter(chain.from_iterable(set(sets)))
    rank = {w: (n, w) for w, n in frequency.items()}  # rarest first, ties by the word itself
    groups: list[list[T]] = []
    bare: dict[str, int] = {}  # a text without words -> its group
    row_of: dict[frozenset[str], int] = {}  # a word set -> its row
    rows: list[tuple[frozenset[str], int]] = []  # (set, the first group a text of it joined)
    # (size, word) -> the rows of that size holding the word (every word, not only a prefix).
    index: dict[tuple[int, str], list[int]] = {}
    ratio = threshold / (1 + threshold)
    for item, found in zip(items, sets, strict=True):
        home: int | None
        if not found:
            key = text_of(item).strip().lower()
            home = bare.get(key)
            if home is None:
                bare[key] = home = len(groups)
                groups.append([])
            groups[home].append(item)
            continue
        size = len(found)
        prefix = sorted(found, key=rank.__getitem__)[: _prefix_length(size, threshold)]
        rest = size - len(prefix)  # words outside the prefix: at most this many more shared
        home = None
        same = row_of.get(found)
        if same is not None:
            home = rows[same][1]  # a set is similar to itself: at most that set's group
        # A similar set shares a prefix word (the prefix filter); `shared` words of the prefix
        # bound what it can share in all: only rows that can still reach the threshold are
        # compared. Rows are bucketed by size, since the words needed depend on it.
        low = math.ceil(threshold * size - 1e-9)
        high = math.floor(size / threshold + 1e-9)
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
            home = len(groups)
            groups.append([])
        groups[home].append(item)
        if same is None:
            row_of[found] = len(rows)
            for word in found:
                index.setdefault((size, word), []).append(len(rows))
            rows.append((found, home))
        elif home < rows[same][1]:
            rows[same] = (found, home)
    return groups
