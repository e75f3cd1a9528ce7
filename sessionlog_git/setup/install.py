"""`sessionlog init`: config, the ignored pending folder, and the git hooks.

Every step reports what it changed; a dry run computes the same report and writes nothing.
"""
from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from sessionlog_git import __version__
from sessionlog_git.base.plan import Plan
from sessionlog_git.constants import CONFIG_NAME, DEFAULT_LOGS_DIR, DEFAULT_PENDING_DIR, STATE_DIR
from sessionlog_git.errors import SessionlogError
from sessionlog_git.workspace import default_project

HOOK_REPO_URL = "https://github.com/sessionlog/sessionlog-git"
HOOK_IDS = ("sessionlog-consolidate", "sessionlog-pre-push")
HOOK_TYPES = ("pre-commit", "pre-push")
OPTIONAL_HOOK_TYPES = ("prepare-commit-msg",)  # `init --commit-msg`
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
MANAGED = "sessionlog-git managed hook"
CHAINED_SUFFIX = ".pre-sessionlog"


def _write(plan: Plan, path: Path, text: str, *, mode: int | None = None) -> None:
    plan.write(path, text, mode=mode)


def ensure_config(top: Path, plan: Plan) -> None:
    from sessionlog_git.pipeline.render import render

    path = top / CONFIG_NAME
    if not path.exists():
        _write(plan, path, render("sessionlog.yaml.j2", project=default_project(top)))
        plan.did(f"create {CONFIG_NAME} (project: {default_project(top)})")
        return
    from ruamel.yaml import YAML

    from sessionlog_git.config import parse_yaml

    raw = path.read_bytes()
    parse_yaml(raw, path)  # refuse to build on a config that does not validate
    yaml = YAML(typ="rt")
    doc = yaml.load(raw.decode("utf-8"))
    if doc is not None and doc.get("project"):
        plan.same(f"{CONFIG_NAME} (project: {doc['project']})")
        return
    # The first init records the project name so every clone agrees on it.
    project = default_project(top)
    if doc is None:
        text = raw.decode("utf-8").rstrip("\n") + f"\nproject: {project}\n"
    else:
        doc.insert(0, "project", project)
        out = io.StringIO()
        yaml.dump(doc, out)
        text = out.getvalue()
    _write(plan, path, text)
    plan.did(f"add `project: {project}` to {CONFIG_NAME}")


def ensure_pending(top: Path, pending_dir: str, plan: Plan) -> None:
    from sessionlog_git.base.fsutil import ensure_state_dir

    for rel in dict.fromkeys((STATE_DIR, pending_dir)):
        folder = top / rel
        if (folder / ".gitignore").is_file():
            plan.same(f"{rel}/ (ignored by git)")
            continue
        if not plan.dry_run:
            ensure_state_dir(folder)
        plan.did(f"create {rel}/, ignored by git through its own .gitignore")


# --- the pre-commit framework -------------------------------------------------------------


def _has_our_hooks(doc: Any) -> bool:
    for repo in (doc or {}).get("repos") or []:
        for hook in repo.get("hooks") or []:
            if isinstance(hook, dict) and hook.get("id") in HOOK_IDS:
                return True
    return False


def ensure_pre_commit_config(top: Path, plan: Plan, repo_url: str, rev: str) -> None:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    path = top / PRE_COMMIT_CONFIG
    existed = path.exists()
    text = path.read_text(encoding="utf-8") if existed else "repos: []\n"
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # the user's quoting stays as written
    yaml.width = 4096
    try:
        _, indent, block_seq_indent = load_yaml_guess_indent(text)
        doc = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SessionlogError(
            f"{path}:{where}: not valid YAML, so our hooks were not added. Fix: correct it "
            "(`pre-commit validate-config` shows the problem) and run `sessionlog init` again."
        ) from None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise SessionlogError(f"{path}: expected a mapping with `repos:`. Fix: see pre-commit.com.")
    if existed and indent is not None:
        # Keep the file's own layout (pre-commit's sample uses `-   repo:`).
        yaml.indent(mapping=block_seq_indent or 2, sequence=indent, offset=block_seq_indent or 0)
    else:
        yaml.indent(mapping=4, sequence=4, offset=0)
    changed: list[str] = []
    types = doc.get("default_install_hook_types")
    if types is None:
        doc.insert(0, "default_install_hook_types", CommentedSeq(HOOK_TYPES))
        doc["default_install_hook_types"].fa.set_flow_style()
        changed.append("default_install_hook_types")
    else:
        missing = [t for t in HOOK_TYPES if t not in types]
        if missing:
            types.extend(missing)
            changed.append("default_install_hook_types")
    if not _has_our_hooks(doc):
        repos = doc.get("repos")
        if repos is None:
            repos = doc["repos"] = CommentedSeq()
        entry = CommentedMap()
        entry["repo"] = repo_url
        entry["rev"] = rev
        entry["hooks"] = CommentedSeq(CommentedMap(id=hook_id) for hook_id in HOOK_IDS)
        repos.append(entry)
        if not existed or repos.fa.flow_style():
            repos.fa.set_block_style()
        changed.append(f"the {', '.join(HOOK_IDS)} hooks ({repo_url} @ {rev})")
    if not changed:
        plan.same(f"{PRE_COMMIT_CONFIG} (our hooks are listed)")
        return
    out = io.StringIO()
    if not existed:
        out.write("# See https://pre-commit.com for more information\n")
    yaml.dump(doc, out)
    _write(plan, path, out.getvalue())
    plan.did(f"{'update' if existed else 'create'} {PRE_COMMIT_CONFIG}: {'; '.join(changed)}")


def run_pre_commit_install(top: Path, plan: Plan) -> None:
    args = [sys.executable, "-m", "pre_commit", "install"]
    for hook_type in HOOK_TYPES:
        args += ["--hook-type", hook_type]
    plan.did(f"run `pre-commit install --hook-type {' --hook-type '.join(HOOK_TYPES)}`")
    if plan.dry_run:
        return
    proc = subprocess.run(args, cwd=top, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stdout + proc.stderr).strip()
        raise SessionlogError(
            f"`pre-commit install` failed in {top}: {detail}\nFix: resolve that (for "
            "core.hooksPath: `git config --unset-all core.hooksPath`), or use "
            "`sessionlog init --hooks native`."
        )


# --- native hooks -------------------------------------------------------------------------


def hooks_dir(top: Path) -> Path:
    from sessionlog_git.gitops import git_path

    return git_path(top, "hooks")


def native_hook_text(hook: str) -> str:
    from sessionlog_git.pipeline.render import render

    return render("native-hook.sh.j2", hook=hook, python=sys.executable, stdin=hook == "pre-push")


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
            _write(plan, path, text, mode=0o755)
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
        _write(plan, path, text, mode=0o755)
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


def choose_hooks(top: Path, requested: str | None) -> str:
    if requested:
        return requested
    return "pre-commit" if (top / PRE_COMMIT_CONFIG).exists() else "native"


def init(
    top: Path,
    *,
    hooks: str | None,
    agents: list[str],
    dry_run: bool,
    hook_repo: str = HOOK_REPO_URL,
    hook_rev: str = f"v{__version__}",
    commit_msg: bool = False,
) -> Plan:
    from sessionlog_git import workspace

    plan = Plan(dry_run)
    ensure_config(top, plan)
    cfg = workspace.at(top).config if not dry_run else None
    ensure_pending(top, cfg.pending_dir if cfg else DEFAULT_PENDING_DIR, plan)
    mode = choose_hooks(top, hooks)
    if mode == "pre-commit":
        ensure_pre_commit_config(top, plan, hook_repo, hook_rev)
        remove_native_hooks(top, plan)
        run_pre_commit_install(top, plan)
    elif mode == "native":
        ensure_native_hooks(top, plan)
    else:
        plan.same("git hooks (--hooks none): run `sessionlog consolidate` before each commit")
    if commit_msg:
        # A plain git hook in every mode: the framework's own hooks live in other files.
        ensure_native_hooks(top, plan, hooks=OPTIONAL_HOOK_TYPES)
    ensure_merge_driver(top, plan, cfg.logs_dir if cfg else DEFAULT_LOGS_DIR)
    for agent in agents:
        from sessionlog_git.agents import setup as assistants

        assistants.install(
            top, plan, agent,
            pending_dir=cfg.pending_dir if cfg else DEFAULT_PENDING_DIR,
            logs_dir=cfg.logs_dir if cfg else DEFAULT_LOGS_DIR,
        )
    return plan


# --- the merge driver for derived views ---------------------------------------------------

GITATTRIBUTES = ".gitattributes"
MERGE_DRIVER = "sessionlog"
ATTR_COMMENT = "# sessionlog-git: generated session log views are re-rendered on merge, never text-merged"


def merge_driver_command() -> str:
    import shlex

    return f"{shlex.quote(sys.executable)} -m sessionlog_git merge-driver %O %A %B %L %P"


def attribute_lines(logs_dir: str) -> list[str]:
    return [
        f"{logs_dir}/*-session-log-*.md merge={MERGE_DRIVER}",
        f"{logs_dir}/*-status.md merge={MERGE_DRIVER}",
    ]


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
        _write(plan, path, head + "\n".join(block) + "\n")
        plan.did(
            f"{'update' if text else 'create'} {GITATTRIBUTES}: merge={MERGE_DRIVER} for "
            f"{logs_dir}/*-session-log-*.md and {logs_dir}/*-status.md (commit it)"
        )
    else:
        plan.same(f"{GITATTRIBUTES} (merge={MERGE_DRIVER} for the generated views)")
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
    if not all(line in have for line in attribute_lines(logs_dir)):
        problems.append((
            f"{GITATTRIBUTES} does not send the generated views to the sessionlog merge driver, so "
            "two branches that consolidated the same month conflict",
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
            _write(plan, path, "\n".join(kept).rstrip("\n") + "\n")
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


# --- uninstall (the git side; the assistants' side is assistants.uninstall) -------------


def remove_pre_commit_entries(top: Path, plan: Plan) -> bool:
    """Take our hooks out of .pre-commit-config.yaml (ruamel round trip keeps the rest).

    Returns True when the file only held what init put there and was deleted.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    path = top / PRE_COMMIT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    try:
        doc, indent, block_seq_indent = load_yaml_guess_indent(text)
    except YAMLError:
        raise SessionlogError(
            f"{path}: not valid YAML, so our hooks were not taken out. Fix: correct it "
            "(`pre-commit validate-config`) and run `sessionlog uninstall` again."
        ) from None
    if not isinstance(doc, dict) or not _has_our_hooks(doc):
        return False
    repos = doc.get("repos") or []
    for repo in list(repos):
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        if not isinstance(hooks, list):
            continue
        kept = [h for h in hooks if not (isinstance(h, dict) and h.get("id") in HOOK_IDS)]
        if len(kept) == len(hooks):
            continue
        if kept:
            hooks[:] = kept
        else:
            repos.remove(repo)
    types = doc.get("default_install_hook_types")
    only_ours = not repos and set(doc) <= {"repos", "default_install_hook_types"} and (
        types is None or list(types) == list(HOOK_TYPES)
    )
    if only_ours:
        if not plan.dry_run:
            path.unlink()
        plan.did(f"delete {PRE_COMMIT_CONFIG} (only our hooks were in it)")
        return True
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=block_seq_indent or 2, sequence=indent or 4, offset=block_seq_indent or 0)
    out = io.StringIO()
    yaml.dump(doc, out)
    _write(plan, path, out.getvalue())
    plan.did(f"remove the {', '.join(HOOK_IDS)} hooks from {PRE_COMMIT_CONFIG}; the rest stays")
    return False


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
        args = [sys.executable, "-m", "pre_commit", "uninstall"]
        for hook_type in HOOK_TYPES:
            args += ["--hook-type", hook_type]
        plan.did(f"run `pre-commit uninstall --hook-type {' --hook-type '.join(HOOK_TYPES)}`")
        if not plan.dry_run:
            subprocess.run(args, cwd=top, capture_output=True, text=True, check=False)
