"""The per-prompt decision, lean: what `sessionlog hook user-prompt-submit` prints, most times.

Claude Code, Codex and Gemini run that hook (Gemini: `before-agent`) before every prompt, so
its start-up is most of what a user waits for. This module decides it with what it needs and
nothing more: `os`, json's C scanner (`base.leanjson`), `_datetime`, the agents' registry,
policy and session modules, `base.clock`, `logs.layout`, the user cache (the scan module only
when the log is not fresh, texts only when there is something to say; `identity`/`gitconfig`
only when neither SESSIONLOG_USER, the config nor the user cache names the user, `zoneinfo`
only when a zone is configured).
No `dataclasses`, `tempfile`, `traceback`, `typing`, `pathlib`, no config parser, no entry
parser:

* the config comes from its parse cache (`.sessionlog/config.json`, valid while the sha256 of
  `.sessionlog.yaml` matches), as `config.load_fast` reads it;
* the last entry's time comes from the `<!-- sessionlog at=... -->` line that `sessionlog log`
  writes under each heading, found the way `entries.parse` finds it, in the files
  `logs.layout.walk` lists, in the order `continuity.last_entry` reads them;
* "files changed since" is `scan.changed_files`, the walk the handlers use too.

Whenever it cannot decide exactly as `handlers.user_prompt_submit` would (no session state
yet, a stale config cache, a heading without an `at=` line), it raises `Decline` and the
hook entry hands the event to the handlers. It imports no handler.
"""
from __future__ import annotations

import os

from sessionlog_git.agents import policy, registry, session
from sessionlog_git.base import statedir
from sessionlog_git.base.configcache import read as read_config
from sessionlog_git.base.dt import datetime, timedelta  # no datetime.py on every prompt
from sessionlog_git.constants import (
    CONFIG_CACHE,
    DEFAULT_GAP_MINUTES,
    DEFAULT_LOGS_DIR,
    DEFAULT_PENDING_DIR,
)
from sessionlog_git.logs import layout

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

    from sessionlog_git.agents.registry import Assistant

BOM = "\ufeff"  # as entries.BOM: the parser drops it before reading a temp log
# As texts.STOP_PREFIX (the test holds them equal): `scan` loads only when the log is not
# fresh, `texts` only when the prompt has something to say.
STOP_PREFIX = "sessionlog: files changed"


class Decline(Exception):
    """The lean path cannot decide this exactly: the handlers will."""


def _config(top: str) -> dict[str, Any]:
    """The parsed config from its cache, as config.load_fast; Decline when the cache is stale."""
    data = read_config(top)
    if data is None:
        cache = os.path.join(statedir.folder(top), CONFIG_CACHE)
        raise Decline("stale config cache" if os.path.exists(cache) else "no config cache")
    for route in data.get("projects", []):  # as config._build, which fails on a damaged one
        route["name"], tuple(route["paths"])
    return data


def _user(top: str, configured: str) -> str:
    """`identity.resolve_fast`: its first two steps here (SESSIONLOG_USER, the config's
    `user:`), the rest through `usercache`, so most prompts import neither identity nor pathlib."""
    pinned = os.environ.get("SESSIONLOG_USER", "").strip()
    if pinned:
        from sessionlog_git.base.names import is_safe, slug

        return pinned if is_safe(pinned) else slug(pinned)
    if configured:
        return configured
    from sessionlog_git.agents.usercache import resolve  # identity's answer, kept per clone

    return resolve(top)


def _meta_at(stripped: str) -> datetime | None:
    """The aware `at=` of a `<!-- sessionlog k=v ... -->` line, read as entries.parse reads it.

    A near-twin of `entries.META` with `_meta_values`, kept because the entry parser costs
    the prompt `re` and `dataclasses`; the equivalence test in test_prompt_hook holds them equal.
    """
    if not (stripped.startswith("<!--") and stripped.endswith("-->")):
        return None
    inner = stripped[4:].lstrip()
    if not inner.startswith("sessionlog") or len(inner) < len("sessionlog") + 3:
        return None
    after = inner[len("sessionlog") :]
    if after[0].isalnum() or after[0] == "_":
        return None  # `sessionlogx`: not the marker (the regex's \b)
    body = after[:-3]
    tokens = body.split()
    values: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key:
            values[key] = value
    if not tokens or len(values) != len(tokens) or not values.get("at"):
        return None
    try:
        at = datetime.fromisoformat(values["at"])
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def entry_times(text: str, real: bool = False) -> list[datetime]:
    """The times of a temp log's entries, when every heading has its `at=` line right below.

    That is how `sessionlog log` writes an entry, and then the line decides the entry's time
    in `entries.parse` whatever else the file holds. A heading without one (written by
    hand): Decline, the full parser places it.
    """
    lines = text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[datetime] = []
    for i, line in enumerate(lines):
        if line.startswith("##") and not line.startswith("###"):
            meta = lines[i + 1].strip() if i + 1 < len(lines) else ""
            at = _meta_at(meta)
            if at is None:
                raise Decline("a heading without an at= line")
            if real and " auto=" in meta:
                continue  # an automatic entry (continuity.automatic): never a real one
            out.append(at)
    return out


def last_entry(top: str, cfg: dict[str, Any], user: str) -> tuple[datetime | None, float]:
    """(the user's latest entry time, the later of it and its file's mtime), as
    continuity.last_entry: the same files, in the same order, the same stops."""
    logs_path = os.path.join(top, cfg.get("logs_dir") or DEFAULT_LOGS_DIR)
    archive_root = layout.archive_root(logs_path)
    candidates = layout.walk(statedir.resolve(top, cfg.get("pending_dir") or DEFAULT_PENDING_DIR),
                             archive=False, user=user)
    best: datetime | None = None
    best_file = ""
    for month in [None, *reversed(layout.archive_months(logs_path))]:
        if month is not None:
            if best is not None and layout.month_of(best.date()) > month:
                break  # older months cannot hold a later entry
            candidates = layout.walk(archive_root, archive=True, months=(month,), user=user)
        for found in sorted(candidates, key=lambda c: c.day, reverse=True):
            if best is not None and found.day < best.date() - timedelta(days=2):
                break  # a file dated two days before the best cannot beat it
            try:
                if found.pack is not None:  # a closed month's pack (a regular file, no link)
                    text = layout.read_log(found).decode("utf-8")
                    for at in entry_times(text, real=True):
                        if best is None or at > best:
                            best, best_file = at, found.pack
                    continue
                # Never through a link, never blocking (a FIFO swapped in after the walk).
                fd = os.open(found.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                             | getattr(os, "O_NONBLOCK", 0))
                with open(fd, "rb") as handle:
                    if os.fstat(fd).st_mode & 0o170000 != 0o100000:  # S_ISREG, without `stat`
                        continue
                    text = handle.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # as continuity.records: an unreadable file holds no entries
            for at in entry_times(text, real=True):
                if best is None or at > best:
                    best, best_file = at, found.path
    if best is None:
        return None, 0.0
    try:
        mtime = os.stat(best_file).st_mtime
    except OSError:
        mtime = 0.0
    return best, max(best.timestamp(), mtime)


def _project(top: str, cfg: dict[str, Any]) -> str:
    """The configured project, else the folder's name (as `workspace.default_project`)."""
    project = cfg.get("project")
    if project:
        return str(project)
    from sessionlog_git.base.gitconfig import main_folder_name
    from sessionlog_git.base.names import slug

    return slug(main_folder_name(top), fallback="project")


def assistant_and_top(data: dict[str, Any], agent: str) -> tuple[Assistant, str | None]:
    """The assistant the hook runs for and the work tree its event is about (None: none)."""
    assistant = registry.get(agent)
    if assistant is None:
        raise Decline("unknown assistant")
    return assistant, session.find_top(assistant.project_env, data)


def prompt(data: dict[str, Any], agent: str) -> str:
    """The per-prompt hook's stdout ("" for nothing), exactly as the handlers would print it;
    raises Decline (or anything else) when the handlers must decide."""
    assistant, top = assistant_and_top(data, agent)
    if top is None:
        return ""
    cfg = _config(top)
    project = _project(top, cfg)
    pending_dir = cfg.get("pending_dir") or DEFAULT_PENDING_DIR
    reminders = cfg.get("reminders") or {}
    gap = int(reminders.get("gap_minutes", DEFAULT_GAP_MINUTES))
    user = _user(top, cfg.get("user") or "")
    from sessionlog_git.base.clock import now as clock_now

    now = clock_now(cfg.get("timezone") or "")
    state_file = session.state_file(top, session.session_key(data))
    state = session.load_state(state_file)
    if str(data.get("prompt") or "").startswith(STOP_PREFIX):
        return ""  # Gemini re-runs BeforeAgent on our own AfterAgent reason: said already
    if data.get("prompt") == "":
        return ""  # Qwen re-runs UserPromptSubmit with no prompt after each tool result
    started = state.get("started_ts")
    if not isinstance(started, (int, float)):
        raise Decline("no session state yet")  # the handlers record when it started
    last_at, mark = last_entry(top, cfg, user)
    age = None if last_at is None else (now.at - last_at).total_seconds()
    if policy.fresh(age, gap * 60):
        return ""  # the log is fresh: no scan, no words
    from sessionlog_git.agents import scan
    if not os.path.isdir(statedir.folder(top)):
        raise Decline("no state folder yet")  # the handlers create it
    today = now.at.date()
    today_rel = statedir.display(top, os.path.join(statedir.resolve(top, pending_dir), project,
                                                   user, f"{today.isoformat()}.md"))
    skip = scan.skip_paths(top, pending_dir, cfg.get("logs_dir") or DEFAULT_LOGS_DIR)
    since = max(mark, float(started))
    found, more = scan.changed_files(top, skip, since, limit=50)
    files = policy.substantial(found)
    more = more or len(files) > 50
    before = dict(state)
    stamp = now.at.timestamp()
    level = policy.reminder(state, files, age, gap * 60, stamp, since)
    if state != before:
        session.save_state(state_file, state)
    if not level:
        return ""
    from sessionlog_git.agents import texts  # only when there is something to say
    seen = state.get("work_seen")
    minutes = int((stamp - (seen if isinstance(seen, (int, float)) else stamp)) / 60)
    text = texts.reminder_text(level, texts.files_text(files, more), len(files), minutes,
                               texts.last_when(last_at), texts.clock_text(now), today_rel,
                               texts.log_command(assistant.label, top))
    return assistant.format(registry.PROMPT_EVENT, "context", text)
