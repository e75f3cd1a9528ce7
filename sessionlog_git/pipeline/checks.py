"""Findings shared by `sessionlog check` and the pre-push guard.

* pending entries older than a commit: reasoning that should have gone into that commit;
* generated views that differ from a fresh render of the archive they were made from.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sessionlog_git.base.text import one_line
from sessionlog_git.logs import layout
from sessionlog_git.workspace import Workspace


@dataclass(frozen=True)
class StaleEntry:
    rel: str  # the pending file, relative to the top
    line: int
    at: datetime
    title: str

    def describe(self) -> str:
        return f"{self.rel}:{self.line}: {self.at:%Y-%m-%d %H:%M} {self.title}"


def _rel(top: Path, path: Path) -> str:
    try:
        return str(PurePosixPath(*path.relative_to(top).parts))
    except ValueError:
        return str(path)


def pending_older_than(ws: Workspace, when: datetime) -> list[StaleEntry]:
    """Pending entries timed before `when` (aware); unreadable files are not counted here."""
    from sessionlog_git.logs import archive

    cfg = ws.config
    from sessionlog_git.pipeline.idle import has_temp_log

    if not has_temp_log(cfg.pending_path):
        return []
    logs, _ = layout.scan_pending(cfg.pending_path)
    out: list[StaleEntry] = []
    for log in logs:
        try:
            parsed = archive.parse_log(Path(log.path).read_bytes(), log.day, cfg.timezone)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        for entry in parsed.entries:
            at = entry.at
            if at is None:
                continue
            if at.tzinfo is None:
                at = at.astimezone()  # a naive time is local
            if at < when:
                title = one_line(entry.title) or "(untitled)"
                out.append(StaleEntry(_rel(ws.top, Path(log.path)), entry.line, at, title))
    return out


def commit_time(top: Path, rev: str) -> datetime:
    """The committer time of `rev`, in its own offset."""
    from sessionlog_git import gitops

    out = gitops.run("log", "-1", "--format=%cI", rev, cwd=top).strip()
    return datetime.fromisoformat(out)


def newest_commit(top: Path, revs: list[str]) -> tuple[str, datetime] | None:
    """The newest (by committer time) of the commits `git log revs...` lists."""
    from sessionlog_git import gitops

    out = gitops.run("log", "-n", "2000", "--format=%ct %H", *revs, cwd=top, check=False)
    best: tuple[int, str] | None = None
    for line in out.splitlines():
        stamp, _, sha = line.partition(" ")
        if stamp.isdigit() and (best is None or int(stamp) > best[0]):
            best = (int(stamp), sha)
    if best is None:
        return None
    return best[1], commit_time(top, best[1])


def worktree_mismatches(ws: Workspace, *, keep: bool = True
                        ) -> tuple[list[str], dict[str, str], int]:
    """Views in the work tree that differ from `consolidate.rebuild`: (findings, the fresh
    render of each view that differs (with `keep`, for a fix), how many views there are).
    Compared as they are rendered, so only the differing ones are held."""
    from sessionlog_git.base import safeio
    from sessionlog_git.pipeline import consolidate, treeviews

    try:
        safeio.check_tree(ws.top, ws.config.logs_dir, depth=4)
    except safeio.NotRegular as exc:  # a linked logs/ or archive folder: never read through
        return [str(exc)], {}, 0
    found: dict[str, str] = {}
    differ: dict[str, str] = {}
    count = 0
    for rel, text in consolidate.rebuild_each(ws):
        count += 1
        try:
            have = safeio.read_regular(ws.top / rel).decode("utf-8", "replace")
        except FileNotFoundError:
            found[rel] = f"{rel}: missing (its archive is there, the view is not)"
        except safeio.NotRegular as exc:  # a link or a FIFO: never followed, never waited on
            found[rel] = str(exc)
        else:
            if have == text:
                continue
            found[rel] = f"{rel}: {treeviews.describe_difference(have, text)}"
        if keep:
            differ[rel] = text
    return [found[rel] for rel in sorted(found)], differ, count
