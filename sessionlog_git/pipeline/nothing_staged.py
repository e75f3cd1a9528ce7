"""`git commit` with only session logs to commit: say what happened and what to run.

Git decides "nothing to commit" from the index it read before the hook ran, so when the
user staged nothing, the logs our hook stages do not make the commit happen: git stops with
"nothing added to commit" and lists our new archive file as untracked. Nothing is lost (it
stays staged for the next commit), but the user is lost. So the hook notices that nothing
of the user's was staged and says so; when it can see the `git commit` command line (Linux
`/proc`) and that command would be refused anyway (no `--amend`, no `--allow-empty`, not a
merge), it fails the hook with the message, so it is shown in every mode, the framework's
included, instead of git's puzzling one.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from sessionlog_git import gitops

MESSAGE = (
    "sessionlog: nothing of yours is staged, so git makes no commit: a hook cannot make an "
    "empty commit non-empty. Your session logs were consolidated ({files}); nothing is "
    "lost. Fix: to commit only the session logs, run `sessionlog consolidate && git commit "
    "-m \"Session logs\" -- {logs}`; or stage your work (`git add ...`) and commit again."
)


def start_staged_paths(top: Path) -> Callable[[], list[str] | None]:
    """The paths the index git gave the hook changes from HEAD (None without a HEAD): one
    git process tells both whether the user staged anything and what the commit changes
    (the context index's commit links, which would otherwise ask git again). Started now:
    git compares on the other core while the hook imports and consolidates; the function
    returned waits for the answer (once)."""
    started = gitops.start("diff-index", "--cached", "--name-only", "--no-renames", "-z", "HEAD",
                           "--", cwd=top)

    def answer() -> list[str] | None:
        try:
            out = started.output()
        except gitops.GitError:
            return None
        return [p for p in out.split("\0") if p]

    return cache(answer)


def user_staged_nothing(top: Path) -> bool:
    """Whether the index git gave the hook equals HEAD (False without a HEAD)."""
    # One git process: without a HEAD, diff-index fails (128), which is False too.
    return gitops.succeeds("diff-index", "--cached", "--quiet", "HEAD", "--", cwd=top)


def _commit_argv() -> list[str] | None:
    """The `git commit` command line above this hook, from /proc (None when unknown)."""
    pid = os.getppid()
    for _ in range(8):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            return None
        if argv and os.path.basename(argv[0]) == "git" and "commit" in argv[1:]:
            return argv
        try:
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        except (IndexError, ValueError):
            return None
        if pid <= 1:
            return None
    return None


def git_will_refuse(top: Path) -> bool:
    """Whether this commit is sure to stop with "nothing added to commit"."""
    argv = _commit_argv()
    if argv is None:
        return False
    if any(a in ("--amend", "--allow-empty") for a in argv):
        return False
    return not gitops.git_path(top, "MERGE_HEAD").exists()


def message(staged: list[str], logs_dir: str) -> str:
    shown = ", ".join(staged[:3]) + (f" and {len(staged) - 3} more" if len(staged) > 3 else "")
    return MESSAGE.format(files=shown, logs=logs_dir)
