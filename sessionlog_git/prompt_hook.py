"""The per-prompt hook's lean path, and the entry point of every `sessionlog hook EVENT`.

Claude Code, Codex and Gemini run `sessionlog hook user-prompt-submit` (Gemini:
`before-agent`) before every prompt, so its start-up is most of what a user waits for. This
module decides that hook with what it needs and nothing more: `os`, `sys`, `json`, `time`,
`datetime`, `sessionlog_git.clock` and `names` (and `identity`/`gitconfig` only when neither
SESSIONLOG_USER nor the config names the user, `zoneinfo` only when a zone is configured). No
`dataclasses`, `tempfile`, `traceback`, `typing`, no config parser, no entry parser:

* the config comes from its parse cache (`.sessionlog/config.json`, valid while the sha256 of
  `.sessionlog.yaml` matches), as `config.load_fast` reads it;
* the last entry's time comes from the `<!-- sessionlog at=... -->` line that `sessionlog log`
  writes under each heading, found the way `entries.parse` finds it, in the same files
  `continuity.last_entry` reads, in the same order;
* "files changed since" is `changed_files`, the walk `agent_hooks.changed_since` also uses.

Whenever it cannot decide exactly as `agent_hooks` would (another event, no session state yet,
a stale config cache, a heading without an `at=` line, any error), it hands the event and the
already-read stdin to `agent_hooks.run`, the full implementation, which also logs errors.
The wording of the per-prompt reminders lives here; `agent_hooks` uses the same functions.
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, datetime, timedelta

from sessionlog_git.configcache import CACHE_NAME, STATE_DIR
from sessionlog_git.configcache import read as read_config

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

    from sessionlog_git.clock import Moment

SESSIONS_DIR = "sessions"
STOP_PREFIX = "sessionlog: files changed"
PROMPT_EVENT = "user-prompt-submit"
# The CLI's own names also work as our event names (`hook before-agent --agent gemini`).
EVENT_ALIASES = {"before-agent": "user-prompt-submit", "after-agent": "stop",
                 "pre-compress": "pre-compact"}
# assistant -> (label for `log --agent`, the CLI's project variable, its per-prompt event name);
# the same as agent_hooks.ASSISTANTS (a test keeps them equal).
PROMPT_AGENTS = {
    "claude": ("claude-code", "CLAUDE_PROJECT_DIR", "UserPromptSubmit"),
    "codex": ("codex", "", "UserPromptSubmit"),
    "gemini": ("gemini", "GEMINI_PROJECT_DIR", "BeforeAgent"),
}
# As layout.PENDING_NAME and layout.ARCHIVE_NAME (a test keeps them equal); matched with
# re.match, so compiled on first use rather than at import.
PENDING_PATTERN = r"^(\d{4}-\d{2}-\d{2})\.md\Z"
ARCHIVE_PATTERN = r"^(\d{4}-\d{2}-\d{2})-([0-9a-f]{6,64})\.md\Z"
BOM = "\ufeff"

# The changed-files scan: folders never worth a look, and its bounds.
SKIP_DIRS = frozenset(
    {
        "node_modules", "__pycache__", "venv", "env", "build", "dist", "target", "vendor",
        "bower_components", "coverage", "htmlcov", "site-packages", "out",
    }
)
KEEP_DOT_DIRS = frozenset({".github", ".gitlab", ".circleci", ".devcontainer", ".claude"})
SKIP_FILES = frozenset({".DS_Store", "settings.local.json"})
SCAN_LIMIT = 20_000  # directory entries looked at, at most

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


class Decline(Exception):
    """The lean path cannot decide this exactly: the full implementation will."""


# --------------------------------------------------------------------------- shared pieces


def session_key(data: dict[str, Any]) -> str:
    """The session's state file name: its id with anything unsafe replaced by `_`."""
    raw = str(data.get("session_id") or "unknown")
    key = "".join(c if c in _KEY_CHARS else "_" for c in raw)
    return key[:100].lstrip(".") or "unknown"


def main_folder_name(top: str) -> str:
    """The main work tree's folder name, also from a linked worktree (no git call)."""
    name = os.path.basename(top)
    dot_git = os.path.join(top, ".git")
    if os.path.isfile(dot_git):
        try:
            with open(dot_git, encoding="utf-8") as handle:
                text = handle.read().strip()
        except OSError:
            return name
        if text.startswith("gitdir:"):
            from pathlib import Path

            parts = Path(text[len("gitdir:") :].strip()).parts
            if ".git" in parts:
                return parts[parts.index(".git") - 1] if parts.index(".git") > 0 else name
    return name


def sessionlog_command() -> str:
    """How to run sessionlog from the assistant's shell on this machine."""
    for folder in os.get_exec_path():
        candidate = os.path.join(folder, "sessionlog")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return "sessionlog"
    return f"'{sys.executable}' -m sessionlog_git"


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


def no_entry_text(today: date, today_rel: str, clock: str, log_command: str) -> str:
    return (
        f"sessionlog: no log entry yet today ({today.isoformat()}). Temp log: {today_rel}; "
        f"local time now {clock}. Entries are `## HH:MM - Title` plus `- Decision:`/"
        f"`- Tried:`/`- Blocked on:`/`- Next:` bullets, or "
        f'`{log_command} "Title" "Decision: ..."`.'
    )


def nudge_text(last_at: datetime, age: float, changed: str, clock: str, today_rel: str) -> str:
    return (
        f"sessionlog: last log entry {last_at:%H:%M} ({int(age)} min ago); files changed "
        f"since: {changed}. Local time now {clock}; temp log {today_rel}."
    )


def context_json(native_event: str, text: str) -> str:
    payload = {"hookSpecificOutput": {"hookEventName": native_event, "additionalContext": text}}
    return json.dumps(payload, ensure_ascii=False)


def _ignored_dir_names(top: str) -> set[str]:
    """Plain folder names from the top-level .gitignore (`build/`, `/tmp`): skipped too."""
    try:
        with open(os.path.join(top, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return set()
    names: set[str] = set()
    for line in text.splitlines():
        item = line.strip().strip("/")
        if item and not line.lstrip().startswith(("#", "!")) and not any(c in item for c in "*?[/\\"):
            names.add(item)
    return names


def changed_files(top: str, skip_paths: set[str], since: float, limit: int = 50) -> tuple[list[str], bool]:
    """Work-tree files modified after `since` (POSIX time): (up to `limit` paths, more?).

    A walk of the work tree by modification time, bounded to SCAN_LIMIT entries. It skips
    `skip_paths` (normalised: `.git`, the state, pending and logs folders), dot-folders other
    than a few that hold project files (.github, .claude, ...), dependency and build folders
    (node_modules, venv, dist, ...), and plain folder names listed in the top-level
    .gitignore. A file counts when its mtime is later than `since`.
    """
    skip_names = SKIP_DIRS | _ignored_dir_names(top)
    found: list[str] = []
    stack = [top]
    seen = 0
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > SCAN_LIMIT:
                return found, True
            try:
                if entry.is_dir(follow_symlinks=False):
                    name = entry.name
                    if name in skip_names or (name.startswith(".") and name not in KEEP_DOT_DIRS):
                        continue
                    if os.path.normpath(entry.path) in skip_paths:
                        continue
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    name = entry.name
                    if name in SKIP_FILES or name.endswith(("~", ".swp", ".swx")):
                        continue
                    if entry.stat(follow_symlinks=False).st_mtime > since:
                        rel = os.path.relpath(entry.path, top).replace(os.sep, "/")
                        if len(found) >= limit:
                            return sorted(found), True
                        found.append(rel)
            except OSError:
                continue
    return sorted(found), False


# --------------------------------------------------------------------------- the lean path


def _find_top(project_env: str, data: dict[str, Any]) -> str | None:
    """As agent_hooks.find_top, with strings (a `..` in a start: Decline, pathlib keeps it)."""
    starts = [os.environ.get(project_env, "") if project_env else "", str(data.get("cwd") or ""),
              os.getcwd()]
    for start in starts:
        if not start:
            continue
        if ".." in start.split("/"):
            raise Decline("a start folder with '..'")
        here = os.path.abspath(start)
        while True:
            if os.path.exists(os.path.join(here, ".git")):
                return here
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
    return None


def _config(top: str) -> dict[str, Any]:
    """The parsed config from its cache, as config.load_fast; Decline when the cache is stale."""
    data = read_config(top)
    if data is None:
        cache = os.path.join(top, STATE_DIR, CACHE_NAME)
        raise Decline("stale config cache" if os.path.exists(cache) else "no config cache")
    for route in data.get("projects", []):  # as config._build, which fails on a damaged one
        route["name"], tuple(route["paths"])
    return data


def _user(top: str, configured: str) -> str:
    """As identity.resolve_fast; its first two steps here, so most hooks import no more."""
    from sessionlog_git.names import is_safe, slug

    pinned = os.environ.get("SESSIONLOG_USER", "").strip()
    if pinned:
        return pinned if is_safe(pinned) else slug(pinned)
    if configured:
        return configured
    from pathlib import Path

    from sessionlog_git.identity import resolve_fast

    return str(resolve_fast(Path(top), configured)[0])


def _safe_dirs(folder: str) -> list[str]:
    from sessionlog_git.names import is_safe

    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(n for n in names if os.path.isdir(os.path.join(folder, n)) and is_safe(n))


def _log_files(folder: str, pattern: str) -> list[tuple[date, str]]:
    """(day, path) of the temp logs or archive files in one user folder, sorted by name."""
    import re

    out: list[tuple[date, str]] = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return out
    for name in names:
        match = re.match(pattern, name)
        path = os.path.join(folder, name)
        if not match or not os.path.isfile(path):
            continue
        try:
            out.append((date.fromisoformat(match[1]), path))
        except ValueError:
            continue
    return out


def _user_files(root: str, user: str, pattern: str) -> list[tuple[date, str]]:
    """As continuity.pending_files/archive_files for one user: every project folder."""
    out: list[tuple[date, str]] = []
    for project in _safe_dirs(root):
        for user_dir in _safe_dirs(os.path.join(root, project)):
            if user_dir == user:
                out += _log_files(os.path.join(root, project, user_dir), pattern)
    return out


def _meta_at(stripped: str) -> datetime | None:
    """The aware `at=` of a `<!-- sessionlog k=v ... -->` line, read as entries.parse reads it."""
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


def entry_times(text: str) -> list[datetime]:
    """The times of a temp log's entries, when every heading has its `at=` line right below.

    That is how `sessionlog log` writes an entry, and then the line decides the entry's time
    in `entries.parse` whatever else the file holds. A heading without one (written by
    hand): Decline, the full parser places it.
    """
    lines = text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[datetime] = []
    for i, line in enumerate(lines):
        if line.startswith("##") and not line.startswith("###"):
            at = _meta_at(lines[i + 1].strip()) if i + 1 < len(lines) else None
            if at is None:
                raise Decline("a heading without an at= line")
            out.append(at)
    return out


def last_entry(top: str, cfg: dict[str, Any], user: str) -> tuple[datetime | None, float]:
    """(the user's latest entry time, the later of it and its file's mtime), as
    continuity.last_entry: the same files, in the same order, the same stops."""
    pending_root = os.path.join(top, cfg.get("pending_dir") or ".sessionlog/pending")
    archive_root = os.path.join(top, cfg.get("logs_dir") or "logs", "archive")
    candidates = _user_files(pending_root, user, PENDING_PATTERN)
    best: datetime | None = None
    best_file = ""
    for month in [None, *sorted(_safe_dirs(archive_root), reverse=True)]:
        if month is not None:
            if best is not None and f"{best.year:04d}-{best.month:02d}" > month:
                break  # older months cannot hold a later entry
            candidates = _user_files(os.path.join(archive_root, month), user, ARCHIVE_PATTERN)
        for day, path in sorted(candidates, key=lambda c: c[0], reverse=True):
            if best is not None and day < best.date() - timedelta(days=2):
                break  # a file dated two days before the best cannot beat it
            try:
                # Never through a link, never blocking (a FIFO swapped in after isfile).
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                             | getattr(os, "O_NONBLOCK", 0))
                with open(fd, "rb") as handle:
                    if os.fstat(fd).st_mode & 0o170000 != 0o100000:  # S_ISREG, without `stat`
                        continue
                    text = handle.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # as continuity.records: an unreadable file holds no entries
            for at in entry_times(text):
                if best is None or at > best:
                    best, best_file = at, path
    if best is None:
        return None, 0.0
    try:
        mtime = os.stat(best_file).st_mtime
    except OSError:
        mtime = 0.0
    return best, max(best.timestamp(), mtime)


def _write_state(path: str, state: dict[str, Any]) -> None:
    from sessionlog_git.fsutil import atomic_write_text

    atomic_write_text(path, json.dumps(state, sort_keys=True))


def emit(out: str) -> None:
    """Print a hook's output; a closed pipe is the assistant's business, not an error."""
    if out:
        try:
            sys.stdout.write(out if out.endswith("\n") else out + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            pass


def prompt(data: dict[str, Any], agent: str) -> str:
    """The per-prompt hook's stdout ("" for nothing), exactly as agent_hooks would print it;
    raises Decline (or anything else) when the full implementation must decide."""
    known = PROMPT_AGENTS.get(agent.strip().lower() or "claude")
    if known is None:
        raise Decline("unknown assistant")
    label, project_env, native_event = known
    top = _find_top(project_env, data)
    if top is None:
        return ""
    cfg = _config(top)
    project = cfg.get("project")
    if not project:
        from sessionlog_git.names import slug

        project = slug(main_folder_name(top), fallback="project")
    pending_dir = cfg.get("pending_dir") or ".sessionlog/pending"
    reminders = cfg.get("reminders") or {}
    gap = int(reminders.get("gap_minutes", 45))
    user = _user(top, cfg.get("user") or "")
    from sessionlog_git.clock import now as clock_now

    now = clock_now(cfg.get("timezone") or "")
    state_file = os.path.join(top, STATE_DIR, SESSIONS_DIR, f"{session_key(data)}.json")
    try:
        with open(state_file, encoding="utf-8") as handle:
            state = json.loads(handle.read())
    except (OSError, ValueError):
        state = {}
    if not isinstance(state, dict):
        state = {}
    if str(data.get("prompt") or "").startswith(STOP_PREFIX):
        return ""  # Gemini re-runs BeforeAgent on our own AfterAgent reason: said already
    started = state.get("started_ts")
    if not isinstance(started, (int, float)):
        raise Decline("no session state yet")  # the full path records when it started
    last_at, mark = last_entry(top, cfg, user)
    today = now.at.date()
    parts = [p for p in pending_dir.split("/") if p not in ("", ".")]
    today_rel = "/".join([*parts, project, user, f"{today.isoformat()}.md"])
    if last_at is None or last_at.date() != today:
        command = f"{sessionlog_command()} log --agent {label}"
        return context_json(native_event, no_entry_text(today, today_rel, clock_text(now), command))
    age = (now.at - last_at).total_seconds() / 60
    if age < gap:
        return ""
    nudged = state.get("last_nudge")
    if isinstance(nudged, (int, float)) and time.time() - nudged < gap * 60:
        return ""
    if not os.path.isfile(os.path.join(top, STATE_DIR, ".gitignore")):
        raise Decline("the state folder has no .gitignore")  # fsutil.ensure_state_dir writes it
    skip = {
        os.path.normpath(os.path.join(top, rel))
        for rel in (".git", STATE_DIR, pending_dir, cfg.get("logs_dir") or "logs")
    }
    files, more = changed_files(top, skip, max(mark, float(started)), limit=5)
    if not files:
        return ""
    state["last_nudge"] = time.time()
    _write_state(state_file, state)
    text = nudge_text(last_at, age, files_text(files, more), clock_text(now), today_rel)
    return context_json(native_event, text)


# --------------------------------------------------------------------------- entry point


def read_stdin() -> dict[str, Any]:
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return {}
        raw = sys.stdin.read()
    except (OSError, ValueError):
        return {}
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def run(event: str, agent: str = "claude") -> int:
    """Handle one hook event: the per-prompt one here when possible, else agent_hooks.run.
    Prints what the assistant's CLI should see; always returns 0."""
    data = read_stdin()
    out: str | None = None
    if EVENT_ALIASES.get(event, event) == PROMPT_EVENT:
        try:
            out = prompt(data, agent)
        except BaseException:
            out = None  # the full path decides (and logs the error, if it is one)
    if out is None:
        from sessionlog_git.agent_hooks import run as run_full

        return run_full(event, agent, data)
    emit(out)
    return 0


def main(words: list[str]) -> int:
    """`hook EVENT [--agent NAME | --agent=NAME]` (the words after the program name)."""
    rest = words[2:]
    agent = next((w.split("=", 1)[1] for w in rest if w.startswith("--agent=")), "")
    if "--agent" in rest and rest.index("--agent") + 1 < len(rest):
        agent = rest[rest.index("--agent") + 1]
    return run(words[1] if len(words) > 1 else "", agent or "claude")
