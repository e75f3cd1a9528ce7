"""The one end-to-end scenario every assistant CLI goes through (Codex, Gemini, Copilot, Qwen,
OpenCode; Claude has its own).

1. A repository set up with `sessionlog init --hooks native --agent NAME`, with yesterday's
   entry (and its blocker and next step) already committed: where work left off.
2. Session one: the first model request must carry the temp log path, today's date and where
   work left off. The stub then runs, through the CLI's shell tool, exactly the `sessionlog log`
   command the reminder gave (it names the assistant with `--agent`).
3. A real `git commit` consolidates the entry into the same commit, attributed to that agent
   in the master log.
4. Session two is told that entry, its blocker and its next step.

:func:`logs_as_reminded_then_next_session_is_told` runs those steps, and
:func:`stop_asks_once_then_session_end_marks_the_gap` the unlogged-work one, for a CLI and its stub.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from .conftest import clean_git_env
from .loopback import Reply, ScriptedStub

PY = sys.executable
USER = "ada"
PROJECT = "project"  # the git_project fixture's folder name
NOW = datetime.now().astimezone().replace(microsecond=0)
YESTERDAY = NOW - timedelta(days=1)
TODAY = NOW.date().isoformat()
MONTH = TODAY[:7]
PENDING = f".git/sessionlog/pending/{PROJECT}/{USER}/{TODAY}.md"
SL_ENV = {"SESSIONLOG_USER": USER, "SESSIONLOG_NOW": NOW.isoformat()}

TITLE = "Chose RS256 for auth tokens"
BULLETS = (
    "Decision: RS256 over HS256, because key rotation is required",
    "Blocked on: Redis session store not configured yet (ops)",
    "Next: wire the token refresh endpoint",
)
EARLIER = "Sketched the token service"
EARLIER_NEXT = "pick the signing algorithm"


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**clean_git_env(), **SL_ENV, **(env or {})}
    proc = subprocess.run(args, cwd=cwd, env=environ, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def set_up(top: Path, agent: str) -> str:
    """Init for `agent`, commit, and commit yesterday's entry; returns init's output."""
    (top / "README.md").write_text("# shop\n")
    run(top, "git", "add", "README.md")
    run(top, "git", "commit", "-q", "-m", "Initial commit")
    out = run(top, PY, "-m", "sessionlog_git", "init", "--hooks", "native", "--agent", agent).stdout
    run(top, PY, "-m", "sessionlog_git", "log", "--agent", "claude", EARLIER,
        f"Next: {EARLIER_NEXT}", env={"SESSIONLOG_NOW": YESTERDAY.isoformat()})
    run(top, "git", "add", "-A")
    run(top, "git", "commit", "-q", "-m", "Set up sessionlog")
    assert run(top, "git", "status", "--porcelain").stdout == ""
    return out


def strings(body: Any) -> str:
    """Every string inside a JSON body, one per line (what the model reads, unescaped)."""
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        return "\n".join(strings(v) for v in body.values())
    if isinstance(body, list):
        return "\n".join(strings(v) for v in body)
    return ""


def reminded_log_command(body: dict[str, Any], agent_label: str) -> str:
    """The exact `sessionlog log --agent ...` command the hooks put in front of the model."""
    text = strings(body)
    found = re.search(r'`([^`\n]* log --agent ' + re.escape(agent_label) + r') "Title"', text)
    assert found, f"no reminded `log --agent {agent_label}` command in the request:\n{text[-4000:]}"
    return f"{found[1]} {shlex.join([TITLE, *BULLETS])}"


def hook_errors(top: Path) -> str:
    path = top / ".git" / "sessionlog" / "hook-errors.log"
    return path.read_text() if path.exists() else ""


def assert_first_request_has_the_reminders(body: dict[str, Any]) -> None:
    text = strings(body)
    dump = json.dumps(body)[-6000:]
    assert f"Today's temp log: {PENDING} (no entries yet today)" in text, dump
    assert f"Local time now: {NOW:%Y-%m-%d}" in text and TODAY in text
    assert "Not worth logging:" in text, dump  # what not to log, from the hooks themselves
    assert f"Last entries by {USER}:" in text and EARLIER in text, dump  # where work left off
    assert f"Next steps (from {YESTERDAY:%Y-%m-%d %H:%M}):" in text and EARLIER_NEXT in text
    assert "<!-- sessionlog:begin -->" in text  # the instructions file was read


def assert_logged_committed_and_attributed(top: Path, agent_label: str) -> None:
    pending = top / PENDING
    text = pending.read_text()
    assert f"## {NOW:%H:%M} - {TITLE}" in text
    assert f"agent={agent_label}" in text
    assert "Automatic entry" not in text  # the session logged, so no gap entry

    # The entry lives in the git directory: everyday git's most thorough clean leaves it.
    # (`-e`: the harness's own OpenCode package files, which keep it offline, stay.)
    run(top, "git", "clean", "-ffdx", "-e", "/.opencode/")
    assert pending.read_text() == text
    (top / "auth.py").write_text("ALGORITHM = 'RS256'\n")
    run(top, "git", "add", "auth.py")
    run(top, "git", "commit", "-q", "-m", "Add auth tokens")
    stat = run(top, "git", "show", "--stat=200", "--format=", "HEAD").stdout
    assert "auth.py" in stat
    assert f"logs/archive/{MONTH}/{PROJECT}/{USER}/" in stat, stat
    assert f"logs/{PROJECT}-session-log-{MONTH}.md" in stat, stat
    assert not pending.exists()
    assert run(top, "git", "status", "--porcelain").stdout == ""
    master = (top / f"logs/{PROJECT}-session-log-{MONTH}.md").read_text()
    line = next(x for x in master.splitlines() if TITLE in x)
    assert f"_({agent_label})_" in line, master


def assert_second_session_is_told(body: dict[str, Any]) -> None:
    text = strings(body)
    dump = json.dumps(body)[-6000:]
    assert TITLE in text, dump
    assert "Open blockers:" in text and "Redis session store not configured yet (ops)" in text
    assert "wire the token refresh endpoint" in text


# --------------------------------------------------------------------------- the scenarios

ToolReply = Callable[[str], Reply]  # a shell command -> the CLI's shell tool call


class AgentRun(Protocol):
    """A real CLI bound to a project (agent_clis.CodexRun, chat_clis.QwenRun, ...)."""

    @property
    def project(self) -> Path: ...

    def run(self, prompt: str, *, env: dict[str, str] | None = None, timeout: float = ...,
            check: bool = ...) -> subprocess.CompletedProcess[str]: ...


def logs_as_reminded_then_next_session_is_told(
    cli: AgentRun, stub: ScriptedStub, tool_reply: ToolReply, agent_label: str
) -> dict[str, Any]:
    """Steps 2-4: the stub logs as reminded, a commit consolidates, session two is told.

    Returns the body of session one's first model request.
    """
    top = cli.project
    stub.script(lambda body: tool_reply(reminded_log_command(body, agent_label)))
    cli.run("Implement the auth tokens", env=SL_ENV)

    first: dict[str, Any] = stub.first_turn().body
    assert_first_request_has_the_reminders(first)
    assert not stub.find("sessionlog: files changed")  # logged: the stop hook let it finish
    assert_logged_committed_and_attributed(top, agent_label)
    assert hook_errors(top) == ""

    stub.clear()
    cli.run("Where did we leave off?", env=SL_ENV)
    assert_second_session_is_told(stub.first_turn().body)
    assert hook_errors(top) == ""
    return first


def stop_asks_once_then_session_end_marks_the_gap(
    cli: AgentRun, stub: ScriptedStub, tool_reply: ToolReply, agent_label: str
) -> dict[str, Any]:
    """Unlogged work: the stop hook asks the model once, SessionEnd writes the gap entry.

    Returns the body of the last model request.
    """
    top = cli.project
    stub.script(tool_reply("echo 'RETRIES = 3' > retries.py"))
    cli.run("Add a retry setting", env=SL_ENV)
    assert (top / "retries.py").is_file()
    assert not stub.find("sessionlog: files changed")  # within the gap: let it finish

    # The same work, a gap later and still unlogged: Stop asks once.
    later = datetime.now().astimezone().replace(microsecond=0) + timedelta(minutes=60)
    stub.clear()
    stub.script(tool_reply("echo 'RETRIES = 4' > retries.py"))
    cli.run("Raise the retry setting", env={**SL_ENV, "SESSIONLOG_NOW": later.isoformat()})
    asked = stub.find("sessionlog: files changed over about")
    assert asked, stub.dump()
    assert "retries.py" in strings(asked[0].body)
    assert f"log --agent {agent_label}" in strings(asked[0].body)
    assert "if it was trivial, just finish" in strings(asked[0].body)
    last: dict[str, Any] = stub.turns()[-1].body
    assert strings(last).count("sessionlog: files changed over") == 1  # asked once

    text = (top / PENDING).read_text()
    assert "Automatic entry: session ended without a log entry" in text
    assert f"agent={agent_label}" in text and "retries.py" in text
    assert hook_errors(top) == ""
    return last
