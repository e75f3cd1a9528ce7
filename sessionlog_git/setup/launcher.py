"""This clone's launcher, `<git common dir>/sessionlog/run` (see `base.clone`): written by
init with the interpreter that runs it, so the committed, path-free hook commands find this
clone's installation; taken out by uninstall."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from sessionlog_git.base import clone
from sessionlog_git.base.plan import Plan


def runner(top: Path) -> Path:
    from sessionlog_git.gitops import run

    common = Path(run("rev-parse", "--git-common-dir", cwd=top).strip())
    return (top / common if not common.is_absolute() else common) / clone.RECORD_DIR / clone.RUNNER


def ensure_runner(top: Path, plan: Plan, python: str | None = None) -> None:
    path = runner(top)
    # The package's folder is known for the interpreter running init only: with another one,
    # the launcher starts hooks with site, which finds the package wherever it is installed.
    root = clone.package_root() if python in (None, sys.executable) else None
    text = clone.runner_text(python or sys.executable, root)
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    shown = f".git/{clone.RECORD_DIR}/{clone.RUNNER}"
    if current == text:
        plan.same(f"{shown} (this clone's sessionlog: {python or sys.executable})")
        return
    plan.write(path, text, mode=0o755)
    plan.did(f"{'write' if current is None else 'update'} {shown}: the assistants' hooks in this "
             f"clone run {python or sys.executable} (not versioned; every clone runs init once)")


def remove_runner(top: Path, plan: Plan) -> None:
    path = runner(top)
    if not path.exists():
        return
    if not plan.dry_run:
        path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()
    plan.did(f"delete .git/{clone.RECORD_DIR}/{clone.RUNNER} (this clone's launcher)")


def remove_state(top: Path, plan: Plan) -> None:
    """Delete this worktree's state folder (records and caches), except pending entries not
    committed yet and kept originals of redacted logs: those are the user's, and stay."""
    from sessionlog_git.base import statedir, statemove

    state = Path(statedir.folder(top))
    if not state.is_dir():
        return
    shown = statedir.display(top, state)
    kept = statemove.clear(str(state), keep=(clone.RUNNER,), dry_run=plan.dry_run)
    kept = [name for name in kept if name != clone.RUNNER]
    if kept:
        plan.did(f"delete the state in {shown}/ except {', '.join(k + '/' for k in kept)} "
                 "(pending entries not committed yet, or kept originals of redacted logs)")
    else:
        plan.did(f"delete {shown}/ (this worktree's sessionlog state and caches)")
    if not plan.dry_run:
        with contextlib.suppress(OSError):
            state.rmdir()  # empty unless something is kept
