"""The texts init writes into an assistant's files, rendered from `templates/claude/`.

One source: the instructions block, Claude's two subagents, the slash commands and the
plugin launcher are jinja2 templates (layout only, `StrictUndefined`); `sessionlog init`
and the plugin builder both render them here. jinja2 and ruamel.yaml load inside the
functions, never at import.
"""
from __future__ import annotations

from typing import Any

from sessionlog_git import __version__
from sessionlog_git.agents.registry import ASSISTANTS
from sessionlog_git.base.clone import LAUNCH_SCRIPT
from sessionlog_git.constants import DEFAULTS
from sessionlog_git.errors import SessionlogError


def template_context(
    pending_dir: str | None = None, logs_dir: str | None = None, agent: str = "claude",
    command: str = "sessionlog",
) -> dict[str, str]:
    """`command`: how the assistant's shell runs sessionlog where these files are used (init
    passes the hooks' own invocation when `sessionlog` is not on PATH; the plugin requires
    `sessionlog` on PATH)."""
    assistant = ASSISTANTS[agent]
    return {
        "sessionlog": command,
        "pending_dir": _shown(pending_dir or str(DEFAULTS["pending_dir"])),
        "logs_dir": logs_dir or str(DEFAULTS["logs_dir"]),
        "version": __version__,
        "agent": agent,
        "agent_label": assistant.label,
        "agent_title": assistant.title,
        "launch": LAUNCH_SCRIPT,  # what a generated plugin runs (OpenCode's): the neutral launcher
    }


def _shown(pending_dir: str) -> str:
    """The pending folder as the instructions name it: the default one in the git directory."""
    from sessionlog_git.base import statedir

    if statedir.in_state(pending_dir):
        rest = pending_dir.strip("/").split("/", 1)[1:]
        return "/".join([".git", statedir.NAME, *rest])
    return pending_dir


def render_asset(name: str, context: dict[str, str]) -> str:
    """Render `templates/claude/<name>.j2`."""
    from sessionlog_git.pipeline.render import render

    return render(f"claude/{name}.j2", **context)


def block_text(context: dict[str, str]) -> str:
    return render_asset("claude-md-block.md", context)


def front_matter(text: str, where: str) -> dict[str, Any]:
    """The YAML front matter of an agent or command file; SessionlogError when it is invalid."""
    if not text.startswith("---\n"):
        raise SessionlogError(f"{where}: line 1: no YAML front matter (`---` line). Fix: "
                              "start the file with `---`, the keys, then `---`.")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise SessionlogError(f"{where}: the front matter has no closing `---` line. Fix: add it.")
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text[4:end])
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}:" if mark is not None else ""
        raise SessionlogError(f"{where}:{line} the front matter is not valid YAML "
                              f"({getattr(exc, 'problem', exc)}). Fix: quote the value.") from None
    if not isinstance(data, dict):
        raise SessionlogError(f"{where}: the front matter is not a mapping of keys. Fix: "
                              "write `name: ...` and `description: ...` lines.")
    return data
