"""sessionlog with the real Codex CLI (0.169), offline against the loopback Responses API stub.

The scenario is `scenario.py`'s: the hooks' context reaches the model, the stub runs the
reminded `sessionlog log --agent codex ...` through Codex's `exec_command` tool, a real commit
consolidates it attributed to Codex, and the next session is told where work left off. Also:
the Stop hook's block (`{"decision": "block"}`) reaches the model once, and SessionEnd marks
unlogged work. Codex runs with its own HOME and CODEX_HOME in temp folders, the project
trusted in its config and hook review bypassed (a user approves the hooks once in `/hooks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import scenario as sc
from .agent_clis import CodexRun
from .openai_stub import OpenAIStub, Reply, exec_reply

pytestmark = pytest.mark.slow
LABEL = "codex"


@pytest.fixture
def codex(codex_cli: Path, git_project: Path, tmp_path: Path, openai_stub: OpenAIStub) -> CodexRun:
    out = sc.set_up(git_project, "codex")
    assert "create .codex/hooks.json" in out and "create the sessionlog block in AGENTS.md" in out
    return CodexRun(codex_cli, git_project, tmp_path / "home", openai_stub.base_url)


def _log_as_reminded(body: dict[str, Any]) -> Reply:
    return exec_reply(sc.reminded_log_command(body, LABEL))


def test_codex_logs_as_reminded_commit_consolidates_next_session_is_told(
    codex: CodexRun, openai_stub: OpenAIStub
) -> None:
    top = codex.project
    openai_stub.script(_log_as_reminded)
    codex.run("Implement the auth tokens", env=sc.SL_ENV)

    sc.assert_first_request_has_the_reminders(openai_stub.first_turn().body)
    assert not openai_stub.find("sessionlog: files changed")  # logged: Stop let it finish
    sc.assert_logged_committed_and_attributed(top, LABEL)
    assert sc.hook_errors(top) == ""

    openai_stub.clear()
    codex.run("Where did we leave off?", env=sc.SL_ENV)
    sc.assert_second_session_is_told(openai_stub.first_turn().body)
    assert sc.hook_errors(top) == ""


def test_codex_stop_asks_once_then_session_end_marks_the_gap(
    codex: CodexRun, openai_stub: OpenAIStub
) -> None:
    top = codex.project
    openai_stub.script(exec_reply("echo 'RETRIES = 3' > retries.py"))
    codex.run("Add a retry setting", env=sc.SL_ENV)
    assert (top / "retries.py").is_file()

    asked = openai_stub.find("sessionlog: files changed since the last log entry")
    assert asked, openai_stub.dump()
    assert "retries.py" in sc.strings(asked[0].body)
    assert f"log --agent {LABEL}" in sc.strings(asked[0].body)
    last = openai_stub.turns()[-1]
    assert sc.strings(last.body).count("sessionlog: files changed since") == 1  # asked once

    text = (top / sc.PENDING).read_text()
    assert "Automatic entry: session ended without a log entry" in text
    assert f"agent={LABEL}" in text and "retries.py" in text
    assert sc.hook_errors(top) == ""
