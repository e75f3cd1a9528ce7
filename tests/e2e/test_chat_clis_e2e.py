"""sessionlog with the real Copilot CLI (1.0.102), Qwen Code (0.24.4) and OpenCode (1.18.33),
offline against the loopback Chat Completions stub.

The scenario is `scenario.py`'s, for each: the hooks' context (the temp log, the local time,
where work left off) reaches the model, the stub runs the reminded
`sessionlog log --agent NAME ...` through the CLI's shell tool, a real commit consolidates it
attributed to that assistant, and the next session is told where work left off.

What each CLI reads (REFERENCE.md, "What the model sees"): Copilot only a flat
`{"additionalContext"}` (init's `.github/hooks/sessionlog.json`, run with `--trust-folder`:
in `-p` mode repository hooks are skipped silently otherwise); Qwen the Claude shapes from
`.qwen/settings.json`; OpenCode our plain stdout, which the generated plugin
`.opencode/plugins/sessionlog.js` puts into the system prompt. The stop that asks for an entry
is checked where the CLI has one: Copilot's agentStop (and its sessionEnd gap entry), Qwen's
Stop (Qwen never fires SessionEnd in a headless run). OpenCode has no stop-block.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from . import scenario as sc
from .chat_clis import CopilotRun, OpenCodeRun, QwenRun
from .chat_stub import ChatStub, bash_reply, copilot_bash_reply, qwen_shell_reply

pytestmark = pytest.mark.slow


@pytest.fixture
def copilot(copilot_cli: Path, git_project: Path, tmp_path: Path, chat_stub: ChatStub) -> CopilotRun:
    out = sc.set_up(git_project, "copilot")
    assert "create .github/hooks/sessionlog.json" in out
    assert "create the sessionlog block in .github/copilot-instructions.md" in out
    return CopilotRun(copilot_cli, git_project, tmp_path / "home", chat_stub.base_url)


@pytest.fixture
def qwen(qwen_cli: Path, git_project: Path, tmp_path: Path, chat_stub: ChatStub) -> QwenRun:
    out = sc.set_up(git_project, "qwen")
    assert "create .qwen/settings.json" in out and "create the sessionlog block in QWEN.md" in out
    return QwenRun(qwen_cli, git_project, tmp_path / "home", chat_stub.base_url)


@pytest.fixture
def opencode(opencode_cli: Path, git_project: Path, tmp_path: Path, chat_stub: ChatStub) -> OpenCodeRun:
    run = OpenCodeRun(opencode_cli, git_project, tmp_path / "home", chat_stub.base_url)
    run.prepare_project()
    out = sc.set_up(git_project, "opencode")
    assert "write .opencode/plugins/sessionlog.js" in out
    return run


def test_copilot_logs_as_reminded_commit_consolidates_next_session_is_told(
    copilot: CopilotRun, chat_stub: ChatStub
) -> None:
    first = sc.logs_as_reminded_then_next_session_is_told(copilot, chat_stub, copilot_bash_reply,
                                                          "copilot")
    # sessionStart's context reaches the model (a flat additionalContext, the one form it reads).
    assert "Today's temp log:" in sc.strings(first)


def test_copilot_agent_stop_asks_once_then_session_end_marks_the_gap(
    copilot: CopilotRun, chat_stub: ChatStub
) -> None:
    sc.stop_asks_once_then_session_end_marks_the_gap(copilot, chat_stub, copilot_bash_reply, "copilot")


def test_qwen_logs_as_reminded_commit_consolidates_next_session_is_told(
    qwen: QwenRun, chat_stub: ChatStub
) -> None:
    first = sc.logs_as_reminded_then_next_session_is_told(qwen, chat_stub, qwen_shell_reply, "qwen")
    assert "<!-- sessionlog:begin -->" in sc.strings(first)  # QWEN.md was read


def test_qwen_stop_asks_once_and_the_reminder_is_not_repeated_after_tool_results(
    qwen: QwenRun, chat_stub: ChatStub
) -> None:
    top = qwen.project
    chat_stub.script(qwen_shell_reply("echo 'RETRIES = 3' > retries.py"))
    qwen.run("Add a retry setting", env=sc.SL_ENV)
    assert (top / "retries.py").is_file()
    assert not chat_stub.find("sessionlog: files changed over")  # within the gap: let it finish
    # The same work, a gap later and still unlogged: Stop asks once.
    later = datetime.now().astimezone().replace(microsecond=0) + timedelta(minutes=60)
    chat_stub.clear()
    chat_stub.script(qwen_shell_reply("echo 'RETRIES = 4' > retries.py"))
    qwen.run("Raise the retry setting", env={**sc.SL_ENV, "SESSIONLOG_NOW": later.isoformat()})
    asked = chat_stub.find("sessionlog: files changed over about")
    assert asked, chat_stub.dump()
    assert "retries.py" in sc.strings(asked[0].body) and "log --agent qwen" in sc.strings(asked[0].body)
    last = sc.strings(chat_stub.turns()[-1].body)
    assert last.count("sessionlog: files changed over") == 1  # asked once
    # Qwen fires UserPromptSubmit again with an empty prompt after each tool result: silent, so
    # the per-prompt reminder appears at most once in the whole conversation.
    assert last.count("changed with no log entry") <= 1
    assert sc.hook_errors(top) == ""


def test_opencode_logs_as_reminded_commit_consolidates_next_session_is_told(
    opencode: OpenCodeRun, chat_stub: ChatStub
) -> None:
    first = sc.logs_as_reminded_then_next_session_is_told(opencode, chat_stub, bash_reply, "opencode")
    system = sc.strings([m for m in first.get("messages", []) if m.get("role") == "system"])
    assert "Today's temp log:" in system and "<!-- sessionlog:begin -->" in system
