"""`sessionlog log TITLE [BULLET ...]`: append an entry to today's temp log."""
from __future__ import annotations

import argparse

from sessionlog_git import workspace
from sessionlog_git.logs.logentry import log_entry


def run(args: argparse.Namespace) -> int:
    from sessionlog_git.agents.registry import agent_label, detected_agent

    agent = agent_label(args.agent) if args.agent else detected_agent()
    logged = log_entry(workspace.find(), args.title, args.bullets, project=args.project, agent=agent)
    print(logged.message)
    return 0
