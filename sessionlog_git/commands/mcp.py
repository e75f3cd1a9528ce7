"""`sessionlog mcp`: serve the session log to MCP clients over stdio (needs the `mcp` extra)."""
from __future__ import annotations

import argparse

from sessionlog_git.errors import SessionlogError

INSTALL_FIX = "Fix: pip install 'sessionlog-git[mcp]'"


def run(args: argparse.Namespace) -> int:
    try:
        from sessionlog_git.mcp.server import serve
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "mcp":
            raise
        raise SessionlogError(
            f"sessionlog mcp needs the MCP Python SDK (the `mcp` package), which cannot be "
            f"imported here ({exc}). {INSTALL_FIX} (or `pip install 'mcp>=2.3'` into the "
            "environment sessionlog runs in)."
        ) from None
    return serve()
