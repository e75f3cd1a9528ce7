"""`sessionlog init`: set a repository up for session logs."""
from __future__ import annotations

import argparse

from sessionlog_git import gitops


def run(args: argparse.Namespace) -> int:
    from sessionlog_git.agents.setup import parse_agents

    agents = parse_agents(args.agent or "")
    top = gitops.toplevel()
    from sessionlog_git.commands import setup_flow

    plan = setup_flow.init(
        top,
        hooks=args.hooks,
        agents=agents,
        dry_run=args.dry_run,
        hook_repo=args.hook_repo,
        hook_rev=args.hook_rev,
        commit_msg=getattr(args, "commit_msg", False),
    )
    if not args.dry_run:
        # Resolve (and cache) the contributor name now, so the agent hooks, which never run
        # gh, read the same name from .sessionlog/identity.json as `sessionlog log` uses.
        from sessionlog_git import workspace
        from sessionlog_git.base import identity

        identity.resolve_user(top, workspace.at(top).config.user)
    title = "sessionlog init --dry-run (nothing written):" if args.dry_run else "sessionlog init:"
    print(title)
    for change in plan.changes:
        print(f"  {change}")
    return 0
