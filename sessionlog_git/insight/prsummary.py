"""What a pull request's new session log entries record, by author.

The entries are those in the logical archive files the pull request adds (head against its
merge base with base, a pack's files included: `logs.gitarchive`), read from git objects.
Bullets are classified by the temp log parser: decisions, rejected alternatives (`Rejected:`),
findings, blockers, unblocks and next steps. Whether a blocker is open or closed is decided as
the status file decides it: by folding every archived entry of the project at head, in order,
so an unblock in the pull request that closes a blocker opened months ago names it. The data
here is laid out by `templates/pr_summary.md.j2`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git import gitops
from sessionlog_git.logs import archive, packs
from sessionlog_git.logs.entries import Bullet
from sessionlog_git.logs.model import Blocker, BlockerBook, Record, ordered
from sessionlog_git.pipeline import revision, treeviews


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _when(record: Record) -> str:
    return f"{record.at:%Y-%m-%d %H:%M}"


@dataclass
class Author:
    user: str
    entries: list[Record] = field(default_factory=list)
    decisions: list[tuple[Record, Bullet]] = field(default_factory=list)
    rejected: list[tuple[Record, Bullet]] = field(default_factory=list)
    findings: list[tuple[Record, Bullet]] = field(default_factory=list)
    opened: list[Blocker] = field(default_factory=list)  # blockers this author opened in the PR
    closings: list[tuple[Record, Bullet, Blocker | None]] = field(default_factory=list)
    next_from: Record | None = None  # the author's latest new entry with next steps


@dataclass
class Summary:
    base: str
    head: str
    merge_base: str
    logs_dir: str
    added: list[str]  # archive files the pull request adds, relative to the top
    unreadable: list[str]  # of those, files that are not UTF-8 text
    authors: dict[str, Author]
    projects: list[str]

    @property
    def entry_count(self) -> int:
        return sum(len(a.entries) for a in self.authors.values())


def summarize(top: Path, base: str, head: str) -> Summary:
    base_sha = revision.commit(top, base, "--base")
    head_sha = revision.commit(top, head, "--head")
    ws = revision.workspace_at(top, head_sha)
    logs_dir = ws.config.logs_dir
    fork = revision.merge_base(top, base_sha, head_sha)
    added = revision.added_archive_files(top, fork, head_sha, logs_dir)
    archive_root = PurePosixPath(logs_dir, "archive")
    projects = sorted({
        PurePosixPath(rel).relative_to(archive_root).parts[1]
        for rel in added if len(PurePosixPath(rel).relative_to(archive_root).parts) == 4
    })
    # Every archive file of those projects at head: the history that opens and closes blockers.
    blobs = {
        rel: blob for rel, blob in treeviews.archive_blobs(top, head_sha, logs_dir).items()
        if len(parts := PurePosixPath(rel).relative_to(archive_root).parts) == 4 and parts[1] in projects
    }
    contents = gitops.read_blobs(top, blobs.values())
    # A closed month's pack stands for the archive files it holds (at their logical paths).
    files = packs.logical_files({rel: contents.get(blob, b"") for rel, blob in blobs.items()})
    records: list[Record] = []
    unreadable: list[str] = []
    new_files = set(added)
    for rel, data in sorted(files.items()):
        try:
            records.extend(archive.records_at(rel, data, logs_dir, ws.config.timezone))
        except (UnicodeDecodeError, ValueError):
            if rel in new_files:
                unreadable.append(rel)
    new_sources = {str(PurePosixPath(rel).relative_to(logs_dir)) for rel in added}
    authors: dict[str, Author] = {}
    for project in projects:
        _fold(ordered(r for r in records if r.project == project), new_sources, authors)
    return Summary(base_sha, head_sha, fork, logs_dir, added, unreadable,
                   dict(sorted(authors.items())), projects)


def _fold(history: Iterable[Record], new_sources: set[str], authors: dict[str, Author]) -> None:
    book = BlockerBook()
    for record in history:
        new = record.source in new_sources
        author = authors.setdefault(record.user, Author(record.user)) if new else None
        if author is not None:
            author.entries.append(record)
        for bullet in record.entry.bullets:
            kind = bullet.kind
            if kind == "blocker":
                blocker = Blocker(record, bullet)
                book.add(blocker)
                if author is not None:
                    author.opened.append(blocker)
            elif kind == "unblock":
                closed = book.close(record, bullet)
                if author is not None:
                    author.closings.append((record, bullet, closed))
            elif author is None:
                continue
            elif kind == "decision":
                rejected = bullet.text.lower().startswith("rejected")
                (author.rejected if rejected else author.decisions).append((record, bullet))
            elif kind == "finding":
                author.findings.append((record, bullet))
            elif kind == "next":
                author.next_from = record


def view(summary: Summary, new_sources: set[str] | None = None) -> dict[str, Any]:
    """The template's data: plain strings and lists, nothing left to compute."""
    sources = new_sources if new_sources is not None else {
        str(PurePosixPath(rel).relative_to(summary.logs_dir)) for rel in summary.added
    }
    several = len(summary.projects) > 1

    def where(record: Record) -> str:
        return f"{_when(record)}, {record.project}" if several else _when(record)

    def item(record: Record, text: str) -> dict[str, str]:
        return {"text": _one_line(text), "where": where(record), "closes": ""}

    authors = []
    for author in summary.authors.values():
        open_blockers = [item(b.record, b.bullet.body) for b in author.opened if b.closed_by is None]
        closed = []
        for record, bullet, blocker in author.closings:
            entry = item(record, bullet.body)
            if blocker is None:
                entry["closes"] = "no open blocker matched"
            else:
                opened_here = blocker.record.source in sources
                entry["closes"] = (
                    f"“{_one_line(blocker.bullet.body)}”, opened by {blocker.record.user} on "
                    f"{_when(blocker.record)}" + (" in this pull request" if opened_here else "")
                )
            closed.append(entry)
        next_steps = []
        if author.next_from is not None:
            next_steps = [item(author.next_from, b.body) for b in author.next_from.entry.of_kind("next")]
        authors.append({
            "user": author.user,
            "entries": [
                {"where": where(r), "title": _one_line(r.entry.title) or "(untitled)",
                 "summary": _one_line(r.entry.summary) if r.entry.of_kind("summary") else "",
                 "agent": r.entry.meta.get("agent", "")}
                for r in author.entries
            ],
            "decisions": [item(r, b.body) for r, b in author.decisions],
            "rejected": [item(r, b.body) for r, b in author.rejected],
            "findings": [item(r, b.text) for r, b in author.findings],
            "open_blockers": open_blockers,
            "closed_blockers": closed,
            "next_steps": next_steps,
        })
    return {
        "base": summary.base[:7],
        "head": summary.head[:7],
        "files": len(summary.added),
        "entries": summary.entry_count,
        "projects": summary.projects,
        "archive": f"{summary.logs_dir}/archive/",
        "authors": authors,
        "unreadable": summary.unreadable,
    }


def markdown(top: Path, base: str, head: str) -> str:
    import re

    from sessionlog_git.pipeline.render import render

    text = render("pr_summary.md.j2", **view(summarize(top, base, head)))
    return re.sub(r"\n{3,}", "\n\n", text)  # the template's optional sections leave blank runs
