"""Pack files: a closed month's archive files of one contributor, in one file.

A pack sits in the contributor's month folder beside (or instead of) the loose archive files,
`<logs>/archive/<YYYY-MM>/<project>/<user>/pack-<content id>.md`, named by its own content as
archive files are. It holds each archive file verbatim, byte for byte, after a header line that
names the file (its *logical* name, the loose name it had: `<YYYY-MM-DD>-<id>.md`) and its
length in bytes:

    <!-- sessionlog pack 1 -->
    <!-- file 2026-01-05-0a1b2c3d4e.md 812 -->
    ...exactly 812 bytes...
    <newline>
    <!-- file 2026-01-07-5f6e7d8c9b.md 133 -->
    ...

The length, not a marker, ends a file, so no content (a line that looks like a header, no
final newline, CRLF) can confuse a reader; the newline after each file keeps the next header on
a line of its own, so the pack reads as Markdown (the headers are comments). Files are in name
order, each name once, so the same files always make the same bytes and the same pack name.

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
        data = chosen[name]
        parts += [_OPEN, name.encode("ascii"), b" ", str(len(data)).encode("ascii"), _CLOSE, data, b"\n"]
    return b"".join(parts)


def pack_name(data: bytes) -> str:
    from sessionlog_git.base.text import sha256_hex

    return f"{PREFIX}{sha256_hex(data)[:10]}.md"


def index(data: bytes) -> list[tuple[str, int, int]]:
    """(logical name, offset, size) of each file in a pack, in order; PackError at the first
    thing that is not as the format says (the line it starts on)."""
    found, error = scan(data)
    if error is not None:
        raise error
    return found


def scan(data: bytes, valid: Callable[[str], bool] | None = None
         ) -> tuple[list[tuple[str, int, int]], PackError | None]:
    """`index`, leniently: the files read before any damage, and the damage (None: none).
    `valid` tells an archive file's name (default: constants.ARCHIVE_FILE; the walker passes
    its own check, which needs no `re` on the per-prompt path)."""
    valid = valid or _archive_name
    found: list[tuple[str, int, int]] = []
    if not data.startswith(MAGIC):
        return found, PackError(1, "does not start with the pack header "
                                f"{MAGIC.decode().strip()!r}")
    pos, line, seen = len(MAGIC), 2, set()
    while pos < len(data):
        end = data.find(b"\n", pos)
        header = data[pos:end + 1] if end >= 0 else data[pos:]
        if not (header.startswith(_OPEN) and header.endswith(_CLOSE)):
            return found, PackError(line, "expected a file header '<!-- file <name> <size> -->'")
        fields = header[len(_OPEN):-len(_CLOSE)].split(b" ")
        name = fields[0].decode("ascii", "replace")
        if len(fields) != 2 or not fields[1].isdigit() or not valid(name):
            return found, PackError(line, "the file header names no archive file and size")
        size = int(fields[1])
        if name in seen:
            return found, PackError(line, f"{name} is in the pack twice")
        start = end + 1
        stop = start + size
        if stop + 1 > len(data) or data[stop:stop + 1] != b"\n":
            return found, PackError(line, f"{name}: the pack ends before its {size} bytes "
                                    "and the newline after them")
        found.append((name, start, size))
        seen.add(name)
        line += 1 + data.count(b"\n", start, stop) + 1
        pos = stop + 1
    return found, None


def read(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def chunk(path: str | os.PathLike[str], offset: int, size: int) -> bytes:
    """The bytes of one file of a pack, as `index` located them."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(size)
    if len(data) != size:
        raise OSError(f"{path}: the pack is shorter than its index says")
    return data


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
