"""`sessionlog context PATH [--json]`: the live decisions, open blockers and failed attempts
that concern a file; `--rebuild-index` rewrites the index the pre-edit hook reads."""
from __future__ import annotations

import json

from sessionlog_git import workspace
from sessionlog_git.base.clock import now
from sessionlog_git.insight import context as file_context
from sessionlog_git.logs import context_index, context_store
from sessionlog_git.pipeline.render import render


def context(*, path: str, as_json: bool = False, rebuild_index: bool = False) -> int:
    ws = workspace.find()
    if rebuild_index:
        data = context_store.rebuild(ws)
        print(f"sessionlog: rebuilt {context_index.index_path(ws.config.state_path)}: "
              f"{len(data['items'])} live item(s) under {len(data['paths'])} path key(s)")
        if not path:
            return 0
    if not path:
        from sessionlog_git.errors import UsageError

        raise UsageError("sessionlog context: PATH is missing. Fix: pass a file, e.g. "
                         "`sessionlog context src/app.py`.")
    answer = file_context.context(ws, path, now(ws.config.timezone).at.date())
    if as_json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(render("context.md.j2", **answer), end="")
    return 0
