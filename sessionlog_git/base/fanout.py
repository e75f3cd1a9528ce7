"""Work in threads whose failures reach the caller: one function over many items in a few
threads (`fan_out`, for work that waits on the file system), or one piece of work beside the
caller's own (`start`).

Removing a file can wait on the file system's journal when other writes keep it busy (almost
none of the wait is CPU): the waits of two removals at once overlap. More threads gain nothing
more and cost CPU: each removal hands the interpreter's lock on, and eight threads spent about
100 ms of CPU doing so for a backlog of 250 temp logs (measured on the benchmark's machine, whose
file system has no journal: there a removal costs CPU, not a wait). Creating files does not gain
either: creates contend. (A backlog's trim now moves its temp logs aside and has them removed
after the run, `base.trash`; removing them here is its fallback.)

Plain `threading`, not `concurrent.futures` (whose import loads `logging`). Standard library
only.
"""
from __future__ import annotations

import threading

from sessionlog_git.errors import SessionlogError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, TypeVar

    T = TypeVar("T")
    R = TypeVar("R")

WORKERS = 2  # removals in flight at once: see the module's text

STOPPED = ("a worker thread stopped before its end; what it had not done is left as it was "
           "and nothing is lost. Fix: run the command again.")


def start(fn: Callable[[], R], name: str, stopped: str = STOPPED) -> Callable[[], R]:
    """`fn()` started in a thread named `name` now. What it returns waits for the thread and
    returns `fn`'s value or raises what `fn` raised, in the caller's thread; a thread that
    stopped with neither (a SystemExit inside it) raises `SessionlogError(stopped)`."""
    value: list[R] = []
    failed: list[Exception] = []

    def run() -> None:
        try:
            value.append(fn())
        except Exception as exc:  # raised again by the wait, in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name=name)
    thread.start()

    def wait() -> R:
        thread.join()
        if failed:
            raise failed[0]
        if not value:
            raise SessionlogError(stopped)
        return value[0]

    return wait


def fan_out(fn: Callable[[T], R], items: Sequence[T], workers: int = WORKERS) -> list[R]:
    """`[fn(item) for item in items]`, run by up to `workers` threads, results in item order.

    Every item is tried even when one fails (each is independent); then the first failure in
    item order is raised, the one a loop would have raised. A thread that stops without a
    result or an error of the item's (a SystemExit inside it) is reported as such."""
    count = min(workers, len(items))
    if count <= 1:
        return [fn(item) for item in items]
    done = [False] * len(items)
    values: list[Any] = [None] * len(items)
    failures: list[Exception | None] = [None] * len(items)
    claim = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                index = next(claim, None)
            if index is None:
                return
            try:
                values[index] = fn(items[index])
            except Exception as exc:  # raised again below, in the caller's thread
                failures[index] = exc
            done[index] = True

    threads = [threading.Thread(target=work, name=f"sessionlog-fanout-{n}") for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(len(items)):
        failure = failures[index]
        if failure is not None:
            raise failure
        if not done[index]:
            raise SessionlogError(STOPPED)
    return values
