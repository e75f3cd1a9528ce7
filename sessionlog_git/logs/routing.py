"""Which project an entry belongs to: by the paths the work touched, never by its topic.

`.sessionlog.yaml` lists projects with path globs (`projects: [{name, paths}]`). Evidence,
strongest first:

1. paths the entry's text names (a token with a `/` in it, or a file that exists at the top
   level: `services/api/auth.py`, `web/`, `Makefile`), matched against the globs;
2. otherwise the work tree's changed files when the entry is logged (`git status`: staged,
   unstaged and untracked, our own files excluded).

Within the evidence used, the project matching the most distinct files wins; a tie goes to the
project listed first in `.sessionlog.yaml`. No evidence, or none matching: the default project
(`project:`). Words are never matched against project names: "fixed the api docs" routes
nowhere unless a path says so.

Globs are relative to the repository's top: `*` and `?` stay within one folder, `**` crosses
folders, a trailing `/` or a plain folder name covers everything below it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from sessionlog_git.config import Config, ProjectRoute
from sessionlog_git.constants import CONFIG_NAME

_TOKEN = re.compile(r"[A-Za-z0-9_.@+\-/]+")
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Route:
    project: str
    reason: str  # for the user: why this project


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip().lstrip("/")
    if pat.startswith("./"):
        pat = pat[2:]
    if pat.endswith("/"):
        pat += "**"
    out = []
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    body = "".join(out)
    if not _GLOB_CHARS & set(pat):
        body += "(?:/.*)?"  # a plain path covers what is below it
    return re.compile(body)


def matches(path: str, pattern: str) -> bool:
    clean = path.strip().lstrip("/")
    if clean.startswith("./"):
        clean = clean[2:]
    clean = clean.rstrip("/")
    if not clean:
        return False
    rx = _regex(pattern)
    # A folder the text names ("services/api/") counts as what is below it.
    return bool(rx.fullmatch(clean) or rx.fullmatch(clean + "/x"))


def named_paths(texts: Iterable[str], top: Path) -> list[str]:
    """Tokens of the entry's text that are paths, not words."""
    found: dict[str, None] = {}
    for text in texts:
        for token in _TOKEN.findall(text):
            token = token.strip(".,;:()[]'\"`")
            if not token or token.startswith(("http", "//")) or "://" in token:
                continue
            if "/" in token:
                if ".." in PurePosixPath(token).parts:
                    continue
                found[token] = None
            elif "." in token.strip("."):
                # a bare name counts only when it is a file at the top ("setup.py")
                try:
                    if (top / token).exists():
                        found[token] = None
                except (OSError, ValueError):
                    continue
    return list(found)


def changed_files(top: Path, cfg: Config) -> list[str]:
    """The work tree's changed files (staged, unstaged, untracked), our own files excluded."""
    from sessionlog_git import gitops

    out = gitops.run(
        "status", "--porcelain=v1", "-z", "--untracked-files=all", cwd=top, check=False,
        strip_index=True,
    )
    ours = (cfg.logs_dir.rstrip("/") + "/", cfg.pending_dir.rstrip("/") + "/", ".sessionlog/")
    files: list[str] = []
    records = out.split("\0")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if len(record) < 4:
            continue
        code, path = record[:2], record[3:]
        if "R" in code or "C" in code:
            i += 1  # the rename's source path follows
        if path == CONFIG_NAME or path.startswith(ours):
            continue
        files.append(path)
    return files


def score(files: Sequence[str], projects: Sequence[ProjectRoute]) -> list[tuple[int, int, ProjectRoute]]:
    """(distinct files matched, -position, project) for each project that matches any file."""
    out = []
    for position, project in enumerate(projects):
        hits = {f for f in files if any(matches(f, g) for g in project.paths)}
        if hits:
            out.append((len(hits), -position, project))
    return sorted(out, key=lambda t: (t[0], t[1]), reverse=True)


def route(cfg: Config, top: Path, texts: Sequence[str], changed: Sequence[str] | None = None) -> Route:
    """The project for an entry whose title and bullets are `texts`."""
    default = cfg.project
    if not cfg.projects:
        return Route(default, "the default project")
    named = named_paths(texts, top)
    ranked = score(named, cfg.projects)
    evidence = "path(s) the entry names"
    if not ranked:
        files = changed_files(top, cfg) if changed is None else list(changed)
        ranked = score(files, cfg.projects)
        evidence = "changed file(s) in the work tree"
    if not ranked:
        return Route(default, "no changed or named path matches a project's paths: the default project")
    count, _, project = ranked[0]
    tie = len(ranked) > 1 and ranked[1][0] == count
    reason = f"{count} {evidence} match {', '.join(project.paths)}"
    if tie:
        reason += f" (a tie with {ranked[1][2].name}: the project listed first wins)"
    return Route(project.name, reason)
