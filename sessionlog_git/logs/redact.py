"""Secrets never reach a commit: find them in a temp log and replace them with a marker.

Two detectors: our own rules (secretscan: exact spans, on a linear-time matcher, for provider
token shapes, private key blocks, passwords in URLs, on command lines and in assignments, in
percent-encoded and wrapped text) and detect-secrets (Yelp's maintained detector set) as a
backstop on short suspect lines. detect-secrets' high-entropy plugins are left out: session logs
are full of commit SHAs and UUIDs, and those plugins flag them. The marker keeps the kind,
never a part of the secret.
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from sessionlog_git.base.text import lazy_pattern
from sessionlog_git.base.warmup import Warmup

MARKER = "[REDACTED:{kind}]"
# This module's `re` patterns are compiled on first use (`base.text.lazy_pattern`): a backlog's
# batch, its suspect lines found by one search (`_suspect_lines_of`), mostly reaches none.


_marker_re = lazy_pattern(r"\[REDACTED:[a-z0-9-]+\]")


# detect-secrets plugins that suit prose logs (the high-entropy ones flag every commit SHA).
DETECT_SECRETS_PLUGINS = (
    "ArtifactoryDetector", "AWSKeyDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector", "KeywordDetector",
    "MailchimpDetector", "NpmDetector", "OpenAIDetector", "PypiTokenDetector",
    "SendGridDetector", "SlackDetector", "SoftlayerDetector", "SquareOAuthDetector",
    "StripeDetector", "TelegramBotTokenDetector", "TwilioKeyDetector",
)


_token_chars = lazy_pattern(r"[A-Za-z0-9_\-./+=~:]")

# Lines detect-secrets could flag that our rules left standing (they run first, and a line they
# redacted has lost its token). Its keyword plugin needs a denylisted word and a quote on the
# line; its provider plugins need a long token mixing letters and digits (a run of hex digits
# of one case and dashes alone, a commit SHA or a UUID, none of them flags without such a word); its basic
# auth plugin a password in a URL. Prose lines, the bulk of a log, match none of these, so the
# common commit never imports detect-secrets.
_suspect_word = lazy_pattern(r"(?i)pass|pwd|secret|token|key|auth|cred|bearer|basic|private|contrase")

_suspect_url = lazy_pattern(r"://[^/\s@]+:[^/\s@]+@")

_suspect_run = lazy_pattern(r"[A-Za-z0-9+/=_\-.~]{16,}")

# one case: Twilio's AC<hex> mixes them
_hex_run = lazy_pattern(r"[0-9a-f\-]+|[0-9A-F\-]+")


_QUOTES = frozenset("'\"`")


# every suspect line holds one of these
_trigger = lazy_pattern(r"[0-9'\"`]|://")

_meta_at = lazy_pattern(  # an entry's own metadata line, a timestamp alone
    r"<!-- sessionlog at=\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)? -->")

# A timestamp (every entry's `at=` metadata has one) is no token.
_timestamp = lazy_pattern(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")


# detect-secrets' own regexes are not linear: it sees only lines up to this length, and at most
# this many suspect lines of one log (our rules, which are linear, scan everything).
DETECT_SECRETS_MAX_LINE = 1000
DETECT_SECRETS_MAX_LINES = 2000


def _mixed_runs(line: str) -> list[str]:
    """The long tokens of a line that mix letters and digits (timestamps aside)."""
    return [m for m in _suspect_run().findall(_timestamp().sub(" ", line))
            if re.search(r"\d", m) and re.search(r"[a-z]", m, re.I)]


def _candidates(text: str) -> list[int]:
    """The lines (0-based) that hold a digit, a quote or `://`: a suspect line holds one of
    them. Found by one search per such line, so the prose between costs no Python step."""
    out: list[int] = []
    line = pos = 0
    while (m := _trigger().search(text, pos)) is not None:
        line += text.count("\n", pos, m.start())
        out.append(line)
        end = text.find("\n", m.start())
        if end == -1:
            break
        pos = end + 1
        line += 1
    return out


# A line `_suspect` can pass holds a quote, `://` or a run of 16 token characters (what
# _suspect_url(), _QUOTES and _suspect_run() need): on the linear-time matcher, one search of the
# whole text finds every such line (a digit alone, as in each heading's time, is not enough).
_SUSPECT_LINE = r"(?m)^[^\n]*(?:['\"`]|://|[A-Za-z0-9+/=_\-.~]{16})[^\n]*$"


# An entry's metadata line (`_meta_at()`, never suspect) after a line break: its `at=` and the
# timestamp make a run of 16 token characters, so each would be a candidate to look at.
_META_AT_LINE = (r"\n<!-- sessionlog at=(?=\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?"
                 r"(?:Z|[+-]\d\d:\d\d)? -->(?:\n|\Z))")
# The search costs two compiles (half a millisecond) that a visit to a few lines does not
# repay: a process takes it up once it has looked through this many characters line by line.
SEARCH = Warmup()


def _suspect_lines(text: str) -> list[int]:
    """The lines (0-based) that hold a quote, `://` or a long token: every suspect line (and
    no metadata line: each is written with a space for its `=`, which breaks its run; the
    text keeps its length and its lines). The line-by-line `_candidates` for the first
    `SEARCH.after` characters of a process, and where re2 is missing."""
    from sessionlog_git.logs.secretscan import bytes_pattern, linear

    if not SEARCH.ready(len(text)) or not linear():
        return _candidates(text)
    text = re.sub(_META_AT_LINE, "\n<!-- sessionlog at ", text)
    data = text.encode("utf-8", "surrogatepass")  # a line break is one byte in UTF-8
    out: list[int] = []
    line = pos = 0
    for m in bytes_pattern(_SUSPECT_LINE).finditer(data):
        line += data.count(b"\n", pos, m.start())
        pos = m.start()
        out.append(line)
    return out


def _suspect_lines_of(texts: list[str]) -> list[list[int]] | None:
    """For each text of a batch, lines `_suspect` then keeps exactly as from `_suspect_lines`
    of the text alone, by one search of the texts joined by line breaks (whether a line is
    suspect depends on that line alone). The one difference: a text's first line that is an
    entry's metadata is left out here (the line break before it comes from the join), and
    `_suspect` never keeps such a line. None for a batch smaller than `SEARCH.after`
    characters, or where re2 is missing: each text is looked at alone."""
    from bisect import bisect_right

    from sessionlog_git.logs.secretscan import bytes_pattern, linear

    if sum(map(len, texts)) < SEARCH.after or not linear():
        return None
    joined = re.sub(_META_AT_LINE, "\n<!-- sessionlog at ", "\n".join(texts))
    data = joined.encode("utf-8", "surrogatepass")  # a line break is one byte in UTF-8
    firsts: list[int] = []  # each text's first line in the join
    line = 0
    for text in texts:
        firsts.append(line)
        line += text.count("\n") + 1
    out: list[list[int]] = [[] for _ in texts]
    line = pos = 0
    for m in bytes_pattern(_SUSPECT_LINE).finditer(data):
        line += data.count(b"\n", pos, m.start())
        pos = m.start()
        i = bisect_right(firsts, line) - 1
        out[i].append(line - firsts[i])
    return out


def _suspect(line: str) -> bool:
    if len(line) > DETECT_SECRETS_MAX_LINE or _meta_at().fullmatch(line):
        return False
    if "://" in line and _suspect_url().search(line):
        return True
    quoted = not _QUOTES.isdisjoint(line)
    if not quoted and _suspect_run().search(line) is None:
        return False  # no quote and no long token: neither kind of plugin can flag it
    runs = _mixed_runs(line)
    if any(not _hex_run().fullmatch(run) for run in runs):
        return True
    if not _suspect_word().search(line):
        return False
    return bool(runs) or quoted


class Finding:
    """A secret found and redacted: its line and kind, and a digest of it (never the secret).

    Equal and hashed by its line and kind. (Plain classes here: a dataclass costs its generated
    methods' compile at every commit's start.)"""

    __slots__ = ("digest", "kind", "line")

    def __init__(self, line: int, kind: str, digest: str = "") -> None:
        self.line = line  # 1-based line of the text where the secret starts
        self.kind = kind
        self.digest = digest  # sha256 of the secret (never the secret)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return (self.line, self.kind) == (other.line, other.kind)

    def __hash__(self) -> int:
        return hash((self.line, self.kind))

    def __repr__(self) -> str:
        return f"Finding(line={self.line!r}, kind={self.kind!r}, digest={self.digest!r})"


class Redacted:
    """A text with its secrets replaced, and what was found."""

    __slots__ = ("findings", "text")

    def __init__(self, text: str, findings: list[Finding] | None = None) -> None:
        self.text = text
        self.findings: list[Finding] = [] if findings is None else findings

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Redacted):
            return NotImplemented
        return (self.text, self.findings) == (other.text, other.findings)

    __hash__ = None  # type: ignore[assignment]

    @property
    def count(self) -> int:
        return len(self.findings)

    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.findings})


@cache
def _detect_secrets() -> Any:
    """detect-secrets' line scanner with our plugin set, or None when it is not installed."""
    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import get_settings
    except ImportError:
        return None
    get_settings().configure_plugins([{"name": name} for name in DETECT_SECRETS_PLUGINS])
    return scan_line


def _kind_of(plugin_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plugin_type.lower()).strip("-") or "secret"


def _apply_detect_secrets(text: str, findings: list[Finding], allow: frozenset[str] = frozenset(),
                          line_of: Any = None, candidates: list[int] | None = None) -> str:
    """`candidates`: the text's lines to look at (`_suspect_lines_of`); None: found here."""
    from sessionlog_git.logs.secretscan import digest, not_a_value, random_looking

    lines = text.split("\n")
    if candidates is None:
        candidates = _suspect_lines(text)
    suspects = [i for i in candidates if _suspect(lines[i])][:DETECT_SECRETS_MAX_LINES]
    if not suspects:
        return text
    scan_line = _detect_secrets()
    if scan_line is None:
        return text
    for index in suspects:
        number, line = index + 1, lines[index]
        for secret in list(scan_line(line)):
            value = secret.secret_value or ""
            if len(value) < 4 or value not in line:
                continue
            start = line.index(value)
            end = start + len(value)
            # Some plugins report only a prefix (e.g. "ghp"): take the whole token.
            while start > 0 and _token_chars().match(line[start - 1]) and line[start - 1] not in ":=":
                start -= 1
            while end < len(line) and _token_chars().match(line[end]):
                end += 1
            token = line[start:end]
            if _marker_re().search(token):
                continue
            if secret.type == "Secret Keyword" and not random_looking(token):
                continue
            if not_a_value(token.split(":")[-1].rstrip("@")) and not_a_value(token):
                continue  # a placeholder (user:password@), a variable, a template
            if allow and digest(token) in allow:
                continue
            kind = _kind_of(secret.type)
            line = line[:start] + MARKER.format(kind=kind) + line[end:]
            findings.append(Finding(line_of(number) if line_of else number, kind, digest(token)))
        lines[number - 1] = line
    return "\n".join(lines)


def _replace(text: str, hits: list[Any], findings: list[Finding]) -> tuple[str, list[tuple[int, int]]]:
    """The text with each hit replaced by its marker, and where its lines came from.

    The second value lists (first line of the output, lines removed before it) at each point
    where a multi-line hit (a key block) collapsed lines, so a later finding keeps the line
    number of the file as written.
    """
    out: list[str] = []
    shifts: list[tuple[int, int]] = []
    pos = 0
    line = 1  # line of the original text at `pos`
    removed = 0
    for hit in hits:
        line += text.count("\n", pos, hit.start)
        out.append(text[pos : hit.start])
        out.append(MARKER.format(kind=hit.kind))
        value = text[hit.start : hit.end]
        findings.append(Finding(line, hit.kind, hit.digest(text)))
        inner = value.count("\n")
        if inner:
            removed += inner
            shifts.append((line - removed + inner + 1, removed))
        line += inner
        pos = hit.end
    out.append(text[pos:])
    return "".join(out), shifts


def redact_all(texts: list[str], allow: frozenset[str] = frozenset()) -> list[Redacted]:
    """`redact` of each text, the same results: each text is scanned only with the rules that
    can match it, found for the batch at once, and not again for a rule whose matches in it
    the batch's scan found (`secretscan.batch_scan`: a first consolidation redacts hundreds
    of temp logs)."""
    from sessionlog_git.logs.secretscan import batch_scan

    if len(texts) < 2:  # one text: its own checks suffice
        return [redact(text, allow) for text in texts]
    found = _suspect_lines_of(texts)
    suspects: list[list[int] | None] = [None] * len(texts) if found is None else list(found)
    return [redact(text, allow, rules=rules, suspects=lines, known=known, joins=joins)
            for text, (rules, known, joins), lines
            in zip(texts, batch_scan(texts), suspects, strict=True)]


def redact(text: str, allow: frozenset[str] = frozenset(), *, rules: Any = None,
           suspects: list[int] | None = None, known: Any = None, joins: bool = True) -> Redacted:
    """The text with every secret we find replaced by `[REDACTED:<kind>]`.

    `allow`: digests (secretscan.digest) of values a user restored as false positives.
    `rules`: the rules that can match `text` as written (secretscan.batch_scan, redact_all).
    `suspects`: `_suspect_lines_of` for `text` as written (used when our rules replace nothing
    in it: detect-secrets then sees the text as written).
    `known`, `joins`: what `secretscan.batch_scan` found of `text` (`secretscan.find`).
    """
    from bisect import bisect_right

    from sessionlog_git.logs.secretscan import find

    findings: list[Finding] = []
    hits = find(text, allow, rules, known, joins=joins)
    out, shifts = _replace(text, hits, findings)
    firsts = [first for first, _ in shifts]

    def original_line(number: int) -> int:
        i = bisect_right(firsts, number) - 1
        return number + (shifts[i][1] if i >= 0 else 0)

    out = _apply_detect_secrets(out, findings, allow, original_line,
                                None if hits else suspects)
    findings.sort(key=lambda f: (f.line, f.kind))
    return Redacted(out, findings)
