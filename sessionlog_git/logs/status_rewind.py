"""The status fold from the day before, for a commit whose records are not all newer.

`logs.status_tail` folds a commit's records onto the checkpoint of the month so far when they
all come after the last record folded. A commit after a pull (a teammate's day, interleaved
with the days already folded) or with a back-dated entry cannot: without more, the month is
folded again from all its records. Only the order matters, so the fold can start from any
point before the earliest record that moved: this keeps such a point, the *rewind point*,
taken whenever the month is folded whole, at 00:00 UTC of the day before the last record's
day (where a teammate's pulled day, or yesterday's late entry, falls), and a second at
00:00 UTC of the last record's day (a day among today's entries: only today's are folded
again); two per archive listing they were taken at, the last KEEP (`status_tail.KEEP`) used,
in their own folder (`cache/status-tail/<project>/rewind/`), so a commit undone by a reset
leaves the ones before. The nearest that serves is used.

A rewind point is a status-tail checkpoint (the same file format, its own folder) of the fold
of every record before its `edge`, with the archive files it was folded from (`sources`) and
those of them with records at or after the edge (`later`). It serves a commit when

- it was folded over the same months and month checkpoint (its key says so),
- every file it was folded from is still listed (nothing was removed: a reset, a revert),
- every listed file it does not know (pulled, or committed since) and every record of the
  commit comes at or after the edge, and
- those files and `later` are few (MAX_FILES); else the whole month is cheaper to read at
  once through the parse cache, and that fold takes a new rewind point.

Then the fold is the rewind point's state fed, in order and without the entries it folded
already, the records at or after the edge: those files' records (read from the files, not
the month) and the commit's. That is the fold of all of them in order, which a rebuild
makes (tests compare the status byte for byte). When the commit's records retire nothing,
the point's live decisions are narrowed as the month's whole fold narrows its own
(`_narrow_point`): the `Supersedes:`/`Reverted:` from the edge are matched against the
decisions the fold before this commit took from there, read by id from their archive files,
not against every live decision of the history (which a take would otherwise read: seconds
at a million entries). Anything else, or a damaged file, costs the fold
of the month, as before.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from pathlib import Path

from sessionlog_git.base.gcpause import paused_gc
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.logs import archive, status_tail
from sessionlog_git.logs.lifecycle import Decision
from sessionlog_git.logs.model import Record, StatusState, ordered
from sessionlog_git.logs.status_tail import Hasher, Tail, identity_list

VERSION = 1
MAX_FILES = 256  # files read from the edge on; past it the month is read through its cache
DAY = 86_400

Reader = Callable[[set[str]], list[Record]]  # the records of these archive files (sources)


def _folder(cache_dir: Path, project: str) -> Path:
    return cache_dir / "status-tail" / project / "rewind"


def rewind_key(base: str, first: str, zone_name: str) -> str:
    return sha256_hex("\n".join(["rewind", str(VERSION), str(status_tail.VERSION),
                                 str(archive.STATUS_VERSION), zone_name, base, first]))


def edge_of(records: Sequence[Record]) -> float | None:
    """00:00 UTC of the day before the last record's (records in order); None for none."""
    if not records:
        return None
    return float((int(records[-1].at.timestamp()) // DAY - 1) * DAY)


@paused_gc()
def fold(
    tail: Tail, cache_dir: Path, project: str, after: str,
    recent: Callable[[], Sequence[Record]], new: Sequence[Record],
    load: Callable[[], tuple[StatusState, list[Record]]], *,
    first: str, zone_name: str, sources: Sequence[str], read: Reader,
    records: Callable[[list[Record]], list[Record]],
    decisions: Callable[[set[str]], list[Decision[Record]] | None] | None = None,
    hashed: Hasher = identity_list,
) -> tuple[StatusState, Sequence[Record]]:
    """`status_tail.fold`, from the rewind point when the checkpoint cannot take the new
    records, and taking a rewind point when the month is folded whole. `sources`: the
    archive files of the months folded, listed before this commit (its own left out);
    `read`: what reads some of them; `records(carry)`: as `status_tail.find` takes it;
    `decisions(ids)`: the decisions of those ids, read from their archive files (None when
    one is not found), for a fold whose takes need only those (`_narrowing`); `hashed`: as
    `status_tail.fold`'s.

    The cyclic collector is held off meanwhile (`base.gcpause`): a backlog's fold makes tens
    of thousands of small objects, all kept, and each full pass would walk them again."""
    if tail.state is not None and status_tail.fold_new(tail, new) is not None:
        return status_tail.fold(tail, cache_dir, project, after, recent, new, load, hashed)
    key = rewind_key(tail.base, first, zone_name)
    found = _from_rewind(tail, cache_dir, project, after, new, key, sources, read, records,
                         decisions, hashed)
    if found is not None:
        return found
    return _whole(tail, cache_dir, project, after, recent, new,
                  _narrowing(tail, new, load, decisions), key, sources, hashed)


def _narrowing(
    tail: Tail, new: Sequence[Record], load: Callable[[], tuple[StatusState, list[Record]]],
    decisions: Callable[[set[str]], list[Decision[Record]] | None] | None,
) -> Callable[[], tuple[StatusState, list[Record]]]:
    """`load`, whose live decisions are read only as far as the takes of the fold of the
    whole month need, when the checkpoint before this commit (`tail`) folded the same
    records but the new ones and those retire nothing (a teammate's day among the days
    folded, a late entry).

    Then each `Supersedes:`/`Reverted:` of the month takes what it took in that fold, a
    decision of the month, or one of the month checkpoint's that the month took before
    (`tail.retired`): a take moves only to a decision it could not take then, and with the
    new entries retiring nothing, those are the new entries' decisions and the ones a moved
    take left live. Every other decision of the month checkpoint lost to what the take
    found then, and loses again (logs.context_store's fold reasons the same way)."""
    if decisions is None or tail.state is None or _retires(new):
        return load
    retired = set(tail.retired)

    def narrowed() -> tuple[StatusState, list[Record]]:
        state, carry = load()
        state.lifecycle.narrow(lambda: decisions(retired))
        return state, carry

    return narrowed


def _retires(new: Sequence[Record]) -> bool:
    """Whether a record of `new` has a `Supersedes:`/`Reverted:` (it may take any decision)."""
    return any(b.kind in ("supersede", "revert") for r in new for b in r.entry.bullets)


def _narrow_point(
    tail: Tail, point: Tail, new: Sequence[Record],
    decisions: Callable[[set[str]], list[Decision[Record]] | None] | None,
) -> None:
    """Narrow the rewind point's live decisions to those the takes of its fold from the
    edge need, when the checkpoint before this commit (`tail`) folded the same records but
    the new ones and those retire nothing: `_narrowing`'s reasoning, from the edge.

    The point and that checkpoint are folds over the same month checkpoint (the rewind key
    says so) of the same records up to the edge (`_from_rewind` checks that every file the
    point does not know comes after it), so their live decisions are the month checkpoint's
    less `retired`, plus `added`, at two instants of one fold. Those live at the edge that
    the checkpoint's fold retired after it are the ones its takes from the edge took: the
    month checkpoint's it retired since (`tail.retired` less `point.retired`) and the
    month's decisions before the edge it retired since (`point.added` less `tail.added`).
    With the new records retiring nothing, each take from the edge takes one of those, or
    a decision stated from the edge on (in the book already); every other decision live at
    the edge lost to what the take found then, and loses again."""
    if decisions is None or tail.state is None or point.state is None or _retires(new):
        return
    taken = (set(tail.retired) - set(point.retired)) | (set(point.added) - set(tail.added))
    point.state.lifecycle.narrow(lambda: decisions(taken))


def _from_rewind(
    tail: Tail, cache_dir: Path, project: str, after: str, new: Sequence[Record], key: str,
    sources: Sequence[str], read: Reader, records: Callable[[list[Record]], list[Record]],
    decisions: Callable[[set[str]], list[Decision[Record]] | None] | None = None,
    hashed: Hasher = identity_list,
) -> tuple[StatusState, Sequence[Record]] | None:
    listed = set(sources)
    try:
        paths = sorted(_folder(cache_dir, project).glob(f"{key}-*.json"),
                       key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return None
    parsed: dict[str, list[Record]] = {}

    def once(wanted: set[str]) -> list[Record]:
        """`read`, each file once for all the points tried."""
        missing = wanted - parsed.keys()
        for source in missing:
            parsed[source] = []
        for record in read(missing) if missing else []:
            parsed[record.source].append(record)
        return [r for source in sorted(wanted) for r in parsed[source]]

    # The most recently used first: a few, two per listing they were taken at (the later
    # edge written, and read, last: first).
    for path in paths:
        point = Tail(path.stem, tail.base, parent=tail.parent)
        data = status_tail.read(point, project, path, path.stem, records)
        if data is None or point.state is None:
            continue
        try:
            edge = float(data["edge"])
            known = {str(s) for s in data["sources"]}
            later = {str(s) for s in data["later"]}
        except (KeyError, TypeError, ValueError):
            continue
        unknown = listed - known
        if known <= listed and len(unknown | later) <= MAX_FILES:
            _narrow_point(tail, point, new, decisions)
            folded = _fold_from(point, cache_dir, project, after, tail.key, new, edge,
                                unknown, later, once, hashed)
            if folded is not None:
                return folded
    return None


def _fold_from(
    point: Tail, cache_dir: Path, project: str, after: str, before: str, new: Sequence[Record],
    edge: float, unknown: set[str], later: set[str], read: Reader,
    hashed: Hasher = identity_list,
) -> tuple[StatusState, Sequence[Record]] | None:
    """The fold from the rewind point `point`; None when a record it does not know comes
    before its edge. `before`: the key of the archive listed before this commit."""
    fresh = ordered(new)
    if fresh and fresh[0].at.timestamp() < edge:
        return None
    found = read(unknown | later)
    if any(r.source in unknown and r.at.timestamp() < edge for r in found):
        return None
    assert point.state is not None
    # Each record's identity is hashed once: to leave out what the point folded, and to
    # checkpoint what it folds now (two thousand records a day at a million entries).
    later_on = ordered(r for r in found if r.at.timestamp() >= edge)
    seen = point.seen
    digest = {id(r): d for r, d in zip(later_on, hashed(later_on), strict=True)
              if not seen.has(r, d)}
    old = [r for r in later_on if id(r) in digest]
    mine = dict(zip(map(id, new), hashed(new), strict=True))
    state = point.state
    both = [r for r in ordered([*old, *new]) if id(r) not in mine or not seen.has(r, mine[id(r)])]
    digest.update(mine)
    if len(both) >= len(old) and all(a is b for a, b in zip(old, both, strict=False)):
        # The commit's records all come after: checkpoint the archive as it was listed (the
        # next commit, or this one again after a reset, folds onto it), then fold them.
        state.feed(old)
        mid = status_tail.save(cache_dir, project, point, before, state, old,
                               ids=[digest[id(r)] for r in old])
        rest = both[len(old):]
        state.feed(rest)
        if after != before:
            status_tail.save(cache_dir, project, mid, after, state, rest,
                             ids=[digest[id(r)] for r in rest])
        return state, point.carry
    state.feed(both)
    status_tail.save(cache_dir, project, point, after, state, both,
                     ids=[digest[id(r)] for r in both])
    return state, point.carry


def _whole(
    tail: Tail, cache_dir: Path, project: str, after: str,
    recent: Callable[[], Sequence[Record]], new: Sequence[Record],
    load: Callable[[], tuple[StatusState, list[Record]]], key: str, sources: Sequence[str],
    hashed: Hasher = identity_list,
) -> tuple[StatusState, Sequence[Record]]:
    """`status_tail.fold`'s fold of the whole month, stopping at the edge once to take the
    rewind point."""
    state, carry = load()
    old = [*carry, *recent()]
    before = ordered(old)
    both = ordered([*old, *new])
    start = Tail(tail.key, tail.base, carry=carry, parent=tail.parent)
    if len(both) >= len(before) and all(a is b for a, b in zip(before, both, strict=False)):
        # As status_tail.fold: checkpoint the months so far, then fold the new records.
        point, cut = _take(cache_dir, project, start, key, state, before, carry, list(sources),
                           hashed)
        state.feed(before[cut:])
        # A repository's first records (nothing before them, no month before): the checkpoint
        # of nothing is not written (folding nothing again costs nothing).
        mid = status_tail.save(cache_dir, project, point, tail.key, state, before[cut:],
                               write=bool(before or tail.base), ids=hashed(before[cut:]))
        rest = both[len(before):]
        state.feed(rest)
        if after != tail.key:
            status_tail.save(cache_dir, project, mid, after, state, rest, ids=hashed(rest))
        return state, carry
    mine = sorted({r.source for r in new} - set(sources))
    point, cut = _take(cache_dir, project, start, key, state, both, carry, [*sources, *mine],
                       hashed)
    state.feed(both[cut:])
    status_tail.save(cache_dir, project, point, after, state, both[cut:], ids=hashed(both[cut:]))
    return state, carry


def _take(
    cache_dir: Path, project: str, start: Tail, key: str, state: StatusState,
    records: list[Record], carry: list[Record], sources: list[str],
    hashed: Hasher = identity_list,
) -> tuple[Tail, int]:
    """Feed `state` the records of `records` (in order, from `start`) before the edge and
    write the rewind point there (`sources`: the archive files they all come from), then
    the same at 00:00 UTC of the last record's day (a day among today's entries folded
    already, the usual pull, re-folds only today's: at a million entries, a thousand
    records a day); the Tail of the later point and how many records it folded. No point
    when a record the month checkpoint carried is not before the edge (a month's first
    days)."""
    edge = edge_of(records)
    if edge is None or any(r.at.timestamp() >= edge for r in carry):
        return start, 0
    times = [r.at.timestamp() for r in records]
    # One file per listing and edge (KEEP of them, the most recently used): a commit undone
    # by a reset leaves the ones taken before it.
    name = f"{key}-{sha256_hex(chr(10).join(sorted(sources)))[:16]}"
    point, cut = start, 0
    for n, at in enumerate((edge, edge + DAY)):
        end = bisect_left(times, at)
        if end > cut:
            state.feed(records[cut:end])
        later = sorted({r.source for r in records[end:]})
        point = status_tail.save(cache_dir, project, point, f"{name}-{n}" if n else name, state,
                                 records[cut:end], folder=_folder(cache_dir, project),
                                 extra={"edge": at, "sources": sorted(sources), "later": later},
                                 ids=hashed(records[cut:end]))
        cut = end
    return point, cut
