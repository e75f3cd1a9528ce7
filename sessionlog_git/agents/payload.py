"""The event's JSON in one spelling, whichever assistant sent it.

The handlers read Claude Code's names (`session_id`, `cwd`, `prompt`, `stop_hook_active`).
Copilot CLI sends `sessionId` (camelCase); Cursor's documented payload names the session
`conversation_id`, the project `workspace_roots` and counts its own stop continuations in
`loop_count`; Windsurf's documented payload names the session `trajectory_id` and puts the
prompt under `tool_info.user_prompt`. A key already in Claude's spelling always wins.

Runs on every prompt: standard library only (nothing is imported at all).
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

SESSION_KEYS = ("sessionId", "conversation_id", "trajectory_id")


def normalize(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of `data` with Claude's keys filled in from the other spellings."""
    out = dict(data)
    if not out.get("session_id"):
        for key in SESSION_KEYS:
            if isinstance(out.get(key), str) and out[key]:
                out["session_id"] = out[key]
                break
    if not out.get("cwd"):
        roots = out.get("workspace_roots")
        if isinstance(roots, list) and roots and isinstance(roots[0], str):
            out["cwd"] = roots[0]
    info = out.get("tool_info")
    if "prompt" not in out and isinstance(info, dict) and isinstance(info.get("user_prompt"), str):
        out["prompt"] = info["user_prompt"]
    loops = out.get("loop_count")
    if "stop_hook_active" not in out and isinstance(loops, int) and loops > 0:
        out["stop_hook_active"] = True  # Cursor: this stop follows our own follow-up
    return out
