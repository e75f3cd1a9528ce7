"""The cyclic garbage collector held off while an answer loads a large, acyclic history.

Loading a month checkpoint makes hundreds of thousands of small lists, dicts and records, all
kept: every young-generation pass finds them alive, and the full passes walk them again as
the heap grows (at a million entries, `report blockers` spent four fifths of its time
there). Nothing the loaders make refers back to itself, so reference counting frees it all;
the collector only runs again once the block is left.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
