"""`sessionlog init` and `uninstall`, the git side: the steps in order, each from its module
(`config`: the config file and pending folder, `githooks`: native hook scripts, `framework`:
`.pre-commit-config.yaml`, `merge`: the merge driver).

Every step reports what it changed into one Plan; a dry run computes the same report and
writes nothing.
"""
from __future__ import annotations

from pathlib import Path

from sessionlog_git import __version__
from sessionlog_git.base.plan import Plan
from sessionlog_git.constants import DEFAULT_LOGS_DIR, DEFAULT_PENDING_DIR
from sessionlog_git.errors import SessionlogError
from sessionlog_git.setup.config import ensure_config, ensure_pending
from sessionlog_git.setup.framework import (
    HOOK_REPO_URL,
    LOCAL,
    PRE_COMMIT_CONFIG,
    ensure_pre_commit_config,
    remove_pre_commit_entries,
    run_pre_commit_install,
    run_pre_commit_uninstall,
)
from sessionlog_git.setup.githooks import (
    OPTIONAL_HOOK_TYPES,
    ensure_native_hooks,
    remove_native_hooks,
)
from sessionlog_git.setup.merge import ensure_merge_driver, remove_merge_driver

__all__ = ["HOOK_REPO_URL", "LOCAL", "choose_hooks", "init", "uninstall_git_hooks"]


def choose_hooks(top: Path, requested: str | None) -> str:
    if requested:
        return requested
    return "pre-commit" if (top / PRE_COMMIT_CONFIG).exists() else "native"


def init(
    top: Path,
    *,
    hooks: str | None,
    dry_run: bool,
    hook_repo: str = LOCAL,
    hook_rev: str = f"v{__version__}",
    commit_msg: bool = False,
) -> Plan:
    from sessionlog_git import workspace

    plan = Plan(dry_run)
    from sessionlog_git.base import statedir
    from sessionlog_git.constants import STATE_DIR

    fresh = {STATE_DIR} if not Path(statedir.folder(top)).is_dir() else set()
    ensure_config(top, plan)
    cfg = workspace.at(top).config if not dry_run else None
    ensure_pending(top, cfg.pending_dir if cfg else DEFAULT_PENDING_DIR, plan, fresh=fresh)
    mode = choose_hooks(top, hooks)
    if mode == "pre-commit":
        ensure_pre_commit_config(top, plan, hook_repo, hook_rev)
        remove_native_hooks(top, plan, hooks=("pre-commit",))
        run_pre_commit_install(top, plan)
        # The guard at push is a native hook beside the framework (chaining any pre-push
        # hook already there): the framework's pre-push hook would run every user hook
        # without `stages:` at push.
        ensure_native_hooks(top, plan, hooks=("pre-push",))
    elif mode == "native":
        ensure_native_hooks(top, plan)
    else:
        plan.same("git hooks (--hooks none): run `sessionlog consolidate` before each commit")
    if commit_msg:
        # A plain git hook in every mode: the framework's own hooks live in other files.
        ensure_native_hooks(top, plan, hooks=OPTIONAL_HOOK_TYPES)
    ensure_merge_driver(top, plan, cfg.logs_dir if cfg else DEFAULT_LOGS_DIR)
    return plan


def uninstall_git_hooks(top: Path, plan: Plan) -> None:
    """Remove our native hooks (restoring chained ones), our pre-commit entries and the merge
    driver (our .gitattributes lines, the [merge "sessionlog"] section)."""
    try:
        from sessionlog_git import workspace

        logs_dir = workspace.at(top).config.logs_dir
    except SessionlogError:
        logs_dir = DEFAULT_LOGS_DIR
    remove_merge_driver(top, plan, logs_dir)
    remove_native_hooks(top, plan)
    remove_native_hooks(top, plan, hooks=OPTIONAL_HOOK_TYPES)
    if remove_pre_commit_entries(top, plan):
        # The framework's own hook scripts would now fail every commit for want of a config.
        run_pre_commit_uninstall(top, plan)


def run_launcher(path: str, *args: str) -> tuple[int, str]:
    """Run this clone's launcher as the assistants' hooks do (for doctor): (exit, stdout)."""
    import subprocess

    proc = subprocess.run(["sh", path, *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60, check=False)
    return proc.returncode, proc.stdout


def run_hook_command(top: Path, command: str) -> tuple[int, str]:
    """Run a committed hook command's launcher part with `--version`, as the CLI would run the
    hook (`sh -c`, at the top, a bare PATH): (exit, stdout); (-1, "") for another shape."""
    import shlex
    import subprocess

    try:
        words = shlex.split(command)
    except ValueError:
        return -1, ""
    if words[:2] != ["sh", "-c"] or len(words) < 4 or words[3] != "sessionlog":
        return -1, ""
    proc = subprocess.run([*words[:4], "--version"], cwd=top, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    return proc.returncode, proc.stdout
