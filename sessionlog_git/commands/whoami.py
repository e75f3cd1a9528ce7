"""`sessionlog whoami`: the contributor name used for your logs, and where it came from."""
from __future__ import annotations

from sessionlog_git import workspace
from sessionlog_git.base import identity, statedir


def whoami(*, refresh: bool = False) -> int:
    ws = workspace.find()
    if refresh:
        identity.refresh_gh(ws.top, force=True)
    name, source = identity.resolve_user(ws.top, ws.config.user)
    print(f"{name} (from {source})")
    pending = statedir.display(ws.top, ws.config.pending_path)
    print(f"  temp logs: {pending}/{ws.config.project}/{name}/")
    return 0
