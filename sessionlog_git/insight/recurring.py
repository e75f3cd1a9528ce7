"""The recurring-blocker groups of the whole history, kept between reports.

Grouping (insight.similar) is a fold over the blocker texts in order: a text's group depends
only on the texts before it. So the groups found are kept in the state folder's cache, in
chunks of CHUNK texts, each under a key that names its texts and every text before it. A
report reads the chunks whose key still matches, takes their texts back into the fold
without comparing them (only when there is more to group), and groups only the texts after
them: a change in an old month costs the chunks from there on, a blocker added in the last
chunk only the texts from it on (the last chunk's texts are kept beside it,
`recurring.tail.json`, to see where they start to differ). The grouper itself is kept too
(`recurring.state.json`), as it stood after the last whole chunk: going on from it takes
back only the texts after that, not every blocker before them. Deleting the cache, or any
damage to it, costs a regrouping, never a different answer.

A group's line in the report (`Summary`) is folded a blocker at a time, in the group's order,
so a kept line (insight.blockermemo) goes on with the blockers after it as the whole group
would give it.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sessionlog_git.base.text import one_line, sha256_hex
from sessionlog_git.insight.similar import Grouper
from sessionlog_git.logs.model import Blocker

CACHE_VERSION = 1
CHUNK = 4096


def _keys(texts: Sequence[str], threshold: float) -> list[str]:
    key = f"{CACHE_VERSION}|{threshold!r}"
    out: list[str] = []
    for start in range(0, len(texts), CHUNK):
        key = sha256_hex("\0".join([key, *texts[start:start + CHUNK]]))
        out.append(key)
    return out


def _load(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("v") != CACHE_VERSION:
        return []
    if not isinstance(data.get("chunks"), list):
        return []
    return data["chunks"]  # type: ignore[no-any-return]


def homes(texts: Sequence[str], threshold: float, cache: Path | None, *, save: bool = True) -> list[int]:
    """The group number of each text (as `similar.Grouper` gives them, in order), reusing
    the cached chunks that still match; `save`: keep the result for the next time."""
    if cache is None:
        grouper = Grouper(threshold)
        grouper.prepare(texts)
        return [grouper.add(t) for t in texts]
    keys = _keys(texts, threshold)
    out: list[int] = []
    stored = _load(cache)[: len(keys)]
    for i, chunk in enumerate(stored):
        size = min(CHUNK, len(texts) - i * CHUNK)
        if not (isinstance(chunk, list) and len(chunk) == 2 and isinstance(chunk[1], list)
                and len(chunk[1]) <= size
                and all(isinstance(h, int) and 0 <= h <= i * CHUNK + j for j, h in enumerate(chunk[1]))):
            break
        if chunk[0] == keys[i] and len(chunk[1]) == size:
            out += chunk[1]
            continue
        # The last chunk kept was not whole: texts added after it leave its texts' groups.
        before = keys[i - 1] if i else f"{CACHE_VERSION}|{threshold!r}"
        part = texts[i * CHUNK:i * CHUNK + len(chunk[1])]
        if i == len(stored) - 1 and sha256_hex("\0".join([before, *part])) == chunk[0]:
            out += chunk[1]
        elif i == len(stored) - 1:
            # Texts came in among the last chunk's (a commit's blockers among the same day's):
            # its groups hold up to the first text that differs.
            out += chunk[1][:_same_start(_tail_file(cache), before, chunk[0], texts[i * CHUNK:])]
        break
    done = len(out)
    if done == len(texts):
        return out
    # The fold as it stood after the last whole chunk it was kept at: only the texts after
    # that are taken back or grouped (a blocker added at the end costs its chunk, not every
    # blocker before it).
    boundary = len(texts) // CHUNK * CHUNK
    grouper, start = _restored(_state_file(cache), keys, done, threshold, boundary, texts)
    grouper.prepare(texts[start:])
    state: dict[str, Any] | None = None
    for i in range(start, len(texts)):
        if i == boundary and i > start:
            state = _state(grouper, i, keys)
        if i < done:
            grouper.replay(texts[i], out[i])
        else:
            out.append(grouper.add(texts[i]))
    if boundary == len(texts) and boundary > start:
        state = _state(grouper, boundary, keys)
    if save:
        from sessionlog_git.base.fsutil import atomic_write_text

        chunks = [[key, out[i * CHUNK:(i + 1) * CHUNK]] for i, key in enumerate(keys)]
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
            cache.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(cache, json.dumps({"v": CACHE_VERSION, "chunks": chunks},
                                                separators=(",", ":")))
            if state is not None:
                atomic_write_text(_state_file(cache), json.dumps(state, separators=(",", ":")))
            last = (len(keys) - 1) * CHUNK
            atomic_write_text(_tail_file(cache), json.dumps(
                {"v": CACHE_VERSION, "key": keys[-1], "texts": list(texts[last:])},
                separators=(",", ":"), ensure_ascii=False))
    return out


def _tail_file(cache: Path) -> Path:
    return cache.with_name(cache.stem + ".tail.json")


def _same_start(path: Path, before: str, key: str, texts: Sequence[str]) -> int:
    """How many of `texts` (from the start of the last chunk kept, under `key`, after the
    chunk keyed `before`) are the texts that chunk was kept for: its texts are kept beside
    it (`recurring.tail.json`), read only when the chunk no longer matches."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        kept = data["texts"]
        if data.get("v") != CACHE_VERSION or data.get("key") != key or not isinstance(kept, list) \
                or not all(isinstance(t, str) for t in kept) \
                or sha256_hex("\0".join([before, *kept])) != key:
            return 0
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    same = 0
    for old, new in zip(kept, texts, strict=False):
        if old != new:
            break
        same += 1
    return same


def _state_file(cache: Path) -> Path:
    return cache.with_name(cache.stem + ".state.json")


def _state(grouper: Grouper, at: int, keys: Sequence[str]) -> dict[str, Any]:
    """The grouper after the first `at` texts (a whole number of chunks), under the key of
    the last of those chunks."""
    return {"v": CACHE_VERSION, "at": at, "key": keys[at // CHUNK - 1], "grouper": grouper.state()}


def _restored(path: Path, keys: Sequence[str], done: int, threshold: float, boundary: int,
              texts: Sequence[str]) -> tuple[Grouper, int]:
    """(a grouper, how many texts it holds): the kept one when its chunks still match and
    are among the `done` cached ones, else a new one. When it will not be kept again (no
    whole chunk is finished after it: `boundary`, the last chunk boundary, is where it
    stands), only the rows holding a word the texts to group (after the `done` ones) look
    rows up by are restored (`Grouper.prefix_words`, `Grouper.restore`'s `only`): the rest
    can never be compared with them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        at = int(data["at"])
        if data.get("v") == CACHE_VERSION and 0 < at <= done and at % CHUNK == 0 \
                and data.get("key") == keys[at // CHUNK - 1]:
            only = Grouper.prefix_words(data["grouper"], texts[at:], texts[done:]) if at == boundary else None
            grouper = Grouper.restore(data["grouper"], only=only)
            if grouper is not None and grouper.threshold == threshold:
                return grouper, at
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    return Grouper(threshold), 0


class Summary:
    """A recurring group's line, folded from its blockers in the group's order: how many,
    first and last seen, who and where, how many are open, and whether one was opened after
    an earlier one of the group was closed (reopened). `state`/`restored` keep it as JSON."""

    __slots__ = ("_body", "_closed", "_first", "_last", "count", "open_now", "projects", "reopened", "users")

    def __init__(self) -> None:
        self.count = 0
        self.open_now = 0
        self.reopened = False
        self.users: set[str] = set()
        self.projects: set[str] = set()
        self._first: datetime | str = ""  # formatted only when shown or kept
        self._last: datetime | str = ""
        self._body = ""  # the last blocker's text
        self._closed: float | None = None  # the earliest closing of a blocker so far (a timestamp)

    def add(self, b: Blocker) -> None:
        at = b.record.at
        if self._closed is not None and at.timestamp() > self._closed:
            self.reopened = True
        if not self.count:
            self._first = at
        self.count += 1
        self._last = at
        self._body = b.bullet.body
        self.users.add(b.record.user)
        self.projects.add(b.record.project)
        if b.closed_by is None:
            self.open_now += 1
        else:
            self._closing(b.closed_by.at.timestamp())

    def close(self, at: datetime) -> None:
        """A blocker added while open was closed at `at` (before any blocker added after this)."""
        self.open_now -= 1
        self._closing(at.timestamp())

    def _closing(self, stamp: float) -> None:
        if self._closed is None or stamp < self._closed:
            self._closed = stamp

    def line(self) -> dict[str, Any]:
        return {
            "text": one_line(self._body),
            "count": self.count,
            "first_seen": _when(self._first),
            "last_seen": _when(self._last),
            "users": sorted(self.users),
            "projects": sorted(self.projects),
            "open_now": self.open_now,
            "reopened": self.reopened,
        }

    def state(self) -> list[Any]:
        return [self.count, _when(self._first), _when(self._last), self._body, sorted(self.users),
                sorted(self.projects), self.open_now, self.reopened, self._closed]

    @classmethod
    def restored(cls, data: list[Any]) -> Summary:
        """The line `state` kept (a damaged one raises ValueError, TypeError or IndexError)."""
        made = cls()
        count, first, last, body, users, projects, open_now, reopened, closed = data
        made.count, made.open_now, made.reopened = int(count), int(open_now), bool(reopened)
        made._first, made._last, made._body = str(first), str(last), str(body)
        made.users, made.projects = {str(u) for u in users}, {str(p) for p in projects}
        made._closed = None if closed is None else float(closed)
        return made


def _when(at: datetime | str) -> str:
    return at if isinstance(at, str) else f"{at:%Y-%m-%d %H:%M}"


def lines(groups: Sequence[Summary]) -> list[dict[str, Any]]:
    """The report's recurring lines: the groups of more than one blocker, the largest first."""
    out = [g.line() for g in groups if g.count > 1]
    out.sort(key=order)
    return out


def order(line: dict[str, Any]) -> tuple[Any, ...]:
    """Where a recurring line goes: the largest group first, then the first seen."""
    return (-line["count"], line["first_seen"], line["text"])
