"""The status fold of the months a commit touches, from a checkpoint of the month so far.

`archive.status_checkpoint` keeps the fold up to the end of the month before the first month
a commit touches; this keeps the fold of everything after it that was archived before the
commit (the month so far), so a new day folds only that day's records, not the month's.

A checkpoint is named by a key over what it was folded from: the month checkpoint's own key
(which changes with any archive file up to that month), the first month folded, the time
zone, and every archive file of the months from there on (their names, listed: no file is
read). It holds the state (as the month checkpoints store it), the live decisions as a delta
over the month checkpoint's (by decision id, `source#line`: their entries are read from the
month's records only when a `Supersedes:`/`Reverted:` must be matched), the last record
folded and a digest of each folded entry's identity (an entry archived twice shows once),
grouped by the entry's day (`Seen`: a record is looked up among its own day's only, and a
commit decodes the days it looks up, not the month's).
New records are folded onto it only when they all come after the last record folded;
otherwise, or with no checkpoint, the month is folded again from its records, as before, and
checkpoints are written for the next commit. The result is the same fold either way (tests
compare the status with a full rebuild).

The identities are hashed as the fold wants them (`identity_list`), or, for a backlog, taken
from a forked child that hashed them meanwhile (`hashed_ahead`): a fold is given either as its
`hashed`, and the checkpoint is the same.

The checkpoints live in the ignored state folder (`cache/status-tail/<project>/<key>.json`),
the KEEP most recently used of them: a reset or an aborted commit goes back to an earlier
one. A missing or damaged checkpoint only costs the fold.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from sessionlog_git.base.text import sha256_hex, sha256_hexes
from sessionlog_git.logs import archive, layout
from sessionlog_git.logs.lifecycle import Decision, decision_id
from sessionlog_git.logs.model import Record, StatusState, ordered

VERSION = 1  # in the checkpoints' keys (and so in the keys the kept master logs are found by)
FORMAT = 4  # of a checkpoint file: 2 names its carried records' file (`carry/`) instead of holding
# them; 3 also says which of them each month's master log names (`carried`), so that an ordinary
# commit reads that file without parsing it; 4 keeps `seen` by day, each day's digests one text,
# and `added` as one text, a line each (a month's thousands: one string decoded, not thousands)
KEEP = 4  # checkpoints kept per project, the most recently used


class Tail:
    """Where a project's fold of the months from `first` on stands before a commit.

    A plain class (a dataclass costs its generated methods' compile at every commit)."""

    __slots__ = (
        "added",
        "base",
        "carry",
        "carry_name",
        "key",
        "last",
        "parent",
        "retired",
        "seen",
        "state",
    )

    def __init__(self, key: str, base: str, state: StatusState | None = None,
                 carry: Sequence[Record] | None = None, last: tuple[Any, ...] | None = None,
                 seen: Seen | None = None, retired: list[str] | None = None,
                 added: list[str] | None = None,
                 parent: Callable[[], list[Decision[Record]]] | None = None,
                 carry_name: str | None = None) -> None:
        self.key = key  # names the checkpoint of the records archived before this commit
        self.base = base  # the month checkpoint's key ("" when there is none)
        self.state = state  # the checkpoint's fold, when there is one
        # the month checkpoint's carried records
        self.carry: Sequence[Record] = [] if carry is None else carry
        self.last = last  # the sort key of the last record folded
        self.seen = Seen() if seen is None else seen  # the folded entries' identities
        # The live-decision delta over `base`, by decision id.
        self.retired: list[str] = [] if retired is None else retired
        self.added: list[str] = [] if added is None else added
        # What reads the month checkpoint's live decisions (`base`'s), for another checkpoint
        # over the same months (logs.status_rewind); None when there is no month before.
        self.parent = parent
        # The file `carry` is kept in (`carry/<digest>.json` beside the checkpoints), when it was
        # read from one: the same for every checkpoint over the same month checkpoint, so a commit
        # names it again instead of writing those records once more (None: written when saved).
        self.carry_name = carry_name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tail):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in Tail.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by its fields


def identity(record: Record) -> str:
    """What `model.ordered` de-duplicates by, as a short digest."""
    return sha256_hex(repr(record.same_key()))[:16]


def identity_list(records: Sequence[Record]) -> list[str]:
    """`identity` of each record, in their order: a backlog's thousands hashed in one pass,
    their keys taken from `ordered`, which made them already."""
    if len(records) >= HASHLIB_FOR and "hashlib" not in sys.modules:
        # A backlog's thousands: OpenSSL's sha256 hashes a short text in half the builtin
        # module's time (base.text uses it once hashlib is loaded), and the render of the
        # views loads it anyway (jinja2, a month's master log), so it is loaded now.
        import hashlib  # noqa: F401
    return [digest[:16] for digest in sha256_hexes(_key_texts(records))]


HASHLIB_FOR = 1024  # records from which identity_list loads hashlib if nothing did yet

Hasher = Callable[[Sequence[Record]], list[str]]  # `identity_list`, or one that gives the same


def packed_identities(records: Sequence[Record]) -> bytes:
    """`identity_list(records)` as bytes (each digest's 16 hex digits as 8 bytes): what a
    forked child sends back (`hashed_ahead`)."""
    return bytes.fromhex("".join(identity_list(records)))


def hashed_ahead(records: Sequence[Record], ahead: Callable[[], object]) -> Hasher:
    """`identity_list`, with the identities of `records` from `ahead()`: their
    `packed_identities`, hashed elsewhere meanwhile (a forked child, while this process
    folds). It is asked once, the first time identities are wanted; an answer that is not
    theirs (another length, not bytes) and every other record are hashed here, once."""
    known: dict[int, str] = {}  # by id(record): each record is held (here or in `records`)
    held: list[Record] = []
    asked = False

    def hashed(wanted: Sequence[Record]) -> list[str]:
        nonlocal asked
        if not asked and wanted:
            asked = True
            packed = ahead()
            if isinstance(packed, bytes) and len(packed) == len(records) * DIGEST // 2:
                text = packed.hex()
                known.update(zip(map(id, records), (text[i:i + DIGEST] for i in
                                                    range(0, len(text), DIGEST)), strict=True))
        missing = [r for r in wanted if id(r) not in known]
        if missing:
            held.extend(missing)
            known.update(zip(map(id, missing), identity_list(missing), strict=True))
        return [known[id(r)] for r in wanted]

    return hashed


def day_of(record: Record) -> str:
    """The day an entry's identity names (its `same_key`'s third part): an entry archived
    twice names the same one, so `Seen` groups the identities by it."""
    day = record.same_key()[2]
    name = _DAY_NAMES.get(day)
    if name is None:
        name = _DAY_NAMES[day] = str(day)
    return name


_DAY_NAMES: dict[object, str] = {}  # a day's name, made once (a day's thousand records)


DIGEST = 16  # characters of an identity's digest (`identity`)


class Seen:
    """The identities (`identity`) of a checkpoint's folded entries, by their day (`day_of`).

    Each day's are kept as the checkpoint file holds them, their digests sorted and run
    together in one text, and made a set only when a record of that day is looked up or
    added: at a million entries archived a month holds twenty thousand, and a commit looks
    up a day's or two (reading and writing them whole cost a checkpoint most of its time)."""

    __slots__ = ("_sets", "_texts")

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._texts: dict[str, str] = {} if texts is None else texts  # day -> digests run together
        self._sets: dict[str, set[str]] = {}  # day -> its digests, for the days decoded

    @classmethod
    def from_json(cls, data: object) -> Seen:
        """A checkpoint file's `seen`; ValueError when it is not a day -> digests map."""
        if not isinstance(data, dict) or not all(
                isinstance(t, str) and len(t) % DIGEST == 0 for t in data.values()):
            raise ValueError("seen: not a day -> digests map")
        return cls(data)

    def _day(self, day: str) -> set[str]:
        found = self._sets.get(day)
        if found is None:
            text = self._texts.get(day, "")
            found = self._sets[day] = {text[i:i + DIGEST] for i in range(0, len(text), DIGEST)}
        return found

    def has(self, record: Record, digest: str) -> bool:
        """Whether the entry of `record`, whose identity is `digest`, was folded."""
        return digest in self._day(day_of(record))

    def plus(self, records: Sequence[Record], digests: Sequence[str]) -> Seen:
        """These and the entries of `records` (`digests`: their identities, in order); this
        one is left as it was."""
        out = Seen(self._texts)
        out._sets = dict(self._sets)  # (shared: a day's set is copied before it is added to)
        copied: set[str] = set()
        for record, digest in zip(records, digests, strict=True):
            day = day_of(record)
            if day not in copied:
                copied.add(day)
                out._sets[day] = set(self._day(day))
            out._sets[day].add(digest)
        return out

    def to_json(self) -> dict[str, str]:
        """What a checkpoint file keeps (the days not decoded written as they were read)."""
        texts = {**self._texts, **{day: "".join(sorted(found))
                                   for day, found in self._sets.items()}}
        return {day: texts[day] for day in sorted(texts)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Seen):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by its digests


def _key_texts(records: Sequence[Record]) -> Iterator[str]:
    """`repr(r.same_key())` of each record. A key of six is written out as the tuple's repr
    writes it, its first three (project, contributor, day: the same for a day's records)
    once per contributor and day: a backlog's thousands spent a third of their hashing on
    the reprs, a sixth of that on the days'."""
    heads: dict[tuple[Any, ...], str] = {}
    for record in records:
        key = record.same_key()
        if len(key) != 6:
            yield repr(key)
            continue
        project, user, day, time, title, bullets = key
        head = heads.get((project, user, day))
        if head is None:
            head = heads[(project, user, day)] = f"({project!r}, {user!r}, {day!r}, "
        yield f"{head}{time!r}, {title!r}, {bullets!r})"


def _folder(cache_dir: Path, project: str) -> Path:
    return cache_dir / "status-tail" / project


def tail_key(base: str, first: str, zone_name: str, sources: Sequence[str]) -> str:
    return sha256_hex("\n".join([str(VERSION), str(archive.STATUS_VERSION), zone_name, base, first,
                                 *sorted(sources)]))


def find(
    logs_path: Path, project: str, first: str, zone_name: str, cache_dir: Path,
    old_sources: Sequence[str], records: Callable[[list[Record]], list[Record]],
    scan: layout.ArchiveScan | None = None,
) -> Tail:
    """The checkpoint of `project`'s fold of the months from `first` on, over the archive
    files `old_sources` of those months (the commit's own left out); `state` is None without
    one. `records(carry)`: the records folded into it (the checkpoint's carried records and
    those of `old_sources`), read only to materialise its live decisions. `scan`: the
    archive's folders as the commit listed them (`layout.scan_archive`), not listed again."""
    every = scan.months(project) if scan is not None else archive.months(logs_path, project)
    folders = [m for m in every if m < first]
    keys = archive._month_keys(logs_path, project, folders, zone_name, scan) if folders else []
    base = keys[-1] if keys else ""
    key = tail_key(base, first, zone_name, old_sources)
    parent = (archive._live_loader(logs_path, project, folders, keys, len(folders) - 1,
                                   zone_name, cache_dir) if folders else None)
    tail = Tail(key, base, parent=parent)
    read(tail, project, _folder(cache_dir, project) / f"{key}.json", key, records)
    return tail


def read(tail: Tail, project: str, path: Path, key: str,
         records: Callable[[list[Record]], list[Record]]) -> dict[str, Any] | None:
    """Fill `tail` from the checkpoint file `path` when it is the one named `key` (its data,
    for what else it holds); None, and `tail` as it was, when it is not there or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("v") != FORMAT or data.get("key") != key:
            return None
        retired = [str(i) for i in data["retired"]]
        added = _ids(data["added"])
        parent = tail.parent or list
        carry_name = data["carry"]
        if not _carry_name(carry_name):
            return None
        carry_path = path.parent / "carry" / carry_name
        carry = _carried(project, carry_path, carry_name, data["carried"])
        if carry is None:
            return None  # damaged: the fold again, as for a damaged checkpoint
        state, _ = archive._state_from_json(
            project, data["state"], _loader(parent, retired, added, lambda: records(list(carry))))
        last = tuple(data["last"]) if data["last"] is not None else None
        seen = Seen.from_json(data["seen"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: kept
        os.utime(carry_path)
    tail.state, tail.carry, tail.last, tail.seen = state, carry, last, seen
    tail.carry_name = carry_name
    tail.retired, tail.added = retired, added
    return data


# The carried records read in this process, by their file's name (a digest of its text):
# the checkpoint and a rewind point over the same month checkpoint name the same one.
_CARRIED: dict[tuple[str, str], Carry] = {}


def _carried(project: str, path: Path, name: str, months: object) -> Carry | None:
    """The carried records file `name` as a `Carry` (parsed at most once in this process),
    or None when its text is not the one its name digests (damaged)."""
    found = _CARRIED.get((project, name))
    if found is None:
        found = Carry(project, path.read_text(encoding="utf-8"), months)
        if found.digest() != name[:32]:
            return None
        _CARRIED.clear()  # one month checkpoint's at a time
        _CARRIED[(project, name)] = found
    return found


def _loader(parent: Callable[[], list[Decision[Record]]], retired: list[str], added: list[str],
            records: Callable[[], list[Record]]) -> Callable[[], list[Decision[Record]]]:
    """The live decisions at a checkpoint: the month checkpoint's, less `retired`, plus the
    decisions `added` names, found in the records folded."""

    def load() -> list[Decision[Record]]:
        from sessionlog_git.logs.lifecycle import expiry

        gone = set(retired)
        live = [d for d in parent() if decision_id(d) not in gone]
        wanted = set(added)
        found: dict[str, Decision[Record]] = {}
        for record in records():
            for bullet in record.entry.bullets:
                ident = f"{record.source}#{bullet.line}"
                if ident in wanted and bullet.kind in ("decision", "supersede"):
                    found[ident] = Decision(record, bullet, expiry(record.entry))
        if len(found) == len(wanted):
            return live + [found[i] for i in added]
        # Not all found (a damaged cache): the decisions as the fold itself had them.
        from sessionlog_git.base.text import words
        from sessionlog_git.logs.lifecycle import DecisionBook

        book = DecisionBook(words, parent())
        for record in ordered(records()):
            book.step(record)
        return book.live

    return load


def fold_new(tail: Tail, new: Sequence[Record]) -> list[Record] | None:
    """The records of `new` to fold onto the checkpoint, in order and without the entries it
    has folded already; None when they cannot be (no checkpoint, or one comes before the last
    record folded)."""
    if tail.state is None:
        return None
    fresh = ordered(new)
    if fresh and tail.last is not None and fresh[0].sort_key() <= tail.last:
        return None
    return [r for r in fresh if not tail.seen.has(r, identity(r))]


def _delta(tail: Tail, state: StatusState) -> tuple[list[str], list[str]]:
    """The live decisions' delta over the month checkpoint: the checkpoint's, and what the
    records folded since it changed (`state.lifecycle.mark`)."""
    retired_now, added_now = state.lifecycle.mark()
    added = list(tail.added)
    retired = list(tail.retired)
    for ident in retired_now:
        if ident in added:
            added.remove(ident)
        else:
            retired.append(ident)
    return retired, added + [decision_id(d) for d in added_now]


def save(cache_dir: Path, project: str, tail: Tail, key: str, state: StatusState,
         folded: Sequence[Record], *, ids: Sequence[str], folder: Path | None = None,
         extra: dict[str, Any] | None = None, write: bool = True) -> Tail:
    """Write the checkpoint `key` of `state`: `tail`'s checkpoint with `folded` (in order)
    folded onto it (`tail.carry`: the month checkpoint's carried records); the Tail it is,
    to fold more onto. `ids`: the identities of `folded` (what a fold's `Hasher` gives);
    `folder`: another folder than the project's checkpoints (its own KEEP), `extra`: more to
    keep in the file (logs.status_rewind); `write=False`: the Tail only, no file."""
    retired, added = _delta(tail, state)
    seen = tail.seen.plus(folded, ids)
    last = list(folded[-1].sort_key()) if folded else (list(tail.last) if tail.last else None)
    if not write:
        return Tail(key, tail.base, state, tail.carry, tuple(last) if last else None, seen,
                    retired, added, tail.parent, tail.carry_name)
    folder = folder or _folder(cache_dir, project)
    carry_name = tail.carry_name
    if carry_name is None or not (folder / "carry" / carry_name).is_file():
        carry_name = _save_carry(folder / "carry", tail.carry)
    carried = tail.carry.months if isinstance(tail.carry, Carry) else carried_by_month(tail.carry)
    data = {**(extra or {}), "v": FORMAT, "key": key, "state": archive._state_json(key, state, []),
            "carry": carry_name, "carried": carried, "retired": retired, "added": _ids_json(added),
            "last": last, "seen": seen.to_json()}
    # (JSON's own values, never a cycle: a backlog's thousands need no check for one)
    _keep(folder / f"{key}.json", json.dumps(data, separators=(",", ":"), check_circular=False))
    return Tail(key, tail.base, state, tail.carry, tuple(last) if last else None, seen, retired,
                added, tail.parent, carry_name)


def _ids_json(ids: list[str]) -> str | list[str]:
    """`added` as a checkpoint file keeps it: one line each, or the list when an id holds a
    line break (an archive file named so; `_ids` reads either)."""
    text = "\n".join(ids)
    return text if text.count("\n") == len(ids) - 1 and ids != [""] else ids


def _ids(data: object) -> list[str]:
    """`_ids_json`'s list again."""
    if isinstance(data, str):
        return data.split("\n") if data else []
    if not isinstance(data, list):
        raise ValueError("added: not a list of decision ids")
    return [str(i) for i in data]


_HEX = frozenset("0123456789abcdef")


def _carry_name(name: object) -> bool:
    """Whether `name` is one `_save_carry` gives (nothing else is read from the folder)."""
    return (isinstance(name, str) and len(name) == 37 and name.endswith(".json")
            and _HEX.issuperset(name[:32]))


def carried_by_month(carry: Iterable[Record]) -> dict[str, dict[str, list[str]]]:
    """Month -> contributor -> the archive file of each of their carried records of that
    month (by the record's date, in order): what a master log's keys name of the carry."""
    out: dict[str, dict[str, list[str]]] = {}
    for record in carry:
        out.setdefault(layout.month_at(record.at), {}).setdefault(
            record.user, []).append(record.source)
    return out


class Carry(Sequence[Record]):
    """A month checkpoint's carried records as a checkpoint names them: the text of their
    file (`_save_carry`), parsed only when the records themselves are needed (a fold from
    the month checkpoint, a master log rendered or spliced), and which of them each month's
    master log names (`months`, as `carried_by_month` gives it), known without parsing: an
    ordinary commit needs only that."""

    __slots__ = ("_records", "_text", "months", "project")

    def __init__(self, project: str, text: str, months: object) -> None:
        self.project, self._text = project, text
        self._records: list[Record] | None = None
        if not isinstance(months, dict) or not all(
                isinstance(users, dict) and all(isinstance(s, list) for s in users.values())
                for users in months.values()):
            raise ValueError("carried: not a month -> contributor -> sources map")
        self.months: dict[str, dict[str, list[str]]] = months

    def digest(self) -> str:
        """What `_save_carry` names the file by (its text's digest)."""
        return sha256_hex(self._text)[:32]

    def records(self) -> list[Record]:
        if self._records is None:
            self._records = [archive._record_from_json(self.project, r)
                             for r in json.loads(self._text)]
        return self._records

    def carried(self, month: str) -> dict[str, list[str]]:
        """`carried_by_month(self)[month]`, without parsing the records."""
        return {user: list(sources) for user, sources in self.months.get(month, {}).items()}

    def __len__(self) -> int:
        return len(self.records())

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records())

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        return self.records()[index]


def _save_carry(folder: Path, carry: Sequence[Record]) -> str:
    """Write the carried records to their file in `folder`, named by their digest (written
    once: later checkpoints over the same month checkpoint name it); its name."""
    text = json.dumps([archive._record_json(r) for r in carry], separators=(",", ":"))
    name = f"{sha256_hex(text)[:32]}.json"
    try:
        kept = (folder / name).read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        kept = False
    if not kept:  # not there, or damaged: (re)written
        _keep(folder / name, text)
    return name


def _keep(path: Path, text: str) -> None:
    """Write a file of this cache folder, and prune the folder: atomic, not synced (a file
    lost is only a fold again), and a failure to write costs only that."""
    from sessionlog_git.base.fsutil import atomic_write_bytes

    with contextlib.suppress(OSError):
        atomic_write_bytes(path, text.encode("utf-8"), sync=False)
        _prune(path.parent)


def _prune(folder: Path) -> None:
    """Only the KEEP most recently used checkpoints stay (a cache folder, not a log tree)."""
    found = []
    for path in folder.glob("*.json"):
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(found)[:-KEEP]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def fold(
    tail: Tail, cache_dir: Path, project: str, after: str, recent: Callable[[], Sequence[Record]],
    new: Sequence[Record], load: Callable[[], tuple[StatusState, list[Record]]],
    hashed: Hasher = identity_list,
) -> tuple[StatusState, Sequence[Record]]:
    """`project`'s status fold over everything up to and including `new` (this commit's
    records), from `tail` (`find`: the checkpoint of the records archived before them) when
    it can be; and the records the month checkpoint carried into the months folded (they
    belong to those months' master logs too). `after` is the key of the archive listed with
    this commit's files (`tail_key`).

    `recent()` gives the records of the months from the first folded on (the commit's left
    out) and `load()` the month checkpoint's state and carried records: both are read only
    for a fold without a checkpoint. `hashed`: `identity_list`, or what gives the same
    (some hashed ahead)."""
    onto = fold_new(tail, new)
    if onto is not None and tail.state is not None:
        state = tail.state.feed(onto)
        if after != tail.key:
            save(cache_dir, project, tail, after, state, onto, ids=hashed(onto))
        return state, tail.carry
    state, carry = load()
    old = [*carry, *recent()]
    before = ordered(old)
    both = ordered([*old, *new])
    start = Tail(tail.key, tail.base, carry=carry)
    if len(both) >= len(before) and all(a is b for a, b in zip(before, both, strict=False)):
        # Everything new comes after what was there: checkpoint the months so far, then fold
        # the new records onto it, as the next commit will.
        state.feed(before)
        mid = save(cache_dir, project, start, tail.key, state, before,
                   ids=hashed(before))
        rest = both[len(before):]
        state.feed(rest)
        if after != tail.key:
            save(cache_dir, project, mid, after, state, rest, ids=hashed(rest))
        return state, carry
    state.feed(both)
    save(cache_dir, project, start, after, state, both, ids=hashed(both))
    return state, carry
