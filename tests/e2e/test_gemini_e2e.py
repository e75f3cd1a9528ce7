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

import pytest

from . import scenario as sc
from .agent_clis import GeminiRun
from .gemini_stub import GeminiStub, shell_reply

pytestmark = pytest.mark.slow
LABEL = "gemini"


@pytest.fixture
def gemini(gemini_cli: Path, git_project: Path, tmp_path: Path, gemini_stub: GeminiStub) -> GeminiRun:
    out = sc.set_up(git_project, "gemini")
    assert "create .gemini/settings.json" in out and "create the sessionlog block in GEMINI.md" in out
    return GeminiRun(gemini_cli, git_project, tmp_path / "home", gemini_stub.base_url)


def test_gemini_logs_as_reminded_commit_consolidates_next_session_is_told(
    gemini: GeminiRun, gemini_stub: GeminiStub
) -> None:
    first = sc.logs_as_reminded_then_next_session_is_told(gemini, gemini_stub, shell_reply, LABEL)
    assert "<hook_context>sessionlog: this repository keeps a session log" in sc.strings(first)


def test_gemini_after_agent_asks_once_then_session_end_marks_the_gap(
    gemini: GeminiRun, gemini_stub: GeminiStub
) -> None:
    last = sc.stop_asks_once_then_session_end_marks_the_gap(gemini, gemini_stub, shell_reply, LABEL)
    # The reason came back through BeforeAgent: no second reminder stacked on it.
    assert sc.strings(last).count("with no log entry") <= 1
