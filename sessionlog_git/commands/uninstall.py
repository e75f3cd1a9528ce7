"""`sessionlog uninstall [--dry-run]`: remove exactly what `sessionlog init` added.

Our hook entries in `.claude/settings.json`, `.codex/hooks.json` and `.gemini/settings.json`,
the agent files init wrote (unless someone has changed them since), the CLAUDE.md, AGENTS.md
and GEMINI.md blocks, our native git hooks (restoring a chained
`*.pre-sessionlog` hook) and our entries in `.pre-commit-config.yaml`. The config, the logs
and any pending entries stay: they are the user's data.
"""
from __future__ import annotations

from sessionlog_git import gitops
from sessionlog_git.base.plan import Plan
from sessionlog_git.constants import CONFIG_NAME


def uninstall(*, dry_run: bool = False) -> int:
    top = gitops.toplevel()
    plan = Plan(dry_run)
    from sessionlog_git import setup_flow

    setup_flow.uninstall(top, plan)
    title = "sessionlog uninstall --dry-run (nothing changed):" if dry_run else "sessionlog uninstall:"
    print(title)
    for change in plan.changes or ["nothing of sessionlog's was installed here"]:
        print(f"  {change}")
    print(f"  kept: {CONFIG_NAME}, the logs folder and any pending entries (your data); "
          "delete them by hand if you want them gone")
    return 0
