"""`sessionlog git-hook pre-commit|pre-push`: what the git hooks run.

Git runs hooks at the top of the work tree, so the idle pre-commit path needs no git call
and imports none of GitPython, jinja2 or ruamel.yaml.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from sessionlog_git import workspace


def _top() -> Path:
    here = Path.cwd()
    if (here / ".git").exists():
        return here
    from sessionlog_git.gitops import toplevel

    return toplevel(here)


def pre_commit() -> int:
    from sessionlog_git import consolidate

    ws = workspace.at(_top())
    if consolidate.nothing_to_do(ws):
        return 0
    result = consolidate.run(ws)
    if not result.idle:
        consolidate.describe(result, dry_run=False, echo=print)
    return 0


def pre_push() -> int:
    # The push guard arrives with the team features; until then the stage passes.
    return 0


def run(args: argparse.Namespace) -> int:
    if args.hook == "pre-commit":
        return pre_commit()
    return pre_push()
