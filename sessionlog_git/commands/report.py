"""`sessionlog report weekly|blockers|time|onboarding [--since DATE] [--html FILE] [--json]`."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from sessionlog_git import workspace
from sessionlog_git.base import clock
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight import reports
from sessionlog_git.pipeline.render import render, render_html


def run(args: argparse.Namespace) -> int:
    ws = workspace.find()
    cfg = ws.config
    now = clock.now(cfg.timezone).at
    since = reports.parse_since(args.since, args.kind, now)
    model = reports.build(args.kind, reports.load(ws), now, since, cfg.logs_dir)
    if args.html:
        target = Path(args.html)
        page = render_html(f"reports/{args.kind}.html.j2", charts=reports.charts(model), **model)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise SessionlogError(
                f"{target}: cannot write the HTML report ({exc.strerror}). Fix: pass a writable "
                "path, e.g. `--html report.html`."
            ) from None
    if args.json:
        print(json.dumps(model, indent=2, ensure_ascii=False))
    elif args.html:
        print(f"sessionlog: wrote the {args.kind} report to {args.html}")
    else:
        print(render(f"reports/{args.kind}.md.j2", **model), end="")
    return 0
