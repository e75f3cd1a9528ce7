"""Git, called through one small helper; GitPython for repository work off the fast path."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sessionlog_git.errors import SessionlogError


class GitError(SessionlogError):
    pass


def run(
    *args: str,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    strip_index: bool = False,
) -> str:
    """Run `git args...` and return stdout. `strip_index` drops GIT_INDEX_FILE for the call."""
    environ = dict(os.environ)
    if strip_index:
        environ.pop("GIT_INDEX_FILE", None)
    if env:
        environ.update(env)
    proc = subprocess.run(
        ("git", *args), cwd=cwd, env=environ, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def toplevel(cwd: Path | str | None = None) -> Path:
    proc = subprocess.run(
        ("git", "rev-parse", "--show-toplevel"), cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        where = Path(cwd or os.getcwd()).resolve()
        raise GitError(
            f"{where}: not inside a git work tree. Fix: run this in a git repository "
            "(`git init` first for a new one)."
        )
    return Path(proc.stdout.strip())


def git_path(top: Path, name: str) -> Path:
    """`git rev-parse --git-path NAME` for the real repository, ignoring GIT_INDEX_FILE."""
    out = run("rev-parse", "--git-path", name, cwd=top, strip_index=True).strip()
    path = Path(out)
    return path if path.is_absolute() else (top / path)


def common_dir(top: Path) -> Path:
    out = run("rev-parse", "--git-common-dir", cwd=top).strip()
    path = Path(out)
    return (path if path.is_absolute() else top / path).resolve()


def repo(top: Path) -> Any:
    """A GitPython Repo (imported here so the fast paths never load it)."""
    import git

    return git.Repo(str(top))


def stage(top: Path, paths: Sequence[str]) -> None:
    """Stage our files into the commit being made, whatever the commit mode.

    The index git gave the hook (GIT_INDEX_FILE) is the one that becomes the commit. In
    only-mode (`git commit <paths>`) it is a temporary next-index; the real index, locked as
    `index.lock` until git renames it, must get the same files or `git status` afterwards
    shows a staged revert of what was committed.
    """
    if not paths:
        return
    from git.exc import GitCommandError

    r = repo(top)
    try:
        # --force: a user's ignore rule (say `logs/`) must not keep the why out of the commit.
        r.git.add("--force", "--", *paths)
        index_file = os.environ.get("GIT_INDEX_FILE", "")
        if Path(index_file).name.startswith("next-index-"):
            real_lock = Path(str(git_path(top, "index")) + ".lock")
            if real_lock.exists():
                r.git.add("--force", "--", *paths, env={"GIT_INDEX_FILE": str(real_lock)})
    except GitCommandError as exc:
        raise stage_failed(top, str(exc.stderr or "")) from None


def stage_failed(top: Path, stderr: str) -> GitError:
    """`git add` of our files failed: say why, and that the next run stages them."""
    detail = " ".join(stderr.replace("stderr:", "").split()).strip(" '")
    after = ("Nothing is lost or archived twice: the files are written and recorded, and the "
             "next commit (or `sessionlog consolidate`) stages them.")
    if "index.lock" in stderr:
        lock = Path(str(git_path(top, "index")) + ".lock")
        return GitError(
            f"{lock}: another git process holds the index, so sessionlog could not stage its "
            f"files. {after} Fix: wait for that git command to finish (if none is running, "
            f"delete {lock}), then commit again."
        )
    return GitError(f"git add of sessionlog's files failed: {detail}. {after} "
                    "Fix: correct what git says above, then commit again.")


def unstaged(top: Path, paths: Iterable[str]) -> set[str]:
    """Which of `paths` differ between the work tree and the user's real index.

    The real index, not GIT_INDEX_FILE: under `commit -a` git's temporary index already
    holds every tracked edit, which would hide a hand edit we are about to overwrite.
    """
    wanted = list(paths)
    if not wanted:
        return set()
    out = run(
        "diff", "--name-only", "-z", "--no-ext-diff", "--", *wanted, cwd=top, strip_index=True
    )
    return {p for p in out.split("\0") if p}


def status(top: Path, paths: Iterable[str]) -> dict[str, str]:
    """`git status` XY codes of those `paths` that are untracked or differ from HEAD."""
    wanted = list(paths)
    if not wanted:
        return {}
    out = run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *wanted, cwd=top)
    found: dict[str, str] = {}
    for record in out.split("\0"):
        if len(record) > 3:
            found[record[3:]] = record[:2]
    return found
