"""The why arrives where the code changes, with the real Claude Code (2.1.328) and the real
Gemini CLI (0.61), offline against the loopback stubs.

A repository holds a live decision committed with `payments.py`. The stub model reads
`payments.py` and then edits it: the request in which the model writes its edit (the one
after the Read) carries the decision, and so does every request after the edit. Reading and
editing an unrelated file carries nothing. A superseded decision is never told; its
replacement is. Each test prints the file-context measures of its session (characters told,
edits that got context when some existed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sessionlog_git.agents import edit_context

from . import scenario as sc
from .agent_clis import GeminiRun
from .anthropic_stub import AnthropicStub, Reply, ToolUse, text_reply
from .claude_cli import ClaudeProject, parse_json_output
from .conftest import clean_git_env
from .gemini_stub import GeminiStub
from .loopback import Reply as GeminiReply

pytestmark = pytest.mark.slow

PY = sys.executable
NOW = datetime.now().astimezone().replace(microsecond=0)
EARLIER = NOW - timedelta(hours=3)
SL_ENV = {"SESSIONLOG_USER": "ada", "SESSIONLOG_NOW": NOW.isoformat()}
DECISION = "Decision: retry card charges three times, because the gateway drops requests"
OLD_REASON = "because the gateway drops requests"
NEW_DECISION = "Decision: retry card charges once, because the gateway deduplicates now"
MARKER = "sessionlog: recorded reasoning still in force for"


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    environ = {**clean_git_env(), **SL_ENV, **(env or {})}
    proc = subprocess.run(args, cwd=cwd, env=environ, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _log(top: Path, when: datetime, title: str, *bullets: str) -> None:
    _run(top, PY, "-m", "sessionlog_git", "log", title, *bullets,
         env={"SESSIONLOG_NOW": when.isoformat()})


def _history(top: Path, agent: str, *, superseded: bool) -> None:
    """init for `agent`; the payments decision committed with payments.py; an unrelated file;
    optionally a later entry that supersedes the decision."""
    (top / "README.md").write_text("# shop\n")
    (top / "notes.py").write_text("NOTES = []\n")
    _run(top, "git", "add", "README.md", "notes.py")
    _run(top, "git", "commit", "-q", "-m", "Initial commit")
    _run(top, PY, "-m", "sessionlog_git", "init", "--hooks", "native", "--agent", agent)
    _run(top, "git", "add", "-A")
    _run(top, "git", "commit", "-q", "-m", "Set up sessionlog")
    _log(top, EARLIER, "Card retries", DECISION)
    (top / "payments.py").write_text("RETRIES = 3\n")
    _run(top, "git", "add", "payments.py")
    _run(top, "git", "commit", "-q", "-m", "Retry card charges")
    if superseded:
        _log(top, EARLIER + timedelta(hours=1), "Gateway dedupes now",
             "Supersedes: retry card charges three times", NEW_DECISION)
        _run(top, "git", "commit", "-q", "--allow-empty", "-m", "Gateway notes")
    assert _run(top, "git", "status", "--porcelain") == ""


def _report(top: Path, what: str) -> dict[str, Any]:
    got = edit_context.measures(str(top))
    print(f"\n[file context measures, {what}] {json.dumps(got, sort_keys=True)}")
    return got


# --------------------------------------------------------------------------- Claude Code


def _steps_responder(stub: AnthropicStub, steps: Sequence[Reply]) -> None:
    """Main turns follow `steps` by how many tool results the conversation holds."""

    def respond(body: dict[str, Any], index: int) -> Reply:
        if not body.get("tools"):
            return text_reply("Stub")
        results = sum(1 for m in body.get("messages", []) if isinstance(m.get("content"), list)
                      for block in m["content"]
                      if isinstance(block, dict) and block.get("type") == "tool_result")
        return steps[results] if results < len(steps) else text_reply("Done.")

    stub.responder = respond


def _read_then_edit(top: Path, rel: str, old: str, new: str) -> list[Reply]:
    path = str(top / rel)
    return [
        Reply(tool_uses=(ToolUse("Read", {"file_path": path}),)),
        Reply(tool_uses=(ToolUse("Edit", {"file_path": path, "old_string": old,
                                          "new_string": new}),)),
    ]


def _claude(project: ClaudeProject, stub: AnthropicStub, rel: str, old: str, new: str
            ) -> list[str]:
    """Run one session that reads then edits `rel`; the main requests' texts, in order."""
    top = project.project
    _steps_responder(stub, _read_then_edit(top, rel, old, new))
    result = parse_json_output(project.run(f"Change {rel}", "--allowedTools", "Read,Edit",
                                           env=SL_ENV))
    assert result["is_error"] is False, result
    assert new in (top / rel).read_text(), stub.dump()  # the edit ran
    hook_errors = top / ".git" / "sessionlog" / "hook-errors.log"
    assert not hook_errors.exists(), hook_errors.read_text()
    return [sc.strings(r.body) for r in stub.main_requests()]


def test_claude_edit_of_payments_carries_its_live_decision_unrelated_carries_nothing(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    top = claude_project.project
    _history(top, "claude", superseded=False)
    texts = _claude(claude_project, anthropic_stub, "payments.py", "RETRIES = 3", "RETRIES = 4")
    dump = anthropic_stub.dump()
    # Request 1: the prompt; 2: after the Read, where the model writes its Edit; 3: after it.
    assert len(texts) >= 3, dump
    assert MARKER not in texts[0], dump
    assert f"{MARKER} payments.py" in texts[1] and DECISION in texts[1], dump
    assert DECISION in texts[2], dump
    assert texts[-1].count(f"{MARKER} payments.py") == 1, dump  # once per file per session
    measured = _report(top, "Claude Code, payments.py")
    assert measured["edits_with_context"] == 1 and measured["hit_rate"] == 1.0
    assert 0 < measured["chars_per_session_max"] <= edit_context.FILE_BUDGET

    anthropic_stub.clear()
    texts = _claude(claude_project, anthropic_stub, "notes.py", "NOTES = []", "NOTES = [1]")
    assert not any(MARKER in t or DECISION in t for t in texts), anthropic_stub.dump()


def test_claude_is_told_the_replacement_never_the_superseded_decision(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    top = claude_project.project
    _history(top, "claude", superseded=True)
    texts = _claude(claude_project, anthropic_stub, "payments.py", "RETRIES = 3", "RETRIES = 1")
    dump = anthropic_stub.dump()
    assert NEW_DECISION in texts[1] and f"{MARKER} payments.py" in texts[1], dump
    assert not any(OLD_REASON in t for t in texts), dump
    _report(top, "Claude Code, superseded")


# --------------------------------------------------------------------------- Gemini CLI


def _gemini_session(run: GeminiRun, stub: GeminiStub, rel: str, content: str) -> list[str]:
    """One Gemini session: read_file `rel`, then write_file it; the turns' texts, in order."""
    stub.script(GeminiReply(call=("read_file", {"file_path": rel})),
                GeminiReply(call=("write_file", {"file_path": rel, "content": content})))
    # The stub answers a tool result with "done"; here the read's result gets the edit.
    results = {"seen": 0}
    answers = GeminiStub.answers_tool_result

    def chained(body: dict[str, Any]) -> bool:
        if not answers(stub, body):
            return False
        results["seen"] += 1
        return results["seen"] > 1

    stub.answers_tool_result = chained  # type: ignore[method-assign]
    run.run(f"Change {rel}", env=SL_ENV)
    assert (run.project / rel).read_text() == content, stub.dump()
    return [sc.strings(r.body) for r in stub.turns()]


@pytest.fixture
def gemini(gemini_cli: Path, git_project: Path, tmp_path: Path, gemini_stub: GeminiStub) -> GeminiRun:
    return GeminiRun(gemini_cli, git_project, tmp_path / "home", gemini_stub.base_url)


def test_gemini_read_of_payments_carries_the_replacement_unrelated_carries_nothing(
    gemini: GeminiRun, gemini_stub: GeminiStub
) -> None:
    top = gemini.project
    _history(top, "gemini", superseded=True)
    texts = _gemini_session(gemini, gemini_stub, "payments.py", "RETRIES = 1\n")
    dump = gemini_stub.dump()
    # Turn 2 answers the read_file result: the model writes its edit there.
    assert len(texts) >= 2, dump
    assert f"{MARKER} payments.py" in texts[1] and NEW_DECISION in texts[1], dump
    assert not any(OLD_REASON in t for t in texts), dump
    _report(top, "Gemini CLI, payments.py")

    gemini_stub.clear()
    texts = _gemini_session(gemini, gemini_stub, "notes.py", "NOTES = [1]\n")
    assert not any(MARKER in t for t in texts), gemini_stub.dump()
