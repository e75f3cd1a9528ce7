"""`sessionlog why PATH[:LINE] [--json]`: the session entries behind a line's commit."""
from __future__ import annotations

import argparse
import json

from sessionlog_git import workspace
from sessionlog_git.insight import why
from sessionlog_git.pipeline.render import render


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    answer = why.explain(ws, args.target)
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(render("why.md.j2", **answer), end="")
    return 0
