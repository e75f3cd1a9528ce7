"""A short process's exit without the interpreter's teardown, for the hooks' entries.

`leave(code)` flushes stdout and stderr and ends the process with `code` through `os._exit`:
freeing, one by one, every object the process made (the modules' among them) is work whose
result nobody sees, a few milliseconds of each commit and each assistant prompt. It takes the
ordinary exit (`SystemExit`) wherever that teardown could still do work: an exit handler is
registered, a thread other than the main one still runs, or an output cannot be flushed (the
interpreter then reports it as it always does).

The callers' contract: every file they wrote is closed (and synced where it must be) before
they leave, and a lock they hold goes with the process. Standard library only (`atexit` is
built into the interpreter): the per-prompt hook loads it.
"""
from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import NoReturn


def leave(code: int) -> NoReturn:
    """Exit with `code` once stdout and stderr are flushed, without the teardown where it is
    safe (see the module's docstring); else `raise SystemExit(code)`."""
    import atexit
    import os

    threading = sys.modules.get("threading")
    if atexit._ncallbacks() or (threading is not None and threading.active_count() > 1):
        raise SystemExit(code)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code)
