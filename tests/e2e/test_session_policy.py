"""The hooks' policy over whole sessions, with the real Claude Code against the loopback stub.

The scripted sessions are the session benchmark's (`scripts/bench_sessions.py`): one session
of 12 prompts, a `claude -p` process per prompt (`--continue` after the first), 3 simulated
minutes apart, so all within one 45-minute gap. These tests assert the policy itself (how often
Stop blocks, that no text repeats); the benchmark reports the figures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_sessions", ROOT / "scripts/bench_sessions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_sessions", module)
    spec.loader.exec_module(module)
    return module


def _session(tmp_path: Path, kind: str) -> dict[str, Any]:
    result: dict[str, Any] | None = _bench().run_claude(tmp_path, 12, kind)
    assert result is not None
    return result


def test_twelve_prompts_within_one_gap_block_stop_at_most_once(
    claude_cli: Path, tmp_path: Path
) -> None:
    result = _session(tmp_path, "diligent")
    texts: list[str] = result["texts"]
    assert result["stop_blocks"] <= 1, texts
    assert not [t for t in texts if "Stop hook blocking error" in t]  # a block arrives once
    # Session start spoke once across the 12 processes, and the reminder came once.
    assert len([t for t in texts if "this repository keeps a session log" in t]) == 1, texts
    assert len([t for t in texts if "with no log entry" in t]) == 1, texts
    assert result["entries"] >= 1  # the model logged when reminded...
    assert result["entries"] <= 2  # ...and was not asked to log every prompt
    assert result["sessions"] == 1  # one session state, keyed by the session_id, kept


def test_read_only_session_hears_no_reminder(claude_cli: Path, tmp_path: Path) -> None:
    result = _session(tmp_path, "read-only")
    texts: list[str] = result["texts"]
    assert result["stop_blocks"] == 0
    assert not [t for t in texts if "no log entry" in t or "files changed" in t], texts
    assert len(texts) == 1 and "Not worth logging:" in texts[0], texts  # session start, once
    assert result["entries"] == 0 and result["auto_entries"] == 0
