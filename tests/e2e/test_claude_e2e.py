"""sessionlog with the real Claude Code CLI, offline against the loopback Messages API stub.

Each test sets up a git repository with `sessionlog init --agent claude` (native git hooks),
runs the pinned `claude` binary in it, and asserts on what a user would see: the context the
hooks put in front of the model, the temp log on disk, the commit that consolidates it.
The hooks and the stub's Bash tool call run this venv's interpreter by absolute path, the
same way an installed `sessionlog` would be run.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .anthropic_stub import AnthropicStub, bash_reply
from .claude_cli import ClaudeProject, parse_json_output
from .conftest import clean_git_env

pytestmark = pytest.mark.slow

PY = sys.executable
USER = "ada"
PROJECT = "project"  # the git_project fixture's folder name
NOW = datetime.now().astimezone().replace(microsecond=0)
TODAY = NOW.date().isoformat()
PENDING = f".git/sessionlog/pending/{PROJECT}/{USER}/{TODAY}.md"
SL_ENV = {"SESSIONLOG_USER": USER, "SESSIONLOG_NOW": NOW.isoformat()}


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**clean_git_env(), **SL_ENV}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _log_command(title: str, *bullets: str) -> str:
    """What the stub's Bash tool call runs: `sessionlog log` through this interpreter."""
    return shlex.join([PY, "-m", "sessionlog_git", "log", title, *bullets])


@pytest.fixture
def project(claude_project: ClaudeProject) -> ClaudeProject:
    """The CLI bound to a repository set up with `sessionlog init --agent claude`."""
    top = claude_project.project
    (top / "README.md").write_text("# shop\n")
    _run(top, "git", "add", "README.md")
    _run(top, "git", "commit", "-q", "-m", "Initial commit")
    out = _run(top, PY, "-m", "sessionlog_git", "init", "--hooks", "native", "--agent", "claude")
    assert "create .claude/settings.json" in out.stdout, out.stdout
    _run(top, "git", "add", "-A")
    _run(top, "git", "commit", "-q", "-m", "Set up sessionlog")
    return claude_project


def _run_claude(project: ClaudeProject, prompt: str, *args: str) -> dict[str, object]:
    return parse_json_output(project.run(prompt, *args, env=SL_ENV))


def _hook_errors(project: ClaudeProject) -> str:
    path = project.project / ".git" / "sessionlog" / "hook-errors.log"
    return path.read_text() if path.exists() else ""


def test_session_logs_commit_consolidates_next_session_resumes(
    project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    top = project.project
    anthropic_stub.script(
        bash_reply(
            _log_command(
                "Chose RS256 for auth tokens",
                "Decision: RS256 over HS256, because key rotation is required",
                "Blocked on: Redis session store not configured yet (ops)",
                "Next: wire the token refresh endpoint",
            )
        )
    )
    result = _run_claude(project, "Implement the auth tokens")
    assert result["is_error"] is False

    first = anthropic_stub.first_main_request()
    dump = anthropic_stub.dump([first])
    assert PENDING in first.text, dump  # SessionStart and the prompt reminder name the file
    assert TODAY in first.text
    assert "Not worth logging:" in first.text, dump  # SessionStart says what not to log
    assert "Entry format: a heading" in first.text
    for agent in ("session-logger", "workspace-sync"):
        assert agent in first.text, dump
    assert "consolidate my logs" in first.text and "save my work" in first.text

    pending = top / PENDING
    text = pending.read_text()
    assert f"## {NOW:%H:%M} - Chose RS256 for auth tokens" in text
    assert "- Blocked on: Redis session store not configured yet (ops)" in text
    assert "Automatic entry" not in text  # the session logged, so no gap entry
    assert "agent=claude-code" in text  # detected from Claude Code's shell (CLAUDECODE=1)
    assert _hook_errors(project) == ""

    # A real commit consolidates the entry into the same commit as the code.
    (top / "auth.py").write_text("ALGORITHM = 'RS256'\n")
    _run(top, "git", "add", "auth.py")
    _run(top, "git", "commit", "-q", "-m", "Add auth tokens")
    stat = _run(top, "git", "show", "--stat=200", "--format=", "HEAD").stdout
    month = TODAY[:7]
    assert "auth.py" in stat
    assert f"logs/archive/{month}/{PROJECT}/{USER}/" in stat, stat
    assert f"logs/{PROJECT}-session-log-{month}.md" in stat, stat
    assert f"logs/{PROJECT}-status.md" in stat, stat
    assert not pending.exists()
    assert _run(top, "git", "status", "--porcelain").stdout == ""

    # A new session starts where this one left off: the entry, its blocker, its next step.
    anthropic_stub.clear()
    _run_claude(project, "Where did we leave off?")
    second = anthropic_stub.first_main_request()
    dump = anthropic_stub.dump([second])
    assert "Chose RS256 for auth tokens" in second.text, dump
    assert "Open blockers:" in second.text
    assert "Redis session store not configured yet (ops)" in second.text
    assert "wire the token refresh endpoint" in second.text
    assert _hook_errors(project) == ""


def test_compaction_keeps_the_log_path_and_reinjects_context(
    project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    anthropic_stub.script(
        bash_reply(_log_command("Tried the retry queue", "Tried: exponential backoff; no effect"))
    )
    _run_claude(project, "Fix the retries")
    anthropic_stub.clear()

    proc = project.run("/compact", "--continue", env=SL_ENV)
    assert parse_json_output(proc)["is_error"] is False
    compactions = [r for r in anthropic_stub.main_requests() if r.is_compaction]
    assert len(compactions) == 1, anthropic_stub.paths()
    assert "keep in the summary the session log path" in compactions[0].text
    assert PENDING in compactions[0].text

    # After compaction the SessionStart hook (source: compact) re-injects the log's place and
    # what this session has logged; the next turn carries it.
    anthropic_stub.clear()
    _run_claude(project, "Continue", "--continue")
    text = anthropic_stub.all_text()
    assert "Logged in this session so far:" in text, anthropic_stub.dump()
    assert "Tried the retry queue" in text
    assert _hook_errors(project) == ""


def test_stop_hook_asks_once_for_an_entry_then_session_end_marks_the_gap(
    project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    top = project.project
    anthropic_stub.script(bash_reply("echo 'RETRIES = 3' > retries.py"))
    _run_claude(project, "Add a retry setting")
    assert (top / "retries.py").is_file()
    assert not anthropic_stub.find("Stop hook")  # within the gap: let it finish

    # A gap later, the work still unlogged: Stop asks once.
    later = datetime.now().astimezone().replace(microsecond=0) + timedelta(minutes=60)
    anthropic_stub.script(bash_reply("echo 'RETRIES = 4' > retries.py"))
    parse_json_output(project.run("Raise the retry setting", "--continue",
                                  env={**SL_ENV, "SESSIONLOG_NOW": later.isoformat()}))
    feedback = anthropic_stub.find("Stop hook feedback")
    assert feedback, anthropic_stub.dump()
    assert "sessionlog: files changed over about" in feedback[0].text
    assert "retries.py" in feedback[0].text and "if it was trivial, just finish" in feedback[0].text
    # Asked once, arriving once (exit 2: no "blocking error" copy); the model answered
    # without logging, and the second stop went through.
    last = anthropic_stub.main_requests()[-1]
    assert last.text.count("sessionlog: files changed over") == 1, anthropic_stub.dump([last])
    assert not anthropic_stub.find("Stop hook blocking error")
    # What the model reads: a short neutral command, no machine path, not an error.
    from .scenario import strings

    text = strings(feedback[0].body)
    said = text[text.index("Stop hook feedback:"):].split("\n")[:2]
    assert said[1].startswith("[sh -c '") and " sessionlog hook stop]: sessionlog:" in said[1], said
    assert PY not in said[1] and str(top) not in said[1] and "error" not in said[1].lower(), said
    assert ("log it with `sh .git/sessionlog/run log --agent claude-code" in said[1]
            or "log it with `sessionlog log --agent claude-code" in said[1]), said

    # The session ended with the work unlogged: an automatic entry marks the gap.
    text = (top / PENDING).read_text()
    assert "Automatic entry: session ended without a log entry" in text
    assert "auto=session-end" in text
    assert "retries.py" in text
    assert _hook_errors(project) == ""


def test_stop_hook_can_be_switched_off(
    project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    top = project.project
    config = top / ".sessionlog.yaml"
    config.write_text(config.read_text().replace("stop_hook: true", "stop_hook: false"))
    anthropic_stub.script(bash_reply("echo 'RETRIES = 3' > retries.py"))
    _run_claude(project, "Add a retry setting")
    assert (top / "retries.py").is_file()
    assert not anthropic_stub.find("Stop hook feedback")
    assert os.path.exists(top / PENDING)  # session end still marks the gap


def test_plugin_gives_the_same_hooks_agents_and_commands(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub, tmp_path: Path
) -> None:
    """The generated plugin, loaded with --plugin-dir in a repo set up for git only."""
    from sessionlog_git.agents.plugin import build_plugin

    top = claude_project.project
    plugin = tmp_path / "plugin"
    build_plugin(plugin)
    _run(top, PY, "-m", "sessionlog_git", "init", "--hooks", "native")
    env = {**SL_ENV, "PATH": f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    claude_project.run("hello", "--plugin-dir", str(plugin), env=env)
    first = anthropic_stub.first_main_request()
    dump = anthropic_stub.dump([first])
    assert PENDING in first.text and "Not worth logging:" in first.text, dump  # same policy
    assert "session-logger" in first.text and "workspace-sync" in first.text, dump

    anthropic_stub.clear()
    claude_project.run("/sessionlog:resume", "--plugin-dir", str(plugin), env=env)
    assert "Run `sessionlog resume`" in anthropic_stub.all_text(), anthropic_stub.dump()


def test_save_my_work_main_agent_logs_the_why_then_workspace_sync_commits_it(
    project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    """"save my work": the main conversation writes the final entry (it alone knows the why),
    then delegates; the workspace-sync agent only consolidates, commits and reports."""
    from .anthropic_stub import last_user_has_tool_result, text_reply, tool_reply

    top = project.project
    (top / "retries.py").write_text("RETRIES = 3\n")
    head = _run(top, "git", "rev-parse", "HEAD").stdout.strip()
    seen: dict[str, Any] = {"main": 0, "sync": 0, "delegate": ""}

    def responder(body: dict[str, Any], _index: int) -> Any:
        if not body.get("tools"):
            return text_reply("side")
        system = json.dumps(body.get("system", ""))
        if "You save the user's work" in system:  # the workspace-sync agent's own turns
            seen["sync"] += 1
            if last_user_has_tool_result(body):
                return text_reply("Committed retries.py with the session log; nothing pending.")
            return bash_reply("git add -A && git commit -q -m 'Add a retry setting' "
                              "-m 'Why: retries in one setting, from the session log.'")
        seen["main"] += 1
        names = [t.get("name") for t in body["tools"]]
        if seen["main"] == 1:
            offered = json.dumps(body)
            assert "workspace-sync" in offered, "the agent is not offered"
            assert "write the session's final log entry yourself" in offered.replace("\\'", "'")
            return bash_reply(_log_command(
                "Retry setting in one place",
                "Decision: one RETRIES setting, because three call sites disagreed"))
        if seen["main"] == 2:
            seen["delegate"] = "Agent" if "Agent" in names else "Task"
            return tool_reply(seen["delegate"], {
                "subagent_type": "workspace-sync", "description": "Save my work",
                "prompt": "Save my work: commit and report. The session's why is logged."})
        return text_reply("Saved.")

    anthropic_stub.responder = responder
    _run_claude(project, "save my work", "--allowedTools", "Bash,Task,Agent")
    assert seen["sync"] >= 2, anthropic_stub.paths()  # the agent ran, and committed

    commits = _run(top, "git", "rev-list", f"{head}..HEAD").stdout.split()
    assert len(commits) == 1, commits
    stat = _run(top, "git", "show", "--stat=200", "--format=%s", "HEAD").stdout
    month = TODAY[:7]
    assert stat.startswith("Add a retry setting") and "retries.py" in stat
    assert f"logs/archive/{month}/{PROJECT}/{USER}/" in stat, stat
    assert f"logs/{PROJECT}-session-log-{month}.md" in stat, stat
    master = (top / f"logs/{PROJECT}-session-log-{month}.md").read_text()
    assert "Retry setting in one place" in master
    assert not (top / PENDING).exists()
    assert _run(top, "git", "status", "--porcelain").stdout == ""
    assert _hook_errors(project) == ""
