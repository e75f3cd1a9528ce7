"""Every sentence an assistant reads from sessionlog's hooks, in one place.

The per-prompt reminders (no entry yet today, the nudge after a quiet stretch), the stop
reason, the session-start context, the compaction note and the entry format; the bullet
prefixes in them come from the parser's own table (`logs.kinds.KIND_PREFIXES`), so the
vocabulary taught and the vocabulary parsed cannot drift apart.

Runs on every prompt: standard library only; the callers pass facts in as plain values.
"""
from __future__ import annotations

import os
import sys

from sessionlog_git.logs.kinds import taught_prefixes

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from datetime import datetime

    from sessionlog_git.base.clock import Moment

# Our stop reason starts so; Gemini sends it back as the next prompt (see `user_prompt_submit`).
STOP_PREFIX = "sessionlog: files changed"
AUTO_TITLE = "Automatic entry: session ended without a log entry"
AUTO_META = "auto"  # the meta key that marks an automatic entry: never a real one
MAX_CONTEXT = 2000  # characters of session-start context


LAUNCHER_COMMAND = "sh .git/sessionlog/run"  # this clone's launcher, from the top (init writes it)


def sessionlog_command(top: str = "") -> str:
    """How to run sessionlog from the assistant's shell on this machine: `sessionlog` on PATH,
    this clone's launcher by its path from the top (`sh .git/sessionlog/run`: no path of the
    machine), in a linked worktree (where `.git` is a file) the launcher by its absolute path,
    or this interpreter by path."""
    path = os.environ.get("PATH")  # os.get_exec_path() for os.environ, without its `warnings`
    for folder in (os.defpath if path is None else path).split(os.pathsep):
        candidate = os.path.join(folder, "sessionlog")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return "sessionlog"
    if top and os.path.isfile(os.path.join(top, ".git", "sessionlog", "run")):
        return LAUNCHER_COMMAND
    if top:
        from sessionlog_git.base.clone import runner_path

        runner = runner_path(top)
        if runner and os.path.isfile(runner):
            return f"sh '{runner}'"
    return f"'{sys.executable}' -m sessionlog_git"


def log_command(label: str, top: str = "") -> str:
    """The command the model is told to run: it records which assistant logged."""
    return f"{sessionlog_command(top)} log --agent {label}"


def clock_text(now: Moment) -> str:
    """`14:30 Europe/Berlin (UTC+01:00)`; the zone name only when it is not the offset."""
    offset = now.offset
    zone = "" if now.zone == offset else f" {now.zone}"
    return f"{now.at:%H:%M}{zone} (UTC{offset})"


def files_text(files: list[str], more: bool, shown: int = 5) -> str:
    text = ", ".join(files[:shown])
    extra = len(files) - shown
    if extra > 0:
        text += f" (+{extra}{'+' if more else ''} more)"
    elif more:
        text += " (and more)"
    return text


def last_text(at: datetime | None, title: str) -> str:
    """The last entry as the stop reason and the compaction note name it."""
    return "none yet" if at is None else f"{at:%Y-%m-%d %H:%M} \"{title}\""


def last_when(at: datetime | None) -> str:
    """The last real entry as the reminders name it: its time only."""
    return "none yet" if at is None else f"{at:%Y-%m-%d %H:%M}"


def prefixes_help() -> str:
    """`Decision:, Rejected:, Tried:, ...`: the prefixes that carry meaning."""
    return ", ".join(taught_prefixes())


def reminder_text(level: int, files: str, count: int, minutes: int, last: str, clock: str,
                  today_rel: str, command: str) -> str:
    """The per-prompt reminder: the first (level 1) gives the command; later ones (level 2+,
    at most one per gap and only when the work grew) say how long and how much is unlogged."""
    if level <= 1:
        return (
            f"sessionlog: {count} file{'s' if count != 1 else ''} changed with no log entry "
            f"(last: {last}): {files}. If a decision, a failed attempt or a blocker came up, "
            f'log it: `{command} "Title" "Decision: ... because ..."`. Trivial or exploratory '
            "work needs no entry."
        )
    return (
        f"sessionlog: still no log entry for about {minutes} min of work ({count} files: "
        f"{files}); local time now {clock}, temp log {today_rel}. Log the why before it is "
        "lost, or go on if it was trivial."
    )


def format_lines(command: str, title: str) -> list[str]:
    return [
        "Entry format: a heading `## HH:MM - Title` (local time), then `- ` bullets; the prefixes "
        f"{prefixes_help()} carry meaning.",
        f'The command `{command} "Title" "Decision: ... because ..."` appends '
        f"an entry with the right time, marked as written with {title}.",
        NOT_WORTH,
    ]


NOT_WORTH = (
    "Log decisions and why, rejected options, failed attempts, blockers, where you paused. "
    "Not worth logging: dead-end exploration, trivial formatting, routine commands, anything "
    "the diff already says. You will be reminded only when real work goes unlogged."
)


def today_note(has_today: bool, committed: int) -> str:
    """What follows the temp log's path: never "no entries" when today's entries were committed
    (a commit consolidates the temp log into the archive and removes it)."""
    if has_today:
        return ""
    if committed:
        return (f" (empty: today's {committed} {'entry is' if committed == 1 else 'entries are'} "
                "already committed to the archive; the log command starts it again)")
    return " (no entries yet today)"


def start_lines(project: str, user: str, today_rel: str, has_today: bool, committed: int,
                now: Moment) -> list[str]:
    """The session-start context's opening lines (format lines and where work left off follow)."""
    return [
        f"sessionlog: this repository keeps a session log (project {project}, user {user}).",
        f"Today's temp log: {today_rel}" + today_note(has_today, committed),
        "Entries go in only through the command below (the temp log is in the git directory, "
        "where file tools may not write).",
        f"Local time now: {now.at:%Y-%m-%d %a} {clock_text(now)}.",
    ]


NO_HISTORY = "No earlier session log entries in this repository."


def clipped_context(lines: list[str]) -> str:
    text = "\n".join(lines)
    if len(text) > MAX_CONTEXT:
        text = text[: MAX_CONTEXT - 2].rsplit("\n", 1)[0] + "\n…"
    return text


def stop_reason(last: str, changed: str, minutes: int, command: str) -> str:
    """Short: Claude Code shows it once, Codex and Gemini send it back as the next prompt."""
    return (
        f"{STOP_PREFIX} over about {minutes} min with no log entry (last: {last}): {changed}. "
        f'If this work holds a decision, a failed attempt or a blocker, log it with `{command} '
        '"Title" "Decision: ..."`; if it was trivial, just finish.'
    )


def compaction_text(today_rel: str, now: Moment, last: str) -> str:
    return (
        f"sessionlog: keep in the summary the session log path {today_rel}, the local time "
        f"zone ({now.zone}, UTC{now.offset}), the last log entry written ({last}), "
        "and every decision (with its why), rejected alternative, failed attempt, blocker and "
        "next step from this conversation that is not in that log yet, so it can still be "
        "logged after compaction.\n"
    )


def session_end_bullets(since: datetime, changed: str, reason: str) -> list[str]:
    bullets = [f"Files changed since {since:%Y-%m-%d %H:%M}: {changed}"]
    if reason:
        bullets.append(f"Session end reason: {reason}")
    return bullets


def edit_context_head(path: str) -> str:
    """The first line of the context about a file the assistant reads or edits."""
    return (f"sessionlog: recorded reasoning still in force for {path} (live entries, most "
            f"relevant first; all of it: `sessionlog context {path}`):")


def edit_context_line(item: dict[str, object]) -> str:
    """One live item about that file: date, author, the bullet as written."""
    text = " ".join(str(item.get("text", "")).split())
    note = " (this replaced an earlier decision)" if item.get("replaces") else ""
    expires = f" (until {item['expires']})" if item.get("expires") else ""
    return f"- {item.get('date', '')} {item.get('author', '')}: {text}{note}{expires}"


def resume_text(today_rel: str, clock: str) -> str:
    """Session start when a session is resumed: its conversation holds the rest already."""
    return f"sessionlog: session resumed; today's temp log {today_rel}, local time now {clock}."


def broken_config_text(error: str) -> str:
    """Said once per session: the config's error (file, line, fix); no reminders until fixed."""
    return (f"sessionlog: {error} Until it is fixed, sessionlog will not ask for log entries "
            "and `git commit` refuses to consolidate.")
