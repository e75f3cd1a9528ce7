"""A batch of temp logs redacted and parsed, the redaction of a backlog on the second core.

`redact_parse` gives, for each text, what `redact.redact_all` and `archive.parse_log` give
(the redaction, and the parse of the text as it will be archived). For a backlog (hundreds of
temp logs: a first consolidation, a clone's months of them) a forked child imports the
scanner, compiles the rules and redacts the whole batch (`base.forked`) while this process
parses every text as written; a text something was redacted from (rare) is parsed again as
redacted. The child hands back only what it found (marshal of plain values; nothing for a
clean log), so every result is the serial path's (tests compare them). A commit's new day,
a batch below `forked.FORK_FROM` characters, or a process that may not fork, works here
alone: redaction first, then the parse, as before.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sessionlog_git.base import forked
from sessionlog_git.logs.entries import PLAIN, TempLog, parse

if TYPE_CHECKING:
    from sessionlog_git.logs.redact import Redacted


def redact_parse(texts: Sequence[str], days: Sequence[date], zone_name: str,
                 allow: frozenset[str] | None, *, fork: bool | None = None,
                 meanwhile: Callable[[], object] | None = None
                 ) -> list[tuple[Redacted | None, TempLog]]:
    """For each text (a temp log of the local date `days[i]`): its redaction (None when
    `allow` is None: redaction off) and the parse of what is archived (the redacted text when
    something was found). `fork`: None forks for a batch of `forked.FORK_FROM` characters or
    more where `forked.usable()`; False never (the serial path); True wherever fork exists.
    `meanwhile`: work of the caller's done once the parse is, while the child still redacts
    (only when a child was forked: it is what the caller would do next anyway)."""
    from sessionlog_git.logs.archive import zone_offset

    texts = list(texts)
    offsets = {day: zone_offset(day, zone_name) for day in set(days)}
    size = sum(map(len, texts))
    PLAIN.expect(size)  # a backlog reads every plain log by blocks, from its first

    def parsed(text: str, day: date) -> TempLog:
        return parse(text, day=day, offset=offsets[day])

    if allow is None:
        return [(None, parsed(text, day)) for text, day in zip(texts, days, strict=True)]
    if fork is None:
        fork = None if size >= forked.FORK_FROM else False

    def redact() -> list[Redacted]:
        from sessionlog_git.logs.redact import redact_all

        return redact_all(texts, allow)

    def decode(value: object) -> list[Redacted]:
        return _decoded(value, texts)

    other = forked.aside(redact, _encoded, decode, fork=fork)
    with other:
        if not other.forked:  # the serial path: the redaction first, then the parse
            found = other.result()
            return [(f, parsed(f.text if f.count else text, day))
                    for f, text, day in zip(found, texts, days, strict=True)]
        logs = [parsed(text, day) for text, day in zip(texts, days, strict=True)]
        if meanwhile is not None:
            meanwhile()
        found = other.result()
    return [(f, parsed(f.text, day) if f.count else log)
            for f, log, day in zip(found, logs, days, strict=True)]


def _encoded(found: list[Redacted]) -> object:
    """What was found, as plain values: None for a text nothing was redacted from."""
    return [(f.text, [(x.line, x.kind, x.digest) for x in f.findings]) if f.count else None
            for f in found]


def _decoded(value: Any, texts: list[str]) -> list[Redacted]:
    from sessionlog_git.logs.redact import Finding, Redacted

    if not isinstance(value, list) or len(value) != len(texts):
        raise ValueError("the redaction's answer does not match its batch")
    return [Redacted(text) if one is None else
            Redacted(one[0], [Finding(line, kind, digest) for line, kind, digest in one[1]])
            for one, text in zip(value, texts, strict=True)]
