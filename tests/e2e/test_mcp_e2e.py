"""`sessionlog mcp` loaded by the real Claude Code through `--mcp-config`, offline.

The repository has the git hooks only (no assistant hooks): the MCP server is the one way the
model reaches the log, as it is for an editor whose hooks we cannot drive. The loopback stub
plays the model: it calls the `log` tool (`mcp__sessionlog__log` in Claude Code); the entry
lands in the temp log, and the next `git commit` consolidates it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .anthropic_stub import (
    AnthropicStub,
    Reply,
    last_user_has_tool_result,
    text_reply,
    tool_reply,
)
from .claude_cli import ClaudeProject, parse_json_output, run_claude
from .conftest import clean_git_env

pytestmark = pytest.mark.slow

PY = sys.executable
USER = "ada"
PROJECT = "project"  # the git_project fixture's folder name
NOW = datetime.now().astimezone().replace(microsecond=0)
TODAY = NOW.date().isoformat()
PENDING = f".git/sessionlog/pending/{PROJECT}/{USER}/{TODAY}.md"
SL_ENV = {"SESSIONLOG_USER": USER, "SESSIONLOG_NOW": NOW.isoformat()}
LOG_TOOL = "mcp__sessionlog__log"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**clean_git_env(), **SL_ENV}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _mcp_config(path: Path) -> Path:
    """What a user writes for Claude Code (`.mcp.json` / `--mcp-config`), with this venv's Python."""
    path.write_text(json.dumps({
        "mcpServers": {"sessionlog": {"command": PY, "args": ["-m", "sessionlog_git", "mcp"]}}
    }))
    return path


def test_claude_code_calls_the_log_tool_and_the_next_commit_consolidates_it(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub, tmp_path: Path
) -> None:
    top = claude_project.project
    (top / "README.md").write_text("# shop\n")
    _run(top, "git", "add", "README.md")
    _run(top, "git", "commit", "-q", "-m", "Initial commit")
    _run(top, PY, "-m", "sessionlog_git", "init", "--hooks", "native")
    _run(top, "git", "add", "-A")
    _run(top, "git", "commit", "-q", "-m", "Set up sessionlog")

    log_call = tool_reply(LOG_TOOL, {
        "title": "Chose RS256 for auth tokens",
        "bullets": ["Decision: RS256 over HS256, because key rotation is required",
                    "Next: wire the token refresh endpoint"],
    })
    steps: list[str] = []

    def model(body: dict[str, Any], index: int) -> Reply:
        """Like a real model: load the deferred MCP tool's schema with ToolSearch, call it
        once, then answer. (Claude Code defers MCP tools behind ToolSearch; a release that
        lists them directly gets the call at once.)"""
        tools = {str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)}
        if not tools:
            return text_reply("Stub session")
        if LOG_TOOL in tools and "log" not in steps:
            steps.append("log")
            return log_call
        if last_user_has_tool_result(body):
            return text_reply("done")
        if "ToolSearch" in tools and "search" not in steps:
            steps.append("search")
            return tool_reply("ToolSearch", {"query": f"select:{LOG_TOOL}", "max_results": 5})
        return text_reply("no tool to call")

    anthropic_stub.responder = model
    proc = run_claude(
        claude_project.cli, top, "Implement the auth tokens", base_url=claude_project.base_url,
        home=claude_project.home, env=SL_ENV, allowed_tools=LOG_TOOL,
        extra_args=["--mcp-config", str(_mcp_config(tmp_path / "mcp.json")), "--strict-mcp-config"],
    )
    result = parse_json_output(proc)
    assert result["is_error"] is False, result

    first = anthropic_stub.first_main_request()
    offered = anthropic_stub.all_text()
    for tool in ("log", "search", "why", "resume", "blockers"):
        assert f"mcp__sessionlog__{tool}" in offered, anthropic_stub.dump([first])
    assert steps in (["search", "log"], ["log"]), (steps, anthropic_stub.dump())
    assert any(LOG_TOOL in r.tool_names for r in anthropic_stub.main_requests())
    # The tool's answer went back to the model.
    answered = anthropic_stub.find(f"sessionlog: logged {NOW:%H:%M}")
    assert answered and PENDING in answered[0].text, anthropic_stub.dump()

    text = (top / PENDING).read_text()
    assert f"## {NOW:%H:%M} - Chose RS256 for auth tokens" in text
    assert "- Decision: RS256 over HS256, because key rotation is required" in text
    assert "agent=claude-code" in text  # the server runs in Claude Code's environment

    (top / "auth.py").write_text("ALGORITHM = 'RS256'\n")
    _run(top, "git", "add", "auth.py")
    _run(top, "git", "commit", "-q", "-m", "Add auth tokens")
    stat = _run(top, "git", "show", "--stat=200", "--format=", "HEAD").stdout
    month = TODAY[:7]
    assert "auth.py" in stat
    assert f"logs/archive/{month}/{PROJECT}/{USER}/{TODAY}-" in stat, stat
    assert f"logs/{PROJECT}-status.md" in stat, stat
    (archived,) = (top / "logs" / "archive" / month / PROJECT / USER).glob(f"{TODAY}-*.md")
    assert archived.read_text() == text
    assert not (top / PENDING).exists()
    assert _run(top, "git", "status", "--porcelain").stdout == ""
