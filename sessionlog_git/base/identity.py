"""Who is writing: the contributor name used in paths and in the logs.

Order (the first that gives a name wins):

1. `SESSIONLOG_USER`, then `user:` in `.sessionlog.yaml`;
2. `git config github.user`;
3. the GitHub CLI's login (`gh api user --jq .login`, at most GH_TIMEOUT seconds), cached per
   clone in `.sessionlog/identity.json` for GH_TTL seconds;
4. the login in a GitHub noreply `user.email` (`12345+login@users.noreply.github.com`);
5. a slug of `git config user.name`; 6. the system login name.

Standard library only, and `resolve_fast` never starts a process: the agent hooks call it on
every prompt and must name the same temp-log folder as `sessionlog log`. Git config is read
through `gitconfig` (no `git` process) on both paths, and the gh result through the cache
file, whatever its age; only `resolve_user(..., refresh=True)` (the CLI commands) runs `gh`.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from sessionlog_git.base.names import check_name, is_safe, slug
from sessionlog_git.constants import IDENTITY_CACHE

ENV_USER = "SESSIONLOG_USER"
CACHE_VERSION = 1
GH_TIMEOUT = 3.0
GH_TTL = 24 * 3600  # re-ask gh after a day; a failed re-ask keeps the last login
# Matched with re.match (compiled on first use, then from re's cache): not compiled at import,
# the per-prompt hook imports this module.
NOREPLY = r"(?i)^(?:\d+\+)?(?P<login>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))@users\.noreply\.github\.com$"


def cache_path(top: Path) -> Path:
    from sessionlog_git.base.statedir import folder

    return Path(folder(top)) / IDENTITY_CACHE


def read_cache(top: Path) -> dict[str, object]:
    try:
        data = json.loads(cache_path(top).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == CACHE_VERSION else {}


def cached_gh_login(top: Path) -> str:
    """The gh login this clone last saw ('' when none), without running anything."""
    login = read_cache(top).get("gh_login")
    return login if isinstance(login, str) and is_safe(login) else ""


def _write_cache(top: Path, login: str, status: str) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text
    from sessionlog_git.base.statedir import ensure

    try:
        ensure(top)
        payload = {"version": CACHE_VERSION, "gh_login": login, "gh_status": status,
                   "checked_at": int(time.time())}
        atomic_write_text(cache_path(top), json.dumps(payload, sort_keys=True))
    except OSError:
        pass  # a cache; the next command asks again


def ask_gh(timeout: float = GH_TIMEOUT) -> tuple[str, str]:
    """(login, status): status is ok, absent (no gh), signed-out or error (includes timeouts)."""
    import contextlib
    import shutil
    import signal
    import subprocess  # here, not at the top: the agent hooks import this module, never run gh

    exe = shutil.which("gh")
    if exe is None:
        return "", "absent"
    try:
        # A session of its own, so a timeout kills gh and anything it started (a child that
        # kept the pipe open would otherwise hold us past the limit).
        proc = subprocess.Popen(
            (exe, "api", "user", "--jq", ".login"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, start_new_session=True,
            env={**os.environ, "GH_PROMPT_DISABLED": "1", "GH_NO_UPDATE_NOTIFIER": "1"},
        )
    except OSError:
        return "", "error"
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "", "error"
    login = out.strip()
    if proc.returncode != 0 or not login:
        return "", "signed-out" if proc.returncode in (0, 4) or "auth login" in err else "error"
    return (login, "ok") if is_safe(login) else ("", "error")


def refresh_gh(top: Path, *, force: bool = False) -> str:
    """The gh login, asking gh when the cache is missing or older than GH_TTL."""
    cache = read_cache(top)
    checked = cache.get("checked_at")
    fresh = isinstance(checked, int) and 0 <= time.time() - checked < GH_TTL
    if fresh and not force:
        return cached_gh_login(top)
    login, status = ask_gh()
    if status == "error" and cached_gh_login(top):
        login = cached_gh_login(top)  # offline or slow: keep the last known login
    _write_cache(top, login, status)
    return login


def _git_values(top: Path, seen: list[str] | None = None) -> dict[str, str]:
    from sessionlog_git.base import gitconfig

    return gitconfig.values(top, "github.user", "user.email", "user.name", seen=seen)


def _resolve(top: Path, configured: str, *, refresh: bool, seen: list[str] | None = None
             ) -> tuple[str, str]:
    def safe(name: str, source: str) -> str:
        # The CLI refuses an unsafe name (the message names the fix); the hooks, which must
        # never fail, use its slug.
        return check_name(name, what="user", source=source) if refresh else (
            name if is_safe(name) else slug(name)
        )

    pinned = os.environ.get(ENV_USER, "").strip()
    if pinned:
        return safe(pinned, f"environment {ENV_USER}"), ENV_USER
    if configured:
        return configured, ".sessionlog.yaml user"
    values = _git_values(top, seen)
    login = values.get("github.user", "").strip()
    if login:
        return safe(login, "git config github.user"), "git config github.user"
    gh = refresh_gh(top) if refresh else cached_gh_login(top)
    if gh:
        return gh, "gh api user (GitHub CLI; cached in .git/sessionlog/identity.json)"
    email = re.match(NOREPLY, values.get("user.email", "").strip())
    if email and is_safe(email["login"]):
        return email["login"], "git config user.email (GitHub noreply address)"
    name = values.get("user.name", "").strip()
    if name:
        return slug(name), "git config user.name (as a slug)"
    import getpass

    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return slug(fallback), "login name"


def resolve_user(top: Path, configured: str = "") -> tuple[str, str]:
    """(name, where it came from), for CLI commands: may ask gh (time-limited, cached)."""
    return _resolve(top, configured, refresh=True)


def resolve_fast(top: Path, configured: str = "", seen: list[str] | None = None) -> tuple[str, str]:
    """The same answer without starting any process and without raising (the agent hooks'
    per-prompt path): gh's login comes from the cache `resolve_user` keeps, whatever its age.
    `seen` gets the git config files read (agents.usercache keeps the answer against them)."""
    return _resolve(top, configured, refresh=False, seen=seen)
