"""Decision traceability: why is this line like this?

Blame the line, find its commit, and show the session entries that commit consolidated (the
logical archive files it added, a pack's files included: `logs.gitarchive`), best first. When
it carried none, show the entries nearest in time by the same author, marked as such: a
guess, never passed off as the record.

Ranking of consolidated entries, best first: each distinctive word an entry shares with the
blamed line scores 3 (the most specific evidence), naming the file (its path or file name)
scores 2, each other word shared with the commit message scores 1, and an entry with a
decision gets 0.5 more. Ties go to the entry closest in time to the commit.

Nearest in time: the author's archived entries within 24 hours of the commit (about one
working session either side), closest first, at most three. The author is matched to
contributor names by the slug of their name and e-mail, a GitHub no-reply login, and, for
this clone's own git identity, the name sessionlog resolves here (`github.user` first).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git import gitops
from sessionlog_git.base.clock import format_offset, now
from sessionlog_git.base.names import slug
from sessionlog_git.base.text import CODE_STOP_WORDS, one_line, words
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight.context import mark_lifecycle, naming
from sessionlog_git.logs import gitarchive, layout
from sessionlog_git.logs.entries import Entry
from sessionlog_git.logs.model import Record, ordered
from sessionlog_git.logs.views import record_brief
from sessionlog_git.workspace import Workspace

NEAREST_WINDOW = timedelta(hours=24)  # about one working session either side
NEAREST_SHOWN = 3
ZERO_SHA = "0" * 40
_REASON = re.compile(r"\b(?:because|since|so that|as)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    at: datetime
    subject: str
    body: str


@dataclass(frozen=True)
class Target:
    path: str  # relative to the work tree's top, POSIX
    line: int | None
    line_text: str
    commit: Commit


@dataclass(frozen=True)
class Found:
    record: Record
    score: float
    minutes: int  # the entry's time minus the commit's, in whole minutes


def parse_spec(spec: str) -> tuple[str, int | None]:
    """'src/app.py:12' -> ('src/app.py', 12); 'src/app.py' -> ('src/app.py', None)."""
    head, sep, tail = spec.rpartition(":")
    if sep and head and tail.isdigit():
        return head, int(tail)
    if sep and head and not tail:
        return head, None
    return spec, None


def _rel(ws: Workspace, path_text: str, cwd: Path) -> str:
    path = Path(path_text)
    absolute = path if path.is_absolute() else (cwd / path)
    try:
        rel = absolute.resolve().relative_to(ws.top.resolve())
    except ValueError:
        raise SessionlogError(
            f"{path_text}: is outside this repository ({ws.top}). Fix: pass a path inside it."
        ) from None
    return str(PurePosixPath(*rel.parts)) if rel.parts else "."


def _tracked(ws: Workspace, rel: str) -> bool:
    out = gitops.run("ls-files", "--error-unmatch", "--", rel, cwd=ws.top, check=False)
    return bool(out.strip())


def _commit(ws: Workspace, rev: str) -> Commit:
    out = gitops.run("show", "-s", "--format=%H%x00%an%x00%ae%x00%aI%x00%s%x00%b", rev, cwd=ws.top)
    sha, author, email, when, subject, body = (out.rstrip("\n").split("\0") + [""] * 6)[:6]
    return Commit(sha, author, email, datetime.fromisoformat(when), subject, body.strip())


def locate(ws: Workspace, spec: str, cwd: Path | None = None) -> Target:
    """The commit behind `PATH[:LINE]`, with clear errors for what cannot be blamed."""
    path_text, line = parse_spec(spec)
    rel = _rel(ws, path_text, cwd or Path.cwd())
    in_head = bool(
        gitops.run("cat-file", "-t", f"HEAD:{rel}", cwd=ws.top, check=False).strip() == "blob"
    )
    if not (_tracked(ws, rel) or in_head):
        raise SessionlogError(
            f"{rel}: is not in git (not tracked, not in HEAD), so it has no history to ask about. "
            f"Fix: check the spelling (`git ls-files` lists tracked files), or commit it first."
        )
    on_disk = (ws.top / rel).is_file()
    if line is not None and (ws.top / rel).is_dir():
        raise SessionlogError(
            f"{rel}:{line}: {rel} is a folder, so it has no lines. Fix: pass a file, e.g. "
            f"`sessionlog why {rel}/FILE:{line}`, or leave the line out for the folder's last commit."
        )
    if line is None:
        sha = gitops.run("log", "-1", "--format=%H", "--", rel, cwd=ws.top).strip()
        if not sha:
            raise SessionlogError(
                f"{rel}: is staged but was never committed, so no commit explains it yet. "
                "Fix: commit it first, then ask again."
            )
        return Target(rel, None, "", _commit(ws, sha))
    if on_disk:
        text = (ws.top / rel).read_bytes().decode("utf-8", errors="replace")
        source = "the work tree"
    else:
        text = gitops.run("show", f"HEAD:{rel}", cwd=ws.top)
        source = "HEAD"
    count = len(text.splitlines())
    if line < 1 or line > count:
        raise SessionlogError(
            f"{rel}:{line}: line {line} is past the end of {rel} ({count} "
            f"line{'s' if count != 1 else ''} in {source}). Fix: pass a line from 1 to {count}, "
            f"e.g. `sessionlog why {rel}:{max(count, 1)}`, or leave the line out to ask about "
            "the file's last commit."
        )
    args = ["blame", "--porcelain", "-L", f"{line},{line}"]
    if not on_disk:
        args.append("HEAD")
    out = gitops.run(*args, "--", rel, cwd=ws.top)
    sha = out.split(" ", 1)[0]
    line_text = next((ln[1:] for ln in out.splitlines() if ln.startswith("\t")), "")
    if sha == ZERO_SHA:
        raise SessionlogError(
            f"{rel}:{line}: this line is not committed yet, so no commit explains it. "
            "Fix: commit it first, or ask about a committed line."
        )
    return Target(rel, line, line_text, _commit(ws, sha))


# --- the entries a commit consolidated ------------------------------------------------------


def added_archive_files(ws: Workspace, sha: str) -> list[str]:
    """The logical archive files `sha` added (against its first parent; a pack's files
    included: `logs.gitarchive`), sorted."""
    parents = gitops.run("rev-list", "--parents", "-n", "1", sha, cwd=ws.top).split()[1:]
    if not parents and sha in shallow_grafts(ws):
        return []  # a shallow clone's boundary: its parents are missing, not absent
    return gitarchive.added(ws.top, ws.config.logs_dir, parents[0] if parents else None, sha)


def shallow_grafts(ws: Workspace) -> set[str]:
    """The commits whose parents a shallow clone lacks (`.git/shallow`); empty when complete."""
    try:
        text = gitops.git_path(ws.top, "shallow").read_text(encoding="utf-8")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def records_of(ws: Workspace, rels: list[str], rev: str | None) -> list[Record]:
    """Records from archive files (at `rev`, or in the work tree when `rev` is None)."""
    from sessionlog_git.logs.archive import records_at

    out: list[Record] = []
    at_rev = gitarchive.read(ws.top, rev, rels) if rev is not None else {}  # loose or packed
    for rel in rels:
        try:
            if rev is None:
                data = layout.read_archive_path(ws.top / rel)  # loose or packed
            elif rel in at_rev:
                data = at_rev[rel]
            else:
                continue
            out += records_at(rel, data, ws.config.logs_dir, ws.config.timezone)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return ordered(out)


def author_names(ws: Workspace, commit: Commit) -> set[str]:
    """The contributor names a commit author may log under.

    The slug of the author's name and of the e-mail's local part, the login in a GitHub
    no-reply address, and, when the author is this clone's own git identity, the contributor
    name sessionlog resolves here (`github.user`, `user:` in the config, SESSIONLOG_USER).
    """
    names = {slug(commit.author, fallback=""), slug(commit.email.split("@")[0], fallback="")}
    local, _, domain = commit.email.partition("@")
    if domain.lower() == "users.noreply.github.com":
        names.add(slug(local.split("+")[-1], fallback=""))
    from sessionlog_git.base.gitconfig import values as git_config

    own = git_config(ws.top, "user.email", "user.name")
    if commit.email and own.get("user.email", "").lower() == commit.email.lower():
        from sessionlog_git.base.identity import resolve_user

        names.add(resolve_user(ws.top, ws.config.user)[0].lower())
    return {n for n in names if n}


def _words(text: str) -> set[str]:
    return words(text, identifiers=True, stop=CODE_STOP_WORDS)


def _entry_text(record: Record) -> str:
    return "\n".join([record.entry.title, *(b.text for b in record.entry.bullets)])


def score(record: Record, target: Target) -> float:
    text = _entry_text(record)
    low = text.lower()
    points = 0.0
    name = PurePosixPath(target.path).name.lower()
    if target.path.lower() in low or (name and name in low):
        points += 2
    words = _words(text)
    on_line = words & _words(target.line_text)
    in_message = (words & _words(f"{target.commit.subject}\n{target.commit.body}")) - on_line
    points += 3 * len(on_line) + len(in_message)
    if record.entry.of_kind("decision"):
        points += 0.5
    return points


def _minutes(record: Record, commit: Commit) -> int:
    return round((record.at - commit.at).total_seconds() / 60)


def consolidated(ws: Workspace, target: Target) -> list[Found]:
    rels = added_archive_files(ws, target.commit.sha)
    found = [Found(r, score(r, target), _minutes(r, target.commit)) for r in records_of(ws, rels,
                                                                                      target.commit.sha)]
    found.sort(key=lambda f: (-f.score, abs(f.minutes), f.record.sort_key()))
    return found


def nearest(ws: Workspace, target: Target, names: set[str]) -> list[Found]:
    """The author's archived entries within NEAREST_WINDOW of the commit, closest first."""
    at = target.commit.at
    months = {f"{d.year:04d}-{d.month:02d}" for d in (at - NEAREST_WINDOW, at, at + NEAREST_WINDOW)}
    rels: list[str] = []
    for log in layout.walk(layout.archive_root(ws.config.logs_path), archive=True, months=months):
        if log.user.lower() in names:
            rels.append(str(PurePosixPath(*Path(log.path).relative_to(ws.top).parts)))
    found = [
        Found(r, 0.0, _minutes(r, target.commit))
        for r in records_of(ws, rels, None)
        if abs(r.at - at) <= NEAREST_WINDOW
    ]
    found.sort(key=lambda f: (abs(f.minutes), f.record.sort_key()))
    return found[:NEAREST_SHOWN]


# --- the answer -----------------------------------------------------------------------------


def _reason(text: str) -> str:
    match = _REASON.search(text)
    return one_line(text[match.end() :]).strip(" ,.;") if match else ""


def _span(minutes: int) -> str:
    size = abs(minutes)
    if size < 60:
        amount = f"{size} min"
    elif size < 48 * 60:
        amount = f"{size // 60} h {size % 60:02d} min"
    else:
        amount = f"{size // (24 * 60)} days"
    if minutes == 0:
        return "at the commit time"
    return f"{amount} {'before' if minutes < 0 else 'after'} the commit"


def _bullets(entry: Entry) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    decisions = 0
    for b in entry.bullets:
        index = None
        if b.kind == "decision":
            index, decisions = decisions, decisions + 1
        if b.kind != "summary" and b.text.strip():
            out.append({"kind": b.kind, "text": one_line(b.text), "decision": index})
    return out


def entry_view(ws: Workspace, found: Found) -> dict[str, Any]:
    record, entry = found.record, found.record.entry
    brief = {("author" if k == "user" else k): v for k, v in record_brief(record).items() if k != "agent"}
    return {
        **brief,
        "decisions": [
            {"text": one_line(b.text), "reason": _reason(b.body)} for b in entry.of_kind("decision")
        ],
        "findings": [one_line(b.text) for b in entry.of_kind("finding")],
        "blockers": [one_line(b.text) for b in entry.bullets if b.kind in ("blocker", "unblock")],
        "next": [one_line(b.text) for b in entry.of_kind("next")],
        # The whole entry, every bullet and line in order, with its kind ("note": a plain bullet).
        # A decision bullet carries its place in "decisions", where its lifecycle is marked.
        "bullets": _bullets(entry),
        "link": str(PurePosixPath(ws.config.logs_dir, record.source)),
        "score": found.score,
        "minutes_from_commit": found.minutes,
        "when_relative": _span(found.minutes),
    }


def explain(ws: Workspace, spec: str, cwd: Path | None = None) -> dict[str, Any]:
    """The answer as data: the target, its commit, and the entries (or the nearest ones)."""
    target = locate(ws, spec, cwd)
    commit = target.commit
    found = consolidated(ws, target)
    match = "consolidated"
    names: set[str] = set()
    if not found:  # the commit link is gone: entries that name the file, then nearest in time
        found = sorted((Found(r, score(r, target), _minutes(r, commit)) for r in naming(ws, target.path)),
                       key=lambda f: (-f.score, abs(f.minutes), f.record.sort_key()))
        match = "named"
    if not found:
        names = author_names(ws, commit)
        found = nearest(ws, target, names)
        match = "nearest" if found else "none"
    entries = mark_lifecycle(
        ws, [entry_view(ws, f) for f in found], [f.record for f in found],
        lambda r: entry_view(ws, Found(r, 0.0, _minutes(r, commit))), now(ws.config.timezone).at.date(),
    )
    return {
        "path": target.path,
        "line": target.line,
        "line_text": target.line_text,
        "commit": {
            "sha": commit.sha,
            "short": commit.sha[:7],
            "author": commit.author,
            "email": commit.email,
            "date": commit.at.isoformat(),
            "when": f"{commit.at:%Y-%m-%d %H:%M} (UTC{format_offset(commit.at)})",
            "subject": commit.subject,
        },
        "match": match,
        "shallow": bool(shallow_grafts(ws)),
        "graft": commit.sha in shallow_grafts(ws),
        "author_names": sorted(names),
        "window_hours": int(NEAREST_WINDOW.total_seconds() // 3600),
        "entries": entries,
    }
