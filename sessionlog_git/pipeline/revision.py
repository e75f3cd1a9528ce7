"""A committed revision as CI sees it: the commit, its config, its archive, in git objects only.

`sessionlog check --rev` and `sessionlog pr-summary` read a pull request's commits, which are
not checked out (CI checks out a merge commit, or nothing but the repository). Everything here
comes from git objects, never from the work tree, so the answer is the same wherever it runs.
"""
from __future__ import annotations

import copy
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.config import Config, _build, parse_yaml
from sessionlog_git.constants import CONFIG_NAME, DEFAULTS
from sessionlog_git.errors import EXIT_USAGE, SessionlogError
from sessionlog_git.pipeline import treeviews
from sessionlog_git.workspace import Workspace, default_project


class RevisionError(SessionlogError):
    """A revision that is not a commit here, or two without common history: a usage error."""

    exit_code = EXIT_USAGE


def commit(top: Path, rev: str, what: str) -> str:
    """The full commit id of `rev`, or a usage error that says how to get it."""
    sha = "" if rev.startswith("-") else gitops.run(
        "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", cwd=top, check=False
    ).strip()
    if not sha:
        raise RevisionError(
            f"{what} {rev!r} is not a commit in this repository ({top}). Fix: fetch it "
            f"(`git fetch origin {rev}`); in GitHub Actions give actions/checkout `fetch-depth: 0`."
        )
    return sha


def merge_base(top: Path, base: str, head: str) -> str:
    out = gitops.run("merge-base", base, head, cwd=top, check=False).strip()
    if not out:
        raise RevisionError(
            f"{base[:12]} and {head[:12]} have no common history, so nothing can be said about "
            "what one adds to the other. Fix: pass the branch the pull request merges into as "
            "--base (in GitHub Actions, github.event.pull_request.base.sha)."
        )
    return out.split()[0]


def config_at(top: Path, sha: str) -> Config:
    """The `.sessionlog.yaml` committed in `sha` (defaults when it has none)."""
    default = default_project(top)
    blob = treeviews.blob_at(top, sha, CONFIG_NAME)
    if blob is None:
        return _build(top, copy.deepcopy(DEFAULTS), default, exists=False)
    raw = gitops.read_blobs(top, [blob]).get(blob, b"")
    # Errors name the file as git does: `<commit>:.sessionlog.yaml`.
    data = parse_yaml(raw, Path(f"{sha[:12]}:{CONFIG_NAME}"))
    return _build(top, data, default, exists=True)


def workspace_at(top: Path, sha: str) -> Workspace:
    return Workspace(top, config_at(top, sha))


def added_archive_files(top: Path, base: str, head: str, logs_dir: str) -> list[str]:
    """The logical archive files `head` adds since its merge base with `base` (what a pull
    request adds, as its "Files changed" tab counts, with each pack standing for the files it
    lists: `logs.gitarchive`), sorted."""
    from sessionlog_git.logs import gitarchive

    return gitarchive.added(top, logs_dir, merge_base(top, base, head), head)
