"""`sessionlog report weekly|blockers|time|onboarding [--since DATE] [--html FILE] [--json]
[--repo PATH ...] [--workspace FILE]`."""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git import workspace
from sessionlog_git.base import clock
from sessionlog_git.base.gcpause import paused_gc
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight import assemble, blockerlog, blockermemo, measures, multirepo, reports
from sessionlog_git.logs import layout
from sessionlog_git.logs.model import Blocker, Record
from sessionlog_git.pipeline.render import render, render_html, render_spliced


def _html_target(text: str) -> Path:
    """The HTML file to write; its folder must exist (a typo never creates folders)."""
    target = Path(text)
    folder = target.parent
    if not folder.is_dir():
        raise SessionlogError(
            f"--html {text}: the folder {folder} does not exist, and sessionlog does not create "
            f"folders from a path that may be mistyped. Fix: check the path, or create the folder "
            f"first (`mkdir -p {folder}`), then run the report again."
        )
    if target.is_dir():
        raise SessionlogError(f"--html {text}: is a folder. Fix: pass a file name, e.g. "
                              f"`--html {PurePosixPath(text, 'report.html')}`.")
    return target


def _repositories(repo: Sequence[str], workspace_file: str | None
                  ) -> tuple[list[multirepo.Repository], bool]:
    """(repositories, several): --repo/--workspace, else the current work tree (its records
    are read by `_here`, for the report asked)."""
    paths = list(repo)
    if workspace_file:
        paths += multirepo.read_workspace_file(workspace_file)
    if paths:
        return multirepo.open_all(paths), True
    ws = workspace.find()
    cfg = ws.config
    here = multirepo.Repository(ws.top.name, ws.top, ws.top, cfg.logs_dir, cfg.pending_dir, [])
    return [here], False


def _here(kind: str, start: datetime | None, now: datetime,
          closings: list[blockerlog.Closings] | None = None,
          ) -> tuple[list[Record], list[Blocker] | None, int | None, blockermemo.Part | None]:
    """This work tree's records for a report: (records, blockers, entries, the blockers
    report from its memo).

    The weekly report reads only the month folders of its period (and two days before, for
    the why coverage), the blockers report only the blocker fold's month checkpoints
    (insight.blockerlog; `closings` gets what each month folder closed), or, as Markdown of
    all history, its memo and the newest month's (insight.blockermemo); the others read the
    whole archive."""
    ws = workspace.find()
    if kind == "weekly" and start is not None:
        first = layout.month_of((start - timedelta(days=2)).date())
        return (*blockerlog.window(ws.config, first, now), None)
    if kind == "blockers":
        if closings is not None and start is None:
            logs_dir = ws.config.logs_dir

            def view(b: Blocker) -> dict[str, Any]:
                return reports._blocker_view(b, now, logs_dir)

            kept = blockermemo.fold(ws.config, now, reports.RECURRING_SIMILARITY, view)
            if kept is not None:
                return [], None, kept.entries, kept
        found, entries = blockerlog.every_blocker(ws.config, now, closings)
        return [], found, entries, None
    return reports.load(ws), None, None, None


def report(
    *,
    kind: str,
    since: str | None = None,
    html: str | None = None,
    as_json: bool = False,
    repo: Sequence[str] = (),
    workspace_file: str | None = None,
) -> int:
    with paused_gc():  # a large history loads as many small objects, none cyclic
        return _report(kind, since, html, as_json, repo, workspace_file)


def _report(kind: str, since: str | None, html: str | None, as_json: bool, repo: Sequence[str],
            workspace_file: str | None) -> int:
    html_target = _html_target(html) if html else None
    repos, several = _repositories(repo, workspace_file)
    zone = "" if several else workspace.find().config.timezone
    now = clock.now(zone).at
    start = reports.parse_since(since, kind, now)
    # Markdown only, of this work tree: the closed blockers come as text kept a month folder
    # at a time (insight.blockertext).
    closings: list[blockerlog.Closings] | None = (
        [] if kind == "blockers" and not several and not as_json and html_target is None else None)
    if several:
        records = multirepo.combined(repos)
        logs_dir = ""  # each link starts with its repository's name
        where = ", ".join(f"{r.name} ({'bare, ' if r.work_tree is None else ''}HEAD)" for r in repos)
        found, entries, kept = None, None, None
    else:
        records, found, entries, kept = _here(kind, start, now, closings)
        repos[0].records = records
        logs_dir = repos[0].logs_dir
    cache = None if several else workspace.find().config.state_path / "cache" / "reports" / "recurring.json"
    model = assemble.build(kind, records, now, start, logs_dir, found=found, entries=entries, cache=cache,
                           closings=closings, kept=kept)
    if several:
        model["source"] = f"{len(records)} committed archived entries in {len(repos)} repositories: {where}"
    if kind == "weekly":
        commits = [
            (c, repo.records)
            for repo in repos
            for c in measures.commits(repo.path, repo.name if several else "", repo.logs_dir,
                                      repo.pending_dir, start, now)
        ]
        model["coverage"] = measures.coverage(commits)
    if html_target is not None:
        page = render_html(f"reports/{kind}.html.j2", charts=reports.charts(model),
                           href=_linker(repos, several, html_target), **model)
        try:
            html_target.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise SessionlogError(
                f"{html_target}: cannot write the HTML report ({exc.strerror}). Fix: pass a writable "
                "path, e.g. `--html report.html`."
            ) from None
        print(f"sessionlog: wrote the {kind} report to {html}", file=sys.stderr)
    if as_json:
        print(json.dumps(model, indent=2, ensure_ascii=False))
    elif "closed_text" in model:  # tens of thousands of lines, already laid out
        text = render_spliced(f"reports/{kind}.md.j2", {"closed_text": model.pop("closed_text")}, **model)
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", sys.stdout.errors or "strict"))
        sys.stdout.buffer.flush()
    else:
        print(render(f"reports/{kind}.md.j2", **model), end="")
    return 0


def _linker(repos: list[multirepo.Repository], several: bool, page: Path) -> Any:
    """link (as in the model) -> a URL relative to the HTML file, or "" (a bare repository)."""
    folder = page.resolve().parent
    tops = {r.name: r.work_tree for r in repos}

    def href(link: str) -> str:
        if several:
            name, _, rest = link.partition("/")
            top = tops.get(name)
            if top is None:
                return ""
        else:
            top, rest = repos[0].work_tree, link
        assert top is not None
        return PurePosixPath(*Path(os.path.relpath(top.resolve() / rest, folder)).parts).as_posix()

    return href
