"""The intent journal: what a consolidation is about to do, recorded before it writes.

A consolidation writes archive files, then views, stages them and only then removes the
archived bytes from the pending temp logs. A kill between those steps, followed by more
logging, used to archive the earlier entries twice (the temp log now holds old and new
text, so its content, and its archive name, differ). The journal closes that gap:

* before the first write it names, for each temp log, exactly which bytes leave it (their
  length and sha256), the archive file they become (and that file's sha256), and every file
  the run will write with the hash of what it writes;
* the next run, under the same lock, finishes the job first: a temp log whose archive is
  complete loses its journaled prefix (and keeps whatever was appended since); the views
  of the journaled months are rendered again; our leftover temp files are removed;
* files the journal names with the hash on disk are ours, not a hand edit.

The run clears the journal once the pending logs are trimmed. Standard library only.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sessionlog_git.base.fsutil import atomic_write_bytes, atomic_write_text
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import JOURNAL_NAME

VERSION = 1
# fsutil.atomic_write_bytes's temporary names: .<name>.<pid>-<ns>-<attempt>.tmp
OUR_TMP = re.compile(r"\A\..+\.\d+-\d+-\d+\.tmp\Z")


def path(state_dir: Path) -> Path:
    return state_dir / JOURNAL_NAME


def sha(data: bytes) -> str:
    return sha256_hex(data)


class LogIntent:
    """What a run will take from one temp log, and the archive file it becomes.

    Plain classes here (mutable, compared by their fields): a dataclass costs its generated
    methods' compile at every commit's start."""

    # Its fields in the order `__init__` takes them (and the journal's JSON has them).
    _FIELDS = ("pending", "size", "digest", "header", "archive", "archive_digest", "project", "month")
    __slots__ = _FIELDS

    def __init__(self, pending: str, size: int, digest: str, header: list[str],
                 archive: str | None, archive_digest: str | None, project: str, month: str) -> None:
        self.pending = pending  # the temp log, relative to the top (POSIX)
        self.size = size  # how many bytes at its start leave it
        self.digest = digest  # sha256 of those bytes
        self.header = header  # kept when text was appended after them
        self.archive = archive  # the archive file they become (None: dropped, nothing to archive)
        self.archive_digest = archive_digest
        self.project = project
        self.month = month  # the month folder of the archive file

    def to_json(self) -> dict[str, Any]:
        """Its fields by name, in the order above (the journal's JSON)."""
        return {name: getattr(self, name) for name in LogIntent._FIELDS}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogIntent):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]


class Intent:
    """Everything a run will write, recorded before it writes any of it."""

    __slots__ = ("files", "logs", "months")

    def __init__(self, logs: list[LogIntent] | None = None, files: dict[str, str] | None = None,
                 months: dict[str, list[str]] | None = None) -> None:
        self.logs: list[LogIntent] = [] if logs is None else logs
        self.files: dict[str, str] = {} if files is None else files  # rel -> sha256 of what is written
        # Project -> months to render.
        self.months: dict[str, list[str]] = {} if months is None else months

    def to_json(self) -> dict[str, Any]:
        return {"v": VERSION, "logs": [log.to_json() for log in self.logs], "files": self.files,
                "months": self.months}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Intent):
            return NotImplemented
        return (self.logs, self.files, self.months) == (other.logs, other.files, other.months)

    __hash__ = None  # type: ignore[assignment]


def load(state_dir: Path) -> Intent | None:
    try:
        raw = json.loads(path(state_dir).read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or raw.get("v") != VERSION:
            return None
        return Intent(
            logs=[LogIntent(**item) for item in raw["logs"]],
            files={str(k): str(v) for k, v in raw["files"].items()},
            months={str(k): [str(m) for m in v] for k, v in raw["months"].items()},
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        # A damaged journal: nothing can be rolled forward from it. The pending logs are
        # still there (they are trimmed only after the archive is written), so the worst
        # case is the one this module exists to avoid, and `sessionlog check` reports it.
        return None


# Compact, one temp log a line: json's C encoder does the work (an `indent` takes its pure
# Python one, ~3x the time for a backlog's hundreds of logs, twice a run), and a line per log
# still reads well enough when a run is debugged. `load` reads it as any JSON.
_ENCODE = json.JSONEncoder(sort_keys=True).encode


def save(state_dir: Path, intent: Intent) -> None:
    """`intent.to_json()`, its keys sorted, one temp log a line."""
    data = intent.to_json()
    logs = ",\n".join([_ENCODE(log) for log in data["logs"]])
    fields = [f'"logs": [\n{logs}\n]' if key == "logs" else f"{_ENCODE(key)}: {_ENCODE(value)}"
              for key, value in sorted(data.items())]
    atomic_write_text(path(state_dir), "{" + ", ".join(fields) + "}\n")


def clear(state_dir: Path) -> None:
    path(state_dir).unlink(missing_ok=True)


def exists(state_dir: Path) -> bool:
    return os.path.lexists(path(state_dir))


def _holds(file: Path, size: int, digest: str) -> bytes | None:
    """The file's bytes when they start with the journaled prefix, else None."""
    from sessionlog_git.base import safeio

    try:
        data = safeio.read_regular(file)
    except FileNotFoundError:
        return None
    if len(data) >= size and sha(data[:size]) == digest:
        return data
    return None


def _complete(top: Path, rel: str | None, digest: str | None) -> bool:
    """Whether the archive file `rel` holds what the journal says, loose or in a pack of its
    folder (a backlog's archive files of one folder are written as one pack)."""
    if rel is None:
        return True
    from sessionlog_git.base import safeio

    try:
        return sha(safeio.read_regular(top / rel)) == digest
    except FileNotFoundError:
        pass
    except OSError:
        return False
    from sessionlog_git.logs.layout import read_archive_path

    try:
        return sha(read_archive_path(top / rel)) == digest
    except OSError:
        return False


def trim(file: Path, data: bytes, size: int, header: list[str]) -> None:
    """Remove the first `size` bytes of `file` (whose content is `data`), keeping the header
    above whatever follows them; remove the file (and its empty folders) when nothing does."""
    rest = data[size:]
    if not rest:
        file.unlink()
        for folder in (file.parent, file.parent.parent):
            try:
                folder.rmdir()  # only when empty: tidy, never destructive
            except OSError:
                break
        return
    head = ("\n".join(header) + "\n").encode() if header else b""
    atomic_write_bytes(file, head + rest)


def remove_our_temp_files(folders: set[Path]) -> list[Path]:
    """Temporary files an atomic write killed midway left behind (we hold the lock, so no
    write of ours is under way)."""
    removed: list[Path] = []
    for folder in sorted(folders):
        try:
            names = [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
        except OSError:
            continue
        for name in names:
            if OUR_TMP.match(name):
                try:
                    os.unlink(folder / name)
                    removed.append(folder / name)
                except OSError:
                    pass
    return removed


class Recovered:
    """What the journal of an interrupted run says was already done."""

    __slots__ = ("archives", "files", "months", "trimmed")

    def __init__(self, files: dict[str, str] | None = None,
                 months: dict[str, set[str]] | None = None,
                 trimmed: list[str] | None = None, archives: list[str] | None = None) -> None:
        self.files: dict[str, str] = {} if files is None else files  # written by the interrupted run
        self.months: dict[str, set[str]] = {} if months is None else months  # views to render again
        # Temp logs whose archived bytes left.
        self.trimmed: list[str] = [] if trimmed is None else trimmed
        # The archive files its temp logs became, by their logical paths (`files` names a pack
        # that holds some of them, not them).
        self.archives: list[str] = [] if archives is None else archives

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recovered):
            return NotImplemented
        return ((self.files, self.months, self.trimmed, self.archives)
                == (other.files, other.months, other.trimmed, other.archives))

    __hash__ = None  # type: ignore[assignment]


def folders_of(top: Path, rels: list[str]) -> set[Path]:
    return {(top / rel).parent for rel in rels}


def recover(top: Path, state_dir: Path, *, act: bool = True) -> Recovered:
    """Finish what an interrupted run journaled (with `act`=False: only say what it wrote)."""
    intent = load(state_dir)
    out = Recovered()
    if intent is None:
        return out
    out.files = dict(intent.files)
    out.archives = sorted({log.archive for log in intent.logs if log.archive})
    for project, months in intent.months.items():
        out.months.setdefault(project, set()).update(months)
    if not act:
        return out
    # A temp log split into parts (hand-written entries routed to other projects, see
    # logs.handroute) leaves only when every part's archive is complete: otherwise the rerun
    # takes the whole file again, and rewrites the parts already archived byte for byte.
    whole: dict[str, bool] = {}
    for log in intent.logs:
        done = _complete(top, log.archive, log.archive_digest)
        whole[log.pending] = whole.get(log.pending, True) and done
    trimmed: set[str] = set()
    for log in intent.logs:
        if not whole[log.pending] or log.pending in trimmed:
            continue  # never archived (or a part is not): the temp log is taken again
        trimmed.add(log.pending)
        file = top / log.pending
        data = _holds(file, log.size, log.digest)
        if data is None:
            continue  # trimmed already (or rewritten by hand: then it is new text)
        trim(file, data, log.size, log.header)
        out.trimmed.append(log.pending)
    remove_our_temp_files(
        folders_of(top, list(intent.files)) | folders_of(top, [log.pending for log in intent.logs])
    )
    return out

