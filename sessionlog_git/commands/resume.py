"""`sessionlog resume`: where work left off (what the SessionStart hook tells the assistant)."""
from __future__ import annotations

from sessionlog_git import workspace
from sessionlog_git.agents.resume import resume_text


def resume() -> int:
    print(resume_text(workspace.find()))
    return 0
