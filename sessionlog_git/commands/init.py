"""`sessionlog init`: set a repository up for session logs."""
from __future__ import annotations

from sessionlog_git import __version__, gitops
from sessionlog_git.setup import install


def init(
    *,
    hooks: str | None = None,
    agent: str = "",
    dry_run: bool = False,
    commit_msg: bool = False,
    hook_repo: str | None = None,
    hook_rev: str | None = None,
) -> int:
    from sessionlog_git.agents.setup import parse_agents

    agents = parse_agents(agent or "")
    top = gitops.toplevel()
    # The git side (setup), then each assistant's files (agents): siblings that never call
    # each other, put together here.
    plan = install.init(
        top,
        hooks=hooks,
        dry_run=dry_run,
        hook_repo=hook_repo or install.HOOK_REPO_URL,
        hook_rev=hook_rev or f"v{__version__}",
        commit_msg=commit_msg,
    )
    from sessionlog_git import workspace
    from sessionlog_git.agents import setup as assistants
    from sessionlog_git.constants import DEFAULT_LOGS_DIR, DEFAULT_PENDING_DIR

    cfg = workspace.at(top).config if not dry_run else None
    for agent in agents:
        assistants.install(
            top, plan, agent,
            pending_dir=cfg.pending_dir if cfg else DEFAULT_PENDING_DIR,
            logs_dir=cfg.logs_dir if cfg else DEFAULT_LOGS_DIR,
        )
    if cfg is not None:
        # Resolve (and cache) the contributor name now, so the agent hooks, which never run
        # gh, read the same name from .sessionlog/identity.json as `sessionlog log` uses.
        from sessionlog_git.base import identity

        identity.resolve_user(top, cfg.user)
    title = "sessionlog init --dry-run (nothing written):" if dry_run else "sessionlog init:"
    print(title)
    for change in plan.changes:
        print(f"  {change}")
    return 0
