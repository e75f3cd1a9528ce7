"""A short, neutral Stop command for the CLIs that print it to the model.

Claude Code shows a Stop block as "Stop hook feedback:\\n[<the hook command>]: <reason>", the
command exactly as written in `.claude/settings.json`. Ours ran this installation's interpreter
by absolute path, so every block put a machine's path in front of the model. A row with
`python_env` (Claude Code: `SESSIONLOG_PYTHON`) gets that interpreter in the settings file's
`env` (which Claude Code sets for its hooks and its shell) and a Stop command that names the
variable instead: `"$SESSIONLOG_PYTHON" -m sessionlog_git hook stop`, shown as written.
"""
from __future__ import annotations

import sys
from typing import Any

from sessionlog_git.agents.registry import Assistant


def stop_command(assistant: Assistant) -> str | None:
    """The Stop command for a row with `python_env`; None: the ordinary command."""
    if not assistant.python_env:
        return None
    return f'"${assistant.python_env}" -m sessionlog_git hook stop'


def merge_env(data: dict[str, Any], assistant: Assistant, python: str | None = None) -> bool:
    """Set the row's variable in the settings' `env` to this interpreter; True if changed."""
    if not assistant.python_env:
        return False
    env = data.get("env")
    if not isinstance(env, dict):
        env = data["env"] = {}
    want = python or sys.executable
    if env.get(assistant.python_env) == want:
        return False
    env[assistant.python_env] = want
    return True


def remove_env(data: dict[str, Any], assistant: Assistant) -> bool:
    """Take our variable out of `env` (and `env` when that empties it); True if removed."""
    env = data.get("env")
    if not assistant.python_env or not isinstance(env, dict) or assistant.python_env not in env:
        return False
    del env[assistant.python_env]
    if not env:
        del data["env"]
    return True


def resolve(program: str, data: dict[str, Any]) -> str:
    """`$VAR` (a hook's first word) as the settings' `env` sets it; else as written."""
    if program.startswith("$"):
        env = data.get("env")
        value = env.get(program[1:]) if isinstance(env, dict) else None
        return str(value) if value else program
    return program
