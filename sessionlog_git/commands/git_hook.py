"""`sessionlog git-hook pre-commit|pre-push`: what the git hooks run.

Git runs hooks at the top of the work tree, so the idle pre-commit path needs no git call
and imports none of jinja2 or ruamel.yaml.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sessionlog_git import workspace


def _top() -> Path:
    from sessionlog_git.gitops import toplevel

    return toplevel()


def pre_commit() -> int:
    from sessionlog_git.pipeline import consolidate, octopus

    ws = workspace.at(_top())
    if not consolidate.nothing_to_do(ws):
        from sessionlog_git.pipeline import nothing_staged

        # Asked now, answered when consolidation needs it (git runs beside our imports).
        staged = nothing_staged.start_staged_paths(ws.top)
        result = consolidate.run(ws, staged=staged)
        empty = staged() == []  # nothing of the user's (False without a HEAD)
        if not result.idle:
            consolidate.describe(result, dry_run=False, echo=print)
        from sessionlog_git.pipeline import packing

        packing.in_commit(ws, echo=print, archived=result.archived)  # one closed month at most
        if empty and result.staged:
            import sys

            print(nothing_staged.message(result.staged, ws.config.logs_dir), file=sys.stderr)
            if nothing_staged.git_will_refuse(ws.top):
                return 1
    octopus.settle(ws, echo=print)  # only in an octopus merge (two or more MERGE_HEADs)
    return 0


def pre_push(hook_args: Sequence[str] = ()) -> int:
    """The push guard (see `pushguard`). Native: remote name and URL as arguments, refs on
    stdin. Framework: no stdin, the first ref in PRE_COMMIT_* variables."""
    import os
    import sys

    from sessionlog_git.pipeline import pushguard

    top = _top()
    args = list(hook_args)
    if "PRE_COMMIT_REMOTE_NAME" in os.environ or "PRE_COMMIT_TO_REF" in os.environ:
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME", "")
        refs = pushguard.refs_from_framework(top)
    else:
        remote = args[0] if args else ""
        refs = [] if sys.stdin is None or sys.stdin.isatty() else pushguard.refs_from_stdin(sys.stdin.read())
    if not refs:
        return 0
    return pushguard.guard(workspace.at(top), refs, remote)


def git_hook(*, hook: str, hook_args: Sequence[str] = ()) -> int:
    if hook == "pre-commit":
        return pre_commit()
    if hook == "prepare-commit-msg":
        from sessionlog_git.pipeline import commit_msg

        return commit_msg.run_hook(hook_args)
    return pre_push(hook_args)
