"""Where files live, and the one walker of the pending and archive trees.

Every on-disk path of the logs is spelled here: a temp log
`<pending>/<project>/<user>/<YYYY-MM-DD>.md`, an archive file
`<logs>/archive/<YYYY-MM>/<project>/<user>/<YYYY-MM-DD>-<id>.md`, the monthly master log
`<logs>/<project>-session-log-<YYYY-MM>.md` and the status file `<logs>/<project>-status.md`.

`walk` is the only code that lists those trees: consolidation, checks, continuity, the
per-prompt hook and the reports all go through it, so "what counts as a log file" (a safe
folder name, a regular file that is no link, a name that matches to the end and is a real
date) is decided once.

Stdlib-safe and lean at import (only `os` and `datetime`): the per-prompt hook walks
through this module; `re` and `pathlib` load on first use.
"""
from __future__ import annotations

import os

from sessionlog_git.base.dt import date  # no datetime.py on every prompt
from sessionlog_git.constants import ARCHIVE_DIR, ARCHIVE_FILE, PENDING_FILE

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Collection
    from pathlib import Path
    from typing import Any

_compiled: dict[str, re.Pattern[str]] = {}


def _pattern(source: str) -> re.Pattern[str]:
    found = _compiled.get(source)
    if found is None:
        import re

        found = _compiled[source] = re.compile(source)
    return found


def pending_match(name: str) -> re.Match[str] | None:
    """A temp log's file name (`2026-11-25.md`), matched to the end."""
    return _pattern(PENDING_FILE).match(name)


def archive_match(name: str) -> re.Match[str] | None:
    """An archive file's name (`2026-11-25-<content id>.md`), matched to the end."""
    return _pattern(ARCHIVE_FILE).match(name)


_HEX = frozenset("0123456789abcdef")


def day_in_name(name: str, *, archive: bool) -> str | None:
    """The date in a log file's name: `archive_match(name)[1]` (or `pending_match`'s), or None,
    without importing `re` (the per-prompt hook walks the temp logs; tests hold them equal)."""
    if not name.endswith(".md"):
        return None
    stem = name[:-3]
    day, rest = stem[:10], stem[10:]
    if len(day) != 10 or day[4] != "-" or day[7] != "-" or not (day[:4] + day[5:7] + day[8:]).isdecimal():
        return None  # \d is any decimal digit, as str.isdecimal
    if archive:
        ident = rest[1:]
        if rest[:1] != "-" or not 6 <= len(ident) <= 64 or not _HEX.issuperset(ident):
            return None
    elif rest:
        return None
    return day


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


_MONTHS: dict[tuple[int, int], str] = {}  # (year, month) -> its folder's name


def month_at(at: date) -> str:
    """`month_of` of a time's (or a date's) own date, each month's name made once: a
    backlog's thousands of records fall in a few months, and a date and a format each
    cost more than the lookup."""
    name = _MONTHS.get((at.year, at.month))
    if name is None:
        name = _MONTHS[(at.year, at.month)] = f"{at.year:04d}-{at.month:02d}"
    return name


def archive_root(logs_path: str | os.PathLike[str]) -> str:
    return os.path.join(logs_path, ARCHIVE_DIR)


def pending_file(pending_root: Path, project: str, user: str, day: date) -> Path:
    return pending_root / project / user / f"{day.isoformat()}.md"


def archive_prefix(logs_dir: str) -> str:
    """`logs/archive`: the archive's folder as a repository path (POSIX)."""
    return f"{logs_dir.rstrip('/')}/{ARCHIVE_DIR}"


def archive_rel(logs_dir: str, project: str, user: str, day: date, ident: str) -> str:
    return f"{archive_prefix(logs_dir)}/{month_of(day)}/{project}/{user}/{day.isoformat()}-{ident}.md"


def master_rel(logs_dir: str, project: str, month: str) -> str:
    return f"{logs_dir.rstrip('/')}/{project}-session-log-{month}.md"


def status_rel(logs_dir: str, project: str) -> str:
    return f"{logs_dir.rstrip('/')}/{project}-status.md"


def source_of(logs_dir: str, rel: str) -> str:
    """An archive file's source (its path from the logs folder, as records name it), from its
    path from the top: cut as text when both are plain POSIX paths (a backlog names hundreds),
    else by pathlib."""
    prefix = _logs_prefix(logs_dir)
    if (prefix is not None and rel.startswith(prefix) and "//" not in rel and "/./" not in rel
            and not rel.endswith(("/", "/."))):
        return rel[len(prefix):]
    from pathlib import PurePosixPath

    return str(PurePosixPath(rel).relative_to(logs_dir))


def rel_of(logs_dir: str, source: str) -> str:
    """An archive file's path from the top, from its source (`source_of` the other way):
    joined as text when both are plain POSIX paths, else by pathlib."""
    prefix = _logs_prefix(logs_dir)
    if (prefix is not None and source and not source.startswith(("/", "./"))
            and "//" not in source and "/./" not in source
            and not source.endswith(("/", "/.")) and source != "."):
        return prefix + source
    from pathlib import PurePosixPath

    return str(PurePosixPath(logs_dir, source))


_PREFIXES: dict[str, str | None] = {}


def _logs_prefix(logs_dir: str) -> str | None:
    """`logs_dir` and a slash, when it is written as pathlib writes it (None: it is not)."""
    if logs_dir not in _PREFIXES:
        from pathlib import PurePosixPath

        clean = str(PurePosixPath(logs_dir))
        _PREFIXES[logs_dir] = f"{clean}/" if clean == logs_dir and clean not in (".", "/") else None
    return _PREFIXES[logs_dir]


def _archive_parts(rel: str, logs_dir: str) -> list[str] | None:
    """[month, project, user, name] of a path in a contributor folder of the archive."""
    import posixpath  # os.path itself on POSIX: already loaded

    prefix = posixpath.normpath(archive_prefix(logs_dir)) + "/"
    if not rel.startswith(prefix):
        return None
    parts = rel[len(prefix) :].split("/")
    if len(parts) != 4 or not all(_safe(p) for p in parts[:3]):
        return None
    return parts


def split_archive_rel(rel: str, logs_dir: str) -> tuple[str, str, str, date] | None:
    """(month, project, user, day) of an archive file's repository path, else None.

    `rel` is as git names it (normalised); `logs_dir` as configured (`./logs` is `logs`)."""
    parts = _archive_parts(rel, logs_dir)
    match = archive_match(parts[3]) if parts is not None else None
    if parts is None or match is None:
        return None
    try:
        return parts[0], parts[1], parts[2], date.fromisoformat(match[1])
    except ValueError:
        return None


def split_archive_folder(rel: str, logs_dir: str) -> tuple[str, str, str] | None:
    """(month, project, user) of the contributor folder an archive file or a pack lies in
    (its repository path, as for `split_archive_rel`), else None."""
    from sessionlog_git.logs.packs import is_pack_name

    parts = _archive_parts(rel, logs_dir)
    if parts is None or not (is_pack_name(parts[3]) or split_archive_rel(rel, logs_dir)):
        return None
    return parts[0], parts[1], parts[2]


class LogFile:
    """One temp log or archive file found by `walk`. An archive file held in a pack has its
    logical path (where it lay loose) as `path`, and `pack`, `offset`, `size` say where its
    bytes are: read them with `read_log`, never by opening `path`."""

    __slots__ = ("day", "month", "name", "offset", "pack", "path", "project", "size", "user")

    def __init__(self, path: str, month: str, project: str, user: str, day: date, name: str,
                 pack: str | None = None, offset: int = 0, size: int = -1) -> None:
        self.path = path  # as found (joined onto the root given to walk); logical when packed
        self.month = month  # the archive month folder; "" for a temp log
        self.project = project
        self.user = user
        self.day = day
        self.name = name
        self.pack = pack  # the pack file holding it (joined onto the root), None: loose
        self.offset = offset
        self.size = size

    def __repr__(self) -> str:
        return f"LogFile({self.path!r})" if self.pack is None else f"LogFile({self.path!r} in {self.pack!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LogFile) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def physical(self) -> str:
        """The file that holds it: itself when loose, its pack when packed."""
        return self.path if self.pack is None else self.pack


def _archive_name(name: str) -> bool:
    return day_in_name(name, archive=True) is not None


DAMAGED_PACK = "a damaged pack: "  # a Stray's reason for a pack that does not read

# The last pack read, whole: the files of a folder are read one after the other, so a pack
# is read once, not once per file. Packs are named by content and never rewritten; its
# size and mtime must still match, or it is read again.
_last_pack: list[Any] = ["", -1, -1, b""]


def _pack_bytes(path: str) -> bytes:
    st = os.stat(path)
    if _last_pack[:3] == [path, st.st_size, st.st_mtime_ns]:
        data: bytes = _last_pack[3]
        return data
    with open(path, "rb") as handle:
        data = handle.read()
    _last_pack[:] = [path, st.st_size, st.st_mtime_ns, data]
    return data


def read_log(found: LogFile) -> bytes:
    """A log file's bytes, loose or from its pack: the one way to read an archive file."""
    if found.pack is None:
        with open(found.path, "rb") as handle:
            return handle.read()
    from sessionlog_git.logs.packs import framed

    whole = _pack_bytes(found.pack)
    if not framed(whole, (found.name, found.offset, found.size)):
        raise OSError(f"{found.pack}: a damaged pack: {found.name} is not where its index says")
    return whole[found.offset:found.offset + found.size]


def read_archive_path(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an archive file named by its logical path (`<archive>/<month>/<project>/
    <user>/<date>-<id>.md`), loose or in a pack of its folder; OSError when in neither."""
    full = os.fspath(path)
    try:
        with open(full, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        pass
    folder, name = os.path.split(full)
    # The files of one folder are often read one after another: its packs' index is kept, and
    # read again when it does not hold the file (or no longer holds what it says).
    for again in (False, True):
        if again or _last_folder[0] != folder:
            _last_folder[:] = [folder, {n: (p, o, s) for n, p, o, s in reversed(_packed(folder, None))}]
        where = _last_folder[1].get(name)
        if where is None:
            continue
        from sessionlog_git.logs.packs import framed

        try:
            whole = _pack_bytes(where[0])
        except OSError:
            continue
        if framed(whole, (name, where[1], where[2])):
            return whole[where[1]:where[1] + where[2]]
    raise FileNotFoundError(2, "No such archive file, loose or packed", full)


_last_folder: list[Any] = ["", {}]  # read_archive_path's index of the last folder's packs


def folder_files(folder: str) -> tuple[list[str], list[str]]:
    """(loose archive file names, pack names) in one archive contributor folder, sorted: a
    listing, no file read (what packing asks of each closed month's folders)."""
    from sessionlog_git.logs.packs import is_pack_name

    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return [], []
    return ([n for n in names if day_in_name(n, archive=True) is not None],
            [n for n in names if is_pack_name(n)])


def physical_names(folder: str) -> Callable[[str], str | None]:
    """What names the file in `folder` that holds an archive file: the name itself when loose,
    else the pack holding it (the first in name order, as `files_in` reads them); None:
    neither. One listing of the folder; its packs are read only when there are two or more."""
    from sessionlog_git.logs.packs import is_pack_name

    try:
        names = set(os.listdir(folder))
    except OSError:
        names = set()
    pack_names = sorted(n for n in names if is_pack_name(n))
    inside: dict[str, str] = {}
    if len(pack_names) > 1:
        for found, pack, _, _ in _packed(folder, None):
            inside.setdefault(found, os.path.basename(pack))

    def where(name: str) -> str | None:
        if name in names:
            return name
        if len(pack_names) == 1:  # the usual case: one pack per closed month folder, not read
            return pack_names[0]
        return inside.get(name)

    return where


def _packed(folder: str, strays: list[Stray] | None) -> list[tuple[str, str, int, int]]:
    """(logical name, pack path, offset, size) of each file packed in `folder`, pack by pack
    in name order (a damaged pack yields what reads before the damage, and a stray)."""
    from sessionlog_git.logs import packs

    try:
        names = sorted(n for n in os.listdir(folder) if packs.is_pack_name(n))
    except OSError:
        return []
    paths = [os.path.join(folder, n) for n in names]
    return _read_packs([p for p in paths if os.path.isfile(p) and not os.path.islink(p)], strays)


def _read_packs(paths: list[str], strays: list[Stray] | None) -> list[tuple[str, str, int, int]]:
    """`_packed` of these pack files (regular files, in name order): their indexes only."""
    from sessionlog_git.logs import packs

    out: list[tuple[str, str, int, int]] = []
    for path in paths:
        try:
            found, error = packs.read_head(path, _archive_name)  # the index, not the files
        except OSError as exc:
            found, error = [], packs.PackError(1, f"cannot be read ({exc.strerror or exc})")
        if error is not None and strays is not None:
            strays.append(Stray(path, f"{DAMAGED_PACK}{error}"))
        out += [(n, path, start, size) for n, start, size in found]
    return out


class Stray:
    """Something in the pending folder that is not a temp log where one belongs."""

    __slots__ = ("path", "reason")

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason

    def __repr__(self) -> str:
        return f"Stray({self.path!r}, {self.reason!r})"


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_NAME_CHARS = _ALNUM | frozenset("._-")
MAX_NAME = 64  # names.MAX_NAME


def _safe(name: str) -> bool:
    """`names.is_safe`, without the `re` its module imports (the per-prompt hook walks these
    folders; tests/test_layout_names.py holds the two equal)."""
    return (
        0 < len(name) <= MAX_NAME
        and name[0] in _ALNUM
        and _NAME_CHARS.issuperset(name)
        and ".." not in name
        and not name.endswith((".", ".lock"))
    )


def _dirs(folder: str, strays: list[Stray] | None, what: str) -> list[tuple[str, str]]:
    """(name, path) of the safe, real (not linked) sub-folders, sorted by name."""
    try:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda e: e.name)
    except OSError:
        return []
    out: list[tuple[str, str]] = []
    for entry in entries:
        try:
            real_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            real_dir = False
        if real_dir and _safe(entry.name):
            out.append((entry.name, entry.path))
        elif strays is not None and not (entry.name.startswith(".") and not real_dir
                                         and not entry.is_symlink()):
            # dot-files (our .gitignore, an atomic write's temp file) are not strays
            strays.append(Stray(entry.path, f"not a {what} folder with a safe name"))
    return out


def _real_dir(path: str) -> bool:
    """A folder, not a link to one (as `_dirs` reads a listing's entries)."""
    try:
        return os.lstat(path).st_mode & 0o170000 == 0o040000  # S_ISDIR, without `stat`
    except OSError:
        return False


class Folder:
    """One contributor's folder of log files: `<project>/<user>` (pending) or
    `<month>/<project>/<user>` (archive)."""

    __slots__ = ("month", "path", "project", "user")

    def __init__(self, path: str, month: str, project: str, user: str) -> None:
        self.path, self.month, self.project, self.user = path, month, project, user

    def __repr__(self) -> str:
        return f"Folder({self.path!r})"


def folders(
    root: str | os.PathLike[str],
    *,
    archive: bool,
    months: Collection[str] | None = None,
    project: str | None = None,
    user: str | None = None,
    strays: list[Stray] | None = None,
) -> list[Folder]:
    """The contributor folders under `root`, in path order (see `walk` for the arguments)."""
    top = os.fspath(root)
    if archive and months is not None and strays is None:
        # The named months only, without listing the archive (a month a line of it): the
        # per-prompt hook asks month by month, newest first, until it finds the user's entry.
        month_dirs = [(m, p) for m, p in ((m, os.path.join(top, m)) for m in sorted(set(months)))
                      if _safe(m) and _real_dir(p)]
    elif archive:
        month_dirs = [(m, p) for m, p in _dirs(top, strays, "month") if months is None or m in months]
    else:
        month_dirs = [("", top)]
    out: list[Folder] = []
    for month, month_path in month_dirs:
        for proj, proj_path in _dirs(month_path, strays, "project"):
            if project is not None and proj != project:
                continue
            if user is not None and strays is None and not _real_dir(os.path.join(proj_path, user)):
                # No folder of that name (on a disk blind to case, of no spelling of it): the
                # listing below cannot match. The per-prompt hook of a contributor new to a long
                # archive asks every month; one `lstat` each instead of a listing.
                continue
            for usr, usr_path in _dirs(proj_path, strays, "user"):
                if user is None or usr == user:
                    out.append(Folder(usr_path, month, proj, usr))
    return out


def files_in(folder: Folder, *, archive: bool, strays: list[Stray] | None = None,
             limit: int = 0) -> list[LogFile]:
    """The log files of one contributor folder, in name order (see `walk`). In the archive,
    the files of its packs count as the archive files they were, each logical name once
    (a loose file before a pack, an earlier pack before a later one)."""
    found: list[LogFile] = []
    try:
        with os.scandir(folder.path) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return found
    pack_paths: list[str] = []
    for entry in entries:
        name = entry.name
        if name.startswith(".") and name.endswith(".tmp"):
            continue  # an atomic write in progress
        hit = day_in_name(name, archive=archive)
        if hit is None and archive and name.startswith("pack-"):
            from sessionlog_git.logs.packs import is_pack_name

            if is_pack_name(name) and entry.is_file(follow_symlinks=False):
                pack_paths.append(entry.path)
                continue
        try:
            regular = entry.is_file(follow_symlinks=False)
        except OSError:
            regular = False
        if hit is None or not regular:
            if strays is not None:
                strays.append(Stray(entry.path, "not a temp log named YYYY-MM-DD.md"
                                    if not archive else "not an archive file"))
            continue
        try:
            day = date.fromisoformat(hit)
        except ValueError:
            if strays is not None:
                strays.append(Stray(entry.path, "the file name is not a real date"))
            continue
        found.append(LogFile(entry.path, folder.month, folder.project, folder.user, day, name))
        if limit and len(found) >= limit and not archive:
            break  # (an archive folder's packs sort after its files: they are read first)
    if pack_paths:
        loose = bool(found)
        have = {f.name for f in found}
        for name, pack, offset, size in _read_packs(pack_paths, strays):
            if name in have:
                continue
            have.add(name)
            try:
                day = date.fromisoformat(name[:10])  # the index's names are archive names
            except ValueError:
                if strays is not None:
                    strays.append(Stray(pack, f"{name} in the pack is not a real date"))
                continue
            found.append(LogFile(os.path.join(folder.path, name), folder.month, folder.project,
                                 folder.user, day, name, pack, offset, size))
        if loose or len({f.pack for f in found}) > 1:  # one pack alone is in name order
            found.sort(key=lambda f: f.name)
    if limit:
        del found[limit:]
    return found


def walk(
    root: str | os.PathLike[str],
    *,
    archive: bool,
    months: Collection[str] | None = None,
    project: str | None = None,
    user: str | None = None,
    strays: list[Stray] | None = None,
    limit: int = 0,
) -> list[LogFile]:
    """The log files under `root`, in path order.

    `archive=False`: `root` is the pending folder (`<project>/<user>/<date>.md`);
    `archive=True`: `root` is the archive folder (`<month>/<project>/<user>/<date>-<id>.md`).
    `months`, `project` and `user` narrow the walk to those folders. When `strays` is a list,
    whatever sits where a log file or folder belongs but is not one is appended to it (and
    never touched). `limit` stops after that many files (0: no limit).
    """
    found: list[LogFile] = []
    for folder in folders(root, archive=archive, months=months, project=project, user=user,
                          strays=strays):
        found += files_in(folder, archive=archive, strays=strays,
                          limit=limit - len(found) if limit else 0)
        if limit and len(found) >= limit:
            break
    return found


def archive_months(logs_path: str | os.PathLike[str], project: str | None = None) -> list[str]:
    """The archive's month folders (oldest first); with `project`, those that hold it."""
    months = [m for m, _ in _dirs(archive_root(logs_path), None, "month")]
    if project is None:
        return months
    base = archive_root(logs_path)
    return [m for m in months if os.path.isdir(os.path.join(base, m, project))]


def archive_projects(logs_path: str | os.PathLike[str]) -> list[str]:
    """The projects with a folder in any month of the archive, sorted."""
    root = archive_root(logs_path)
    return sorted({p for _, month in _dirs(root, None, "month") for p, _ in _dirs(month, None, "project")})


def scan_pending(pending_root: str | os.PathLike[str]) -> tuple[list[LogFile], list[Stray]]:
    """Temp logs at <project>/<user>/<YYYY-MM-DD>.md; anything else is reported, never touched."""
    strays: list[Stray] = []
    return walk(pending_root, archive=False, strays=strays), strays


def folder_marker(root: str | os.PathLike[str], names: Collection[str], depth: int) -> list[Any]:
    """`[path, mtime_ns, entries]` of each folder `names` under `root`, and of the folders
    below them down to `depth` levels, in path order: adding a file to or removing one from
    any of them changes it (some dozens of `stat` calls for an archive's months)."""
    out: list[Any] = []

    def visit(rel: str, level: int) -> None:
        full = os.path.join(root, rel)
        try:
            entries = sorted(os.listdir(full))
            stamp = os.stat(full).st_mtime_ns
        except OSError:
            out.append([rel, None, 0])
            return
        out.append([rel, stamp, len(entries)])
        if level < depth:
            for name in entries:
                if os.path.isdir(os.path.join(full, name)):
                    visit(f"{rel}/{name}", level + 1)

    for name in names:
        visit(name, 0)
    return out


class ArchiveScan:
    """The archive's month, project and contributor folders with each contributor folder's
    mtime, listed once (`scan_archive`): what a commit's caches key on (the status checkpoints'
    month keys, the context index's folder mtimes) and what its link check looks at, read in
    one pass instead of one per use, so a commit lists and stats each folder of the months
    before it once. `link`: the first symbolic link found where a folder of the archive's top
    three levels belongs, or a contributor folder is (None: there is none)."""

    __slots__ = ("link", "root", "stamps", "tree")

    def __init__(self, root: str) -> None:
        self.root = root
        self.link: str | None = None
        self.tree: dict[str, dict[str, list[str]]] = {}  # month -> project -> users, in order
        self.stamps: dict[str, int] = {}  # "<month>/<project>/<user>" -> mtime (ns), -1: unknown

    def months(self, project: str | None = None) -> list[str]:
        """As `archive_months` lists them (a link never counts: the scan refuses those)."""
        return [m for m, projects in self.tree.items() if project is None or project in projects]

    def stamps_of(self, months: Collection[str], project: str) -> list[tuple[str, str, int]]:
        """(month, user, mtime) of `project`'s contributor folders in those months, in order."""
        return [(month, usr, self.stamps[f"{month}/{project}/{usr}"])
                for month in sorted(set(months))
                for usr in self.tree.get(month, {}).get(project, [])]

    def mtimes(self) -> dict[str, int]:
        """`<month>/<project>/<user>` -> mtime of every contributor folder that has one."""
        return {rel: stamp for rel, stamp in self.stamps.items() if stamp >= 0}

    def restat(self, rel_dirs: Collection[str]) -> None:
        """Take in the contributor folders `rel_dirs` (`<month>/<project>/<user>`) as they are
        now: the folders a commit wrote into after the scan (new ones included)."""
        for rel in rel_dirs:
            month, project, usr = rel.split("/")
            if not (_safe(month) and _safe(project) and _safe(usr)):
                continue
            try:
                info = os.lstat(os.path.join(self.root, month, project, usr))
            except OSError:
                continue
            if info.st_mode & 0o170000 != 0o040000:
                continue
            users = self.tree.setdefault(month, {}).setdefault(project, [])
            if usr not in users:
                users.append(usr)
                users.sort()
                self.tree = dict(sorted(self.tree.items()))
                self.tree[month] = dict(sorted(self.tree[month].items()))
            self.stamps[rel] = info.st_mtime_ns


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def scan_archive(root: str | os.PathLike[str]) -> ArchiveScan:
    """One pass over the archive's folders (`ArchiveScan`): a listing of the archive, of each
    month folder and of each project folder, and one `lstat` per contributor folder. Every
    entry is looked at for a link, safe name or not (as `safeio.check_tree` does down to the
    contributor folders); only safe, real folders are kept."""
    scan = ArchiveScan(os.fspath(root))

    def listing(folder: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as found:
                return sorted(found, key=_name)
        except OSError:
            return []

    def real(entry: os.DirEntry[str]) -> bool:
        """A folder, not a link to one; a link is remembered (the first found)."""
        try:
            if entry.is_symlink():
                scan.link = scan.link or entry.path
                return False
            return entry.is_dir(follow_symlinks=False)
        except OSError:
            return False

    for month in listing(scan.root):
        if not real(month):
            continue
        month_safe = _safe(month.name)
        projects: dict[str, list[str]] = {}
        for proj in listing(month.path):
            if not real(proj):
                continue
            keep = month_safe and _safe(proj.name)  # else only looked at for links
            prefix = f"{month.name}/{proj.name}/"
            users: list[str] = []
            for usr in listing(proj.path):
                if not real(usr) or not keep or not _safe(usr.name):
                    continue
                try:
                    stamp = usr.stat(follow_symlinks=False).st_mtime_ns
                except OSError:
                    stamp = -1
                users.append(usr.name)
                scan.stamps[prefix + usr.name] = stamp
            if keep:
                projects[proj.name] = users
        if month_safe:
            scan.tree[month.name] = projects
    return scan
