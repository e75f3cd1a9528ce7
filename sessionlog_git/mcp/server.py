"""The MCP server (stdio) on the official MCP Python SDK: tools and resources over the log.

Tools: `log` (what `sessionlog log` does), `search` (ranked full text over pending and
archived entries), `why` (the entries behind a line), `resume` (where work left off, as
`sessionlog resume` prints it), `blockers` (open blockers with their age). Resources: today's
temp log and the project's status file. Each call finds the repository again from the folder
the server started in, so a changed `.sessionlog.yaml` applies at once. A refused call (bad
input, no repository) comes back as an MCP error result whose text names the fix.

Only `sessionlog mcp` imports this module: the SDK is far too heavy for the per-prompt hook.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from sessionlog_git import __version__, workspace
from sessionlog_git.agents.registry import agent_label, detected_agent
from sessionlog_git.agents.resume import resume_text
from sessionlog_git.base import clock, identity
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight import corpus, why
from sessionlog_git.insight.reports import parse_since
from sessionlog_git.insight.search import search as search_entries
from sessionlog_git.logs import continuity, layout
from sessionlog_git.logs.logentry import log_entry
from sessionlog_git.pipeline.render import render

SERVER_NAME = "sessionlog"
TODAY_URI = "sessionlog://today"
STATUS_URI = "sessionlog://status"
INSTRUCTIONS = (
    "This repository keeps a session log that git commits consolidate. Log what you did and "
    "why with the `log` tool (a one-line title; bullets may start with Decision:, Tried:, "
    "Blocked on:, Unblocked:, Next:, Summary:); never log secrets. `resume` says where work "
    "left off, `search` finds past entries, `why` explains a line of code, `blockers` lists "
    "what is still blocked."
)


@contextmanager
def _refusal(error: type[ToolError | ResourceError] = ToolError) -> Iterator[None]:
    """A refusal the user can act on reaches the client as an error result with its text
    (the SDK would hide any other exception's text behind "Error executing tool")."""
    try:
        yield
    except SessionlogError as exc:
        raise error(str(exc)) from None


def build(start: Path | None = None) -> MCPServer:
    """The server for the repository that contains `start` (default: the current folder)."""
    folder = (start or Path.cwd()).resolve()
    app = MCPServer(SERVER_NAME, version=__version__, instructions=INSTRUCTIONS)

    def ws() -> workspace.Workspace:
        return workspace.find(folder)

    @app.tool(structured_output=False)
    def log(title: str, bullets: list[str] | None = None, project: str | None = None,
            agent: str | None = None) -> str:
        """Append an entry to today's temp log; the next git commit consolidates it.

        title: what happened, in one line. bullets: one line each; prefixes carry meaning:
        Decision:, Tried:, Blocked on:, Unblocked:, Next:, Summary:. project: only when the
        repository logs several projects. agent: your name (claude-code, cursor, windsurf,
        zed, ...), recorded with the entry.
        """
        label = agent_label(agent) if agent else detected_agent()
        with _refusal():
            return log_entry(ws(), title, bullets or [], project=project, agent=label,
                             source="the log tool's project").message

    @app.tool()
    def search(query: str, author: str | None = None, project: str | None = None,
               kind: str | None = None, since: str | None = None, limit: int = 20
               ) -> dict[str, Any]:
        """Full-text search of the session log (pending and committed entries), best first,
        ranked by bm25 (the same index as `sessionlog search`).

        query: words. author: a contributor name. project: a project name. kind: decision,
        finding, blocker, unblock, next, summary, note or text (a bullet of that kind).
        since: YYYY-MM-DD or 14d, 2w. limit: 1 or more.
        """
        with _refusal():
            here = ws()
            if limit < 1:
                raise SessionlogError(f"limit {limit}: must be 1 or more. Fix: e.g. limit 10.")
            start = parse_since(since, "search", clock.now(here.config.timezone).at)
            return search_entries(here.config, query, author=author, project=project, kind=kind,
                                  since=start, limit=limit)

    @app.tool(name="why", structured_output=False)
    def why_tool(target: str) -> str:
        """The session entries behind a line of code: blame, commit, reasoning.

        target: PATH or PATH:LINE, relative to the repository's top.
        """
        with _refusal():
            here = ws()
            return render("why.md.j2", **why.explain(here, target, cwd=here.top))

    @app.tool(structured_output=False)
    def resume() -> str:
        """Where work left off: today's temp log, the local time, the last entries, open
        blockers and next steps (what `sessionlog resume` prints)."""
        with _refusal():
            return resume_text(ws())

    @app.tool(structured_output=False)
    def blockers() -> str:
        """Open blockers (not yet unblocked by a later entry), oldest first, with their age."""
        with _refusal():
            return corpus.blockers_text(corpus.open_blockers(ws()))

    @app.resource(TODAY_URI, name="today", mime_type="text/markdown",
                  description="Your temp log for today (entries not committed yet).")
    def today() -> str:
        with _refusal(ResourceError):
            here = ws()
            cfg = here.config
            user, _ = identity.resolve_user(here.top, cfg.user)
            path = continuity.today_path(cfg, user, clock.now(cfg.timezone).at.date())
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            from sessionlog_git.base.statedir import display

            return f"(no entries yet today: {display(here.top, path)})\n"

    @app.resource(STATUS_URI, name="status", mime_type="text/markdown",
                  description="The project's status file: open blockers, next steps, recent decisions.")
    def status() -> str:
        with _refusal(ResourceError):
            here = ws()
        rel = layout.status_rel(here.config.logs_dir, here.config.project)
        try:
            return (here.top / rel).read_text(encoding="utf-8")
        except FileNotFoundError:
            return f"({rel} does not exist yet: the first commit that consolidates entries writes it)\n"

    return app


def serve(start: Path | None = None) -> int:
    build(start).run()
    return 0
