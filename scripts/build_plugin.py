#!/usr/bin/env python3
"""Generate the Claude Code plugin (plugin/) from the same templates `sessionlog init` uses.

Usage: scripts/build_plugin.py [DEST]   (default: plugin/ at the top of this checkout)
tests/test_claude_assets.py fails when the committed plugin/ is out of date (agents.plugin renders it).
"""
from __future__ import annotations

import sys
from pathlib import Path

from sessionlog_git.agents.plugin import build_plugin


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "plugin"
    for rel in build_plugin(dest):
        print(f"wrote {dest / rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
