"""What the pre-commit framework did before our hook ran.

The framework stashes unstaged changes of tracked files into a patch named
`patch<time>-<pid>` in its store, runs the hooks, then applies the patch again. If a hook
rewrites a file that is in the patch, the patch no longer applies and the user's edit is
left only in that patch file. So our hook reads the patch and refuses to touch those files.
"""
from __future__ import annotations

import os
from pathlib import Path


def active() -> bool:
    return os.environ.get("PRE_COMMIT") == "1"


def store_dir() -> Path:
    home = os.environ.get("PRE_COMMIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pre-commit"
    )
    return Path(os.path.realpath(home))


def patch_file() -> Path | None:
    """The patch the framework stashed for this run (the hook's parent process), if any."""
    if not active():
        return None
    try:
        candidates = sorted(
            store_dir().glob(f"patch*-{os.getppid()}"), key=lambda p: p.stat().st_mtime
        )
    except OSError:
        return None
    return candidates[-1] if candidates else None


def stashed_paths() -> set[str]:
    """Paths in the patch the framework stashed for this run (the hook's parent process)."""
    patch = patch_file()
    if patch is None:
        return set()
    found: set[str] = set()
    try:
        text = patch.read_bytes().decode("utf-8", "replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("diff --git a/"):
            rest = line[len("diff --git a/") :]
            a_path, sep, _ = rest.partition(" b/")
            if sep:
                found.add(a_path)
    return found
