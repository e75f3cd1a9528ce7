"""sessionlog with the real Gemini CLI (0.61), offline against the loopback Gemini API stub.

The scenario is `scenario.py`'s: the hooks' context (JSON `hookSpecificOutput` only: Gemini
drops plain stdout) reaches the model as `<hook_context>`, the stub runs the reminded
`sessionlog log --agent gemini ...` through Gemini's `run_shell_command` tool, a real commit
consolidates it attributed to Gemini, and the next session is told where work left off. Also:
AfterAgent's `{"decision": "block", "reason": ...}` makes Gemini send the reason back as the
next prompt, once (the retry carries `stop_hook_active: true`), and SessionEnd marks unlogged
work. Gemini runs with its own HOME in a temp folder, the project in its trusted folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import scenario as sc
from .agent_clis import GeminiRun
from .gemini_stub import GeminiStub, Reply, shell_reply

pytestmark = pytest.mark.slow
LABEL = "gemini"


@pytest.fixture
def gemini(gemini_cli: Path, git_project: Path, tmp_path: Path, gemini_stub: GeminiStub) -> GeminiRun:
    out = sc.set_up(git_project, "gemini")
    assert "create .gemini/settings.json" in out and "create the sessionlog block in GEMINI.md" in out
    return GeminiRun(gemini_cli, git_project, tmp_path / "home", gemini_stub.base_url)


def _log_as_reminded(body: dict[str, Any]) -> Reply:
    return shell_reply(sc.reminded_log_command(body, LABEL))


def test_gemini_logs_as_reminded_commit_consolidates_next_session_is_told(
    gemini: GeminiRun, gemini_stub: GeminiStub
) -> None:
    top = gemini.project
    gemini_stub.script(_log_as_reminded)
    gemini.run("Implement the auth tokens", env=sc.SL_ENV)

    first = gemini_stub.first_turn().body
    sc.assert_first_request_has_the_reminders(first)
    assert "<hook_context>sessionlog: this repository keeps a session log" in sc.strings(first)
    assert not gemini_stub.find("sessionlog: files changed")  # logged: AfterAgent let it finish
    sc.assert_logged_committed_and_attributed(top, LABEL)
    assert sc.hook_errors(top) == ""

    gemini_stub.clear()
    gemini.run("Where did we leave off?", env=sc.SL_ENV)
    sc.assert_second_session_is_told(gemini_stub.first_turn().body)
    assert sc.hook_errors(top) == ""


def test_gemini_after_agent_asks_once_then_session_end_marks_the_gap(
    gemini: GeminiRun, gemini_stub: GeminiStub
) -> None:
    top = gemini.project
    gemini_stub.script(shell_reply("echo 'RETRIES = 3' > retries.py"))
    gemini.run("Add a retry setting", env=sc.SL_ENV)
    assert (top / "retries.py").is_file()

    asked = gemini_stub.find("sessionlog: files changed since the last log entry")
    assert asked, gemini_stub.dump()
    text = sc.strings(asked[0].body)
    assert "retries.py" in text and f"log --agent {LABEL}" in text
    last = gemini_stub.turns()[-1]
    assert sc.strings(last.body).count("sessionlog: files changed since") == 1  # asked once
    # The reason came back through BeforeAgent: no second reminder stacked on it.
    assert sc.strings(last.body).count("no log entry yet today") == 1

    text = (top / sc.PENDING).read_text()
    assert "Automatic entry: session ended without a log entry" in text
    assert f"agent={LABEL}" in text and "retries.py" in text
    assert sc.hook_errors(top) == ""
