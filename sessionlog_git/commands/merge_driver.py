"""`sessionlog merge-driver %O %A %B %L %P`: what git runs to merge a generated view."""
from __future__ import annotations

from sessionlog_git.pipeline import merge_driver as driver


def merge_driver(*, base: str, ours: str, theirs: str, marker_size: str = "7", path: str = "") -> int:
    return driver.merge(base, ours, theirs, marker_size, path)
