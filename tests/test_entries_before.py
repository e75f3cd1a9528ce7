"""The temp log reader of before (frozen below) and the one in the package read every input
the same: a backlog's block reader was rewritten for speed, and what it gives is a promise.

Kept here only: `_parse_plain` (with its entry pattern), `_parse_time`, `_meta_values` and
`_place_in_time` as they were before headings and `at=` lines were read by slicing, and a
bullet's `body` as it was before its label was found by one lookup. The rest
of the reader (the line by line reader, `classify`) is the package's, run with the old
`_parse_time` and `_meta_values`.
Inputs: logs written by the package's own writers, the same mutated line by line, the redaction
corpora as log lines, headings of every shape, and random text.
"""
from __future__ import annotations

import contextlib
import random
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any
from unittest import mock

import leak_corpus
import leak_corpus_heldout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leak_corpus_clean import CLEAN_LINES
from secret_corpus import CLEAN, SECRETS

from sessionlog_git.logs import entries
from sessionlog_git.logs.entries import (
    BOM,
    EXPIRES_PROBLEM,
    ROLLOVER,
    Bullet,
    Entry,
    Problem,
    TempLog,
    classify,
    entry_from_parts,
    expiry_date,
    file_header,
    format_entry,
)
from sessionlog_git.logs.kinds import KIND_PREFIXES, KINDS

DAY = date(2024, 6, 7)
UTC = timezone.utc


# --- the reader of before, frozen -------------------------------------------------------------


def _old_parse_meta(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for token in body.split():
        key, sep, value = token.partition("=")
        if sep and key:
            out[key] = value
    return out


def _old_meta_values(body: str) -> dict[str, str] | None:
    tokens = body.split()
    values = _old_parse_meta(body)
    if not tokens or len(values) != len(tokens):
        return None
    return values


_OLD_TIMED = re.compile(
    r"^(?P<h>[0-9]{1,2})[:.h](?P<m>[0-9]{2})\b\s*(?:[-–—:|]+\s*)?(?P<title>.*)$"
)


def _old_parse_time(text: str) -> tuple[str | None, str]:
    m = _OLD_TIMED.match(text)
    if not m:
        return None, text
    hour, minute = int(m["h"]), int(m["m"])
    if hour > 23 or minute > 59:
        return None, text
    return f"{hour:02d}:{minute:02d}", m["title"].strip()


def _old_bullet(kind: str, text: str, line: int) -> entries.Bullet:
    return entries.Bullet(kind, text, line)


# The entry pattern before a heading's time and title were read by it.
_OLD_PLAIN_ENTRY = re.compile(r"\n(## ([^\n]*))\n(?:<!-- sessionlog ([^\n]*) -->\n)?"
                              r"((?:- [^\n]*\n(?:  [^\n]*\n)*)*)")


def _old_parse_plain(text: str) -> TempLog | None:
    plain_head, plain_entry = entries._plain_patterns()[0], _OLD_PLAIN_ENTRY
    head = plain_head.match(text)
    if head is None or "\r" in text or head[1] != head[1].rstrip():
        return None
    values = _old_meta_values(head[3])
    if values is None:
        return None
    log = TempLog(header=[head[1], head[2]], meta=values)
    number = 3
    pos = head.end()
    found, problems = log.entries, log.problems
    while (m := plain_entry.match(text, pos)) is not None:
        heading, body, block = m[1].rstrip(), m[3], m[4]
        time, title = _old_parse_time(m[2].strip())
        if time is None:
            return None
        entry = Entry(time=time, title=title, heading=heading, line=number + 1)
        found.append(entry)
        number += 2
        if body is not None:
            meta = _old_meta_values(body)
            if meta is None:
                return None
            entry.meta.update(meta)
            number += 1
        bullets = entry.bullets
        parts: list[str] = []
        kind, first = "", 0
        for line in block.split("\n")[:-1]:
            if line[:2] == "- ":
                if parts:
                    bullets.append(_old_bullet(kind, "\n".join(parts), first))
                parts = [line[2:].strip()]
                if not parts[0]:
                    return None
                kind, first = classify(parts[0]), number
                if kind == "expires" and expiry_date(parts[0]) is None:
                    problems.append(Problem(number, EXPIRES_PROBLEM, line.rstrip()))
            else:
                parts.append(line.strip())
                if not parts[-1]:
                    return None
            number += 1
        if parts:
            bullets.append(_old_bullet(kind, "\n".join(parts), first))
        pos = m.end()
    if text[pos:] not in ("", "\n"):
        return None
    return log


def _old_meta_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _old_place_in_time(log: TempLog, day: date | None, offset: timezone | None) -> None:
    previous: datetime | None = None
    for entry in log.entries:
        at = _old_meta_time(entry.meta.get("at", ""))
        base = previous.date() if previous is not None else day
        if at is None and base is not None and entry.time is not None:
            hour, minute = int(entry.time[:2]), int(entry.time[3:])
            naive = datetime(base.year, base.month, base.day, hour, minute)
            zone = offset or (previous.tzinfo if previous is not None else None)
            candidate = naive.replace(tzinfo=zone) if zone else naive
            if previous is not None and previous.replace(tzinfo=None) - naive > ROLLOVER:
                with contextlib.suppress(OverflowError):
                    candidate += timedelta(days=1)
            at = candidate
        if at is None and previous is not None:
            at = previous
        if at is None and day is not None:
            at = datetime(day.year, day.month, day.day, tzinfo=offset)
        entry.at = at
        entry.day = at.date() if at is not None else day
        if at is not None:
            previous = at


def _old_parse(text: str, *, day: date | None = None, offset: timezone | None = None) -> TempLog:
    text = text.removeprefix(BOM)
    with mock.patch.object(entries, "_meta_values", _old_meta_values), \
            mock.patch.object(entries, "_parse_time", _old_parse_time):
        log = _old_parse_plain(text) or entries._parse_lines(text)
        _old_place_in_time(log, day or log.day, entries._file_offset(log) or offset)
    return log


# --- comparing them ---------------------------------------------------------------------------


def _dump(log: TempLog | None) -> Any:
    if log is None:
        return None
    return (log.header, log.meta, log.preamble,
            [(p.line, p.message, p.text) for p in log.problems],
            [(e.time, e.title, [(b.kind, b.text, b.line) for b in e.bullets], e.meta, e.heading,
              e.line, e.day, e.at, e.at.utcoffset() if e.at else None) for e in log.entries])


def _same(text: str) -> bool:
    """Both readers give the same log for `text`, block reader or not, placed or not; True
    when the block reader took it."""
    plain = entries._parse_plain(text)
    assert _dump(plain) == _dump(_old_parse_plain(text)), text
    for kw in ({}, {"day": DAY, "offset": UTC}, {"day": DAY, "offset": None}):
        for ready in (True, False):
            entries.PLAIN.seen = entries.PLAIN.after if ready else 0
            got = entries.parse(text, **kw)  # type: ignore[arg-type]
            assert _dump(got) == _dump(_old_parse(text, **kw)), text  # type: ignore[arg-type]
    return plain is not None


@given(st.text(alphabet=" \t\u3000\u00a0\u2028\x0b\x1cab=<>!-:", max_size=40))
@settings(max_examples=500, deadline=None)
def test_meta_values_read_every_comment_as_before(body: str) -> None:
    assert entries._meta_values(body) == _old_meta_values(body)
    with_at = "at=" + body
    assert entries._meta_values(with_at) == _old_meta_values(with_at)


def _written(rng: random.Random, n: int, pool: list[str]) -> str:
    """A temp log as `sessionlog log` writes it: header, then entries from the writers."""
    lines = [*file_header("shop", "u00", DAY, "UTC", "+00:00"), ""]
    for i in range(n):
        hour, minute = rng.randrange(24), rng.randrange(60)
        meta: dict[str, str] = rng.choice([
            {"at": f"2024-06-07T{hour:02d}:{minute:02d}:00+00:00"}, {},
            {"at": f"2024-06-07T{hour:02d}:{minute:02d}:00"},  # naive: placed by its heading
            {"at": "2024-06-07T08:00:00+05:30", "agent": "codex"}, {"at": "soon"},
            {"agent": "claude-code"}])
        picked = rng.sample(pool, rng.randrange(0, min(5, len(pool)) + 1))
        title = rng.choice(["Title", "", " spaced ", "- dash", "–x", "a  b", "日本", f"t{i}"])
        entry = entry_from_parts(f"{hour:02d}:{minute:02d}", title, picked, meta)
        lines += [*format_entry(entry), ""]
    return "\n".join(lines)


BULLETS = ["Decision: RS256 over HS256, because key rotation is required",
           "Blocked on: Redis session store not configured yet", "Expires: 2026-12-31",
           "Expires: soon", "expires:", "Tried: a\nthen b\n  and c", "plain note", "Next: ship it",
           "Unblocked: Redis is ready", "- a bullet that starts with a dash", "chose x over y",
           "## not a heading, a bullet", "SUMMARY: all of it", "Rejected: z", "İstanbul: note",
           "Kelvin K: x", "ΣΑΣ: sigma", "next steps: one\ntwo", "note \u3000 with wide space"]


def test_logs_as_written_read_the_same() -> None:
    rng = random.Random(20240607)
    taken = 0
    for n in (0, 1, 2, 5, 20, 60):
        for _ in range(5):
            taken += _same(_written(rng, n, BULLETS))
    assert taken >= 25  # the block reader read them


HEADINGS = ["## 08:49 - T", "## 8:49 - T", "## 08.49 - T", "## 08h49 - T", "## 23:59 - T",
            "## 24:00 - T", "## 08:60 - T", "## 08:49 -T", "## 08:49- T", "## 08:49 -- T",
            "## 08:49 - - T", "## 08:49 - – T", "## 08:49 —T", "## 08:49 | T", "## 08:49: T",
            "## 08:49 -\tT", "## 08:49 -\u3000T", "## 08:49 - ", "## 08:49 -", "## 08:49",
            "## 08:49x - T", "## 08:491 - T", "## ٠٨:٣٠ - T", "##  08:49 - T", "## 08:49 - T ",
            "## 08:49 - T\u3000", "## 08:49 - \u00a0T", "## 008:49 - T", "## 8:5 - T", "## T",
            "## 08:49 - 09:10 - T", "## 08:49 \u2013 T", "## 0:00 - T", "## 00:00 - T"]
METAS = ["<!-- sessionlog at=2024-06-07T08:49:00+00:00 -->",
         "<!-- sessionlog at=2024-06-07T08:49:00 -->", "<!-- sessionlog at= -->",
         "<!-- sessionlog at=2024-06-07T08:49:00+00:00\u00a0 -->",
         "<!-- sessionlog at=2024-06-07T08:49:00+00:00\x1c -->",
         "<!-- sessionlog at=x=y -->", "<!-- sessionlog at=a at=b -->",
         "<!-- sessionlog  at=2024-06-07T08:49:00+00:00 -->", "<!-- sessionlog at -->",
         "<!-- sessionlog at=2024-06-07T08:49:00+00:00 agent=x -->", "<!-- sessionlog =x -->",
         "<!-- sessionlog at=\u00e9t\u00e9 -->", "<!-- sessionlog at=2024-06-07T08:49Z -->",
         "<!-- sessionlog at=2024-06-07 -->", "<!-- sessionlog  -->"]


def test_every_heading_and_meta_line_reads_the_same() -> None:
    head = "\n".join(file_header("shop", "u00", DAY, "UTC", "+00:00"))
    for heading in HEADINGS:
        for meta in ["", *METAS]:
            for bullets in ("", "- a\n", "- Expires: soon\n  more\n", "- Tried: x\n- b\n"):
                body = f"{heading}\n{meta}\n" if meta else f"{heading}\n"
                text = f"{head}\n\n## 07:00 - first\n\n{body}{bullets}\n## 23:50 - last\n"
                _same(text)


STRAY = ["", "text", "  cont", "   ", "\t- t", "- ", "-", "* star", "+ plus", "## 10:00 - t",
         "### sub", "<!-- sessionlog bad -->", "<!-- sessionlog a=b -->", "- Expires: nope",
         "\u2028", "\x0c", "- e ", "# title", "\ufeff", "  <!-- sessionlog a=b -->"]


def test_written_logs_changed_line_by_line_read_the_same() -> None:
    rng = random.Random(5)
    for _ in range(400):
        lines = _written(rng, rng.randrange(1, 6), BULLETS).split("\n")
        for _change in range(rng.randrange(1, 3)):
            at = rng.randrange(len(lines) + 1)
            what = rng.randrange(3)
            if what == 0 or not lines:
                lines.insert(at, rng.choice(STRAY))
            elif what == 1:
                del lines[min(at, len(lines) - 1)]
            else:
                line = lines[min(at, len(lines) - 1)]
                cut = rng.randrange(len(line) + 1)
                lines[min(at, len(lines) - 1)] = line[:cut] + rng.choice(STRAY) + line[cut:]
        _same("\n".join(lines) + rng.choice(["", "\n", "\n\n", " "]))


def test_the_redaction_corpora_as_log_lines_read_the_same() -> None:
    pool = [line.removeprefix("- ") for line in [*CLEAN, *CLEAN_LINES]
            if not line.startswith("#")] + [line.removeprefix("- ") for _, line in SECRETS]
    rng = random.Random(11)
    taken = 0
    for _ in range(60):
        taken += _same(_written(rng, 8, pool))
    head = "\n".join(file_header("shop", "u00", DAY, "UTC", "+00:00"))
    for shape in [*leak_corpus.SHAPES, *leak_corpus_heldout.SHAPES]:
        for form in [*leak_corpus.FORMS.values(), leak_corpus.url_encoded, leak_corpus.wrapped]:
            if shape.block and form is leak_corpus.wrapped:
                continue
            written = form(shape)
            if not written.startswith("## "):
                written = "## 10:30 - t\n<!-- sessionlog at=2024-06-07T10:30:00+00:00 -->\n" + written
            taken += _same(f"{head}\n\n{written}")
            _same(f"{head}\n\n{written}".replace("\n", "\r\n"))
    assert taken >= 60


@given(st.lists(st.one_of(st.sampled_from([*HEADINGS, *METAS, *STRAY, "- Decision: x", "- n",
                                           "  c"]),
                          st.text(alphabet="#-*+ \t:0123456789ab<!>=\u3000", max_size=12)),
                max_size=14))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_text_reads_the_same(lines: list[str]) -> None:
    head = "\n".join(file_header("shop", "u00", DAY, "UTC", "+00:00"))
    _same("\n".join([head, "", *lines]))
    _same("\n".join(lines))


def test_the_benchmark_shaped_log_reads_the_same() -> None:
    """Twenty entries of prose bullets with `at=` lines, as the backlog benchmark writes."""
    rng = random.Random(3)
    words = "ledger locale mobile deploy query pagination session worker cache".split()
    lines = [*file_header("shop", "u00", DAY, "UTC", "+00:00"), ""]
    for i in range(20):
        bullets = [" ".join(rng.choices(words, k=8)).capitalize(),
                   "Decision: " + " ".join(rng.choices(words, k=6)),
                   "Next: " + " ".join(rng.choices(words, k=5))][: rng.randrange(1, 4)]
        meta = {"at": f"2024-06-07T{8 + i // 3:02d}:{i % 60:02d}:00+00:00"}
        lines += [*format_entry(entry_from_parts(f"{8 + i // 3:02d}:{i % 60:02d}",
                                                 f"Entry {i}", bullets, meta)), ""]
    assert _same("\n".join(lines))


def test_an_unreadable_block_falls_to_the_line_reader_as_before() -> None:
    """The failure path: a block the new reader gives up on midway (a bullet of white space
    after good entries) is read line by line, exactly as before, with its problem."""
    head = "\n".join(file_header("shop", "u00", DAY, "UTC", "+00:00"))
    text = f"{head}\n\n## 08:00 - a\n- x\n\n## 09:00 - b\n-   \n- y\n"
    assert entries._parse_plain(text) is None
    log = entries.parse(text)
    assert _dump(log) == _dump(_old_parse(text))
    assert [b.kind for b in log.entries[1].bullets] == ["text", "note"]
    assert re.fullmatch(r"-\s*", log.entries[1].bullets[0].text)


def _old_body(kind: str, text: str) -> str:
    prefixes = dict(KIND_PREFIXES).get(kind)
    if prefixes:
        low = text.lower()
        for prefix in prefixes:
            if low.startswith(prefix) and prefix.endswith(":"):
                return text[len(prefix):].strip()
    return text


# Case, look-alike and length-changing letters (the Kelvin sign, U+212A, lowers to an ASCII
# "k"; the dotted capital I, U+0130, to two characters; a sigma by what follows it), colons
# anywhere, white space of every kind.
_BODY_PARTS = ["Blocked on:", "BLOCKED BY:", "blocked:", "Waiting for:", "waiting on :",
               "Decision:", "Chose ", "chose:", "Next steps:", "NEXT STEP:", "next:",
               "Summary:", "Unblocked:", "Resolved:", "Tried:", "Root cause:", "Expires:",
               "Supersedes:", "Reverted:", "Rejected:", "Decided:", "Blocked", "Bloc\u212aed on:",
               "\u0130:", "BLOCKEDΣ:", "Σ:", ":", "::", " ", "\t", "\u3000", "\u00a0", "x", "ß",
               "redis", " the vendor ", "\n  more", "a:b:c"]


def test_every_label_ends_at_its_only_colon() -> None:
    """What a body's one lookup rests on: a label (a prefix ending in a colon) has no colon
    before its end, so the text before a text's first colon names it."""
    labels = [p for _, prefixes in KIND_PREFIXES for p in prefixes if p.endswith(":")]
    assert len(labels) > 10
    assert all(label.count(":") == 1 for label in labels), labels


def test_a_bullets_body_is_the_same_as_before() -> None:
    rng = random.Random(17)
    pool = [line.removeprefix("- ") for line in [*CLEAN, *CLEAN_LINES]] + \
        [line.removeprefix("- ") for _, line in SECRETS]
    texts = [*_BODY_PARTS, *pool]
    for _ in range(3000):
        texts.append("".join(rng.choices(_BODY_PARTS, k=rng.randrange(1, 5))))
    labelled = 0
    for text in texts:
        for kind in KINDS:
            body = Bullet(kind, text).body
            assert body == _old_body(kind, text), (kind, text)
            labelled += body != text
    assert labelled > 1000  # labels were found, not only texts without one


@given(st.sampled_from(KINDS), st.sampled_from(["", *_BODY_PARTS]),
       st.text(alphabet="BbLlOoCcKkEeDd :\u212a\u0130Σσς\t", max_size=16))
@settings(max_examples=500, deadline=None)
def test_any_text_has_the_body_it_had_before(kind: str, label: str, rest: str) -> None:
    for text in (label + rest, rest + label, rest):
        assert Bullet(kind, text).body == _old_body(kind, text)
