"""`sessionlog why PATH[:LINE] [--json]`: the session entries behind a line's commit."""
from __future__ import annotations

import json

from sessionlog_git import workspace
from sessionlog_git.base.gcpause import paused_gc
from sessionlog_git.insight import why as explain
from sessionlog_git.pipeline.render import render


def why(*, target: str, as_json: bool = False) -> int:
    ws = workspace.find()
    with paused_gc():  # the decision checkpoints load as many small objects, none cyclic
        answer = explain.explain(ws, target)
    if as_json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(render("why.md.j2", **answer), end="")
    return 0
