"""The one error boundary and its fixed exit codes.

Every way into the package goes through `boundary`: the command line (`main`), the
assistants' hooks (`sessionlog hook`, which must never fail the assistant) and git's
prepare-commit-msg hook (which must never fail the commit). Standard library only at import
(the hooks' fast paths use it); `traceback` loads only when there is one to write.
"""
from __future__ import annotations

import errno
import os
import sys

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# Fixed exit codes, documented in README.
EXIT_OK = 0
EXIT_FAILED = 1  # the tool refused or found a problem the user must fix
EXIT_USAGE = 2  # bad command line (argparse uses 2 as well)
EXIT_INTERNAL = 3  # a bug: a traceback was written to the error log
EXIT_INTERRUPTED = 130

ERROR_LOG_MAX = 256 * 1024  # bytes a hook error log keeps before it is cut to its newer half
INTERNAL_ADVICE = (
    "sessionlog: internal error (a bug); nothing was lost: pending logs are only removed "
    "after their archive is written. Please report the traceback above."
)


class SessionlogError(Exception):
    """An error the user can act on: the message names the file, the line and the fix."""

    exit_code = EXIT_FAILED


class UsageError(SessionlogError):
    """A command line that cannot be carried out as given (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(SessionlogError):
    """`.sessionlog.yaml` is invalid."""


class LockTimeout(SessionlogError):
    """Another sessionlog process holds the lock for too long."""


class UnsafeName(SessionlogError):
    """A user or project name that cannot be a single safe path component."""


class Outcome:
    """What the boundary decided: the exit code the caller returns."""

    __slots__ = ("code",)

    def __init__(self) -> None:
        self.code = EXIT_OK


def log_exception(path: Path | str | None, what: str, exc: BaseException) -> None:
    """Append `exc` with its traceback to a size-bounded error log; never raises."""
    if path is None:
        return
    try:
        import traceback
        from datetime import datetime

        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        try:
            if os.path.getsize(path) > ERROR_LOG_MAX:
                with open(path, "rb") as handle:
                    handle.seek(-(ERROR_LOG_MAX // 2), os.SEEK_END)
                    tail = handle.read()
                with open(path, "wb") as handle:
                    handle.write(tail)
        except OSError:
            pass
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} {what}\n{detail}")
    except BaseException:
        pass  # nowhere left to report to


class boundary:  # lower case: used as `with boundary(...)`, like contextlib's helpers
    """The one place an exception becomes an exit code and a message.

    `cli`: a SessionlogError prints `sessionlog: error: ...` and exits with its code; Ctrl-C
    exits 130; a closed stdout (`| head`) is not an error; any other OS error (a full disk, a
    read-only folder, a permission) names the file and the fix and exits 1; anything else
    prints the traceback and exits 3. `quiet` (hooks that must never fail their caller: the
    assistants' hooks, git's prepare-commit-msg): nothing escapes and the exit code stays 0;
    the exception goes to the file `error_log()` names (with its traceback) or, without one,
    one line on stderr.

    A class rather than a generator: `contextlib` would cost the per-prompt hook an import.
    """

    def __init__(
        self,
        mode: str = "cli",
        *,
        what: str = "sessionlog",
        error_log: Callable[[], Path | str | None] | None = None,
    ) -> None:
        if mode not in ("cli", "quiet"):
            raise ValueError(f"boundary mode {mode!r}")
        self.mode, self.what, self.error_log = mode, what, error_log
        self.outcome = Outcome()

    def __enter__(self) -> Outcome:
        return self.outcome

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            return False
        outcome = self.outcome
        if self.mode == "quiet":
            outcome.code = EXIT_OK
            path = None
            if self.error_log is not None:
                try:
                    path = self.error_log()
                except BaseException:
                    path = None
            if path is not None:
                log_exception(path, self.what, exc)
            elif isinstance(exc, SessionlogError):
                _say(f"sessionlog: {self.what}: {exc}")
            return True
        if isinstance(exc, SystemExit):
            return False
        if isinstance(exc, SessionlogError):
            _say(f"sessionlog: error: {exc}")
            outcome.code = exc.exit_code
        elif isinstance(exc, KeyboardInterrupt):
            _say("sessionlog: interrupted")
            outcome.code = EXIT_INTERRUPTED
        elif isinstance(exc, BrokenPipeError):
            # The reader went away (`sessionlog report weekly | head`): not an error of ours.
            try:  # noqa: SIM105 - as in _say
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            outcome.code = EXIT_OK
        elif isinstance(exc, OSError):
            # A full disk, a read-only folder, a missing permission: the machine's state, not
            # a bug; the message names the file and the fix.
            _say(f"sessionlog: error: {describe_os_error(exc)}")
            outcome.code = EXIT_FAILED
        elif isinstance(exc, ValueError) and "null byte" in str(exc):
            _say("sessionlog: error: a path holds a NUL byte, which no file name can. Fix: remove "
                 "it from the argument, the environment (SESSIONLOG_*) or .sessionlog.yaml that "
                 "names the path.")
            outcome.code = EXIT_FAILED
        else:
            import traceback

            traceback.print_exception(kind, exc, exc.__traceback__)
            _say(INTERNAL_ADVICE)
            outcome.code = EXIT_INTERNAL
        return True


# --- what an operating-system error means to a user: the file, what happened, the fix ---

NOTHING_LOST = ("Nothing was lost: pending logs are removed only after their archive is written "
                "and staged, and the next commit finishes an interrupted run.")

_OS_FIXES = {
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


def describe_os_error(exc: OSError) -> str:
    """One message naming the file, the error and the fix."""
    name = exc.filename if exc.filename is not None else "(a file sessionlog uses)"
    name = os.fsdecode(name) if isinstance(name, bytes) else str(name)
    folder = os.path.dirname(name) or "."
    code = errno.errorcode.get(exc.errno or 0, "")
    what = exc.strerror or str(exc)
    template = _OS_FIXES.get(exc.errno or 0, "correct what the system reports for that file, then retry")
    fix = template.format(name=name, folder=folder)
    other = f" and {os.fsdecode(exc.filename2)}" if getattr(exc, "filename2", None) else ""
    return f"{name}{other}: {what}{f' ({code})' if code else ''}. {NOTHING_LOST} Fix: {fix}."


def _say(text: str) -> None:
    try:  # noqa: SIM105 - contextlib.suppress would cost the hook an import
        print(text, file=sys.stderr)
    except (OSError, ValueError):
        pass

