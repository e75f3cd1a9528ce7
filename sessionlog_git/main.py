"""Parse the command line and dispatch: one module per command, one error boundary."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

from sessionlog_git import __version__
from sessionlog_git.errors import UsageError, boundary


def _parser() -> argparse.ArgumentParser:
    import argparse  # not at the top: the hook fast paths below never build a parser

    from sessionlog_git.agents.registry import ASSISTANTS, DEFAULT, EVENTS
    from sessionlog_git.logs.kinds import KINDS, LIFECYCLE, taught_prefixes

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
    p.add_argument("--agent", default="", metavar=f"{','.join(ASSISTANTS)}|all|none",
                   help="assistant integrations to install, comma-separated: " + ", ".join(
                       f"{a.name} ({a.title})" for a in ASSISTANTS.values()) + ", or all")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--commit-msg", action="store_true",
                   help="also install a prepare-commit-msg hook that pre-fills the message with "
                   "the why from the entries the commit consolidates (when you give no -m)")
    p.add_argument("--hook-repo", default=None, metavar="URL|local",
                   help="with --hooks pre-commit: the hook repository to list (the remote form, "
                   "for published releases; with --hook-rev); default `local`: a `repo: local` "
                   "entry running the installed sessionlog (no network)")
    p.add_argument("--hook-rev", default=None, metavar="REV",
                   help="the tag or commit of --hook-repo (default: this version's tag)")

    p = sub.add_parser("log", help="append an entry to today's temp log")
    p.add_argument("title", help="what happened, in one line")
    p.add_argument("bullets", nargs="*", metavar="BULLET",
                   help="one line each; prefixes carry meaning: "
                   + ", ".join(taught_prefixes((*KINDS[:6], *LIFECYCLE))))
    p.add_argument("--project", default=None, help="project name (default: from .sessionlog.yaml)")
    p.add_argument("--agent", default=None,
                   help="the assistant that wrote this entry (claude-code, codex, gemini, ...); "
                   "default: detected from the assistant's shell, else none")

    p = sub.add_parser("consolidate", help="archive pending logs, re-render views, stage them")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--no-stage", action="store_true", help="write the files but do not git add them")
    p.add_argument("--pack", action="store_true",
                   help="also pack every closed month's archive files (older than last month) "
                   "into one pack file per contributor; commits pack one month each anyway")

    p = sub.add_parser("git-hook", help="run by the git hooks that init installs")
    p.add_argument("hook", choices=("pre-commit", "pre-push", "prepare-commit-msg"))
    p.add_argument("hook_args", nargs="*", help=argparse.SUPPRESS)

    p = sub.add_parser("why", help="the session entries behind a line: blame, commit, reasoning")
    p.add_argument("target", metavar="PATH[:LINE]",
                   help="a file in git, optionally with a line number (without: its last commit)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("context", help="the live decisions, open blockers and failed attempts "
                       "that concern a file")
    p.add_argument("path", nargs="?", default="", metavar="PATH", help="a file or folder")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--rebuild-index", action="store_true",
                   help="rewrite the index the pre-edit hook reads from the whole archive")

    p = sub.add_parser("report", help="digests from the archive: weekly, blockers, time, onboarding")
    p.add_argument("kind", choices=("weekly", "blockers", "time", "onboarding"))
    p.add_argument("--since", default=None, metavar="DATE",
                   help="start date (YYYY-MM-DD) or span back from now (e.g. 14d, 2w); default: "
                   "7 days for weekly and time, all history for blockers and onboarding")
    p.add_argument("--html", default=None, metavar="FILE",
                   help="also write one self-contained HTML page with charts to FILE (its folder "
                   "must exist); the Markdown (or --json) is still printed")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--repo", action="append", default=None, metavar="PATH",
                   help="report across repositories: read PATH's committed archive (a clone or a "
                   "bare mirror); repeat for each repository")
    p.add_argument("--workspace", default=None, metavar="FILE",
                   help="a text file listing repository paths, one a line (like --repo for each)")

    p = sub.add_parser("search", help="full-text search of the entries, archived and pending, ranked")
    p.add_argument("query", nargs="+", help="words to look for, e.g. why did we drop redis")
    p.add_argument("--author", default=None, help="only this contributor's entries")
    p.add_argument("--project", default=None, help="only this project's entries")
    p.add_argument("--kind", default=None,
                   choices=("decision", "finding", "blocker", "unblock", "next", "summary", "note",
                            "title"),  # as insight.search.SEARCH_KINDS (main imports no insight)
                   help="only bullets of this kind (title: entry titles)")
    p.add_argument("--since", default=None, metavar="DATE",
                   help="only entries from DATE (YYYY-MM-DD) or a span back from now (14d, 2w)")
    p.add_argument("--limit", type=int, default=10, help="at most this many entries (default 10)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    # Listed for --help only: `main` hands `hook` to agents.entry before any parsing (argparse
    # exits 2 on a bad argument, and exit 2 from a Claude Code hook blocks the prompt).
    p = sub.add_parser("hook", help="run by the assistants' hooks that init installs")
    p.add_argument("event", nargs="?", default="",
                   help=", ".join(EVENTS[:-1]) + f" or {EVENTS[-1]}")
    p.add_argument("--agent", default=DEFAULT, metavar="|".join(ASSISTANTS),
                   help="which CLI runs the hook: shapes the output the way it injects it")
    p.add_argument("hook_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    p = sub.add_parser("uninstall", help="remove what init added (hooks, agents, CLAUDE.md block)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    sub.add_parser("doctor", help="check the installation and say how to fix what is missing")

    sub.add_parser("status", help="whether this clone is set up, what is pending, and what the "
                   "next commit will consolidate")

    sub.add_parser("resume", help="where work left off: last entries, open blockers, next steps")

    p = sub.add_parser("merge-driver", help="git merge driver for generated views (init registers it)")
    for name, code in (("base", "O"), ("ours", "A"), ("theirs", "B")):
        p.add_argument(name, help=f"%%{code}: the {name} version (a temp file)")
    p.add_argument("marker_size", nargs="?", default="7", help="%%L: conflict marker size")
    p.add_argument("path", nargs="?", default="", help="%%P: the file's path in the repository")

    p = sub.add_parser("check", help="CI/review check: views match a fresh render, nothing pending "
                       "older than HEAD (exit 0 ok, 1 findings, 2 usage)")
    p.add_argument("--fix", action="store_true",
                   help="re-render the views that differ and stage them")
    p.add_argument("--rev", default=None, metavar="REV",
                   help="check a commit as committed (read from git objects; for CI on a pull "
                   "request's head) instead of the work tree")
    p.add_argument("commit", nargs="?", default=None, metavar="REV",
                   help="the same as --rev REV: `sessionlog check HEAD` checks what HEAD holds")

    p = sub.add_parser("pr-summary", help="what a pull request's new session log entries record "
                       "(decisions, rejected alternatives, blockers, next steps), in Markdown")
    p.add_argument("--base", required=True, metavar="REV",
                   help="the branch or commit the pull request merges into")
    p.add_argument("--head", default="HEAD", metavar="REV", help="the pull request's head (default HEAD)")
    p.add_argument("--output", default=None, metavar="FILE",
                   help="append the Markdown to FILE (e.g. $GITHUB_STEP_SUMMARY) instead of printing it")

    p = sub.add_parser("whoami", help="the contributor name used for your logs, and where it came from")
    p.add_argument("--refresh", action="store_true", help="ask the GitHub CLI again (ignore the cache)")

    p = sub.add_parser("mcp", help="serve the log to MCP clients over stdio: tools log, search, why, "
                       "resume, blockers (needs: pip install 'sessionlog-git[mcp]')")
    p.add_argument("--repo", default=None, metavar="DIR",
                   help="the repository to serve (default: the folder the client starts it in)")

    p = sub.add_parser("redactions", help="what redaction replaced (file, line, kind; never the secret), "
                       "and `restore ID` to put a false positive back into pending")
    p.add_argument("action", nargs="?", choices=("list", "restore"), default="list")
    p.add_argument("ident", nargs="?", default="", metavar="ID", help="a redaction id from the list")

    p = sub.add_parser("pending", help="the temp logs not committed yet: list them, `show DAY` "
                       "prints one, `put DAY` replaces it from stdin if every word is kept")
    p.add_argument("action", nargs="?", choices=("list", "show", "put"), default="list")
    p.add_argument("day", nargs="?", default="", metavar="DAY", help="YYYY-MM-DD (show, put)")
    p.add_argument("--project", default=None, help="the project (default: the config's)")
    p.add_argument("--user", default=None, help="the contributor (default: you, as `whoami`)")
    return parser


_CONSOLIDATE_FLAGS = {"--dry-run": "dry_run", "--no-stage": "no_stage", "--pack": "pack"}


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["git-hook", "pre-commit"]:
        # Every commit runs this (the framework calls the console script): answer an idle
        # commit before anything heavier is imported.
        from sessionlog_git.pipeline.idle import nothing_to_do

        if nothing_to_do("."):
            return 0
    if words[:1] == ["hook"] and not {"-h", "--help"} & set(words):
        # The agent hooks' fast path (every prompt): no parser to build; never exits non-zero.
        # (`python -m sessionlog_git hook ...` goes there from __main__, before this module.)
        from sessionlog_git.agents.entry import main as hook_main

        return hook_main(words)
    if words == ["git-hook", "pre-commit"]:
        # The commit hook's fast path (every commit): no parser to build.
        from sessionlog_git.commands.git_hook import git_hook

        with boundary("cli") as outcome:
            outcome.code = git_hook(hook="pre-commit")
        return outcome.code
    if words[:1] == ["consolidate"] and set(words[1:]) <= _CONSOLIDATE_FLAGS.keys() and \
            len(set(words)) == len(words):
        # `sessionlog consolidate` with its flags spelled out: no parser to build (argparse,
        # gettext, locale and shutil's imports, and twenty subcommands, ~8 ms of a backlog's
        # consolidation); anything else (a prefix, a repeat, --help) goes through the parser.
        if argv is None:
            # A program's run leaves when it is done (below), as the git hooks do (gitentry):
            # no collector pass over the modules it imports now, nor over the backlog's
            # records, entries and views once the run (which pauses it) is over (~8 ms): they
            # free nothing anybody sees.
            import gc

            gc.disable()
        from sessionlog_git.commands.consolidate import consolidate

        with boundary("cli") as outcome:
            outcome.code = consolidate(**{_CONSOLIDATE_FLAGS[w]: True for w in words[1:]})
        if argv is None:
            # A program's run (the console script, `python -m`): it leaves without the
            # interpreter's teardown (`base.leave`), which went through every object a
            # backlog's run left (records, entries, caches: ~45 ms of its wall time).
            from sessionlog_git.base.leave import leave

            leave(outcome.code)
        return outcome.code
    args = _parser().parse_args(argv)
    with boundary("cli") as outcome:
        outcome.code = _dispatch(args)
    return outcome.code


def _dispatch(args: argparse.Namespace) -> int:
    """Call the command's typed function with named arguments (each imported only when run)."""
    command = args.command
    if command == "init":
        from sessionlog_git.commands.init import init

        return init(hooks=args.hooks, agent=args.agent, dry_run=args.dry_run,
                    commit_msg=args.commit_msg, hook_repo=args.hook_repo, hook_rev=args.hook_rev)
    if command == "log":
        from sessionlog_git.commands.log import log

        return log(title=args.title, bullets=args.bullets, project=args.project, agent=args.agent)
    if command == "consolidate":
        from sessionlog_git.commands.consolidate import consolidate

        return consolidate(dry_run=args.dry_run, no_stage=args.no_stage, pack=args.pack)
    if command == "git-hook":
        from sessionlog_git.commands.git_hook import git_hook

        return git_hook(hook=args.hook, hook_args=args.hook_args)
    if command == "why":
        from sessionlog_git.commands.why import why

        return why(target=args.target, as_json=args.json)
    if command == "context":
        from sessionlog_git.commands.context import context

        return context(path=args.path, as_json=args.json, rebuild_index=args.rebuild_index)
    if command == "report":
        from sessionlog_git.commands.report import report

        return report(kind=args.kind, since=args.since, html=args.html, as_json=args.json,
                      repo=args.repo or (), workspace_file=args.workspace)
    if command == "search":
        from sessionlog_git.commands.search import search

        return search(query=args.query, author=args.author, project=args.project, kind=args.kind,
                      since=args.since, limit=args.limit, as_json=args.json)
    if command == "uninstall":
        from sessionlog_git.commands.uninstall import uninstall

        return uninstall(dry_run=args.dry_run)
    if command == "doctor":
        from sessionlog_git.commands.doctor import doctor

        return doctor()
    if command == "resume":
        from sessionlog_git.commands.resume import resume

        return resume()
    if command == "merge-driver":
        from sessionlog_git.commands.merge_driver import merge_driver

        return merge_driver(base=args.base, ours=args.ours, theirs=args.theirs,
                            marker_size=args.marker_size, path=args.path)
    if command == "check":
        from sessionlog_git.commands.check import check

        return check(fix=args.fix, rev=args.rev or args.commit)
    if command == "status":
        from sessionlog_git.commands.status import status

        return status()
    if command == "pr-summary":
        from sessionlog_git.commands.pr_summary import pr_summary

        return pr_summary(base=args.base, head=args.head, output=args.output)
    if command == "whoami":
        from sessionlog_git.commands.whoami import whoami

        return whoami(refresh=args.refresh)
    if command == "mcp":
        from sessionlog_git.commands.mcp import mcp

        return mcp(repo=args.repo)
    if command == "redactions":
        from sessionlog_git.commands.redactions import redactions

        return redactions(action=args.action, ident=args.ident)
    if command == "pending":
        from sessionlog_git.commands.pending import pending

        return pending(action=args.action, day=args.day, project=args.project, user=args.user)
    raise UsageError(f"unknown command {command!r}. Fix: see `sessionlog --help`.")
