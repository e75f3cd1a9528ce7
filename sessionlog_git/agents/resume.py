"""Where work left off, as one text: what `sessionlog resume` prints and the MCP `resume` tool
returns (the same words the SessionStart hook gives the assistant)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sessionlog_git.agents import handlers
from sessionlog_git.base import clock, identity

if TYPE_CHECKING:
    from sessionlog_git.workspace import Workspace


def resume_text(ws: Workspace) -> str:
    cfg = ws.config
    user, _ = identity.resolve_user(ws.top, cfg.user)
    ctx = handlers.Context(
        top=ws.top, cfg=cfg, user=user, now=clock.now(cfg.timezone), data={}, session="resume"
    )
    return handlers.start_text(ctx)
