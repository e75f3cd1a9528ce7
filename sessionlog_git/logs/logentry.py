"""One entry into today's temp log, as `sessionlog log` and the MCP `log` tool both write it.

The caller says who is writing (the assistant's label, already resolved); this module picks
the project (given, routed by `.sessionlog.yaml` rules, or the default), the contributor,
the local time, and appends under the work tree's lock.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sessionlog_git.base import clock, identity, statedir
from sessionlog_git.base.names import check_name, is_safe, slug
from sessionlog_git.errors import SessionlogError
from sessionlog_git.logs import templog

if TYPE_CHECKING:
    from sessionlog_git.workspace import Workspace


@dataclass(frozen=True)
class Logged:
    """Where an entry went and when."""

    path: Path
    rel: str  # relative to the work tree, POSIX
    moment: clock.Moment
    project: str
    routed: str  # "; project X: <why>" when `.sessionlog.yaml` routing chose it, else ""

    @property
    def message(self) -> str:
        """What `sessionlog log` prints."""
        return (f"sessionlog: logged {self.moment.at:%H:%M} (UTC{self.moment.offset}) "
                f"to {self.rel}{self.routed}")


def _not_writable(state: Path, exc: OSError) -> SessionlogError | None:
    """A sandbox that keeps the git directory read-only (Codex's `-s workspace-write` does, for
    the programs it runs too): say so, and how to let it write there. None for other errors."""
    import errno
    import os

    name = os.fsdecode(exc.filename) if exc.filename is not None else ""
    if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM) or not name.startswith(str(state)):
        return None
    code = errno.errorcode.get(exc.errno or 0, "")
    return SessionlogError(
        f"{name}: {exc.strerror} ({code}). Temp logs live in the git directory ({state}), and "
        "this process may not write there: an assistant's sandbox keeps `.git` read-only (Codex "
        "in `-s workspace-write` mode does, for the commands it runs too). Nothing was written. "
        f"Fix: let the sandbox write that folder (Codex: `codex --add-dir {state}`, or "
        f"`writable_roots = [\"{state}\"]` under `[sandbox_workspace_write]` in its "
        "config.toml), or run the assistant without its sandbox; then log again.")


def log_entry(
    ws: Workspace,
    title: str,
    bullets: Sequence[str] = (),
    *,
    project: str | None = None,
    agent: str = "",
    source: str = "--project",
) -> Logged:
    """Append one entry to the writer's temp log for today; `agent` is recorded when given.

    `source` names where a given `project` came from, for the error message if it is unsafe.
    """
    cfg = ws.config
    routed = ""
    if project:
        chosen_project = check_name(project, what="project", source=source)
    elif cfg.projects:
        from sessionlog_git.logs import routing

        chosen = routing.route(cfg, ws.top, [title, *bullets])
        chosen_project, routed = chosen.project, f"; project {chosen.project}: {chosen.reason}"
    else:
        chosen_project = cfg.project
    user, _ = identity.resolve_user(ws.top, cfg.user)
    moment = clock.now(cfg.timezone)
    label = (agent if is_safe(agent) else slug(agent, fallback="")) if agent else ""
    try:
        path = templog.append(
            cfg.pending_path,
            cfg.state_path,
            project=chosen_project,
            user=user,
            moment=moment,
            title=title,
            bullets=bullets,
            extra_meta={"agent": label} if label else {},
            top=ws.top,
        )
    except OSError as exc:
        raise _not_writable(cfg.state_path, exc) or exc from None
    rel = statedir.display(ws.top, path)
    return Logged(path, rel, moment, chosen_project, routed)
