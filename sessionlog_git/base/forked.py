"""The second core for a batch: one piece of work done in a forked child while this process
does another. Two kinds of work:

    with forked.aside(work, encode, decode) as other:   # computes: its result comes back
        mine = ...            # this process's own work meanwhile
        theirs = other.result()

    with forked.beside(write) as other:                 # writes files: nothing comes back
        mine = ...
        other.result()        # the files are written (by the child, or here)

Either may carry a `first` computation, which the child does before its work and sends back
on a pipe of its own, so this process can take it (`other.first()`) long before the work is
done: a small result it needs midway, computed on the other core while it does its own.

`aside`: the child writes no file and changes nothing this process sees; it only computes
and sends its result back over a pipe as plain values (marshal). `beside`: the child writes
files this process does not read meanwhile, and `write` must be work that, done again after
a run of it that stopped anywhere (the child killed between two of its writes), leaves what
one whole run leaves (a cache built to recover from a half-written state): the child sends
only that it finished. For both, whatever goes wrong with the child (an exception, a signal,
a kill, a non-zero exit, a short or unreadable answer), `result()` does the work here, so a
failure the work raises is raised in this process, as the same error with the same exit
code, and a child killed from outside costs only the time. The child is always waited for
(no zombie), and killed first when this process leaves the block without its result (its
own error; a `beside` child's writes then stop where they are, which its work recovers from
the next time it runs). Where fork is missing (Windows), where no second core is usable and
idle, or where another thread runs (a fork copies no thread, and a lock another thread held
would stay held in the child), `result()` does the work here.
Standard library only.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

R = TypeVar("R")

FORK_FROM = 128 * 1024  # characters of a batch worth a fork (~2 ms with its pipe and wait)
IDLE_CORE = 0.5  # a core counts as idle while the load average leaves this much of it (and more)
_CHUNK = 1 << 20


# SESSIONLOG_SERIAL=1: never fork (one process does it all); =0: fork whatever the load
SERIAL_VARIABLE = "SESSIONLOG_SERIAL"


def usable() -> bool:
    """Whether this process may fork a worker: fork exists, a second core is usable and idle
    (the load average of the last minute leaves one free: on a busy machine the child only
    adds its fork, its pipe and the parent's copied pages), no other thread runs, and
    SESSIONLOG_SERIAL is not set to 1 (set to 0, the load is not asked)."""
    if not hasattr(os, "fork") or sys.platform == "win32":
        return False
    setting = os.environ.get(SERIAL_VARIABLE)
    if setting == "1":
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0] if setting != "0" else 0.0
    except (AttributeError, OSError):
        busy = 0.0
    if cores < 2 or busy > cores - IDLE_CORE:
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


class Aside(Generic[R]):
    """`work()`, done in a forked child meanwhile (see the module's text)."""

    def __init__(self, work: Callable[[], R], encode: Callable[[R], object],
                 decode: Callable[[object], R], fork: bool,
                 first: Callable[[], object] | None = None) -> None:
        self._work, self._decode, self._first = work, decode, first
        self._pid = 0
        self._fd = self._first_fd = -1
        self.forked = False  # whether a child was started (for tests and measurements)
        if not fork:
            return
        read_end, write_end = os.pipe()
        first_read, first_write = os.pipe() if first is not None else (-1, -1)
        if first_write >= 0:
            _widen(first_write)
        pid = os.fork()
        if pid == 0:
            _child(work, encode, read_end, write_end, first, first_read, first_write)
        os.close(write_end)
        if first_write >= 0:
            os.close(first_write)
        self._pid, self._fd, self._first_fd, self.forked = pid, read_end, first_read, True

    def first(self) -> object:
        """The `first` computation's value: the child's, or computed here when there is
        none (no child, or it sent no whole answer: it failed or was killed before it)."""
        if self._first is None:
            raise ValueError("no first computation was given")
        if self._first_fd >= 0:
            fd, self._first_fd = self._first_fd, -1
            try:
                found = _loaded(_read_all(fd))
            finally:
                os.close(fd)
            if found is not None:
                return found[0]
        return self._first()

    def result(self) -> R:
        """The work's result: the child's, or done here when there is none."""
        if self._pid:
            self._drop_first()  # never asked for: a child blocked sending it goes on
            data = _read_all(self._fd)
            status = self._end(kill=False)
            if status == 0:
                found = _loaded(data)
                if found is not None:
                    try:
                        return self._decode(found[0])
                    except (ValueError, TypeError, KeyError, IndexError):
                        pass  # an answer that is not the work's: done here instead
        return self._work()

    def _drop_first(self) -> None:
        """Close the first answer's pipe unread (none, or it is of no use any more)."""
        if self._first_fd >= 0:
            os.close(self._first_fd)
            self._first_fd = -1

    def _end(self, *, kill: bool) -> int:
        os.close(self._fd)
        self._drop_first()
        pid, self._pid, self._fd = self._pid, 0, -1
        if kill:
            import contextlib
            import signal

            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return -1

    def __enter__(self) -> Aside[R]:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._pid:  # left without the result: the child is of no use any more
            self._end(kill=True)


def aside(work: Callable[[], R], encode: Callable[[R], object], decode: Callable[[object], R],
          *, fork: bool | None = None, first: Callable[[], object] | None = None) -> Aside[R]:
    """`work()` started in a forked child now; `encode` turns its result into plain values
    marshal can carry (None, bool, int, float, str, bytes, tuple, list, dict) and `decode`
    turns them back (`decode(encode(work()))` must equal `work()`). `fork`: None forks where
    `usable()`; False never (the serial path: `result()` does the work). `first`: computed
    by the child before `work`, and sent at once (`Aside.first`); it returns such plain
    values itself, and changes nothing `work` or this process sees."""
    return Aside(work, encode, decode, usable() if fork is None else
                 fork and hasattr(os, "fork") and sys.platform != "win32", first)


def beside(write: Callable[[], None], *, fork: bool | None = None,
           first: Callable[[], object] | None = None) -> Aside[None]:
    """`write()`, work that writes files (see the module's text), started in a forked child
    now; `result()` returns once they are written, by the child or, when it failed, here.
    `fork`, `first`: as for `aside`."""
    return aside(write, _nothing, _nothing, fork=fork, first=first)


def _nothing(_value: object) -> None:
    return None


def _child(work: Callable[[], R], encode: Callable[[R], object], read_end: int,
           write_end: int, first: Callable[[], object] | None = None, first_read: int = -1,
           first_write: int = -1) -> None:
    """Compute `first` and send it, then the work and send it, and leave without this
    process's exit handlers or buffered output. A `first` that fails sends nothing (the
    parent computes it) and the work goes on."""
    code = 1
    try:
        import gc

        gc.disable()  # the inherited objects stay shared: the collector would touch them all
        os.close(read_end)
        if first is not None:
            os.close(first_read)
            try:
                _send(first_write, (first(),))
            except Exception:  # the parent computes it instead
                pass
            finally:
                os.close(first_write)
        _send(write_end, (encode(work()),))
        code = 0
    finally:
        os._exit(code)


def _widen(fd: int) -> None:
    """Let the pipe hold a first answer of up to a megabyte (Linux; elsewhere, or past what
    the system allows, it keeps its size): the child sends it and goes on with its work,
    not waiting for this process to read it."""
    import contextlib

    try:
        import fcntl
    except ImportError:
        return
    command = getattr(fcntl, "F_SETPIPE_SZ", None)
    if command is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, command, 1 << 20)


def _send(fd: int, answer: tuple[Any]) -> None:
    import marshal

    payload = memoryview(marshal.dumps(answer))
    while payload:
        payload = payload[os.write(fd, payload[:_CHUNK]):]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, _CHUNK):
        chunks.append(chunk)
    return b"".join(chunks)


def _loaded(data: bytes) -> tuple[object] | None:
    """The child's answer, (value,); None when it is not a whole one."""
    import marshal

    try:
        value = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, tuple) and len(value) == 1 else None
