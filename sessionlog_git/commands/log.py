"""`sessionlog log TITLE [BULLET ...]`: append an entry to today's temp log."""
from __future__ import annotations

import argparse

from sessionlog_git import clock, identity, templog, workspace
from sessionlog_git.names import check_name


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    cfg = ws.config
    project = check_name(args.project, what="project", source="--project") if args.project else cfg.project
    user, _ = identity.resolve_user(ws.top, cfg.user)
    moment = clock.now(cfg.timezone)
    meta = {"agent": args.agent} if args.agent else {}
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
    print(f"sessionlog: logged {moment.at:%H:%M} (UTC{moment.offset}) to {rel}")
    return 0
