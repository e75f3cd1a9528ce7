"""The one error boundary and its fixed exit codes."""
from __future__ import annotations

# Fixed exit codes, documented in README.
EXIT_OK = 0
EXIT_FAILED = 1  # the tool refused or found a problem the user must fix
EXIT_USAGE = 2  # bad command line (argparse uses 2 as well)
EXIT_INTERNAL = 3  # a bug: a traceback was written to the error log
EXIT_INTERRUPTED = 130


class SessionlogError(Exception):
    """An error the user can act on: the message names the file, the line and the fix."""

    exit_code = EXIT_FAILED


class ConfigError(SessionlogError):
    """`.sessionlog.yaml` is invalid."""


class LockTimeout(SessionlogError):
    """Another sessionlog process holds the lock for too long."""


class UnsafeName(SessionlogError):
    """A user or project name that cannot be a single safe path component."""
