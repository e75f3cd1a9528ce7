"""The work tree being operated on: its top level and its config."""
from __future__ import annotations

import os
from pathlib import Path

from sessionlog_git.base.gitconfig import main_folder_name
from sessionlog_git.base.names import slug
from sessionlog_git.config import Config, load


class Workspace:
    """A work tree's top level and its settings (a plain class, equal and hashed by both: a
    dataclass costs its generated methods' compile at every hook process's start)."""

    __slots__ = ("config", "top")

    def __init__(self, top: Path, config: Config) -> None:
        self.top = top
        self.config = config

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Workspace):
            return NotImplemented
        return (self.top, self.config) == (other.top, other.config)

    def __hash__(self) -> int:
        return hash((self.top, self.config))

    def __repr__(self) -> str:
        return f"Workspace(top={self.top!r}, config={self.config!r})"


def default_project(top: Path) -> str:
    return slug(main_folder_name(top), fallback="project")


def at(top: Path) -> Workspace:
    return Workspace(top, load(top, default_project(top)))


def find(cwd: Path | None = None) -> Workspace:
    """The workspace of the work tree around `cwd` (the current folder by default). The top is
    found without a git process (base.repo.find_top), and git's runner (`subprocess`, its
    threads and locale, some 4 ms) loads only for the error outside a work tree: a backlog's
    consolidation loads it later, while its child redacts."""
    from sessionlog_git.base.repo import find_top

    found = find_top(os.fspath(cwd) if cwd is not None else os.getcwd())
    if found is None:
        from sessionlog_git.gitops import toplevel

        return at(toplevel(cwd))  # raises its error: not inside a git work tree
    return at(Path(found))
