"""The session-start context, lean: what `sessionlog hook session-start` prints, most times.

A session start (and a `/clear`, and a resume) reads the session-start summary that
consolidation keeps (`logs.startsummary`: a small file, whatever the history's length) and
today's pending temp logs, never the archive, with what `agents.prompt` uses and nothing more:
no `pathlib`, no `dataclasses`, no config parser, no entry parser. The words are those of
`handlers.session_start`, which the equivalence tests hold it to.

Whenever it cannot say exactly what the handlers would (a compaction, no summary or a stale
one, a temp log not in the shape `sessionlog log` writes, a pending entry that opens or closes
a blocker earlier than the archive's newest, a stale config cache), it raises `Decline` before
it writes anything, and the hook entry hands the event to the handlers, which read the
archive's window as before and write a fresh summary.
"""
from __future__ import annotations

import os

from sessionlog_git.agents import session, texts
from sessionlog_git.agents.prompt import Decline, _config, _project, _user, assistant_and_top
from sessionlog_git.base import statedir
from sessionlog_git.constants import DEFAULT_GAP_MINUTES, DEFAULT_LOGS_DIR, DEFAULT_PENDING_DIR
from sessionlog_git.logs import layout, startsummary

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

    from sessionlog_git.agents.registry import Assistant
    from sessionlog_git.base.clock import Moment


def pending_items(top: str, pending_dir: str) -> list[dict[str, Any]]:
    """Every pending temp log's entries as summary items (automatic ones left out), as
    `continuity.records` reads them; Decline for a temp log the lean reader cannot place."""
    out: list[dict[str, Any]] = []
    for found in layout.walk(statedir.resolve(top, pending_dir), archive=False):
        try:
            with open(found.path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # as continuity.records: an unreadable file holds no entries
        source = "/".join(os.path.relpath(found.path, top).split(os.sep))
        try:
            out += startsummary.temp_log_items(text, found.project, found.user, source)
        except startsummary.Irregular as why:
            raise Decline(str(why)) from None
    return out


def start_text(top: str, cfg: dict[str, Any], assistant: Assistant, project: str, user: str,
               now: Moment, today_rel: str) -> str:
    """`handlers.start_text` for a startup or a `/clear`, from the summary; or Decline."""
    logs_path = os.path.join(top, cfg.get("logs_dir") or DEFAULT_LOGS_DIR)
    zone = cfg.get("timezone") or ""
    summary = startsummary.read(statedir.folder(top), logs_path, zone)
    if summary is None:
        raise Decline("no session-start summary, or a stale one")
    items = pending_items(top, cfg.get("pending_dir") or DEFAULT_PENDING_DIR)
    folded = startsummary.fold(summary, items, archived=False)
    if folded is None:
        raise Decline("a pending blocker or unblock earlier than the archive's newest entry")
    committed = startsummary.committed_today(folded, user, now.at.date().isoformat())
    if committed is None:
        raise Decline("a day older than the summary keeps")
    lines = [
        *texts.start_lines(project, user, today_rel, os.path.isfile(os.path.join(top, today_rel)),
                           committed, now),
        *texts.format_lines(texts.log_command(assistant.label, top), assistant.title),
        startsummary.left_off(folded, user) or texts.NO_HISTORY,
    ]
    from sessionlog_git.base import clone

    if not clone.is_set_up(top):
        lines.insert(0, clone.NOT_SET_UP)
    return texts.clipped_context(lines)


def start(data: dict[str, Any], agent: str) -> str:
    """The session-start hook's stdout ("" for nothing), exactly as the handlers would print
    it; raises Decline (or anything else) when the handlers must decide."""
    assistant, top = assistant_and_top(data, agent)
    if top is None:
        return ""
    source = str(data.get("source") or "startup")
    if source == "compact":
        raise Decline("a compaction: the handlers say what was logged in this session")
    cfg = _config(top)
    project = _project(top, cfg)
    if not os.path.isdir(statedir.folder(top)):
        raise Decline("no state folder yet")  # the handlers create it
    pending_dir = cfg.get("pending_dir") or DEFAULT_PENDING_DIR
    gap = int((cfg.get("reminders") or {}).get("gap_minutes", DEFAULT_GAP_MINUTES))
    user = _user(top, cfg.get("user") or "")
    from sessionlog_git.base.clock import now as clock_now

    now = clock_now(cfg.get("timezone") or "")
    today_path = os.path.join(statedir.resolve(top, pending_dir), project, user,
                              f"{now.at.date().isoformat()}.md")
    today_rel = statedir.display(top, today_path)
    state_file = session.state_file(top, session.session_key(data))
    state = session.load_state(state_file)
    known = isinstance(state.get("started_ts"), (int, float))
    said = state.get("start_said")
    stamp = now.at.timestamp()
    if (known and source == "resume" and isinstance(said, (int, float))
            and stamp - said < gap * 60):
        text = ""  # the conversation it continues holds the start context already
    elif known and source == "resume":
        text = texts.resume_text(today_rel, texts.clock_text(now))
    else:
        text = start_text(top, cfg, assistant, project, user, now, today_rel)
    # Decided: now the state, as handlers.session_start records it.
    if source == "clear" or not known:
        import time

        started = {"started_ts": time.time(), "started_at": now.at.isoformat(timespec="seconds")}
        state = started if source == "clear" else {**state, **started}
        session.prune_states(top, session.KEEP_DAYS)
    state["start_said"] = stamp
    from sessionlog_git.base.fsutil import atomic_write_text
    from sessionlog_git.base.leanjson import dumps  # as session.save_state, without json's `re`

    atomic_write_text(state_file, dumps(dict(sorted(state.items()))), sync=False)  # as save_state
    return assistant.format("session-start", "context", text) if text else ""
