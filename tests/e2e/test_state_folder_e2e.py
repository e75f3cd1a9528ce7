"""Pending entries in the git directory, with the real assistant CLIs.

The temp logs live in `.git/sessionlog/pending/`. Claude Code refuses its Write tool there (a
"sensitive file"), so an assistant logs through our CLI, run from its shell tool; the entry
lands in the git directory, survives `git clean -ffdx`, and the next `git commit`
consolidates it. Codex and Gemini CLI do the same in `scenario.py` (their e2e files).
Codex's `-s workspace-write` sandbox keeps `.git` read-only for the programs it runs too:
there `sessionlog log` fails loudly, naming the fix, and writes nothing.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from . import scenario as sc
from .agent_clis import CodexRun, _checked, offline_env
from .anthropic_stub import AnthropicStub, bash_reply, tool_reply
from .claude_cli import ClaudeProject
from .npm_cli import run_in_group
from .openai_stub import OpenAIStub, exec_reply

pytestmark = pytest.mark.slow
PY = sys.executable
TITLE = "Kept the why in the git directory"
BULLET = "Decision: log through the CLI, because file tools may not write under .git"


def _commit_after_clean(top: Path, pending: Path, text: str) -> None:
    sc.run(top, "git", "clean", "-ffdx")
    assert pending.read_text() == text
    (top / "feature.py").write_text("FEATURE = True\n")
    sc.run(top, "git", "add", "feature.py")
    sc.run(top, "git", "commit", "-q", "-m", "Add the feature")
    stat = sc.run(top, "git", "show", "--stat=200", "--format=", "HEAD").stdout
    assert "feature.py" in stat and f"logs/archive/{sc.MONTH}/{sc.PROJECT}/{sc.USER}/" in stat, stat
    archived = sc.run(top, "git", "show", "--format=", "--diff-filter=A", "-p", "HEAD").stdout
    assert TITLE in archived and BULLET in archived
    assert not pending.exists()
    assert sc.run(top, "git", "status", "--porcelain").stdout == ""


def test_claude_cannot_write_the_git_dir_with_its_tools_but_logs_through_the_launcher(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    top = claude_project.project
    sc.set_up(top, "claude")
    pending = top / sc.PENDING
    # Its Write tool is refused under .git/ (a "sensitive file"): nothing lands there.
    anthropic_stub.script(tool_reply("Write", {"file_path": str(pending), "content": "## 09:00 - x\n"}))
    claude_project.run("Write today's log entry", env=sc.SL_ENV)
    assert not pending.exists()
    refused = anthropic_stub.find("which is a sensitive file")
    assert refused and '"is_error":true' in refused[0].text, anthropic_stub.dump()
    # What CLAUDE.md and the session-start note name: this clone's launcher, from the shell.
    anthropic_stub.clear()
    command = shlex.join(["sh", ".git/sessionlog/run", "log", "--agent", "claude-code", TITLE, BULLET])
    anthropic_stub.script(bash_reply(command))
    claude_project.run("Log the decision", env=sc.SL_ENV)
    first = anthropic_stub.first_main_request()
    assert "sh .git/sessionlog/run log --agent claude-code" in first.text  # as it was told
    text = pending.read_text()
    assert f"## {sc.NOW:%H:%M} - {TITLE}" in text and "agent=claude-code" in text
    assert sc.hook_errors(top) == ""
    _commit_after_clean(top, pending, text)


def _codex_sandboxed(codex: CodexRun, prompt: str, *extra: str) -> None:
    """Codex as a user runs it by default in a trusted repository: `-s workspace-write`."""
    codex.prepare()
    environ = offline_env(codex.home, codex.home.parent / "codex.tmp", {
        "CODEX_HOME": str(codex.codex_home), "STUB_API_KEY": "stub-test-key", **sc.SL_ENV})
    args = [str(codex.cli), "exec", "-s", "workspace-write", *extra,
            "--dangerously-bypass-hook-trust", "--skip-git-repo-check", prompt]
    _checked(run_in_group(args, codex.project, environ, 120), True)


def _tool_outputs(stub: OpenAIStub) -> str:
    return json.dumps([item for turn in stub.turns() for item in turn.body.get("input", [])
                       if isinstance(item, dict) and item.get("type") == "function_call_output"])


def test_codex_sandbox_keeps_git_read_only_log_names_the_fix_and_the_fix_works(
    codex_cli: Path, git_project: Path, tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    sc.set_up(git_project, "codex")
    codex = CodexRun(codex_cli, git_project, tmp_path / "home", openai_stub.base_url)
    pending = git_project / sc.PENDING
    command = shlex.join(["sh", ".git/sessionlog/run", "log", "--agent", "codex", TITLE, BULLET])
    openai_stub.script(exec_reply(command))
    _codex_sandboxed(codex, "Log the decision")
    said = _tool_outputs(openai_stub)
    assert "Process exited with code 1" in said, said[-3000:]  # loud, not silent
    assert "Read-only file system" in said and "Nothing was written" in said, said[-3000:]
    state = git_project / ".git" / "sessionlog"
    assert f"Fix: let the sandbox write that folder (Codex: `codex --add-dir {state}`" in said
    assert not pending.exists()
    # The fix it names, as a user would apply it: the same command now lands.
    openai_stub.clear()
    openai_stub.script(exec_reply(command))
    _codex_sandboxed(codex, "Log the decision", "--add-dir", str(state))
    text = pending.read_text()
    assert f"## {sc.NOW:%H:%M} - {TITLE}" in text and "agent=codex" in text, _tool_outputs(openai_stub)
    _commit_after_clean(git_project, pending, text)
