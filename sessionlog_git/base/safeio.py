"""Reading and writing only regular files inside the repository, never blocking.

* `read_regular` opens with O_NOFOLLOW|O_NONBLOCK and reads only when fstat says it is a
  regular file: a symlink is refused, a FIFO or a device is refused instead of hanging.
* `check_inside` refuses a write target when any folder from the repository's top down to
  it, or the file itself, is a symbolic link (a repository can ship `logs/` as a link to
  anywhere), or when the file is not a regular file.

Standard library only: the agent hooks append to temp logs through this module.
"""
from __future__ import annotations

import errno
import os
import stat

from sessionlog_git.errors import SessionlogError

TYPE_CHECKING = False  # not typing's: the per-prompt hook imports this module
if TYPE_CHECKING:
    from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(
    os, "O_CLOEXEC", 0
)


class NotRegular(SessionlogError):
    """A path that must be a regular file is a link, a FIFO, a device or a folder."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _refuse(path: str | os.PathLike[str], what: str, fix: str) -> NotRegular:
    return NotRegular(f"{os.fspath(path)}: is {what}; sessionlog reads and writes only regular "
                      f"files inside the repository, so nothing was read or written. Fix: {fix}")


def read_regular(
    path: str | os.PathLike[str], *, max_links: int | None = None, limit: int | None = None
) -> bytes:
    """The bytes of a regular file that is not a symlink; never blocks on a FIFO.

    `max_links`: refuse a file with more hard links than this (a hard-linked temp log is a
    door to a file outside the repository). `limit`: read at most this many bytes.
    Raises FileNotFoundError when it does not exist, NotRegular when it is something else.
    """
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(path, "a symbolic link",
                          "replace the link with a real file inside the repository.") from None
        if exc.errno in (errno.ENXIO, errno.EWOULDBLOCK):  # a FIFO/socket without a peer
            raise _refuse(path, "a FIFO or socket", "remove it.") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, _kind(info.st_mode), "remove it, or move it out of the way.")
        if max_links is not None and info.st_nlink > max_links:
            raise _refuse(
                path, f"a hard link ({info.st_nlink} names for one file)",
                "replace it with a copy (`cp --remove-destination` or copy and rename) so it is "
                "not shared with a file elsewhere.",
            )
        chunks: list[bytes] = []
        got = 0
        while limit is None or got < limit:
            want = 1 << 20 if limit is None else min(1 << 20, limit - got)
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def check_inside(top: Path, rel: str) -> None:
    """Refuse to write `rel` when a folder on its way from `top`, or the file, is a link, or
    the file exists and is not a regular file. Missing parts are fine (they are created)."""
    current = os.fspath(top)
    parts = [p for p in rel.replace("\\", "/").split("/") if p]
    for i, part in enumerate(parts):
        current = os.path.join(current, part)
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        last = i == len(parts) - 1
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(current)
            what = "file" if last else "folder"
            fix = (f"remove the link (`rm {current}`)" if last else
                   f"replace the link with a real folder (`rm {current} && mkdir {current}`)")
            raise NotRegular(
                f"{current}: is a symbolic link (to {target}); sessionlog writes its archive and "
                f"views only inside the repository and never through a link to a {what}, so "
                f"nothing was written. Fix: {fix}, then commit again."
            )
        if last and not stat.S_ISREG(info.st_mode):
            raise _refuse(current, _kind(info.st_mode), "remove it, then commit again.")
        if not last and not stat.S_ISDIR(info.st_mode):
            raise _refuse(current, _kind(info.st_mode),
                          "it must be a folder: move it out of the way, then commit again.")


def _linked(current: str, what: str) -> NotRegular:
    target = os.path.realpath(current)
    return NotRegular(
        f"{current}: is a symbolic link (to {target}); sessionlog reads and writes its {what} "
        "only inside the repository and never through a link, so nothing was written. Fix: "
        f"replace the link with a real folder (`rm {current} && mkdir {current}`, then copy "
        "back what belongs there), then commit again."
    )


def linked_archive(path: str) -> NotRegular:
    """The refusal `check_tree` raises for a link at `path` in the archive's folders."""
    return _linked(path, "archive")


def check_tree(top: Path, rel_folder: str, *, depth: int) -> None:
    """Refuse when the folder `rel_folder` (or one on its way from `top`) is a link, or when a
    folder up to `depth` levels down its `archive/` is: the logs folder and its raw archive."""
    current = os.fspath(top)
    for part in [p for p in rel_folder.replace("\\", "/").split("/") if p]:
        current = os.path.join(current, part)
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(info.st_mode):
            raise _linked(current, "logs folder")
        if not stat.S_ISDIR(info.st_mode):
            raise _refuse(current, _kind(info.st_mode),
                          "it must be a folder: move it out of the way, then commit again.")
    level = [os.path.join(current, "archive")]
    for step in range(depth):
        deeper: list[str] = []
        for folder in level:
            try:
                info = os.lstat(folder)
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(info.st_mode):
                raise _linked(folder, "archive")
            if not stat.S_ISDIR(info.st_mode) or step == depth - 1:
                continue  # the deepest level's contents are not checked: not listed either
            with os.scandir(folder) as entries:
                deeper.extend(e.path for e in entries if e.is_dir() or e.is_symlink())
        level = deeper
        if not level:
            return
