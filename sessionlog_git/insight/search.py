"""Ranked full-text search over the session log: archived entries and pending ones alike.

`search` is the one entry point (the MCP `search` tool calls only it). It reads every entry
(the temp logs not yet committed and the whole raw archive), ranks the ones that match with
BM25 (the ranking full-text engines use: rare words weigh more, a short entry that names the
word beats a long one that mentions it once; title words count double), and returns plain
data, best first, newer first on a tie.

Query syntax: words, case-insensitive; a word ending in `*` matches as a prefix (`auth*`
finds "authentication"). An entry matches when it contains at least one of the words.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from sessionlog_git.base import clock
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight.corpus import all_records
from sessionlog_git.insight.reports import parse_since
from sessionlog_git.logs.entries import KINDS
from sessionlog_git.logs.views import Record, record_brief
from sessionlog_git.workspace import Workspace

K1 = 1.2  # BM25 term-frequency saturation
B = 0.75  # BM25 length normalisation
TITLE_WEIGHT = 2  # a title word counts as this many occurrences
MAX_LIMIT = 200
SHOWN_MATCHES = 3  # matching bullets returned per hit

_TOKEN = re.compile(r"[^\W_]+(?:[._-][^\W_]+)*")


def tokens(text: str) -> list[str]:
    """Lower-case words; dotted, dashed and snake names stay whole (`auth.py`, `rs-256`)."""
    return _TOKEN.findall(text.lower())


def _terms(query: str) -> list[tuple[str, bool]]:
    """(term, is_prefix) for each distinct word of the query."""
    out: list[tuple[str, bool]] = []
    for raw in query.split():
        prefix = raw.endswith("*")
        for word in tokens(raw):
            if (word, prefix) not in out:
                out.append((word, prefix))
    return out


def _document(record: Record) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in tokens(record.entry.title):
        counts[word] += TITLE_WEIGHT
    for bullet in record.entry.bullets:
        counts.update(tokens(bullet.text))
    return counts


def _matching(doc: Counter[str], term: str, prefix: bool) -> int:
    if not prefix:
        return doc.get(term, 0)
    return sum(n for word, n in doc.items() if word.startswith(term))


def _check(limit: int, kind: str | None) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise SessionlogError(f"search limit {limit}: out of range. Fix: pass a limit from 1 to {MAX_LIMIT}.")
    if kind is not None and kind not in KINDS:
        raise SessionlogError(
            f"search kind {kind!r}: unknown. Fix: pass one of {', '.join(KINDS)} (the bullet "
            "kinds: Decision:, Blocked on:, Next: ...), or none for every entry."
        )


def search(
    ws: Workspace,
    query: str,
    *,
    author: str | None = None,
    project: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The entries that match `query`, best first (at most `limit`).

    Filters: `author` (the contributor name in the log's path), `project`, `kind` (the entry
    has a bullet of that kind: decision, blocker, next, ...), `since` (a date YYYY-MM-DD or a
    span back from now: 14d, 2w, 36h). Each hit is `record_brief`'s fields plus `score`,
    `state` ("pending": not committed yet, or "archived"), `source` (the file, from the work
    tree's top) and `matches` (up to three bullets that contain a query word).
    """
    terms = _terms(query)
    if not terms:
        raise SessionlogError(
            f"search query {query!r} has no words to look for. Fix: pass one or more words, "
            "e.g. `redis timeout`; end a word with * to match a prefix (`auth*`)."
        )
    _check(limit, kind)
    cfg = ws.config
    start = parse_since(since, "search", clock.now(cfg.timezone).at) if since else None
    records = [
        r for r in all_records(ws)
        if (author is None or r.user == author)
        and (project is None or r.project == project)
        and (kind is None or r.entry.of_kind(kind))
        and (start is None or r.at >= start)
    ]
    docs = [_document(r) for r in records]
    if not docs:
        return []
    average = sum(sum(d.values()) for d in docs) / len(docs) or 1.0
    frequency = [sum(1 for d in docs if _matching(d, t, p)) for t, p in terms]
    weights = [math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for n in frequency]
    scored: list[tuple[float, Record]] = []
    for record, doc in zip(records, docs, strict=True):
        size = sum(doc.values())
        score = 0.0
        for (term, prefix), weight in zip(terms, weights, strict=True):
            tf = _matching(doc, term, prefix)
            if tf:
                score += weight * tf * (K1 + 1) / (tf + K1 * (1 - B + B * size / average))
        if score > 0:
            scored.append((score, record))
    scored.sort(key=lambda hit: (-hit[0], -hit[1].at.timestamp(), hit[1].user, hit[1].source))
    pending = PurePosixPath(*cfg.pending_path.relative_to(cfg.top).parts)
    return [_hit(score, record, terms, pending) for score, record in scored[:limit]]


def _hit(score: float, record: Record, terms: Sequence[tuple[str, bool]], pending: PurePosixPath
         ) -> dict[str, Any]:
    matches = []
    for bullet in record.entry.bullets:
        words = tokens(bullet.text)
        if any(w == t or (p and w.startswith(t)) for w in words for t, p in terms):
            matches.append(" ".join(bullet.text.split()))
    return {
        **record_brief(record),
        "score": round(score, 4),
        "state": "pending" if PurePosixPath(record.source).is_relative_to(pending) else "archived",
        "source": record.source,
        "matches": matches[:SHOWN_MATCHES],
    }
