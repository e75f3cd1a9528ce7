"""`sessionlog git-hook pre-commit|pre-push`: what the git hooks run.

Git runs hooks at the top of the work tree, so the idle pre-commit path needs no git call
and imports none of jinja2 or ruamel.yaml.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from sessionlog_git import workspace


def _top() -> Path:
    from sessionlog_git.gitops import toplevel

    return toplevel()


def pre_commit() -> int:
    from sessionlog_git.pipeline import consolidate

    ws = workspace.at(_top())
    if consolidate.nothing_to_do(ws):
        return 0
    from sessionlog_git.pipeline import nothing_staged

    empty = nothing_staged.user_staged_nothing(ws.top)
    result = consolidate.run(ws)
    if not result.idle:
        consolidate.describe(result, dry_run=False, echo=print)
    if empty and result.staged:
        import sys

        print(nothing_staged.message(result.staged, ws.config.logs_dir), file=sys.stderr)
        return 1 if nothing_staged.git_will_refuse(ws.top) else 0
    return 0


def pre_push(hook_args: list[str] | None = None) -> int:
    """The push guard (see `pushguard`). Native: remote name and URL as arguments, refs on
    stdin. Framework: no stdin, the first ref in PRE_COMMIT_* variables."""
    import os
    import sys

    from sessionlog_git.pipeline import pushguard

    top = _top()
    args = list(hook_args or [])
    if "PRE_COMMIT_REMOTE_NAME" in os.environ or "PRE_COMMIT_TO_REF" in os.environ:
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME", "")
        refs = pushguard.refs_from_framework(top)
    else:
        remote = args[0] if args else ""
        refs = [] if sys.stdin is None or sys.stdin.isatty() else pushguard.refs_from_stdin(sys.stdin.read())
    if not refs:
        return 0
    return pushguard.guard(workspace.at(top), refs, remote)


def run(args: argparse.Namespace) -> int:
    if args.hook == "pre-commit":
        return pre_commit()
    if args.hook == "prepare-commit-msg":
        from sessionlog_git.pipeline import commit_msg

        return commit_msg.run_hook(args.hook_args)
    return pre_push(args.hook_args)
