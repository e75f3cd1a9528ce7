"""The commit hook's idle check, for the commit with nothing pending: a few stat calls.

Runs before anything else is imported (see __main__ and main), so an idle commit costs
little more than the interpreter's start-up. It answers only when it is sure: "nothing to
do" needs a config it can read from the parse cache (or no config at all), no ledger of an
unfinished run, and no temp log in the pending folder. Anything else goes the full way.
"""
from __future__ import annotations

import os

from sessionlog_git.base import statedir
from sessionlog_git.base.configcache import read
from sessionlog_git.constants import DEFAULT_PENDING_DIR, JOURNAL_NAME, LEDGER_NAME


def _pending_dir(top: str) -> str | None:
    """The configured pending folder, or None when only the full config loader can tell."""
    config = read(top)
    if config is None:
        return None
    return str(config.get("pending_dir") or DEFAULT_PENDING_DIR)


def has_temp_log(pending: str | os.PathLike[str]) -> bool:
    """Any `.md` file at <project>/<user>/ in the pending folder: is there work to consolidate?

    Deliberately not `logs.layout.walk` (the one walker): importing it (and the name checks
    it uses) doubles this module's import time on every commit, and this question is looser
    by design. Anything that might be a temp log sends the commit the full way, where the
    walker decides what it is and reports what is not.
    """
    try:
        projects = [e.path for e in os.scandir(pending) if e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return False
    for project in projects:
        for user in os.scandir(project):
            if user.is_dir() and any(f.name.endswith(".md") for f in os.scandir(user.path)):
                return True
    return False


def nothing_to_do(top: str) -> bool:
    """True only when the commit hook surely has nothing to do in the work tree at `top`."""
    if not os.path.exists(os.path.join(top, ".git")):
        return False  # not at a work tree's top: let the full path find it
    if os.path.exists(os.path.join(top, ".git", "MERGE_HEAD")):
        return False  # concluding a merge (an octopus needs its views settled)
    pending = _pending_dir(top)
    state = statedir.folder(top)
    if pending is None or any(
        os.path.lexists(os.path.join(state, name)) for name in (LEDGER_NAME, JOURNAL_NAME)
    ):
        return False
    try:
        return not has_temp_log(statedir.resolve(top, pending))
    except OSError:
        return False
