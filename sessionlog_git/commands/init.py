"""`sessionlog init`: set a repository up for session logs (both sides: see `setup_flow`)."""
from __future__ import annotations

from sessionlog_git import __version__, gitops


def init(
    *,
    hooks: str | None = None,
    agent: str = "",
    dry_run: bool = False,
    commit_msg: bool = False,
    hook_repo: str | None = None,
    hook_rev: str | None = None,
) -> int:
    from sessionlog_git import setup_flow
    from sessionlog_git.agents.setup import parse_agents
    from sessionlog_git.setup.install import LOCAL

    agents = parse_agents(agent or "")
    top = gitops.toplevel()
    plan = setup_flow.init(
        top,
        hooks=hooks,
        agents=agents,
        dry_run=dry_run,
        hook_repo=hook_repo or LOCAL,
        hook_rev=hook_rev or f"v{__version__}",
        commit_msg=commit_msg,
    )
    if not dry_run:
        # Resolve (and cache) the contributor name now, so the agent hooks, which never run
        # gh, read the same name from .sessionlog/identity.json as `sessionlog log` uses.
        from sessionlog_git import workspace
        from sessionlog_git.base import identity

        identity.resolve_user(top, workspace.at(top).config.user)
    title = "sessionlog init --dry-run (nothing written):" if dry_run else "sessionlog init:"
    print(title)
    for change in plan.changes:
        print(f"  {change}")
    return 0
