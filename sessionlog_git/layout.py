"""Where files live: pending temp logs, the raw archive and the derived views.

Standard library only: the agent hooks find today's temp log through this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from sessionlog_git.names import is_safe

PENDING_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md\Z")
ARCHIVE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([0-9a-f]{6,64})\.md\Z")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def pending_file(pending_root: Path, project: str, user: str, day: date) -> Path:
    return pending_root / project / user / f"{day.isoformat()}.md"


def archive_rel(logs_dir: str, project: str, user: str, day: date, ident: str) -> str:
    return str(
        PurePosixPath(logs_dir, "archive", month_of(day), project, user, f"{day.isoformat()}-{ident}.md")
    )


def master_rel(logs_dir: str, project: str, month: str) -> str:
    return str(PurePosixPath(logs_dir, f"{project}-session-log-{month}.md"))


def status_rel(logs_dir: str, project: str) -> str:
    return str(PurePosixPath(logs_dir, f"{project}-status.md"))


@dataclass(frozen=True)
class PendingLog:
    path: Path
    project: str
    user: str
    day: date


@dataclass(frozen=True)
class Stray:
    """Something in the pending folder that is not a temp log where one belongs."""

    path: Path
    reason: str


def scan_pending(pending_root: Path) -> tuple[list[PendingLog], list[Stray]]:
    """Temp logs at <project>/<user>/<YYYY-MM-DD>.md; anything else is reported, never touched."""
    logs: list[PendingLog] = []
    strays: list[Stray] = []
    try:
        projects = sorted(pending_root.iterdir())
    except FileNotFoundError:
        return logs, strays
    for project_dir in projects:
        if project_dir.name.startswith(".") and project_dir.is_file():
            continue  # .gitignore and the like
        if project_dir.is_symlink() or not project_dir.is_dir():
            strays.append(Stray(project_dir, "not a project folder"))
            continue
        if not is_safe(project_dir.name):
            strays.append(Stray(project_dir, "project folder name is not a safe name"))
            continue
        for user_dir in sorted(project_dir.iterdir()):
            if user_dir.is_symlink() or not user_dir.is_dir() or not is_safe(user_dir.name):
                strays.append(Stray(user_dir, "not a user folder with a safe name"))
                continue
            for file in sorted(user_dir.iterdir()):
                match = PENDING_NAME.match(file.name)
                if file.name.startswith(".") and file.name.endswith(".tmp"):
                    continue  # an atomic write in progress
                if file.is_symlink() or not file.is_file() or not match:
                    strays.append(Stray(file, "not a temp log named YYYY-MM-DD.md"))
                    continue
                try:
                    day = date.fromisoformat(match[1])
                except ValueError:
                    strays.append(Stray(file, "the file name is not a real date"))
                    continue
                logs.append(PendingLog(file, project_dir.name, user_dir.name, day))
    return logs, strays
