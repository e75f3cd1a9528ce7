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
version), and of each of its sections, a digest and a key naming that contributor's archive
files. A file on disk that is none of them (a pull or merge brought a teammate's render, a
revert, an edit) keeps each section that is byte for byte one of those sections, from the same
archive files of its contributor, and renders the others; with none known (or no cache), the
whole month is rendered. So the cache only ever saves time.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sessionlog_git.base.gcpause import paused_gc
from sessionlog_git.base.text import sha256_hex
from sessionlog_git.logs.model import Record

if TYPE_CHECKING:
    from datetime import date

Link = Callable[[str], str]  # a record's source -> the file its [raw] link names
TEMPLATE = "master_log.md.j2"
CACHE_VERSION = 2  # 2: a section is keyed by its contributor's listed files
KEEP = 16  # renders remembered per month: a reset, an aborted commit or a branch switch away
HEADING = "## "  # a contributor's section starts with the only lines that begin with this
T = TypeVar("T", str, bytes)  # a master log's text, or its UTF-8 bytes (`_split`)


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


@paused_gc()
def render_month(
    project: str, month: str, records: Sequence[Record], *, hint: str, zone: str,
    current: bytes | None, new_sources: set[str], cache_dir: Path | None,
    listing: tuple[str, str] | None = None, link: Link | None = None,
    keys: dict[str, str] | None = None,
) -> str:
    """The master log of `month` from `records` (that month's, of `project`, new ones
    included); `current` is the file as it is on disk (None: none), `new_sources` the archive
    files this commit adds; `listing`, the keys of the archive's listing before and after
    this commit (`append_days`); `keys`, each contributor's section key after it
    (`file_keys_around`; without it, keys from the records' files).

    The cyclic collector is held off meanwhile (`base.gcpause`): a backlog's month makes a
    view of thousands of small dicts and lists, freed by reference counting once rendered,
    and a full pass over the heap (the records and jinja2's objects) fell in the middle."""
    if cache_dir is None:
        return render_full(project, month, records, hint, link)
    path = cache_dir / "views" / project / f"{month}.master.json"
    # A render is known by the files it linked: a loose file and its pack are two renders.
    sources = {s if link is None or link(s) == s else f"{s}>{link(s)}"
               for s in {r.source for r in records}}  # each file once, not each record
    new_sources = {s for s in sources if s.partition(">")[0] in new_sources}
    renders = _load(path)
    spliced = None
    used = ""  # the digest of the render spliced into: it stays among those kept
    if current is not None and new_sources & sources:
        used = sha256_hex(current)
        old = current.decode("utf-8", "replace")
        known = _find(renders, used, _key(project, month, zone, sources - new_sources),
                      _listing_key(listing[0], month) if listing else "")
        if known is not None:
            if listing is not None:  # a render kept before these keys existed: now it has them
                _describe(renders, used, project, month, records, new_sources, listing[0])
            fresh = {s.partition(">")[0] for s in new_sources}
            changed = {r.user for r in records if r.source in fresh}
            _, sections = _split(old)
            if set(sections) == set(known):
                spliced = _splice(project, month, sections, records, changed, known, hint, link)
        else:
            spliced = _splice_known_sections(project, month, old, records, renders, zone, hint,
                                             link, keys)
    text, counts = spliced or _render(project, month, records, hint, link)
    last = _latest_of(records)
    _, sections = _split(text)
    if keys is None:
        keys = _user_keys(project, month, zone, records)
    _remember(path, renders, used, text, {
        "key": _key(project, month, zone, sources),
        "lkey": _listing_key(listing[1], month) if listing else "", "counts": counts, "last": last,
        "sections": {u: [sha256_hex(sections[u].encode()), keys[u]]
                     for u in sections if u in counts and u in keys},
    })
    return text


def _describe(renders: list[dict[str, Any]], digest: str, project: str, month: str,
              records: Sequence[Record], new_sources: set[str], listing: str) -> None:
    """Give the kept render `digest` (from `records` less the new ones) the listing key and
    the contributors' latest dates `append_days` needs, when it lacks them."""
    for render in renders:
        if render.get("digest") == digest and not render.get("lkey"):
            last: dict[str, list[str]] = {}
            for record in records:
                if record.source not in new_sources:
                    _latest(last, record)
            render["lkey"], render["last"] = _listing_key(listing, month), last


def _latest(last: dict[str, list[str]], record: Record) -> None:
    """Keep in `last` the latest local date and the latest entry date of each contributor."""
    at = record.at.date().isoformat()
    day = record.entry.day.isoformat() if record.entry.day else at
    was = last.get(record.user)
    last[record.user] = [max(at, was[0]), max(day, was[1])] if was else [at, day]


def _latest_of(records: Iterable[Record]) -> dict[str, list[str]]:
    """`_latest` of every record, from nothing: the dates compared as dates and made text
    once per contributor (a backlog's month has thousands of records; ISO dates sort as
    the dates do)."""
    found: dict[str, list[date]] = {}
    for record in records:
        entry = record.entry
        assert entry.at is not None
        at = entry.at.date()
        day = entry.day or at
        was = found.get(record.user)
        if was is None:
            found[record.user] = [at, day]
            continue
        if at > was[0]:
            was[0] = at
        if day > was[1]:
            was[1] = day
    return {user: [at.isoformat(), day.isoformat()] for user, (at, day) in found.items()}


_ENCODED: list[tuple[str, bytes]] = []  # the text `_remember` last kept, and its UTF-8 bytes
_DIGEST: list[tuple[bytes, str]] = []  # the UTF-8 bytes of the render kept last, and their digest


def utf8(text: str | bytes) -> bytes:
    """`text` as UTF-8: a master log just rendered (a megabyte at 5,000 entries, not ASCII:
    the encode is a copy character by character) is encoded once, for its digest and its file;
    one spliced as bytes (`append_days`) is not encoded at all."""
    if isinstance(text, bytes):
        return text
    if _ENCODED and _ENCODED[0][0] is text:
        return _ENCODED[0][1]
    return text.encode("utf-8")


def _remember(path: Path, renders: list[dict[str, Any]], used: str, text: str,
              entry: dict[str, Any]) -> None:
    data = text.encode("utf-8")
    _ENCODED[:] = [(text, data)]
    _keep(path, renders, used, _digest(data), entry)


def _digest(data: bytes) -> str:
    """The digest of a render's bytes, kept for `sha256_of`."""
    digest = sha256_hex(data)
    _DIGEST[:] = [(data, digest)]
    return digest


def _keep(path: Path, renders: list[dict[str, Any]], used: str, digest: str,
          entry: dict[str, Any]) -> None:
    # Most recently used last: the render a commit spliced into moves up with the new one, so
    # commits undone by a reset, again and again, never push the committed one out.
    kept = [r for r in renders if r.get("digest") not in (digest, used)]
    kept += [r for r in renders if used and r.get("digest") == used != digest]
    _save(path, {"v": CACHE_VERSION, "renders": [*kept[-(KEEP - 1):], {"digest": digest, **entry}]})


def sha256_of(data: bytes) -> str:
    """`sha256_hex(data)`: for the bytes of the render kept last (the ledger names a master
    log by its digest too), the digest taken as it was kept (`_digest`)."""
    if _DIGEST and _DIGEST[0][0] is data:
        return _DIGEST[0][1]
    return sha256_hex(data)


def append_days(
    project: str, month: str, new: Sequence[Record], *, hint: str, current: bytes | None,
    listing: tuple[str, str], cache_dir: Path,
    keys: Callable[[], tuple[dict[str, str], dict[str, str]]] | None = None,
) -> tuple[bytes, Callable[[], None]] | None:
    """The master log of `month`, as UTF-8, with `new` (this commit's records of that month)
    added to the file on disk, without the month's other records: when `current` is a render
    kept from exactly the archive listed before this commit (`listing`: the keys of the
    archive's listing before and after it) and every new record of a contributor comes on a
    later day than all of theirs in it, their section is what it was followed by the new days,
    rendered alone (a section is its days in order; an entry archived twice has its twin's
    date, so none is new here). None when that cannot be done: the caller renders from the
    records. `keys`: what gives each contributor's section key before and after this commit
    (`file_keys_around`), kept with each section's digest so that a teammate's render of the
    month can be spliced into (`splice_listed`). Returned with what keeps the render in the
    cache, which the caller calls once the file is written (asked for there, the keys cost
    nothing before); the cache serves the next commit, and an entry lost to a crash is only
    a miss.

    The file is spliced as the bytes it is (a megabyte at 5,000 entries): being a render kept
    (its digest is one of them), it is UTF-8, where a heading and a line break are the same
    bytes as in its text; only the new days and the header are encoded. The bytes are the
    ones the file gets, encoded nowhere else (`utf8`)."""
    if current is None or not new:
        return None
    path = cache_dir / "views" / project / f"{month}.master.json"
    renders = _load(path)
    want = _listing_key(listing[0], month)
    if not any(_may_append(r, new) for r in renders if r.get("lkey") == want):
        return None  # told before the file is hashed (a day among folded ones, at every pull)
    used = sha256_hex(current)
    found = next((r for r in reversed(renders) if r.get("digest") == used and r.get("lkey") == want),
                 None)
    if found is None or not isinstance(found.get("counts"), dict) or not isinstance(found.get("last"), dict):
        return None
    try:
        counts = {str(u): int(c) for u, c in found["counts"].items()}
        last = {str(u): [str(v[0]), str(v[1])] for u, v in found["last"].items()}
        _, sections = _split(current)
    except (TypeError, ValueError, IndexError, UnicodeDecodeError):
        return None
    if set(sections) != set(counts) or not set(counts) <= set(last):
        return None
    by_user: dict[str, list[Record]] = {}
    for record in new:
        by_user.setdefault(record.user, []).append(record)
    for user, mine in sorted(by_user.items()):
        if user in counts and not _all_later(mine, last[user]):
            return None
        alone = _section_alone(project, month, user, mine, hint)
        if alone is None:
            return None
        section = alone[0].encode("utf-8")
        if user in counts:
            sections[user] += section.split(b"\n", 1)[1]
            counts[user] += alone[1]
        else:
            sections[user], counts[user] = section, alone[1]
        for record in mine:
            _latest(last, record)
    users = sorted(sections)
    out = (_header(project, month, counts, users, hint).encode("utf-8")
           + b"\n".join(sections[u] for u in users))
    entry = {"key": "", "lkey": _listing_key(listing[1], month),
             "counts": {u: counts[u] for u in users}, "last": last}
    digest = _digest(out)

    def keep() -> None:
        marks: dict[str, list[str]] = {}
        if keys is not None:
            before, after = keys()
            known = found.get("sections") if isinstance(found.get("sections"), dict) else {}
            for user in users:
                if user not in after:
                    continue
                mark = known.get(user) if user not in by_user else None
                # [digest, key] (a splice of a teammate's render adds the length: `_grown_section`)
                if isinstance(mark, list) and len(mark) >= 2 and mark[1] == before.get(user):
                    same = str(mark[0])  # the same section as then, from the same files
                else:
                    same = sha256_hex(sections[user])
                marks[user] = [same, after[user]]
        _keep(path, renders, used, digest, {**entry, "sections": marks})

    return out, keep


def file_keys_around(project: str, month: str, zone: str, listed: Iterable[str],
                     added: Iterable[str], carry: Sequence[Record], link: Link | None = None
                     ) -> tuple[dict[str, str], dict[str, str]]:
    """Contributor -> the key of their section of `month`, before a commit (the files
    `listed`) and after it (with the files it `added`). A key names the archive files of
    theirs listed in the month folders read (`archive/<month>/<project>/<user>/<name>`, each
    with the file its `[raw]` link names) and the records of theirs carried into the month
    from before those folders. Archive files are named by their content, so the same key is
    the same records, hence the same section; a key that differs is only a miss."""
    carried = _carried(month, carry)
    groups = _with_carried(by_contributor(listed), carried)
    before = {user: _files_key(project, month, zone, found, carried.get(user, ()), link)
              for user, found in groups.items()}
    after = dict(before)
    for user, found in by_contributor(added).items():
        after[user] = _files_key(project, month, zone, groups.get(user, set()) | found,
                                 carried.get(user, ()), link)
    return before, after


def by_contributor(files: Iterable[str]) -> dict[str, set[str]]:
    """The archive files (sources) of each contributor."""
    out: dict[str, set[str]] = {}
    for source in files:
        parts = source.split("/")
        if len(parts) >= 5:
            out.setdefault(parts[-2], set()).add(source)
    return out


def _carried(month: str, carry: Sequence[Record]) -> dict[str, list[str]]:
    from sessionlog_git.logs.layout import month_at
    from sessionlog_git.logs.status_tail import Carry

    if isinstance(carry, Carry):
        return carry.carried(month)  # as below, from what its checkpoint says, unparsed
    out: dict[str, list[str]] = {}
    for record in carry:
        if month_at(record.at) == month:
            out.setdefault(record.user, []).append(record.source)
    return out


def _with_carried(files: dict[str, set[str]], carried: dict[str, list[str]]
                  ) -> dict[str, set[str]]:
    return {**{user: set() for user in carried}, **files}


def _files_key(project: str, month: str, zone: str, files: Iterable[str], carried: Iterable[str],
               link: Link | None) -> str:
    names = []
    for source in files:
        where = source if link is None else link(source)
        names.append(source if where == source else f"{source}>{where}")
    return _key(project, month, zone, ["listed", *names, *(f"carried {c}" for c in carried)])


def splice_listed(
    project: str, month: str, new: Sequence[Record], *, hint: str, zone: str,
    current: bytes | None, keys: tuple[dict[str, str], dict[str, str]],
    files: dict[str, set[str]], read: Callable[[set[str]], list[Record]],
    carry: Sequence[Record], listing: tuple[str, str], cache_dir: Path, link: Link | None = None,
) -> str | None:
    """The master log of `month` when the file on disk is no render of ours (a pull or a
    merge brought a teammate's), without the month's records. Each section on disk that is
    byte for byte one this clone rendered from the same files (`keys[0]`: each contributor's
    section key before this commit; `keys[1]`, after it) is kept; a section that begins with
    one this clone rendered, from the files of that contributor named on days up to its
    last (the teammate's, who added a day) is that section followed by the days of their
    other files, parsed and rendered alone; this commit's new days (`new`: its records of
    the month) are appended to their contributor's section when they come after all of its
    days (as `append_days`). Any other section is rendered from its contributor's records
    alone: `read` parses their archive files (`files`: each contributor's, listed before
    this commit), `carry` adds theirs. None when no section is known, or most of the month
    would be read: the caller renders from the month's records (through its parse cache)."""
    from sessionlog_git.logs.layout import month_at

    if current is None:
        return None
    path = cache_dir / "views" / project / f"{month}.master.json"
    renders = _load(path)
    if not renders:
        return None
    try:
        text = current.decode("utf-8")
    except UnicodeDecodeError:
        return None
    before, after = keys
    carried = _carried(month, carry)
    _, on_disk = _split(text)
    # Each contributor whose section this clone rendered: (that section, its entries, its
    # latest dates, the files whose records follow it, its digest).
    kept: dict[str, tuple[str, int, list[str] | None, set[str], str]] = {}
    for user, section in on_disk.items():
        if user not in before:
            continue
        digest = sha256_hex(section.encode())
        known = _known_section(renders, user, [digest, before[user]])
        if known is not None:
            kept[user] = (section, known[0], known[1], set(), digest)
            continue
        def key(found: set[str], theirs: Sequence[str] = carried.get(user, ())) -> str:
            return _files_key(project, month, zone, found, theirs, link)

        grown = _grown_section(renders, user, section, files.get(user, set()), key)
        if grown is not None:
            kept[user] = (*grown, "")
    if not kept:
        return None
    following = {source for user in kept for source in kept[user][3]}
    added: dict[str, list[Record]] = {}  # the records that follow a kept section
    for record in [*(read(following) if following else []), *new]:
        if month_at(record.at) == month:
            added.setdefault(record.user, []).append(record)
    among: dict[str, str] = {}  # a section on disk exactly as rendered, with a day among its days
    for user in list(kept):
        seen = kept[user][2]
        if user in added and (seen is None or not _all_later(added[user], seen)):
            if kept[user][4] and not kept[user][3]:
                among[user] = kept[user][0]
            del kept[user]  # a day among theirs: their section from their records
    users = set(on_disk) | set(after) | set(added)
    again = users - set(kept)
    wanted = {source for user in again for source in files.get(user, ())}
    if 3 * len(wanted - following) > sum(len(f) for f in files.values()):
        return None  # most of the month: cheaper read at once through its parse cache
    theirs: dict[str, list[Record]] = {}
    fresh_read = wanted - following
    for record in [*carry, *(read(fresh_read) if fresh_read else []), *new,
                   *(r for u in again for r in added.get(u, []) if r.source in following)]:
        if record.user in again and month_at(record.at) == month:
            theirs.setdefault(record.user, []).append(record)
    sections: dict[str, str] = {}
    counts: dict[str, int] = {}
    last: dict[str, list[str]] = {}
    marks: dict[str, list[Any]] = {}
    for user, (section, count, seen, _, digest) in kept.items():
        if seen is not None:
            last[user] = list(seen)
        if user in added:  # days after their section (append_days)
            alone = _section_alone(project, month, user, added[user], hint, link)
            if alone is None:
                return None
            section += alone[0].split("\n", 1)[1]
            count += alone[1]
            for record in added[user]:
                _latest(last, record)
            digest = ""
        sections[user], counts[user] = section, count
        if user in after:
            marks[user] = [digest or sha256_hex(section.encode()), after[user], len(section)]
    for user in sorted(again):
        records = theirs.get(user, [])
        if not records:
            continue  # no record of this month: no section
        alone = None
        if user in among:
            alone = _section_from_day(project, month, user, records, new, among[user], hint, link)
        if alone is None:
            alone = _section_alone(project, month, user, records, hint, link)
        if alone is None:
            return None
        sections[user], counts[user] = alone
        for record in records:
            _latest(last, record)
        if user in after:
            marks[user] = [sha256_hex(alone[0].encode()), after[user], len(alone[0])]
    names = sorted(sections)
    if not names:
        return None
    out = _header(project, month, counts, names, hint) + "\n".join(sections[u] for u in names)
    _remember(path, renders, sha256_hex(current), out, {
        "key": "", "lkey": _listing_key(listing[1], month),
        "counts": {u: counts[u] for u in names}, "last": last, "sections": marks})
    return out


def _grown_section(
    renders: list[dict[str, Any]], user: str, section: str, files: set[str],
    key: Callable[[set[str]], str],
) -> tuple[str, int, list[str], set[str]] | None:
    """A section on disk that begins with one a kept render has for `user` (the teammate
    added days to theirs): (that section, its entries, its latest dates, the files of
    `user` after it). Its files are those named on a day up to its latest local date, when
    `key` of them is its key; the others' records must follow it (the caller checks)."""
    from sessionlog_git.logs.layout import day_in_name

    tried: dict[int, str] = {}
    for render in reversed(renders):
        marks, counts, last = render.get("sections"), render.get("counts"), render.get("last")
        mark = marks.get(user) if isinstance(marks, dict) else None
        count = counts.get(user) if isinstance(counts, dict) else None
        seen = last.get(user) if isinstance(last, dict) else None
        if not (isinstance(mark, list) and len(mark) == 3 and isinstance(mark[2], int)
                and 0 < mark[2] < len(section) and isinstance(count, int)
                and isinstance(seen, list) and len(seen) == 2
                and all(isinstance(v, str) for v in seen)):
            continue
        digest, want, length = mark
        if length not in tried:
            tried[length] = sha256_hex(section[:length].encode())
        if tried[length] != digest:
            continue
        old = {f for f in files if (day_in_name(f.rpartition("/")[2], archive=True) or "9") <= seen[0]}
        if key(old) == want:
            return section[:length], count, [str(seen[0]), str(seen[1])], files - old
    return None


def _known_section(renders: list[dict[str, Any]], user: str, mark: list[str]
                   ) -> tuple[int, list[str] | None] | None:
    """(entries, [latest local date, latest entry date]) of `user`'s section in the kept
    render that has it with `mark` (its digest and key); None: none has."""
    for render in reversed(renders):
        known, counts, last = render.get("sections"), render.get("counts"), render.get("last")
        count = counts.get(user) if isinstance(counts, dict) else None
        found = known.get(user) if isinstance(known, dict) else None
        if isinstance(found, list) and found[:2] == mark and isinstance(count, int):
            seen = last.get(user) if isinstance(last, dict) else None
            if isinstance(seen, list) and len(seen) == 2 and all(isinstance(v, str) for v in seen):
                return count, [str(seen[0]), str(seen[1])]
            return count, None
    return None


def _may_append(render: dict[str, Any], new: Sequence[Record]) -> bool:
    """Whether `append_days` could append `new` to the render `render` kept: every new
    record of a contributor with a section there comes after all of theirs in it."""
    counts, last = render.get("counts"), render.get("last")
    if not isinstance(counts, dict) or not isinstance(last, dict):
        return False
    try:
        return all(r.user not in counts or _all_later([r], [str(last[r.user][0]), str(last[r.user][1])])
                   for r in new)
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def _all_later(records: Sequence[Record], seen: list[str]) -> bool:
    """Every record comes on a later day than `seen` ([latest local date, latest entry
    date] of its contributor's section): then the section is itself followed by them."""
    at, day = seen
    for record in records:
        own = record.entry.day.isoformat() if record.entry.day else ""
        if record.at.date().isoformat() <= at or own <= day:
            return False
    return True


def _listing_key(listing: str, month: str) -> str:
    return sha256_hex("\n".join([_code(), "listing", month, listing]))


def _header(project: str, month: str, counts: dict[str, Any], users: list[str], hint: str) -> str:
    """Everything before the first section, for these contributors' counts."""
    from sessionlog_git.pipeline.render import render

    head = render(TEMPLATE, archive_hint=hint, project=project, month=month,
                  total=sum(int(counts[u]) for u in users),
                  contributors=[{"name": u, "days": [], "count": counts[u]} for u in users])
    return _split(head)[0]


def _find(renders: list[dict[str, Any]], digest: str, key: str, lkey: str = ""
          ) -> dict[str, Any] | None:
    """The counts of the render whose text has `digest` and came from the archive files `key`
    names, or from the archive listing `lkey` names (None: not one of the renders kept)."""
    for render in reversed(renders):
        counts = render.get("counts")
        if render.get("digest") != digest or not isinstance(counts, dict):
            continue
        if render.get("key") == key or (lkey and render.get("lkey") == lkey):
            return dict(counts)
    return None


def _user_keys(project: str, month: str, zone: str, records: Sequence[Record]) -> dict[str, str]:
    """Contributor -> a key naming the archive files of their section."""
    by_user: dict[str, set[str]] = {}
    for record in records:
        by_user.setdefault(record.user, set()).add(record.source)
    return {u: _key(project, month, zone, found) for u, found in by_user.items()}


def _splice_known_sections(
    project: str, month: str, old: str, records: Sequence[Record],
    renders: list[dict[str, Any]], zone: str, hint: str, link: Link | None = None,
    keys: dict[str, str] | None = None,
) -> tuple[str, dict[str, int]] | None:
    """The file on disk is no render of ours (a pull or merge brought a teammate's): each of
    its sections that is byte for byte one this cache rendered, from the same archive files
    of that contributor, is kept; the others are rendered again (None: no section is known)."""
    _, on_disk = _split(old)
    if keys is None:
        keys = _user_keys(project, month, zone, records)
    sections: dict[str, str] = {}
    counts: dict[str, Any] = {}
    for user, section in on_disk.items():
        if user not in keys:
            continue
        mark = [sha256_hex(section.encode()), keys[user]]
        for render in reversed(renders):
            known = render.get("sections")
            count = (render.get("counts") or {}).get(user)
            found = known.get(user) if isinstance(known, dict) else None
            if isinstance(found, list) and found[:2] == mark and isinstance(count, int):
                sections[user], counts[user] = section, count
                break
    if not sections:
        return None
    return _splice(project, month, sections, records, set(keys) - set(sections), counts, hint,
                   link)


def _splice(
    project: str, month: str, sections: dict[str, str], records: Sequence[Record],
    changed: set[str], counts: dict[str, Any], hint: str, link: Link | None = None,
) -> tuple[str, dict[str, int]] | None:
    """The text from the sections kept and fresh ones for `changed` (None: cannot splice)."""
    for user in sorted(changed):
        theirs = [r for r in records if r.user == user]
        if not theirs:  # files listed, but no record of this month (a section key's files)
            sections.pop(user, None)
            counts.pop(user, None)
            continue
        alone = _section_alone(project, month, user, theirs, hint, link)
        if alone is None:
            return None
        sections[user], counts[user] = alone
    users = sorted(sections)
    if not users:
        return None
    header = _header(project, month, counts, users, hint)
    # Each section ends with its last line: one blank line separates it from the next.
    return header + "\n".join(sections[u] for u in users), {u: int(counts[u]) for u in users}


def _section_from_day(project: str, month: str, user: str, records: Sequence[Record],
                      new: Sequence[Record], section: str, hint: str,
                      link: Link | None = None) -> tuple[str, int] | None:
    """`_section_alone` of `records` (all of `user`'s of the month, `new` among them), when
    `section` is the render of them all but `new`: its days before the day the first new
    record falls in are kept as they are, and only the days from there on are rendered (a
    teammate's day among a contributor's, at a thousand entries a day, renders that day,
    not their month). A section of days in order is its days one after another, each its
    records in order (`views.master_log`), so the days before are those of the records
    before. None when that cannot be told (the caller renders the whole section)."""
    from sessionlog_git.logs.layout import month_at
    from sessionlog_git.logs.model import ordered

    mine = {id(r) for r in new}
    seq = [r for r in ordered(records) if r.project == project and month_at(r.at) == month]
    first = next((i for i, r in enumerate(seq) if id(r) in mine), None)
    if not first:
        return None  # no new record kept, or the first day is new: the whole section
    start = first
    while start and seq[start - 1].at.date() == seq[first].at.date():
        start -= 1
    if not start:
        return None
    days = 1 + sum(1 for i in range(1, start) if seq[i].at.date() != seq[i - 1].at.date())
    at = -1
    for _ in range(days + 1):  # the heading of the first day rendered again
        at = section.find("\n\n### ", at + 1)
        if at == -1:
            return None
    prefix = section[: at + 1]
    if prefix.count("\n- **") != start:
        return None  # not the days of the records before (local dates out of time order)
    rest = _section_alone(project, month, user, seq[start:], hint, link)
    if rest is None:
        return None
    return prefix + rest[0].split("\n", 1)[1], start + rest[1]


def _section_alone(project: str, month: str, user: str, records: Sequence[Record], hint: str,
                   link: Link | None = None) -> tuple[str, int] | None:
    """`user`'s section of `month` rendered from their `records` alone, and its entries; None
    when the render is not exactly that one section (the caller renders the month instead)."""
    one, counts = _render(project, month, records, hint, link)
    _, sections = _split(one)
    if list(sections) != [user] or list(counts) != [user]:
        return None
    return sections[user], counts[user]


def _split(text: T) -> tuple[T, dict[str, T]]:
    """(everything before the first section, {contributor: section text}); each section ends
    with one newline and no blank line after it. Of a text, or of its UTF-8 bytes: the
    heading and the line break are ASCII, found at the same places in both."""
    if isinstance(text, str):
        heading, nl = HEADING, "\n"
    else:
        heading, nl = HEADING.encode(), b"\n"
    # Found by searching the text (a month's master log is a megabyte): no list of its lines.
    starts: list[int] = [0] if text.startswith(heading) else []
    at = text.find(nl + heading)
    while at != -1:
        starts.append(at + 1)
        at = text.find(nl + heading, at + 1)
    if not starts:
        return text, {}
    header = text[: starts[0]] if starts[0] else nl
    sections: dict[str, T] = {}
    for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
        end = text.find(nl, a, b)
        name = text[a + len(heading) : b if end == -1 else end]
        sections[name if isinstance(name, str) else name.decode("utf-8")] = text[a:b].rstrip(nl) + nl
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
