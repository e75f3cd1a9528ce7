"""Pack files: archive files of one contributor's month, in one file (a closed month's, packed
by `pipeline.packing`; or a backlog's, written so by `pipeline.consolidate`: PACK_FROM files or
more into one folder in one run).

A pack sits in the contributor's month folder beside (or instead of) the loose archive files,
`<logs>/archive/<YYYY-MM>/<project>/<user>/pack-<content id>.md`, named by its own content as
archive files are. An index names each file (its *logical* name, the loose name it had:
`<YYYY-MM-DD>-<id>.md`) and its length in bytes; then each file follows verbatim, byte for byte,
after a header line that says the same:

    <!-- sessionlog pack 1 -->
    <!-- index 2026-01-05-0a1b2c3d4e.md 812 -->
    <!-- index 2026-01-07-5f6e7d8c9b.md 133 -->
    <!-- end of index -->
    <!-- file 2026-01-05-0a1b2c3d4e.md 812 -->
    ...exactly 812 bytes...
    <newline>
    <!-- file 2026-01-07-5f6e7d8c9b.md 133 -->
    ...exactly 133 bytes...
    <newline>

The length, not a marker, ends a file, so no content (a line that looks like a header, no
final newline, CRLF) can confuse a reader; the newline after each file keeps the next header on
a line of its own, so the pack reads as Markdown (the headers are comments). Listing a pack
reads its index only (the walker lists every closed month for some answers); reading a file
checks its header and newline where the index puts them, and `scan` checks the whole pack.
Files are in name order, each name once, so the same files always make the same bytes and the
same pack name.

Readers never see packs: `layout.walk` yields each file of a pack as the archive file it was
(its logical path, with `pack`/`offset`/`size` set) and `layout.read_log` returns its bytes, so
a record's `source`, its line numbers and every decision id stay what they were loose.

Standard library only (the per-prompt hook reads a pack when a user's last entry is in one).
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Mapping

PREFIX = "pack-"
MAGIC = b"<!-- sessionlog pack 1 -->\n"
_INDEX = b"<!-- index "
_END = b"<!-- end of index -->\n"
_OPEN = b"<!-- file "
_CLOSE = b" -->\n"
_HEX = frozenset("0123456789abcdef")


def _archive_name(name: str) -> bool:
    """An archive file's name (constants.ARCHIVE_FILE), matched to the end."""
    import re

    from sessionlog_git.constants import ARCHIVE_FILE

    return re.match(ARCHIVE_FILE, name) is not None


def is_pack_name(name: str) -> bool:
    """`pack-<6..64 hex>.md`: never an archive file's name (those start with a date)."""
    if not (name.startswith(PREFIX) and name.endswith(".md")):
        return False
    ident = name[len(PREFIX):-3]
    return 6 <= len(ident) <= 64 and _HEX.issuperset(ident)


class PackError(ValueError):
    """A pack that does not read as its format says: where (1-based line) and what."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def encode(files: Iterable[tuple[str, bytes]]) -> bytes:
    """The pack of these (logical name, bytes): name order, each name once (archive files are
    named by content, so one name is one content; the first given wins)."""
    chosen: dict[str, bytes] = {}
    for name, data in files:
        if not _archive_name(name):
            raise ValueError(f"not an archive file's name: {name!r}")
        chosen.setdefault(name, bytes(data))
    parts = [MAGIC]
    for name in sorted(chosen):
        parts += [_INDEX, _field(name, chosen[name]), _CLOSE]
    parts.append(_END)
    for name in sorted(chosen):
        data = chosen[name]
        parts += [_OPEN, _field(name, data), _CLOSE, data, b"\n"]
    return b"".join(parts)


def _field(name: str, data: bytes) -> bytes:
    return name.encode("ascii") + b" " + str(len(data)).encode("ascii")


def pack_name(data: bytes) -> str:
    from sessionlog_git.base.text import sha256_hex

    return f"{PREFIX}{sha256_hex(data)[:10]}.md"


Entry = tuple[str, int, int]  # (logical name, offset of its bytes in the pack, their length)


def head(data: bytes, valid: Callable[[str], bool] | None = None
         ) -> tuple[list[Entry], PackError | None, bool]:
    """The pack's index, from its first bytes: (entries with their offsets as the index puts
    them, the damage found in the index (None: none), whether the index was complete in
    `data`). Reads no file's bytes: listing a pack costs its index, not its content."""
    valid = valid or _archive_name
    if not data.startswith(MAGIC):
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            return [], None, False
        return [], PackError(1, f"does not start with the pack header {MAGIC.decode().strip()!r}"), True
    listed: list[tuple[str, int]] = []
    # No index line can hold the end line, so its first occurrence ends the index.
    end = data.find(b"\n" + _END, len(MAGIC) - 1)
    if end < 0:
        return [], None, False  # the index goes on past `data`
    seen: set[str] = set()
    for line, row in enumerate(data[len(MAGIC):end + 1].split(b"\n")[:-1], start=2):
        fields = row[len(_INDEX):-len(_CLOSE) + 1].split(b" ")
        name = fields[0].decode("ascii", "replace")
        if (not (row.startswith(_INDEX) and row.endswith(_CLOSE[:-1])) or len(fields) != 2
                or not fields[1].isdigit() or not valid(name)):
            return [], PackError(line, "expected an index line '<!-- index <name> <size> -->' "
                                 "or '<!-- end of index -->'"), True
        if name in seen:
            return [], PackError(line, f"{name} is in the index twice"), True
        seen.add(name)
        listed.append((name, int(fields[1])))
    out: list[Entry] = []
    at = end + 1 + len(_END)
    for name, size in listed:
        start = at + len(_OPEN) + len(name) + 1 + len(str(size)) + len(_CLOSE)
        out.append((name, start, size))
        at = start + size + 1
    return out, None, True


def framed(data: bytes, entry: Entry) -> bool:
    """Whether the pack's bytes hold `entry` where its index says: its own header line just
    before it, the newline just after it."""
    name, start, size = entry
    header = _OPEN + name.encode("ascii") + b" " + str(size).encode("ascii") + _CLOSE
    return (data[start - len(header):start] == header and start + size < len(data)
            and data[start + size:start + size + 1] == b"\n")


def index(data: bytes) -> list[Entry]:
    """(logical name, offset, size) of each file in a pack, in order; PackError at the first
    thing that is not as the format says (the line it starts on)."""
    found, error = scan(data)
    if error is not None:
        raise error
    return found


def scan(data: bytes, valid: Callable[[str], bool] | None = None
         ) -> tuple[list[Entry], PackError | None]:
    """`index`, leniently: the files that read as the index says, up to any damage, and the
    damage (None: none). The whole pack is checked: the index, each file's header line, its
    length and the newline after it, nothing after the last file."""
    listed, error, complete = head(data, valid)
    if error is not None:
        return [], error
    if not complete:
        return [], PackError(data.count(b"\n") + 1, "the pack ends inside its index")
    line = 1 + len(listed) + 2  # the header, the index, its end: the first file's header line
    found: list[Entry] = []
    for entry in listed:
        name, start, size = entry
        if not framed(data, entry):
            return found, PackError(line, f"expected the header of {name} and its {size} bytes "
                                    "and a newline after them, as the index says")
        found.append(entry)
        line += 1 + data.count(b"\n", start, start + size) + 1
    end = listed[-1][1] + listed[-1][2] + 1 if listed else len(MAGIC) + len(_END)
    if end != len(data):
        return found, PackError(line, "bytes after the last file the index names")
    return found, None


def read_head(path: str | os.PathLike[str], valid: Callable[[str], bool] | None = None
              ) -> tuple[list[Entry], PackError | None]:
    """A pack file's index, reading only as much of it as the index takes."""
    with open(path, "rb") as handle:
        data = b""
        want = 1 << 13  # an index of 100 files: one read
        while True:
            more = handle.read(want - len(data))
            data += more
            found, error, complete = head(data, valid)
            if complete or error is not None:
                return found, error
            if not more:
                return [], PackError(data.count(b"\n") + 1, "the pack ends inside its index")
            want *= 4


def read(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def unpack(data: bytes) -> dict[str, bytes]:
    """Every file of a pack by logical name (PackError when damaged)."""
    return {name: data[start:start + size] for name, start, size in index(data)}


def logical_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Archive files by path (`.../<month>/<project>/<user>/<name>`, as a git tree lists them)
    with each pack replaced by the files it holds, at their logical paths: each path once (a
    loose file before a pack, an earlier pack before a later one). A damaged pack gives what
    reads before the damage (`sessionlog check` reports it)."""
    out: dict[str, bytes] = {}
    packed: list[tuple[str, bytes]] = []
    for rel in sorted(files):
        if is_pack_name(rel.rpartition("/")[2]):
            packed.append((rel, files[rel]))
        else:
            out[rel] = files[rel]
    for rel, data in packed:
        folder = rel.rpartition("/")[0]
        for name, start, size in scan(data)[0]:
            out.setdefault(f"{folder}/{name}", data[start:start + size])
    return out
