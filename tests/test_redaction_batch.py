"""A backlog's temp logs are redacted as a batch: each rule runs once over them all and then
only on the logs it can match, and detect-secrets' suspect lines are found by one search.
Every log comes out exactly as `redact` makes it alone: text, findings, line numbers."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import leak_corpus as corpus
import pytest
from secret_corpus import SECRETS

from sessionlog_git.logs import redact as redact_module
from sessionlog_git.logs import secretscan
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry
from sessionlog_git.logs.redact import redact, redact_all

WORDS = ("auth token cache session redis queue worker billing invoice export report schema "
         "migration index query latency retry timeout webhook parser config deploy password key "
         "secret credential bearer private").split()


def _temp_log(rng: random.Random, day: date, n: int, extra: list[str]) -> str:
    """A temp log as `sessionlog log` writes it, with `extra` lines among its bullets."""
    lines = [*file_header("shop", "alice", day, "UTC", "+00:00"), ""]
    start = datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc)
    for i in range(n):
        at = start + timedelta(minutes=20 * i)
        bullets = [" ".join(rng.choice(WORDS) for _ in range(8)).capitalize()]
        if extra and rng.random() < 0.5:
            bullets.append(extra.pop())
        entry = entry_from_parts(f"{at:%H:%M}", "Work on " + rng.choice(WORDS), bullets,
                                 {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    return "\n".join([*lines, *extra])


def _backlog(seed: int) -> list[str]:
    rng = random.Random(seed)
    secrets = [line.removeprefix("- ") for _, line in SECRETS]
    shapes = [form(shape) for shape in corpus.SHAPES[:40] for form in (corpus.bullet, corpus.wrapped)]
    texts = []
    for k in range(60):
        extra = rng.sample(secrets + shapes, rng.randrange(0, 4)) if k % 3 else []
        texts.append(_temp_log(rng, date(2024, 6, 1 + k % 25), rng.randrange(1, 12), extra))
    # A secret on a log's first line (the rules anchored at the start of a text), a log that
    # already holds a marker, and a log that ends in half a token the next log starts with.
    texts.append(SECRETS[0][1] + "\n")
    texts.append("--password Xk9mQ2vL7pR4zTq8 for the db\n")  # found only at a text's start
    texts.append("-u admin:Xk9mQ2vL7pR4zTq8 against the api\n")
    texts.append("- redacted before: [REDACTED:github-token] and " + SECRETS[1][1] + "\n")
    texts.append("- the build key is AKIAIOSF")
    texts.append("ODNN7QWERTY1 said nobody\n")
    return texts


def test_a_backlog_redacts_each_temp_log_exactly_as_alone() -> None:
    for seed in (1, 2):
        texts = _backlog(seed)
        alone = [redact(text) for text in texts]
        batched = redact_all(texts)
        assert [r.text for r in batched] == [r.text for r in alone]
        assert [r.findings for r in batched] == [r.findings for r in alone]
        assert [[f.digest for f in r.findings] for r in batched] == [
            [f.digest for f in r.findings] for r in alone]
        assert sum(r.count for r in alone) >= 40  # secrets were there to be found
        assert "[REDACTED:" in batched[-6].text  # the first-line secrets
        assert batched[-5].text == "--password [REDACTED:password] for the db\n"
        assert batched[-4].text == "-u admin:[REDACTED:password] against the api\n"
        assert batched[-2].text == texts[-2] and batched[-1].text == texts[-1]  # not one token


def test_a_backlog_without_a_marker_redacts_each_temp_log_exactly_as_alone() -> None:
    """Without a marker in the batch, the rules it keeps are found from the join its rules run
    on (one join and one fold of the batch): the same rules, the same results."""
    for seed in (3, 4):
        texts = [text for text in _backlog(seed) if "[REDACTED:" not in text]
        alone = [redact(text) for text in texts]
        batched = redact_all(texts)
        assert [r.text for r in batched] == [r.text for r in alone]
        assert [r.findings for r in batched] == [r.findings for r in alone]
        assert sum(r.count for r in alone) >= 20
        every = set(secretscan.rules_for(texts))
        assert all(set(rules) <= every for rules in secretscan.batch_rules(texts))


def test_a_rule_runs_only_on_the_logs_its_batch_matches_touch() -> None:
    texts = _backlog(3)
    every = secretscan.rules_for(texts)
    per = secretscan.batch_rules(texts)
    assert len(per) == len(texts)
    assert sum(map(len, per)) < len(every) * len(texts) // 2  # most logs need few rules
    spared = 0
    for text, rules in zip(texts, per, strict=True):
        assert set(rules) <= set(every)
        scanned = secretscan._as_scanned(text)
        for rule in every:
            if rule not in rules:  # a rule a log is spared finds nothing in it, alone
                spared += 1
                assert secretscan._scan(scanned, (rule,)) == [], (rule[1], text)
    assert spared > 0


def test_suspect_lines_for_detect_secrets_are_the_ones_a_line_by_line_visit_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact_module.SEARCH, "after", 0)  # the search from the first text on
    rng = random.Random(9)
    meta = "<!-- sessionlog at=2024-06-01T08:43:00+00:00 -->"
    pool = [meta, meta.replace(":00+", ":00.123456789012345+"), meta.replace(":00+00:00", "Z"),
            meta + "\r", meta + " x", " " + meta, meta + "ghp_" + "a1B2c3D4e5" * 4,
            "<!-- sessionlog at=AKIAIOSFODNN7EXAMPLE -->", "<!-- sessionlog at=AKIA12345678901 -->",
            "- token: 'x'",
            "api_key = 'sk_live_abcdefghijklmnop1234'", "plain words", "", "https://u:p@host/x",
            "x" * 17, "at=2024-06-01T08", "## 08:43 - Title with 10 digits"]
    for _ in range(3000):
        text = "\n".join(rng.choice(pool) for _ in range(rng.randrange(10)))
        lines = text.split("\n")
        visited = [i for i in redact_module._candidates(text) if redact_module._suspect(lines[i])]
        searched = [i for i in redact_module._suspect_lines(text) if redact_module._suspect(lines[i])]
        assert searched == visited, text


def test_a_batch_finds_the_suspect_lines_of_each_log_as_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One search of a batch gives each log the suspect lines a search of it alone gives (once
    `_suspect` has looked at them), a metadata line first in a log included; a batch below
    the search's threshold, or without re2, is looked at a log at a time."""
    rng = random.Random(11)
    meta = "<!-- sessionlog at=2024-06-01T08:43:00+00:00 -->"
    pool = [meta, meta.replace(":00+00:00", "Z"), meta + " x", "- token: 'x'", "plain words",
            "", "api_key = 'sk_live_abcdefghijklmnop1234'", "https://u:p@host/x", "x" * 17,
            "- caf\u00e9 'd\u00e9j\u00e0' vu", "at=2024-06-01T08", "\r"]
    texts = ["\n".join(rng.choice(pool) for _ in range(rng.randrange(12))) for _ in range(400)]
    texts += [meta, meta + "\n- 'quoted'", ""]
    assert sum(map(len, texts)) >= redact_module.SEARCH.after
    found = redact_module._suspect_lines_of(texts)
    assert found is not None and len(found) == len(texts)
    monkeypatch.setattr(redact_module.SEARCH, "seen", redact_module.SEARCH.after)
    for text, lines_found in zip(texts, found, strict=True):
        lines = text.split("\n")
        alone = [i for i in redact_module._suspect_lines(text) if redact_module._suspect(lines[i])]
        assert [i for i in lines_found if redact_module._suspect(lines[i])] == alone, text
    assert redact_all(texts) == [redact(text) for text in texts]
    assert redact_module._suspect_lines_of(texts[:3]) is None  # too little to search
    monkeypatch.setattr(secretscan, "linear", lambda: False)
    assert redact_module._suspect_lines_of(texts) is None


@pytest.mark.parametrize("gives_up", [False, True])  # the set's pass; the searches after it
def test_the_rules_a_batch_keeps_are_those_with_a_literal_it_holds(
        monkeypatch: pytest.MonkeyPatch, gives_up: bool) -> None:
    """rules_for finds the literals in one pass of the batch; a rule stays exactly when one of
    its literals is in the text (ignoring case where the rule does), or it has none. Where
    the set's pass gives up (re2 out of memory: it names no pattern), the literals are
    searched for one at a time, with the same result."""
    if gives_up:
        engine, _ = secretscan._engine()
        monkeypatch.setattr(engine.Set, "Match", lambda self, data: None)
        assert secretscan._held_by_set([b"x"], b"x") is None
    else:
        assert secretscan._held_by_set([b"x", b"y"], b"x") == {b"x"}
    rng = random.Random(12)
    shapes = [corpus.bullet(shape) for shape in corpus.SHAPES]
    batches = [_backlog(4), shapes, ["plain words only\n"], ["", "x"], ["- Ba\u017fic auth\n"]]
    batches += [rng.sample(shapes, rng.randrange(1, 12)) for _ in range(40)]
    for texts in batches:
        data = "\n".join(texts).encode("utf-8", "surrogatepass")
        lowered = secretscan.folded(data)
        naive = tuple(rule for rule in secretscan._rules() if rule[3] is None or any(
            word in (lowered if rule[3][1] else data) for word in rule[3][0]))
        assert secretscan.rules_for(texts) == naive


def _junctions_by_visit(text: str) -> dict[int, int]:
    """The wrapped view's junctions found the plain way: every pair of lines looked at."""
    import re

    starts, ends = secretscan._lines_of(text)
    token_end, continuation = re.compile(r"[A-Za-z0-9+/=_\-]$"), re.compile(
        r"^[ \t]*(?:[-*+] |#|>|\d+[.)] |```|~~~|\|)")
    out: dict[int, int] = {}
    for k in range(len(starts) - 1):
        a, b, c, d = starts[k], ends[k], starts[k + 1], ends[k + 1]
        if b == a or not token_end.search(text[b - 1 : b]):
            continue
        nxt = text[c:d]
        lead = len(nxt) - len(nxt.lstrip(" \t"))
        if continuation.match(nxt) or lead >= len(nxt) or not (
                nxt[lead].isalnum() or nxt[lead] in "+/=_-"):
            continue
        out[b] = c + lead  # the tail's end and the head's start, in the text as written
    return out


@pytest.mark.parametrize("search_from", [0, 1 << 60])  # the search; the visit to every pair
def test_the_wrapped_view_joins_the_lines_a_visit_to_every_line_pair_joins(
        monkeypatch: pytest.MonkeyPatch, search_from: int) -> None:
    monkeypatch.setattr(secretscan.WRAP_SEARCH, "after", search_from)
    rng = random.Random(21)
    pieces = ["abc", "XYZ9", "+/=", "-", "_", "\\", " ", "\t", "\n", "\n", "\n", "- ", "* ",
              "+x", "-\t", "# ", "> ", "12. ", "3) ", "```", "~~~", "|", "é", "²", "\u3000", "%41"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(40)))
        view = secretscan._wrapped_view(text, lambda: secretscan._lines_of(text))  # noqa: B023
        found = {} if view is None else {
            view.origin_end[cut - 1]: view.origin[cut] for cut in view.junction.values()}
        assert found == _junctions_by_visit(text), text


def _matches_alone(pattern: str, text: str) -> list[secretscan.Spans]:
    """A rule's matches in a text scanned alone, every group's span, as `batch_scan` gives them."""
    rx = secretscan._rx(pattern, True)
    data = secretscan._as_scanned(text).encode("utf-8", "surrogatepass")
    return [tuple(m.span(i) for i in range(rx.groups + 1)) for m in rx.finditer(data)]


def test_the_matches_a_batch_hands_a_log_are_those_a_scan_of_it_alone_finds() -> None:
    """Where `batch_scan` hands a log a rule's matches, they are exactly the matches of the
    rule in the log alone (every group, in order): at a log's first and last character, next
    to the line break the join puts between logs, in UTF-8 of more than one byte, with a
    marker; a rule that asserts a line's start or end, or whose match crosses from one log
    into the next, is scanned in the log alone instead."""
    rng = random.Random(31)
    pieces = ["password ", "passwd: ", "Password is ", "x", "Xk9mQ2vL7pR4zTq8", "é", "\u00c9t\u00e9 ",
              "token ", "key: ", "\n", " ", "ghp_" + "a1B2c3D4e5" * 4, "AKIAIOSF", "ODNN7QWERTY1",
              "-----BEGIN", "[REDACTED:password]", "sk-", "'", "=", "the api key is "]
    batches = [_backlog(5)] + [
        ["".join(rng.choice(pieces) for _ in range(rng.randrange(12))) for _ in range(30)]
        for _ in range(40)]
    handed = fallback = 0
    for texts in batches:
        batched = secretscan.batch_scan(texts)
        for text, (rules, known, _) in zip(texts, batched, strict=True):
            assert set(known) <= {rule[1] for rule in rules}
            for rule in rules:
                if rule[1] in known:
                    handed += 1
                    assert secretscan._alone_as_joined(rule[1])
                    assert known[rule[1]] == _matches_alone(rule[1], text), (rule[1], text)
                else:
                    fallback += 1
        assert [redact(text) for text in texts] == redact_all(texts)
    assert handed > 100 and fallback > 100


def test_a_match_across_two_logs_leaves_each_to_its_own_scan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A match of the batch that runs from one log into the next (the join's line break is
    a character a rule may match) hands neither log anything: each is scanned alone, and
    finds what it finds alone; a log whose matches lie inside it is handed them."""
    rule = ("secret", r"is[^a]Xk(?P<s>[0-9a-z]{6})", None, None)
    monkeypatch.setattr(secretscan, "_rules_in", lambda data, lowered: (rule,))
    texts = ["- the api key is", "Xk9mq2vl in the notes\n", "- the key is Xk7pr4zt\n"]
    batched = secretscan.batch_scan(texts)
    assert [rules for rules, _, _ in batched] == [(rule,)] * 3
    assert [known for _, known, _ in batched] == [{}, {}, {rule[1]: [((10, 21), (15, 21))]}]
    for text, (rules, known, _) in zip(texts, batched, strict=True):
        assert secretscan.find(text, rules=rules, known=known) == secretscan.find(text, rules=rules)
    assert secretscan.find(texts[2], rules=(rule,)) == [secretscan.Hit(15, 21, "secret")]


def test_a_log_whose_line_breaks_start_no_junction_is_not_looked_at_for_one() -> None:
    """`batch_scan` says a log's wrapped view may join lines wherever `_wrapped_view` finds a
    junction (a line break before a letter, a digit, `_/=`, a character beyond ASCII, or `-`
    and `+` before anything but a space); a log as `sessionlog log` writes it has none."""
    rng = random.Random(41)
    pieces = ["abc", "XYZ9", "+/=", "-", "_", "\\", " ", "\t", "\n", "\n", "\n", "- ", "* ",
              "+x", "-\t", "# ", "> ", "12. ", "```", "|", "é", "²", "\u3000", "%41", "\ud800"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(40))) for _ in range(3000)]
    texts += _backlog(6)
    batched = secretscan.batch_scan(texts)
    for text, (_, _, joins) in zip(texts, batched, strict=True):
        if not joins:
            assert secretscan._wrapped_view(text, lambda: secretscan._lines_of(text)) is None, text  # noqa: B023
    assert not all(joins for _, _, joins in batched)
    assert not batched[-1][2]  # a plain temp log


def test_a_batch_runs_only_the_rules_that_match_somewhere_in_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass of a set of the rules names those that match somewhere in the batch; only they
    run their own pass. Where the set's pass gives up (re2 out of memory: it names nothing),
    every rule runs its own, with the same result."""
    rules = [r[1] for r in secretscan._rules()]
    joined = "\n".join(_backlog(7)).encode("utf-8", "surrogatepass")
    found = secretscan._matching(rules, joined)
    assert found == {p for p in rules if secretscan._multiline(p).search(joined) is not None}
    assert 0 < len(found) < len(rules)
    batches = [_backlog(7), _backlog(8)[:20], ["plain words only\n", "- password parser\n"]]
    before = [secretscan.batch_scan(texts) for texts in batches]
    engine, _ = secretscan._engine()
    monkeypatch.setattr(engine.Set, "Match", lambda self, data: None)
    assert secretscan._matching(rules, joined) == set(rules)
    assert [secretscan.batch_scan(texts) for texts in batches] == before
