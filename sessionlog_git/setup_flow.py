"""`sessionlog init` and `uninstall` end to end, both sides (git and assistants).

init checks everything first (a dry run of every step reads and parses every file it would
change; the contributor name; a framework install that git would refuse), so bad input
writes nothing. Then it saves the exact bytes of each file it may change (`setup.snapshot`),
sets up git (`setup.install`), the assistants (`agents.setup`) and this clone's launcher
(`setup.launcher`), and records what it left. uninstall puts back each file that still
holds exactly that, and takes our parts out of the rest.
"""
from __future__ import annotations

import os
from pathlib import Path

from sessionlog_git.agents import setup as assistants
from sessionlog_git.agents.registry import ASSISTANTS
from sessionlog_git.base.plan import Plan
from sessionlog_git.constants import DEFAULT_LOGS_DIR, DEFAULT_PENDING_DIR
from sessionlog_git.errors import SessionlogError
from sessionlog_git.setup import install, launcher, snapshot
from sessionlog_git.setup.framework import PRE_COMMIT_CONFIG
from sessionlog_git.setup.githooks import CHAINED_SUFFIX, hooks_dir
from sessionlog_git.setup.merge import GITATTRIBUTES

GIT_HOOKS = ("pre-commit", "pre-push", "prepare-commit-msg")


def touched(top: Path) -> list[Path]:
    """Every file init may change, in the work tree and the hooks folder."""
    paths = [top / PRE_COMMIT_CONFIG, top / GITATTRIBUTES]
    for assistant in ASSISTANTS.values():
        paths += [top / assistant.settings, top / assistant.instructions]
        paths += [top / rel for rel, _ in assistant.extra_files]
    folder = hooks_dir(top)
    for hook in GIT_HOOKS:
        paths += [folder / hook, folder / (hook + CHAINED_SUFFIX), folder / (hook + ".legacy")]
    return paths


def validate(top: Path, *, hooks: str | None) -> None:
    """What init would refuse halfway, refused before anything is written."""
    from sessionlog_git import gitops
    from sessionlog_git.base.identity import ENV_USER
    from sessionlog_git.base.names import check_name

    pinned = os.environ.get(ENV_USER, "").strip()
    if pinned:
        check_name(pinned, what="user", source=f"environment {ENV_USER}")
    login = gitops.run("config", "--get", "github.user", cwd=top, check=False).strip()
    if login and not pinned:
        check_name(login, what="user", source="git config github.user")
    if install.choose_hooks(top, hooks) == "pre-commit":
        hooks_path = gitops.run("config", "--get", "core.hooksPath", cwd=top, check=False).strip()
        if hooks_path:
            raise SessionlogError(
                f"git config core.hooksPath is set ({hooks_path}), and `pre-commit install` "
                "refuses to install there, so nothing was written. Fix: `git config --unset-all "
                "core.hooksPath`, or use `sessionlog init --hooks native`."
            )


def _steps(top: Path, plan: Plan, *, hooks: str | None, agents: list[str], hook_repo: str,
           hook_rev: str, commit_msg: bool) -> Plan:
    from sessionlog_git import workspace

    done = install.init(top, hooks=hooks, dry_run=plan.dry_run,
                        hook_repo=hook_repo, hook_rev=hook_rev, commit_msg=commit_msg)
    cfg = workspace.at(top).config if not plan.dry_run else None
    for agent in agents:
        assistants.install(
            top, done, agent,
            pending_dir=cfg.pending_dir if cfg else DEFAULT_PENDING_DIR,
            logs_dir=cfg.logs_dir if cfg else DEFAULT_LOGS_DIR,
        )
    launcher.ensure_runner(top, done)
    return done


def init(top: Path, *, hooks: str | None, agents: list[str], dry_run: bool, hook_repo: str,
         hook_rev: str, commit_msg: bool) -> Plan:
    validate(top, hooks=hooks)

    def steps(dry: bool) -> Plan:
        return _steps(top, Plan(dry), hooks=hooks, agents=agents, hook_repo=hook_repo,
                      hook_rev=hook_rev, commit_msg=commit_msg)

    checked = steps(True)  # every file read and parsed, nothing written
    if dry_run:
        return checked
    paths = touched(top)
    started = snapshot.begin(top, paths)
    plan = steps(False)
    snapshot.finish(top, paths, started)
    return plan


def uninstall(top: Path, plan: Plan) -> None:
    done = snapshot.restore(top, plan)
    first = len(plan.changes)
    assistants.uninstall(top, plan)
    install.uninstall_git_hooks(top, plan)
    if plan.dry_run:
        # Nothing was restored for real, so the textual removal reports the same files again.
        plan.changes[first:] = [c for c in plan.changes[first:]
                                if not any(f" {key} " in f"{c} " for key in done)]
    snapshot.drop(top, plan)
    launcher.remove_runner(top, plan)
    launcher.remove_state(top, plan)
