"""Commit messages that carry the why (opt-in): the `prepare-commit-msg` stage.

When the user gave no message (git's message source is empty, or `template`), the message
file is pre-filled from the session entries this commit consolidates, the logical archive
files the index adds (a pack's files included: `logs.gitarchive`): a subject from the latest
entry and a "Why" section with the titles and their decisions, findings and blockers, above
git's own comment lines. A message given with
-m/-F, a merge, a squash, or a reused one (-c/-C/--amend) is never touched. The hook fails
open: a problem is reported on stderr and the commit goes on with git's message.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.base.text import clip, one_line
from sessionlog_git.errors import SessionlogError
from sessionlog_git.logs import gitarchive
from sessionlog_git.logs.model import Record, ordered
from sessionlog_git.workspace import Workspace

FILL_SOURCES = ("", "template")  # git's message sources for which we pre-fill
MARKER = "Why (from the session log):"
SUBJECT_CHARS = 72
MAX_ENTRIES = 12
DETAIL_KINDS = ("decision", "finding", "blocker", "unblock")


def staged_archive_files(ws: Workspace) -> list[str]:
    """The logical archive files the index being committed adds (GIT_INDEX_FILE is
    honoured), a pack's files included."""
    return gitarchive.added(ws.top, ws.config.logs_dir, "HEAD", gitarchive.INDEX)


def staged_records(ws: Workspace, rels: Sequence[str]) -> list[Record]:
    from sessionlog_git.logs.archive import records_at

    contents = gitarchive.read(ws.top, gitarchive.INDEX, rels)
    out: list[Record] = []
    for rel in rels:
        if rel in contents:
            out += records_at(rel, contents[rel], ws.config.logs_dir, ws.config.timezone, source=rel)
    return ordered(out)


def subject(records: Sequence[Record]) -> str:
    """The latest entry's summary (or title): what the commit most likely concludes."""
    latest = records[-1].entry
    return clip(one_line(latest.summary or latest.title), SUBJECT_CHARS)


def why_section(records: Sequence[Record], rels: Sequence[str]) -> list[str]:
    several = len({r.project for r in records}) > 1
    lines = [MARKER]
    for record in records[-MAX_ENTRIES:]:
        where = f"{record.project}, " if several else ""
        lines.append(f"- {one_line(record.entry.title)} ({where}{record.user}, {record.at:%Y-%m-%d %H:%M})")
        for bullet in record.entry.bullets:
            if bullet.kind in DETAIL_KINDS:
                lines.append(f"  - {one_line(bullet.text)}")
    if len(records) > MAX_ENTRIES:
        lines.append(f"- … and {len(records) - MAX_ENTRIES} earlier entries")
    lines.append("")
    lines += [f"Session log: {rel}" for rel in rels]
    return lines


def _comment_char(ws: Workspace) -> str:
    value = gitops.run("config", "--get", "core.commentChar", cwd=ws.top, check=False).strip()
    return value if value and value != "auto" else "#"


def prefill(message: str, records: Sequence[Record], rels: Sequence[str], comment: str = "#") -> str:
    """`message` with our text above git's comment lines; unchanged if it already has it."""
    lines = message.splitlines()
    first_comment = next((i for i, ln in enumerate(lines) if ln.startswith(comment)), len(lines))
    head, rest = lines[:first_comment], lines[first_comment:]
    if any(ln.strip() == MARKER for ln in head):
        return message
    why = why_section(records, rels)
    if any(ln.strip() for ln in head):
        # A template's text stays on top; the why follows it.
        while head and not head[-1].strip():
            head.pop()
        new_head = [*head, "", *why]
    else:
        new_head = [subject(records), "", *why]
    return "\n".join([*new_head, "", *rest]).rstrip("\n") + "\n"


def run_hook(hook_args: Sequence[str]) -> int:
    """`sessionlog git-hook prepare-commit-msg MSGFILE [SOURCE [SHA]]`."""
    if not hook_args:
        print("sessionlog: prepare-commit-msg: no message file given; nothing done. Fix: git "
              "passes it; run this only from the prepare-commit-msg hook.", file=sys.stderr)
        return 0
    msg_file = Path(hook_args[0])
    source = hook_args[1] if len(hook_args) > 1 else os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE", "")
    if source not in FILL_SOURCES:
        return 0  # the user gave a message (or git reuses one): never touch it
    try:
        from sessionlog_git import workspace

        ws = workspace.find()
        rels = staged_archive_files(ws)
        if not rels:
            return 0
        records = staged_records(ws, rels)
        if not records:
            return 0
        message = msg_file.read_text(encoding="utf-8") if msg_file.exists() else ""
        new = prefill(message, records, rels, _comment_char(ws))
        if new != message:
            msg_file.write_text(new, encoding="utf-8")
    except (SessionlogError, OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"sessionlog: prepare-commit-msg: the message was not pre-filled ({exc}); the "
              "commit goes on with git's message.", file=sys.stderr)
    return 0
