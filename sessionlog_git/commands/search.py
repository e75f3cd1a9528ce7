"""`sessionlog search QUERY [--author A] [--project P] [--kind K] [--since DATE] [--json]`."""
from __future__ import annotations

import json
from collections.abc import Sequence

from sessionlog_git import workspace
from sessionlog_git.base import clock
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight import reports
from sessionlog_git.insight import search as index
from sessionlog_git.pipeline.render import render


def search(
    *,
    query: Sequence[str],
    author: str | None = None,
    project: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    limit: int = 10,
    as_json: bool = False,
) -> int:
    ws = workspace.find()
    cfg = ws.config
    if limit < 1:
        raise SessionlogError(f"--limit {limit}: must be 1 or more. Fix: e.g. `--limit 10`.")
    now = clock.now(cfg.timezone).at
    start = reports.parse_since(since, "search", now)
    query = " ".join(query)
    answer = index.search(cfg, query, author=author, project=project, kind=kind,
                           since=start, limit=limit)
    if as_json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(render("search.md.j2", **answer), end="")
    return 0
