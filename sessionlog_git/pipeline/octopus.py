"""Octopus merges: git never calls a merge driver in one, so the views are settled here.

`git merge a b c` uses the octopus strategy, which merges each file with a plain text merge
(`git merge-one-file`), whatever `.gitattributes` says. Branches that logged in the same
month then conflict on the master log and the status file:

* when the conflict is in the last branch merged, git stops and leaves conflict markers;
  once they are added and the merge is committed, the pre-commit hook renders every view
  again from the merged archive (archive files never conflict: they are named by content)
  and stages it, so the commit holds correct views whatever the markers said;
* when it is in an earlier branch, git itself refuses the whole octopus ("Should not be
  doing an octopus") before any hook of ours runs: merge the branches one at a time (the
  merge driver handles each pairwise merge). README says so.
"""
from __future__ import annotations

from collections.abc import Callable

from sessionlog_git.workspace import Workspace

ADVICE = ("git runs no merge driver in an octopus merge; if git refuses one (\"Should not be "
          "doing an octopus\"), merge the branches one at a time: `git merge A`, then `git merge B`")


def merge_heads(ws: Workspace) -> list[str]:
    dot_git = ws.top / ".git"
    if dot_git.is_dir():  # the common case, without a git call: every commit asks
        where = dot_git / "MERGE_HEAD"
    else:  # a linked worktree or a submodule: .git is a file naming the git dir
        from sessionlog_git import gitops

        where = gitops.git_path(ws.top, "MERGE_HEAD")
    try:
        text = where.read_text(encoding="utf-8")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def settle(ws: Workspace, echo: Callable[[str], None]) -> list[str]:
    """In an octopus merge being committed: re-render every view that differs from a fresh
    render of the merged archive, and stage it. Returns the paths re-rendered."""
    if len(merge_heads(ws)) < 2:
        return []
    from sessionlog_git import gitops
    from sessionlog_git.base import safeio
    from sessionlog_git.base.fsutil import atomic_write_bytes
    from sessionlog_git.pipeline import consolidate

    safeio.check_tree(ws.top, ws.config.logs_dir, depth=4)
    fixed: list[str] = []
    for rel, text in consolidate.rebuild_each(ws):  # written as rendered, none held
        data = text.encode("utf-8")
        safeio.check_inside(ws.top, rel)
        try:
            if safeio.read_regular(ws.top / rel) == data:
                continue
        except FileNotFoundError:
            pass
        atomic_write_bytes(ws.top / rel, data)
        fixed.append(rel)
    fixed.sort()
    if fixed:
        gitops.stage(ws.top, fixed)
        echo(f"sessionlog: octopus merge: re-rendered {len(fixed)} view"
             f"{'s' if len(fixed) != 1 else ''} from the merged archive and staged "
             f"{'them' if len(fixed) != 1 else 'it'} ({ADVICE}): " + ", ".join(fixed))
    return fixed
