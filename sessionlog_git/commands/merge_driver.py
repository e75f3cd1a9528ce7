"""`sessionlog merge-driver %O %A %B %L %P`: what git runs to merge a generated view."""
from __future__ import annotations

import argparse

from sessionlog_git.pipeline import merge_driver


def run(args: argparse.Namespace) -> int:
    return merge_driver.merge(args.base, args.ours, args.theirs, args.marker_size, args.path)
