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

import pytest

from . import scenario as sc
from .agent_clis import CodexRun
from .openai_stub import OpenAIStub, exec_reply

pytestmark = pytest.mark.slow
LABEL = "codex"


@pytest.fixture
def codex(codex_cli: Path, git_project: Path, tmp_path: Path, openai_stub: OpenAIStub) -> CodexRun:
    out = sc.set_up(git_project, "codex")
    assert "create .codex/hooks.json" in out and "create the sessionlog block in AGENTS.md" in out
    return CodexRun(codex_cli, git_project, tmp_path / "home", openai_stub.base_url)


def test_codex_logs_as_reminded_commit_consolidates_next_session_is_told(
    codex: CodexRun, openai_stub: OpenAIStub
) -> None:
    sc.logs_as_reminded_then_next_session_is_told(codex, openai_stub, exec_reply, LABEL)


def test_codex_stop_asks_once_then_session_end_marks_the_gap(
    codex: CodexRun, openai_stub: OpenAIStub
) -> None:
    sc.stop_asks_once_then_session_end_marks_the_gap(codex, openai_stub, exec_reply, LABEL)
