"""`sessionlog doctor`'s checks of every assistant in the registry.

Each assistant's pieces are checked when any trace of it is installed (or init recorded
it): its hooks file (every hook there, its interpreter still present), its extra files
(Claude's subagents: valid front matter, or Claude Code skips them silently), its
instructions block, and the one-time trust step its CLI needs before it runs project hooks
at all (Codex: trust the project and approve each hook in `/hooks`; Gemini: trust the
folder), explained, and warned about where it can be read. A repository set up for git
only is not faulted for lacking them.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from sessionlog_git.agents import hookfile, settings
from sessionlog_git.agents.assets import front_matter
from sessionlog_git.agents.registry import ASSISTANTS, Assistant
from sessionlog_git.errors import SessionlogError

Finding = tuple[str, str, str]  # (level: ok, bad, warn or info; what; fix)


def findings(top: Path) -> list[Finding]:
    """Every assistant's findings, in registry order; a line each for those not installed."""
    out: list[Finding] = []
    missing: list[Assistant] = []
    for assistant in ASSISTANTS.values():
        if installed(top, assistant):
            out += check_hooks(top, assistant)
            out += check_extra_files(top, assistant)
            block = check_block(top, assistant)
            out += [block] if block else []
            out += trust_findings(top, assistant)
        else:
            missing.append(assistant)
    out += [("info", f"{a.title} integration not installed (optional): "
             f"`sessionlog init --agent {a.name}`", "") for a in missing]
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def check_extra_files(top: Path, assistant: Assistant) -> list[Finding]:
    """The row's extra files are there, with front matter naming them (`name:` = file stem)."""
    fix = f"run `sessionlog init --agent {assistant.name}`"
    out: list[Finding] = []
    for rel, _ in assistant.extra_files:
        name = Path(rel).stem
        if not rel.endswith((".md", ".mdc")):
            out.append(hookfile.check_plugin(top, rel, fix))
            continue
        try:
            meta = front_matter((top / rel).read_text(encoding="utf-8"), rel)
        except FileNotFoundError:
            out.append(("bad", f"{rel} is missing", fix))
            continue
        except SessionlogError as exc:
            out.append(("bad", f"{exc} ({assistant.title} skips the agent silently)",
                        "correct it, or delete the file and " + fix))
            continue
        if meta.get("name") != name or not meta.get("description"):
            out.append(("bad", f"{rel}: front matter lacks `name: {name}` or a description",
                        "correct it, or delete the file and " + fix))
        else:
            out.append(("ok", f"{rel}", ""))
    return out


def installed(top: Path, assistant: Assistant) -> bool:
    """Any trace of the assistant's setup: the record, an extra file, our block, our hooks."""
    if assistant.name in settings.load_record(top):
        return True
    if any((top / rel).is_file() for rel, _ in assistant.extra_files):
        return True
    text = _read(top / assistant.instructions) if (top / assistant.instructions).is_file() else None
    if text is not None and settings.BLOCK_BEGIN in text:
        return True
    if not assistant.settings:
        return False
    try:
        data = settings.read_settings(top / assistant.settings, assistant)
    except SessionlogError:
        return True
    return bool(data and hookfile.commands(data))


def check_hooks(top: Path, assistant: Assistant) -> list[Finding]:
    """(level, what, fix) findings about the target's hooks file."""
    fix = f"run `sessionlog init --agent {assistant.name}`"
    if not assistant.settings:
        return []  # its hooks are in an extra file (checked there)
    path = top / assistant.settings
    try:
        data = settings.read_settings(path, assistant)
    except SessionlogError as exc:
        return [("bad", str(exc), "correct the JSON, then " + fix)]
    if data is None:
        return [("bad", f"{assistant.settings} is missing (no reminders, no safety nets)", fix)]
    out: list[Finding] = []
    commands = hookfile.commands(data)
    for ours, native, _ in assistant.hooked():
        found = commands.get(ours)
        if not found:
            out.append(("bad", f"{assistant.settings}: no sessionlog {native} hook", fix))
            continue
        program = settings.interpreter_of(found[0])
        if os.path.isabs(program) and not os.access(program, os.X_OK):
            out.append(("bad", f"{assistant.settings}: the {native} hook runs {program}, which is "
                        "gone", fix + " again from the current installation"))
        elif os.path.isabs(program):
            out.append(("bad", f"{assistant.settings}: the {native} hook runs {program}, a path "
                        "of one machine in a committed file: a teammate's hook fails there",
                        fix + " (it writes a neutral command), then commit the file"))
        else:
            out.append(("ok", f"{assistant.settings}: {native} hook ({program})", ""))
    return out


def check_block(top: Path, assistant: Assistant) -> Finding | None:
    fix = f"run `sessionlog init --agent {assistant.name}`"
    if not assistant.instructions:
        return None  # its instructions are an extra file (checked there)
    md = top / assistant.instructions
    text = md.read_text(encoding="utf-8", errors="replace") if md.is_file() else ""
    try:
        span = settings.find_block(text, str(md))
    except SessionlogError as exc:
        return ("bad", str(exc), "fix the markers, then " + fix)
    if span is None:
        return ("bad", f"{assistant.instructions} has no sessionlog block (the assistant is not "
                "told how and what to log)", fix)
    return ("ok", f"{assistant.instructions} sessionlog block", "")


def _codex_home() -> Path:
    return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")


def _codex_trusted(top: Path) -> bool:
    """`[projects."<top>"] trust_level = "trusted"` in Codex's config (a plain text check)."""
    text = _read(_codex_home() / "config.toml") or ""
    header = f"[projects.{json.dumps(str(top))}]"
    if header not in text:
        return False
    section = text.split(header, 1)[1].split("\n[", 1)[0]
    return "trusted" in section and "untrusted" not in section


def _gemini_trusted(top: Path) -> bool:
    """The folder (or a parent marked TRUST_PARENT's child) in ~/.gemini/trustedFolders.json."""
    if os.environ.get("GEMINI_CLI_TRUST_WORKSPACE", "").lower() == "true":
        return True
    try:
        data = json.loads(_read(Path.home() / ".gemini" / "trustedFolders.json") or "{}")
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    here = top.resolve()
    for folder, level in data.items():
        try:
            path = Path(folder).resolve()
        except OSError:
            continue
        if level == "TRUST_FOLDER" and (path == here or path in here.parents):
            return True
        if level == "TRUST_PARENT" and path.parent in (here, *here.parents):
            return True
    return False


def _codex_trust(top: Path) -> list[Finding]:
    out: list[Finding] = [
        ("info", "Codex CLI skips each project hook until you approve it, silently: run "
         "`codex` here once and approve the sessionlog hooks when it asks, or in `/hooks` "
         "(again after `sessionlog init` changes them, e.g. a new Python path)", "")]
    if _codex_trusted(top):
        out.append(("ok", f"Codex CLI trusts this project ({_codex_home() / 'config.toml'})", ""))
    else:
        out.append(("warn", "Codex CLI does not trust this project yet, so it loads no "
                    "project hooks", f"answer the trust prompt when `codex` starts here, or "
                    f"add `[projects.{json.dumps(str(top))}]` `trust_level = \"trusted\"` to "
                    f"{_codex_home() / 'config.toml'}"))
    return out


def _gemini_trust(top: Path) -> list[Finding]:
    if _gemini_trusted(top):
        return [("ok", "Gemini CLI trusts this folder (~/.gemini/trustedFolders.json)", "")]
    return [("warn", "Gemini CLI runs project hooks only in a trusted folder, and this one "
             "is not in ~/.gemini/trustedFolders.json", "trust it when `gemini` asks on "
             "start (or run `/permissions trust` in gemini); it then lists our hooks once and runs them")]


def _copilot_trust(top: Path) -> list[Finding]:
    return [("info", "Copilot CLI runs repository hooks only in a folder you trust (it asks "
             "when `copilot` starts here); `copilot -p` skips them silently unless run with "
             "`--trust-folder`, and denies the logging command (Python outside the project) "
             "unless run with `--allow-all-paths`", "")]


# A registry row's `trust` names its CLI's one-time trust step here.
TRUST_CHECKS: dict[str, Callable[[Path], list[Finding]]] = {
    "codex": _codex_trust,
    "gemini": _gemini_trust,
    "copilot": _copilot_trust,
}


def trust_findings(top: Path, assistant: Assistant) -> list[Finding]:
    """The one-time trust step each CLI needs before it runs project hooks at all."""
    check = TRUST_CHECKS.get(assistant.trust)
    return check(top) if check else []
