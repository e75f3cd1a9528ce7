"""The context index as the pre-edit hook reads it: a file's keys, their shards, their items.

`logs.context_index` writes the index at consolidation and, beside it, the shards
(`.sessionlog/context-index/NN.json`, NN from a CRC-32 of the key): the items of every key
that falls in a shard, ready to show. The hook runs on every tool call that names a file,
so this reader imports nothing beyond `os` and `base.leanjson` (json's C scanner without
`json`, `re` or `enum`): no `pathlib`, and no `zlib`, whose CRC-32 is computed here in a few
lines of Python, the same number (tests/test_edit_context.py holds the two equal), for a
tenth of what loading the extension costs. The writer names its shards with `shard_name`
from here, so the two can never disagree.
"""
from __future__ import annotations

import os

from sessionlog_git.base.leanjson import loads
from sessionlog_git.constants import CONTEXT_SHARDS

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

SHARDS = 256  # the hook reads the shards of one file's keys, not the whole index


def _nibble_table() -> tuple[int, ...]:
    """CRC-32 (the reflected IEEE polynomial, as zlib's) four bits at a time."""
    out = []
    for n in range(16):
        c = n
        for _ in range(4):
            c = (c >> 1) ^ (0xEDB88320 & -(c & 1))
        out.append(c)
    return tuple(out)


_NIBBLES = _nibble_table()


def crc32(data: bytes) -> int:
    """`zlib.crc32(data)`, without loading zlib."""
    table = _NIBBLES
    c = 0xFFFFFFFF
    for byte in data:
        c ^= byte
        c = (c >> 4) ^ table[c & 15]
        c = (c >> 4) ^ table[c & 15]
    return c ^ 0xFFFFFFFF


def shard_name(key: str) -> str:
    """The shard file a key's items are in (a checksum, not a hash: no import cost)."""
    return f"{crc32(key.encode('utf-8')) % SHARDS:02x}.json"


def keys_for(path: str) -> list[str]:
    """The index keys that concern `path` (POSIX, relative to the top): itself, the folders
    above it, and its bare name."""
    clean = path.strip().strip("/")
    parts = clean.split("/")
    keys = [clean]
    keys += ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
    keys.append("*/" + parts[-1])
    return keys


def read(state_path: str | os.PathLike[str], path: str,
         today: str = "") -> list[tuple[str, dict[str, Any]]]:
    """What the pre-edit hook calls: (key, item) for the live items concerning `path`, each
    once, by key strength, reading only the shards its keys fall in. [] when there is no
    index (the hook then stays silent; the next commit writes it).

    `today` (YYYY-MM-DD): leave out the decisions whose `Expires:` date has come."""
    folder = os.path.join(os.fspath(state_path), CONTEXT_SHARDS)
    loaded: dict[str, Any] = {}
    seen: set[str] = set()
    out: list[tuple[str, dict[str, Any]]] = []
    for key in keys_for(path):
        name = shard_name(key)
        if name not in loaded:
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    loaded[name] = loads(handle.read())
            except (OSError, ValueError):
                loaded[name] = {}
        shard = loaded[name]
        for item in shard.get(key, ()) if isinstance(shard, dict) else ():
            if not isinstance(item, dict) or item.get("id") in seen:
                continue
            if today and item.get("expires") and str(item["expires"]) <= today:
                continue
            seen.add(item.get("id", ""))
            out.append((key, item))
    return out
