"""Native git hooks: our scripts in the hooks folder, written for this interpreter. A hook
that is already there is kept beside ours (`<hook>.pre-sessionlog`) and run first; taking
ours out restores it."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from sessionlog_git.base.plan import Plan
from sessionlog_git.errors import SessionlogError

HOOK_TYPES = ("pre-commit", "pre-push")
OPTIONAL_HOOK_TYPES = ("prepare-commit-msg",)  # `init --commit-msg`
MANAGED = "sessionlog-git managed hook"
CHAINED_SUFFIX = ".pre-sessionlog"
# What the hooks run after `python -c` (then `sessionlog_git git-hook HOOK`): sessionlog_git.gitentry,
# the `-m sessionlog_git` entry without runpy.
FAST_CODE = "import sessionlog_git.gitentry as g; g.main()"


def hooks_dir(top: Path) -> Path:
    from sessionlog_git.gitops import git_path

    return git_path(top, "hooks")


def native_hook_text(hook: str) -> str:
    from sessionlog_git.pipeline.render import render

    return render("native-hook.sh.j2", hook=hook, python=sys.executable, stdin=hook == "pre-push",
                  fast_code=FAST_CODE)


def is_managed(path: Path) -> bool:
    try:
        return MANAGED in path.read_text(encoding="utf-8", errors="replace")[:400]
    except OSError:
        return False


def ensure_native_hooks(top: Path, plan: Plan, hooks: tuple[str, ...] = HOOK_TYPES) -> None:
    folder = hooks_dir(top)
    for hook in hooks:
        path = folder / hook
        text = native_hook_text(hook)
        rel = os.path.relpath(path, top)
        if path.exists() and is_managed(path):
            if path.read_text(encoding="utf-8") == text:
                plan.same(f"{rel}")
                continue
            plan.write(path, text, mode=0o755)
            plan.did(f"update {rel} (interpreter {sys.executable})")
            continue
        if path.exists() or path.is_symlink():
            keep = path.with_name(hook + CHAINED_SUFFIX)
            if keep.exists():
                raise SessionlogError(
                    f"{path}: a hook is there and {keep.name} exists too, so there is no safe "
                    f"place to keep it. Fix: merge them by hand, remove {keep.name}, then run "
                    "`sessionlog init` again."
                )
            if not plan.dry_run:
                os.replace(path, keep)
                mode = keep.stat().st_mode
                keep.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            plan.did(f"keep your existing {rel} as {keep.name}; it runs first")
        if not plan.dry_run:
            folder.mkdir(parents=True, exist_ok=True)
        plan.write(path, text, mode=0o755)
        plan.did(f"write {rel} (runs {sys.executable} -m sessionlog_git)")


def remove_native_hooks(top: Path, plan: Plan, hooks: tuple[str, ...] = HOOK_TYPES) -> None:
    """Switching to the framework: take our native hooks out, restoring what they chained."""
    folder = hooks_dir(top)
    for hook in hooks:
        path = folder / hook
        if not (path.exists() and is_managed(path)):
            continue
        keep = path.with_name(hook + CHAINED_SUFFIX)
        rel = os.path.relpath(path, top)
        chained = keep.exists()
        if not plan.dry_run:
            if chained:
                os.replace(keep, path)
            else:
                path.unlink()
        plan.did(f"remove our native {rel}" + (f", restoring {keep.name}" if chained else ""))
