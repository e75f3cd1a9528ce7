"""The pre-commit framework: our hooks added to, and taken out of, `.pre-commit-config.yaml`
by a ruamel.yaml round trip that keeps the user's layout, quoting and comments, and
`pre-commit install` for the hook types we use."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

from sessionlog_git.base.plan import Plan
from sessionlog_git.errors import SessionlogError
from sessionlog_git.setup.githooks import HOOK_TYPES

HOOK_REPO_URL = "https://github.com/sessionlog/sessionlog-git"
HOOK_IDS = ("sessionlog-consolidate", "sessionlog-pre-push")
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


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
    plan.write(path, out.getvalue())
    plan.did(f"{'update' if existed else 'create'} {PRE_COMMIT_CONFIG}: {'; '.join(changed)}")


def _pre_commit(top: Path, plan: Plan, verb: str) -> subprocess.CompletedProcess[str] | None:
    """`pre-commit <verb>` for our hook types, reported into the plan (None in a dry run)."""
    args = [sys.executable, "-m", "pre_commit", verb]
    for hook_type in HOOK_TYPES:
        args += ["--hook-type", hook_type]
    plan.did(f"run `pre-commit {verb} --hook-type {' --hook-type '.join(HOOK_TYPES)}`")
    if plan.dry_run:
        return None
    return subprocess.run(args, cwd=top, capture_output=True, text=True, check=False)


def run_pre_commit_install(top: Path, plan: Plan) -> None:
    proc = _pre_commit(top, plan, "install")
    if proc is not None and proc.returncode != 0:
        detail = (proc.stdout + proc.stderr).strip()
        raise SessionlogError(
            f"`pre-commit install` failed in {top}: {detail}\nFix: resolve that (for "
            "core.hooksPath: `git config --unset-all core.hooksPath`), or use "
            "`sessionlog init --hooks native`."
        )


def run_pre_commit_uninstall(top: Path, plan: Plan) -> None:
    """Its failure is ignored: uninstall goes on with the rest."""
    _pre_commit(top, plan, "uninstall")


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
    plan.write(path, out.getvalue())
    plan.did(f"remove the {', '.join(HOOK_IDS)} hooks from {PRE_COMMIT_CONFIG}; the rest stays")
    return False
