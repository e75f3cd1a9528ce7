"""`sessionlog hook EVENT [--agent NAME]`: what the assistants' hooks run (standard library only).

The work is in `prompt_hook` (the per-prompt case) and `agent_hooks`; this module only
hands over the event name. It always returns 0: a hook must never block or break a prompt.
"""
from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from sessionlog_git.agents.prompt import run as run_hook

    return run_hook(args.event or "", getattr(args, "agent", None) or "claude")
