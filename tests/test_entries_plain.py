"""A temp log as `sessionlog log` writes it is read a block at a time (entries._parse_plain):
the result is the line-by-line reader's, field for field, and anything else falls to it."""
from __future__ import annotations

import random
from datetime import date, timezone
from typing import Any

import pytest

from sessionlog_git.logs import entries
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry, parse

DAY = date(2026, 11, 25)


def _dump(log: entries.TempLog) -> Any:
    return (log.header, log.meta, log.preamble,
            [(p.line, p.message, p.text) for p in log.problems],
            [(e.time, e.title, [(b.kind, b.text, b.line) for b in e.bullets], e.meta, e.heading,
              e.line, e.day, e.at) for e in log.entries])


def _written(rng: random.Random, n: int) -> str:
    """A temp log built by the package's own writers, as `sessionlog log` appends entries."""
    lines = [*file_header("shop", "alice", DAY, "Europe/Berlin", "+01:00"), ""]
    bullets = ["Decision: RS256 over HS256, because key rotation is required",
               "Blocked on: Redis session store not configured yet", "Expires: 2026-12-31",
               "Expires: soon", "Tried: a\nthen b\n  and c", "plain note", "Next: ship it",
               "Unblocked: Redis is ready", "- a bullet that starts with a dash",
               "## not a heading, a bullet"]
    for i in range(n):
        at = f"2026-11-25T{8 + i % 14:02d}:{i % 60:02d}:00+01:00"
        meta = {"at": at} if rng.random() < 0.8 else {}
        picked = rng.sample(bullets, rng.randrange(0, 4))
        entry = entry_from_parts(f"{8 + i % 14:02d}:{i % 60:02d}", f"Title {i}", picked, meta)
        lines += [*format_entry(entry), ""]
    return "\n".join(lines)


def test_a_log_as_written_is_read_by_blocks_exactly_as_line_by_line() -> None:
    rng = random.Random(7)
    for n in (0, 1, 2, 5, 30):
        text = _written(rng, n)
        plain = entries._parse_plain(text)
        assert plain is not None, text  # the writers' own output takes the block reader
        assert _dump(plain) == _dump(entries._parse_lines(text))
        for kw in ({}, {"day": DAY, "offset": timezone.utc}):
            log = parse(text, **kw)  # type: ignore[arg-type]
            assert len(log.entries) == n
            assert _dump(log) == _dump(parse(text.replace("\n", "\r\n"), **kw))  # type: ignore[arg-type]
    expired = parse(_written(random.Random(3), 30))
    assert any(p.message == entries.EXPIRES_PROBLEM for p in expired.problems)


@pytest.mark.parametrize("change", [
    ("## 08:00 - Title 0", "## 8h00 - Title 0"),  # still a valid time
    ("## 08:00 - Title 0", "## 25:00 - Title 0"),  # no valid time: a problem, line by line
    ("## 08:00 - Title 0", "## 08:00 - Title 0  "),  # trailing white space
    ("## 08:00 - Title 0", "### 08:00 - Title 0"),
    ("<!-- sessionlog at=", "<!-- sessionlog oops at="),  # a comment not all key=value
    ("\n- ", "\n-   \n- "),  # a bullet of white space only: a text line
    ("\n- ", "\n  \n- "),  # a blank line of white space
    ("\n- ", "\nsome text\n- "),
    ("\n\n## ", "\n\n\n## "),  # two blank lines
    ("\n- ", "\n\t- "),
    ("# sessionlog: shop", "# sessionlog: shop "),
    ("# sessionlog: shop / alice / 2026-11-25", "# sessionlog: shop / alice / 2026-11-25 "),
])
def test_anything_else_reads_as_line_by_line(change: tuple[str, str]) -> None:
    text = _written(random.Random(11), 6)
    assert change[0] in text
    changed = text.replace(change[0], change[1], 1)
    plain = entries._parse_plain(changed)
    if plain is not None:
        assert _dump(plain) == _dump(entries._parse_lines(changed))
    assert _dump(parse(changed)) == _dump(parse(changed.replace("\n", "\r\n")))


def test_random_mixes_of_written_and_stray_lines_read_the_same_either_way() -> None:
    rng = random.Random(5)
    head = [*file_header("p", "u", DAY, "UTC", "+00:00"), ""]
    pool = ["## 10:00 - t", "## 9:5 - t", "## 24:00 - bad", "##  10:00 - t", "## #x", "##",
            "<!-- sessionlog at=2026-11-25T10:00:00+00:00 -->", "<!-- sessionlog bad -->",
            "- a", "- Decision: b", "- Expires: nope", "- Expires: 2026-12-01", "-  c", "-",
            "- ", "  cont", "   cont2", "  ## 10:00 y", "", "- \u3000d", "\t- t", "text",
            "  <!-- sessionlog a=b -->", "- e ", "   ", "* star", "+ plus"]
    taken = 0
    for _ in range(3000):
        body: list[str] = []
        for _e in range(rng.randrange(5)):
            body += ["", rng.choice(pool[:6]), *(rng.choice(pool[6:]) for _ in range(rng.randrange(5)))]
        text = "\n".join(head[: rng.randrange(1, 4)] + body) + rng.choice(["", "\n", "\n\n", " "])
        plain = entries._parse_plain(text)
        if plain is not None:
            taken += 1
            assert _dump(plain) == _dump(entries._parse_lines(text)), text
    assert taken > 100  # the block reader was exercised, not only the fallback


def test_a_backlog_takes_the_block_reader_from_its_first_log_with_the_same_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch of `PLAIN.after` characters or more (a backlog) is read by blocks from its first
    temp log (`Warmup.expect`); a commit's one new day is not, and is counted as before.
    Either way every log is what the line by line reader makes of it."""
    from sessionlog_git.logs import batchread

    rng = random.Random(13)
    texts = [_written(rng, 12) for _ in range(40)]
    days = [DAY] * len(texts)
    assert sum(map(len, texts)) >= entries.PLAIN.after
    read: list[str] = []
    real = entries._parse_plain

    def spied(text: str) -> entries.TempLog | None:
        read.append(text)
        return real(text)

    monkeypatch.setattr(entries, "_parse_plain", spied)
    monkeypatch.setattr(entries.PLAIN, "seen", 0)  # a fresh process
    one = batchread.redact_parse(texts[:1], days[:1], "UTC", None)
    assert read == [] and entries.PLAIN.seen == len(texts[0])  # one day: line by line
    monkeypatch.setattr(entries.PLAIN, "seen", 0)
    done = batchread.redact_parse(texts, days, "UTC", None)
    assert read == texts  # every log by blocks, the first one too
    for (_, log), text in zip(done, texts, strict=True):
        lines = entries._parse_lines(text)
        entries._place_in_time(lines, DAY, entries._file_offset(lines))
        assert _dump(log) == _dump(lines)
    assert _dump(one[0][1]) == _dump(done[0][1])


def test_headings_and_bullet_kinds_read_by_blocks_as_line_by_line() -> None:
    """A heading whose "HH:MM - " the entry's pattern reads (whatever its title: empty, white
    space only, white space of any kind around it) and a bullet whose kind is told from its
    first characters lowered (a prefix in any case, a long head, letters that lower to more
    than one, a final sigma, the Kelvin sign) read by blocks as line by line."""
    rng = random.Random(17)
    head = file_header("p", "u", DAY, "UTC", "+00:00")
    headings = ["## 10:00 - t", "## 23:59 - t", "## 00:00 - ", "## 10:00 -   ", "## 10:00 -t",
                "## 10:00 - \x1c x\u3000", "## 19:60 - t", "## 24:00 - t", "## 10:00 - - t"]
    bullets = ["- DECISION: x", "- Waiting for: y", "- waiting for:z", "- Waiting forever: no",
               "- \u0130next: x", "- next\u03a3: x", "- " + "\u03a3" * 12 + "x", "- \u212aey: x",
               "- Chose Redis", "- chose: Redis", "- Root cause: x", "- Expires: 2026-12-01",
               "- EXPIRES: nope", "- Supersedes: a", "- next steps: b", "- Blocked: c",
               "- blocked on:d", "- Resolved: e", "- Summary: f", "- n\u0307ext: g"]
    taken = 0
    for _ in range(2000):
        body: list[str] = []
        for _e in range(rng.randrange(1, 5)):
            body += ["", rng.choice(headings), *(rng.choice(bullets) for _ in range(rng.randrange(5)))]
        text = "\n".join(head + body) + "\n"
        plain = entries._parse_plain(text)
        if plain is not None:  # (a heading without a valid time is read line by line)
            taken += 1
            assert _dump(plain) == _dump(entries._parse_lines(text)), text
    assert taken > 500
    for bullet in bullets:  # the kind of the first characters, as of the whole text
        said = bullet[2:]
        low = said[: entries._PREFIX_SPAN].lower()
        told = entries._kind_of_lowered(low) if low.startswith(entries._ANY_PREFIX) else "note"
        assert told == entries.classify(said), said
