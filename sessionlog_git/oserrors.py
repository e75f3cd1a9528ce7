"""What an operating-system error means to a user: the file, what happened, and the fix.

main's error boundary turns every OSError that escapes a command into one of these
messages (exit 1) instead of "internal error (a bug)": a full disk, a read-only folder or
a missing permission is the machine's state, not a bug, and the user can act on it.
"""
from __future__ import annotations

import errno
import os

NOTHING_LOST = ("Nothing was lost: pending logs are removed only after their archive is written "
                "and staged, and the next commit finishes an interrupted run.")

_FIXES = {
    errno.ENOSPC: "free space on that disk (`df -h {folder}`), then commit again",
    errno.EDQUOT: "free space within your disk quota, then commit again",
    errno.EROFS: "that file system is mounted read-only: remount it read-write, or work in a "
                 "clone on a writable disk, then commit again",
    errno.EACCES: "give yourself write access (`ls -ld {folder}`; e.g. `chmod u+w {name}`, or "
                  "fix the owner with `chown`), then commit again",
    errno.EPERM: "the system forbids this change (an immutable file, or another owner): check "
                 "`ls -ld {folder}` and `lsattr {name}`, then commit again",
    errno.ENAMETOOLONG: "shorten the configured folder names in .sessionlog.yaml",
    errno.ELOOP: "remove the symbolic link loop at {name}",
    errno.ENOTDIR: "{name} (or a folder on its way) is a file where a folder must be: move it "
                   "out of the way",
    errno.EISDIR: "{name} is a folder where a file must be: move it out of the way",
    errno.EMFILE: "raise the open-file limit (`ulimit -n`), then retry",
    errno.EIO: "the disk reported an I/O error: check it (`dmesg`), then retry",
}


def describe(exc: OSError) -> str:
    """One message naming the file, the error and the fix."""
    name = exc.filename if exc.filename is not None else "(a file sessionlog uses)"
    name = os.fsdecode(name) if isinstance(name, bytes) else str(name)
    folder = os.path.dirname(name) or "."
    code = errno.errorcode.get(exc.errno or 0, "")
    what = exc.strerror or str(exc)
    template = _FIXES.get(exc.errno or 0, "correct what the system reports for that file, then retry")
    fix = template.format(name=name, folder=folder)
    other = f" and {os.fsdecode(exc.filename2)}" if getattr(exc, "filename2", None) else ""
    return f"{name}{other}: {what}{f' ({code})' if code else ''}. {NOTHING_LOST} Fix: {fix}."
