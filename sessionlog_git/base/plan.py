"""The install plan: what `init` and `uninstall` changed, or would change in a dry run.

Every step of setting a repository up (git hooks, config, each assistant's files) reports
into one Plan and writes through `write`, so `--dry-run` computes the same report and
writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Plan:
    dry_run: bool
    changes: list[str] = field(default_factory=list)

    def did(self, what: str) -> None:
        self.changes.append(("would " if self.dry_run else "") + what)

    def same(self, what: str) -> None:
        self.changes.append(f"unchanged: {what}")

    def write(self, path: Path, text: str, *, mode: int | None = None) -> None:
        """Write `text` to `path` atomically (creating its folder), unless this is a dry run."""
        if self.dry_run:
            return
        from sessionlog_git.base.fsutil import atomic_write_text

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        if mode is not None:
            path.chmod(mode)
