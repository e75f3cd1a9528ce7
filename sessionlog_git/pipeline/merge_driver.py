"""The git merge driver for derived views: re-render from the merged archive, never text-merge.

Git calls `sessionlog merge-driver %O %A %B %L %P` for a master log or status file that both
sides changed (merge, rebase, cherry-pick). Archive files never conflict (content-named,
distinct paths), so the merged archive is known from the trees alone; the view is rendered
from it and written to %A. While the driver runs the other side's archive is not yet in the
work tree, so it is read from git objects:

* merge: git exports `GITHEAD_<sha>` for the commit being merged; base = the merge base;
* rebase (merge backend): the commit being picked is the last line of `rebase-merge/done`;
  base = its parent;
* otherwise (cherry-pick, revert): the commit that introduced %B's blob at %P
  (`git log --all --find-object`), accepted only when its tree and its parent's match %B and %O.

The merged archive is what git's tree merge gives add-only files: ours, minus what the other
side deleted since the base, plus what it added. When the other side cannot be found the
driver falls back to a plain text merge (`git merge-file`) and says how to repair the view.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.base.fsutil import atomic_write_text
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import MERGE_CACHE
from sessionlog_git.logs import layout
from sessionlog_git.pipeline import treeviews
from sessionlog_git.workspace import Workspace

PICKS = ("pick", "p", "reword", "r", "edit", "e", "fixup", "f", "squash", "s")


@dataclass(frozen=True)
class Sides:
    ours: str  # commit ids
    theirs: str
    base: str | None
    how: str  # "merge", "rebase", "cherry-pick"


def _rev(top: Path, rev: str) -> str | None:
    out = gitops.run("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", cwd=top, check=False)
    return out.strip() or None


def _hash_object(top: Path, path: str) -> str:
    return gitops.run("hash-object", "--", path, cwd=top).strip()


def find_sides(top: Path, base_file: str, theirs_file: str, rel: str) -> Sides | None:
    ours = _rev(top, "HEAD")
    if ours is None:
        return None
    for key in sorted(os.environ):
        if key.startswith("GITHEAD_"):
            theirs = _rev(top, key[len("GITHEAD_") :])
            if theirs:
                base = gitops.run("merge-base", ours, theirs, cwd=top, check=False).strip() or None
                return Sides(ours, theirs, base, "merge")
    done = gitops.git_path(top, "rebase-merge/done")
    try:
        lines = [ln.split() for ln in done.read_text(encoding="utf-8").splitlines()]
    except OSError:
        lines = []
    steps = [ln for ln in lines if ln and not ln[0].startswith("#")]
    if steps and steps[-1][0] in PICKS and len(steps[-1]) > 1:
        theirs = _rev(top, steps[-1][1])
        if theirs:
            return Sides(ours, theirs, _rev(top, f"{theirs}^"), "rebase")
    # A cherry-pick leaves no trace while the driver runs: find the commit by its content.
    theirs_blob = _hash_object(top, theirs_file)
    base_blob = _hash_object(top, base_file)
    out = gitops.run(
        "log", "--all", "-n", "20", "--format=%H", f"--find-object={theirs_blob}", "--", rel,
        cwd=top, check=False,
    )
    for sha in out.split():
        if treeviews.blob_at(top, sha, rel) != theirs_blob:
            continue
        parent = _rev(top, f"{sha}^")
        if parent is not None and treeviews.blob_at(top, parent, rel) in (base_blob, None):
            return Sides(ours, sha, parent, "cherry-pick")
    return None


def merged_archive(top: Path, sides: Sides, logs_dir: str) -> treeviews.Blobs:
    """The archive of the merge result: add-only files merged the way git merges trees."""
    ours = treeviews.archive_blobs(top, sides.ours, logs_dir)
    theirs = treeviews.archive_blobs(top, sides.theirs, logs_dir)
    base = treeviews.archive_blobs(top, sides.base, logs_dir) if sides.base else {}
    result = {p: b for p, b in ours.items() if not (p in base and p not in theirs)}
    for path, blob in theirs.items():
        if path not in base and path not in result:
            result[path] = blob
    return result


def _cache_path(top: Path) -> Path:
    return gitops.git_path(top, MERGE_CACHE)


def rendered_views(ws: Workspace, sides: Sides) -> dict[str, str]:
    """Every view of the merged archive; cached for the other files of the same merge step."""
    blobs = merged_archive(ws.top, sides, ws.config.logs_dir)
    key = sha256_hex(json.dumps([sorted(blobs.items()), repr(ws.config)], sort_keys=True))
    cache = _cache_path(ws.top)
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("key") == key and isinstance(cached.get("views"), dict):
            views: dict[str, str] = cached["views"]
            return views
    except (OSError, ValueError, AttributeError):
        pass
    views = treeviews.render_blobs(ws, blobs)
    with contextlib.suppress(OSError):
        atomic_write_text(cache, json.dumps({"key": key, "views": views}))
    return views


def text_merge(base_file: str, ours_file: str, theirs_file: str, marker_size: str) -> int:
    args = ["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"]
    if marker_size.isdigit():
        args.append(f"--marker-size={marker_size}")
    return 0 if gitops.call(*args, ours_file, base_file, theirs_file) == 0 else 1


def merge(base_file: str, ours_file: str, theirs_file: str, marker_size: str, rel: str) -> int:
    from sessionlog_git import workspace

    top = Path.cwd()
    with contextlib.suppress(gitops.GitError):
        top = gitops.toplevel(top)
    ws = workspace.at(top)
    sides = find_sides(top, base_file, theirs_file, rel)
    views = rendered_views(ws, sides) if sides is not None else {}
    if rel in views:
        atomic_write_text(Path(ours_file), views[rel])
        return 0
    why = (
        "could not tell which commit is being merged"
        if sides is None
        else f"{layout.archive_prefix(ws.config.logs_dir)} of the merge result does not produce it"
    )
    code = text_merge(base_file, ours_file, theirs_file, marker_size)
    print(
        f"sessionlog merge-driver: {rel}: {why}, so it was text-merged"
        f"{' with conflicts' if code else ''}. Fix: after the merge, run `sessionlog check --fix` "
        "to re-render it from the archive, then commit.",
        file=sys.stderr,
    )
    return code
