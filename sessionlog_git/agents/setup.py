"""`sessionlog init --agent` and `sessionlog uninstall` for every assistant in the registry.

Each assistant gets the same hooks (run as `sessionlog hook EVENT --agent NAME`) merged into
its own settings file, the same marked instructions block in the file it reads, and the
extra files its row lists (Claude Code's two subagents). What init writes is recorded per
assistant in `.sessionlog/installed.json` (`settings.Part`), so `sessionlog uninstall`
removes exactly that and keeps whatever a person wrote or changed.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from sessionlog_git.agents import hookfile, settings, texts
from sessionlog_git.agents.assets import block_text, render_asset, template_context
from sessionlog_git.agents.registry import ASSISTANTS, Assistant
from sessionlog_git.agents.settings import Part
from sessionlog_git.errors import UsageError

if TYPE_CHECKING:
    from sessionlog_git.base.plan import Plan


def parse_agents(value: str) -> list[str]:
    """`claude,codex` / `all` / `none` / "" -> the assistants to set up, in registry order."""
    names = [n.strip().lower() for n in value.replace(" ", ",").split(",") if n.strip()]
    if "all" in names:
        return list(ASSISTANTS)
    unknown = [n for n in names if n not in ASSISTANTS and n != "none"]
    if unknown:
        raise UsageError(
            f"--agent: unknown assistant {', '.join(repr(n) for n in unknown)}. Fix: use any of "
            f"{', '.join(ASSISTANTS)} (comma-separated, e.g. `--agent claude,codex`), `all` or `none`."
        )
    return [n for n in ASSISTANTS if n in names]


# --------------------------------------------------------------------------- pieces


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def install_hooks(top: Path, plan: Plan, assistant: Assistant, mine: Part) -> None:
    """Merge our handlers into the target's hooks file; the user's settings and hooks stay."""
    if not assistant.settings:
        return  # its hooks live in an extra file (OpenCode's plugin)
    path = top / assistant.settings
    data = settings.read_settings(path, assistant)
    existed = data is not None
    data = data if data is not None else {}
    changed = hookfile.merge(data, assistant)
    if changed:
        if existed and not plan.dry_run:
            hookfile.remember(top, assistant.settings, path.read_text(encoding="utf-8"))
        settings.write(plan, path, settings.settings_json(data))
        if not existed:
            mine.created.append(assistant.settings)
        plan.did(f"{'update' if existed else 'create'} {assistant.settings}: sessionlog hooks "
                 f"({', '.join(changed)}), run through this clone's launcher")
    else:
        plan.same(f"{assistant.settings} (sessionlog hooks present)")


def install_block(top: Path, plan: Plan, assistant: Assistant, mine: Part,
                  context: dict[str, str]) -> None:
    """Add (or refresh) our marked block in the target's instructions file."""
    if not assistant.instructions:
        return  # its instructions are an extra file (a rules file, the plugin)
    md = top / assistant.instructions
    old = _read(md)
    new = settings.with_block(old or "", block_text(context), str(md))
    if new == old:
        plan.same(f"{assistant.instructions} (sessionlog block)")
        return
    settings.write(plan, md, new)
    if old is None:
        mine.created.append(assistant.instructions)
    verb = "create" if old is None else ("update" if settings.BLOCK_BEGIN in old else "add")
    plan.did(f"{verb} the sessionlog block in {assistant.instructions} (how, what and what not to log)")


def uninstall_hooks(top: Path, plan: Plan, assistant: Assistant, mine: Part) -> None:
    if not assistant.settings:
        return
    path = top / assistant.settings
    data = settings.read_settings(path, assistant)
    if data is None:
        return
    removed = hookfile.remove(data, assistant)
    if not removed:
        return
    if not data and assistant.settings in mine.created:
        if not plan.dry_run:
            path.unlink()
        plan.did(f"delete {assistant.settings} (only our hooks were in it)")
    else:
        text = settings.settings_json(data) if plan.dry_run else hookfile.restored(
            top, assistant.settings, data, assistant)
        settings.write(plan, path, text)
        plan.did(f"remove the sessionlog hooks from {assistant.settings} ({', '.join(removed)}); "
                 "your settings and hooks stay")


def uninstall_block(top: Path, plan: Plan, assistant: Assistant, mine: Part) -> None:
    if not assistant.instructions:
        return
    md = top / assistant.instructions
    text = _read(md)
    if text is None or settings.BLOCK_BEGIN not in text:
        return
    rest = settings.without_block(text, str(md))
    if not rest.strip() and assistant.instructions in mine.created:
        if not plan.dry_run:
            md.unlink()
        plan.did(f"delete {assistant.instructions} (only our block was in it)")
    else:
        settings.write(plan, md, rest)
        plan.did(f"remove the sessionlog block from {assistant.instructions}; your text stays")


def install_extra_files(top: Path, plan: Plan, assistant: Assistant, mine: Part,
                        context: dict[str, str]) -> None:
    """Write the row's extra files (Claude's subagents); a file a person changed stays."""
    for rel, template in assistant.extra_files:
        text = render_asset(template, context)
        target_file = top / rel
        current = _read(target_file)
        if current == text:
            mine.files[rel] = settings.sha(text)
            plan.same(rel)
        elif current is None or settings.sha(current) == mine.files.get(rel):
            settings.write(plan, target_file, text)
            mine.files[rel] = settings.sha(text)
            plan.did(f"{'write' if current is None else 'update'} {rel}")
        else:
            plan.same(f"{rel}: kept yours (it differs from ours; delete it and run init again "
                      "to get ours)")


def uninstall_extra_files(top: Path, plan: Plan, assistant: Assistant, mine: Part) -> None:
    """Delete the extra files init wrote, unless changed since (ours now or as recorded)."""
    context: dict[str, str] | None = None
    for rel, template in assistant.extra_files:
        target_file = top / rel
        try:
            current = target_file.read_bytes()
        except FileNotFoundError:
            continue
        if context is None:
            from sessionlog_git import workspace

            cfg = workspace.at(top).config
            context = template_context(cfg.pending_dir, cfg.logs_dir, assistant.name,
                                       _command(assistant))
        ours = {settings.sha(render_asset(template, context)), mine.files.get(rel)}
        if settings.sha(current) in ours:
            if not plan.dry_run:
                target_file.unlink()
            plan.did(f"delete {rel}")
        else:
            plan.same(f"{rel}: kept (changed since init wrote it)")
        mine.files.pop(rel, None)


# --------------------------------------------------------------------------- whole assistants


def _command(assistant: Assistant) -> str:
    """How the committed instructions run sessionlog: this clone's launcher, by its path from
    the top (`sh .git/sessionlog/run`, which init writes in every clone): it runs in the
    assistant's shell without `sessionlog` on PATH, and names no path of any machine. (In a
    linked worktree the session-start note names the exact command.)"""
    return texts.LAUNCHER_COMMAND


def install(top: Path, plan: Plan, name: str, *, pending_dir: str, logs_dir: str) -> None:
    """`sessionlog init --agent NAME`: hooks, extra files, the instructions block, the record."""
    assistant = ASSISTANTS[name]
    record = settings.load_record(top)
    mine = Part.of(record, name)
    context = template_context(pending_dir, logs_dir, name, _command(assistant))
    install_hooks(top, plan, assistant, mine)
    install_extra_files(top, plan, assistant, mine, context)
    install_block(top, plan, assistant, mine, context)
    if not plan.dry_run:
        mine.store(record)
        settings.save_record(top, record)


def uninstall(top: Path, plan: Plan) -> None:
    """Remove every assistant's hooks, files and block (whichever are there); keep the user's."""
    for name, assistant in ASSISTANTS.items():
        record = settings.load_record(top)
        mine = Part.of(record, name)
        uninstall_hooks(top, plan, assistant, mine)
        uninstall_extra_files(top, plan, assistant, mine)
        uninstall_block(top, plan, assistant, mine)
        if not plan.dry_run:
            for folder in assistant.folders:
                with contextlib.suppress(OSError):
                    (top / folder).rmdir()
            record.pop(name, None)
            settings.save_record(top, record)
