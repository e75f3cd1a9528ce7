"""The Claude Code plugin: the same hooks, subagents and slash commands as `init --agent
claude`, as a folder Claude Code installs (`plugin/` in this repository).

Rendered from the registry's Claude row and the templates under `templates/claude/`;
`scripts/build_plugin.py` writes it, and a test fails when the committed `plugin/` is stale.
The hooks run `sessionlog` through the plugin's launcher script instead of an interpreter
path, since a plugin is shared between machines.
"""
from __future__ import annotations

import json
from pathlib import Path

from sessionlog_git import __version__
from sessionlog_git.agents.assets import render_asset, template_context
from sessionlog_git.agents.registry import ASSISTANTS
from sessionlog_git.agents.settings import PLUGIN_LAUNCHER, hooks_config

CLAUDE = ASSISTANTS["claude"]
PLUGIN_NAME = "sessionlog"
COMMANDS = ("log", "resume")  # slash commands, templates/claude/commands/<name>.md.j2


def plugin_command(event: str) -> str:
    return f'sh "${{CLAUDE_PLUGIN_ROOT}}/{PLUGIN_LAUNCHER}" {event}'


def plugin_files() -> dict[str, str]:
    """Every file of the Claude Code plugin, by path inside the plugin folder."""
    context = template_context()
    manifest = {
        "name": PLUGIN_NAME,
        "version": __version__,
        "description": "Keep the why behind code: Claude logs decisions, failures and blockers "
        "as it works; git commit consolidates them next to the code.",
        "author": {"name": "sessionlog-git developers"},
        "homepage": "https://github.com/sessionlog/sessionlog-git",
        "license": "MIT",
        "keywords": ["session-log", "git", "decisions", "hooks"],
    }
    files = {
        ".claude-plugin/plugin.json": json.dumps(manifest, indent=2) + "\n",
        "hooks/hooks.json": json.dumps(
            {
                "description": "sessionlog-git reminders and safety nets (needs `sessionlog` "
                "installed: pipx install sessionlog-git)",
                "hooks": hooks_config(CLAUDE, plugin_command),
            },
            indent=2,
        )
        + "\n",
        PLUGIN_LAUNCHER: render_asset("plugin/run-hook.sh", context),
    }
    for _, template in CLAUDE.extra_files:
        files[template] = render_asset(template, context)
    for name in COMMANDS:
        files[f"commands/{name}.md"] = render_asset(f"commands/{name}.md", context)
    return files


def build_plugin(dest: Path) -> list[str]:
    """Write the plugin into `dest`; returns the paths written. Stale files are removed."""
    from sessionlog_git.base.fsutil import atomic_write_text

    files = plugin_files()
    for rel, text in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, text)
        if rel.endswith(".sh"):
            target.chmod(0o755)
    for old in sorted(dest.rglob("*")):
        rel = old.relative_to(dest).as_posix()
        if old.is_file() and rel not in files and rel.split("/")[0] in (
            ".claude-plugin", "hooks", "agents", "commands", "scripts"
        ):
            old.unlink()
    return sorted(files)
