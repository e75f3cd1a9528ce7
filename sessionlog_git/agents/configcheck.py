"""Is `.sessionlog.yaml` broken? Asked by the hooks once per version of the file.

The hooks read the config from its parse cache; when the cache is stale (the file changed
since a sessionlog command last parsed it) they cannot tell a new valid config from a broken
one without the YAML parser, which a hook must not import. So this module runs the real
parser in a child process (`python -m sessionlog_git.agents.configcheck TOP`), once per
content: a valid file refreshes the parse cache (later hooks read it, fresh), a broken one is
remembered in `.sessionlog/config-check.json` with its one-line error, so the hooks report it
once per session and stop asking for entries until it is fixed.

Standard library only at import (the child imports the parser).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from sessionlog_git.base import statedir
from sessionlog_git.base.text import sha256_hex

RESULT = "config-check.json"
CONFIG_NAME = ".sessionlog.yaml"
TIMEOUT = 8.0


def digest(top: str) -> str:
    try:
        with open(os.path.join(top, CONFIG_NAME), "rb") as handle:
            return sha256_hex(handle.read())
    except OSError:
        return ""


def problem(top: str) -> tuple[str, str]:
    """(the config's sha256, its one-line error or "" when it parses); runs the parser in a
    child process unless this content was checked before."""
    sha = digest(top)
    if not sha:
        return "", ""
    result = os.path.join(statedir.folder(top), RESULT)
    try:
        with open(result, encoding="utf-8") as handle:
            known = json.load(handle)
        if isinstance(known, dict) and known.get("sha256") == sha:
            return sha, str(known.get("error") or "")
    except (OSError, ValueError):
        pass
    try:
        proc = subprocess.run([sys.executable, "-m", "sessionlog_git.agents.configcheck", top],
                              capture_output=True, text=True, timeout=TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return sha, ""  # cannot tell: behave as before (the defaults)
    error = one_line(proc.stdout) if proc.returncode == 1 else ""
    error = error.replace(os.path.join(top, ""), "")  # the file as the repository names it
    from sessionlog_git.base.fsutil import atomic_write_text

    try:
        statedir.ensure(top)
        atomic_write_text(result, json.dumps({"sha256": sha, "error": error}))
    except OSError:
        pass
    return sha, error


def one_line(text: str) -> str:
    return " ".join(text.split())


def _main(top: str) -> int:
    from pathlib import Path

    from sessionlog_git.config import load
    from sessionlog_git.errors import ConfigError

    try:
        load(Path(top), "project")
    except ConfigError as exc:
        print(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
