"""`.sessionlog.yaml`: defaults, validation with key paths and lines, and a parse cache.

The parse cache (`.sessionlog/config.json`, keyed by the file's hash) lets the paths that
run often (agent hooks, a commit with nothing pending) read the config without ruamel.yaml.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git.base import configcache, statedir
from sessionlog_git.base.names import check_name
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.constants import CONFIG_CACHE as CACHE_NAME
from sessionlog_git.constants import (
    CONFIG_NAME,
    DEFAULT_GAP_MINUTES,
    DEFAULT_LOGS_DIR,
    DEFAULT_PENDING_DIR,
)
from sessionlog_git.constants import DEFAULTS as _DEFAULTS
from sessionlog_git.errors import ConfigError

__all__ = ["DEFAULTS", "Config", "ProjectRoute", "load"]

CACHE_VERSION = configcache.CACHE_VERSION
DEFAULTS: dict[str, Any] = _DEFAULTS  # typed for the validation below
REDACTION = ("redact", "block", "off")


class ProjectRoute:
    """A project of a repository that holds several: its name and the paths that are its own.

    Plain classes here (equal and hashed by their fields, never changed after they are made):
    a dataclass costs its generated methods' compile at every hook process's start."""

    __slots__ = ("name", "paths")

    def __init__(self, name: str, paths: tuple[str, ...]) -> None:
        self.name = name
        self.paths = paths

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProjectRoute):
            return NotImplemented
        return (self.name, self.paths) == (other.name, other.paths)

    def __hash__(self) -> int:
        return hash((self.name, self.paths))

    def __repr__(self) -> str:
        return f"ProjectRoute(name={self.name!r}, paths={self.paths!r})"


class Config:
    """A repository's settings as read from its config file, with the defaults filled in."""

    # Its fields in the order `__init__` takes them (what `replace`, `==` and `repr` go by).
    _FIELDS = ("top", "project", "logs_dir", "pending_dir", "timezone", "user", "gap_minutes",
               "stop_hook", "redaction", "projects", "push_fix", "exists")
    __slots__ = _FIELDS

    def __init__(self, top: Path, project: str, logs_dir: str = DEFAULT_LOGS_DIR,
                 pending_dir: str = DEFAULT_PENDING_DIR, timezone: str = "", user: str = "",
                 gap_minutes: int = DEFAULT_GAP_MINUTES, stop_hook: bool = True,
                 redaction: str = "redact", projects: tuple[ProjectRoute, ...] = (),
                 push_fix: bool = False, exists: bool = False) -> None:
        self.top = top  # the work tree's top level
        self.project = project
        self.logs_dir = logs_dir
        self.pending_dir = pending_dir
        self.timezone = timezone
        self.user = user
        self.gap_minutes = gap_minutes
        self.stop_hook = stop_hook
        self.redaction = redaction
        self.projects = projects
        self.push_fix = push_fix  # the pre-push guard commits pending logs itself (then: push again)
        self.exists = exists  # whether .sessionlog.yaml was found

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in Config._FIELDS)

    def replace(self, **changes: Any) -> Config:
        """A copy with `changes` (field names) made."""
        values = dict(zip(Config._FIELDS, self._fields(), strict=True))
        values.update(changes)
        return Config(**values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        pairs = zip(Config._FIELDS, self._fields(), strict=True)
        shown = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"Config({shown})"

    @property
    def state_path(self) -> Path:
        return Path(statedir.folder(self.top))

    @property
    def pending_path(self) -> Path:
        return Path(statedir.resolve(self.top, self.pending_dir))

    @property
    def logs_path(self) -> Path:
        return self.top / self.logs_dir


def config_path(top: Path) -> Path:
    return top / CONFIG_NAME


def load(top: Path, default_project: str) -> Config:
    """Read the config of the work tree at `top`; defaults when there is none."""
    path = config_path(top)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _build(top, copy.deepcopy(DEFAULTS), default_project, exists=False)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror})") from None
    digest = sha256_hex(raw)
    data = configcache.cached(top, digest)
    if data is None:
        data = parse_yaml(raw, path)
        _write_cache(top, digest, data)
    return _build(top, data, default_project, exists=True)


def load_fast(top: Path, default_project: str) -> tuple[Config, bool]:
    """For the agent hooks (standard library only): the cached parse, never ruamel.yaml.

    Returns (config, fresh). When the cache is missing or older than the file, the
    defaults are used and `fresh` is False; any other sessionlog command refreshes it.
    """
    path = config_path(top)
    try:
        raw = path.read_bytes()
    except OSError:
        return _build(top, copy.deepcopy(DEFAULTS), default_project, exists=False), True
    data = configcache.cached(top, sha256_hex(raw))
    if data is None:
        return _build(top, copy.deepcopy(DEFAULTS), default_project, exists=True), False
    return _build(top, data, default_project, exists=True), True


def _cache_file(top: Path) -> Path:
    return Path(statedir.folder(top)) / CACHE_NAME


def _write_cache(top: Path, digest: str, data: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    try:
        statedir.ensure(top)
        payload = {"version": CACHE_VERSION, "sha256": digest, "config": data}
        atomic_write_text(_cache_file(top), json.dumps(payload, sort_keys=True))
    except OSError:
        pass  # a cache is an optimisation; the next run parses again


def parse_yaml(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse and validate; errors name the key path, the line and the fix."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: byte {exc.start} is not UTF-8. Fix: save the file as UTF-8."
        ) from None
    try:
        doc = YAML(typ="rt").load(text)
    except RecursionError:
        raise ConfigError(
            f"{path}: nested too deeply to read (thousands of levels of lists or mappings). "
            "Fix: the config is a flat mapping of a few keys; start again from "
            "`sessionlog init --dry-run`'s defaults."
        ) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{path}:{where}: not valid YAML ({problem}). Fix: correct the syntax there."
        ) from None
    if doc is None:
        return copy.deepcopy(DEFAULTS)
    return _validate(doc, path)


def _line(node: Any, key: Any = None) -> str:
    lc = getattr(node, "lc", None)
    if lc is None:
        return ""
    try:
        line = lc.key(key)[0] if key is not None else lc.line
    except (KeyError, TypeError, AttributeError):
        line = lc.line
    return f" line {line + 1}"


def _fail(path: Path, node: Any, key: Any, key_path: str, message: str, fix: str) -> ConfigError:
    return ConfigError(f"{path}:{_line(node, key)}: `{key_path}` {message}. Fix: {fix}.")


def _check_keys(path: Path, node: Any, allowed: dict[str, Any], prefix: str) -> None:
    for key in node:
        if key not in allowed:
            import difflib  # only for a mistake's message: not on the hooks' path

            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(allowed)}"
            raise _fail(
                path, node, key, f"{prefix}{key}", f"is not a known key ({hint})",
                "remove it or correct its spelling",
            )


def _validate(doc: Any, path: Path) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ConfigError(
            f"{path}: the config must be a mapping of keys to values, not a "
            f"{type(doc).__name__}. Fix: start from `sessionlog init --dry-run`'s defaults."
        )
    _check_keys(path, doc, DEFAULTS, "")
    out = copy.deepcopy(DEFAULTS)
    for key in ("project", "logs_dir", "pending_dir", "timezone", "user", "redaction"):
        if key not in doc:
            continue
        value = doc[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise _fail(path, doc, key, key, f"must be text, got {value!r}", f"write `{key}: \"...\"`")
        bad = next((c for c in value if ord(c) < 32 and c not in " \t"), None)
        if bad is not None and key in ("logs_dir", "pending_dir", "timezone", "redaction"):
            raise _fail(path, doc, key, key, f"contains a control character ({bad!r}), which no "
                        "path or name may hold", f"remove it: write e.g. `{key}: "
                        f"{DEFAULTS[key] or 'Europe/Berlin'}`")
        out[key] = value.strip()
    for key in ("logs_dir", "pending_dir"):
        rel = out[key]
        parts = PurePosixPath(rel).parts
        if not rel or rel.startswith(("/", "\\")) or ".." in parts or ":" in rel:
            raise _fail(
                path, doc, key, key, f"must be a relative folder inside the repository, got {rel!r}",
                f"use e.g. `{key}: {DEFAULTS[key]}`",
            )
        # One spelling of a folder (`./notes/` is `notes`): paths the commit compares by text
        # (staged files against the logs folder) then match.
        out[key] = str(PurePosixPath(rel))
    if out["redaction"] not in REDACTION:
        raise _fail(
            path, doc, "redaction", "redaction", f"must be one of {', '.join(REDACTION)}, got "
            f"{out['redaction']!r}", "write `redaction: redact`",
        )
    for key in ("project", "user"):
        if out[key]:
            try:
                check_name(out[key], what=key, source=f"{path}:{_line(doc, key)}")
            except Exception as exc:
                raise ConfigError(str(exc)) from None
    if out["timezone"]:
        from sessionlog_git.base.clock import load_zone

        try:
            load_zone(out["timezone"])
        except Exception:
            raise _fail(
                path, doc, "timezone", "timezone", f"is not a known IANA zone: {out['timezone']!r}",
                "use a name like `Europe/Berlin`, or leave it empty for the system zone",
            ) from None
    if "reminders" in doc and doc["reminders"] is not None:
        rem = doc["reminders"]
        if not isinstance(rem, dict):
            raise _fail(path, doc, "reminders", "reminders", "must be a mapping", "see the defaults")
        _check_keys(path, rem, DEFAULTS["reminders"], "reminders.")
        if "gap_minutes" in rem:
            gap = rem["gap_minutes"]
            if isinstance(gap, bool) or not isinstance(gap, int) or gap < 1:
                raise _fail(
                    path, rem, "gap_minutes", "reminders.gap_minutes",
                    f"must be a whole number of minutes (1 or more), got {gap!r}",
                    f"write e.g. `gap_minutes: {DEFAULT_GAP_MINUTES}`",
                )
            out["reminders"]["gap_minutes"] = int(gap)
        if "stop_hook" in rem:
            flag = rem["stop_hook"]
            if not isinstance(flag, bool):
                raise _fail(
                    path, rem, "stop_hook", "reminders.stop_hook", f"must be true or false, got {flag!r}",
                    "write `stop_hook: true` or `stop_hook: false`",
                )
            out["reminders"]["stop_hook"] = flag
    if "projects" in doc and doc["projects"] is not None:
        out["projects"] = _validate_projects(doc["projects"], doc, path)
    if "push_fix" in doc and doc["push_fix"] is not None:
        if not isinstance(doc["push_fix"], bool):
            raise _fail(path, doc, "push_fix", "push_fix", f"must be true or false, got {doc['push_fix']!r}",
                        "write `push_fix: true` or `push_fix: false`")
        out["push_fix"] = doc["push_fix"]
    return out


def _validate_projects(node: Any, doc: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(node, list):
        raise _fail(
            path, doc, "projects", "projects", "must be a list of {name, paths}",
            "write `projects: [{name: api, paths: ['services/api/**']}]`",
        )
    out: list[dict[str, Any]] = []
    for i, item in enumerate(node):
        where = f"projects[{i}]"
        if not isinstance(item, dict):
            raise _fail(path, node, None, where, "must be a mapping with `name` and `paths`",
                        "write `- {name: api, paths: ['services/api/**']}`")
        _check_keys(path, item, {"name": "", "paths": []}, f"{where}.")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(path, item, "name", f"{where}.name", "must be a non-empty name", "add `name: ...`")
        try:
            check_name(name, what="project", source=f"{path}:{_line(item, 'name')}")
        except Exception as exc:
            raise ConfigError(str(exc)) from None
        globs = item.get("paths", [])
        if isinstance(globs, str):
            globs = [globs]
        if not isinstance(globs, list) or not all(isinstance(g, str) and g for g in globs):
            raise _fail(path, item, "paths", f"{where}.paths", "must be a list of path globs",
                        "write `paths: ['src/api/**']`")
        out.append({"name": name, "paths": [str(g) for g in globs]})
    return out


def _build(top: Path, data: dict[str, Any], default_project: str, *, exists: bool) -> Config:
    reminders = data.get("reminders") or {}
    return Config(
        top=top,
        project=data.get("project") or default_project,
        logs_dir=data.get("logs_dir") or DEFAULT_LOGS_DIR,
        pending_dir=data.get("pending_dir") or DEFAULT_PENDING_DIR,
        timezone=data.get("timezone") or "",
        user=data.get("user") or "",
        gap_minutes=int(reminders.get("gap_minutes", DEFAULT_GAP_MINUTES)),
        stop_hook=bool(reminders.get("stop_hook", True)),
        redaction=data.get("redaction") or "redact",
        projects=tuple(ProjectRoute(p["name"], tuple(p["paths"])) for p in data.get("projects", [])),
        push_fix=bool(data.get("push_fix", False)),
        exists=exists,
    )
