"""A month's master log, re-rendered only where a commit changed it.

The master log is a header (the counts) and one section per contributor, in name order; a
section depends on that contributor's records of the month alone (de-duplication never
crosses contributors). So when the file on disk is exactly what a recent render wrote, from
exactly the month's records other than this commit's, only the sections of the contributors
with new records are rendered again, and spliced between the unchanged ones; the header is
rendered from the counts. The result is byte-identical to a full render (tests compare them).

What the last renders were is kept in the ignored state folder (`cache/views/<project>/
<month>.master.json`, the last KEEP of them): for each, a digest of the text and a key naming
every archive file it was rendered from (with the time zone, the template and the package
version). A file on disk that is none of them, or from other archive files (an edit, a merge,
no cache), means a full render, so the cache only ever saves time.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.logs.model import Record

Link = Callable[[str], str]  # a record's source -> the file its [raw] link names
TEMPLATE = "master_log.md.j2"
CACHE_VERSION = 1
KEEP = 16  # renders remembered per month: a reset, an aborted commit or a branch switch away
HEADING = "## "  # a contributor's section starts with the only lines that begin with this


def render_full(project: str, month: str, records: Sequence[Record], hint: str,
                link: Link | None = None) -> str:
    return _render(project, month, records, hint, link)[0]


def _render(project: str, month: str, records: Sequence[Record], hint: str,
            link: Link | None = None) -> tuple[str, dict[str, int]]:
    """The text, and how many entries each contributor's section lists; `link` names the
    file a record's `[raw]` link points to (its pack, in a packed month)."""
    from sessionlog_git.logs import views
    from sessionlog_git.pipeline.render import render

    view = views.master_log(project, month, records, *(() if link is None else (link,)))
    counts = {c["name"]: int(c["count"]) for c in view["contributors"]}
    return render(TEMPLATE, archive_hint=hint, **view), counts


def render_month(
    project: str, month: str, records: Sequence[Record], *, hint: str, zone: str,
    current: bytes | None, new_sources: set[str], cache_dir: Path | None,
    link: Link | None = None,
) -> str:
    """The master log of `month` from `records` (that month's, of `project`, new ones
    included); `current` is the file as it is on disk (None: none), `new_sources` the archive
    files this commit adds."""
    if cache_dir is None:
        return render_full(project, month, records, hint, link)
    path = cache_dir / "views" / project / f"{month}.master.json"
    # A render is known by the files it linked: a loose file and its pack are two renders.
    sources = {r.source if link is None or link(r.source) == r.source
               else f"{r.source}>{link(r.source)}" for r in records}
    new_sources = {s for s in sources if s.partition(">")[0] in new_sources}
    renders = _load(path)
    spliced = None
    if current is not None and new_sources & sources:
        known = _find(renders, sha256_hex(current), _key(project, month, zone, sources - new_sources))
        if known is not None:
            fresh = {s.partition(">")[0] for s in new_sources}
            changed = {r.user for r in records if r.source in fresh}
            spliced = _splice(project, month, current.decode("utf-8", "replace"), records, changed,
                              known, hint, link)
    text, counts = spliced or _render(project, month, records, hint, link)
    digest = sha256_hex(text.encode())
    entry = {"digest": digest, "key": _key(project, month, zone, sources), "counts": counts}
    kept = [r for r in renders if r.get("digest") != digest][-(KEEP - 1):]
    _save(path, {"v": CACHE_VERSION, "renders": [*kept, entry]})
    return text


def _find(renders: list[dict[str, Any]], digest: str, key: str) -> dict[str, Any] | None:
    """The counts of the render whose text has `digest` and came from the archive files `key`
    names (None: not one of the renders kept)."""
    for render in reversed(renders):
        counts = render.get("counts")
        if render.get("digest") == digest and render.get("key") == key and isinstance(counts, dict):
            return dict(counts)
    return None


def _splice(
    project: str, month: str, old: str, records: Sequence[Record], changed: set[str],
    counts: dict[str, Any], hint: str, link: Link | None = None,
) -> tuple[str, dict[str, int]] | None:
    """The new text from the old one and fresh sections for `changed` (None: cannot splice)."""
    from sessionlog_git.pipeline.render import render

    _, sections = _split(old)
    if set(sections) != set(counts):
        return None
    for user in sorted(changed):
        one, fresh_counts = _render(project, month, [r for r in records if r.user == user], hint,
                                    link)
        _, fresh = _split(one)
        if list(fresh) != [user] or list(fresh_counts) != [user]:
            return None
        sections[user] = fresh[user]
        counts[user] = fresh_counts[user]
    users = sorted(sections)
    head = render(TEMPLATE, archive_hint=hint, project=project, month=month,
                  total=sum(int(counts[u]) for u in users),
                  contributors=[{"name": u, "days": [], "count": counts[u]} for u in users])
    header, _ = _split(head)
    # Each section ends with its last line: one blank line separates it from the next.
    return header + "\n".join(sections[u] for u in users), {u: int(counts[u]) for u in users}


def _split(text: str) -> tuple[str, dict[str, str]]:
    """(everything before the first section, {contributor: section text}); each section ends
    with one newline and no blank line after it."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(HEADING)]
    if not starts:
        return text, {}
    header = "\n".join(lines[: starts[0]]) + "\n"
    sections: dict[str, str] = {}
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        name = lines[a][len(HEADING):]
        sections[name] = "\n".join(lines[a:b]).rstrip("\n") + "\n"
    return header, sections


def _key(project: str, month: str, zone: str, sources: Iterable[str]) -> str:
    return sha256_hex("\n".join([_code(), project, month, zone, *sorted(sources)]))


@cache
def _code() -> str:
    """What else a render depends on: the package version and the template."""
    from sessionlog_git import __version__
    from sessionlog_git.pipeline.render import template_text

    return f"{CACHE_VERSION}\n{__version__}\n{sha256_hex(template_text(TEMPLATE).encode())}"


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("v") != CACHE_VERSION:
        return []
    renders = data.get("renders")
    return [r for r in renders if isinstance(r, dict)] if isinstance(renders, list) else []


def _save(path: Path, data: dict[str, Any]) -> None:
    """Atomic (a temp file renamed over it) but not synced: a cache lost to a crash is a miss,
    so it is not worth an fsync at every commit. One that cannot be written is only slower."""
    import os

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
