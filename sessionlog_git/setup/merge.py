"""The merge driver for the generated views: `.gitattributes` (committed) sends them to it,
`.git/config` (never versioned, so every clone runs init once) defines it. Also what
`doctor` finds wrong with either, and taking both out again."""
from __future__ import annotations

import sys
from pathlib import Path

from sessionlog_git.base.plan import Plan

GITATTRIBUTES = ".gitattributes"
MERGE_DRIVER = "sessionlog"
ATTR_COMMENT = "# sessionlog-git: generated session log views are re-rendered on merge, never text-merged"


def merge_driver_command() -> str:
    import shlex

    return f"{shlex.quote(sys.executable)} -m sessionlog_git merge-driver %O %A %B %L %P"


def view_lines(logs_dir: str) -> list[str]:
    return [
        f"{logs_dir}/*-session-log-*.md merge={MERGE_DRIVER}",
        f"{logs_dir}/*-status.md merge={MERGE_DRIVER}",
    ]


def bytes_line(logs_dir: str) -> str:
    """The archive is a verbatim record, packs frame files by their byte lengths, and the views
    are checked byte for byte against a fresh render: no line-ending conversion
    (`core.autocrlf`, an `eol` rule) may touch anything under the logs folder."""
    return f"{logs_dir}/** -text"


def attribute_lines(logs_dir: str) -> list[str]:
    return [*view_lines(logs_dir), bytes_line(logs_dir)]


def _git_config_get(top: Path, key: str) -> str:
    from sessionlog_git import gitops

    return gitops.run("config", "--local", "--get", key, cwd=top, check=False).strip()


def ensure_merge_driver(top: Path, plan: Plan, logs_dir: str) -> None:
    """`.gitattributes` (committed, the user's lines kept) names the driver for our views;
    `.git/config` (never versioned, so every clone runs init once) defines it."""
    from sessionlog_git import gitops

    path = top / GITATTRIBUTES
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in attribute_lines(logs_dir) if line not in have]
    if missing:
        block = ([] if ATTR_COMMENT in have else [ATTR_COMMENT]) + missing
        head = text if not text or text.endswith("\n") else text + "\n"
        plan.write(path, head + "\n".join(block) + "\n")
        plan.did(
            f"{'update' if text else 'create'} {GITATTRIBUTES}: merge={MERGE_DRIVER} for "
            f"{logs_dir}/*-session-log-*.md and {logs_dir}/*-status.md, -text for "
            f"{logs_dir}/** (commit it)"
        )
    else:
        plan.same(f"{GITATTRIBUTES} (merge={MERGE_DRIVER} for the generated views, -text for the logs)")
    command = merge_driver_command()
    if _git_config_get(top, f"merge.{MERGE_DRIVER}.driver") == command:
        plan.same(f".git/config [merge \"{MERGE_DRIVER}\"] driver = {command}")
        return
    if not plan.dry_run:
        gitops.run(
            "config", "--local", f"merge.{MERGE_DRIVER}.name",
            "sessionlog-git: re-render session log views from the merged archive", cwd=top,
        )
        gitops.run("config", "--local", f"merge.{MERGE_DRIVER}.driver", command, cwd=top)
    plan.did(f"set .git/config [merge \"{MERGE_DRIVER}\"] driver = {command}")


def merge_driver_problems(top: Path, logs_dir: str) -> list[tuple[str, str]]:
    """(what is wrong, the fix) for `sessionlog doctor`; empty when the driver is in place."""
    import shlex

    problems: list[tuple[str, str]] = []
    try:
        have = {line.strip() for line in (top / GITATTRIBUTES).read_text(encoding="utf-8").splitlines()}
    except OSError:
        have = set()
    if not all(line in have for line in view_lines(logs_dir)):
        problems.append((
            f"{GITATTRIBUTES} does not send the generated views to the sessionlog merge driver, so "
            "two branches that consolidated the same month conflict",
            "run `sessionlog init`, then commit .gitattributes",
        ))
    if bytes_line(logs_dir) not in have:
        problems.append((
            f"{GITATTRIBUTES} does not keep line-ending conversion off {logs_dir}/, so a clone "
            "with core.autocrlf or an eol rule would change the bytes of the verbatim record (packs "
            "would not read) and of the views (`check` would find them stale)",
            "run `sessionlog init`, then commit .gitattributes",
        ))
    driver = _git_config_get(top, f"merge.{MERGE_DRIVER}.driver")
    if not driver:
        problems.append((
            f'.git/config has no [merge "{MERGE_DRIVER}"] driver (it is not versioned: every clone '
            "needs it once), so merges of the views fall back to a text merge",
            "run `sessionlog init` in this clone",
        ))
    else:
        words = shlex.split(driver)
        if words and "/" in words[0] and not Path(words[0]).exists():
            problems.append((
                f'the [merge "{MERGE_DRIVER}"] driver runs {words[0]}, which is gone',
                "run `sessionlog init` again",
            ))
    return problems


def remove_merge_driver(top: Path, plan: Plan, logs_dir: str) -> None:
    """Undo `ensure_merge_driver`: our .gitattributes lines and the [merge] section."""
    from sessionlog_git import gitops

    path = top / GITATTRIBUTES
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    ours = {ATTR_COMMENT, *attribute_lines(logs_dir)}
    kept = [line for line in text.splitlines() if line.strip() not in ours]
    if text and len(kept) != len(text.splitlines()):
        if any(line.strip() for line in kept):
            plan.write(path, "\n".join(kept).rstrip("\n") + "\n")
            plan.did(f"remove our merge={MERGE_DRIVER} lines from {GITATTRIBUTES}; the rest stays")
        else:
            if not plan.dry_run:
                path.unlink()
            plan.did(f"delete {GITATTRIBUTES} (only our lines were in it)")
    if _git_config_get(top, f"merge.{MERGE_DRIVER}.driver"):
        if not plan.dry_run:
            gitops.run("config", "--local", "--remove-section", f"merge.{MERGE_DRIVER}", cwd=top,
                       check=False)
        plan.did(f"remove [merge \"{MERGE_DRIVER}\"] from .git/config")
