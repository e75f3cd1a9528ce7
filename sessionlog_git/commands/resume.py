"""`sessionlog resume`: where work left off (what the SessionStart hook tells the assistant)."""
from __future__ import annotations

import argparse

from sessionlog_git import workspace
from sessionlog_git.agents import handlers
from sessionlog_git.base import clock, identity


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    cfg = ws.config
    user, _ = identity.resolve_user(ws.top, cfg.user)
    ctx = handlers.Context(
        top=ws.top, cfg=cfg, user=user, now=clock.now(cfg.timezone), data={}, session="resume"
    )
    print(handlers.start_text(ctx))
    return 0
