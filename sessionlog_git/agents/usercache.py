"""The contributor name the per-prompt hook resolved last, kept with everything it came from.

When neither SESSIONLOG_USER nor the config's `user:` names the contributor, the name comes
from git config (`identity.resolve_fast`): reading it costs the per-prompt hook `pathlib`,
`fnmatch` and `re`, more than the hook's own work. This cache keeps the answer in
`.sessionlog/user-cache` (the ignored state folder) together with what decided it:

* the environment that `identity` and `gitconfig` read (HOME, XDG_CONFIG_HOME, every
  GIT_CONFIG_* variable, the login-name variables), as a sha256;
* every git config file that was read or tried (includes too) and `.sessionlog/identity.json`
  (the cached gh login), each with its mtime (ns), size and inode, or its absence;
* `.git` when it is a file (a linked worktree: it names the git folder).

The answer is used only while all of that is unchanged; anything else resolves again through
`identity` and rewrites the cache. Standard library only, strings rather than pathlib.
"""
from __future__ import annotations

import os

from sessionlog_git.base import statedir
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import IDENTITY_CACHE

CACHE_NAME = "user-cache"
VERSION = "sessionlog user-cache 1"
LOGIN_VARIABLES = ("LOGNAME", "USER", "LNAME", "USERNAME")  # getpass.getuser's order


def _environment() -> str:
    env = os.environ
    names = ["HOME", "XDG_CONFIG_HOME", *LOGIN_VARIABLES,
             *sorted(k for k in env if k.startswith("GIT_CONFIG"))]
    return sha256_hex("\0".join(f"{k}={env.get(k, '')}" for k in names))


def _signature(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


def _watched(top: str) -> list[str]:
    """The files checked besides the git config files: the gh cache, a worktree's `.git` file."""
    out = [os.path.join(statedir.folder(top), IDENTITY_CACHE)]
    dot = os.path.join(top, ".git")
    if not os.path.isdir(dot):
        out.append(dot)
    return out


def lookup(top: str) -> str | None:
    """The cached name, when nothing it was resolved from has changed; else None."""
    try:
        with open(os.path.join(statedir.folder(top), CACHE_NAME), encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) < 4 or lines[0] != VERSION or lines[-1] != "":
        return None
    user, environment = lines[1], lines[2]
    if not user or environment != _environment():
        return None
    for line in lines[3:-1]:
        path, sep, signature = line.rpartition("\t")
        if not sep or _signature(path) != signature:
            return None
    return user


def store(top: str, user: str, files: list[str]) -> None:
    """Keep `user` against `files` (the git config files read); only where the state folder
    exists with its .gitignore (the hook never creates it), and never for odd paths."""
    paths = list(dict.fromkeys([*files, *_watched(top)]))
    if not user or any(c in p for p in [user, *paths] for c in "\t\n\r"):
        return
    if not os.path.isdir(statedir.folder(top)):
        return
    body = [VERSION, user, _environment(), *(f"{p}\t{_signature(p)}" for p in paths), ""]
    import contextlib

    from sessionlog_git.base.fsutil import atomic_write_text

    with contextlib.suppress(OSError):  # a cache: the next prompt resolves again
        atomic_write_text(os.path.join(statedir.folder(top), CACHE_NAME), "\n".join(body))


def resolve(top: str, configured: str = "") -> str:
    """`identity.resolve_fast(Path(top), configured)[0]`, from the cache when it is current."""
    if not configured:
        cached = lookup(top)
        if cached is not None:
            return cached
    from pathlib import Path

    from sessionlog_git.base.identity import resolve_fast

    seen: list[str] = []
    user = str(resolve_fast(Path(top), configured, seen=seen)[0])
    if not configured and not os.environ.get("SESSIONLOG_USER", "").strip():
        store(top, user, seen)
    return user
