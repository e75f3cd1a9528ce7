"""The archive files a commit reads one by one, each parsed once for the whole commit.

A commit after a pull reads a few archive files of a month from the files themselves
(`archive.source_records`), and more than one step asks for the same ones: the status fold
from its rewind point (the files from its edge on, the teammate's among them), the master
log's splice (the teammate's day, a contributor's section rendered alone) and the context
index (the files it has not folded yet). `SourceReader` answers each of them as
`archive.source_records` does, in the same order, but lists the month folders and parses a
file only the first time it is asked for; what it parsed is handed on (`parsed`) so the
context index does not read those files again.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from sessionlog_git.logs import archive
from sessionlog_git.logs.model import Record


def _order(source: str) -> list[str]:
    """`archive.source_records`' order: month, then contributor, then file name."""
    return source.split("/")


class SourceReader:
    """`archive.source_records` over one project's month folders `months`, memoised per file."""

    __slots__ = ("_done", "logs_path", "months", "project", "zone_name")

    def __init__(self, logs_path: Path, project: str, months: Iterable[str], zone_name: str) -> None:
        self.logs_path, self.project, self.zone_name = logs_path, project, zone_name
        self.months = sorted(set(months))
        self._done: dict[str, list[Record]] = {}  # source -> its records ([] when none)

    def __call__(self, wanted: set[str]) -> list[Record]:
        missing = wanted - self._done.keys()
        if missing:
            for source in missing:
                self._done[source] = []
            for record in archive.source_records(self.logs_path, self.project, self.months,
                                                 self.zone_name, missing):
                self._done[record.source].append(record)
        return [r for source in sorted(wanted, key=_order) for r in self._done[source]]

    def parsed(self, logs_dir: str) -> dict[str, list[Record]]:
        """The files parsed so far that hold records, by their path from the top (as
        `consolidate` hands its own new files' records to the context index)."""
        return {str(PurePosixPath(logs_dir, source)): records
                for source, records in self._done.items() if records}
