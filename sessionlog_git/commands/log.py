"""`sessionlog log TITLE [BULLET ...]`: append an entry to today's temp log."""
from __future__ import annotations

import argparse

from sessionlog_git import workspace
from sessionlog_git.base import clock, identity
from sessionlog_git.base.names import check_name, is_safe, slug
from sessionlog_git.logs import templog


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    cfg = ws.config
    routed = ""
    if args.project:
        project = check_name(args.project, what="project", source="--project")
    elif cfg.projects:
        from sessionlog_git.logs import routing

        chosen = routing.route(cfg, ws.top, [args.title, *args.bullets])
        project, routed = chosen.project, f"; project {chosen.project}: {chosen.reason}"
    else:
        project = cfg.project
    user, _ = identity.resolve_user(ws.top, cfg.user)
    moment = clock.now(cfg.timezone)
    from sessionlog_git.agents.registry import agent_label, detected_agent

    agent = agent_label(args.agent) if args.agent else detected_agent()
    meta = {"agent": agent if is_safe(agent) else slug(agent, fallback="")} if agent else {}
    meta = {k: v for k, v in meta.items() if v}
    path = templog.append(
        cfg.pending_path,
        cfg.state_path,
        project=project,
        user=user,
        moment=moment,
        title=args.title,
        bullets=args.bullets,
        extra_meta=meta,
    )
    rel = path.relative_to(ws.top)
    print(f"sessionlog: logged {moment.at:%H:%M} (UTC{moment.offset}) to {rel}{routed}")
    return 0
