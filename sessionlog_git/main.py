"""Parse the command line and dispatch: one module per command, one error boundary."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from sessionlog_git import __version__
from sessionlog_git.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, SessionlogError

COMMANDS = {
    "init": "init",
    "log": "log",
    "consolidate": "consolidate",
    "git-hook": "git_hook",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sessionlog",
        description="Keep the why behind code: AI session logs consolidated into git at commit.",
    )
    parser.add_argument("--version", action="version", version=f"sessionlog-git {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("init", help="set this repository up (config, pending folder, git hooks)")
    p.add_argument("--hooks", choices=("pre-commit", "native", "none"), default=None,
                   help="how consolidation runs at commit (default: pre-commit when the repo "
                   "has a .pre-commit-config.yaml, else native)")
    p.add_argument("--agent", default="", metavar="claude|none",
                   help="assistant integration to install (Claude Code: a later release)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--hook-repo", default=None, help=argparse.SUPPRESS)
    p.add_argument("--hook-rev", default=None, help=argparse.SUPPRESS)

    p = sub.add_parser("log", help="append an entry to today's temp log")
    p.add_argument("title", help="what happened, in one line")
    p.add_argument("bullets", nargs="*", metavar="BULLET",
                   help="one line each; prefixes carry meaning: Decision:, Tried:, Blocked on:, "
                   "Unblocked:, Next:, Summary:")
    p.add_argument("--project", default=None, help="project name (default: from .sessionlog.yaml)")
    p.add_argument("--agent", default=None, help="the assistant that wrote this entry")

    p = sub.add_parser("consolidate", help="archive pending logs, re-render views, stage them")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--no-stage", action="store_true", help="write the files but do not git add them")

    p = sub.add_parser("git-hook", help="run by the git hooks that init installs")
    p.add_argument("hook", choices=("pre-commit", "pre-push"))
    p.add_argument("hook_args", nargs="*", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "init":
        from sessionlog_git.install import HOOK_REPO_URL

        args.hook_repo = args.hook_repo or HOOK_REPO_URL
        args.hook_rev = args.hook_rev or f"v{__version__}"
    module = import_module(f"sessionlog_git.commands.{COMMANDS[args.command]}")
    try:
        code: int = module.run(args)
        return code
    except SessionlogError as exc:
        print(f"sessionlog: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sessionlog: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        import traceback

        traceback.print_exc()
        print(
            "sessionlog: internal error (a bug); nothing was lost: pending logs are only "
            "removed after their archive is written. Please report the traceback above.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
