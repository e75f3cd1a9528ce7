"""Claude Code assets: hooks in `.claude/settings.json`, the two agents, the CLAUDE.md block,
and the same hooks, agents and slash commands as a Claude Code plugin.

One source: the agents, commands and the CLAUDE.md block are jinja2 templates under
`templates/claude/`; the hooks are the table `HOOKS` below. `sessionlog init --agent claude`
and `scripts/build_plugin.py` both render from them.

What init writes is recorded (path and SHA-256) in `.sessionlog/installed.json`, so
`sessionlog uninstall` removes exactly that and keeps anything a person changed since.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionlog_git import __version__
from sessionlog_git.config import DEFAULTS, STATE_DIR
from sessionlog_git.errors import SessionlogError

if TYPE_CHECKING:
    from sessionlog_git.base.plan import Plan

# (Claude Code event, our event name, timeout in seconds)
HOOKS: tuple[tuple[str, str, int], ...] = (
    ("SessionStart", "session-start", 15),
    ("UserPromptSubmit", "user-prompt-submit", 10),
    ("Stop", "stop", 15),
    ("PreCompact", "pre-compact", 10),
    ("SessionEnd", "session-end", 15),
)
AGENTS = ("session-logger", "workspace-sync")
COMMANDS = ("log", "resume")
SETTINGS = ".claude/settings.json"
CLAUDE_MD = "CLAUDE.md"
BLOCK_BEGIN = "<!-- sessionlog:begin -->"
BLOCK_END = "<!-- sessionlog:end -->"
RECORD = "installed.json"
PLUGIN_NAME = "sessionlog"
PLUGIN_LAUNCHER = "scripts/run-hook.sh"
# A handler is ours when its command runs `... sessionlog_git hook EVENT`, `sessionlog hook
# EVENT` or the plugin launcher with EVENT.
OUR_COMMAND = re.compile(
    r"(?:^|[\s/'\"])(?:sessionlog_git|sessionlog)\s+hook\s+(?P<event>[a-z-]+)"
    r"(?:\s+--agent[\s=]+(?P<agent>[a-z-]+))?\s*$"
    r"|run-hook\.sh[\"']?\s+(?P<plugin_event>[a-z-]+)\s*$"
)


def _sha(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def python_command(event: str, python: str | None = None, agent: str = "claude") -> str:
    """The settings.json command: the interpreter by absolute path (hooks get a bare PATH).

    Claude Code's commands carry no `--agent` (the default), so earlier installs stay equal.
    """
    flag = "" if agent == "claude" else f" --agent {agent}"
    return f"{_quote(python or sys.executable)} -m sessionlog_git hook {event}{flag}"


def plugin_command(event: str) -> str:
    return f'sh "${{CLAUDE_PLUGIN_ROOT}}/{PLUGIN_LAUNCHER}" {event}'


def hooks_config(
    command: Callable[[str], str], table: tuple[tuple[str, str, int], ...] = HOOKS
) -> dict[str, list[dict[str, Any]]]:
    """`{"<Event>": [{"hooks": [{"type": "command", ...}]}]}`, the settings.json shape."""
    return {
        native: [{"hooks": [{"type": "command", "command": command(ours), "timeout": timeout}]}]
        for native, ours, timeout in table
    }


def our_event(handler: Any) -> str | None:
    """Which of our events a settings handler runs, or None when it is not ours."""
    if not isinstance(handler, dict) or handler.get("type", "command") != "command":
        return None
    match = OUR_COMMAND.search(str(handler.get("command", "")))
    if not match:
        return None
    return match["event"] or match["plugin_event"]


# --------------------------------------------------------------------------- templates


def template_context(
    pending_dir: str | None = None, logs_dir: str | None = None, agent: str = "claude"
) -> dict[str, str]:
    from sessionlog_git.agents.handlers import ASSISTANTS

    assistant = ASSISTANTS[agent]
    return {
        "pending_dir": pending_dir or str(DEFAULTS["pending_dir"]),
        "logs_dir": logs_dir or str(DEFAULTS["logs_dir"]),
        "version": __version__,
        "agent": agent,
        "agent_label": assistant.label,
        "agent_title": assistant.title,
    }


def render_asset(name: str, context: dict[str, str]) -> str:
    """Render `templates/claude/<name>.j2`."""
    from sessionlog_git.pipeline.render import render

    return render(f"claude/{name}.j2", **context)


def agent_text(name: str, context: dict[str, str]) -> str:
    return render_asset(f"agents/{name}.md", context)


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


# --------------------------------------------------------------------------- the install record


def record_path(top: Path) -> Path:
    return top / STATE_DIR / RECORD


def load_record(top: Path) -> dict[str, Any]:
    try:
        data = json.loads(record_path(top).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_record(top: Path, record: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text, ensure_state_dir

    ensure_state_dir(top / STATE_DIR)
    atomic_write_text(record_path(top), json.dumps(record, indent=1, sort_keys=True) + "\n")


@dataclass
class Part:
    """One assistant's part of the install record (`claude`, `codex`, `gemini`)."""

    key: str
    files: dict[str, str]  # path -> sha256 of what init wrote
    created: list[str]  # files init created (so uninstall may delete them when empty)

    @classmethod
    def of(cls, record: dict[str, Any], key: str = "claude") -> Part:
        part = record.get(key) if isinstance(record.get(key), dict) else {}
        assert isinstance(part, dict)
        files = part.get("files") if isinstance(part.get("files"), dict) else {}
        created = part.get("created") if isinstance(part.get("created"), list) else []
        assert isinstance(files, dict) and isinstance(created, list)
        return cls(key, {str(k): str(v) for k, v in files.items()}, [str(c) for c in created])

    def store(self, record: dict[str, Any]) -> None:
        record[self.key] = {"files": self.files, "created": sorted(set(self.created))}


Claude = Part  # the name of the Claude-only record part before Codex and Gemini


# --------------------------------------------------------------------------- settings.json


def read_settings(
    path: Path, agent: str = "claude", config_fields: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The parsed settings (None when the file is missing); errors name line and column.

    `config_fields` are keys under `hooks` that are not events (Gemini's `enabled`, ...).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionlogError(
            f"{path}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg}), so the "
            "sessionlog hooks were not added. Fix: correct it there and run "
            f"`sessionlog init --agent {agent}` again."
        ) from None
    if not isinstance(data, dict):
        raise SessionlogError(f"{path}: expected a JSON object at the top. Fix: wrap it in {{...}}.")
    hooks = data.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise SessionlogError(f"{path}: `hooks` must be an object of events. Fix: write it "
                              "as {\"hooks\": {\"SessionStart\": [...]}}.")
    for event, groups in (hooks or {}).items():
        if not isinstance(groups, list) and event not in config_fields:
            raise SessionlogError(f"{path}: `hooks.{event}` must be a list of matcher groups. "
                                  "Fix: write it as [{\"hooks\": [...]}].")
    return data


def settings_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def merge_hooks(data: dict[str, Any], wanted: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Put our handlers into `data["hooks"]` in place; returns what changed."""
    hooks = data.setdefault("hooks", {})
    changed: list[str] = []
    for claude_event, groups in wanted.items():
        want = groups[0]["hooks"][0]
        ours_name = our_event(want)
        present = hooks.setdefault(claude_event, [])
        found = False
        for group in present:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(handlers, list):
                continue
            kept: list[Any] = []
            for handler in handlers:
                if our_event(handler) != ours_name:
                    kept.append(handler)
                elif found:  # a duplicate of ours: one is enough
                    changed.append(f"{claude_event} (duplicate removed)")
                else:
                    found = True
                    if handler != want:
                        changed.append(f"{claude_event} (updated)")
                    kept.append(dict(want) if handler != want else handler)
            if kept != handlers:
                group["hooks"] = kept
        emptied = [g for g in present if isinstance(g, dict) and g.get("hooks") == []]
        if emptied and any("duplicate" in c for c in changed):
            hooks[claude_event] = [g for g in present if not any(g is e for e in emptied)]
        if not found:
            hooks[claude_event].append({"hooks": [dict(want)]})
            changed.append(claude_event)
    return changed


def remove_hooks(data: dict[str, Any]) -> list[str]:
    """Take our handlers out of `data["hooks"]`, dropping what becomes empty."""
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return []
    removed: list[str] = []
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        kept_groups = []
        for group in groups:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if isinstance(handlers, list):
                kept = [h for h in handlers if our_event(h) is None]
                if len(kept) != len(handlers):
                    removed.append(event)
                    if not kept:
                        continue
                    group = {**group, "hooks": kept}
            kept_groups.append(group)
        if kept_groups:
            hooks[event] = kept_groups
        else:
            del hooks[event]
    if not hooks:
        del data["hooks"]
    return removed


# --------------------------------------------------------------------------- CLAUDE.md


def find_block(text: str, where: str) -> tuple[int, int] | None:
    """(start, end) offsets of our block, end after the end marker's line; None if absent."""
    start = text.find(BLOCK_BEGIN)
    if start < 0:
        if BLOCK_END in text:
            line = text[: text.find(BLOCK_END)].count("\n") + 1
            raise SessionlogError(f"{where}: line {line}: `{BLOCK_END}` without "
                                  f"`{BLOCK_BEGIN}` before it. Fix: remove that line.")
        return None
    end = text.find(BLOCK_END, start)
    if end < 0:
        line = text[:start].count("\n") + 1
        raise SessionlogError(
            f"{where}: line {line}: `{BLOCK_BEGIN}` has no `{BLOCK_END}` after it, so the "
            "block cannot be replaced safely. Fix: add the end marker where our block ends "
            "(or delete the begin marker), then run the command again."
        )
    end += len(BLOCK_END)
    if text[end : end + 1] == "\n":
        end += 1
    return start, end


def with_block(text: str, block: str, where: str) -> str:
    span = find_block(text, where)
    if span is not None:
        return text[: span[0]] + block + text[span[1] :]
    if not text.strip():
        return block
    return text.rstrip("\n") + "\n\n" + block


def without_block(text: str, where: str) -> str:
    span = find_block(text, where)
    if span is None:
        return text
    before, after = text[: span[0]], text[span[1] :]
    if before.endswith("\n\n") and (after.startswith("\n") or not after):
        before = before[:-1]
    if not before.strip():
        after = after.lstrip("\n")
    return before + after


# --------------------------------------------------------------------------- init / uninstall


def _write(plan: Plan, path: Path, text: str) -> None:
    if plan.dry_run:
        return
    from sessionlog_git.base.fsutil import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def install(top: Path, plan: Plan, *, pending_dir: str, logs_dir: str) -> None:
    """`sessionlog init --agent claude`: merge hooks, write agents and the CLAUDE.md block."""
    from sessionlog_git.agents import setup as assistants

    target = assistants.TARGETS["claude"]
    record = load_record(top)
    mine = Part.of(record, target.name)
    context = template_context(pending_dir, logs_dir, target.name)
    assistants.install_hooks(top, plan, target, mine)

    for name in AGENTS:
        rel = f".claude/agents/{name}.md"
        text = agent_text(name, context)
        target_file = top / rel
        try:
            current: str | None = target_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current == text:
            mine.files[rel] = _sha(text)
            plan.same(rel)
        elif current is None or _sha(current) == mine.files.get(rel):
            _write(plan, target_file, text)
            mine.files[rel] = _sha(text)
            plan.did(f"{'write' if current is None else 'update'} {rel}")
        else:
            plan.same(f"{rel}: kept yours (it differs from ours; delete it and run init again "
                      "to get ours)")

    assistants.install_block(top, plan, target, mine, context)
    if not plan.dry_run:
        mine.store(record)
        save_record(top, record)


def _remove_empty_dirs(top: Path, *rels: str) -> None:
    for rel in rels:
        with contextlib.suppress(OSError):
            (top / rel).rmdir()


def uninstall(top: Path, plan: Plan) -> None:
    """Take out what `install` added; keep everything a person wrote or changed."""
    from sessionlog_git import workspace
    from sessionlog_git.agents import setup as assistants

    target = assistants.TARGETS["claude"]
    record = load_record(top)
    mine = Part.of(record, target.name)
    cfg = workspace.at(top).config
    context = template_context(cfg.pending_dir, cfg.logs_dir, target.name)
    assistants.uninstall_hooks(top, plan, target, mine)

    for name in AGENTS:
        rel = f".claude/agents/{name}.md"
        target_file = top / rel
        try:
            current = target_file.read_bytes()
        except FileNotFoundError:
            continue
        ours = {_sha(agent_text(name, context)), mine.files.get(rel)}
        if _sha(current) in ours:
            if not plan.dry_run:
                target_file.unlink()
            plan.did(f"delete {rel}")
        else:
            plan.same(f"{rel}: kept (changed since init wrote it)")
        mine.files.pop(rel, None)

    assistants.uninstall_block(top, plan, target, mine)
    if not plan.dry_run:
        _remove_empty_dirs(top, ".claude/agents", ".claude")
        record.pop(target.name, None)
        save_record(top, record)


# --------------------------------------------------------------------------- the plugin


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
                "hooks": hooks_config(plugin_command),
            },
            indent=2,
        )
        + "\n",
        PLUGIN_LAUNCHER: render_asset("plugin/run-hook.sh", context),
    }
    for name in AGENTS:
        files[f"agents/{name}.md"] = agent_text(name, context)
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


def settings_commands(data: dict[str, Any]) -> dict[str, list[str]]:
    """Our event -> the commands that run it, from a parsed settings file."""
    found: dict[str, list[str]] = {}
    for groups in (data.get("hooks") or {}).values():
        for group in groups if isinstance(groups, list) else []:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            for handler in handlers if isinstance(handlers, list) else []:
                event = our_event(handler)
                if event:
                    found.setdefault(event, []).append(str(handler.get("command", "")))
    return found


def interpreter_of(command: str) -> str:
    """The program a hook command runs (its first shell word)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    return words[0] if words else ""
