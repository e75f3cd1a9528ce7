"""The AI assistants `sessionlog init --agent` sets up: Claude Code, Codex CLI, Gemini CLI.

Each gets the same hooks (run as `sessionlog hook EVENT --agent NAME`, one reminder logic in
`agent_hooks`) merged into its own settings file, and the same marked instructions block in
the file it reads. What differs is data, in `TARGETS`:

| assistant | hooks file | events (ours) | timeout unit | instructions |
| --- | --- | --- | --- | --- |
| Claude Code | `.claude/settings.json` | all five | seconds | `CLAUDE.md` (+ two subagents) |
| Codex CLI | `.codex/hooks.json` | start, prompt, stop, end | seconds | `AGENTS.md` |
| Gemini CLI | `.gemini/settings.json` | start, BeforeAgent, AfterAgent, end | milliseconds | `GEMINI.md` |

Codex clamps a SessionEnd hook's timeout to 3 s (it warns otherwise); its PreCompact output
cannot carry context, so Codex relies on SessionStart `source: compact` instead. Gemini's
`hooks` object may also hold `enabled`, `disabled` and `notifications`, which are kept.

What init writes is recorded per assistant in `.sessionlog/installed.json` (see
`claude_assets.Part`), so `sessionlog uninstall` removes exactly that.
"""
from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionlog_git.agents import claude as claude_assets
from sessionlog_git.agents.claude import Part
from sessionlog_git.errors import EXIT_USAGE, SessionlogError

if TYPE_CHECKING:
    from sessionlog_git.base.plan import Plan


@dataclass(frozen=True)
class Target:
    name: str  # as in `--agent`
    title: str
    settings: str  # the hooks file, relative to the top
    instructions: str  # the file the CLI reads instructions from
    hooks: tuple[tuple[str, str, int], ...]  # (the CLI's event, our event, timeout in `unit`)
    unit: str  # "s" or "ms"
    config_fields: frozenset[str] = frozenset()  # non-event keys under "hooks"
    folders: tuple[str, ...] = ()  # folders init may create (removed by uninstall when empty)

    def command(self, event: str) -> str:
        return claude_assets.python_command(event, agent=self.name)

    def wanted(self) -> dict[str, list[dict[str, Any]]]:
        return claude_assets.hooks_config(self.command, self.hooks)


TARGETS: dict[str, Target] = {
    "claude": Target("claude", "Claude Code", claude_assets.SETTINGS, claude_assets.CLAUDE_MD,
                     claude_assets.HOOKS, "s", folders=(".claude/agents", ".claude")),
    "codex": Target(
        "codex", "Codex CLI", ".codex/hooks.json", "AGENTS.md",
        (
            ("SessionStart", "session-start", 15),
            ("UserPromptSubmit", "user-prompt-submit", 10),
            ("Stop", "stop", 15),
            ("SessionEnd", "session-end", 3),
        ),
        "s", folders=(".codex",),
    ),
    "gemini": Target(
        "gemini", "Gemini CLI", ".gemini/settings.json", "GEMINI.md",
        (
            ("SessionStart", "session-start", 15000),
            ("BeforeAgent", "user-prompt-submit", 10000),
            ("AfterAgent", "stop", 15000),
            ("SessionEnd", "session-end", 15000),
        ),
        "ms", config_fields=frozenset({"enabled", "disabled", "notifications"}),
        folders=(".gemini",),
    ),
}


def parse_agents(value: str) -> list[str]:
    """`claude,codex` / `all` / `none` / "" -> the assistants to set up, in TARGETS order."""
    names = [n.strip().lower() for n in value.replace(" ", ",").split(",") if n.strip()]
    if "all" in names:
        return list(TARGETS)
    unknown = [n for n in names if n not in TARGETS and n != "none"]
    if unknown:
        error = SessionlogError(
            f"--agent: unknown assistant {', '.join(repr(n) for n in unknown)}. Fix: use any of "
            f"{', '.join(TARGETS)} (comma-separated, e.g. `--agent claude,codex`), `all` or `none`."
        )
        error.exit_code = EXIT_USAGE
        raise error
    return [n for n in TARGETS if n in names]


# --------------------------------------------------------------------------- pieces


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def install_hooks(top: Path, plan: Plan, target: Target, mine: Part) -> None:
    """Merge our handlers into the target's hooks file; the user's settings and hooks stay."""
    path = top / target.settings
    data = claude_assets.read_settings(path, target.name, target.config_fields)
    existed = data is not None
    data = data if data is not None else {}
    changed = claude_assets.merge_hooks(data, target.wanted())
    if changed:
        claude_assets._write(plan, path, claude_assets.settings_json(data))
        if not existed:
            mine.created.append(target.settings)
        import sys

        plan.did(f"{'update' if existed else 'create'} {target.settings}: sessionlog hooks "
                 f"({', '.join(changed)}), run by {sys.executable}")
    else:
        plan.same(f"{target.settings} (sessionlog hooks present)")


def install_block(top: Path, plan: Plan, target: Target, mine: Part,
                  context: dict[str, str]) -> None:
    """Add (or refresh) our marked block in the target's instructions file."""
    md = top / target.instructions
    old = _read(md)
    new = claude_assets.with_block(old or "", claude_assets.block_text(context), str(md))
    if new == old:
        plan.same(f"{target.instructions} (sessionlog block)")
        return
    claude_assets._write(plan, md, new)
    if old is None:
        mine.created.append(target.instructions)
    verb = "create" if old is None else ("update" if claude_assets.BLOCK_BEGIN in old else "add")
    plan.did(f"{verb} the sessionlog block in {target.instructions} (how, what and what not to log)")


def uninstall_hooks(top: Path, plan: Plan, target: Target, mine: Part) -> None:
    path = top / target.settings
    data = claude_assets.read_settings(path, target.name, target.config_fields)
    if data is None:
        return
    removed = claude_assets.remove_hooks(data)
    if not removed:
        return
    if not data and target.settings in mine.created:
        if not plan.dry_run:
            path.unlink()
        plan.did(f"delete {target.settings} (only our hooks were in it)")
    else:
        claude_assets._write(plan, path, claude_assets.settings_json(data))
        plan.did(f"remove the sessionlog hooks from {target.settings} ({', '.join(removed)}); "
                 "your settings and hooks stay")


def uninstall_block(top: Path, plan: Plan, target: Target, mine: Part) -> None:
    md = top / target.instructions
    text = _read(md)
    if text is None or claude_assets.BLOCK_BEGIN not in text:
        return
    rest = claude_assets.without_block(text, str(md))
    if not rest.strip() and target.instructions in mine.created:
        if not plan.dry_run:
            md.unlink()
        plan.did(f"delete {target.instructions} (only our block was in it)")
    else:
        claude_assets._write(plan, md, rest)
        plan.did(f"remove the sessionlog block from {target.instructions}; your text stays")


# --------------------------------------------------------------------------- whole assistants


def install(top: Path, plan: Plan, name: str, *, pending_dir: str, logs_dir: str) -> None:
    """`sessionlog init --agent NAME`."""
    if name == "claude":
        claude_assets.install(top, plan, pending_dir=pending_dir, logs_dir=logs_dir)
        return
    target = TARGETS[name]
    record = claude_assets.load_record(top)
    mine = Part.of(record, name)
    install_hooks(top, plan, target, mine)
    install_block(top, plan, target, mine,
                  claude_assets.template_context(pending_dir, logs_dir, name))
    if not plan.dry_run:
        mine.store(record)
        claude_assets.save_record(top, record)


def uninstall(top: Path, plan: Plan) -> None:
    """Remove every assistant's hooks and block (whichever are there); keep the user's."""
    claude_assets.uninstall(top, plan)
    for name, target in TARGETS.items():
        if name == "claude":
            continue
        record = claude_assets.load_record(top)
        mine = Part.of(record, name)
        uninstall_hooks(top, plan, target, mine)
        uninstall_block(top, plan, target, mine)
        if not plan.dry_run:
            for folder in target.folders:
                with contextlib.suppress(OSError):
                    (top / folder).rmdir()
            record.pop(name, None)
            claude_assets.save_record(top, record)


# --------------------------------------------------------------------------- doctor


def installed(top: Path, target: Target) -> bool:
    """Any trace of the assistant's setup: the record, our block, or one of our hooks."""
    if target.name in claude_assets.load_record(top):
        return True
    text = _read(top / target.instructions) if (top / target.instructions).is_file() else None
    if text is not None and claude_assets.BLOCK_BEGIN in text:
        return True
    try:
        data = claude_assets.read_settings(top / target.settings, target.name, target.config_fields)
    except SessionlogError:
        return True
    return bool(data and claude_assets.settings_commands(data))


def check_hooks(top: Path, target: Target) -> list[tuple[str, str, str]]:
    """(level, what, fix) findings about the target's hooks file."""
    fix = f"run `sessionlog init --agent {target.name}`"
    path = top / target.settings
    try:
        data = claude_assets.read_settings(path, target.name, target.config_fields)
    except SessionlogError as exc:
        return [("bad", str(exc), "correct the JSON, then " + fix)]
    if data is None:
        return [("bad", f"{target.settings} is missing (no reminders, no safety nets)", fix)]
    out: list[tuple[str, str, str]] = []
    commands = claude_assets.settings_commands(data)
    for native, ours, _ in target.hooks:
        found = commands.get(ours)
        if not found:
            out.append(("bad", f"{target.settings}: no sessionlog {native} hook", fix))
            continue
        program = claude_assets.interpreter_of(found[0])
        if os.path.isabs(program) and not os.access(program, os.X_OK):
            out.append(("bad", f"{target.settings}: the {native} hook runs {program}, which is "
                        "gone", fix + " again from the current installation"))
        else:
            out.append(("ok", f"{target.settings}: {native} hook ({program})", ""))
    return out


def check_block(top: Path, target: Target) -> tuple[str, str, str]:
    fix = f"run `sessionlog init --agent {target.name}`"
    md = top / target.instructions
    text = md.read_text(encoding="utf-8", errors="replace") if md.is_file() else ""
    try:
        span = claude_assets.find_block(text, str(md))
    except SessionlogError as exc:
        return ("bad", str(exc), "fix the markers, then " + fix)
    if span is None:
        return ("bad", f"{target.instructions} has no sessionlog block (the assistant is not "
                "told how and what to log)", fix)
    return ("ok", f"{target.instructions} sessionlog block", "")


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


def trust_findings(top: Path, target: Target) -> list[tuple[str, str, str]]:
    """The one-time trust step each CLI needs before it runs project hooks at all."""
    if target.name == "codex":
        out = [("info", "Codex CLI skips each project hook until you approve it, silently: run "
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
    if target.name == "gemini":
        if _gemini_trusted(top):
            return [("ok", "Gemini CLI trusts this folder (~/.gemini/trustedFolders.json)", "")]
        return [("warn", "Gemini CLI runs project hooks only in a trusted folder, and this one "
                 "is not in ~/.gemini/trustedFolders.json", "trust it when `gemini` asks on "
                 "start (or run `/permissions trust` in gemini); it then lists our hooks once and runs them")]
    return []
