"""Hooks files of either shape, and the user's own bytes kept for `sessionlog uninstall`.

Two shapes of hooks file, chosen by the registry row's `handler`:

* Claude-shaped (Claude Code, Codex, Gemini, Qwen): `{"hooks": {"<Event>": [{"matcher": ...,
  "hooks": [{"type": "command", "command": ..., "timeout": N}]}]}}`, merged by `settings`;
* flat (Copilot CLI `.github/hooks/*.json`, Cursor `.cursor/hooks.json`, Windsurf
  `.windsurf/hooks.json`): `{"hooks": {"<event>": [{<handler>}, ...]}}`, a list of handlers
  per event, each the row's `handler` with our command (and timeout) filled in. Copilot's
  command is under `bash`, the others' under `command`.

A handler is ours when its command runs `sessionlog hook EVENT` (`settings.OUR_COMMAND`).

Byte for byte: when init changes a file that was there before, its text is kept in
`.sessionlog/installed-originals.json`; uninstall writes that text back when, our hooks
taken out of both, the file still says what it said (else it writes the JSON it has).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sessionlog_git.agents import settings
from sessionlog_git.agents.registry import Assistant
from sessionlog_git.base import statedir

ORIGINALS = "installed-originals.json"


def command_of(handler: Any) -> str:
    """The shell command of a handler of either shape ("" when it has none)."""
    if not isinstance(handler, dict) or handler.get("type", "command") != "command":
        return ""
    return str(handler.get("command") or handler.get("bash") or "")


def our_event(handler: Any) -> str | None:
    """Which of our events a handler of either shape runs, or None when it is not ours."""
    match = settings.OUR_COMMAND.search(command_of(handler))
    if not match:
        return None
    return match["event"] or match["plugin_event"]


def flat_handler(assistant: Assistant, command: str, timeout: int) -> dict[str, Any]:
    """The row's handler template with `{command}` and `{timeout}` filled in."""
    assert assistant.handler is not None
    out: dict[str, Any] = {}
    for key, value in assistant.handler.items():
        if value == "{command}":
            out[key] = command
        elif value == "{timeout}":
            out[key] = timeout
        else:
            out[key] = value
    return out


def wanted(assistant: Assistant) -> dict[str, list[dict[str, Any]]]:
    """Event -> what init puts there: one matcher group (Claude shape) or one handler (flat)."""
    if assistant.handler is None:
        return settings.hooks_config(assistant)
    return {
        native: [flat_handler(assistant, settings.hook_command(event, agent=assistant.name), timeout)]
        for event, native, timeout in assistant.hooked()
    }


def merge(data: dict[str, Any], assistant: Assistant) -> list[str]:
    """Put our handlers into `data` in place (the user's stay); returns what changed."""
    if not data:
        data.update(dict(assistant.header))
    if assistant.handler is None:
        return settings.merge_hooks(data, wanted(assistant))
    hooks = data.setdefault("hooks", {})
    changed: list[str] = []
    for native, (want,) in wanted(assistant).items():
        ours = our_event(want)
        present = hooks.setdefault(native, [])
        kept: list[Any] = []
        found = False
        for handler in present:
            if our_event(handler) != ours:
                kept.append(handler)
            elif found:
                changed.append(f"{native} (duplicate removed)")
            else:
                found = True
                if handler != want:
                    changed.append(f"{native} (updated)")
                kept.append(want)
        if not found:
            kept.append(want)
            changed.append(native)
        hooks[native] = kept
    return changed


def remove(data: dict[str, Any], assistant: Assistant) -> list[str]:
    """Take our handlers out of `data`, dropping what becomes empty (and, in a file left with
    no hooks, the header keys init starts a file with); returns the events touched."""
    if assistant.handler is None:
        taken = settings.remove_hooks(data)
        if taken and "hooks" not in data:
            _drop_header(data, assistant)
        return taken
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return []
    removed: list[str] = []
    for native in list(hooks):
        handlers = hooks[native]
        if not isinstance(handlers, list):
            continue
        kept = [h for h in handlers if our_event(h) is None]
        if len(kept) != len(handlers):
            removed.append(native)
            if kept:
                hooks[native] = kept
            else:
                del hooks[native]
    if removed and not hooks:
        del data["hooks"]
        _drop_header(data, assistant)
    return removed


def _drop_header(data: dict[str, Any], assistant: Assistant) -> None:
    for key, value in assistant.header.items():
        if data.get(key) == value:
            del data[key]


def commands(data: dict[str, Any]) -> dict[str, list[str]]:
    """Our event -> the commands that run it, in a hooks file of either shape."""
    found: dict[str, list[str]] = {}
    hooks = data.get("hooks")
    for items in (hooks.values() if isinstance(hooks, dict) else ()):
        for item in items if isinstance(items, list) else []:
            inner = item.get("hooks") if isinstance(item, dict) else None
            for handler in inner if isinstance(inner, list) else [item]:
                event = our_event(handler)
                if event:
                    found.setdefault(event, []).append(command_of(handler))
    return found


# --------------------------------------------------------------------------- the user's bytes


def _originals_path(top: Path) -> Path:
    return Path(statedir.folder(top)) / ORIGINALS


def _load_originals(top: Path) -> dict[str, str]:
    try:
        data = json.loads(_originals_path(top).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_originals(top: Path, originals: dict[str, str]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    if not originals:
        _originals_path(top).unlink(missing_ok=True)
        return
    statedir.ensure(top)
    atomic_write_text(_originals_path(top), json.dumps(originals, indent=1, sort_keys=True) + "\n")


def remember(top: Path, rel: str, text: str) -> None:
    """Keep a file's text from before init first changed it (a later init keeps the first)."""
    originals = _load_originals(top)
    if rel not in originals:
        originals[rel] = text
        _save_originals(top, originals)


def restored(top: Path, rel: str, data: dict[str, Any], assistant: Assistant) -> str:
    """The text uninstall writes for `data` (our hooks already out): the user's own bytes
    when nothing else changed since init, else `data` as JSON."""
    originals = _load_originals(top)
    text = originals.pop(rel, None)
    _save_originals(top, originals)
    if text is not None:
        try:
            before = json.loads(text) if text.strip() else {}
        except ValueError:
            before = None
        if isinstance(before, dict):
            remove(before, assistant)
            if before == data:
                return text
    return settings.settings_json(data)


# --------------------------------------------------------------------------- a plugin file


PLUGIN_LAUNCH = "const LAUNCH = "  # the generated plugin's line holding the neutral launcher


def check_plugin(top: Path, rel: str, fix: str) -> tuple[str, str, str]:
    """doctor's finding for a generated plugin (OpenCode's): there, running `sessionlog hook`
    through the clone's launcher (which doctor checks, and runs, on its own line)."""
    try:
        text = (top / rel).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ("bad", f"{rel} is missing (no context at session start, no reminders)", fix)
    if PLUGIN_LAUNCH not in text or '"hook"' not in text:
        return ("bad", f"{rel} does not run `sessionlog hook` (changed since init wrote it?)",
                "delete it and " + fix)
    return ("ok", f"{rel} (runs sessionlog through this clone's launcher)", "")
