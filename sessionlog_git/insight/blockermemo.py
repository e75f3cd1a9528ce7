"""The blockers report as it stands at the start of the newest month folder, kept: a report
folds only what came after it.

At a million entries the report read every blocker of the history at every run (the month
checkpoints of insight.blockerlog: 80,000 blockers and their closings), though all but the
newest month's are the same from run to run. What the report shows of them is kept instead
(the memo, `blockers.memo.<month>.json` beside the checkpoints, `<month>` the newest month
folder when it was made): each recurring group's line so far (`recurring.Summary`), the
blockers still open at that point and their groups, how many were closed and which month
folders' kept "Closed" lines (insight.blockertext) show them, and the recurring grouper as it
stood after them (`blockers.memo.<month>.grouper.json`). It holds each project's folders
before the newest month folder of any project, and names the checkpoint it ends at in each
(its month and key, which names every archive file up to it): a commit into the newest month
leaves it as it is.

A memo goes on to a later month (a new month folder, or a file added to the month before the
newest) from the newest kept one whose checkpoints still have their keys: only the folders
after it are folded onto it (`_advance`), from their checkpoints, with its grouper. The memos
of the two newest months are kept, so a teammate's late file in last month, after a new month
has begun, goes on from the memo before it; a file in an older month makes the memo again from
every checkpoint (an empty memo advanced by all of them, the groups taken from the whole
history's, insight.recurring).

A report (`fold`) then reads the memo, the checkpoint of the month before the newest and the
newest month's own (folded from a commit's first new entry on, as before), groups the newest
blockers onto the kept grouper (their groups kept between runs, `blockers.memo.homes.json`),
folds them and the newest closings into the kept lines, and lays the newest closings' lines
before the kept ones. That is the report the whole fold gives whenever every record of the
newest folders comes after every record the memo holds, and no record it holds is after the
time asked at; else (an entry filed in an older month's folder, a report asked for the past)
`fold` gives None and the whole fold is read, as it is for `--since`, JSON and HTML. Deleting
a memo, or any damage to it, costs the whole fold, never a different report.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sessionlog_git.base.text import sha256_hex
from sessionlog_git.config import Config
from sessionlog_git.insight import blockerlog, blockertext
from sessionlog_git.insight import recurring as recurring_cache
from sessionlog_git.insight.blockerlog import Closings, _load
from sessionlog_git.insight.blockerlog import _save as _write
from sessionlog_git.insight.similar import Grouper
from sessionlog_git.logs import layout
from sessionlog_git.logs.model import Blocker

VERSION = 1
HOMES = "blockers.memo.homes.json"
KEPT = 2  # the memos kept: the newest months'


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
    month: str  # the newest month folder it was made for: it holds the folders before it
    threshold: float
    ends: dict[str, tuple[str, str]]  # each project's last folder it holds, and that folder's key
    hi: tuple[Any, ...]  # the order key of the last record it holds (a blocker's or a closing's)
    upto: float | None  # the latest time of those records
    blockers: int
    closed: int
    folders: list[tuple[str, str, str, int]]  # (project, month, key, how many it closed)
    open: list[tuple[str, int, int]]  # (project, number, group) of each blocker open at its end
    groups: list[list[Any]]  # each group's `Summary.state`, by group number


_EMPTY = _Memo("", "", 0.0, {}, (), None, 0, 0, [], [], [])


def _order(b: Blocker) -> tuple[Any, ...]:
    return (b.record.sort_key(), b.bullet.line)


def _file(folder: Path, month: str, grouper: bool = False) -> Path:
    return folder / f"blockers.memo.{month}{'.grouper' if grouper else ''}.json"


def fold(cfg: Config, now: datetime, threshold: float, view: Callable[[Blocker], dict[str, Any]]
         ) -> Part | None:
    """The report's parts at `now`, from the memo (made or gone on when missing or stale);
    None when the whole fold must be read instead (see above). `threshold`: the recurring
    groups' similarity; `view`: a blocker's view (`reports._blocker_view`), for the "Closed"
    lines of the memo's folders when they are not kept yet."""
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
    memo = _read(_file(folder, newest), key)
    grouper: Grouper | None = None
    homes: list[int] | None = None
    if memo is None:
        made = _made(cfg, projects, months, newest, key, threshold, folder, view, texts)
        if made is None:
            return None
        memo, grouper, homes = made
    if not _after_memo(memo, held, found, fresh, now):
        return None
    runs = blockertext.kept(memo.folders, folder)
    if runs is None:
        return None
    if homes is None:
        homes = _homes(folder, memo, texts, grouper)
        if homes is None:
            return None
    touched: dict[int, recurring_cache.Summary] = {}
    try:
        for p, n, home in memo.open:  # closed since: before any blocker added after the memo
            closer = held[p, n].closed_by
            if closer is not None:
                _group(touched, memo, home).close(closer.at)
        for b, home in zip(fresh, homes, strict=True):
            _group(touched, memo, home).add(b)
        lines = recurring_cache.lines([*touched.values(), *(
            recurring_cache.Summary.restored(state) for home, state in enumerate(memo.groups)
            if home not in touched and state[0] > 1)])
    except (ValueError, TypeError, IndexError):  # a damaged memo: the whole fold
        return None
    return Part(found, closings, runs, memo.closed, lines, entries)


def _group(touched: dict[int, recurring_cache.Summary], memo: _Memo, home: int) -> recurring_cache.Summary:
    """Group `home`'s line, as `memo` keeps it (a new group's: empty), taken into `touched`."""
    made = touched.get(home)
    if made is None:
        made = touched[home] = (recurring_cache.Summary.restored(memo.groups[home])
                                if home < len(memo.groups) else recurring_cache.Summary())
    return made


def _after_memo(memo: _Memo, held: dict[tuple[str, int], Blocker], found: list[Blocker],
                fresh: list[Blocker], now: datetime) -> bool:
    """Whether the newest folders' blockers (`found`: those open at the memo's point, `held`
    by project and number, and `fresh`: those opened since) go on from `memo` as the whole
    fold does: the same blockers open at its point, every record of theirs after every
    record it holds, and none it holds after `now`."""
    if {(p, n) for p, n, _ in memo.open} != held.keys() \
            or (memo.upto is not None and now.timestamp() < memo.upto):
        return False
    return not (any(b.record.sort_key() <= memo.hi for b in fresh)
                or any(b.closed_by is not None and b.closed_by.sort_key() <= memo.hi for b in found))


def _made(cfg: Config, projects: list[str], months: dict[str, list[str]], newest: str, key: str,
          threshold: float, folder: Path, view: Callable[[Blocker], dict[str, Any]], later: list[str],
          ) -> tuple[_Memo, Grouper, list[int] | None] | None:
    """The memo for `newest`, kept: gone on from the newest kept memo of an earlier month that
    still holds, else from nothing (see `_advance`)."""
    for month in reversed(_months(folder)):
        if month < newest:
            old = _read(_file(folder, month), None)
            if old is not None and old.threshold == threshold:
                made = _advance(cfg, old, projects, months, newest, key, threshold, folder, view, later)
                if made is not None:
                    return made
    return _advance(cfg, _EMPTY, projects, months, newest, key, threshold, folder, view, later)


_MEMO = re.compile(r"blockers\.memo\.(\d{4}-\d{2})\.json")


def _months(folder: Path) -> list[str]:
    """The months memos are kept for, oldest first."""
    return sorted(m[1] for m in (_MEMO.fullmatch(p.name) for p in folder.glob("blockers.memo.*.json")) if m)


def _advance(cfg: Config, old: _Memo, projects: list[str], months: dict[str, list[str]], newest: str,
             key: str, threshold: float, folder: Path, view: Callable[[Blocker], dict[str, Any]],
             later: list[str]) -> tuple[_Memo, Grouper, list[int] | None] | None:
    """`old` (a memo of an earlier month, or `_EMPTY`) gone on by each project's folders after
    it and before `newest`, from their checkpoints, and kept, with the grouper after it; and,
    gone on from nothing, the groups of `later` (the texts of the blockers after it, in
    order), from the whole history's groups (insight.recurring, as the whole fold keeps
    them). The "Closed" lines of the folders it adds are made (`view`) where not kept yet
    (insight.blockertext). None, and nothing kept, when `old` no longer holds (a folder it
    holds has another key now) or a record of the folders after it comes before its last."""
    opened: list[tuple[str, int, Blocker]] = []  # (project, number, blocker) opened after `old`
    shut: list[tuple[int, datetime]] = []  # (group, when) of `old`'s open blockers closed since
    still: list[tuple[str, int, int]] = []  # `old`'s open blockers still open
    folders = list(old.folders)
    blocks: list[Closings] = []
    keys: list[tuple[Any, ...]] = []
    ends: dict[str, tuple[str, str]] = {}
    homes_of = {(p, n): home for p, n, home in old.open}
    if not old.ends.keys() <= set(projects):
        return None
    for p in projects:
        earlier = [m for m in months[p] if m < newest]
        end = old.ends.get(p, ("", ""))
        if not earlier:
            if end != ("", ""):
                return None
            continue
        after = [m for m in earlier if m > end[0]]
        before, *points = blockerlog.checkpoints(cfg, p, upto=earlier[-1],
                                                 since=after[0] if after else newest)
        if (before.month, before.key) != end \
                or {n for n, _ in before.open} != {n for q, n in homes_of if q == p}:
            return None
        first = before.first + len(before.opened)
        added: list[Closings] = []
        mine = blockerlog.numbered(points, before, added, p)
        for block in added:
            keys += (b.closed_by.sort_key() for b in block.blockers if b.closed_by is not None)
            folders.append((p, block.month, block.key, len(block.blockers)))
        blocks += added
        last = points[-1] if points else before
        ends[p] = (last.month, last.key)
        for n, b in mine.items():
            if n >= first:
                opened.append((p, n, b))
                keys.append(b.record.sort_key())
            elif b.closed_by is not None:
                shut.append((homes_of[p, n], b.closed_by.at))
            else:
                still.append((p, n, homes_of[p, n]))
    if any(k <= old.hi for k in keys):
        return None
    opened.sort(key=lambda item: _order(item[2]))
    texts = [b.bullet.body for _, _, b in opened]
    later_homes: list[int] | None = None
    if old is _EMPTY:
        every = recurring_cache.homes([*texts, *later], threshold, folder / "recurring.json")
        homes, later_homes = every[:len(texts)], every[len(texts):]
        grouper = Grouper(threshold)
        _grouped(grouper, texts, homes)
    else:
        restored = _grouper(folder, old)
        if restored is None:
            return None
        grouper = restored
        homes = _grouped(grouper, texts, _kept_homes(folder, old, texts))
    touched: dict[int, recurring_cache.Summary] = {}
    try:
        for home, at in shut:
            _group(touched, old, home).close(at)
        for (_, _, b), home in zip(opened, homes, strict=True):
            _group(touched, old, home).add(b)
        groups = [*old.groups, *([] for _ in range(grouper.count - len(old.groups)))]
        for home, summary in touched.items():
            groups[home] = summary.state()
    except (ValueError, TypeError, IndexError):  # a damaged memo: made again from nothing
        return None
    memo = _Memo(key, newest, threshold, ends, max([old.hi, *keys]),
                 max([*([] if old.upto is None else [old.upto]), *(k[0] for k in keys)], default=None),
                 old.blockers + len(opened), old.closed + sum(len(b.blockers) for b in blocks), folders,
                 [*still, *((p, n, home) for (p, n, b), home in zip(opened, homes, strict=True)
                            if b.closed_by is None)], groups)
    _save(folder, memo, grouper)
    if later_homes is not None:
        _write(folder / HOMES, {"v": VERSION, "key": key, "texts": later, "homes": later_homes})
    if blockertext.kept(folders, folder) is None:  # made and kept as the whole fold makes them
        blockertext.closed_text([b for block in blocks for b in block.blockers], blocks, view, folder)
    return memo, grouper, later_homes


def _save(folder: Path, memo: _Memo, grouper: Grouper) -> None:
    """Keep `memo` and its grouper; the memos of all but the KEPT newest months go."""
    _write(_file(folder, memo.month, grouper=True),
           {"v": VERSION, "key": memo.key, "grouper": grouper.state()})
    _write(_file(folder, memo.month), {
        "v": VERSION, "key": memo.key, "month": memo.month, "threshold": memo.threshold,
        "ends": {p: list(end) for p, end in memo.ends.items()}, "hi": list(memo.hi), "upto": memo.upto,
        "blockers": memo.blockers, "closed": memo.closed, "folders": [list(f) for f in memo.folders],
        "open": [list(o) for o in memo.open], "groups": memo.groups})
    for month in _months(folder)[:-KEPT]:
        for path in (_file(folder, month), _file(folder, month, grouper=True)):
            with contextlib.suppress(OSError):
                path.unlink()


def _read(path: Path, key: str | None) -> _Memo | None:
    """The memo kept in `path`, under `key` (None: whatever its key)."""
    data = _load(path)
    if not (isinstance(data, dict) and data.get("v") == VERSION and (key is None or data.get("key") == key)):
        return None
    try:
        upto = data["upto"]
        folders = [(str(p), str(m), str(k), int(c)) for p, m, k, c in data["folders"]]
        ends = {str(p): (str(m), str(k)) for p, (m, k) in data["ends"].items()}
        return _Memo(str(data["key"]), str(data["month"]), float(data["threshold"]), ends, tuple(data["hi"]),
                     None if upto is None else float(upto), int(data["blockers"]), int(data["closed"]),
                     folders, [(str(p), int(n), int(h)) for p, n, h in data["open"]], list(data["groups"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _kept_homes(folder: Path, memo: _Memo, texts: list[str]) -> list[int]:
    """The groups kept (`HOMES`) for the blockers after `memo`, as far as their texts are
    the first of `texts` (a text's group depends only on the texts before it)."""
    kept = _load(folder / HOMES)
    if not (isinstance(kept, dict) and kept.get("v") == VERSION and kept.get("key") == memo.key
            and isinstance(kept.get("texts"), list) and isinstance(kept.get("homes"), list)
            and len(kept["texts"]) == len(kept["homes"])):
        return []
    out: list[int] = []
    for old, new, home in zip(kept["texts"], texts, kept["homes"], strict=False):
        if old != new or not isinstance(home, int):
            break
        out.append(home)
    return out


def _grouped(grouper: Grouper, texts: list[str], known: list[int]) -> list[int]:
    """The groups of `texts` added to `grouper`: the first ones' `known`, taken back."""
    grouper.prepare(texts)
    out = list(known)
    for text, home in zip(texts, known, strict=False):
        grouper.replay(text, home)
    out += (grouper.add(text) for text in texts[len(known):])
    return out


def _grouper(folder: Path, memo: _Memo, texts: list[str] | None = None, start: int = 0) -> Grouper | None:
    """`memo`'s grouper, restored from its file: whole, or, given `texts` (about to be
    prepared), only the rows those from `start` on can reach (`Grouper.prefix_words`)."""
    state = _load(_file(folder, memo.month, grouper=True))
    if not (isinstance(state, dict) and state.get("v") == VERSION and state.get("key") == memo.key):
        return None
    only = None if texts is None else Grouper.prefix_words(state.get("grouper"), texts, texts[start:])
    if texts is not None and only is None:
        return None
    return Grouper.restore(state.get("grouper"), only=only)


def _homes(folder: Path, memo: _Memo, texts: list[str], grouper: Grouper | None) -> list[int] | None:
    """The group of each of `texts` (the blockers after the memo's, in order), as the whole
    history's grouping gives them: kept from the last run as far as its texts are the same,
    the rest grouped onto the memo's grouper (`grouper`, when just made; else restored from
    its file, only the rows the texts to group can reach: `Grouper.prefix_words`)."""
    known = _kept_homes(folder, memo, texts)
    if len(known) == len(texts):
        return known
    if grouper is None:
        grouper = _grouper(folder, memo, texts, len(known))
        if grouper is None:
            return None
    out = _grouped(grouper, texts, known)
    _write(folder / HOMES, {"v": VERSION, "key": memo.key, "texts": texts, "homes": out})
    return out
