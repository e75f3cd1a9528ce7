"""`sessionlog mcp`: serve the session log to MCP clients over stdio (needs the `mcp` extra)."""
from __future__ import annotations

from pathlib import Path

from sessionlog_git.errors import SessionlogError

INSTALL_FIX = "Fix: pip install 'sessionlog-git[mcp]'"


def mcp(*, repo: str | None = None) -> int:
    start = Path(repo).expanduser() if repo else None
    if start is not None and not start.is_dir():
        raise SessionlogError(
            f"--repo {repo}: not a folder. Fix: pass the repository's folder, e.g. "
            "`sessionlog mcp --repo ~/code/shop`, or leave --repo out to serve the folder the "
            "client starts the server in."
        )
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
    return serve(start)
