"""Temp log parser and writer: unit tests, time placement, and round-trip properties.

The promise under test (DESIGN.md, "Temp logs"): nothing a writer puts in a temp log is
ever dropped; text the parser does not understand is kept verbatim and flagged; and
parse -> serialize -> parse loses nothing.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sessionlog_git.logs.entries import (
    KIND_PREFIXES,
    Bullet,
    Entry,
    Problem,
    TempLog,
    classify,
    entry_from_parts,
    file_header,
    format_entry,
    meta_comment,
    parse,
    serialize,
)

CET = timezone(timedelta(hours=1))
IST = timezone(timedelta(hours=5, minutes=30))
PST = timezone(timedelta(hours=-8))

SAMPLE = """\
# sessionlog: myproj / alice / 2026-11-25
<!-- sessionlog date=2026-11-25 zone=Europe/Berlin offset=+01:00 -->

## 14:30 - Implemented user authentication
<!-- sessionlog at=2026-11-25T14:30:12+01:00 agent=claude -->
- Added JWT token validation middleware
- Decision: RS256 over HS256, because key rotation is required
- Blocked on: Redis session store not configured yet
- Summary: JWT auth in place, sessions still pending

## 16:05 - Wired the session store
- Unblocked: Redis session store configured
- Tried: connection pooling with 50 connections
  it exhausted the file descriptors on macOS
  so we use 10 now
- Next: load test the login endpoint
"""


def structure(log: TempLog) -> tuple[object, ...]:
    """Everything a log says, without line numbers or placement in time."""
    return (
        list(log.header),
        dict(log.meta),
        list(log.preamble),
        [
            (
                e.time,
                e.title,
                e.heading if e.time is None else None,  # a timed heading is rewritten
                dict(e.meta),
                [(b.kind, b.text) for b in e.bullets],
            )
            for e in log.entries
        ],
    )


def problem_list(log: TempLog) -> list[tuple[str, str]]:
    return [(p.message, p.text) for p in log.problems]


def lines_of(text: str) -> list[str]:
    """Lines as an editor and `git diff` number them."""
    return re.split(r"\r\n|\r|\n", text)


# --- the parser on realistic input ----------------------------------------------------------


def test_sample_log_parses_fully() -> None:
    log = parse(SAMPLE)
    assert log.header == [
        "# sessionlog: myproj / alice / 2026-11-25",
        "<!-- sessionlog date=2026-11-25 zone=Europe/Berlin offset=+01:00 -->",
    ]
    assert log.meta == {"date": "2026-11-25", "zone": "Europe/Berlin", "offset": "+01:00"}
    assert log.day == date(2026, 11, 25)
    assert log.preamble == []
    assert log.problems == []
    first, second = log.entries
    assert (first.time, first.title, first.line) == ("14:30", "Implemented user authentication", 4)
    assert first.meta == {"at": "2026-11-25T14:30:12+01:00", "agent": "claude"}
    assert [(b.kind, b.line) for b in first.bullets] == [
        ("note", 6),
        ("decision", 7),
        ("blocker", 8),
        ("summary", 9),
    ]
    assert first.of_kind("decision")[0].body == (
        "RS256 over HS256, because key rotation is required"
    )
    assert first.summary == "JWT auth in place, sessions still pending"
    assert (second.time, second.title, second.line) == ("16:05", "Wired the session store", 11)
    assert [b.kind for b in second.bullets] == ["unblock", "finding", "next"]
    tried = second.of_kind("finding")[0]
    assert tried.text == (
        "Tried: connection pooling with 50 connections\n"
        "it exhausted the file descriptors on macOS\n"
        "so we use 10 now"
    )
    assert tried.line == 13
    assert second.summary == "Wired the session store"  # no Summary: bullet -> the title


ALL_PREFIXES = [(kind, prefix) for kind, prefixes in KIND_PREFIXES for prefix in prefixes]


@pytest.mark.parametrize(("kind", "prefix"), ALL_PREFIXES)
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_every_prefix_gives_its_kind_in_any_case(
    kind: str, prefix: str, case: Callable[[str], str]
) -> None:
    written = case(prefix) + "the thing itself"
    assert classify(written) == kind
    log = parse(f"## 10:00 - t\n- {written}\n")
    (bullet,) = log.entries[0].bullets
    assert (bullet.kind, bullet.text) == (kind, written)
    if prefix.endswith(":"):
        assert bullet.body == "the thing itself"
    else:
        assert bullet.body == written  # "Chose X": the verb is part of the sentence


def test_design_doc_prefixes_are_all_known() -> None:
    expected = {
        "Decision:": "decision",
        "Chose": "decision",
        "Rejected:": "decision",
        "Tried:": "finding",
        "Root cause:": "finding",
        "Blocked on:": "blocker",
        "Waiting on:": "blocker",
        "Unblocked:": "unblock",
        "Resolved:": "unblock",
        "Next:": "next",
        "Summary:": "summary",
    }
    for label, kind in expected.items():
        assert classify(f"{label} something") == kind, label


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Chose RS256 over HS256", "decision"),
        ("chose: RS256", "decision"),
        ("CHOSE the boring option", "decision"),
        ("Choser of tools", "note"),  # a word that merely starts with "chose"
        ("Chosen approach is fine", "note"),
        ("Chose", "note"),  # the bare verb says nothing about what was chosen
        ("Decisions were made", "note"),
        ("Next", "note"),
        ("Nextcloud sync fixed", "note"),
        ("Blocked", "note"),
        ("Blocked: CI is red", "blocker"),
        ("Blocked by: the vendor", "blocker"),
        ("Waiting for: review", "blocker"),
        ("Next steps: write docs", "next"),
        ("Summary: Decision: both", "summary"),  # first prefix in the table wins
        ("Unblocked: CI green again", "unblock"),  # not "blocked"
        ("  Decision: leading spaces", "note"),  # bullets are stripped before classifying
        ("Added a Decision: mid-sentence", "note"),
    ],
)
def test_classify_edge_cases(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_bullet_body_for_each_label_variant() -> None:
    assert Bullet("blocker", "Blocked on: Redis").body == "Redis"
    assert Bullet("blocker", "BLOCKED BY:   the vendor ").body == "the vendor"
    assert Bullet("next", "Next steps: docs").body == "docs"
    assert Bullet("note", "Decision: not really a decision bullet").body == (
        "Decision: not really a decision bullet"
    )
    assert Bullet("text", "Summary: x").body == "Summary: x"


def test_bullet_markers_star_and_plus() -> None:
    log = parse("## 10:00 - t\n* Decision: star\n+ Tried: plus\n-\tNext: tab\n")
    assert [(b.kind, b.text) for b in log.entries[0].bullets] == [
        ("decision", "Decision: star"),
        ("finding", "Tried: plus"),
        ("next", "Next: tab"),
    ]


def test_summary_bullet_is_the_entry_summary() -> None:
    log = parse("## 09:00 - Long title nobody reads\n- did a thing\n- SUMMARY:  Short one \n")
    entry = log.entries[0]
    assert entry.summary == "Short one"
    assert entry.of_kind("summary")[0].text == "SUMMARY:  Short one"
    two = parse("## 09:00 - t\n- Summary: first\n- Summary: second\n").entries[0]
    assert two.summary == "first"


def test_continuation_lines_join_the_bullet() -> None:
    text = (
        "## 10:00 - t\n"
        "- Root cause: the cache key\n"
        "    ignored the locale\n"
        "\tand the tenant\n"
        "- Next: fix it\n"
        "  - a sub-bullet is part of the bullet above\n"
    )
    bullets = parse(text).entries[0].bullets
    assert [(b.kind, b.text, b.line) for b in bullets] == [
        ("finding", "Root cause: the cache key\nignored the locale\nand the tenant", 2),
        ("next", "Next: fix it\n- a sub-bullet is part of the bullet above", 5),
    ]
    assert bullets[0].body == "the cache key\nignored the locale\nand the tenant"


def test_blank_line_ends_a_bullet_and_indented_text_after_it_is_text() -> None:
    text = "## 10:00 - t\n- Tried: X\n\n    some indented code\n"
    bullets = parse(text).entries[0].bullets
    assert [(b.kind, b.text, b.line) for b in bullets] == [
        ("finding", "Tried: X", 2),
        ("text", "    some indented code", 4),
    ]
    again = parse(serialize(parse(text)))
    assert structure(again) == structure(parse(text))


def test_plain_paragraphs_inside_an_entry_are_text() -> None:
    text = (
        "## 11:15 - Refactor\n"
        "We moved the parser out of the CLI.\n"
        "- Decision: keep it pure\n"
        "It reads better now, see **notes**.\n"
        "### A sub heading\n"
        "```\n"
        "code = 1\n"
        "```\n"
    )
    bullets = parse(text).entries[0].bullets
    assert [(b.kind, b.text, b.line) for b in bullets] == [
        ("text", "We moved the parser out of the CLI.", 2),
        ("decision", "Decision: keep it pure", 3),
        ("text", "It reads better now, see **notes**.", 4),
        ("text", "### A sub heading", 5),
        ("text", "```", 6),
        ("text", "code = 1", 7),
        ("text", "```", 8),
    ]
    assert parse(text).problems == []


def test_text_before_first_heading_is_preamble_and_flagged() -> None:
    text = (
        "# sessionlog: p / u / 2026-03-01\n"
        "\n"
        "Some notes the AI wrote before any heading\n"
        "- and a bullet\n"
        "## 08:00 - First\n"
        "- ok\n"
    )
    log = parse(text)
    assert log.header == ["# sessionlog: p / u / 2026-03-01"]
    assert log.preamble == ["Some notes the AI wrote before any heading", "- and a bullet"]
    assert [(p.line, p.text) for p in log.problems] == [
        (3, "Some notes the AI wrote before any heading"),
        (4, "- and a bullet"),
    ]
    assert all("before the first entry" in p.message for p in log.problems)
    assert "Some notes the AI wrote" in serialize(log)


def test_second_title_line_is_preamble_not_header() -> None:
    log = parse("# one\n# two\n## 10:00 - x\n")
    assert log.header == ["# one"]
    assert log.preamble == ["# two"]
    assert [p.line for p in log.problems] == [2]


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("## 25:61 - x", "25:61 - x"),
        ("## 24:00 - midnight", "24:00 - midnight"),
        ("## 12:60 - nope", "12:60 - nope"),
        ("## Implemented auth", "Implemented auth"),
        ("## 1430 - no separator", "1430 - no separator"),
        ("## 14:305 - three digits", "14:305 - three digits"),
        ("##", ""),
    ],
)
def test_headings_without_a_valid_time_are_kept_and_flagged(heading: str, title: str) -> None:
    text = f"## 09:00 - before\n- a\n{heading}\n- kept bullet\n"
    log = parse(text)
    entry = log.entries[1]
    assert (entry.time, entry.title, entry.heading, entry.line) == (None, title, heading, 3)
    assert [b.text for b in entry.bullets] == ["kept bullet"]
    assert [(p.line, p.text) for p in log.problems] == [(3, heading)]
    assert "HH:MM" in log.problems[0].message
    out = serialize(log)
    assert heading in out.splitlines()
    assert structure(parse(out)) == structure(log)


@pytest.mark.parametrize(
    ("heading", "time", "title"),
    [
        ("## 9:05 - Early", "09:05", "Early"),
        ("## 14.30 - Dotted", "14:30", "Dotted"),
        ("## 14h30 - French", "14:30", "French"),
        ("##14:30 Tight", "14:30", "Tight"),
        ("## 14:30 – En dash", "14:30", "En dash"),
        ("## 14:30 — Em dash", "14:30", "Em dash"),
        ("## 14:30: Colon", "14:30", "Colon"),
        ("## 14:30 | Pipe", "14:30", "Pipe"),
        ("## 00:00", "00:00", ""),
        ("## 23:59 -", "23:59", ""),
        ("## 14:30 - - dash in title", "14:30", "- dash in title"),
        ("## 14:30:15 - seconds", "14:30", "15 - seconds"),  # kept in the title, not lost
        ("##\t07:00\t-\tTabs  ", "07:00", "Tabs"),
    ],
)
def test_times_are_normalised(heading: str, time: str, title: str) -> None:
    log = parse(heading + "\n")
    entry = log.entries[0]
    assert (entry.time, entry.title) == (time, title)
    assert log.problems == []
    written = format_entry(entry)[0]
    assert written == f"## {time} - {title}".rstrip()
    assert (parse(written).entries[0].time, parse(written).entries[0].title) == (time, title)


def test_non_ascii_digits_are_not_a_time() -> None:
    log = parse("## ١٤:٣٠ - Arabic-Indic digits\n")
    entry = log.entries[0]
    assert entry.time is None
    assert entry.heading == "## ١٤:٣٠ - Arabic-Indic digits"
    assert [p.line for p in log.problems] == [1]
    assert "١٤:٣٠" in serialize(log)


def test_sub_headings_are_not_entries() -> None:
    log = parse("## 10:00 - t\n### Details\n#### More\n")
    assert len(log.entries) == 1
    assert [b.text for b in log.entries[0].bullets] == ["### Details", "#### More"]


def test_meta_comments_file_level_and_per_entry() -> None:
    text = (
        "<!-- sessionlog date=2026-02-03 offset=-08:00 zone=America/Los_Angeles -->\n"
        "## 10:00 - a\n"
        "<!--sessionlog at=2026-02-03T10:00:07-08:00 agent=codex-->\n"
        "- x\n"
        "<!-- sessionlog late=1 -->\n"
    )
    log = parse(text)
    assert log.header == [text.splitlines()[0]]
    assert log.meta == {"date": "2026-02-03", "offset": "-08:00", "zone": "America/Los_Angeles"}
    entry = log.entries[0]
    assert entry.meta == {"at": "2026-02-03T10:00:07-08:00", "agent": "codex"}
    # a comment after the bullets started is not the entry's meta: kept as text
    assert entry.bullets[-1] == Bullet("text", "<!-- sessionlog late=1 -->")
    assert entry.at == datetime(2026, 2, 3, 10, 0, 7, tzinfo=PST)
    assert structure(parse(serialize(log))) == structure(log)


def test_second_meta_comment_of_an_entry_is_text() -> None:
    text = "## 10:00 - a\n<!-- sessionlog a=1 -->\n<!-- sessionlog b=2 -->\n"
    entry = parse(text).entries[0]
    assert entry.meta == {"a": "1"}
    assert [(b.kind, b.text) for b in entry.bullets] == [("text", "<!-- sessionlog b=2 -->")]


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- sessionlog -->",
        "<!--sessionlog-->",
        "<!-- sessionlog at=2026-01-01T10:00+01:00 written by bob -->",
        "<!-- sessionlog =orphan -->",
        "<!-- sessionlog a=1 a=2 -->",
    ],
)
def test_sessionlog_comments_that_are_not_key_value_lists_are_kept_verbatim(
    comment: str,
) -> None:
    in_entry = parse(f"## 10:00 - t\n{comment}\n- b\n")
    entry = in_entry.entries[0]
    assert entry.meta == {}
    assert entry.bullets[0] == Bullet("text", comment)
    assert [(p.line, p.text) for p in in_entry.problems] == [(2, comment)]
    assert comment in serialize(in_entry).splitlines()

    before = parse(f"{comment}\n## 10:00 - t\n")
    assert before.meta == {}
    assert before.header == []
    assert before.preamble == [comment]
    assert [(p.line, p.text) for p in before.problems] == [(1, comment)]
    assert comment in serialize(before).splitlines()


def test_indented_comment_inside_a_bullet_is_part_of_the_bullet() -> None:
    text = "## 10:00 - t\n- a\n  <!-- sessionlog k=v -->\n- b\n"
    log = parse(text)
    assert [b.text for b in log.entries[0].bullets] == ["a\n<!-- sessionlog k=v -->", "b"]
    assert structure(parse(serialize(log))) == structure(log)


def test_meta_comment_round_trip_and_header() -> None:
    values = {"date": "2026-11-25", "zone": "Europe/Berlin", "offset": "+01:00", "empty": ""}
    line = meta_comment(values)
    assert line == (
        "<!-- sessionlog date=2026-11-25 zone=Europe/Berlin offset=+01:00 empty= -->"
    )
    assert parse(line).meta == values
    head = file_header("myproj", "alice", date(2026, 11, 25), "Europe/Berlin", "+01:00")
    log = parse("\n".join(head) + "\n")
    assert log.header == head
    assert log.day == date(2026, 11, 25)
    assert log.problems == [] and log.preamble == []


def test_crlf_and_byte_order_mark() -> None:
    text = "\ufeff# sessionlog: p / u / 2026-01-02\r\n## 10:00 - Windows\r\n- Decision: CRLF\r\n"
    log = parse(text)
    assert log.header == ["# sessionlog: p / u / 2026-01-02"]
    assert log.problems == []
    assert [(b.kind, b.text) for b in log.entries[0].bullets] == [("decision", "Decision: CRLF")]


def test_a_content_byte_order_mark_survives_the_round_trip() -> None:
    log = parse("\ufeff\ufeffodd\n## 10:00 - t\n")
    assert log.preamble == ["\ufeffodd"]
    out = serialize(log)
    assert out.startswith("\ufeff\ufeffodd\n")
    assert structure(parse(out)) == structure(log)


def test_only_real_line_breaks_split_lines() -> None:
    """Form feeds and Unicode separators are not line breaks for editors and git."""
    text = "stray\x0cnote\n## 10:00 - t\n- a\u2028## 11:00 - not a heading\nloose\n"
    log = parse(text)
    assert log.preamble == ["stray\x0cnote"]
    assert [p.line for p in log.problems] == [1]
    assert len(log.entries) == 1
    assert [(b.kind, b.text, b.line) for b in log.entries[0].bullets] == [
        ("note", "a\u2028## 11:00 - not a heading", 3),
        ("text", "loose", 4),
    ]


def test_problem_line_numbers_point_at_the_line() -> None:
    text = "intro\n\n## 10:00 - a\n- x\n\n## later - b\n- y\n## 99:99\n"
    log = parse(text)
    lines = text.split("\n")
    assert [p.line for p in log.problems] == [1, 6, 8]
    for problem in log.problems:
        assert lines[problem.line - 1] == problem.text


def test_empty_and_blank_input() -> None:
    for text in ("", "\n", "   \n\t\n"):
        log = parse(text)
        assert structure(log) == ([], {}, [], [])
        assert log.problems == []
        assert serialize(log) == ""


# --- writing ---------------------------------------------------------------------------------


def test_format_entry_as_sessionlog_log_writes_it() -> None:
    entry = entry_from_parts(
        "14:30",
        "Implemented user authentication",
        ["Decision: RS256", "Tried: HS256\nrotation was impossible", "  ", "plain note"],
        {"at": "2026-11-25T14:30:12+01:00"},
    )
    assert [b.kind for b in entry.bullets] == ["decision", "finding", "note"]
    assert format_entry(entry) == [
        "## 14:30 - Implemented user authentication",
        "<!-- sessionlog at=2026-11-25T14:30:12+01:00 -->",
        "- Decision: RS256",
        "- Tried: HS256",
        "  rotation was impossible",
        "- plain note",
    ]
    back = parse("\n".join(format_entry(entry))).entries[0]
    assert (back.time, back.title, back.meta, back.bullets) == (
        entry.time,
        entry.title,
        entry.meta,
        entry.bullets,
    )


def test_entry_from_parts_normalises_multi_line_bullets() -> None:
    entry = entry_from_parts("08:00", "t", ["Next: a\n\n   b  \n", "\n\n"], {})
    assert entry.bullets == [Bullet("next", "Next: a\nb")]
    back = parse("\n".join(format_entry(entry))).entries[0]
    assert back.bullets == entry.bullets


def test_indented_text_after_a_bullet_gets_a_blank_line() -> None:
    entry = Entry(
        "10:00", "t", [Bullet("note", "a"), Bullet("text", "    code"), Bullet("text", "x")]
    )
    lines = format_entry(entry)
    assert lines == ["## 10:00 - t", "- a", "", "    code", "x"]
    assert parse("\n".join(lines)).entries[0].bullets == entry.bullets


def test_untimed_entry_keeps_its_heading() -> None:
    log = parse("## Implemented auth   \n- x\n")
    assert format_entry(log.entries[0]) == ["## Implemented auth", "- x"]
    assert format_entry(Entry(None, "Only a title")) == ["## Only a title"]


def test_serialize_sample_is_stable() -> None:
    once = serialize(parse(SAMPLE))
    assert serialize(parse(once)) == once
    assert structure(parse(once)) == structure(parse(SAMPLE))


# --- placement in time -------------------------------------------------------------------------


def test_entries_get_day_and_aware_time() -> None:
    log = parse("## 09:05 - a\n## 14:30 - b\n", day=date(2026, 5, 4), offset=CET)
    assert [(e.day, e.at) for e in log.entries] == [
        (date(2026, 5, 4), datetime(2026, 5, 4, 9, 5, tzinfo=CET)),
        (date(2026, 5, 4), datetime(2026, 5, 4, 14, 30, tzinfo=CET)),
    ]


def test_file_date_is_used_when_the_caller_gives_none() -> None:
    text = "<!-- sessionlog date=2026-07-08 offset=+05:30 -->\n## 10:00 - a\n"
    (entry,) = parse(text).entries
    assert entry.at == datetime(2026, 7, 8, 10, 0, tzinfo=IST)
    assert entry.day == date(2026, 7, 8)


@pytest.mark.parametrize(
    ("day", "next_day"),
    [
        (date(2026, 5, 4), date(2026, 5, 5)),
        (date(2026, 11, 30), date(2026, 12, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2028, 2, 28), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 3, 1)),
    ],
)
def test_session_across_midnight_rolls_over(day: date, next_day: date) -> None:
    text = "## 22:10 - a\n## 23:40 - b\n## 00:20 - c\n## 01:05 - d\n## 00:50 - e\n"
    log = parse(text, day=day, offset=CET)
    assert [e.day for e in log.entries] == [day, day, next_day, next_day, next_day]
    assert log.entries[2].at == datetime(
        next_day.year, next_day.month, next_day.day, 0, 20, tzinfo=CET
    )
    assert log.entries[4].at == datetime(
        next_day.year, next_day.month, next_day.day, 0, 50, tzinfo=CET
    )


def test_going_back_a_little_is_not_a_new_day() -> None:
    log = parse("## 14:00 - a\n## 13:30 - b\n## 08:01 - c\n", day=date(2026, 1, 1), offset=CET)
    assert [e.day for e in log.entries] == [date(2026, 1, 1)] * 3


def test_explicit_at_wins_over_the_heading() -> None:
    text = (
        "## 10:00 - a\n"
        "<!-- sessionlog at=2026-03-09T10:00:41+05:30 -->\n"
        "## 23:50 - b\n"
        "<!-- sessionlog at=2026-03-10T00:10:00+05:30 -->\n"
        "## 00:15 - c\n"
    )
    log = parse(text, day=date(2026, 3, 9), offset=CET)
    assert [e.at for e in log.entries] == [
        datetime(2026, 3, 9, 10, 0, 41, tzinfo=IST),
        datetime(2026, 3, 10, 0, 10, tzinfo=IST),
        datetime(2026, 3, 10, 0, 15, tzinfo=CET),  # the day of the entry before it
    ]
    assert [e.day for e in log.entries] == [date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 10)]


def test_naive_or_broken_at_falls_back_to_the_heading() -> None:
    for at in ("2026-03-09T11:00:00", "yesterday", ""):
        text = f"## 10:00 - a\n<!-- sessionlog at={at} -->\n"
        (entry,) = parse(text, day=date(2026, 3, 9), offset=CET).entries
        assert entry.at == datetime(2026, 3, 9, 10, 0, tzinfo=CET), at
        assert entry.meta == {"at": at}  # nothing dropped


def test_file_offset_wins_over_the_callers() -> None:
    text = "<!-- sessionlog date=2026-08-01 offset=-08:00 -->\n## 10:00 - a\n"
    (entry,) = parse(text, day=date(2026, 8, 1), offset=CET).entries
    assert entry.at == datetime(2026, 8, 1, 10, 0, tzinfo=PST)
    broken = "<!-- sessionlog offset=CEST -->\n## 10:00 - a\n"
    (entry,) = parse(broken, day=date(2026, 8, 1), offset=CET).entries
    assert entry.at == datetime(2026, 8, 1, 10, 0, tzinfo=CET)


def test_a_heading_without_time_sits_with_the_entry_before_it() -> None:
    text = "## 23:30 - a\n## Misc notes\n## 00:10 - b\n## also no time\n"
    log = parse(text, day=date(2026, 11, 30), offset=CET)
    ats = [e.at for e in log.entries]
    assert ats == [
        datetime(2026, 11, 30, 23, 30, tzinfo=CET),
        datetime(2026, 11, 30, 23, 30, tzinfo=CET),
        datetime(2026, 12, 1, 0, 10, tzinfo=CET),
        datetime(2026, 12, 1, 0, 10, tzinfo=CET),
    ]


def test_untimed_first_entry_is_at_the_start_of_the_day() -> None:
    log = parse("## notes\n## 09:00 - a\n", day=date(2026, 1, 1), offset=CET)
    assert [e.at for e in log.entries] == [
        datetime(2026, 1, 1, tzinfo=CET),
        datetime(2026, 1, 1, 9, 0, tzinfo=CET),
    ]


def test_without_a_day_entries_follow_an_explicit_at() -> None:
    text = (
        "## 23:50 - a\n"
        "<!-- sessionlog at=2026-04-30T23:50:00+02:00 -->\n"
        "## 00:30 - b\n"
        "## no time\n"
    )
    log = parse(text)
    cest = timezone(timedelta(hours=2))
    assert [e.at for e in log.entries] == [
        datetime(2026, 4, 30, 23, 50, tzinfo=cest),
        datetime(2026, 5, 1, 0, 30, tzinfo=cest),
        datetime(2026, 5, 1, 0, 30, tzinfo=cest),
    ]


def test_without_any_day_nothing_is_placed() -> None:
    log = parse("## 10:00 - a\n## b\n")
    assert [(e.day, e.at) for e in log.entries] == [(None, None), (None, None)]


def test_placement_never_mixes_naive_and_aware_times() -> None:
    text = "## 10:00 - a\n<!-- sessionlog at=2026-01-01T10:00:00+01:00 -->\n## 11:00 - b\n"
    log = parse(text, day=date(2026, 1, 1))
    assert all(e.at is not None and e.at.tzinfo is not None for e in log.entries)
    assert sorted(e.at for e in log.entries if e.at is not None)


def test_placement_at_the_end_of_the_calendar_does_not_crash() -> None:
    text = "## 23:00 - a\n<!-- sessionlog at=9999-12-31T23:00:00+00:00 -->\n## 00:10 - b\n"
    log = parse(text, day=date(9999, 12, 31), offset=timezone.utc)
    assert [e.time for e in log.entries] == ["23:00", "00:10"]
    assert all(e.at is not None for e in log.entries)


# --- properties -------------------------------------------------------------------------------

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

WORD_CHARS = "abcXYZéßж日本 0123456789.,;!?()'\"`_/=@%&*+:-#<>|–—"
PREFIX_WORDS = tuple(p for _, prefixes in KIND_PREFIXES for p in prefixes)


def _clean(text: str) -> str:
    return text.strip()


words = st.text(alphabet=WORD_CHARS, min_size=1, max_size=30).map(_clean).filter(bool)


@st.composite
def any_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if up else c for c, up in zip(word, flips, strict=True))


NASTY_CONTINUATIONS = [
    "## 10:00 - looks like a heading",
    "- looks like a bullet",
    "* star",
    "<!-- sessionlog at=2026-01-01T10:00:00+01:00 -->",
    "<!-- sessionlog -->",
    "# title-like",
    "Decision: not a new bullet",
    "```",
]


@st.composite
def bullets(draw: st.DrawFn) -> Bullet:
    kind, prefix = draw(st.sampled_from([*ALL_PREFIXES, ("note", ""), ("note", "")]))
    label = draw(any_case(prefix))
    first = draw(words)
    if kind == "note":
        assume(not first.lower().startswith(PREFIX_WORDS))
        assume(not re.match(r"[-*+]\s", first))
    text = (label + first).strip() if label.endswith(":") else label + first
    more = draw(st.lists(st.one_of(words, st.sampled_from(NASTY_CONTINUATIONS)), max_size=3))
    return Bullet(kind, "\n".join([text, *more]))


@st.composite
def text_lines(draw: st.DrawFn) -> str:
    line = draw(
        st.one_of(
            words,
            st.sampled_from(["### Sub heading", "```", "<!-- sessionlog -->", "---", "#tag"]),
        )
    )
    assume(not line.startswith("##") or line.startswith("###"))
    assume(not re.match(r"[-*+]\s|<!--", line) or line == "<!-- sessionlog -->")
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    return indent + line


meta_keys = st.text(alphabet="abcxyz_-.0123456789<>!", min_size=1, max_size=8)
meta_values = st.text(alphabet="abcXYZ0123456789:+-=T.<>!/_", max_size=16)
metas = st.dictionaries(meta_keys, meta_values, max_size=3)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    timed = draw(st.booleans())
    meta = draw(metas)
    items = draw(st.lists(st.one_of(bullets(), text_lines().map(lambda t: Bullet("text", t)))))
    if (meta or items) and draw(st.booleans()):
        # a well-formed sessionlog comment that is not the entry's own meta (it comes after
        # the entry's meta or after its first line): kept as text
        stray = Bullet("text", meta_comment(draw(metas.filter(bool))))
        items.insert(draw(st.integers(0 if meta else 1, len(items))), stray)
    if timed:
        hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        title = draw(st.one_of(st.just(""), words))
        return Entry(f"{hour:02d}:{minute:02d}", title, items, meta)
    title = draw(words.filter(lambda t: not t[0].isdigit()))
    return Entry(None, title, items, meta, heading=f"## {title}")


@st.composite
def temp_logs(draw: st.DrawFn) -> TempLog:
    log = TempLog()
    if draw(st.booleans()):
        day = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
        log.header = file_header("proj", "alice", day, "Europe/Berlin", "+01:00")
        log.meta = {"date": day.isoformat(), "zone": "Europe/Berlin", "offset": "+01:00"}
    preamble = st.one_of(words, st.just("<!-- sessionlog -->"))
    log.preamble = draw(
        st.lists(preamble.filter(lambda t: not t.startswith("#")), max_size=3)
    )
    log.entries = draw(st.lists(entries(), max_size=5))
    return log


@PROPERTY
@given(temp_logs())
def test_property_structured_logs_survive_serialize_then_parse(log: TempLog) -> None:
    text = serialize(log)
    back = parse(text)
    assert structure(back) == structure(log)
    assert serialize(back) == text


# Arbitrary text: the characters Markdown logs are made of, plus some that trip parsers.
ALPHABET = st.one_of(
    st.sampled_from(list("#-*+:|.h0123456789 \t\nxyzDN<!>=–")),
    st.sampled_from(["\n## ", "## ", "\n- ", "\n  ", "<!--", "-->", "sessionlog ", "at=",
                     "Decision: ", "Chose ", "Blocked on: ", "Summary: ", "\r\n", "\r",
                     "14:30", "9:05", "14h30", "25:61", "\u2028", "\x0c", "\xa0"]),
    st.characters(codec="utf-8")  # no lone surrogates,
)
chunks = st.lists(ALPHABET, max_size=12).map("".join)
LINE_STARTS = ["", "", "## ", "##", "- ", "* ", "+ ", "  ", "\t", "  - ", "# ", "### ",
               "<!-- sessionlog ", "<!--sessionlog", "  <!-- sessionlog ", "## 14:30 - ",
               "## 9:05 ", "## 25:61 - ", "- Decision: ", "- chose ", "  Tried: "]
LINE_BODIES = st.lists(
    st.one_of(chunks, st.sampled_from(["k=v", "at=2026-01-01T23:50:00+01:00", "a=1", "=x", " ",
                                       "date=2026-11-30", "offset=-05:00", "junk"])),
    max_size=4,
).map(" ".join)
LINE_ENDS = ["", "", " -->", "-->", "  ", "\t"]


@st.composite
def markdown_lines(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(LINE_STARTS)) + draw(LINE_BODIES) + draw(st.sampled_from(LINE_ENDS))


@st.composite
def comment_lines(draw: st.DrawFn) -> str:
    """Whole sessionlog comments, well-formed or not: the easiest place to lose a word."""
    opening = draw(st.sampled_from(["<!-- sessionlog ", "<!--sessionlog ", "  <!-- sessionlog "]))
    return opening + draw(LINE_BODIES) + draw(st.sampled_from([" -->", "-->"]))


@st.composite
def arbitrary_texts(draw: st.DrawFn) -> str:
    """Line-shaped text built from the log's syntax and junk, or plain character soup."""
    if draw(st.booleans()):
        return draw(st.lists(ALPHABET, max_size=60).map("".join))
    lines = draw(st.lists(st.one_of(markdown_lines(), comment_lines(), chunks), max_size=12))
    if draw(st.booleans()):
        # an entry opening: heading, maybe a comment where the entry's own meta goes
        opening = [draw(st.sampled_from(["## 10:00 - t", "## t"]))]
        if draw(st.booleans()):
            opening.append(draw(comment_lines()))
        lines[:0] = opening
    breaks = draw(st.lists(st.sampled_from(["\n", "\n", "\n", "\r\n", "\n\n"]),
                           min_size=len(lines), max_size=len(lines)))
    return "".join(line + end for line, end in zip(lines, breaks, strict=True))


arbitrary_text = arbitrary_texts()

HEADING_SPEC = re.compile(
    r"^##(?!#)\s*([0-9]{1,2})[:.h]([0-9]{2})\b\s*(?:[-–—:|]+\s*)?(.*?)\s*$"
)


def _normalise_line(line: str) -> str:
    """Rewrite the syntax the serializer is allowed to normalise, nothing else.

    - a timed heading becomes '## HH:MM - title' (separator runs and leading zeros are syntax);
    - a bullet marker '*' or '+' becomes '-';
    - '<!--' and '-->' stand apart from what they enclose.
    """
    line = line.rstrip()  # trailing whitespace is not content
    m = HEADING_SPEC.match(line)
    if m and int(m[1]) <= 23 and int(m[2]) <= 59:
        line = f"## {int(m[1]):02d}:{m[2]} - {m[3]}"
    line = re.sub(r"^[*+](?=\s)", "-", line)
    return line.replace("<!--", " <!-- ").replace("-->", " --> ")


def tokens(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in lines_of(text.removeprefix("\ufeff")):
        out.update(_normalise_line(line).split())
    return out


@PROPERTY
@given(arbitrary_text)
def test_property_arbitrary_text_is_a_fixpoint_and_loses_nothing(text: str) -> None:
    first = parse(text)
    out = serialize(first)
    second = parse(out)
    assert structure(second) == structure(first)
    assert problem_list(second) == problem_list(first)
    assert serialize(second) == out
    lost = tokens(text) - tokens(out)
    assert not lost, f"lost {lost!r} from {text!r} -> {out!r}"


@PROPERTY
@given(arbitrary_text, st.dates(), st.sampled_from([None, CET, PST, IST, timezone.utc]))
def test_property_problems_point_at_their_lines(
    text: str, day: date, offset: timezone | None
) -> None:
    log = parse(text, day=day, offset=offset)
    lines = lines_of(text.removeprefix("\ufeff"))
    for problem in log.problems:
        assert isinstance(problem, Problem)
        assert lines[problem.line - 1].rstrip() == problem.text
    for entry in log.entries:
        assert lines[entry.line - 1].rstrip() == entry.heading
        for bullet in entry.bullets:
            assert bullet.text.split("\n")[0].strip() in lines[bullet.line - 1]
        assert entry.at is not None  # a day was given: every entry is placed
        if offset is not None:
            assert entry.at.tzinfo is not None
        assert entry.day == entry.at.date()


@PROPERTY
@given(
    st.dates(date(1990, 1, 1), date(2200, 12, 31)),
    st.integers(0, 24 * 60 - 1),
    st.lists(st.integers(0, 18 * 60 - 1), max_size=8),
    st.sampled_from([CET, PST, IST, timezone.utc]),
)
def test_property_placement_follows_the_clock_across_midnights(
    day: date, start: int, gaps: list[int], offset: timezone
) -> None:
    """Each entry less than 18 hours after the one before: the clock time alone places it."""
    minutes = [start]
    for gap in gaps:
        minutes.append((minutes[-1] + gap) % (24 * 60))
    text = "".join(f"## {m // 60:02d}:{m % 60:02d} - e{i}\n" for i, m in enumerate(minutes))
    log = parse(text, day=day, offset=offset)
    expected = datetime(day.year, day.month, day.day, tzinfo=offset) + timedelta(minutes=start)
    ats = [e.at for e in log.entries]
    assert ats[0] == expected
    for gap, at in zip(gaps, ats[1:], strict=True):
        expected += timedelta(minutes=gap)
        assert at == expected
    assert [e.day for e in log.entries] == [a.date() for a in ats if a is not None]
