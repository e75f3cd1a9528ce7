"""This clone's own record of its sessionlog installation, kept in the git directory.

Committed files (the assistants' hooks files above all) must not hold the path of the
machine that wrote them: a teammate's clone has its own installation somewhere else. So the
committed hook command is neutral (`hook_command`): a short `sh -c` that sources this clone's
launcher, `<git common dir>/sessionlog/run`, which `sessionlog init` writes with the
interpreter that ran it; without one (a clone where init has not run yet) it falls back to
`sessionlog` on PATH, and without that it reads its input and exits 0, silently. The
launcher lives in the git directory because that is never versioned, is shared by the
clone's linked worktrees, and is left alone by `git clean -fdx` and `git stash --all`.

Stdlib-safe and lean (only `os`): the per-prompt hook asks `is_set_up`.
"""
from __future__ import annotations

import os

RECORD_DIR = "sessionlog"  # in the common git directory
RUNNER = "run"  # the launcher init writes there

NOT_SET_UP = (
    "sessionlog is not set up in this clone: `git commit` will NOT consolidate the session "
    "log here, and merges of the logs' views are not re-rendered. Ask the user to run "
    "`sessionlog init` once in this clone (it changes no committed file)."
)

# The committed hook command, for `sh -c`: $0 is `sessionlog`, the rest its arguments. The
# launcher is sourced (`.`), not run by a second `sh`: it ends in `exec` or `exit` either way,
# and one shell start fewer is about a millisecond of every prompt and tool call.
_LAUNCH = (
    'r=.git/sessionlog/run; [ -f "$r" ] || r="$(git rev-parse --git-common-dir 2>/dev/null)'
    '/sessionlog/run"; [ -f "$r" ] && . "$r"; '
    'command -v sessionlog >/dev/null 2>&1 && exec sessionlog "$@"; cat >/dev/null; exit 0'
)


LAUNCH_SCRIPT = _LAUNCH  # the script alone, for a caller that runs `sh -c` itself (a plugin)


def launch_command(*words: str) -> str:
    """`sh -c '<find this clone's sessionlog>' sessionlog WORDS...`: no path of this machine."""
    return f"sh -c '{_LAUNCH}' sessionlog " + " ".join(words)


def hook_command(event: str, agent: str = "claude") -> str:
    """The command committed into an assistant's hooks file.

    Claude Code's commands carry no `--agent` (the default).
    """
    return launch_command("hook", event, *(() if agent == "claude" else ("--agent", agent)))


def git_dir(top: str | os.PathLike[str]) -> str | None:
    """The work tree's git directory (`.git`, or where a `.git` file points), without git."""
    dot = os.path.join(top, ".git")
    if os.path.isdir(dot):
        return dot
    try:
        with open(dot, encoding="utf-8") as handle:
            first = handle.readline().strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    path = first[len("gitdir:"):].strip()
    return os.path.normpath(os.path.join(top, path))


def common_dir(top: str | os.PathLike[str]) -> str | None:
    """The git directory shared by all of the clone's worktrees (as `--git-common-dir`)."""
    here = git_dir(top)
    if here is None:
        return None
    try:
        with open(os.path.join(here, "commondir"), encoding="utf-8") as handle:
            rel = handle.readline().strip()
    except OSError:
        return here
    return os.path.normpath(os.path.join(here, rel))


def runner_path(top: str | os.PathLike[str]) -> str | None:
    common = common_dir(top)
    return os.path.join(common, RECORD_DIR, RUNNER) if common else None


def is_set_up(top: str | os.PathLike[str]) -> bool:
    """Whether `sessionlog init` has run in this clone (its launcher is there)."""
    path = runner_path(top)
    return bool(path) and os.path.isfile(str(path))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


# What the launcher runs for `hook`: the same as agents.entry.FAST_CODE (base may not import
# agents; tests/test_prompt_hook.py holds the two equal).
FAST_HOOK_CODE = "import sessionlog_git.agents.entry as e; e.hook()"
# The same without `site` (-S): the folder the package is installed in, the first word after
# the code, goes on sys.path where site would have put it (after the standard library). The
# hook entry loads `site` itself before anything that may need another package (agents.entry).
LEAN_HOOK_CODE = "import sys; sys.path.append(sys.argv.pop(1)); " + FAST_HOOK_CODE


def package_root() -> str:
    """The folder this installation's `sessionlog_git` package is in (site-packages, or the
    checkout of an editable install): what the launcher's start without `site` puts on sys.path."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def runner_text(python: str, root: str | None = None) -> str:
    """The launcher: this clone's interpreter, else `sessionlog` on PATH, else silence.

    With `root` (the `package_root` of `python`'s installation) a hook starts without `site`
    (-S): the hooks need only the standard library and the package, and site's work (every
    .pth file of the environment) is a fifth of an interpreter's start on every prompt and
    tool call. When that folder no longer holds the package, the hook starts with site."""
    lean = ""
    if root:
        lean = (f"root={_quote(root)}\n"
                # `hook` without site, while the package is where init found it
                'if [ -x "$python" ] && [ "$1" = hook ] && [ -d "$root/sessionlog_git" ]; then\n'
                f'    exec "$python" -S -c {_quote(LEAN_HOOK_CODE)} "$root" sessionlog_git "$@"\n'
                "fi\n")
    return (
        "#!/bin/sh\n"
        "# sessionlog-git: this clone's installation, written by `sessionlog init` (never\n"
        "# versioned). The committed assistant hooks run it; run init again after moving it.\n"
        f"python={_quote(python)}\n"
        f"{lean}"
        # `hook` (every prompt) skips runpy: `-c` and the entry function (agents.entry.hook)
        'if [ -x "$python" ] && [ "$1" = hook ]; then\n'
        f'    exec "$python" -c {_quote(FAST_HOOK_CODE)} sessionlog_git "$@"\n'
        "fi\n"
        'if [ -x "$python" ]; then exec "$python" -m sessionlog_git "$@"; fi\n'
        'if command -v sessionlog >/dev/null 2>&1; then exec sessionlog "$@"; fi\n'
        "cat >/dev/null\n"
        "exit 0\n"
    )


def recorded_python(top: str | os.PathLike[str]) -> str | None:
    """The interpreter the launcher names (None without a launcher)."""
    path = runner_path(top)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("python="):
                    import shlex

                    words = shlex.split(line[len("python="):])
                    return words[0] if words else None
    except OSError:
        return None
    return None
