"""What a month fold keeps to go on from where a commit changed its folder, not from its start.

A commit adds archive files to the newest month folder, and their entries come late in it:
after every entry already there, or interleaved with today's entries of teammates. A
checkpoint of that folder (insight.decisionlog) then needs only the entries from the first
new one on folded again, onto its kept state up to there: the first answer after a commit
costs the commit's day, not the month.

`mark` records, with a folder's fold, what recognises such a change later: the archive files
folded with the sort key of each one's last record, the key of the folders before, and a
digest of each record's identity (`logs.model.ordered` drops an entry archived twice; a new
copy of an old entry must re-fold the month, as the full fold keeps only one). `grown`
gives the new records and the old ones from the first new one on, when the folder only
gained files and the folders before it are unchanged; else None, and the caller folds the
month again.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.config import Config
from sessionlog_git.logs import archive
from sessionlog_git.logs.model import Record, ordered


def _identity(record: Record) -> str:
    """A digest of what `ordered` de-duplicates on (project, user, and the entry's key)."""
    entry = record.entry
    key = [record.project, record.user, entry.day.isoformat() if entry.day else None, entry.time,
           entry.title, [b.text for b in entry.bullets]]
    return sha256_hex(json.dumps(key, separators=(",", ":")))[:20]


def sources(cfg: Config, project: str, month: str) -> list[str]:
    """The archive files of `project` in one month folder, by their sources (`archive/...`)."""
    return [archive._source(found) for found in archive._listing(cfg.logs_path, project, month)]


def _last_keys(records: list[Record], files: list[str]) -> dict[str, Any]:
    """source -> [the sort key of its last record folded, how many of its records were]."""
    last: dict[str, Any] = {source: [None, 0] for source in files}
    for record in records:  # in order: the last one seen of a file is its last
        found = last.get(record.source)
        if found is not None:
            found[0], found[1] = list(record.sort_key()), found[1] + 1
    return last


def mark(records: list[Record], folded: list[str], before: str) -> dict[str, Any]:
    """What recognises a change of a folder whose fold read the files `folded` (sources) and
    `records` (ordered: the folder's and the ones carried into it); `before`: the previous
    folder's key."""
    return {"files": _last_keys(records, folded), "before": before,
            "seen": [_identity(r) for r in records]}


@dataclass
class Growth:
    new: list[Record]  # the records of the added files, in order
    again: list[Record]  # the records folded before that come after the first new one
    mark: dict[str, Any]  # the mark once the added files are folded

    @property
    def point(self) -> tuple[Any, ...]:
        """The sort key from which the fold is made again."""
        return self.new[0].sort_key()


def grown(cfg: Config, project: str, month: str, kept: Any, before: str) -> Growth | None:
    """The change of `month` since the fold `kept` (a `mark`) was made; None when the folder
    must be folded again whole (see the module's text)."""
    try:
        files = dict(kept["files"])
        seen = list(kept["seen"])
        if kept["before"] != before:
            return None
    except (KeyError, TypeError, ValueError):
        return None
    now = {archive._source(found): found for found in archive._listing(cfg.logs_path, project, month)}
    if not files.keys() <= now.keys() or len(now) == len(files):
        return None
    added: list[Record] = []
    for source, found in now.items():
        if source not in files:
            added += archive._parse_file(found, project, source, cfg.timezone)
    new = ordered(added)
    known = set(seen)
    if not new or len(new) != len(added) or any(_identity(r) in known for r in new):
        return None  # nothing to fold, or an entry archived twice
    point = new[0].sort_key()
    again: list[Record] = []
    try:
        for source, (last, count) in files.items():
            if last is not None and tuple(last) >= point:
                found = now[source]
                records = archive._parse_file(found, project, source, cfg.timezone)
                if len(records) != count:
                    return None  # the fold dropped a copy from this file: fold it whole
                again += [r for r in records if r.sort_key() >= point]
    except (TypeError, ValueError):
        return None
    files.update(_last_keys(new, [s for s in now if s not in files]))
    return Growth(new, again, {"files": files, "before": before,
                               "seen": [*seen, *(_identity(r) for r in new)]})
