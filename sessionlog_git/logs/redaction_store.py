"""The private copy of what redaction replaced, so a false positive can be put back.

Before a temp log with findings is archived, its original bytes are kept outside the work tree,
in the git folder (`.git/sessionlog/redacted/<id>/`, shared by linked worktrees): folders mode
0700, files mode 0600, never staged, never pushed. A record lists each finding by line, kind
and the SHA-256 of the secret; the secret itself is only in the original, never in a record or
on screen. Records older than RETENTION_DAYS are deleted at the next consolidation.

`restore` puts the entries holding a false positive back into the pending temp log, unredacted,
and adds the value's hash to `allow.json` beside the records, so the next consolidation keeps it
(and the same value anywhere else) as written. Everything else in those entries is redacted
again as usual.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.errors import SessionlogError

if TYPE_CHECKING:
    from sessionlog_git.logs.redact import Finding
    from sessionlog_git.workspace import Workspace

RETENTION_DAYS = 30
ALLOW_NAME = "allow.json"


def root(top: Path) -> Path:
    """`.git/sessionlog/redacted` of the repository (its common git folder for a worktree)."""
    from sessionlog_git.base.gitconfig import git_dir

    return git_dir(top) / "sessionlog" / "redacted"


def _private_dir(path: Path) -> None:
    for folder in (path.parent, path):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    from sessionlog_git.base.fsutil import atomic_write_bytes

    atomic_write_bytes(path, data)
    os.chmod(path, 0o600)


def _now() -> datetime:
    from sessionlog_git.base.clock import now

    return now().at.astimezone(timezone.utc)


def allowed(top: Path) -> frozenset[str]:
    """Digests of values the user restored: never redacted again in this repository."""
    try:
        data = json.loads((root(top) / ALLOW_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(d) for d in data.get("digests", []) if isinstance(d, str))


class Record:
    """The private record of one redacted temp log: where it was, when, and what was found.
    (A plain class: a dataclass costs its generated methods' compile at every commit's start.)"""

    __slots__ = ("findings", "ident", "pending", "restored", "saved")

    def __init__(self, ident: str, saved: datetime, pending: str,
                 findings: list[dict[str, Any]] | None = None,
                 restored: list[int] | None = None) -> None:
        self.ident = ident
        self.saved = saved
        self.pending = pending  # the temp log's path, relative to the work tree
        # n, line, kind, digest
        self.findings: list[dict[str, Any]] = [] if findings is None else findings
        self.restored: list[int] = [] if restored is None else restored

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return ((self.ident, self.saved, self.pending, self.findings, self.restored)
                == (other.ident, other.saved, other.pending, other.findings, other.restored))

    __hash__ = None  # type: ignore[assignment]

    @property
    def expires(self) -> datetime:
        return self.saved + timedelta(days=RETENTION_DAYS)

    def to_json(self) -> str:
        return json.dumps({"id": self.ident, "saved": self.saved.isoformat(), "pending": self.pending,
                           "findings": self.findings, "restored": self.restored}, indent=1) + "\n"


def _read(folder: Path) -> Record | None:
    try:
        data = json.loads((folder / "record.json").read_text(encoding="utf-8"))
        if data["id"] != folder.name:
            return None  # not a record we wrote: never act on it (prune deletes by id)
        return Record(str(data["id"]), datetime.fromisoformat(data["saved"]), str(data["pending"]),
                      list(data.get("findings", [])), list(data.get("restored", [])))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def records(top: Path) -> list[Record]:
    base = root(top)
    try:
        folders = sorted(p for p in base.iterdir() if p.is_dir())
    except OSError:
        return []
    found = [r for r in (_read(f) for f in folders) if r is not None]
    return sorted(found, key=lambda r: (r.saved, r.ident))


def prune(top: Path, now: datetime | None = None) -> int:
    """Delete the originals kept longer than RETENTION_DAYS. Returns how many went."""
    now = now or _now()
    gone = 0
    for record in records(top):
        if record.expires <= now:
            import shutil

            shutil.rmtree(root(top) / record.ident, ignore_errors=True)
            gone += 1
    return gone


def keep(top: Path, pending: Path, original: bytes, findings: list[Finding]) -> str:
    """Keep the original of a temp log before its redacted copy is archived. Returns its id.

    The id is the hash of the original, so a rerun after an interruption keeps one copy.
    """
    ident = sha256_hex(original)[:12]
    folder = root(top) / ident
    _private_dir(root(top))
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    try:
        rel = str(PurePosixPath(*pending.relative_to(top).parts))
    except ValueError:
        rel = str(pending)
    existing = _read(folder)
    if existing is not None and (folder / "original.md").exists():
        return ident
    _write_private(folder / "original.md", original)
    record = Record(ident, _now(), rel, [
        {"n": n, "line": f.line, "kind": f.kind, "digest": f.digest}
        for n, f in enumerate(findings, start=1)
    ])
    _write_private(folder / "record.json", record.to_json().encode("utf-8"))
    return ident


def keep_all(ws: Workspace, kept: list[tuple[Path, bytes, list[Finding]]], notes: list[str]) -> None:
    """Keep every redacted temp log's original (consolidation calls this before it archives)."""
    if not kept:
        if root(ws.top).is_dir():
            prune(ws.top)
        return
    try:
        prune(ws.top)
        for path, original, findings in kept:
            keep(ws.top, path, original, findings)
    except OSError as exc:
        raise SessionlogError(
            f"{exc.filename or root(ws.top)}: cannot keep the original of a redacted temp log "
            f"({exc.strerror}); nothing was archived and your entries are still pending. "
            f"Fix: make {root(ws.top)} writable (or free disk space), then commit again."
        ) from None
    notes.append(
        f"review what was redacted: `sessionlog redactions` (originals kept {RETENTION_DAYS} days in "
        f"{root(ws.top)}, never committed; `sessionlog redactions restore ID` puts a false positive back)"
    )


# --------------------------------------------------------------------------- restore


def _split(ident: str) -> tuple[str, int | None]:
    base, _, number = ident.strip().partition("-")
    if number and not number.isdigit():
        raise SessionlogError(f"{ident}: not a redaction id. Fix: copy an ID from `sessionlog redactions`.")
    return base, int(number) if number else None


def _sections(text: str, lines: set[int]) -> tuple[str, str]:
    """The header (before the first entry) and the entries that hold any of `lines`."""
    rows = text.split("\n")
    starts = [i for i, row in enumerate(rows) if row.startswith("## ")]
    if not starts or any(line - 1 < starts[0] for line in lines):
        return "", text  # a finding outside any entry: the whole log goes back
    header = "\n".join(rows[: starts[0]])
    chosen: list[str] = []
    for k, first in enumerate(starts):
        last = starts[k + 1] if k + 1 < len(starts) else len(rows)
        if any(first < line <= last for line in lines):
            chosen.append("\n".join(rows[first:last]).rstrip("\n"))
    return header, "\n\n".join(chosen) + "\n"


def restore(ws: Workspace, ident: str) -> tuple[Record, list[dict[str, Any]], Path]:
    """Put a false positive back into pending, unredacted, and never redact that value again."""
    from sessionlog_git.base.fsutil import atomic_write_bytes
    from sessionlog_git.base.lock import locked

    base, number = _split(ident)
    record = next((r for r in records(ws.top) if r.ident == base), None)
    if record is None:
        raise SessionlogError(
            f"{ident}: no such redaction (kept ones are listed by `sessionlog redactions`; originals "
            f"older than {RETENTION_DAYS} days are deleted). Fix: pick an ID from that list."
        )
    chosen = [f for f in record.findings if number is None or f.get("n") == number]
    if not chosen:
        raise SessionlogError(f"{ident}: {record.ident} has no finding {number}. "
                              "Fix: pick an ID from `sessionlog redactions`.")
    folder = root(ws.top) / record.ident
    try:
        text = (folder / "original.md").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionlogError(f"{folder / 'original.md'}: cannot be read ({exc}). "
                              "Fix: none; the original is gone.") from None
    header, entries = _sections(text, {int(f["line"]) for f in chosen})
    target = ws.top / record.pending
    if not target.resolve().is_relative_to(ws.config.pending_path.resolve()):
        raise SessionlogError(
            f"{folder / 'record.json'}: names {record.pending}, which is not in the pending folder "
            f"{ws.config.pending_dir}; nothing was restored. Fix: restore by hand from "
            f"{folder / 'original.md'}."
        )
    with locked(ws.config.state_path):
        allow = set(allowed(ws.top)) | {str(f["digest"]) for f in chosen if f.get("digest")}
        _write_private(root(ws.top) / ALLOW_NAME,
                       (json.dumps({"digests": sorted(allow)}, indent=1) + "\n").encode())
        try:
            now = target.read_bytes().decode("utf-8")
        except FileNotFoundError:
            now = None
        if now is None:
            body = (header.rstrip("\n") + "\n\n" if header.strip() else "") + entries
        else:
            body = now.rstrip("\n") + "\n\n" + entries if entries.strip() else now
        atomic_write_bytes(target, body.encode("utf-8"))
        record.restored = sorted(set(record.restored) | {int(f["n"]) for f in chosen})
        _write_private(folder / "record.json", record.to_json().encode("utf-8"))
    return record, chosen, target
