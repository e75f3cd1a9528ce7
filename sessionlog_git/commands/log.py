"""`sessionlog log TITLE [BULLET ...]`: append an entry to today's temp log."""
from __future__ import annotations

from collections.abc import Sequence

from sessionlog_git import workspace
from sessionlog_git.logs.logentry import log_entry


def log(
    *,
    title: str,
    bullets: Sequence[str] = (),
    project: str | None = None,
    agent: str | None = None,
) -> int:
    from sessionlog_git.agents.registry import agent_label, detected_agent

    agent = agent_label(agent) if agent else detected_agent()
    logged = log_entry(workspace.find(), title, bullets, project=project, agent=agent)
    print(logged.message)
    return 0
