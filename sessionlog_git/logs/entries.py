"""Temp log format: parse it into entries and write it back.

A temp log is plain Markdown that an AI or a person appends to::

    # sessionlog: myproj / alice / 2026-11-25
    <!-- sessionlog date=2026-11-25 zone=Europe/Berlin offset=+01:00 -->

    ## 14:30 - Implemented user authentication
    <!-- sessionlog at=2026-11-25T14:30:12+01:00 -->
    - Decision: RS256 over HS256, because key rotation is required
    - Blocked on: Redis session store not configured yet

Nothing a writer puts in a temp log is dropped: lines the parser does not
understand are kept verbatim and reported with their line number, and
`parse(serialize(log))` gives `log` back.
Standard library only: the agent hooks read pending logs on the fast path.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from functools import cache

from sessionlog_git.base.warmup import Warmup
from sessionlog_git.logs.kinds import KIND_PREFIXES  # the one vocabulary table

HEADING = re.compile(r"^##(?!#)\s*(?P<rest>.*?)\s*$")
# ASCII digits only: "١٤:٣٠" is kept verbatim and flagged, not silently rewritten to "14:30".
# Compiled on first use (`_timed`): a heading as `sessionlog log` writes it is read without it.
TIMED = r"^(?P<h>[0-9]{1,2})[:.h](?P<m>[0-9]{2})\b\s*(?:[-–—:|]+\s*)?(?P<title>.*)$"
BULLET = re.compile(r"^[-*+]\s+(?P<text>.*)$")
META = re.compile(r"^<!--\s*sessionlog\b(?P<body>.*?)-->\s*$")
TITLE = re.compile(r"^#\s")
# Line breaks as editors, git and Markdown count them (not str.splitlines(), which also
# breaks at form feeds and Unicode separators and would put problems on the wrong line).
LINE_BREAK = re.compile(r"\r\n|\r|\n")
BOM = "\ufeff"  # a byte order mark some Windows editors put at the start of UTF-8 files
# Past midnight: a time this much earlier than the previous entry's means the next day.
ROLLOVER = timedelta(hours=6)


class Bullet:
    """One bullet of an entry: its kind (decision, blocker, next…) and its text; equal and
    hashed by both, never changed once made.

    The records of a temp log are plain classes (a dataclass costs its generated methods'
    compile at every commit's start)."""

    __slots__ = ("kind", "line", "text")

    def __init__(self, kind: str, text: str, line: int = 0) -> None:
        self.kind = kind
        self.text = text  # the bullet as written, without "- "; continuation lines joined by "\n"
        self.line = line

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bullet):
            return NotImplemented
        return self.kind == other.kind and self.text == other.text

    def __hash__(self) -> int:
        return hash((self.kind, self.text))

    def __repr__(self) -> str:
        return f"Bullet(kind={self.kind!r}, text={self.text!r}, line={self.line!r})"

    @property
    def body(self) -> str:
        """The text after a kind's label ("Decision: X" -> "X"); the whole text otherwise."""
        text = self.text
        heads = _LABEL_HEADS.get(self.kind)
        if heads is not None:
            # Only the span a label can fill is lowered (a report reads tens of thousands of
            # bodies): `str.lower` maps each character alone but a final sigma, never ASCII.
            head, colon, _ = text[:_LABEL_SPAN].lower().partition(":")
            if colon and head in heads:
                return text[len(head) + 1 :].strip()
        return text


# A kind's labels: its prefixes that end in a colon (a kind without one, a note, has no body
# but its text). Each ends at its only colon (the table is held to that by a test), so the
# one a text starts with is known by what precedes the text's first colon: one lookup.
_LABEL_HEADS: dict[str, frozenset[str]] = {
    kind: heads for kind, prefixes in KIND_PREFIXES
    if (heads := frozenset(p[:-1] for p in prefixes if p.endswith(":")))
}
_LABEL_SPAN = max(len(p) for _, prefixes in KIND_PREFIXES for p in prefixes if p.endswith(":"))


class Problem:
    """Something in a temp log that could not be read as written, with its line."""

    __slots__ = ("line", "message", "text")

    def __init__(self, line: int, message: str, text: str) -> None:
        self.line = line
        self.message = message
        self.text = text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.line, self.message, self.text) == (other.line, other.message, other.text)

    def __hash__(self) -> int:
        return hash((self.line, self.message, self.text))

    def __repr__(self) -> str:
        return f"Problem(line={self.line!r}, message={self.message!r}, text={self.text!r})"


class Entry:
    """One entry of a temp log: its heading's time and title, its bullets and meta; equal by
    those and its raw heading (not by where or when it falls)."""

    __slots__ = ("at", "bullets", "day", "heading", "line", "meta", "time", "title")

    def __init__(self, time: str | None, title: str, bullets: list[Bullet] | None = None,
                 meta: dict[str, str] | None = None, heading: str = "", line: int = 0,
                 day: date | None = None, at: datetime | None = None) -> None:
        self.time = time  # "HH:MM" as written in the heading; None when the heading has none
        self.title = title
        self.bullets: list[Bullet] = [] if bullets is None else bullets
        self.meta: dict[str, str] = {} if meta is None else meta
        self.heading = heading  # the raw heading line, kept for headings we could not read
        self.line = line
        self.day = day  # the entry's own local date
        self.at = at  # full local time with offset

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return ((self.time, self.title, self.bullets, self.meta, self.heading)
                == (other.time, other.title, other.bullets, other.meta, other.heading))

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return (f"Entry(time={self.time!r}, title={self.title!r}, bullets={self.bullets!r}, "
                f"meta={self.meta!r}, heading={self.heading!r}, line={self.line!r}, "
                f"day={self.day!r}, at={self.at!r})")

    def of_kind(self, kind: str) -> list[Bullet]:
        return [b for b in self.bullets if b.kind == kind]

    @property
    def summary(self) -> str:
        found = self.of_kind("summary")
        return found[0].body if found else self.title

    def key(self) -> tuple[object, ...]:
        """Identity for de-duplication: the same entry archived twice shows once."""
        return (self.day, self.time, self.title, tuple(b.text for b in self.bullets))


class TempLog:
    """A temp log as parsed: its header, its entries, and what could not be read."""

    __slots__ = ("entries", "header", "meta", "preamble", "problems")

    def __init__(self, header: list[str] | None = None, meta: dict[str, str] | None = None,
                 preamble: list[str] | None = None, entries: list[Entry] | None = None,
                 problems: list[Problem] | None = None) -> None:
        # The title and meta lines before the entries.
        self.header: list[str] = [] if header is None else header
        self.meta: dict[str, str] = {} if meta is None else meta
        # Unexplained text before the first entry.
        self.preamble: list[str] = [] if preamble is None else preamble
        self.entries: list[Entry] = [] if entries is None else entries
        self.problems: list[Problem] = [] if problems is None else problems

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TempLog):
            return NotImplemented
        return ((self.header, self.meta, self.preamble, self.entries, self.problems)
                == (other.header, other.meta, other.preamble, other.entries, other.problems))

    __hash__ = None  # type: ignore[assignment]

    @property
    def day(self) -> date | None:
        return _parse_date(self.meta.get("date", ""))


_ANY_PREFIX = tuple(p for _, prefixes in KIND_PREFIXES for p in prefixes)
_UNKEYED = tuple(p for p in _ANY_PREFIX if p.find(":") != len(p) - 1)  # "chose ": by the table


# A prefix that ends at its only colon is known by what precedes a text's first colon: one
# lookup instead of a test a kind (a backlog classifies tens of thousands of bullets). The
# others ("chose ") are tested in the table's order, as are texts no key names.
_KIND_OF_HEAD: dict[str, str] = {}
for _kind, _prefixes in KIND_PREFIXES:
    for _prefix in _prefixes:
        if _prefix.find(":") == len(_prefix) - 1:
            _KIND_OF_HEAD.setdefault(_prefix[:-1], _kind)


def classify(text: str) -> str:
    low = text.lower()
    if not low.startswith(_ANY_PREFIX):
        return "note"  # most bullets: one test, not one a kind
    return _kind_of_lowered(low)


# How much of a text `classify` reads: its longest prefix (a head before a colon that is a key
# is shorter). A text cut there and then lowered reads as the whole text lowered wherever a
# prefix (ASCII) can match: `str.lower` maps each character alone, but a final sigma, which
# lowers to a Greek letter either way.
_PREFIX_SPAN = max(map(len, _ANY_PREFIX))


def _kind_of_lowered(low: str) -> str:
    """`classify` of a text whose lowered form (or its first `_PREFIX_SPAN` characters or
    more) `low` starts with a prefix of the table."""
    kind = _KIND_OF_HEAD.get(low.partition(":")[0])
    if kind is not None and not low.startswith(_UNKEYED):
        return kind
    for kind, prefixes in KIND_PREFIXES:
        if low.startswith(prefixes):
            return kind
    return "note"


EXPIRES_PROBLEM = (
    "Expires: needs a date as YYYY-MM-DD; kept verbatim, and the entry's decisions do not "
    "expire (write it as 'Expires: 2026-12-31')"
)


def expiry_date(text: str) -> date | None:
    """The date of an `Expires: YYYY-MM-DD` bullet; None when it has no valid one."""
    head, _, rest = text.partition(":")
    if head.strip().lower() != "expires":
        return None
    words = rest.split()
    return _parse_date(words[0].rstrip(".,;")) if words else None


def _meta_values(body: str) -> dict[str, str] | None:
    """The key=value pairs of a sessionlog comment; None unless that is all it holds.

    A comment with anything else in it (a stray word, `=x`, a key twice) would lose that
    text when written back from the values alone, so it is not meta: it is kept as text.
    """
    values: dict[str, str] = {}
    for token in body.split():
        key, sep, value = token.partition("=")
        if not sep or not key or key in values:
            return None
        values[key] = value
    return values or None


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@cache
def _timed() -> re.Pattern[str]:
    return re.compile(TIMED)  # its compile costs more than reading a backlog's headings


_HOURS = frozenset(f"{hour:02d}" for hour in range(24))
_MINUTES = frozenset(f"{minute:02d}" for minute in range(60))


def _parse_time(text: str) -> tuple[str | None, str]:
    """'14:30 - Title' -> ('14:30', 'Title'); (None, text) when there is no valid time.

    `text` starts with no white space. A heading as `sessionlog log` writes it ("HH:MM - ",
    ASCII digits) is read by slicing, to what TIMED reads from it; any other by TIMED."""
    if text[5:8] == " - " and text[2:3] == ":" and text[:2] in _HOURS and text[3:5] in _MINUTES:
        return text[:5], text[8:].strip()
    m = _timed().match(text)
    if not m:
        return None, text
    hour, minute = int(m["h"]), int(m["m"])
    if hour > 23 or minute > 59:
        return None, text
    return f"{hour:02d}:{minute:02d}", m["title"].strip()


_BULLET_MARKS = frozenset("-*+")


def parse(text: str, *, day: date | None = None, offset: timezone | None = None) -> TempLog:
    """Parse a temp log and place its entries in time.

    `day` is the log's local date; without it the file's `date=` meta is used. `offset` is
    used when the file does not record its own `offset=` meta (the file's wins).
    """
    text = text.removeprefix(BOM)
    log = _parse_plain(text) if PLAIN.ready(len(text)) else None
    log = log or _parse_lines(text)
    _place_in_time(log, day or log.day, _file_offset(log) or offset)
    return log


# The block reader's patterns cost a compile (a third of a millisecond) that reading a few
# lines does not repay: a process takes it up once it has read this many characters line by
# line (`PLAIN.after`: a backlog's temp logs, not a commit's one new day).
PLAIN = Warmup()


# A temp log exactly as `sessionlog log` writes it (file_header, then each format_entry after a
# blank line), read by one match a block instead of one step a line: the title and the meta
# line, then each entry's heading, its meta line and its bullets (a bullet's continuation lines
# indented by two spaces). `_parse_plain` reads such a log exactly as `_parse_lines` does, and
# leaves anything else to it: a carriage return, a title ending in white space, a blank line or
# a bullet holding only white space, a heading without a valid time, a comment that is not all
# key=value pairs, a text line, two blank lines.
_PLAIN: list[tuple[re.Pattern[str], re.Pattern[str]]] = []


def _plain_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The title and meta line; an entry (a blank line, its heading, its meta line, its
    bullets each with its continuation lines). Compiled on first use."""
    if not _PLAIN:
        _PLAIN.append((
            re.compile(r"(# [^\n]*)\n(<!-- sessionlog ([^\n]*) -->)\n"),
            # a heading as `sessionlog log` writes it gives its time and title (what
            # `_parse_time` reads from it by slicing), any other its text after "## "
            re.compile(r"\n(## (?:((?:[01][0-9]|2[0-3]):[0-5][0-9]) - ([^\n]*)|([^\n]*)))\n"
                       r"(?:<!-- sessionlog ([^\n]*) -->\n)?((?:- [^\n]*\n(?:  [^\n]*\n)*)*)"),
        ))
    return _PLAIN[0]


def _parse_plain(text: str) -> TempLog | None:
    """`_parse_lines(text)` for a log as `sessionlog log` writes it; None for any other.

    A backlog reads thousands of entries here, so each step takes its cheapest exact form:
    a heading's "HH:MM - " is read by the entry's pattern (any other heading by
    `_parse_time`), an `at=` meta line by slicing (any other by `_meta_values`, as line by
    line), a block without continuation lines is one bullet a line, and a bullet's kind is
    told from its first `_PREFIX_SPAN` characters lowered."""
    plain_head, plain_entry = _plain_patterns()
    head = plain_head.match(text)
    if head is None or "\r" in text or head[1] != head[1].rstrip():
        return None
    values = _meta_values(head[3])
    if values is None:
        return None
    log = TempLog(header=[head[1], head[2]], meta=values)
    number = 3  # the line the next match starts on
    pos = head.end()
    entries, problems = log.entries, log.problems
    any_prefix, kind_of_lowered, span = _ANY_PREFIX, _kind_of_lowered, _PREFIX_SPAN
    match = plain_entry.match
    while (m := match(text, pos)) is not None:
        pos = m.end()
        heading, time, title, rest, body, block = m.group(1, 2, 3, 4, 5, 6)
        if time is not None:  # "HH:MM - title": `_parse_time` of it, whatever the title holds
            title = title.strip()
        else:
            time, title = _parse_time(rest.strip())
            if time is None:
                return None
        first = number + 1  # the heading's (the match starts at the blank line before it)
        number += 2
        meta: dict[str, str] | None = {}
        if body is not None:
            # `at=` and no white space (a printable text's only one is the space): one pair
            if body[:3] == "at=" and " " not in body and body.isprintable():
                meta = {"at": body[3:]}
            else:
                meta = _meta_values(body)
                if meta is None:
                    return None
            number += 1
        bullets: list[Bullet] = []
        entries.append(Entry(time, title, bullets, meta, heading.rstrip(), first))
        if not block:
            continue
        add = bullets.append
        if "\n  " in block:  # continuation lines: the bullet's lines joined
            number = _plain_bullets(block, number, bullets, problems)
            if number < 0:
                return None
            continue
        lines = block.split("\n")
        lines.pop()  # the block ends with a line break
        for line in lines:  # "- text" each, as the pattern matched
            said = line[2:].strip()
            if not said:
                return None  # a dash and white space: a text line, line by line
            low = said[:span].lower()  # as much as classify reads of it lowered
            kind = kind_of_lowered(low) if low.startswith(any_prefix) else "note"
            if kind == "expires" and expiry_date(said) is None:
                problems.append(Problem(number, EXPIRES_PROBLEM, line.rstrip()))
            add(Bullet(kind, said, number))
            number += 1
    if text[pos:] not in ("", "\n"):
        return None
    return log


def _plain_bullets(block: str, number: int, bullets: list[Bullet],
                   problems: list[Problem]) -> int:
    """The bullets of an entry's block with continuation lines, numbered from `number`:
    the number after them, or -1 where the block is not plain."""
    parts: list[str] = []
    kind, first = "", 0
    for line in block.split("\n")[:-1]:
        if line[:2] == "- ":
            if parts:
                bullets.append(Bullet(kind, "\n".join(parts), first))
            parts = [line[2:].strip()]
            if not parts[0]:
                return -1  # a dash and white space: a text line, line by line
            kind, first = classify(parts[0]), number
            if kind == "expires" and expiry_date(parts[0]) is None:
                problems.append(Problem(number, EXPIRES_PROBLEM, line.rstrip()))
        else:  # a continuation line
            parts.append(line.strip())
            if not parts[-1]:
                return -1  # white space only: a blank line, line by line
        number += 1
    if parts:
        bullets.append(Bullet(kind, "\n".join(parts), first))
    return number


def _parse_lines(text: str) -> TempLog:
    """A temp log read line by line: any text at all."""
    log = TempLog()
    current: Entry | None = None
    bullet_lines: list[str] | None = None  # lines of the bullet being read
    bullet_kind = ""
    bullet_line = 0

    def flush_bullet() -> None:
        nonlocal bullet_lines
        if current is not None and bullet_lines is not None:
            current.bullets.append(Bullet(bullet_kind, "\n".join(bullet_lines), bullet_line))
        bullet_lines = None

    # Each pattern is tried only on a line that starts as it must (a heading with "##", a
    # comment with "<!--", a bullet with "-", "*" or "+"): most lines meet one test, not four.
    # Without a carriage return the line breaks are the newlines: str.split, not the regex
    lines = LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        stripped = line.lstrip()
        heading = HEADING.match(line) if line[:2] == "##" else None
        if heading:
            flush_bullet()
            time, title = _parse_time(heading["rest"])
            current = Entry(time=time, title=title, heading=line, line=number)
            log.entries.append(current)
            if time is None:
                log.problems.append(
                    Problem(
                        number,
                        "entry heading has no valid HH:MM time; kept, placed after the entry "
                        "before it (write it as '## HH:MM - Title')",
                        line,
                    )
                )
            continue
        if bullet_lines is not None and stripped and raw[:1] in (" ", "\t"):
            # an indented continuation of the bullet, whatever it looks like: checked before
            # meta comments so that every continuation written by format_entry reads back
            bullet_lines.append(stripped)
            continue
        meta = META.match(stripped) if stripped[:4] == "<!--" else None
        values = _meta_values(meta["body"]) if meta else None
        if values is not None:
            flush_bullet()
            if current is None:
                log.header.append(line)
                log.meta.update(values)
            elif not current.bullets and not current.meta:
                current.meta.update(values)
            else:
                current.bullets.append(Bullet("text", line, number))
            continue
        if meta:
            log.problems.append(
                Problem(
                    number,
                    "sessionlog comment is not a list of key=value pairs; kept verbatim as "
                    "text (write it as '<!-- sessionlog key=value ... -->')",
                    line,
                )
            )
        if current is None:
            if not stripped:
                continue
            if TITLE.match(line) and not log.header:
                log.header.append(line)
                continue
            log.preamble.append(line)
            if not meta:
                log.problems.append(
                    Problem(
                        number,
                        "text before the first entry heading; kept verbatim "
                        "(start entries with '## HH:MM - Title')",
                        line,
                    )
                )
            continue
        bullet = BULLET.match(line) if line[:1] in _BULLET_MARKS else None
        if bullet:
            flush_bullet()
            bullet_lines = [bullet["text"].strip()]
            bullet_kind = classify(bullet_lines[0])
            bullet_line = number
            if bullet_kind == "expires" and expiry_date(bullet_lines[0]) is None:
                log.problems.append(Problem(number, EXPIRES_PROBLEM, line))
            continue
        if not stripped:
            flush_bullet()
            continue
        flush_bullet()
        current.bullets.append(Bullet("text", line, number))
    flush_bullet()
    return log


def _file_offset(log: TempLog) -> timezone | None:
    from sessionlog_git.base.clock import parse_offset

    return parse_offset(log.meta.get("offset", ""))


def _place_in_time(log: TempLog, day: date | None, offset: timezone | None) -> None:
    """Give each entry its own local date and full time; a session past midnight rolls over.

    An entry's `at=` meta wins; else its heading time on the day of the entry before it (or
    `day` for the first), the next day when that is more than ROLLOVER earlier. Without an
    offset, the offset of the entry before it is used, so naive and aware times never mix.
    """
    previous: datetime | None = None
    for entry in log.entries:
        written = entry.meta.get("at")
        at = None
        if written:  # a time with its offset, else none (a backlog places thousands)
            try:
                at = datetime.fromisoformat(written)
            except ValueError:
                pass
            else:
                if at.tzinfo is None:
                    at = None
        if at is None:  # placed by its heading time, or with the entry before it
            base = previous.date() if previous is not None else day
            if base is not None and entry.time is not None:
                hour, minute = int(entry.time[:2]), int(entry.time[3:])
                naive = datetime(base.year, base.month, base.day, hour, minute)
                zone = offset or (previous.tzinfo if previous is not None else None)
                candidate = naive.replace(tzinfo=zone) if zone else naive
                if previous is not None and _naive(previous) - naive > ROLLOVER:
                    with contextlib.suppress(OverflowError):  # 9999-12-31 has no next day
                        candidate += timedelta(days=1)
                at = candidate
            if at is None and previous is not None:
                at = previous  # a heading without a time sits with the entry before it
            if at is None and day is not None:
                at = datetime(day.year, day.month, day.day, tzinfo=offset)
        entry.at = at
        entry.day = at.date() if at is not None else day
        if at is not None:
            previous = at


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None)


# --- writing -----------------------------------------------------------------------------


def meta_comment(values: dict[str, str]) -> str:
    body = " ".join(f"{k}={v}" for k, v in values.items() if k and " " not in k + v)
    return f"<!-- sessionlog {body} -->"


def file_header(project: str, user: str, day: date, zone: str, offset: str) -> list[str]:
    return [
        f"# sessionlog: {project} / {user} / {day.isoformat()}",
        meta_comment({"date": day.isoformat(), "zone": zone, "offset": offset}),
    ]


def format_entry(entry: Entry) -> list[str]:
    """The lines of one entry, as `sessionlog log` writes it."""
    if entry.time is not None:
        head = f"## {entry.time} - {entry.title}".rstrip()
    else:
        head = entry.heading or f"## {entry.title}".rstrip()
    lines = [head]
    if entry.meta:
        lines.append(meta_comment(entry.meta))
    after_bullet = False
    for bullet in entry.bullets:
        if bullet.kind == "text":
            if after_bullet and bullet.text[:1] in (" ", "\t"):
                lines.append("")  # else it would read back as the bullet's continuation
            lines.append(bullet.text)
            after_bullet = False
            continue
        after_bullet = True
        first, *rest = bullet.text.split("\n")
        lines.append(f"- {first}")
        # a blank line would end the bullet; surrounding whitespace is not content
        lines.extend(f"  {more.strip()}" for more in rest if more.strip())
    return lines


def serialize(log: TempLog) -> str:
    """Write a parsed temp log back; parsing the result gives the same log."""
    blocks: list[list[str]] = []
    if log.header:
        blocks.append(list(log.header))
    if log.preamble:
        blocks.append(list(log.preamble))
    blocks.extend(format_entry(e) for e in log.entries)
    text = "\n\n".join("\n".join(b) for b in blocks) + ("\n" if blocks else "")
    # parse() drops one leading byte order mark; a U+FEFF that is content must survive that
    return BOM + text if text.startswith(BOM) else text


def entry_from_parts(time: str, title: str, bullets: Iterable[str], meta: dict[str, str]) -> Entry:
    """An entry as `sessionlog log` writes it; a bullet's lines are stripped, blank ones dropped,
    so the entry reads back from `format_entry` exactly as built."""
    items: list[str] = []
    for bullet in bullets:
        text = "\n".join(line.strip() for line in LINE_BREAK.split(bullet) if line.strip())
        if text:
            items.append(text)
    return Entry(time=time, title=title, bullets=[Bullet(classify(b), b) for b in items], meta=meta)
