"""`sessionlog init`: set a repository up for session logs."""
from __future__ import annotations

import argparse

from sessionlog_git import gitops, install


def run(args: argparse.Namespace) -> int:
    top = gitops.toplevel()
    agents = [a for a in (args.agent or "").split(",") if a and a != "none"]
    plan = install.init(
        top,
        hooks=args.hooks,
        agents=agents,
        dry_run=args.dry_run,
        hook_repo=args.hook_repo,
        hook_rev=args.hook_rev,
    )
    title = "sessionlog init --dry-run (nothing written):" if args.dry_run else "sessionlog init:"
    print(title)
    for change in plan.changes:
        print(f"  {change}")
    return 0
