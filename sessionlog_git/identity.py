"""Who is writing: the contributor name used in paths and in the logs."""
from __future__ import annotations

import getpass
import os
from pathlib import Path

from sessionlog_git.names import check_name, slug

ENV_USER = "SESSIONLOG_USER"


def resolve_user(top: Path, configured: str = "") -> tuple[str, str]:
    """(name, where it came from). Always a safe single path component."""
    pinned = os.environ.get(ENV_USER, "").strip()
    if pinned:
        return check_name(pinned, what="user", source=f"environment {ENV_USER}"), ENV_USER
    if configured:
        return configured, ".sessionlog.yaml user"
    from sessionlog_git import gitops

    values = gitops.config_values(top, "github.user", "user.name")
    login = values.get("github.user", "")
    if login:
        return check_name(login, what="user", source="git config github.user"), "git config github.user"
    name = values.get("user.name", "")
    if name:
        return slug(name), "git config user.name"
    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return slug(fallback), "login name"
