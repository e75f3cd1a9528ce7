"""The session-start summary: where work left off, kept small at consolidation so that a session
start reads one file and today's temp logs, never the archive.

The session-start text (`agents.handlers.start_text`) says, for the user at hand: their last
entries (or the repository's latest when they have none), the open blockers, their latest next
steps, how many of their entries of today are committed, and (after a compaction) what they
logged since the session began; all of it over the archive's last `HISTORY_MONTHS` month
folders and everything pending. The summary (`<state folder>/start-summary.json`, ignored,
rebuildable) holds exactly what that needs from the archive, for every user, bounded whatever
the history's length:

* `items`: each user's last `PER_USER` entries and their latest entry with next steps, and the
  repository's last `SHOWN_ENTRIES`; each as its sort key, its de-duplication key, and the text
  the lines show;
* `blockers`: the blockers still open after the window's fold (at most `MAX_BLOCKERS`), with
  what an `Unblocked:` needs to be matched against them;
* `days`: per user, how many entries each of their latest `DAYS_KEPT` days holds;
* `projects`: the projects the window's entries belong to;
* `marker`: the month, project and user folders of the window with their mtimes and sizes,
  taken before the archive was read: a `git pull`, checkout, merge or rebuild that changes the
  archive changes it, and then the summary is stale (`read` gives None).

`fold` adds entries to a summary in time order: consolidation folds the new archive files in,
and a session start folds today's pending entries in before `left_off` speaks; both refuse
(None) an entry that opens or closes a blocker earlier than the newest one folded already,
since only a replay of the whole window places that exactly (`continuity` then reads the
window, as before the summary existed). A commit never reads the window for it: finding the
summary missing or stale, consolidation removes it, and the next session start (the handlers)
reads the window once, as every session start did before, and writes it again.

Standard library only, and neither `pathlib`, `re` nor the entry parser at import: the lean
session start (`agents.start`) reads the summary and the temp logs with it.
"""
from __future__ import annotations

import os

from sessionlog_git.constants import ARCHIVE_DIR, START_SUMMARY
from sessionlog_git.logs.kinds import KIND_PREFIXES

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sessionlog_git.logs.model import Record

VERSION = 1
HISTORY_MONTHS = 3  # months of archive read for blockers and next steps
SHOWN_ENTRIES = 3
SHOWN_BLOCKERS = 5
SHOWN_NEXT = 5
SHOWN_LOGGED = 8  # entries "logged in this session so far" (after a compaction)
PER_USER = max(SHOWN_ENTRIES, SHOWN_LOGGED)  # each user's latest entries kept
DAYS_KEPT = 3  # each user's latest days with their entry counts
MAX_BLOCKERS = 200  # open blockers kept (the newest): the text shows 5
LINE_CHARS = 160
MAX_SUMMARY = 1400
BOM = "\ufeff"


# --------------------------------------------------------------------------- items


def when(at: Any) -> str:
    return str(at.strftime("%Y-%m-%d %H:%M"))


def item(record: Record, source: str) -> dict[str, Any]:
    """What the text needs of one entry; `source` is its file relative to the work tree."""
    entry = record.entry
    summary = entry.of_kind("summary")
    day = entry.day.isoformat() if entry.day is not None else None
    return {
        "k": [record.at.timestamp(), record.user, source, entry.line],
        "d": [record.project, record.user, day, entry.time, entry.title,
              [b.text for b in entry.bullets]],
        "p": record.project,
        "u": record.user,
        "w": when(record.at),
        "day": record.at.date().isoformat(),
        "t": entry.title,
        "x": entry.title + (f": {summary[0].body}" if summary else ""),
        "n": [b.body for b in entry.of_kind("next")][:SHOWN_NEXT],
        "b": [[i, b.kind, b.body] for i, b in enumerate(entry.bullets)
              if b.kind in ("blocker", "unblock")],
    }


def _key(it: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(it["k"])


def _dedupe_key(it: dict[str, Any]) -> tuple[Any, ...]:
    project, user, day, time, title, bullets = it["d"]
    return (project, user, day, time, title, tuple(bullets))


def _select(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items the text can show (ordered, without duplicates): each user's last PER_USER
    and latest with next steps, and the last SHOWN_ENTRIES of all."""
    keep: set[int] = set(range(max(0, len(items) - SHOWN_ENTRIES), len(items)))
    counts: dict[str, int] = {}
    with_next: set[str] = set()
    for i in range(len(items) - 1, -1, -1):
        user = items[i]["u"]
        if counts.get(user, 0) < PER_USER:
            counts[user] = counts.get(user, 0) + 1
            keep.add(i)
        if items[i]["n"] and user not in with_next:
            with_next.add(user)
            keep.add(i)
    return [items[i] for i in sorted(keep)]


def _merge(old: list[dict[str, Any]], new: Iterable[dict[str, Any]]) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]]]:
    """(old and new in order without duplicates (the first of a kind stays), the new kept)."""
    tagged = [(it, False) for it in old] + [(it, True) for it in new]
    tagged.sort(key=lambda t: _key(t[0]))
    seen: set[tuple[Any, ...]] = set()
    out: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for it, is_new in tagged:
        dk = _dedupe_key(it)
        if dk in seen:
            continue
        seen.add(dk)
        out.append(it)
        if is_new:
            added.append(it)
    return out, added


def empty(months: list[str], marker: list[Any], zone: str) -> dict[str, Any]:
    return {"v": VERSION, "zone": zone, "months": months, "marker": marker, "last": None,
            "projects": [], "items": [], "blockers": [], "days": {}}


def fold(summary: dict[str, Any], items: Iterable[dict[str, Any]], *,
         archived: bool) -> dict[str, Any] | None:
    """`summary` with `items` (entries, automatic ones left out) folded in, as a replay of the
    window with them would leave it; None when only such a replay can say (an entry that
    opens or closes a blocker is earlier than the newest folded already).

    `archived`: the items are archive entries (they count towards `days` and `last`)."""
    new = sorted(items, key=_key)
    last = summary.get("last")
    if last is not None and any(it["b"] and _key(it) < tuple(last) for it in new):
        return None
    merged, added = _merge(summary["items"], new)
    blockers: list[dict[str, Any]] = [dict(b) for b in summary["blockers"]]
    if any(kind == "unblock" for it in added for _, kind, _ in it["b"]):
        from sessionlog_git.logs.matching import WordIndex

        book: WordIndex[dict[str, Any]] = WordIndex(
            lambda b: str(b["body"]), lambda b: str(b["u"]), blockers)
        for it in added:
            for _, kind, body in it["b"]:
                if kind == "blocker":
                    book.add(_blocker(it, body))
                else:
                    book.take(body, it["u"])
        blockers = list(book.items)
    else:
        blockers += [_blocker(it, body) for it in added for _, kind, body in it["b"]
                     if kind == "blocker"]
    days = {u: dict(d) for u, d in summary["days"].items()}
    if archived:
        for it in added:
            mine = days.setdefault(it["u"], {})
            mine[it["day"]] = mine.get(it["day"], 0) + 1
        for user, counted in days.items():
            days[user] = {d: counted[d] for d in sorted(counted)[-DAYS_KEPT:]}
        if added:
            newest = list(added[-1]["k"])
            last = newest if last is None or tuple(newest) > tuple(last) else last
    return {**summary, "last": last, "items": _select(merged), "blockers": blockers[-MAX_BLOCKERS:],
            "projects": sorted({*summary["projects"], *(it["p"] for it in added)}), "days": days}


def _blocker(it: dict[str, Any], body: str) -> dict[str, Any]:
    return {"u": it["u"], "body": body, "w": it["w"]}


# --------------------------------------------------------------------------- the text


def _clip(text: str) -> str:
    from sessionlog_git.base.text import clip, one_line

    return clip(one_line(text), LINE_CHARS)


def left_off(summary: dict[str, Any], user: str) -> str:
    """What `continuity.left_off` says of the same records ("" when there is no history)."""
    recs = summary["items"]
    if not recs:
        return ""
    several = len(summary["projects"]) > 1

    def line(it: dict[str, Any]) -> str:
        where = f" [{it['p']}]" if several else ""
        return _clip(f"- {it['w']}{where} {it['x']}")

    lines: list[str] = []
    mine = [it for it in recs if it["u"] == user]
    if mine:
        lines.append(f"Last entries by {user}:")
        lines += [line(it) for it in mine[-SHOWN_ENTRIES:]]
    else:
        lines.append(f"No entries by {user} yet; latest in this repository:")
        lines += [line(it) + f" ({it['u']})" for it in recs[-SHOWN_ENTRIES:]]
    still_open = summary["blockers"]
    if still_open:
        lines.append("Open blockers:")
        for b in reversed(still_open[-SHOWN_BLOCKERS:]):
            lines.append(_clip(f"- {b['body']} ({b['u']}, since {b['w']})"))
    with_next = [it for it in mine if it["n"]]
    if with_next:
        latest = with_next[-1]
        lines.append(f"Next steps (from {latest['w']}):")
        lines += [_clip(f"- {n}") for n in latest["n"][:SHOWN_NEXT]]
    text = "\n".join(lines)
    if len(text) > MAX_SUMMARY:
        text = text[: MAX_SUMMARY - 1].rsplit("\n", 1)[0] + "\n…"
    return text


def committed_today(summary: dict[str, Any], user: str, day: str) -> int | None:
    """This user's archived entries of `day` (YYYY-MM-DD); None when the summary cannot say
    (a day before the latest DAYS_KEPT it kept)."""
    days = summary["days"].get(user) or {}
    if day in days:
        return int(days[day])
    if len(days) >= DAYS_KEPT and day < min(days):
        return None
    return 0


def logged_since(summary: dict[str, Any], user: str, since_ts: float, since_hm: str) -> str:
    """What `continuity.logged_since` says: this user's entries at or after `since`."""
    mine = [it for it in summary["items"] if it["u"] == user and it["k"][0] >= since_ts]
    if not mine:
        return f"Nothing logged in this session yet (since {since_hm})."
    lines = ["Logged in this session so far:"]
    lines += [_clip(f"- {it['w'][11:]} {it['t']}") for it in mine[-SHOWN_LOGGED:]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the file


def path(state_path: str | os.PathLike[str]) -> str:
    return os.path.join(state_path, START_SUMMARY)


def window(logs_path: str | os.PathLike[str]) -> list[str]:
    """The archive month folders the text reads, newest first."""
    from sessionlog_git.logs import layout

    return layout.archive_months(logs_path)[::-1][:HISTORY_MONTHS]


def marker(logs_path: str | os.PathLike[str], months: list[str]) -> list[Any]:
    """The window's month, project and user folders with their mtimes and sizes
    (`layout.folder_marker`): any file added to or removed from the window changes it."""
    from sessionlog_git.logs import layout

    return layout.folder_marker(os.path.join(logs_path, ARCHIVE_DIR), months, depth=2)


def load(state_path: str | os.PathLike[str], zone: str) -> dict[str, Any] | None:
    """The summary as saved, when present and of this version and zone; else None."""
    from sessionlog_git.base.leanjson import loads  # json's parser without `re`

    try:
        with open(path(state_path), encoding="utf-8") as handle:
            data = loads(handle.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("v") != VERSION or data.get("zone") != zone:
        return None
    return data


def read(state_path: str | os.PathLike[str], logs_path: str | os.PathLike[str],
         zone: str) -> dict[str, Any] | None:
    """The summary when it is present, of this version and zone, and fresh (the archive's
    window is as it was when the summary was made); else None."""
    data = load(state_path, zone)
    if data is None:
        return None
    months = window(logs_path)
    if data.get("months") != months or data.get("marker") != marker(logs_path, months):
        return None
    return data


def remove(state_path: str | os.PathLike[str]) -> None:
    """Remove the summary (a cache: the next session start makes it again); never fails."""
    import contextlib

    with contextlib.suppress(OSError):
        os.unlink(path(state_path))


def save(state_path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    import json

    from sessionlog_git.base.fsutil import atomic_write_text

    atomic_write_text(path(state_path), json.dumps(data, ensure_ascii=False, separators=(",", ":")))


# --------------------------------------------------------------------------- temp logs, lean


class Irregular(Exception):
    """A temp log not in the shape `sessionlog log` writes: the entry parser must read it."""


def _classify(text: str) -> str:
    """As `entries.classify` (the equivalence test holds them equal)."""
    low = text.lower()
    for kind, prefixes in KIND_PREFIXES:
        if low.startswith(prefixes):
            return kind
    return "note"


def _body(kind: str, text: str) -> str:
    """As `entries.Bullet.body`."""
    low = text.lower()
    for k, prefixes in KIND_PREFIXES:
        if k == kind:
            for prefix in prefixes:
                if low.startswith(prefix) and prefix.endswith(":"):
                    return text[len(prefix):].strip()
    return text


def _meta(stripped: str) -> dict[str, str] | None:
    """The key=value pairs of a `<!-- sessionlog ... -->` line, as entries.parse reads them."""
    if not (stripped.startswith("<!--") and stripped.endswith("-->")):
        return None
    inner = stripped[4:].lstrip()
    if not inner.startswith("sessionlog") or len(inner) < len("sessionlog") + 3:
        return None
    after = inner[len("sessionlog"):]
    if after[0].isalnum() or after[0] == "_":
        return None
    tokens = after[:-3].split()
    values: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key:
            values[key] = value
    return values if tokens and len(values) == len(tokens) else None


def temp_log_items(text: str, project: str, user: str, source: str) -> list[dict[str, Any]]:
    """The items of a temp log written the way `sessionlog log` writes it (every heading
    `## HH:MM - Title` with its `at=` line below, `- ` bullets, indented continuations, blank
    lines); raises Irregular for anything else. Automatic entries are left out."""
    from sessionlog_git.base.dt import datetime

    if "\r" in text:
        raise Irregular("carriage returns")
    lines = text.removeprefix(BOM).split("\n")
    out: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    bullets: list[list[Any]] = []  # [line, text] of the current entry
    header = True
    open_bullet = False
    i = 0
    while i < len(lines):
        number, raw = i + 1, lines[i]
        line = raw.rstrip()
        stripped = line.strip()
        i += 1
        if line.startswith("##") and not line.startswith("###"):
            rest = line[2:].strip()
            hh, mm = rest[:2], rest[3:5]
            title = rest[8:].strip()
            if not (len(rest) > 8 and rest[2] == ":" and rest[5:8] == " - " and hh.isdigit()
                    and mm.isdigit() and hh.isascii() and mm.isascii() and int(hh) <= 23
                    and int(mm) <= 59 and title and title[0] not in "-–—:|"):
                raise Irregular("a heading not written by `sessionlog log`")
            meta = _meta(lines[i].strip()) if i < len(lines) else None
            if not meta or not meta.get("at"):
                raise Irregular("a heading without its at= line")
            try:
                at = datetime.fromisoformat(meta["at"])
            except ValueError:
                raise Irregular("an unreadable at= time") from None
            if at.tzinfo is None:
                raise Irregular("an at= time without an offset")
            i += 1
            bullets = []
            open_bullet = False
            entries.append({"at": at, "time": f"{hh}:{mm}", "title": title, "meta": meta,
                            "line": number, "bullets": bullets})
            header = False
            continue
        if open_bullet and stripped and raw[:1] in (" ", "\t"):
            bullets[-1][1] += "\n" + stripped
            continue
        if header:
            if not stripped or (line.startswith("# ") and number == 1) or _meta(stripped):
                continue
            raise Irregular("text before the first entry")
        if line.startswith("- "):
            bullets.append([number, line[2:].strip()])
            open_bullet = True
            continue
        if stripped:
            raise Irregular("text the entry parser keeps as text")
        open_bullet = False  # a blank line ends the bullet
    for e in entries:
        if e["meta"].get("auto"):
            continue
        at = e["at"]
        kinds = [(n, t, _classify(t)) for n, t in e["bullets"]]
        summary = [_body(k, t) for _, t, k in kinds if k == "summary"]
        out.append({
            "k": [at.timestamp(), user, source, e["line"]],
            "d": [project, user, at.date().isoformat(), e["time"], e["title"],
                  [t for _, t, _ in kinds]],
            "p": project, "u": user, "w": when(at), "day": at.date().isoformat(),
            "t": e["title"],
            "x": e["title"] + (f": {summary[0]}" if summary else ""),
            "n": [_body(k, t) for _, t, k in kinds if k == "next"][:SHOWN_NEXT],
            "b": [[j, k, _body(k, t)] for j, (_, t, k) in enumerate(kinds)
                  if k in ("blocker", "unblock")],
        })
    return out
