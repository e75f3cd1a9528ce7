"""The seed's measurements, each with its method stated in the report that shows it.

- Why coverage: the share of commits, and of changed lines, in a period that an entry explains.
- Context switching: switches between projects within a day, and the time around them.
- Blocker frequency: blockers per project and recurring blockers, grouped by the one tokeniser
  that also matches an unblock to its blocker (`views._words`).
- Per-assistant effectiveness: entries, decisions, findings, blockers opened and closed and
  estimated time, per assistant (the entry's `agent`) and for entries that name none.

Pure functions of records and commits (git is read by `commits`), deterministic in order.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git import gitops
from sessionlog_git.base.names import slug
from sessionlog_git.insight.reports import RECURRING_SIMILARITY, group_blockers
from sessionlog_git.logs import gitarchive
from sessionlog_git.logs.layout import archive_match
from sessionlog_git.logs.model import Blocker, Record, blockers
from sessionlog_git.logs.packs import is_pack_name

COVERAGE_WINDOW_HOURS = 4  # an entry this long before a commit, by its author, may explain it
SESSION_GAP_MINUTES = 90  # as in the time report: a longer gap is a break, not work
FIRST_ENTRY_MINUTES = 30
SHOWN_UNEXPLAINED = 10
NO_AGENT = "(no assistant named)"

COVERAGE_METHOD = (
    "Why coverage counts the commits whose author date is in the period, leaving out merges and "
    "commits that change only the session logs (the logs folder, the pending folder, "
    ".sessionlog.yaml). A commit is explained when it added archive files (its entries were "
    f"consolidated into it), or when its author logged an entry in the {COVERAGE_WINDOW_HOURS} h "
    "before it that names one of the files it changed (the path or the file name, in the title or "
    "a bullet). The author is matched to contributor names by the slug of the author's name, of "
    "the e-mail's local part, and a GitHub no-reply login. Changed lines are lines added plus lines "
    "deleted outside the logs (git --numstat; binary files count 0)."
)
SWITCH_METHOD = (
    "A context switch is two consecutive entries of one person on one local day in different "
    "projects. The time around a switch is the gap between those two entries; it is compared with "
    "the gaps between consecutive entries of one person in the same project on the same day. Gaps "
    f"longer than {SESSION_GAP_MINUTES} min are breaks and are left out of both medians."
)
BLOCKER_METHOD = (
    "Blockers are the entries' `Blocked on:`/`Waiting on:` bullets opened in the period. Two are "
    "the same blocker when the words they share (lower case, 3+ letters, stop words dropped: the "
    "tokeniser that also matches an `Unblocked:` to its blocker) are at least "
    f"{RECURRING_SIMILARITY:.0%} of the words either uses (Jaccard), grouped single-link; a group "
    "of two or more is recurring."
)
AGENT_METHOD = (
    "Per assistant, from the `agent` each entry records (`sessionlog log --agent`, or detected from "
    f"the assistant's shell); entries that name none are counted under {NO_AGENT}, usually people. "
    "Blockers closed are counted for the assistant of the entry that closed them. Time is the "
    f"time report's estimate: per person and day, the gap since their previous entry when at most "
    f"{SESSION_GAP_MINUTES} min, else {FIRST_ENTRY_MINUTES} min for a session's first entry."
)


def _pct(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _duration(minutes: int) -> str:
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


# --- why coverage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    repo: str
    sha: str
    author: str
    email: str
    at: datetime
    subject: str
    files: tuple[str, ...]  # changed files outside the logs
    lines: int  # added + deleted outside the logs
    archived: bool  # added logical archive files (a pack's included: logs.gitarchive)


def commits(path: Path, repo: str, logs_dir: str, pending_dir: str, since: datetime | None,
            now: datetime) -> list[Commit]:
    """Non-merge commits reachable from HEAD with an author date in [since, now]."""
    args = ["log", "--no-merges", "--no-renames", "--numstat",
            "--format=%x01%H%x00%an%x00%ae%x00%aI%x00%P%x00%s", "HEAD"]
    if since is not None:  # prune by committer date (never before the author date) with a margin
        args.insert(3, f"--since={(since - timedelta(days=2)).isoformat()}")
    try:
        listing = gitops.run_bytes(*args, cwd=path)
    except gitops.GitError:
        return []
    logs = logs_dir.strip("/") + "/"
    archive = logs + "archive/"
    pending = pending_dir.strip("/") + "/"
    out: list[Commit] = []
    for chunk in listing.decode("utf-8", errors="replace").split("\x01")[1:]:
        head, _, stats = chunk.partition("\n")
        sha, author, email, when, parents, subject = (head.split("\0") + [""] * 6)[:6]
        at = datetime.fromisoformat(when)
        if (since is not None and at < since) or at > now:
            continue
        files: list[str] = []
        lines = 0
        archived = False
        packed = False
        for row in stats.splitlines():
            parts = row.split("\t", 2)
            if len(parts) != 3:
                continue
            added, deleted, name = parts
            if name.startswith(archive) and archive_match(PurePosixPath(name).name):
                archived = archived or added not in ("0", "-")
                continue
            if name.startswith(archive) and is_pack_name(PurePosixPath(name).name):
                packed = True
                continue
            if name.startswith((logs, pending)) or name == ".sessionlog.yaml":
                continue
            files.append(name)
            lines += (int(added) if added.isdigit() else 0) + (int(deleted) if deleted.isdigit() else 0)
        if files and packed and not archived:
            # A pack came or went: a backlog's pack brings entries, a closed month's packing
            # none (its pack holds the files it deletes); asked of the trees, these commits only.
            archived = bool(gitarchive.added(path, logs_dir, parents.split()[0] if parents else None,
                                             sha))
        if files:
            out.append(Commit(repo, sha, author, email, at, subject, tuple(files), lines, archived))
    return out


def author_names(commit: Commit) -> set[str]:
    names = {slug(commit.author, fallback=""), slug(commit.email.split("@")[0], fallback="")}
    local, _, domain = commit.email.partition("@")
    if domain.lower() == "users.noreply.github.com":
        names.add(slug(local.split("+")[-1], fallback=""))
    return {n for n in names if n}


def _names_a_file(record: Record, files: Sequence[str]) -> bool:
    text = "\n".join([record.entry.title, *(b.text for b in record.entry.bullets)]).lower()
    return any(f.lower() in text or PurePosixPath(f).name.lower() in text for f in files)


def explaining(commit: Commit, records: Sequence[Record]) -> str:
    """'consolidated', 'nearby' or '' (unexplained)."""
    if commit.archived:
        return "consolidated"
    names = author_names(commit)
    window = timedelta(hours=COVERAGE_WINDOW_HOURS)
    for r in records:
        if r.user.lower() in names and commit.at - window <= r.at <= commit.at \
                and _names_a_file(r, commit.files):
            return "nearby"
    return ""


def coverage(found: Sequence[tuple[Commit, Sequence[Record]]]) -> dict[str, Any]:
    """Why coverage of commits (each with the records of its own repository)."""
    total = len(found)
    lines = sum(c.lines for c, _ in found)
    # Only entries near the period can explain one of its commits: filter each repository's once.
    near: dict[int, list[Record]] = {}
    if found:
        start = min(c.at for c, _ in found) - timedelta(hours=COVERAGE_WINDOW_HOURS)
        end = max(c.at for c, _ in found)
        for _, recs in found:
            if id(recs) not in near:
                near[id(recs)] = [r for r in recs if start <= r.at <= end]
    how = [(c, explaining(c, near[id(recs)])) for c, recs in found]
    done = [c for c, h in how if h]
    done_lines = sum(c.lines for c in done)
    unexplained = sorted((c for c, h in how if not h), key=lambda c: (-c.lines, c.at, c.sha))
    commits_pct, lines_pct = _pct(len(done), total), _pct(done_lines, lines)
    if total:
        headline = (f"Why coverage: {len(done)} of {total} {'commit' if total == 1 else 'commits'} "
                    f"({commits_pct}%) and {done_lines} of {lines} changed "
                    f"{'line' if lines == 1 else 'lines'} ({lines_pct if lines else 0}%) have an "
                    "explaining entry.")
    else:
        headline = "Why coverage: no commit changed code in this period."
    return {
        "headline": headline,
        "method": COVERAGE_METHOD,
        "window_hours": COVERAGE_WINDOW_HOURS,
        "commits": total,
        "explained": len(done),
        "commits_percent": commits_pct,
        "lines": lines,
        "explained_lines": done_lines,
        "lines_percent": lines_pct,
        "consolidated": sum(1 for _, h in how if h == "consolidated"),
        "nearby": sum(1 for _, h in how if h == "nearby"),
        "unexplained": [
            {"repo": c.repo, "sha": c.sha, "short": c.sha[:7], "date": f"{c.at:%Y-%m-%d}",
             "author": c.author, "subject": c.subject, "lines": c.lines}
            for c in unexplained[:SHOWN_UNEXPLAINED]
        ],
        "unexplained_more": max(0, len(unexplained) - SHOWN_UNEXPLAINED),
    }


# --- effort, the time report's way -------------------------------------------------------------


def credits(records: Sequence[Record]) -> dict[int, int]:
    """Estimated minutes per record (by index), the time report's method."""
    out: dict[int, int] = {}
    last: dict[str, Record] = {}
    for i, r in enumerate(records):
        previous = last.get(r.user)
        gap = _minutes(r.at - previous.at) if previous and previous.at.date() == r.at.date() else None
        out[i] = FIRST_ENTRY_MINUTES if gap is None or gap > SESSION_GAP_MINUTES else max(0, gap)
        last[r.user] = r
    return out


# --- context switching -------------------------------------------------------------------------


def context_switching(records: Sequence[Record]) -> dict[str, Any]:
    switches: list[dict[str, Any]] = []
    around: list[int] = []
    within: list[int] = []
    days: dict[str, set[str]] = defaultdict(set)
    last: dict[str, Record] = {}
    for r in records:
        days[r.user].add(r.at.date().isoformat())
        previous = last.get(r.user)
        last[r.user] = r
        if previous is None or previous.at.date() != r.at.date():
            continue
        gap = _minutes(r.at - previous.at)
        if previous.project != r.project:
            switches.append({"user": r.user, "date": r.at.date().isoformat(), "time": f"{r.at:%H:%M}",
                             "from": previous.project, "to": r.project, "gap_minutes": gap})
            if gap <= SESSION_GAP_MINUTES:
                around.append(gap)
        elif gap <= SESSION_GAP_MINUTES:
            within.append(gap)
    med_around = round(statistics.median(around)) if around else None
    med_within = round(statistics.median(within)) if within else None
    people = []
    for user in sorted(days):
        count = sum(1 for s in switches if s["user"] == user)
        people.append({"name": user, "switches": count, "days": len(days[user]),
                       "per_day": round(count / len(days[user]), 1)})
    return {
        "method": SWITCH_METHOD,
        "switches": len(switches),
        "median_gap_at_switch": med_around,
        "median_gap_within_project": med_within,
        "extra_minutes": (med_around - med_within) if med_around is not None and med_within is not None
        else None,
        "people": people,
        "list": switches,
    }


# --- blocker frequency -------------------------------------------------------------------------


def blocker_frequency(found: Sequence[Blocker], entries_by_project: dict[str, int]) -> dict[str, Any]:
    """`found`: the blockers opened in the period, in the order opened."""
    groups = group_blockers(found)
    per_project = []
    for project in sorted(entries_by_project):
        count = sum(1 for b in found if b.record.project == project)
        entries = entries_by_project[project]
        per_project.append({"name": project, "blockers": count, "entries": entries,
                            "per_10_entries": round(10 * count / entries, 1) if entries else 0.0})
    recurring: list[dict[str, Any]] = []
    for group in groups:
        if len(group) < 2:
            continue
        closed = [_minutes(b.closed_by.at - b.record.at) for b in group if b.closed_by is not None]
        recurring.append({
            "text": " ".join(group[-1].bullet.body.split()),
            "count": len(group),
            "projects": sorted({b.record.project for b in group}),
            "users": sorted({b.record.user for b in group}),
            "open_now": sum(1 for b in group if b.closed_by is None),
            "median_minutes_to_close": round(statistics.median(closed)) if closed else None,
        })
    recurring.sort(key=lambda g: (-g["count"], g["text"]))
    return {"method": BLOCKER_METHOD, "opened": len(found), "distinct": len(groups),
            "per_project": per_project, "recurring": recurring}


# --- per assistant -----------------------------------------------------------------------------


def per_assistant(records: Sequence[Record], all_blockers: Sequence[Blocker]) -> dict[str, Any]:
    """`records`: the period's records in order; `all_blockers`: with their closing records."""
    minutes = credits(records)
    rows: dict[str, dict[str, Any]] = {}
    ids = {id(r): i for i, r in enumerate(records)}

    def row(agent: str) -> dict[str, Any]:
        return rows.setdefault(agent, {"name": agent, "entries": 0, "decisions": 0, "findings": 0,
                                       "blockers_opened": 0, "blockers_closed": 0, "minutes": 0})

    for i, r in enumerate(records):
        item = row(r.entry.meta.get("agent", "") or NO_AGENT)
        item["entries"] += 1
        item["minutes"] += minutes[i]
        for b in r.entry.bullets:
            if b.kind == "decision":
                item["decisions"] += 1
            elif b.kind == "finding":
                item["findings"] += 1
            elif b.kind == "blocker":
                item["blockers_opened"] += 1
    for blocker in all_blockers:
        if blocker.closed_by is not None and id(blocker.closed_by) in ids:
            row(blocker.closed_by.entry.meta.get("agent", "") or NO_AGENT)["blockers_closed"] += 1
    out = sorted(rows.values(), key=lambda x: (x["name"] == NO_AGENT, -x["entries"], x["name"]))
    for item in out:
        item["time"] = _duration(item["minutes"])
        item["decisions_per_entry"] = round(item["decisions"] / item["entries"], 2) if item["entries"] else 0
    return {"method": AGENT_METHOD, "assistants": out}


def period_blockers(records: Sequence[Record]) -> list[Blocker]:
    """Every blocker of `records`, per project (an unblock closes its own project's only)."""
    by_project: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_project[r.project].append(r)
    found: list[Blocker] = []
    for project in sorted(by_project):
        found += blockers(by_project[project])
    found.sort(key=lambda b: (b.record.sort_key(), b.bullet.line))
    return found
