"""The recurring-blocker groups of the whole history, kept between reports.

Grouping (insight.similar) is a fold over the blocker texts in order: a text's group depends
only on the texts before it. So the groups found are kept in the state folder's cache, in
chunks of CHUNK texts, each under a key that names its texts and every text before it. A
report reads the chunks whose key still matches, takes their texts back into the fold
without comparing them (only when there is more to group), and groups only the texts after
them: a blocker added at the end costs the last chunk, a change in an old month the chunks
from there on. Deleting the cache, or any damage to it, costs a regrouping, never a
different answer.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.insight.similar import Grouper

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
    for i, chunk in enumerate(_load(cache)[: len(keys)]):
        size = min(CHUNK, len(texts) - i * CHUNK)
        if not (isinstance(chunk, list) and len(chunk) == 2 and chunk[0] == keys[i]
                and isinstance(chunk[1], list) and len(chunk[1]) == size
                and all(isinstance(h, int) and 0 <= h <= i * CHUNK + j for j, h in enumerate(chunk[1]))):
            break
        out += chunk[1]
    done = len(out)
    if done == len(texts):
        return out
    grouper = Grouper(threshold)
    grouper.prepare(texts)
    for text, home in zip(texts[:done], out, strict=True):
        grouper.replay(text, home)
    out += [grouper.add(t) for t in texts[done:]]
    if save:
        from sessionlog_git.base.fsutil import atomic_write_text

        chunks = [[key, out[i * CHUNK:(i + 1) * CHUNK]] for i, key in enumerate(keys)]
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
            cache.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(cache, json.dumps({"v": CACHE_VERSION, "chunks": chunks},
                                                separators=(",", ":")))
    return out
