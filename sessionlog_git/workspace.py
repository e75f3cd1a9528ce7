"""The work tree being operated on: its top level and its config."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sessionlog_git.base.gitconfig import main_folder_name
from sessionlog_git.base.names import slug
from sessionlog_git.config import Config, load


@dataclass(frozen=True)
class Workspace:
    """A work tree's top level and its settings."""
    top: Path
    config: Config


def default_project(top: Path) -> str:
    return slug(main_folder_name(top), fallback="project")


def at(top: Path) -> Workspace:
    return Workspace(top, load(top, default_project(top)))


def find(cwd: Path | None = None) -> Workspace:
    from sessionlog_git.gitops import toplevel

    return at(toplevel(cwd))
