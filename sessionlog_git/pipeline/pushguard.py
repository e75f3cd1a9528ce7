"""The pre-push guard: reasoning that was never consolidated does not leave silently.

Refuses a push when
* a pending entry is older than the newest commit being pushed (its reasoning should have
  gone with that commit), printing the exact command that fixes it; with the opt-in fix mode
  (`SESSIONLOG_PUSH_FIX=1` or `push_fix: true`) and the pushed branch checked out, it commits
  the session logs itself (`git commit --no-verify --only -- <our paths>`, so staged work of
  the user's is not swept in) and still refuses: a commit made in a pre-push hook is not part
  of the push, so the user pushes again;
* the pushed tip's generated views do not match a fresh render of its own archive.

Refs come from stdin for the native hook (`<local ref> <local sha> <remote ref> <remote sha>`,
remote name and URL as arguments) and from `PRE_COMMIT_*` variables under the framework.
The idle path (nothing pending, no pushed commit touching the logs folder) runs one git
command and imports none of GitPython, jinja2 or ruamel.yaml.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.errors import EXIT_FAILED, EXIT_OK
from sessionlog_git.logs import layout
from sessionlog_git.pipeline import checks
from sessionlog_git.workspace import Workspace

ENV_FIX = "SESSIONLOG_PUSH_FIX"


@dataclass(frozen=True)
class PushRef:
    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str | None  # None: a new branch on the remote (or one we do not have)


def _is_zero(sha: str) -> bool:
    return not sha or set(sha) == {"0"}


def refs_from_stdin(text: str) -> list[PushRef]:
    refs: list[PushRef] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 4 or _is_zero(parts[1]):
            continue  # a deletion pushes no commits
        local_ref, local_sha, remote_ref, remote_sha = parts
        refs.append(PushRef(local_ref, local_sha, remote_ref, None if _is_zero(remote_sha) else remote_sha))
    return refs


def refs_from_framework(top: Path) -> list[PushRef]:
    """The pre-commit framework describes the first ref only, through variables."""
    env = os.environ
    local_ref = env.get("PRE_COMMIT_LOCAL_BRANCH", "")
    to_ref = env.get("PRE_COMMIT_TO_REF", "") or (
        gitops.run("rev-parse", "-q", "--verify", local_ref, cwd=top, check=False).strip()
        if local_ref else ""
    )
    if not to_ref:
        return []
    from_ref = env.get("PRE_COMMIT_FROM_REF", "") or None
    return [PushRef(local_ref, to_ref, env.get("PRE_COMMIT_REMOTE_BRANCH", ""), from_ref)]


def _exists(top: Path, sha: str) -> bool:
    return bool(gitops.run("rev-parse", "-q", "--verify", f"{sha}^{{commit}}", cwd=top, check=False).strip())


def range_args(top: Path, ref: PushRef, remote: str) -> list[str]:
    """`git log` arguments naming the commits this ref pushes."""
    if ref.remote_sha and _exists(top, ref.remote_sha):
        return [ref.local_sha, "--not", ref.remote_sha]
    if remote and gitops.run("config", "--get", f"remote.{remote}.url", cwd=top, check=False).strip():
        return [ref.local_sha, "--not", f"--remotes={remote}"]
    return [ref.local_sha]


def fix_enabled(ws: Workspace) -> bool:
    value = os.environ.get(ENV_FIX, "").strip().lower()
    if value:
        return value in ("1", "true", "yes", "on")
    return ws.config.push_fix


def _checked_out(top: Path, ref: PushRef) -> bool:
    head_ref = gitops.run("symbolic-ref", "-q", "HEAD", cwd=top, check=False).strip()
    head = gitops.run("rev-parse", "-q", "--verify", "HEAD", cwd=top, check=False).strip()
    return bool(head_ref) and head_ref == ref.local_ref and head == ref.local_sha


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def guard(ws: Workspace, refs: list[PushRef], remote: str) -> int:
    top = ws.top
    logs_dir = ws.config.logs_dir
    code = EXIT_OK
    for ref in refs:
        revs = range_args(top, ref, remote)
        stale_code = _guard_pending(ws, ref, revs)
        views_code = _guard_views(ws, ref, revs)
        code = max(code, stale_code, views_code)
    if code != EXIT_OK:
        _say(f"(To push anyway, without the session logs: `git push --no-verify`. Logs folder: {logs_dir}.)")
    return code


def _guard_pending(ws: Workspace, ref: PushRef, revs: list[str]) -> int:
    from sessionlog_git.pipeline.idle import has_temp_log

    if not has_temp_log(ws.config.pending_path):
        return EXIT_OK
    newest = checks.newest_commit(ws.top, revs)
    if newest is None:
        return EXIT_OK
    sha, when = newest
    stale = checks.pending_older_than(ws, when)
    if not stale:
        return EXIT_OK
    logs_dir = ws.config.logs_dir
    many = len(stale) != 1
    _say(
        f"sessionlog: push refused: {len(stale)} pending session log entr{'ies are' if many else 'y is'} "
        f"older than {sha[:7]} ({when:%Y-%m-%d %H:%M %z}), the newest commit pushed to "
        f"{ref.remote_ref or 'the remote'}; the reasoning behind it would stay on this machine:"
    )
    for entry in stale[:10]:
        _say(f"  {entry.describe()}")
    if len(stale) > 10:
        _say(f"  ... and {len(stale) - 10} more")
    if fix_enabled(ws):
        if _checked_out(ws.top, ref):
            return _fix(ws)
        _say(
            f"sessionlog: fix mode is on, but {ref.local_ref or 'the pushed branch'} is not the "
            "checked-out branch, so nothing was committed."
        )
    _say(
        f"Fix: sessionlog consolidate && git commit -m \"Session logs\" -- {logs_dir} && git push\n"
        f"(or let this hook commit them: {ENV_FIX}=1 git push, or `push_fix: true` in .sessionlog.yaml)"
    )
    return EXIT_FAILED


def _fix(ws: Workspace) -> int:
    """Consolidate and commit only our paths; the push itself must still be repeated."""
    from sessionlog_git.pipeline import consolidate

    result = consolidate.run(ws)
    consolidate.describe(result, dry_run=False, echo=_say)
    paths = sorted(set(result.staged) | set(result.archived) | set(result.views))
    if not paths:
        _say("sessionlog: nothing could be consolidated; see the warnings above.")
        return EXIT_FAILED
    gitops.run(
        "commit", "--no-verify", "--only", "-m", "Session logs", "--", *paths, cwd=ws.top,
        strip_index=True,
    )
    sha = gitops.run("rev-parse", "--short", "HEAD", cwd=ws.top).strip()
    _say(
        f"sessionlog: committed the session logs as {sha} ({len(paths)} file"
        f"{'s' if len(paths) != 1 else ''}; your staged changes were left staged). A commit made "
        "during a push is not part of it: push again (`git push`)."
    )
    return EXIT_FAILED


def _guard_views(ws: Workspace, ref: PushRef, revs: list[str]) -> int:
    top = ws.top
    logs_dir = ws.config.logs_dir
    touched = gitops.run("rev-list", "-n", "1", *revs, "--", logs_dir, cwd=top, check=False).strip()
    if not touched:
        return EXIT_OK
    from sessionlog_git.pipeline import treeviews

    problems = treeviews.mismatches_in_rev(ws, ref.local_sha)
    if not problems:
        return EXIT_OK
    _say(
        f"sessionlog: push refused: generated session logs in {ref.local_sha[:7]} (the tip of "
        f"{ref.local_ref or 'the pushed branch'}) do not match a fresh render of its "
        f"{layout.archive_prefix(logs_dir)} (a text merge or a hand edit?):"
    )
    for problem in problems:
        _say(f"  {problem}")
    _say(
        f"Fix: sessionlog check --fix && git commit -m \"Re-render session logs\" -- {logs_dir} "
        "&& git push"
    )
    return EXIT_FAILED
