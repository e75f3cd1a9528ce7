"""`sessionlog hook EVENT [--agent claude|codex|gemini]`: the assistants' hooks.

Standard library only; never breaks a prompt. Claude Code, Codex CLI and Gemini CLI run these
on every session start, prompt, stop (and, where the CLI has them, compaction and session
end), so this path imports no third-party package and starts no `git` process. One reminder
logic serves all three; what differs per assistant is in `ASSISTANTS`: the CLI's event names,
where it says the project is, and how its output must be shaped (`Assistant.format`):

* Claude Code and Codex inject `{"hookSpecificOutput": {"hookEventName", "additionalContext"}}`
  from SessionStart/UserPromptSubmit; Gemini CLI the same from SessionStart/BeforeAgent, and
  only that JSON form (plain stdout is shown as a warning and dropped);
* a stop that should first get a log entry is `{"decision": "block", "reason": ...}` for all
  three (Claude's Stop, Codex's Stop, Gemini's AfterAgent): the reason comes back to the model
  as the next prompt, and the retry carries `stop_hook_active: true`;
* only Claude Code appends a PreCompact hook's plain stdout to the compaction instructions.

Where work happens:

* the repository top comes from the CLI's project variable (`CLAUDE_PROJECT_DIR`,
  `GEMINI_PROJECT_DIR`; Codex has none) or stdin `cwd`, walking up to `.git`;
* the config comes from `config.load_fast` (the parse cache), else from a small reader of the
  top-level scalar keys of `.sessionlog.yaml` (`_fallback_config`);
* the user comes from `identity.resolve_fast`: the order `sessionlog log` uses, with git
  config read from its files by `gitconfig` (no git process), so both name the same temp log;
* "files changed since the last entry" is a bounded walk of the work tree comparing file
  modification times with a baseline (see `changed_since`), never `git status`.

The common per-prompt case is decided by `prompt_hook` (the entry point of `sessionlog hook`),
which imports far less and hands everything else here, with stdin already read.

Whatever happens, the process exits 0; its own errors go to `.sessionlog/hook-errors.log`.
Per-session state (when it started, the last nudge, whether Stop already blocked for the
current stretch of unlogged work) lives in `.sessionlog/sessions/<session_id>.json`.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git import config as config_mod
from sessionlog_git.agents.prompt import (
    EVENT_ALIASES,
    STOP_PREFIX,
    changed_files,
    clock_text,
    context_json,
    emit,
    files_text,
    no_entry_text,
    nudge_text,
    read_stdin,
    session_key,
    sessionlog_command,
)
from sessionlog_git.base.clock import Moment
from sessionlog_git.base.clock import now as clock_now
from sessionlog_git.base.gitconfig import main_folder_name
from sessionlog_git.base.names import is_safe, slug
from sessionlog_git.config import STATE_DIR, Config
from sessionlog_git.logs import continuity

EVENTS = {
    "session-start": "SessionStart",
    "user-prompt-submit": "UserPromptSubmit",
    "stop": "Stop",
    "pre-compact": "PreCompact",
    "session-end": "SessionEnd",
}
ERROR_LOG = "hook-errors.log"
ERROR_LOG_MAX = 256 * 1024
SESSIONS_DIR = "sessions"
SESSION_KEEP_DAYS = 14
MAX_CONTEXT = 2000  # characters of SessionStart context
AUTO_TITLE = "Automatic entry: session ended without a log entry"
AUTO_FILES_SHOWN = 10


# --------------------------------------------------------------------------- the assistants


@dataclass(frozen=True)
class Output:
    """What a handler wants the assistant to get, before it is shaped for one CLI."""

    kind: str  # "context" (facts for the model), "block" (ask before stopping), "compaction"
    text: str


@dataclass(frozen=True)
class Assistant:
    """One AI CLI: its names for our events and the output shape it injects."""

    name: str  # as in `init --agent` and `hook --agent`
    label: str  # recorded with entries (meta `agent=`) and put in the reminded log command
    title: str
    project_env: str  # the variable naming the project dir ("" when the CLI sets none)
    events: dict[str, str]  # our event -> the CLI's event name
    compaction_text: bool  # plain stdout of PreCompact reaches the compaction prompt

    def format(self, event: str, out: Output | None) -> str:
        """The exact stdout this CLI turns into context or a continuation ("" for nothing)."""
        if out is None or not out.text:
            return ""
        if out.kind == "context":
            return context_json(self.events.get(event, EVENTS.get(event, event)), out.text)
        if out.kind == "block":
            return json.dumps({"decision": "block", "reason": out.text}, ensure_ascii=False)
        return out.text if self.compaction_text else ""


ASSISTANTS: dict[str, Assistant] = {
    "claude": Assistant("claude", "claude-code", "Claude Code", "CLAUDE_PROJECT_DIR", EVENTS, True),
    "codex": Assistant("codex", "codex", "Codex CLI", "", EVENTS, False),
    "gemini": Assistant(
        "gemini", "gemini", "Gemini CLI", "GEMINI_PROJECT_DIR",
        {
            "session-start": "SessionStart",
            "user-prompt-submit": "BeforeAgent",
            "stop": "AfterAgent",
            "pre-compact": "PreCompress",
            "session-end": "SessionEnd",
        },
        False,
    ),
}
# `sessionlog log --agent NAME` accepts these spellings for the same assistant.
LABEL_ALIASES = {
    **{a.name: a.label for a in ASSISTANTS.values()},
    "claude-code": "claude-code", "codex-cli": "codex", "gemini-cli": "gemini",
}
# Set by each CLI in the environment of the shell commands its model runs (verified with
# Claude Code 2.1, Codex 0.169 and Gemini CLI 0.61): `sessionlog log` without --agent uses it.
SHELL_MARKERS = (("CLAUDECODE", "claude-code"), ("CODEX_THREAD_ID", "codex"), ("GEMINI_CLI", "gemini"))


def agent_label(name: str) -> str:
    """The label recorded for an assistant name given by a person (`codex-cli` -> `codex`)."""
    key = name.strip().lower()
    return LABEL_ALIASES.get(key, key)


def detected_agent(environ: dict[str, str] | None = None) -> str:
    """The assistant whose shell runs this process, from the variables it sets; "" if none."""
    env = os.environ if environ is None else environ
    for variable, label in SHELL_MARKERS:
        if env.get(variable, "").strip() not in ("", "0"):
            return label
    return ""


# --------------------------------------------------------------------------- where and who


def find_top(data: dict[str, Any], assistant: Assistant | None = None) -> Path | None:
    """The work tree's top: the nearest folder with `.git` above the project dir or cwd."""
    env_name = (assistant or ASSISTANTS["claude"]).project_env
    starts = [os.environ.get(env_name, "") if env_name else "", str(data.get("cwd") or ""),
              os.getcwd()]
    for start in starts:
        if not start:
            continue
        here = Path(start).absolute()
        for folder in (here, *here.parents):
            if (folder / ".git").exists():
                return folder
    return None


def _scalar(text: str) -> str | None:
    """A YAML plain or quoted scalar on one line; None for anything richer."""
    value = text.strip()
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        return value[1:end] if end > 0 else None
    value = value.split(" #", 1)[0].strip()
    if value[:1] in ("[", "{", "|", ">", "&", "*", "!"):
        return None
    return value


def _fallback_config(cfg: Config) -> Config:
    """The config's simple keys read without ruamel.yaml, when the parse cache is stale."""
    try:
        text = (cfg.top / config_mod.CONFIG_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return cfg
    top_level: dict[str, str] = {}
    reminders: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        key, sep, rest = line.strip().partition(":")
        if not sep:
            continue
        value = _scalar(rest)
        if indent == 0:
            section = key
            if value is not None:
                top_level[key] = value
        elif section == "reminders" and value is not None:
            reminders[key] = value
    changes: dict[str, Any] = {}
    for key in ("project", "user"):
        if top_level.get(key) and is_safe(top_level[key]):
            changes[key] = top_level[key]
    for key in ("logs_dir", "pending_dir"):
        rel = top_level.get(key, "")
        if rel and not rel.startswith(("/", "\\")) and ".." not in PurePosixPath(rel).parts:
            changes[key] = rel
    if top_level.get("timezone"):
        from sessionlog_git.base.clock import load_zone

        try:
            load_zone(top_level["timezone"])
            changes["timezone"] = top_level["timezone"]
        except Exception:
            pass  # an unknown zone: the system zone, as `sessionlog doctor` will point out
    gap = reminders.get("gap_minutes", "")
    if gap.isdigit() and int(gap) > 0:
        changes["gap_minutes"] = int(gap)
    flag = reminders.get("stop_hook", "").lower()
    if flag in ("true", "false", "yes", "no", "on", "off"):
        changes["stop_hook"] = flag in ("true", "yes", "on")
    return replace(cfg, **changes)


def load_config(top: Path) -> Config:
    cfg, fresh = config_mod.load_fast(top, slug(main_folder_name(top), fallback="project"))
    return cfg if fresh else _fallback_config(cfg)


def resolve_user(top: Path, configured: str) -> str:
    """The user `sessionlog log` would name, without starting a process.

    `identity.resolve_fast` is the one source of that answer (same order as the CLI, git
    config read by `gitconfig`, the gh login from its cache); the lines below are the
    fallback when it fails (an unsafe SESSIONLOG_USER) or is unavailable.
    """
    from sessionlog_git.base import identity

    fast = getattr(identity, "resolve_fast", None)
    if callable(fast):
        try:
            return str(fast(top, configured)[0])
        except Exception:
            pass
    pinned = os.environ.get("SESSIONLOG_USER", "").strip()
    if pinned:
        return pinned if is_safe(pinned) else slug(pinned)
    if configured:
        return configured
    from sessionlog_git.base import gitconfig

    values = gitconfig.values(top, "github.user", "user.name")
    login = values.get("github.user", "").strip()
    if login:
        return login if is_safe(login) else slug(login)
    name = values.get("user.name", "").strip()
    if name:
        return slug(name)
    import getpass

    try:
        return slug(getpass.getuser())
    except (KeyError, OSError):
        return "unknown"


# --------------------------------------------------------------------------- state


def _session_key(data: dict[str, Any]) -> str:
    return session_key(data)


@dataclass
class Context:
    top: Path
    cfg: Config
    user: str
    now: Moment
    data: dict[str, Any]
    session: str
    assistant: Assistant = field(default_factory=lambda: ASSISTANTS["claude"])
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def log_command(self) -> str:
        """The command the model is told to run: it records which assistant logged."""
        return f"{sessionlog_command()} log --agent {self.assistant.label}"

    @property
    def state_file(self) -> Path:
        return self.cfg.state_path / SESSIONS_DIR / f"{self.session}.json"

    def load_state(self) -> None:
        try:
            loaded = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        self.state = loaded if isinstance(loaded, dict) else {}

    def save_state(self) -> None:
        from sessionlog_git.base.fsutil import atomic_write_text, ensure_state_dir

        ensure_state_dir(self.cfg.state_path)
        atomic_write_text(self.state_file, json.dumps(self.state, sort_keys=True))

    @property
    def today_file(self) -> Path:
        return continuity.today_path(self.cfg, self.user, self.now.at.date())

    @property
    def today_rel(self) -> str:
        return str(PurePosixPath(*self.today_file.relative_to(self.top).parts))

    @property
    def clock(self) -> str:
        return clock_text(self.now)

    def local(self, posix: float) -> datetime:
        return datetime.fromtimestamp(posix, tz=self.now.at.tzinfo)

    def started(self) -> float:
        """When this session's stretch of work began (POSIX time); recorded at first sight."""
        value = self.state.get("started_ts")
        if isinstance(value, (int, float)):
            return float(value)
        self.state["started_ts"] = time.time()
        self.state.setdefault("started_at", self.now.at.isoformat(timespec="seconds"))
        self.save_state()
        return float(self.state["started_ts"])


def make_context(top: Path, data: dict[str, Any], assistant: Assistant | None = None) -> Context:
    cfg = load_config(top)
    ctx = Context(
        top=top,
        cfg=cfg,
        user=resolve_user(top, cfg.user),
        now=clock_now(cfg.timezone),
        data=data,
        session=_session_key(data),
        assistant=assistant or ASSISTANTS["claude"],
    )
    ctx.load_state()
    return ctx


# --------------------------------------------------------------------------- changed files


def changed_since(ctx: Context, since: float, limit: int = 50) -> tuple[list[str], bool]:
    """Work-tree files modified after `since` (POSIX time): (up to `limit` paths, more?).

    `prompt_hook.changed_files`, skipping `.git`, the state, pending and logs folders.
    """
    cfg = ctx.cfg
    skip_paths = {
        os.path.normpath(str(p))
        for p in (ctx.top / ".git", cfg.state_path, cfg.pending_path, cfg.logs_path)
    }
    return changed_files(str(ctx.top), skip_paths, since, limit)


def _baseline(ctx: Context) -> tuple[continuity.LastEntry, float]:
    """The last entry, and since when work counts as unlogged (POSIX time)."""
    last = continuity.last_entry(ctx.cfg, ctx.user)
    return last, max(last.mark, ctx.started())


_files_text = files_text


def _last_text(last: continuity.LastEntry) -> str:
    if last.record is None:
        return "none yet"
    return f"{last.record.at:%Y-%m-%d %H:%M} \"{last.record.entry.title}\""


# --------------------------------------------------------------------------- events


def _context(text: str) -> Output:
    return Output("context", text)


def _format_lines(ctx: Context) -> list[str]:
    return [
        "Entry format: a heading `## HH:MM - Title` (local time), then `- ` bullets; the prefixes "
        "Decision:, Rejected:, Tried:, Blocked on:, Unblocked:, Next:, Summary: carry meaning.",
        f'The command `{ctx.log_command} "Title" "Decision: ... because ..."` appends '
        f"an entry with the right time, marked as written with {ctx.assistant.title}.",
    ]


def start_text(ctx: Context, source: str = "startup") -> str:
    """Where the log is, the time, the format, and where work left off (under 2,000 chars)."""
    lines = [
        f"sessionlog: this repository keeps a session log (project {ctx.cfg.project}, "
        f"user {ctx.user}).",
        f"Today's temp log: {ctx.today_rel}"
        + ("" if ctx.today_file.is_file() else " (no entries yet today)"),
        f"Local time now: {ctx.now.at:%Y-%m-%d %a} {ctx.clock}.",
        *_format_lines(ctx),
    ]
    records = continuity.recent_records(ctx.cfg)
    if source == "compact":
        try:
            since = datetime.fromisoformat(str(ctx.state.get("started_at")))
        except ValueError:
            since = ctx.local(ctx.started())
        lines.append(continuity.logged_since(ctx.cfg, ctx.user, since, records))
    left = continuity.left_off(ctx.cfg, ctx.user, records)
    lines.append(left or "No earlier session log entries in this repository.")
    text = "\n".join(lines)
    if len(text) > MAX_CONTEXT:
        text = text[: MAX_CONTEXT - 2].rsplit("\n", 1)[0] + "\n…"
    return text


def session_start(ctx: Context) -> Output | None:
    source = str(ctx.data.get("source") or "startup")
    if source != "compact":
        ctx.state["started_ts"] = time.time()
        ctx.state.setdefault("started_at", ctx.now.at.isoformat(timespec="seconds"))
        ctx.state.pop("stop_blocked", None)
        ctx.state.pop("last_nudge", None)
        ctx.save_state()
        _prune_sessions(ctx)
    return _context(start_text(ctx, source))


def user_prompt_submit(ctx: Context) -> Output | None:
    if str(ctx.data.get("prompt") or "").startswith(STOP_PREFIX):
        return None  # Gemini re-runs BeforeAgent on our own AfterAgent reason: said already
    last, since = _baseline(ctx)
    today = ctx.now.at.date()
    if last.record is None or last.record.at.date() != today:
        return _context(no_entry_text(today, ctx.today_rel, ctx.clock, ctx.log_command))
    age = (ctx.now.at - last.record.at).total_seconds() / 60
    if age < ctx.cfg.gap_minutes:
        return None
    nudged = ctx.state.get("last_nudge")
    if isinstance(nudged, (int, float)) and time.time() - nudged < ctx.cfg.gap_minutes * 60:
        return None
    files, more = changed_since(ctx, since, limit=5)
    if not files:
        return None
    ctx.state["last_nudge"] = time.time()
    ctx.save_state()
    return _context(nudge_text(last.record.at, age, _files_text(files, more), ctx.clock, ctx.today_rel))


def stop(ctx: Context) -> Output | None:
    active = ctx.data.get("stop_hook_active")
    if active is True or str(active).lower() == "true" or not ctx.cfg.stop_hook:
        return None
    last, since = _baseline(ctx)
    files, more = changed_since(ctx, since, limit=5)
    if not files:
        return None
    stretch = f"{since:.6f}"
    if ctx.state.get("stop_blocked") == stretch:
        return None  # asked once for this stretch of work
    ctx.state["stop_blocked"] = stretch
    ctx.save_state()
    reason = (
        f"{STOP_PREFIX} since the last log entry ({_last_text(last)}): "
        f"{_files_text(files, more)}, and no entry covers that work yet. Please append one to "
        f"{ctx.today_rel} (local time now {ctx.clock}) — what was done, decisions and why, what "
        f'failed, blockers, where you paused — e.g. `{ctx.log_command} "Title" '
        '"Decision: ..."`, then finish.'
    )
    return Output("block", reason)


def pre_compact(ctx: Context) -> Output | None:
    last = continuity.last_entry(ctx.cfg, ctx.user)
    return Output("compaction", (
        f"sessionlog: keep in the summary the session log path {ctx.today_rel}, the local time "
        f"zone ({ctx.now.zone}, UTC{ctx.now.offset}), the last log entry ({_last_text(last)}), "
        "and every decision (with its why), rejected alternative, failed attempt, blocker and "
        "next step from this conversation that is not in that log yet, so it can still be "
        "logged after compaction.\n"
    ))


def session_end(ctx: Context) -> Output | None:
    _, since = _baseline(ctx)
    files, more = changed_since(ctx, since, limit=200)
    if not files:
        return None
    from sessionlog_git.base import lock
    from sessionlog_git.logs import templog

    shown = _files_text(files, more, AUTO_FILES_SHOWN)
    bullets = [f"Files changed since {ctx.local(since):%Y-%m-%d %H:%M}: {shown}"]
    reason = str(ctx.data.get("reason") or "").strip()
    if reason:
        bullets.append(f"Session end reason: {reason}")
    templog.append(
        ctx.cfg.pending_path,
        ctx.cfg.state_path,
        project=ctx.cfg.project,
        user=ctx.user,
        moment=ctx.now,
        title=AUTO_TITLE,
        bullets=bullets,
        extra_meta={"auto": "session-end", "agent": ctx.assistant.label},
        lock=lock.flocked,
    )
    return None


HANDLERS: dict[str, Callable[[Context], Output | None]] = {
    "session-start": session_start,
    "user-prompt-submit": user_prompt_submit,
    "stop": stop,
    "pre-compact": pre_compact,
    "session-end": session_end,
}


def _prune_sessions(ctx: Context) -> None:
    folder = ctx.cfg.state_path / SESSIONS_DIR
    cutoff = time.time() - SESSION_KEEP_DAYS * 86400
    try:
        for entry in os.scandir(folder):
            if entry.name.endswith(".json") and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
    except OSError:
        pass


# --------------------------------------------------------------------------- entry point


_read_stdin = read_stdin


def error_log_path(top: Path | None) -> Path | None:
    return top / STATE_DIR / ERROR_LOG if top is not None else None


def _log_error(top: Path | None, event: str, exc: BaseException) -> None:
    path = error_log_path(top)
    if path is None:
        return
    try:
        from sessionlog_git.base.fsutil import ensure_state_dir

        ensure_state_dir(path.parent)
        if path.is_file() and path.stat().st_size > ERROR_LOG_MAX:
            tail = path.read_bytes()[-ERROR_LOG_MAX // 2 :]
            path.write_bytes(tail)
        import traceback

        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} sessionlog hook {event}\n{detail}")
    except BaseException:
        pass  # nowhere left to report to; the prompt must go on


def run(event: str, agent: str = "claude", data: dict[str, Any] | None = None) -> int:
    """Handle one hook event; prints what the assistant's CLI should see; always returns 0.

    `data` is the event's JSON when the caller has read stdin already (prompt_hook.run).
    """
    top: Path | None = None
    out = ""
    try:
        if data is None:
            data = _read_stdin()
        assistant = ASSISTANTS.get(agent.strip().lower() or "claude")
        top = find_top(data, assistant)
        if assistant is None:
            raise ValueError(
                f"unknown --agent {agent!r}; known: {', '.join(ASSISTANTS)}. Fix: run "
                "`sessionlog init --agent NAME` again to rewrite that assistant's hooks."
            )
        ours = EVENT_ALIASES.get(event, event)
        if ours not in HANDLERS:
            raise ValueError(
                f"unknown hook event {event!r}; known: {', '.join(HANDLERS)}. Fix: run "
                f"`sessionlog init --agent {assistant.name}` again to rewrite its hooks."
            )
        if top is not None:
            ctx = make_context(top, data, assistant)
            out = assistant.format(ours, HANDLERS[ours](ctx))
    except BaseException as exc:
        _log_error(top, event, exc)
        out = ""
    emit(out)
    return 0
