"""What init writes into an assistant's files, read back and taken out again.

* the hooks settings file (`.claude/settings.json`, `.codex/hooks.json`, ...): read with
  errors that name line and column, our handlers merged in or removed, the user's own kept;
  a handler is ours when its command runs `sessionlog hook EVENT` (or the plugin launcher);
* the marked block in the instructions file (CLAUDE.md, AGENTS.md, GEMINI.md), between
  `constants.BLOCK_BEGIN` and `BLOCK_END`;
* the install record `.sessionlog/installed.json`: per assistant, the files init wrote (with
  their sha256) and the ones it created, so `sessionlog uninstall` removes exactly that and
  keeps anything a person changed since.
"""
from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionlog_git.agents.registry import Assistant
from sessionlog_git.base import statedir
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import BLOCK_BEGIN, BLOCK_END, INSTALL_RECORD
from sessionlog_git.errors import SessionlogError

if TYPE_CHECKING:
    from sessionlog_git.base.plan import Plan

__all__ = ["BLOCK_BEGIN", "BLOCK_END"]  # re-exported: setup and doctor test for the markers

PLUGIN_LAUNCHER = "scripts/run-hook.sh"
# A handler is ours when its command runs `... sessionlog_git hook EVENT`, `sessionlog hook
# EVENT` or the plugin launcher with EVENT.
OUR_COMMAND = re.compile(
    r"(?:^|[\s/'\"])(?:sessionlog_git|sessionlog)\s+hook\s+(?P<event>[a-z-]+)"
    r"(?:\s+--agent[\s=]+(?P<agent>[a-z-]+))?\s*$"
    r"|run-hook\.sh[\"']?\s+(?P<plugin_event>[a-z-]+)\s*$"
)


def sha(data: str | bytes) -> str:
    return sha256_hex(data.encode("utf-8") if isinstance(data, str) else data)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def hook_command(event: str, agent: str = "claude") -> str:
    """The command committed into the hooks file: neutral, no path of this machine (the
    clone's launcher, written by init, finds the installation; see `base.clone`)."""
    from sessionlog_git.base.clone import hook_command as neutral

    return neutral(event, agent)


def hooks_config(assistant: Assistant, command: Callable[[str], str] | None = None
                 ) -> dict[str, list[dict[str, Any]]]:
    """`{"<Event>": [{"hooks": [{"type": "command", ...}]}]}`, the settings-file shape, for
    each event the assistant's row hooks; `command` (ours -> command) defaults to ours."""
    def ours(event: str) -> str:
        return hook_command(event, agent=assistant.name)

    run = command or ours
    return {
        native: [{**({"matcher": assistant.matchers[event]} if event in assistant.matchers else {}),
                  "hooks": [{"type": "command", "command": run(event), "timeout": timeout}]}]
        for event, native, timeout in assistant.hooked()
    }


def our_event(handler: Any) -> str | None:
    """Which of our events a settings handler runs, or None when it is not ours."""
    if not isinstance(handler, dict) or handler.get("type", "command") != "command":
        return None
    match = OUR_COMMAND.search(str(handler.get("command", "")))
    if not match:
        return None
    return match["event"] or match["plugin_event"]


# --------------------------------------------------------------------------- the install record


def record_path(top: Path) -> Path:
    return Path(statedir.folder(top)) / INSTALL_RECORD


def load_record(top: Path) -> dict[str, Any]:
    try:
        data = json.loads(record_path(top).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_record(top: Path, record: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    statedir.ensure(top)
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


# --------------------------------------------------------------------------- settings files


def read_settings(path: Path, assistant: Assistant) -> dict[str, Any] | None:
    """The parsed settings (None when the file is missing); errors name line and column.

    The row's `config_fields` are keys under `hooks` that are not events (Gemini's `enabled`).
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
            f"`sessionlog init --agent {assistant.name}` again."
        ) from None
    if not isinstance(data, dict):
        raise SessionlogError(f"{path}: expected a JSON object at the top. Fix: wrap it in {{...}}.")
    hooks = data.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise SessionlogError(f"{path}: `hooks` must be an object of events. Fix: write it "
                              "as {\"hooks\": {\"SessionStart\": [...]}}.")
    for event, groups in (hooks or {}).items():
        if not isinstance(groups, list) and event not in assistant.config_fields:
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
            matcher = {k: v for k, v in groups[0].items() if k == "matcher"}
            hooks[claude_event].append({**matcher, "hooks": [dict(want)]})
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


# --------------------------------------------------------------------------- instruction blocks


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


def write(plan: Plan, path: Path, text: str) -> None:
    if plan.dry_run:
        return
    from sessionlog_git.base.fsutil import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
