"""Hand edits of generated views: found, saved aside, and refused with advice that keeps them.

A master log or status file is rendered from the archive at every commit, so an edit made
there by hand would be overwritten. Before consolidation rewrites a view it asks here:

* a change that is not staged, or a staged change git's HEAD does not have, is a hand edit
  unless the file is what sessionlog itself last wrote there (the ledger or the journal of
  an interrupted run), or equals a fresh render of the archive (`check --fix`, a merge);
* each hand-edited file is copied to `.sessionlog/edits/<time>/<path>` (the work tree's
  version, and the staged one when it differs) before the refusal, so no advice can lose it.

Staging the edit used to be the advice; the next consolidation then overwrote it. The
advice now is to keep such text in a file sessionlog does not generate.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.base.fsutil import atomic_write_bytes
from sessionlog_git.pipeline import ledger
from sessionlog_git.workspace import Workspace

EDITS_DIR = "edits"


def _in_progress(top: Path) -> bool:
    """A merge, cherry-pick, revert or rebase is being concluded: its views are git's."""
    dot_git = top / ".git"
    # Without a git call in the common case (this runs at every commit that writes views).
    git_dir = dot_git if dot_git.is_dir() else gitops.git_path(top, "HEAD").parent
    names = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply")
    return any((git_dir / name).exists() for name in names)


def _index_bytes(top: Path, rel: str) -> bytes | None:
    try:
        return gitops.run_bytes("show", f":{rel}", cwd=top, strip_index=True)
    except gitops.GitError:
        return None


def disk_bytes(top: Path, rel: str) -> bytes | None:
    """The work tree's bytes of `rel`; None when it is missing, unreadable or not a regular file."""
    from sessionlog_git.base import safeio

    try:
        return safeio.read_regular(top / rel)
    except (OSError, safeio.NotRegular):
        return None


Early = tuple[frozenset[str], Callable[[], tuple[set[str], set[str]]]]


def start(ws: Workspace, candidates: set[str]) -> Early:
    """`gitops.changes` of the views a consolidation may rewrite, started before it renders
    them (git answers meanwhile); `find` uses it when it names every view to rewrite."""
    return frozenset(candidates), gitops.start_changes(ws.top, sorted(candidates))


def none_possible(ws: Workspace, written: dict[str, str], early: Early) -> bool:
    """Whether `find` finds nothing whatever views of `early`'s candidates a run rewrites:
    git sees none of them changed, or each it sees changed is what we last wrote there
    (`written`). Asked before rendering (a backlog writes its archive files first, and a
    refusal must leave nothing archived); framework-stashed paths are the caller's to ask."""
    unstaged, staged = early[1]()
    return all(ledger.is_ours(ws.top, p, written) for p in (unstaged | staged) & early[0])


def find(ws: Workspace, rewrite: list[str], written: dict[str, str],
         rebuild: Callable[[Workspace], dict[str, str]], early: Early | None = None) -> dict[str, str]:
    """{path: why} for the views in `rewrite` that hold a hand edit; `rebuild` renders every
    view fresh from the archive (consolidate.rebuild, passed in: consolidation calls this)."""
    top = ws.top
    if early is not None and early[0].issuperset(rewrite):
        unstaged, staged = early[1]()
        unstaged, staged = unstaged & set(rewrite), staged & set(rewrite)
    else:
        unstaged, staged = gitops.changes(top, rewrite)  # one git process for both questions
    if _in_progress(top):
        staged = set()
    # Only a file git sees changed is read to tell whether it is what we last wrote.
    suspects = sorted(p for p in unstaged | staged
                      if not (p in rewrite and ledger.is_ours(top, p, written)))
    if not suspects:
        return {}
    fresh = {rel: text.encode("utf-8") for rel, text in rebuild(ws).items()}
    found: dict[str, str] = {}
    for rel in suspects:
        disk = disk_bytes(top, rel)
        index = _index_bytes(top, rel) if rel in staged else disk
        if rel in fresh and disk == fresh[rel] and index == fresh[rel]:
            continue  # exactly a render of the archive: nothing of anyone's to lose
        found[rel] = ("has changes that are not staged" if rel in unstaged else
                      "has a staged change that sessionlog did not write")
    return found


def save_copies(ws: Workspace, paths: list[str]) -> Path | None:
    """Copy each path's work-tree (and differing staged) version under `.sessionlog/edits/`."""
    from sessionlog_git.base.fsutil import ensure_state_dir

    top = ws.top
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = ws.config.state_path / EDITS_DIR / stamp
    saved = False
    try:
        ensure_state_dir(ws.config.state_path)
        for rel in paths:
            disk = disk_bytes(top, rel)
            index = _index_bytes(top, rel)
            if disk is not None:
                atomic_write_bytes(folder / rel, disk)
                saved = True
            if index is not None and index != disk:
                atomic_write_bytes(folder / (rel + ".staged"), index)
                saved = True
    except OSError:
        return None
    return folder if saved else None
