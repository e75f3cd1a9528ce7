"""The blockers report as it stands at the start of the newest month folder, kept: a report
folds only what came after it.

At a million entries the report read every blocker of the history at every run (the month
checkpoints of insight.blockerlog: 80,000 blockers and their closings), though all but the
newest month's are the same from run to run. What the report shows of them is kept instead
(`blockers.memo.json` beside the checkpoints): each recurring group's line so far
(`recurring.Summary`), the blockers still open at that point and their groups, how many were
closed and which month folders' kept "Closed" lines (insight.blockertext) show them, and the
recurring grouper as it stood after them (`blockers.memo.grouper.json`). Its key names every
project's archive files up to the month before the newest month folder of any project (the
checkpoints' keys): a commit into the newest month leaves it as it is; a file added to an
older month, or a new month folder, makes it again, from the checkpoints.

A report (`fold`) then reads the memo, the checkpoint of the month before the newest and the
newest month's own (folded from a commit's first new entry on, as before), groups the newest
blockers onto the kept grouper (their groups kept between runs, `blockers.memo.homes.json`),
folds them and the newest closings into the kept lines, and lays the newest closings' lines
before the kept ones. That is the report the whole fold gives whenever every record of the
newest folders comes after every record the memo holds, and no record it holds is after the
time asked at; else (an entry filed in an older month's folder, a report asked for the past)
`fold` gives None and the whole fold is read, as it is for `--since`, JSON and HTML. Deleting
the memo, or any damage to it, costs the whole fold, never a different report.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.config import Config
from sessionlog_git.insight import blockerlog, blockertext
from sessionlog_git.insight import recurring as recurring_cache
from sessionlog_git.insight.blockerlog import Closings
from sessionlog_git.insight.similar import Grouper
from sessionlog_git.logs import layout
from sessionlog_git.logs.model import Blocker

VERSION = 1
FILE = "blockers.memo.json"
GROUPER = "blockers.memo.grouper.json"
HOMES = "blockers.memo.homes.json"


class Part(NamedTuple):
    """A blockers report's parts, from the memo and the newest folders."""

    found: list[Blocker]  # open at the memo's point, or opened since, up to now; in the report's order
    closings: list[Closings]  # what each newest folder closed
    runs: list[blockertext.Run]  # the kept "Closed" lines of the memo's folders
    closed: int  # how many blockers the memo's folders closed
    recurring: list[dict[str, Any]]  # the recurring groups' lines
    entries: int  # archived entries


class _Memo(NamedTuple):
    key: str
    hi: tuple[Any, ...]  # the order key of the last record it holds (a blocker's or a closing's)
    upto: float | None  # the latest time of those records
    blockers: int
    closed: int
    folders: list[tuple[str, str, str, int]]  # (project, month, key, how many it closed)
    open: list[tuple[str, int, int]]  # (project, number, group) of each blocker open at its end
    groups: list[list[Any]]  # each group's `Summary.state`, by group number


def _order(b: Blocker) -> tuple[Any, ...]:
    return (b.record.sort_key(), b.bullet.line)


def fold(cfg: Config, now: datetime, threshold: float, view: Callable[[Blocker], dict[str, Any]]
         ) -> Part | None:
    """The report's parts at `now`, from the memo (made when missing or stale); None when the
    whole fold must be read instead (see above). `threshold`: the recurring groups'
    similarity; `view`: a blocker's view (`reports._blocker_view`), for the "Closed" lines
    of the memo's folders when they are not kept yet."""
    projects = layout.archive_projects(cfg.logs_path)
    months = {p: layout.archive_months(cfg.logs_path, p) for p in projects}
    newest = max((m[-1] for m in months.values() if m), default="")
    if not newest:
        return None
    folder = cfg.state_path / "cache" / "reports"
    points = {p: blockerlog.checkpoints(cfg, p, since=newest) for p in projects}
    key = sha256_hex("\0".join([str(VERSION), repr(threshold), newest,
                                *(f"{p}\0{points[p][0].month}\0{points[p][0].key}" for p in projects)]))
    found: list[Blocker] = []
    fresh: list[Blocker] = []
    closings: list[Closings] = []
    held: dict[tuple[str, int], Blocker] = {}
    entries = 0
    for p in projects:
        before, *after = points[p]
        numbers = {id(b): n for n, b in before.open}
        mine, count = blockerlog.blockers_after(after, now, closings, p, before=before)
        entries += count
        for b in mine:
            n = numbers.get(id(b))
            if n is None:
                fresh.append(b)
            else:
                held[p, n] = b
        found += mine
    found.sort(key=_order)
    fresh.sort(key=_order)
    texts = [b.bullet.body for b in fresh]
    memo = _read(folder / FILE, key)
    homes: list[int] | None = None
    if memo is None:
        made = _build(cfg, projects, months, newest, key, threshold, folder, found, fresh, view)
        if made is None:
            return None
        memo, homes = made
    if not _after_memo(memo, held, found, fresh, now):
        return None
    runs = blockertext.kept(memo.folders, folder)
    if runs is None:
        return None
    if homes is None:
        homes = _homes(folder, memo, texts)
        if homes is None:
            return None
    touched: dict[int, recurring_cache.Summary] = {}

    def group(home: int) -> recurring_cache.Summary:
        made = touched.get(home)
        if made is None:
            made = touched[home] = (recurring_cache.Summary.restored(memo.groups[home])
                                    if home < len(memo.groups) else recurring_cache.Summary())
        return made

    try:
        for p, n, home in memo.open:  # closed since: before any blocker added after the memo
            closer = held[p, n].closed_by
            if closer is not None:
                group(home).close(closer.at)
        for b, home in zip(fresh, homes, strict=True):
            group(home).add(b)
        lines = recurring_cache.lines([*touched.values(), *(
            recurring_cache.Summary.restored(state) for home, state in enumerate(memo.groups)
            if home not in touched and state[0] > 1)])
    except (ValueError, TypeError, IndexError):  # a damaged memo: the whole fold
        return None
    return Part(found, closings, runs, memo.closed, lines, entries)


def _after_memo(memo: _Memo, held: dict[tuple[str, int], Blocker], found: list[Blocker],
                fresh: list[Blocker], now: datetime) -> bool:
    """Whether the newest folders' blockers (`found`: those open at the memo's point, `held`
    by project and number, and `fresh`: those opened since) go on from `memo` as the whole
    fold does: the same blockers open at its point, every record of theirs after every
    record it holds, and none it holds after `now`."""
    if {(p, n) for p, n, _ in memo.open} != held.keys() \
            or (memo.upto is not None and now.timestamp() < memo.upto):
        return False
    return _later(memo.hi, found, fresh)


def _later(hi: tuple[Any, ...], found: list[Blocker], fresh: list[Blocker]) -> bool:
    """Whether every record of the newest folders' blockers (opened or closed) comes after
    `hi`, the order key of the last record the memo holds."""
    return not (any(b.record.sort_key() <= hi for b in fresh)
                or any(b.closed_by is not None and b.closed_by.sort_key() <= hi for b in found))


def _build(cfg: Config, projects: list[str], months: dict[str, list[str]], newest: str, key: str,
           threshold: float, folder: Path, found: list[Blocker], fresh: list[Blocker],
           view: Callable[[Blocker], dict[str, Any]]) -> tuple[_Memo, list[int]] | None:
    """The memo of every project's folders before `newest`, from their checkpoints, kept
    with the grouper after its blockers; and the groups of the `fresh` blockers after them
    (`found`: those and the ones open at its point, as `fold` folds them). The groups come
    from the whole history's (insight.recurring, as the whole fold keeps them); the "Closed"
    lines of its folders are made (`view`) where not kept yet (insight.blockertext). None, and
    nothing kept, when the newest folders' records do not all come after its (`_later`)."""
    held: list[Blocker] = []
    still: dict[int, tuple[str, int]] = {}  # id(blocker) -> (project, number)
    folders: list[tuple[str, str, str, int]] = []
    blocks: list[Closings] = []
    keys: list[tuple[Any, ...]] = []
    for p in projects:
        earlier = [m for m in months[p] if m < newest]
        if not earlier:
            continue
        points = blockerlog.checkpoints(cfg, p, upto=earlier[-1])
        mine: dict[int, Blocker] = {}
        for point in points:
            mine.update(enumerate(point.opened, point.first))
        for point in points:
            for n, record, bullet in point.closed:
                mine[n].closed_by, mine[n].closing = record, bullet
                keys.append(record.sort_key())
            folders.append((p, point.month, point.key, len(point.closed)))
            blocks.append(Closings(p, point.month, point.key, [mine[n] for n, _, _ in point.closed],
                                   point.grown_from))
        still.update((id(mine[n]), (p, n)) for n, _ in points[-1].open)
        held += mine.values()
    held.sort(key=_order)
    keys += (b.record.sort_key() for b in held)
    hi = max(keys, default=())
    if not _later(hi, found, fresh):
        return None
    texts = [b.bullet.body for b in held]
    fresh_texts = [b.bullet.body for b in fresh]
    every = recurring_cache.homes([*texts, *fresh_texts], threshold, folder / "recurring.json")
    homes, fresh_homes = every[:len(texts)], every[len(texts):]
    grouper = Grouper(threshold)
    grouper.prepare(texts)
    groups = [recurring_cache.Summary() for _ in range(max(homes, default=-1) + 1)]
    for b, text, home in zip(held, texts, homes, strict=True):
        grouper.replay(text, home)
        groups[home].add(b)
    memo = _Memo(key, hi, max((k[0] for k in keys), default=None), len(held),
                 sum(f[3] for f in folders), folders,
                 [(*still[id(b)], home) for b, home in zip(held, homes, strict=True) if id(b) in still],
                 [g.state() for g in groups])
    _write(folder / FILE, {"v": VERSION, "key": key, "hi": list(memo.hi), "upto": memo.upto,
                           "blockers": memo.blockers, "closed": memo.closed,
                           "folders": [list(f) for f in folders], "open": [list(o) for o in memo.open],
                           "groups": memo.groups})
    _write(folder / GROUPER, {"v": VERSION, "key": key, "grouper": grouper.state()})
    if blockertext.kept(folders, folder) is None:  # made and kept as the whole fold makes them
        blockertext.closed_text([b for b in held if b.closed_by is not None], blocks, view, folder)
    _write(folder / HOMES, {"v": VERSION, "key": key, "texts": fresh_texts, "homes": fresh_homes})
    return memo, fresh_homes


def _read(path: Path, key: str) -> _Memo | None:
    data = _load(path)
    if not (isinstance(data, dict) and data.get("v") == VERSION and data.get("key") == key):
        return None
    try:
        upto = data["upto"]
        folders = [(str(p), str(m), str(k), int(c)) for p, m, k, c in data["folders"]]
        return _Memo(key, tuple(data["hi"]), None if upto is None else float(upto), int(data["blockers"]),
                     int(data["closed"]), folders, [(str(p), int(n), int(h)) for p, n, h in data["open"]],
                     list(data["groups"]))
    except (KeyError, TypeError, ValueError):
        return None


def _homes(folder: Path, memo: _Memo, texts: list[str]) -> list[int] | None:
    """The group of each of `texts` (the blockers after the memo's, in order), as the whole
    history's grouping gives them: kept from the last run as far as its texts are the same,
    the rest grouped onto the memo's grouper, restored from its file (only the rows the texts
    to group can reach: `Grouper.prefix_words`)."""
    kept = _load(folder / HOMES)
    old_texts: list[Any] = []
    old_homes: list[Any] = []
    if isinstance(kept, dict) and kept.get("v") == VERSION and kept.get("key") == memo.key \
            and isinstance(kept.get("texts"), list) and isinstance(kept.get("homes"), list) \
            and len(kept["texts"]) == len(kept["homes"]):
        old_texts, old_homes = kept["texts"], kept["homes"]
    same = 0
    for old, new in zip(old_texts, texts, strict=False):
        if old != new or not isinstance(old_homes[same], int):
            break
        same += 1
    if same == len(texts):
        return list(old_homes[:same])
    state = _load(folder / GROUPER)
    if not (isinstance(state, dict) and state.get("v") == VERSION and state.get("key") == memo.key):
        return None
    only = Grouper.prefix_words(state.get("grouper"), texts, texts[same:])
    grouper = Grouper.restore(state.get("grouper"), only=only) if only is not None else None
    if grouper is None:
        return None
    grouper.prepare(texts)
    out: list[int] = []
    for i, text in enumerate(texts):
        if i < same:
            grouper.replay(text, old_homes[i])
            out.append(old_homes[i])
        else:
            out.append(grouper.add(text))
    _write(folder / HOMES, {"v": VERSION, "key": memo.key, "texts": texts, "homes": out})
    return out


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(path: Path, data: dict[str, Any]) -> None:
    from sessionlog_git.base.fsutil import atomic_write_text

    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, separators=(",", ":"), ensure_ascii=False))

