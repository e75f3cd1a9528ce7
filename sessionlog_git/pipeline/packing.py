"""Packing closed months: each contributor's archive files of a month in one pack file.

A month older than the previous calendar month is *closed* (the current and the previous
month stay loose, for branches in flight, but for the packs a backlog's consolidation writes
there: `pipeline.consolidate`). Packing a closed month turns each contributor
folder's loose archive files (and any packs already there: two branches may both have
packed it) into ONE pack (`logs.packs`), named by its content:

1. the pack is written and synced (a pack of the same name is the same bytes: kept);
2. the views whose `[raw]` links named a replaced file (the month's master log, its
   neighbours, the status file) are re-linked to the pack, in place: the only thing packing
   changes in a fresh render is those links, so no record is read to render them again;
3. the pack and the views are staged (`git add`), then the files the pack replaces are
   unstaged (`git rm --cached`) and removed; the same commit carries all of it, so git sees
   files added and deleted, never one changed, and a merge of two branches that packed
   differently cannot conflict (readers count each logical file once: `layout.files_in`).

A kill at any point loses and doubles nothing: until step 3 removes a loose file, it and the
pack both hold the same logical file, which readers count once; the next packing finds the
folder still unpacked (loose files, or two packs) and packs it again into the same pack.
What was staged but not committed (an aborted commit) is staged again by the next step
(`packing.json` in the state folder names it until git has it).

The commit hook packs at most one month per commit, the oldest of the few it looks at
(`candidates`: never a listing of every closed month, so its cost does not grow with history);
`sessionlog consolidate --pack` packs every closed month at once (`pack_all`).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.base.fsutil import atomic_write_bytes, atomic_write_text
from sessionlog_git.constants import ARCHIVE_DIR
from sessionlog_git.logs import layout, packs
from sessionlog_git.workspace import Workspace

STATE_NAME = "packing.json"  # what the last packing staged, until git has it committed
_LINK = re.compile(r"\]\((archive/[^)\s]+)\)")
# Where a test's SESSIONLOG_FAULT can stop a packing (os._exit, as a kill would).
STEPS = ("pack-written", "pack-relinked", "pack-staged", "pack-partial")


def _fault(step: str) -> None:
    if os.environ.get("SESSIONLOG_FAULT") == step:
        os._exit(97)


class Packed:
    """What packing one month did (repository paths). A plain class: a dataclass costs its
    generated methods' compile at every commit's start."""

    __slots__ = ("damaged", "files", "month", "packs", "removed", "views")

    def __init__(self, month: str, packs: list[str] | None = None,
                 removed: list[str] | None = None, views: list[str] | None = None,
                 files: int = 0, damaged: list[str] | None = None) -> None:
        self.month = month
        self.packs: list[str] = [] if packs is None else packs
        self.removed: list[str] = [] if removed is None else removed
        self.views: list[str] = [] if views is None else views
        self.files = files  # logical archive files now in the month's packs
        # Folders left alone: a pack does not read.
        self.damaged: list[str] = [] if damaged is None else damaged

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Packed):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in Packed.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by its fields

    def describe(self) -> str:
        warnings = "".join(f"\nsessionlog: warning: not packed: {d}. Fix: `sessionlog check` says "
                           "how to restore it" for d in self.damaged)
        if not self.packs:
            return warnings.lstrip("\n")
        return (f"sessionlog: packed {self.month}: {self.files} archive file"
                f"{'s' if self.files != 1 else ''} into {len(self.packs)} pack"
                f"{'s' if len(self.packs) != 1 else ''} ({len(self.removed)} file"
                f"{'s' if len(self.removed) != 1 else ''} removed, {len(self.views)} view"
                f"{'s' if len(self.views) != 1 else ''} re-linked)") + warnings


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if mon == 12 else f"{year:04d}-{mon + 1:02d}"


def this_month(ws: Workspace) -> str:
    from sessionlog_git.base.clock import now

    at = now(ws.config.timezone).at
    return f"{at.year:04d}-{at.month:02d}"


def closed_months(ws: Workspace, current: str | None = None) -> list[str]:
    """The archive's month folders older than the previous calendar month, oldest first."""
    edge = previous_month(current or this_month(ws))
    return [m for m in layout.archive_months(ws.config.logs_path) if m < edge]


def _unpacked(folder: layout.Folder) -> bool:
    loose, pack_names = layout.folder_files(folder.path)
    return bool(loose) or len(pack_names) > 1


def _unpacked_month(ws: Workspace, month: str) -> bool:
    root = layout.archive_root(ws.config.logs_path)
    return any(_unpacked(f) for f in layout.folders(root, archive=True, months=(month,)))


def months_to_pack(ws: Workspace, current: str | None = None) -> list[str]:
    """Every closed month with a contributor folder that is not one pack, oldest first (lists
    every closed month's folders: what `consolidate --pack` asks)."""
    return [m for m in closed_months(ws, current) if _unpacked_month(ws, m)]


def _watch_path(ws: Workspace) -> Path:
    return ws.config.state_path / "cache" / "packing-watch.json"


def candidates(ws: Workspace, touched: set[str], current: str | None = None) -> list[str]:
    """The closed months a commit looks at, oldest first, without listing every closed month
    (a commit's cost must not grow with the history): the newest closed month (where months
    close), the months this commit archived into, those found unpacked before and not packed
    yet, and one more in turn (a cursor over the closed months, kept in the state folder), so a
    late file a merge brought into any month is found within as many commits as there are
    closed months (`consolidate --pack` finds them all at once)."""
    closed = closed_months(ws, current)
    if not closed:
        return []
    try:
        watch = json.loads(_watch_path(ws).read_text(encoding="utf-8"))
        todo, cursor = set(watch["todo"]), str(watch["cursor"])
    except (OSError, ValueError, KeyError, TypeError):
        todo, cursor = set(closed), ""  # no record yet: every closed month once
    turn = next((m for m in closed if m > cursor), closed[0])
    wanted = (todo | touched | {closed[-1], turn}) & set(closed)
    found = [m for m in sorted(wanted) if _unpacked_month(ws, m)]
    with contextlib.suppress(OSError):  # a cache: lost, every closed month is looked at once
        atomic_write_text(_watch_path(ws), json.dumps({"todo": found, "cursor": turn}), sync=False)
    return found


def _rel(ws: Workspace, path: str) -> str:
    return Path(path).relative_to(ws.top).as_posix()


class Damaged(Exception):
    """A contributor folder holding a pack that does not read: never packed again (the
    files after the damage would be lost); `sessionlog check` names it and the fix."""


def pack_folder(ws: Workspace, folder: layout.Folder) -> tuple[str, list[str], dict[str, str], int]:
    """Write the one pack of a contributor folder: (its path from the top, the files it
    replaces, {old link: new link} for the views, how many archive files it holds).

    It replaces only what it holds: the loose archive files the walker read (a file whose
    name is no real date is left where it is, for `check` to report) and the packs (every
    one reads whole, or the folder is not packed: Damaged)."""
    for name in layout.folder_files(folder.path)[1]:
        error = _damage(os.path.join(folder.path, name))
        if error is not None:
            raise Damaged(f"{_rel(ws, os.path.join(folder.path, name))}: {layout.DAMAGED_PACK}{error}")
    found = layout.files_in(folder, archive=True)
    data = packs.encode((f.name, layout.read_log(f)) for f in found)
    name = packs.pack_name(data)
    target = os.path.join(folder.path, name)
    try:
        same = packs.read(target) == data
    except OSError:
        same = False
    if not same:
        atomic_write_bytes(target, data)  # synced: it must hold before a loose file goes
    rel_folder = f"{ARCHIVE_DIR}/{folder.month}/{folder.project}/{folder.user}"
    _, pack_names = layout.folder_files(folder.path)
    loose = [f.name for f in found if f.pack is None]
    replaced = [n for n in [*loose, *pack_names] if n != name]
    links = {f"{rel_folder}/{n}": f"{rel_folder}/{name}" for n in replaced}
    return (_rel(ws, target), [_rel(ws, os.path.join(folder.path, n)) for n in replaced], links,
            len(found))


def _relink(ws: Workspace, month: str, projects: set[str], links: dict[str, str]) -> dict[str, bytes]:
    """The views that link a replaced file, with those links naming the pack instead."""
    cfg = ws.config
    rels = [layout.status_rel(cfg.logs_dir, p) for p in sorted(projects)]
    rels += [layout.master_rel(cfg.logs_dir, p, m) for p in sorted(projects)
             for m in (previous_month(month), month, next_month(month))]
    out: dict[str, bytes] = {}
    for rel in rels:
        try:
            text = (ws.top / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        new = _LINK.sub(lambda m: f"]({links.get(m[1], m[1])})", text)
        if new != text:
            out[rel] = new.encode("utf-8")
    return out


def _uncommitted(ws: Workspace, month: str) -> set[str]:
    """The contributor folders (`<project>/<user>`) of a month with an archive file git does
    not have committed (new or staged): packed only once their files are committed, so the
    commit that brought an archive file stays the one that added it (`why`, the context
    index and the commit message read what a commit adds). A pack or a deletion left by an
    interrupted packing does not count: the next packing finishes it."""
    prefix = f"{layout.archive_prefix(ws.config.logs_dir)}/{month}/"
    return {"/".join(rel[len(prefix):].split("/")[:2])
            for rel, code in gitops.status(ws.top, [prefix]).items()
            if "D" not in code and layout.archive_match(rel.rpartition("/")[2])}


def pack_month(ws: Workspace, month: str, *, stage: bool = True) -> Packed:
    """Pack every contributor folder of one closed month that is not one pack already (and
    whose files are committed)."""
    result = Packed(month)
    root = layout.archive_root(ws.config.logs_path)
    links: dict[str, str] = {}
    projects: set[str] = set()
    busy = _uncommitted(ws, month)
    summary = _fresh_summary(ws)
    for folder in layout.folders(root, archive=True, months=(month,)):
        if not _unpacked(folder) or f"{folder.project}/{folder.user}" in busy:
            continue
        try:
            pack_rel, replaced, moved, count = pack_folder(ws, folder)
        except Damaged as why:
            result.damaged.append(str(why))
            continue
        _fault("pack-written")
        result.packs.append(pack_rel)
        result.removed += replaced
        result.files += count
        links.update(moved)
        projects.add(folder.project)
    if not result.packs:
        return result
    views = _relink(ws, month, projects, links)
    for rel, data in views.items():
        atomic_write_bytes(ws.top / rel, data)
    result.views = sorted(views)
    _remember(ws, result)
    _fault("pack-relinked")
    if stage:
        _stage(ws, result.packs + result.views, result.removed)
    _fault("pack-staged")
    for rel in result.removed:
        with contextlib.suppress(FileNotFoundError):
            (ws.top / rel).unlink()
        _fault("pack-partial")
    _keep_summary(ws, summary)
    return result


def _fresh_summary(ws: Workspace) -> dict[str, object] | None:
    from sessionlog_git.logs import startsummary

    cfg = ws.config
    return startsummary.read(cfg.state_path, cfg.logs_path, cfg.timezone)


def _keep_summary(ws: Workspace, before: dict[str, object] | None) -> None:
    """The session-start summary was fresh before packing: packing moves no entry, so it
    stays valid; only its marker (the window's folder mtimes) is taken again."""
    from sessionlog_git.logs import startsummary

    cfg = ws.config
    if before is None or before.get("months") != startsummary.window(cfg.logs_path):
        return
    with contextlib.suppress(OSError):
        startsummary.save(cfg.state_path, {**before, "marker": startsummary.marker(
            cfg.logs_path, startsummary.window(cfg.logs_path))})


def _remember(ws: Workspace, result: Packed) -> None:
    """Name what this packing stages until git has it (an aborted commit drops it from the
    index; the next step stages it again)."""
    path = ws.config.state_path / STATE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    add = sorted({*data.get("add", []), *result.packs, *result.views})
    remove = sorted({*data.get("remove", []), *result.removed})
    atomic_write_text(path, json.dumps({"add": add, "remove": remove}))


def _stage(ws: Workspace, add: list[str], remove: list[str]) -> None:
    """Stage the packs and views, and the removal of what they replace, in the commit being
    made (its index, and the real one too in `git commit <paths>`, as `gitops.stage`)."""
    top = ws.top
    if remove:
        gitops.run("rm", "--cached", "-q", "--ignore-unmatch", "--", *remove, cwd=top)
        index_file = os.environ.get("GIT_INDEX_FILE", "")
        if Path(index_file).name.startswith("next-index-"):
            real_lock = Path(str(gitops.git_path(top, "index")) + ".lock")
            if real_lock.exists():
                gitops.run("rm", "--cached", "-q", "--ignore-unmatch", "--", *remove, cwd=top,
                           env={"GIT_INDEX_FILE": str(real_lock)})
    gitops.stage(top, [rel for rel in add if (top / rel).is_file()])


def restage(ws: Workspace, *, stage: bool = True) -> None:
    """Stage again what an earlier packing staged and git does not have committed yet; forget
    it once git has it all."""
    path = ws.config.state_path / STATE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        add, remove = list(data["add"]), list(data["remove"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    packed = [rel for rel in add if packs.is_pack_name(rel.rpartition("/")[2])]
    if not gitops.status(ws.top, [*packed, *remove]):
        # Committed (the views with them: staged together; they change at later commits,
        # which must not keep this record, and its git calls, alive).
        path.unlink(missing_ok=True)
        return
    for rel in remove:
        with contextlib.suppress(FileNotFoundError):
            (ws.top / rel).unlink()
    if stage:
        _stage(ws, add, remove)


def step(ws: Workspace, *, touched: set[str] | None = None, stage: bool = True) -> Packed | None:
    """The commit hook's packing: at most one month, the oldest of its `candidates` that has
    a folder to pack (`touched`: the months this commit archived into)."""
    restage(ws, stage=stage)
    for month in candidates(ws, touched or set()):
        done = pack_month(ws, month, stage=stage)
        if done.packs:
            return done
    return None


def pack_all(ws: Workspace, *, stage: bool = True) -> list[Packed]:
    """Every closed month not packed yet (migrating an archive at once), oldest first."""
    restage(ws, stage=stage)
    done = [pack_month(ws, month, stage=stage) for month in months_to_pack(ws)]
    return [d for d in done if d.packs or d.damaged]


def _damage(path: str) -> packs.PackError | None:
    """What is wrong with a pack, checked whole (None: it reads as its format says)."""
    try:
        return packs.scan(packs.read(path))[1]
    except OSError as exc:
        return packs.PackError(1, f"cannot be read ({exc.strerror or exc})")


def damaged(ws: Workspace) -> list[str]:
    """One finding per pack that does not read as its format says, with the line and a fix
    (every pack read whole: `sessionlog check`)."""
    out: list[str] = []
    for folder in layout.folders(layout.archive_root(ws.config.logs_path), archive=True):
        for name in layout.folder_files(folder.path)[1]:
            path = os.path.join(folder.path, name)
            error = _damage(path)
            if error is not None:
                rel = _rel(ws, path)
                out.append(f"{rel}:{error.line}: {error.message}. Fix: restore it from git "
                           f"(`git checkout HEAD -- {rel}`); a pack is written once and never edited.")
    return out


def in_commit(ws: Workspace, echo: Callable[[str], None], archived: list[str] | None = None) -> None:
    """`step` under the work tree's lock, as the commit hook runs it: packing is never worth
    failing a commit for (what it did so far is safe, and the next commit goes on), so a
    failure is a warning with its fix."""
    from sessionlog_git.base.lock import locked

    try:
        touched = {split[0] for rel in archived or []
                   if (split := layout.split_archive_folder(rel, ws.config.logs_dir))}
        with locked(ws.config.state_path):
            done = step(ws, touched=touched)
    except (OSError, gitops.GitError, ValueError) as exc:
        echo(f"sessionlog: warning: packing a closed month stopped: {exc}. Nothing is lost; "
             "Fix: run `sessionlog consolidate --pack` to finish it, then commit.")
        return
    if done is not None:
        echo(done.describe())
