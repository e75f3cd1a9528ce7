#!/usr/bin/env python3
"""Generate the Claude Code plugin (plugin/) from the same templates `sessionlog init` uses,
and the marketplace entry that lists it (.claude-plugin/marketplace.json at the top).

Usage: scripts/build_plugin.py [DEST]   (default: plugin/ at the top of this checkout; the
marketplace entry is written only then)
tests/test_claude_assets.py and tests/test_marketplace.py fail when either is out of date.
"""
from __future__ import annotations

import sys
from pathlib import Path

from sessionlog_git.agents.marketplace import MARKETPLACE_FILE, marketplace_text
from sessionlog_git.agents.plugin import build_plugin

TOP = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else TOP / "plugin"
    for rel in build_plugin(dest):
        print(f"wrote {dest / rel}")
    if not argv:
        market = TOP / MARKETPLACE_FILE
        market.parent.mkdir(exist_ok=True)
        market.write_text(marketplace_text(), encoding="utf-8")
        print(f"wrote {market}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
