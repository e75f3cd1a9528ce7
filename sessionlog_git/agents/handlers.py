"""The full handler of each hook event, for every assistant in the registry.

`entry` runs these when the lean per-prompt decision (`prompt`) declines, and for every
other event: session start (the context: where the log is, the time, the format, where work
left off), stop (ask for an entry when files changed and none covers them), pre-compact
(what the summary must keep), session end (an automatic entry when work went unlogged).
A handler returns `(kind, text)` or None; the assistant's row shapes it for its CLI.

Standard library only (no git process, no third-party package):

* the repository top comes from `session.find_top` (the CLI's project variable or `cwd`);
* the config comes from `config.load_fast` (the parse cache), else from a small reader of
  the top-level scalar keys of `.sessionlog.yaml` (`_fallback_config`): parsing the YAML
  itself would load ruamel.yaml, which a hook must not pay for on every prompt;
* the user comes from `identity.resolve_fast`: the order `sessionlog log` uses, with git
  config read from its files by `gitconfig` (no git process), so both name the same temp log;
* "files changed since the last entry" is `scan.changed_files`, never `git status`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sessionlog_git import config as config_mod
from sessionlog_git.agents import policy, registry, scan, session, texts
from sessionlog_git.agents.registry import Assistant
from sessionlog_git.base.clock import Moment
from sessionlog_git.base.clock import now as clock_now
from sessionlog_git.base.gitconfig import main_folder_name
from sessionlog_git.base.names import is_safe, slug
from sessionlog_git.config import Config
from sessionlog_git.constants import CONFIG_NAME
from sessionlog_git.logs import continuity

if TYPE_CHECKING:
    from sessionlog_git.logs.model import Record

SESSION_KEEP_DAYS = session.KEEP_DAYS
AUTO_FILES_SHOWN = 10

Output = tuple[str, str]  # (kind, text): see registry.Assistant.format


# --------------------------------------------------------------------------- the config


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
        text = (cfg.top / CONFIG_NAME).read_text(encoding="utf-8")
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
    return cfg.replace(**changes)


def load_config(top: Path) -> Config:
    return load_checked(top)[0]


def load_checked(top: Path) -> tuple[Config, str, str]:
    """(the config, its sha256 and one-line error when it is broken, else "", "")."""
    cfg, fresh = config_mod.load_fast(top, slug(main_folder_name(top), fallback="project"))
    if fresh:
        return cfg, "", ""
    from sessionlog_git.agents import configcheck

    sha, error = configcheck.problem(str(top))
    if not error:
        cfg, fresh = config_mod.load_fast(top, cfg.project)  # the check refreshed the cache
        if fresh:
            return cfg, "", ""
    return _fallback_config(cfg), sha, error


def resolve_user(top: Path, configured: str) -> str:
    """The user `sessionlog log` would name, without starting a process."""
    from sessionlog_git.base.identity import resolve_fast

    return resolve_fast(top, configured)[0]


# --------------------------------------------------------------------------- state


@dataclass
class Context:
    top: Path
    cfg: Config
    user: str
    now: Moment
    data: dict[str, Any]
    session: str
    assistant: Assistant = field(default_factory=lambda: registry.ASSISTANTS[registry.DEFAULT])
    state: dict[str, Any] = field(default_factory=dict)
    broken: str = ""  # the config's one-line error ("" when it parses)
    config_sha: str = ""

    @property
    def log_command(self) -> str:
        return texts.log_command(self.assistant.label, str(self.top))

    @property
    def state_file(self) -> Path:
        return Path(session.state_file(self.top, self.session))

    def load_state(self) -> None:
        self.state = session.load_state(self.state_file)

    def save_state(self) -> None:
        from sessionlog_git.base import statedir

        statedir.ensure(self.top)
        session.save_state(self.state_file, self.state)

    @property
    def today_file(self) -> Path:
        return continuity.today_path(self.cfg, self.user, self.now.at.date())

    @property
    def today_rel(self) -> str:
        from sessionlog_git.base import statedir

        return statedir.display(self.top, self.today_file)

    @property
    def clock(self) -> str:
        return texts.clock_text(self.now)

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


def make_context(top: Path, data: dict[str, Any], assistant: Assistant) -> Context:
    cfg, sha, broken = load_checked(top)
    ctx = Context(
        top=top,
        cfg=cfg,
        user=resolve_user(top, cfg.user),
        now=clock_now(cfg.timezone),
        data=data,
        session=session.session_key(data),
        assistant=assistant,
        broken=broken,
        config_sha=sha,
    )
    ctx.load_state()
    return ctx


# --------------------------------------------------------------------------- changed files


def changed_since(ctx: Context, since: float, limit: int = 50) -> tuple[list[str], bool]:
    """Work-tree files modified after `since` (POSIX time): (up to `limit` paths, more?)."""
    cfg = ctx.cfg
    skip = scan.skip_paths(str(ctx.top), cfg.pending_dir, cfg.logs_dir)
    return scan.changed_files(str(ctx.top), skip, since, limit)


def _baseline(ctx: Context) -> tuple[continuity.LastEntry, float]:
    """The last entry, and since when work counts as unlogged (POSIX time)."""
    last = continuity.last_entry(ctx.cfg, ctx.user)
    return last, max(last.mark, ctx.started())


def _last_text(last: continuity.LastEntry) -> str:
    record = last.record
    return texts.last_text(record.at if record else None, record.entry.title if record else "")


# --------------------------------------------------------------------------- events


def _from_summary(ctx: Context) -> dict[str, Any] | None:
    """The session-start summary with the pending entries folded in, when it is fresh and can
    say everything the text needs (see logs/startsummary); else None."""
    from sessionlog_git.logs import startsummary

    cfg = ctx.cfg
    summary = startsummary.read(cfg.state_path, cfg.logs_path, cfg.timezone)
    if summary is None:
        return None
    pending = [startsummary.item(r, r.source)
               for r in continuity.records(cfg, continuity.pending_files(cfg))
               if not continuity.automatic(r)]
    folded = startsummary.fold(summary, pending, archived=False)
    if folded is None or startsummary.committed_today(
            folded, ctx.user, ctx.now.at.date().isoformat()) is None:
        return None
    return folded


def _from_window(ctx: Context) -> list[Record]:
    """The archive's window and everything pending, read as before the summary existed; the
    summary is written from it on the way, so the next session start reads that instead."""
    from sessionlog_git.base.fsutil import ensure_state_dir
    from sessionlog_git.logs import startsummary

    cfg = ctx.cfg
    archived, months, mark = continuity.window_records(cfg)
    try:
        ensure_state_dir(cfg.state_path)
        startsummary.save(cfg.state_path, continuity.build_summary(cfg, archived, months, mark))
    except OSError:
        pass  # a cache: the next session start reads the window again
    from sessionlog_git.logs.model import ordered

    return ordered(continuity.records(cfg, continuity.pending_files(cfg)) + archived)


def start_text(ctx: Context, source: str = "startup") -> str:
    """Where the log is, the time, the format, and where work left off (under 2,000 chars).

    From the session-start summary and the pending temp logs; without a fresh summary, from
    the archive's last months, as `continuity` reads them (and then the summary is written)."""
    from sessionlog_git.logs import startsummary

    folded = _from_summary(ctx)
    since: datetime | None = None
    if source == "compact":
        try:
            since = datetime.fromisoformat(str(ctx.state.get("started_at")))
        except ValueError:
            since = ctx.local(ctx.started())
    if folded is not None:
        day = ctx.now.at.date().isoformat()
        committed = startsummary.committed_today(folded, ctx.user, day) or 0
        logged = (startsummary.logged_since(folded, ctx.user, since.timestamp(), f"{since:%H:%M}")
                  if since is not None else "")
        left = startsummary.left_off(folded, ctx.user)
    else:
        records = _from_window(ctx)
        committed = continuity.committed_today(ctx.cfg, ctx.user, ctx.now.at.date(), records)
        logged = (continuity.logged_since(ctx.cfg, ctx.user, since, records)
                  if since is not None else "")
        left = continuity.left_off(ctx.cfg, ctx.user, records)
    lines = [
        *texts.start_lines(ctx.cfg.project, ctx.user, ctx.today_rel, ctx.today_file.is_file(),
                           committed, ctx.now),
        *texts.format_lines(ctx.log_command, ctx.assistant.title),
    ]
    if logged:
        lines.append(logged)
    lines.append(left or texts.NO_HISTORY)
    from sessionlog_git.base import clone

    if not clone.is_set_up(ctx.top):
        lines.insert(0, clone.NOT_SET_UP)  # a fresh clone: no git hooks, no merge driver yet
    return texts.clipped_context(lines)


def session_start(ctx: Context) -> Output | None:
    source = str(ctx.data.get("source") or "startup")
    if source == "compact":  # the summary dropped the file context told so far: tell it again
        from sessionlog_git.agents.edit_context import forget_told

        if forget_told(ctx.state):
            ctx.save_state()
    known = isinstance(ctx.state.get("started_ts"), (int, float))
    if source == "clear" or not known:
        # A new session (or /clear). `-p`, `--continue` and `--resume` send the same
        # session_id, so the state of the session they continue is kept; a session first
        # seen by another hook keeps what that hook recorded (its edit-context budget).
        started = {"started_ts": time.time(), "started_at": ctx.now.at.isoformat(timespec="seconds")}
        ctx.state = started if source == "clear" else {**ctx.state, **started}
        session.prune_states(ctx.top, SESSION_KEEP_DAYS)
    said = ctx.state.get("start_said")
    now = ctx.now.at.timestamp()
    if (known and source == "resume" and isinstance(said, (int, float))
            and now - said < ctx.cfg.gap_minutes * 60):
        text = ""  # the conversation it continues holds the start context already
    elif known and source == "resume":
        text = texts.resume_text(ctx.today_rel, ctx.clock)  # ...from more than a gap ago
    else:
        text = start_text(ctx, source)
    ctx.state["start_said"] = now
    ctx.save_state()
    if ctx.broken and not _reported(ctx):
        text = _report_broken(ctx) + ("\n" + text if text else "")
    return ("context", text) if text else None


def _reported(ctx: Context) -> bool:
    return ctx.state.get("config_reported") == ctx.config_sha


def _report_broken(ctx: Context) -> str:
    ctx.state["config_reported"] = ctx.config_sha
    ctx.save_state()
    return texts.broken_config_text(ctx.broken)


def _work(ctx: Context, since: float, limit: int) -> tuple[list[str], bool]:
    """The substantial files changed since `since` (see `policy`), and whether there are more."""
    files, more = changed_since(ctx, since, limit=50)
    work = policy.substantial(files)
    return work[:limit], more or len(work) > limit


def _entry_age(ctx: Context, last: continuity.LastEntry) -> float | None:
    if last.record is None:
        return None
    return (ctx.now.at - last.record.at).total_seconds()


def user_prompt_submit(ctx: Context) -> Output | None:
    if str(ctx.data.get("prompt") or "").startswith(texts.STOP_PREFIX):
        return None  # Gemini re-runs BeforeAgent on our own AfterAgent reason: said already
    if ctx.data.get("prompt") == "":
        ctx.started()  # Qwen re-runs it with no prompt after each tool result: said already
        return None
    if ctx.broken:
        return None if _reported(ctx) else ("context", _report_broken(ctx))
    last, since = _baseline(ctx)
    age, gap = _entry_age(ctx, last), ctx.cfg.gap_minutes * 60
    if policy.fresh(age, gap):
        return None  # the log is fresh: no scan, no words
    files, more = _work(ctx, since, limit=50)
    before = dict(ctx.state)
    now = ctx.now.at.timestamp()  # the clock (SESSIONLOG_NOW pins it in tests)
    level = policy.reminder(ctx.state, files, age, gap, now, since)
    if ctx.state != before:
        ctx.save_state()
    if not level:
        return None
    seen = ctx.state.get("work_seen")
    minutes = int((now - (seen if isinstance(seen, (int, float)) else now)) / 60)
    text = texts.reminder_text(level, texts.files_text(files, more), len(files), minutes,
                               texts.last_when(last.record.at if last.record else None),
                               ctx.clock, ctx.today_rel, ctx.log_command)
    return ("context", text)


def stop(ctx: Context) -> Output | None:
    active = ctx.data.get("stop_hook_active")
    if active is True or str(active).lower() == "true" or not ctx.cfg.stop_hook or ctx.broken:
        return None
    last, since = _baseline(ctx)
    files, more = _work(ctx, since, limit=50)
    now = ctx.now.at.timestamp()  # the clock (SESSIONLOG_NOW pins it in tests)
    first = policy.oldest_mtime(str(ctx.top), files, now)
    before = dict(ctx.state)
    blocks = policy.stop_blocks(ctx.state, files, _entry_age(ctx, last),
                                ctx.cfg.gap_minutes * 60, now, since, first)
    if ctx.state != before:
        ctx.save_state()
    if not blocks:
        return None
    seen = ctx.state.get("work_seen")
    minutes = int((now - min(first, seen if isinstance(seen, (int, float)) else now)) / 60)
    reason = texts.stop_reason(texts.last_when(last.record.at if last.record else None),
                               texts.files_text(files, more), minutes, ctx.log_command)
    return ("block", reason)


def pre_compact(ctx: Context) -> Output | None:
    last = continuity.last_entry(ctx.cfg, ctx.user)
    return ("compaction", texts.compaction_text(ctx.today_rel, ctx.now, _last_text(last)))


def session_end(ctx: Context) -> Output | None:
    _, since = _baseline(ctx)
    marked = ctx.state.get("auto_ts")
    now = ctx.now.at.timestamp()  # the clock, as the other decisions (SESSIONLOG_NOW pins it)
    if isinstance(marked, (int, float)):
        if now - marked < ctx.cfg.gap_minutes * 60:
            return None  # one gap marker per gap: `claude -p` ends a session every prompt
        since = max(since, float(marked))  # this session's gap is marked already
    files, more = changed_since(ctx, since, limit=200)
    if not policy.substantial(files):
        return None
    from sessionlog_git.base import lock
    from sessionlog_git.logs import templog

    shown = texts.files_text(files, more, AUTO_FILES_SHOWN)
    reason = str(ctx.data.get("reason") or "").strip()
    templog.append(
        ctx.cfg.pending_path,
        ctx.cfg.state_path,
        project=ctx.cfg.project,
        user=ctx.user,
        moment=ctx.now,
        title=texts.AUTO_TITLE,
        bullets=texts.session_end_bullets(ctx.local(since), shown, reason),
        extra_meta={texts.AUTO_META: "session-end", "agent": ctx.assistant.label},
        lock=lock.flocked,
        top=ctx.top,
    )
    ctx.state["auto_ts"] = now
    ctx.save_state()
    return None


HANDLERS: dict[str, Callable[[Context], Output | None]] = {
    "session-start": session_start,
    "user-prompt-submit": user_prompt_submit,
    "stop": stop,
    "pre-compact": pre_compact,
    "session-end": session_end,
}


def handle(event: str, assistant: Assistant, top: Path, data: dict[str, Any]) -> str:
    """The stdout for our `event` in the work tree at `top`, shaped for `assistant`."""
    out = HANDLERS[event](make_context(top, data, assistant))
    return assistant.format(event, *out) if out else ""
