"""When a hook speaks: "progressive, not nagging", decided from plain facts.

The written policy (README, "When the hooks speak"):

* session start speaks once (where work left off, how to log, what is not worth logging);
* the per-prompt hook is silent while the log is fresh (an entry within the gap) and while
  there is no substantial work to log. It reminds once when there is; after that only when a
  whole gap has passed since its last reminder AND the work has grown, each time with new
  text (the minutes and files unlogged), never the same sentence every prompt;
* Stop blocks only when substantial work has gone unlogged for longer than the gap: never
  within the gap after an entry, at most once per gap, never when the CLI is already
  continuing after a block (Codex and Gemini have no loop cap).

"Substantial" is judged from file names and modification times alone (no git on the hook
path): a changed file counts unless it is trivial, that is documentation (`docs/`, `doc/`,
`*.md`, `*.rst`, `*.txt`, `*.adoc`) or a dependency lock file (`*.lock`, `package-lock.json`,
`go.sum`, ...). Whitespace-only edits of code cannot be told apart without a diff: the
wording leaves it to the model to finish without an entry when the work was trivial.

Runs on every prompt: standard library only; the state is the session's plain dict.
"""
from __future__ import annotations

import os

TRIVIAL_DIRS = ("docs/", "doc/")
TRIVIAL_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".lock")
LOCK_FILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "go.sum",
    "poetry.lock", "uv.lock", "Pipfile.lock", "Cargo.lock", "Gemfile.lock", "composer.lock",
    "flake.lock", "bun.lockb", "mix.lock", "pubspec.lock", "packages.lock.json",
})
# Per-stretch keys: a stretch is the work since the last real entry (or the session's start).
_STRETCH_KEYS = ("reminders", "reminded_ts", "reminded_files", "work_seen")


def trivial(path: str) -> bool:
    """A changed file that never calls for a log entry by itself (POSIX path, relative)."""
    name = path.rsplit("/", 1)[-1]
    return (path.startswith(TRIVIAL_DIRS) or "/docs/" in path or name in LOCK_FILES
            or name.lower().endswith(TRIVIAL_SUFFIXES))


def substantial(files: list[str]) -> list[str]:
    """The changed files that count as work worth an entry."""
    return [f for f in files if not trivial(f)]


def fresh(entry_age: float | None, gap: float) -> bool:
    """The log is fresh: the last real entry is less than a gap old (hooks stay silent)."""
    return entry_age is not None and entry_age < gap


def _number(state: dict[str, object], key: str) -> float | None:
    value = state.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _stretch(state: dict[str, object], baseline: float) -> None:
    """Start a new stretch (forget its reminders) when the baseline moved: an entry came."""
    key = f"{baseline:.6f}"
    if state.get("stretch") != key:
        for name in _STRETCH_KEYS:
            state.pop(name, None)
        state["stretch"] = key


def reminder(state: dict[str, object], files: list[str], entry_age: float | None, gap: float,
             now: float, baseline: float) -> int:
    """The per-prompt reminder's level (0: stay silent, 1: the first, 2+: escalations).

    `files`: the substantial files changed since `baseline` (POSIX time: the later of the last
    real entry and the session's start); `entry_age`: seconds since the last real entry (None
    for none); `gap` in seconds; `now` POSIX time. Updates `state` (the caller saves it when
    it changed).
    """
    if fresh(entry_age, gap) or not files:
        return 0
    _stretch(state, baseline)
    state.setdefault("work_seen", now)
    count = int(_number(state, "reminders") or 0)
    if count:
        if now - (_number(state, "reminded_ts") or 0.0) < gap:
            return 0  # reminded within this gap
        if len(files) <= int(_number(state, "reminded_files") or 0):
            return 0  # no more work than when reminded
    state["reminders"] = count + 1
    state["reminded_ts"] = now
    state["reminded_files"] = len(files)
    return count + 1


def oldest_mtime(top: str, files: list[str], default: float) -> float:
    out = default
    for rel in files:
        try:
            out = min(out, os.stat(os.path.join(top, rel)).st_mtime)
        except OSError:
            continue
    return out


def stop_blocks(state: dict[str, object], files: list[str], entry_age: float | None, gap: float,
                now: float, baseline: float, first_change: float) -> bool:
    """Whether Stop asks for an entry; updates `state` (the caller saves it).

    `first_change`: the oldest modification time among `files` (POSIX time). The work counts
    as unlogged since the earlier of that and when a hook first saw it.
    """
    if not files:
        return False
    _stretch(state, baseline)
    seen = _number(state, "work_seen")
    if seen is None:
        state["work_seen"] = seen = now
    if entry_age is not None and entry_age < gap:
        return False  # never within the gap after an entry
    if now - min(seen, first_change) < gap:
        return False  # not unlogged for a whole gap yet
    blocked = _number(state, "stop_ts")
    if blocked is not None and now - blocked < gap:
        return False  # at most once per gap
    state["stop_ts"] = now
    return True
