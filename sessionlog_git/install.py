"""`sessionlog init`: config, the ignored pending folder, and the git hooks.

Every step reports what it changed; a dry run computes the same report and writes nothing.
"""
from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sessionlog_git import __version__
from sessionlog_git.config import CONFIG_NAME, STATE_DIR
from sessionlog_git.errors import SessionlogError
from sessionlog_git.workspace import default_project

HOOK_REPO_URL = "https://github.com/sessionlog/sessionlog-git"
HOOK_IDS = ("sessionlog-consolidate", "sessionlog-pre-push")
HOOK_TYPES = ("pre-commit", "pre-push")
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
MANAGED = "sessionlog-git managed hook"
CHAINED_SUFFIX = ".pre-sessionlog"


@dataclass
class Plan:
    dry_run: bool
    changes: list[str] = field(default_factory=list)

    def did(self, what: str) -> None:
        self.changes.append(("would " if self.dry_run else "") + what)

    def same(self, what: str) -> None:
        self.changes.append(f"unchanged: {what}")


def _write(plan: Plan, path: Path, text: str, *, mode: int | None = None) -> None:
    if plan.dry_run:
        return
    from sessionlog_git.fsutil import atomic_write_text

    atomic_write_text(path, text)
    if mode is not None:
        path.chmod(mode)


def ensure_config(top: Path, plan: Plan) -> None:
    from sessionlog_git.render import render

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
    from sessionlog_git.fsutil import ensure_state_dir

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
    from sessionlog_git.render import render

    return render("native-hook.sh.j2", hook=hook, python=sys.executable, stdin=hook == "pre-push")


def is_managed(path: Path) -> bool:
    try:
        return MANAGED in path.read_text(encoding="utf-8", errors="replace")[:400]
    except OSError:
        return False


def ensure_native_hooks(top: Path, plan: Plan) -> None:
    folder = hooks_dir(top)
    for hook in HOOK_TYPES:
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


def remove_native_hooks(top: Path, plan: Plan) -> None:
    """Switching to the framework: take our native hooks out, restoring what they chained."""
    folder = hooks_dir(top)
    for hook in HOOK_TYPES:
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
) -> Plan:
    from sessionlog_git import workspace

    plan = Plan(dry_run)
    ensure_config(top, plan)
    cfg = workspace.at(top).config if not dry_run else None
    ensure_pending(top, cfg.pending_dir if cfg else ".sessionlog/pending", plan)
    mode = choose_hooks(top, hooks)
    if mode == "pre-commit":
        ensure_pre_commit_config(top, plan, hook_repo, hook_rev)
        remove_native_hooks(top, plan)
        run_pre_commit_install(top, plan)
    elif mode == "native":
        ensure_native_hooks(top, plan)
    else:
        plan.same("git hooks (--hooks none): run `sessionlog consolidate` before each commit")
    for agent in agents:
        if agent == "claude":
            plan.changes.append(
                "--agent claude: the Claude Code hooks, agents and CLAUDE.md block are not in "
                "this release yet; nothing was written for them"
            )
    return plan
