"""The why at the moment of the edit: the live reasoning about a file the assistant touches.

Hooked on each assistant's tool events (registry rows, events `post-tool-use` and
`pre-tool-use`, with the row's `matchers`): when the model reads or is about to edit a file,
the live decisions, open blockers and recorded failed attempts that concern that file
(`logs.context_shards.read`, which opens only that file's index shards, never the archive)
are returned as context.

Where it reaches the model (REFERENCE.md, "What the model sees from each hook"): Claude Code
shows PreToolUse context only after the tool ran, but its Edit needs a prior Read, and
PostToolUse context on `Read` arrives before the model writes the edit. So Claude Code is
hooked on both, and the first of them for a file delivers (once per file per session):
normally the Read, the Edit when the model edits a file it never read (then the context
arrives with the edit's result, in time for the next change). Codex sends apply_patch to
PreToolUse with the paths inside `tool_input.command`; Gemini CLI and Qwen Code append
AfterTool/PostToolUse context to the tool result; Copilot CLI hooks every tool, and the
payload says which (`toolName`, `toolArgs`).

Budgets: at most `FILE_BUDGET` characters for one file and `SESSION_BUDGET` for a session,
most relevant first (the file itself before its folders and its bare name; decisions, then
blockers, then failed attempts; newest first). Nothing is said when nothing live concerns
the file, or when all of it was said earlier in the session. Per-session state (files told,
items told, characters spent) lives in the session's state file (`agents.session`).

Standard library only, and lean: it runs on every tool call the hooks match, so it imports
neither `json` (`base.leanjson`), `re` (only for a Codex patch) nor `pathlib`.
"""
from __future__ import annotations

import os

from sessionlog_git.agents import registry, session
from sessionlog_git.base import statedir
from sessionlog_git.base.leanjson import loads  # json's parser without json (re, enum)
from sessionlog_git.constants import SESSIONS_DIR, STATE_DIR
from sessionlog_git.logs.context_shards import keys_for, read

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

FILE_BUDGET = 600  # characters of context for one file
SESSION_BUDGET = 3000  # characters of file context in one session
STATE_KEY = "edit_context"  # the part of the session state this module owns
PATH_KEYS = ("file_path", "filePath", "absolute_path", "notebook_path", "path")
# Compiled on the first apply_patch seen (Codex): `re` costs the other calls its import.
_PATCH_FILE = r"^\*\*\* (?:Update|Add|Delete) File: (.+?)\s*$|^\*\*\* Move to: (.+?)\s*$"
_KIND_RANK = {"decision": 0, "blocker": 1, "finding": 2}
# Tools that read a file; any other tool call that names a file is counted as an edit.
READ_TOOLS = frozenset({"Read", "read_file", "read_many_files", "view", "NotebookRead"})


def tool_paths(data: dict[str, Any]) -> list[str]:
    """The file paths a tool call names, as the CLI sent them (absolute or relative).

    Claude Code, Gemini CLI, Qwen Code: `tool_input.file_path` (or `absolute_path`, `path`);
    Codex apply_patch: the `*** Update File:` / `*** Add File:` lines of `tool_input.command`;
    Copilot CLI: `toolArgs` (an object, or its JSON text)."""
    args: Any = data.get("tool_input")
    if not isinstance(args, dict):
        args = data.get("toolArgs")
        if isinstance(args, str):
            try:
                args = loads(args)
            except ValueError:
                args = {"patch": args}  # a freeform apply_patch
    if not isinstance(args, dict):
        return []
    found: list[str] = []
    for key in PATH_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
            break
    for key in ("command", "input", "patch"):
        value = args.get(key)
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        if isinstance(value, str) and "*** " in value:
            import re

            for update, moved in re.findall(_PATCH_FILE, value, re.MULTILINE):
                found.append(update or moved)
    out: list[str] = []
    for path in found:
        if path not in out:
            out.append(path)
    return out


def relative_to_top(top: str, cwd: str, path: str) -> str | None:
    """`path` as a POSIX path relative to the top; None when it lies outside the work tree."""
    full = path if os.path.isabs(path) else os.path.join(cwd or top, path)
    real_top = os.path.realpath(top)
    real = os.path.realpath(full)
    try:
        rel = os.path.relpath(real, real_top)
    except ValueError:
        return None
    if rel == "." or rel == ".." or rel.startswith(".." + os.sep) or os.path.isdir(real):
        return None
    parts = rel.split(os.sep)
    if parts[0] in (".git", STATE_DIR):
        return None
    return "/".join(parts)


def _today() -> str:
    now = os.environ.get("SESSIONLOG_NOW", "")
    if len(now) >= 10 and now[4] == "-" and now[7] == "-":
        return now[:10]
    import time

    return time.strftime("%Y-%m-%d")


def ranked(found: list[tuple[str, dict[str, Any]]], path: str) -> list[dict[str, Any]]:
    """The items most relevant first: the file's own key, then its folders (nearest first),
    then its bare name; decisions before blockers before failed attempts; newest first."""
    order = {key: rank for rank, key in enumerate(keys_for(path))}

    def rank(pair: tuple[str, dict[str, Any]]) -> tuple[int, int, str]:
        key, item = pair
        newest = "".join(chr(0x10FFFF - ord(c)) for c in str(item.get("at", "")))
        return (order.get(key, len(order)), _KIND_RANK.get(str(item.get("kind")), 3), newest)

    return [item for _, item in sorted(found, key=rank)]


def compose(path: str, items: list[dict[str, Any]], room: int) -> tuple[str, list[str]]:
    """The context for one file within `room` characters, and the ids of the items it holds.

    Most relevant first, one line an item; a line longer than what is left is cut with an
    ellipsis (its date and author lead, so they stay), and no line starts with fewer than 60
    characters left. "" when not even one item fits."""
    from sessionlog_git.agents import texts  # only when there is something to tell

    head = texts.edit_context_head(path)
    text = head
    told: list[str] = []
    for item in items:
        line = texts.edit_context_line(item)
        left = room - len(text) - 1
        if left < 60:
            break
        if len(line) > left:
            line = line[: left - 1].rstrip() + "…"
        text += "\n" + line
        told.append(str(item.get("id", "")))
    return (text, told) if told else ("", [])


def context_for(top: str, data: dict[str, Any]) -> str:
    """The context text for the files this tool call names ("" for nothing), and the session
    state updated: what each file got, what the session has spent."""
    paths = [rel for rel in (relative_to_top(top, str(data.get("cwd") or top), p)
                             for p in tool_paths(data)) if rel]
    if not paths:
        return ""
    state_path = session.state_file(top, session.session_key(data))
    state = session.load_state(state_path)
    mine = state.get(STATE_KEY)
    if not isinstance(mine, dict):
        mine = {}
    files = [f for f in mine.get("files", []) if isinstance(f, str)]
    told_ids = {i for i in mine.get("items", []) if isinstance(i, str)}
    spent = mine.get("chars", 0) if isinstance(mine.get("chars"), int) else 0
    seen_before = {*files}
    is_edit = str(data.get("tool_name") or data.get("toolName") or "") not in READ_TOOLS
    edits = int(mine.get("edits", 0) or 0)  # edits of files that live reasoning concerns
    edits_told = int(mine.get("edits_told", 0) or 0)  # ... whose context had been told by then
    parts: list[str] = []
    index_folder = statedir.folder(top)
    today = _today()
    for rel in paths:
        if rel in seen_before:
            edits, edits_told = edits + is_edit, edits_told + is_edit
            continue
        live = ranked(read(index_folder, rel, today=today), rel)
        items = [item for item in live if str(item.get("id", "")) not in told_ids]
        room = min(FILE_BUDGET, SESSION_BUDGET - spent)
        if live and is_edit:
            edits += 1
            # told already: everything live about it was said for another file
            edits_told += not items
        if not items or room <= 0:
            continue
        text, told = compose(rel, items, room)
        if not text:
            continue
        edits_told += is_edit
        parts.append(text)
        spent += len(text)
        files.append(rel)
        seen_before.add(rel)
        told_ids.update(told)
    if not parts and (edits, edits_told) == (mine.get("edits", 0), mine.get("edits_told", 0)):
        return ""  # nothing to say and nothing to count: the state file is not touched
    mine = {"files": files, "items": sorted(told_ids), "chars": spent, "edits": edits,
            "edits_told": edits_told, "tells": int(mine.get("tells", 0) or 0) + bool(parts)}
    state[STATE_KEY] = mine
    os.makedirs(os.path.join(statedir.folder(top), SESSIONS_DIR), exist_ok=True)
    session.save_state(state_path, state)
    return "\n\n".join(parts)


def forget_told(state: dict[str, Any]) -> bool:
    """After a compaction: forget which files and items were told (the summary may have
    dropped them), so they are told again; the characters spent stay spent. True if changed."""
    mine = state.get(STATE_KEY)
    if not isinstance(mine, dict) or not (mine.get("files") or mine.get("items")):
        return False
    state[STATE_KEY] = {**mine, "files": [], "items": []}
    return True


def measures(top: str) -> dict[str, Any]:
    """What the file context cost and reached, over the session states kept in `top`: the
    characters told per session, and the share of edits of files that live reasoning
    concerns whose context had been told by the time of the edit (at a read before it, or
    at the edit itself). For the session benchmark."""
    chars: list[int] = []
    edits = told = 0
    for state in session.states(top):
        mine = state.get(STATE_KEY)
        if not isinstance(mine, dict):
            continue
        chars.append(int(mine.get("chars", 0) or 0))
        edits += int(mine.get("edits", 0) or 0)
        told += int(mine.get("edits_told", 0) or 0)
    return {
        "sessions": len(chars),
        "chars_per_session_max": max(chars, default=0),
        "chars_per_session_mean": round(sum(chars) / len(chars), 1) if chars else 0.0,
        "edits_with_context": edits,
        "edits_told": told,
        "hit_rate": round(told / edits, 3) if edits else None,
    }


def run(ours: str, agent: str, data: dict[str, Any], tops: list[str] | None = None) -> str:
    """The stdout of a tool event for `agent` ("" for nothing to say); the top found is
    appended to `tops`, so that an error is logged in that work tree."""
    assistant = registry.get(agent)
    if assistant is None:
        return ""
    top = session.find_top(assistant.project_env, data)
    if top is None:
        return ""
    if tops is not None:
        tops.append(top)
    text = context_for(top, data)
    return assistant.format(ours, "context", text) if text else ""
