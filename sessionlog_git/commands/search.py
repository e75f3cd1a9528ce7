"""`sessionlog search QUERY [--author A] [--project P] [--kind K] [--since DATE] [--json]`."""
from __future__ import annotations

import argparse
import json

from sessionlog_git import workspace
from sessionlog_git.base import clock
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight import reports, search
from sessionlog_git.pipeline.render import render


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    cfg = ws.config
    if args.limit < 1:
        raise SessionlogError(f"--limit {args.limit}: must be 1 or more. Fix: e.g. `--limit 10`.")
    now = clock.now(cfg.timezone).at
    since = reports.parse_since(args.since, "search", now)
    query = " ".join(args.query)
    answer = search.search(cfg, query, author=args.author, project=args.project, kind=args.kind,
                           since=since, limit=args.limit)
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(render("search.md.j2", **answer), end="")
    return 0
