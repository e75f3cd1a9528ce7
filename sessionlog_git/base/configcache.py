"""The config's parse cache, read with the lightest modules the standard library has.

`sessionlog` commands parse `.sessionlog.yaml` with ruamel.yaml and keep the result in
`.sessionlog/config.json` under the file's sha256. The paths that run often (the per-prompt
hook, an idle commit) read that cache through here and never import the YAML parser; the
config module writes it and reads it through here too, so there is one format and one check.
"""
from __future__ import annotations

import os

from sessionlog_git.base.leanjson import loads  # json's parser without importing json (re)
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import CONFIG_CACHE as CACHE_NAME
from sessionlog_git.constants import CONFIG_NAME

TYPE_CHECKING = False  # typing costs the hooks an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CACHE_VERSION", "cached", "read"]

CACHE_VERSION = 1


def cached(top: str | os.PathLike[str], digest: str) -> dict[str, Any] | None:
    """The parsed config cached for the file whose sha256 is `digest`, or None."""
    try:
        from sessionlog_git.base.statedir import folder

        with open(os.path.join(folder(top), CACHE_NAME), encoding="utf-8") as handle:
            data = loads(handle.read())
    except (OSError, ValueError):
        return None
    if (
        isinstance(data, dict)
        and data.get("version") == CACHE_VERSION
        and data.get("sha256") == digest
        and isinstance(data.get("config"), dict)
    ):
        config: dict[str, Any] = data["config"]
        return config
    return None


def read(top: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The parsed config: {} when there is no config file (the defaults); None when only the
    full loader can tell (the cache is missing, stale or damaged, or the file unreadable)."""
    try:
        with open(os.path.join(top, CONFIG_NAME), "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except OSError:
        return None
    return cached(top, sha256_hex(raw))
