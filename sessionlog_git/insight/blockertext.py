"""The blockers report's "Closed" section, kept as text a month folder at a time.

At a million entries that section is nearly the whole report (every blocker ever closed, one
line each: tens of thousands of lines), and making a view of each blocker and laying it out
again at every run was most of the report's time. What a month folder's checkpoint closed
(`insight.blockerlog.Closings`) is fixed by its key, which names every archive file up to it,
and a closed line shows nothing that depends on the time asked at (its "after" is from the
opening to the closing). So each folder's lines are rendered once (by the same jinja2
template as the report, `reports/blockers.closed.md.j2`), kept in the state folder's cache
with the order keys of their closings, and a later run reads the text back instead: a commit
into the newest month renders only that folder's lines again.

The section lists the closings newest first (the order of `reports.blocker_report`). The kept
runs of text are laid out by their closings' order keys: a run that no other run reaches into
is copied whole; runs that interleave (several projects, an entry filed in another month's
folder) are merged line by line by the keys kept beside them. A folder some of whose blockers
are outside the report's period (`--since`, or closed after `now`) is not taken from the
cache: its blockers are laid out one by one, as are those closed by the records carried past
the last folder's edge. After a commit that only added files to a folder (its checkpoint
folded again from the commit's first entry on: `Closings.since`), the lines kept under its
key before are taken for the closings before that entry, and only the others are rendered.
Deleting the cache, or any damage to it, costs a render, never a different report.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.insight.blockerlog import Closings
from sessionlog_git.logs.model import Blocker

VERSION = 1  # the kept lines' format; the template's text is in each key too (a new line, new keys)
TEMPLATE = "reports/blockers.closed.md.j2"

Key = tuple[Any, ...]  # a closing's order key: `Record.sort_key()`


class Run:
    """Lines in the section's order (newest closing first) with each line's order key."""

    __slots__ = ("_keys", "hi", "lo", "text")

    def __init__(self, text: str, hi: Key, lo: Key, keys: Callable[[], list[Key]] | list[Key]) -> None:
        self.text, self.hi, self.lo = text, hi, lo
        self._keys = keys

    def keys(self) -> list[Key]:
        if callable(self._keys):
            self._keys = self._keys()
        return self._keys


def _ordered(blockers: Sequence[Blocker]) -> list[Blocker]:
    """Newest closing first; blockers closed by one entry in the order they were opened."""
    out = sorted(blockers, key=lambda b: (b.record.sort_key(), b.bullet.line))
    out.sort(key=lambda b: b.closed_by.sort_key() if b.closed_by else (), reverse=True)
    return out


def _lines(blockers: list[Blocker], view: Callable[[Blocker], dict[str, Any]]) -> tuple[str, list[Key]]:
    """The section's lines of `blockers` (already in order), and each line's order key."""
    from sessionlog_git.pipeline.render import render

    # As the report's own render leaves them: one line break after each line, no trailing blanks.
    text = render(TEMPLATE, closed=[view(b) for b in blockers])
    keys = [_key(b) for b in blockers]
    if text.count("\n") != len(blockers):  # a text with a line break `str.splitlines` splits on
        keys = []
        for b in blockers:
            keys += [_key(b)] * render(TEMPLATE, closed=[view(b)]).count("\n")
    return text, keys


def _key(b: Blocker) -> Key:
    assert b.closed_by is not None
    return tuple(b.closed_by.sort_key())


def _files(cache_dir: Path, project: str, month: str) -> tuple[Path, Path]:
    folder = cache_dir / project  # beside the folder's checkpoint (insight.blockerlog)
    return folder / f"{month}.closed.md", folder / f"{month}.closed.keys.json"


def _block_key(block: Closings, template: str) -> str:
    return sha256_hex("\0".join([str(VERSION), template, block.project, block.month, block.key]))


def _read(block: Closings, cache_dir: Path, key: str, *, counted: bool = True, count: int | None = None
          ) -> Run | None:
    """The folder's kept lines under `key`; `counted`: for as many blockers as `block` has
    (`count`, when given: as many as that)."""
    if count is None:
        count = len(block.blockers)
    text_file, keys_file = _files(cache_dir, block.project, block.month)
    try:
        with open(text_file, encoding="utf-8", newline="") as handle:  # the bytes as written
            head, _, body = handle.read().partition("\n")
        meta = json.loads(head)
        if not (isinstance(meta, dict) and meta.get("key") == key
                and (not counted or meta.get("count") == count)
                and meta.get("lines") == body.count("\n")):
            return None
        hi, lo = tuple(meta["hi"]), tuple(meta["lo"])
    except (OSError, ValueError, KeyError, TypeError):
        return None

    def keys() -> list[Key]:
        try:
            data = json.loads(keys_file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("key") == key and len(data["keys"]) == meta["lines"]:
                return [tuple(k) for k in data["keys"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return []  # unreadable: the caller renders the folder instead

    return Run(body, hi, lo, keys)


def _write(block: Closings, cache_dir: Path, key: str, run: Run) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    text_file, keys_file = _files(cache_dir, block.project, block.month)
    meta = {"v": VERSION, "key": key, "count": len(block.blockers), "lines": run.text.count("\n"),
            "hi": list(run.hi), "lo": list(run.lo)}
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
        atomic_write_text(keys_file, json.dumps({"key": key, "keys": run.keys()}, separators=(",", ":")))
        atomic_write_text(text_file, json.dumps(meta, separators=(",", ":")) + "\n" + run.text)


def _grown(block: Closings, cache_dir: Path, template: str, view: Callable[[Blocker], dict[str, Any]]
           ) -> Run | None:
    """The folder's lines after a commit that only added files (`block.since`): the lines
    kept under its key before, of the closings before the commit's first entry (the last
    ones: newest first), after the lines made for the closings from that entry on. None
    when the lines kept before are not there or do not add up."""
    if block.since is None:
        return None
    old_key, start = block.since
    before = block._replace(key=old_key)
    old = _read(before, cache_dir, _block_key(before, template), counted=False)
    if old is None:
        return None
    keys = old.keys()
    lines = old.text.splitlines(keepends=True)
    if len(keys) != len(lines) or "".join(lines) != old.text:
        return None
    cut = next((k for k, key in enumerate(keys) if key < start), len(keys))
    fresh = [b for b in block.blockers if _key(b) >= start]
    kept = {_key(b) for b in block.blockers if _key(b) < start}
    if set(keys[cut:]) != kept:
        return None
    made = _made(fresh, view)
    text = (made.text if made else "") + "".join(lines[cut:])
    order = (made.keys() if made else []) + keys[cut:]
    if not order:
        return None
    return Run(text, order[0], order[-1], order)


def _made(blockers: list[Blocker], view: Callable[[Blocker], dict[str, Any]]) -> Run | None:
    if not blockers:
        return None
    ordered = _ordered(blockers)
    text, keys = _lines(ordered, view)
    return Run(text, _key(ordered[0]), _key(ordered[-1]), keys)


def kept(folders: Sequence[tuple[str, str, str, int]], cache_dir: Path) -> list[Run] | None:
    """The lines kept for each month folder (project, month, key, how many it closed), for a
    report that holds no blockers of those folders (insight.blockermemo); None when one
    folder's are not kept, or their keys are unreadable where the runs interleave (the
    report is then made from its blockers)."""
    from sessionlog_git.pipeline.render import template_text

    template = template_text(TEMPLATE)
    runs: list[Run] = []
    for project, month, key, count in folders:
        if not count:
            continue
        block = Closings(project, month, key, [])
        run = _read(block, cache_dir, _block_key(block, template), count=count)
        if run is None:
            return None
        runs.append(run)
    try:
        _laid_out(list(runs))  # the keys of runs that interleave are read here, once
    except _Damaged:
        return None
    return runs


def closed_text(closed: Sequence[Blocker], blocks: Sequence[Closings],
                view: Callable[[Blocker], dict[str, Any]], cache_dir: Path | None,
                runs: Sequence[Run] = ()) -> str:
    """The "Closed" section's lines (without the last line break; "- none" when there are
    none) for `closed`, the blockers closed in the report's period, each in at most one of
    `blocks` (what each month folder closed; those closed by the last carry are in none).
    `view`: a blocker's view (`reports._blocker_view`), made only for the lines not kept;
    `cache_dir`: the reports' cache folder (none: every line is made); `runs`: the lines of
    closings not in `closed` (`kept`), laid out among theirs."""
    if not closed and not runs:
        return "- none"
    try:
        return _closed_text(closed, blocks, view, cache_dir, runs, read=True)
    except _Damaged:  # a kept run's keys are unreadable: its folder is rendered and kept again
        return _closed_text(closed, blocks, view, cache_dir, runs, read=False)


def _closed_text(closed: Sequence[Blocker], blocks: Sequence[Closings],
                 view: Callable[[Blocker], dict[str, Any]], cache_dir: Path | None, given: Sequence[Run],
                 *, read: bool) -> str:
    in_period = {id(b) for b in closed}
    from sessionlog_git.pipeline.render import template_text

    template = template_text(TEMPLATE)
    runs: list[Run] = list(given)
    kept: set[int] = set()
    for block in blocks:
        if not block.blockers:
            continue
        if cache_dir is None or not all(id(b) in in_period for b in block.blockers):
            continue
        key = _block_key(block, template)
        run = _read(block, cache_dir, key) if read else None
        if run is None:
            run = (_grown(block, cache_dir, template, view) if read else None) or _made(block.blockers, view)
            if run is None:
                continue
            _write(block, cache_dir, key, run)
        runs.append(run)
        kept.update(id(b) for b in block.blockers)
    loose = [b for b in closed if id(b) not in kept]  # laid out one by one
    extra = _made(loose, view)
    if extra is not None:
        runs.append(extra)
    return "".join(_laid_out(runs)).rstrip("\n")


def _laid_out(runs: list[Run]) -> list[str]:
    """The runs' text in the section's order: a run no other reaches into is copied whole;
    interleaving runs are merged line by line by their keys (a stable sort: no two runs hold
    the closings of one entry)."""
    runs.sort(key=lambda r: r.hi, reverse=True)
    out: list[str] = []
    i = 0
    while i < len(runs):
        group = [runs[i]]
        low = runs[i].lo
        j = i + 1
        while j < len(runs) and runs[j].hi >= low:
            group.append(runs[j])
            low = min(low, runs[j].lo)
            j += 1
        if len(group) == 1:
            out.append(group[0].text)
        else:
            lines: list[tuple[Key, str]] = []
            for run in group:
                keys = run.keys()
                texts = run.text.splitlines(keepends=True)
                if len(keys) != len(texts):
                    raise _Damaged
                lines += zip(keys, texts, strict=True)
            lines.sort(key=lambda kv: kv[0], reverse=True)
            out += [t for _, t in lines]
        i = j
    return out


class _Damaged(Exception):
    """A kept run's keys could not be read back."""
