"""The cyclic garbage collector held off while an answer loads a large, acyclic history.

Loading a month checkpoint makes hundreds of thousands of small lists, dicts and records, all
kept: every young-generation pass finds them alive, and the full passes walk them again as
the heap grows (at a million entries, `report blockers` spent four fifths of its time
there). Nothing the loaders make refers back to itself, so reference counting frees it all;
the collector only runs again once the block is left. A block that folds a history a month at
a time and does leave cycles (the full rebuild) collects them between months (`give_back`).
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks leave it to the outermost)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def give_back() -> None:
    """Between the steps of such a block: collect the reference cycles it did leave (a
    decision and the one that superseded it refer to each other), then hand the allocator's
    free pages back to the system (glibc's `malloc_trim`; elsewhere only the collection).

    A full rebuild folds a month at a time and keeps little between months, but with the
    collector off the month's superseded decisions stay behind as cycles, and the heap keeps
    the holes the month's records and the growing posting arrays left: together a fifth of
    the peak at a million entries, growing with the history."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        found: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # not glibc (TypeError: no CDLL(None) on Windows)
        return None
    return found
