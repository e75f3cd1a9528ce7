"""Redaction catches realistic leaks, destroys nothing it cannot prove secret, keeps the original
privately, lets a false positive be put back, and scans in linear time.

The corpus figures asserted here are the ones README reports (scripts/redaction_report.py).
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import leak_corpus as corpus
import leak_corpus_heldout as heldout
import pytest
from conftest import ROOT, Repo
from hypothesis import given, settings
from hypothesis import strategies as st
from leak_corpus_clean import CLEAN_LINES
from secret_corpus import CLEAN, SECRETS

from sessionlog_git.logs import secretscan
from sessionlog_git.logs.redact import redact, redact_all

NOW = "2026-11-25T14:30:00+01:00"
BEGIN_RSA = "-----BEGIN RSA " + "PRIVATE KEY-----"
END_RSA = "-----END RSA " + "PRIVATE KEY-----"


# --------------------------------------------------------------------------- the corpus goals


def test_the_corpus_is_twice_as_broad_and_holds_no_literal_secret() -> None:
    assert len(corpus.SHAPES) >= 2 * len(SECRETS)
    assert len({s.kind for s in corpus.SHAPES}) == len(corpus.SHAPES)
    assert len(CLEAN_LINES) >= 500
    sources = "".join((ROOT / "tests" / name).read_text(encoding="utf-8") for name in (
        "leak_corpus.py", "leak_corpus_heldout.py", "leak_corpus_clean.py"))
    for shape in [*corpus.SHAPES, *heldout.SHAPES]:
        for piece in shape.secret.split("\n"):
            headers = ("-----", "Proc-Type", "DEK-Info", "Version", "Comment")
            if len(piece) >= 12 and not piece.startswith(headers):
                assert piece not in sources, f"{shape.kind}: a literal secret in the corpus source"


def test_recall_and_clean_goals_on_the_corpus() -> None:
    figures = corpus.measure(redact, corpus.SHAPES, CLEAN_LINES)
    misses = "\n".join(figures.misses)
    assert figures.rate(figures.forms) >= 0.97, misses
    assert figures.rate(figures.url) >= 0.80, misses
    assert figures.rate(figures.wrapped) >= 0.50, misses
    assert figures.clean[0] / figures.clean[1] <= 0.005, misses


def test_held_out_floors_fixed_before_its_first_run() -> None:
    figures = corpus.measure(redact, heldout.SHAPES, heldout.CLEAN_LINES)
    misses = "\n".join(figures.misses)
    assert figures.rate(figures.forms) >= heldout.FLOORS["forms"], misses
    assert figures.rate(figures.url) >= heldout.FLOORS["url"], misses
    assert figures.rate(figures.wrapped) >= heldout.FLOORS["wrapped"], misses
    assert figures.clean[0] / figures.clean[1] <= heldout.FLOORS["clean"], misses


# --------------------------------------------------------------------------- exact spans


def test_prose_naming_a_key_header_loses_only_the_header_token() -> None:
    text = ("## 09:00 - Key format\n"
            f"- Root cause: the file began with {BEGIN_RSA} but openssl 3 wants PKCS8\n"
            "- Decision: convert every key with openssl pkcs8 -topk8\n"
            "## 09:30 - Rotation\n"
            "- Next: rotate the staging keys\n\n"
            "## 10:00 - Docs\n- Summary: wrote the runbook\n")
    result = redact(text)
    assert result.text == text.replace(BEGIN_RSA, "[REDACTED:private-key]")
    assert result.text.count("## ") == 3
    assert [(f.line, f.kind) for f in result.findings] == [(2, "private-key")]


def test_a_key_block_is_redacted_from_begin_to_its_matching_end_and_no_further() -> None:
    g = corpus.Gen(7)
    pgp = corpus.pem(g, "PGP " + "PRIVATE KEY BLOCK", ("Version: GnuPG v2",))
    legacy = corpus.pem(g, "RSA " + "PRIVATE KEY", ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,"
                                                     + g.s(32, corpus.HEX).upper()))
    text = (f"## 09:00 - Keys\n- pasted:\n{pgp}\n- Decision: use the smartcard\n\n{legacy}\n"
            "- Next: rotate both\n")
    result = redact(text)
    assert result.text == ("## 09:00 - Keys\n- pasted:\n[REDACTED:private-key]\n"
                           "- Decision: use the smartcard\n\n[REDACTED:private-key]\n- Next: rotate both\n")
    assert [(f.line, f.kind) for f in result.findings] == [(3, "private-key"), (14, "private-key")]


def test_an_unterminated_key_loses_its_header_and_base64_body_only() -> None:
    g = corpus.Gen(8)
    body = [g.s(64, corpus.B64) for _ in range(3)]
    text = f"- oops, truncated:\n{BEGIN_RSA}\n" + "\n".join(body) + "\n- Next: ask for the whole file\n"
    result = redact(text)
    assert result.text == "- oops, truncated:\n" + "\n".join(["[REDACTED:private-key]"] * 4) + \
        "\n- Next: ask for the whole file\n"


def test_prose_between_two_key_headers_is_not_swallowed() -> None:
    text = (f"- The old file began with {BEGIN_RSA} and\n- Decision: keep the notes\n"
            f"- and it ended with {END_RSA} as usual\n")
    result = redact(text)
    assert result.text == text.replace(BEGIN_RSA, "[REDACTED:private-key]")


def test_a_secret_in_a_percent_encoded_query_string_is_found_and_its_escapes_replaced() -> None:
    token = "gh" + "p_" + corpus.Gen(9).s(36)
    for query in (f"token%20{token}", f"auth%3D%22{token}%22", f"t%3D{token[:3]}%5F{token[4:]}"):
        text = f"- GET https://app.example.org/cb?q={query}&page=2\n"
        result = redact(text)
        assert token[4:20] not in result.text, result.text
        assert "[REDACTED:github-token]" in result.text and result.text.endswith("&page=2\n")
        assert result.text.startswith("- GET https://app.example.org/cb?q=")


def test_a_secret_wrapped_across_two_lines_loses_both_halves_and_nothing_else() -> None:
    key = "AK" + "IA" + corpus.Gen(10).s(16, corpus.UPPER + corpus.DIGITS)
    text = f"- Tried: export AWS_ACCESS_KEY_ID={key[:9]}\n  {key[9:]} before deploy\n- Next: more\n"
    result = redact(text)
    assert result.text == ("- Tried: export AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key-id]\n"
                           "  [REDACTED:aws-access-key-id] before deploy\n- Next: more\n")


@pytest.mark.parametrize("line", [
    "- Decision: basic configuration lives in settings/base.py",
    "- password: PasswordResetConfirmView",
    "- DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/shop",
    "- private_key=Ed25519PrivateKey.generate()",
    "- cache_key = 'orders:v2:' + str(order_id)",
    "- mysql -u root -p shop (it prompts for the password)",
    "- The commit 4e07408562bedb8b60ce05c1decfe3ad16b72230 added the rotation job",
    "- Rotated the key in commit 4e07408562bedb8b60ce05c1decfe3ad16b72230",
    "- token bucket: see src/rate/TokenBucket2Impl.java line 40",
])
def test_the_issues_clean_lines_stay_as_written(line: str) -> None:
    assert redact(line + "\n").text == line + "\n"


def test_a_query_parameter_loses_its_value_and_keeps_the_next_parameter() -> None:
    value = corpus.Gen(18).s(32)
    result = redact(f"- GET /v1/items?api_key={value}&page=2\n")
    assert result.text == "- GET /v1/items?api_key=[REDACTED:password]&page=2\n"


def test_restored_values_are_not_redacted_again() -> None:
    line = "- build_token: Xk29dLq8Zp3mWv7R\n"
    found = redact(line)
    assert found.count == 1
    assert redact(line, frozenset({found.findings[0].digest})).text == line


# --------------------------------------------------------------------------- linear time


def test_rules_run_on_the_linear_time_matcher() -> None:
    assert secretscan.linear(), "google-re2 is a dependency; without it the rules run on re"
    # every rule compiles on re2, which refuses backreferences and lookaround
    assert len(secretscan._compiled()) == len(secretscan.RULES)


def test_skipping_rules_whose_literals_are_absent_changes_no_redaction(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule is neither compiled nor run on a log that lacks every literal its matches hold
    (secretscan.NEEDLES): on every corpus text, in every form, the result is the same as with
    every rule run."""
    texts = [line for _, line in SECRETS] + list(CLEAN) + list(CLEAN_LINES)
    for shape in [*corpus.SHAPES, *heldout.SHAPES]:
        texts += [form(shape) for form in (corpus.bullet, corpus.title, corpus.fence,
                                           corpus.url_encoded, corpus.wrapped)]
    skipping = [redact(text) for text in texts]
    monkeypatch.setattr(secretscan, "_absent", lambda *_: False)
    every = [redact(text) for text in texts]
    assert [r.text for r in skipping] == [r.text for r in every]
    assert sum(r.count for r in every) >= len(SECRETS)
    assert set(secretscan.NEEDLES) <= {kind for kind, _, _ in secretscan.RULES}


def test_skipping_rules_whose_run_is_absent_changes_no_redaction(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule whose secret is a long run of one character class (`(?P<s>[...]{24,300})`) is
    neither compiled nor run on a log without such a run: on every corpus text, in every form,
    the result is the same as with every rule run; and a log of prose compiles none of them."""
    texts = _corpus_texts()
    runs = [p for _, p, _ in secretscan.RULES if secretscan._run_of(p) is not None]
    assert len(runs) >= 3  # the two context-token rules and the env-name one among them
    # Only a run every match holds: not one in an optional or alternative part of the rule.
    for optional in (r"x(?P<s>[A-Za-z]{24,300})?", r"(?:a(?P<s>[A-Za-z]{24,300}))?",
                     r"ab|(?P<s>[A-Za-z]{24,300})", r"x(?P<s>[A-Za-z]{4,300})"):
        assert secretscan._run_of(optional) is None, optional
    assert secretscan._run_of(r"x(?P<s>[A-Za-z0-9_\-]{24,300})y") is not None
    skipping = [redact(text) for text in texts]
    monkeypatch.setattr(secretscan, "_no_run", lambda *_: False)
    every = [redact(text) for text in texts]
    assert [r.text for r in skipping] == [r.text for r in every]
    assert [r.findings for r in skipping] == [r.findings for r in every]
    assert sum(r.count for r in every) >= len(SECRETS)


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The patterns the scanner compiles from now on, in order (its `_rx`, counted)."""
    compiled: list[str] = []
    real = secretscan._rx.__wrapped__

    def counting(pattern: str, on_re2: bool) -> object:
        compiled.append(pattern)
        return real(pattern, on_re2)

    monkeypatch.setattr(secretscan, "_rx", counting)
    return compiled


def test_a_log_of_prose_does_not_compile_the_long_run_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The context-token rule ("the api key is 3f9…") is the dearest re2 compile: a log whose
    words are all short never needs it, though it holds "token" and "key"."""
    prose = ("## 10:02 - Token refresh for the api key cache\n"
             "- Decision: rotate the auth token key daily, because the secret store limits us\n")
    context = next(p for k, p, _ in secretscan.RULES if k == "secret" and p.startswith("(?i)"))
    compiled = _compiles(monkeypatch)
    assert redact(prose).text == prose
    assert compiled and context not in compiled  # other rules with those words ran
    token = "- the api key is " + corpus.Gen(3).s(32) + "\n"
    assert redact(token).count == 1
    assert context in compiled


def test_a_log_that_names_secrets_only_in_prose_does_not_compile_the_generic_assignment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The generic assignment (`db_password = ...`) holds the words of prose ("key", "token",
    "pass"): its gate (a secret's name, then an operator) keeps a log without one from
    compiling it, and every assignment form still reaches it, with what every rule run finds."""
    gate = next(g for _, g in secretscan.GATES)
    rule = next(p for _, p, _ in secretscan.RULES if secretscan._gate_of(p) == gate)
    assert secretscan._SECRET_NAME + ")" + secretscan._ASSIGNED in rule  # a part of the rule
    compiled = _compiles(monkeypatch)
    prose = ("## 10:02 - Token refresh for the api key cache\n"
             "- Decision: the password, the auth token and the pass key stay in the vault\n"
             "- Next: rotate the secret key, then the creds\n")
    assert redact(prose).text == prose
    assert gate in compiled and rule not in compiled
    value = corpus.Gen(5).s(24)
    lines = [f"- db_password = {value}\n", f'- "api_token": "{value}"\n',
             f"- secret_key => '{value}'\n", f"- AUTH_TOKEN := {value}\n",
             f"- PASSWORD\t: {value}\n", f"- \u017fecret={value}\n", f"export GH_PAT={value}\n",
             f"- deploy.credentials`: {value}\n", f"$env:API_KEY={value}\n"]
    gated = [redact(line) for line in lines]
    assert rule in compiled
    assert sum(r.count for r in gated) >= len(lines) - 1
    monkeypatch.setattr(secretscan, "_no_run", lambda *_: False)
    every = [redact(line) for line in lines]
    assert [r.text for r in gated] == [r.text for r in every]
    assert [r.findings for r in gated] == [r.findings for r in every]


def _random_looking_as_first_written(value: str, *, quoted: bool = False) -> bool:
    """secretscan.random_looking as it was before it told short and one-class values first
    (the reference: `not_a_value` asked of every value)."""
    if secretscan.not_a_value(value):
        return False
    lower, upper, digit, symbol = secretscan._classes(value)
    kinds = lower + upper + digit + symbol
    n = len(value)
    if n >= 32 and secretscan._hex().match(value) and digit and (lower or upper):
        return True
    if secretscan._uuid().match(value.lower()):
        return True
    if n < (6 if quoted else 8):
        return False
    if kinds >= 3:
        return True
    if digit and (lower or upper) and (n >= 16 or quoted) and secretscan.entropy(value) >= 3.0:
        return True
    return n >= 20 and kinds >= 2 and secretscan.entropy(value) >= 3.7


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcdefXYZ0189-_.$/{}%é\n ", max_size=40), st.booleans())
def test_a_value_is_random_looking_as_when_every_value_was_checked_for_a_name_first(
        value: str, quoted: bool) -> None:
    """random_looking tells a short or one-class value (the word after "password" in prose)
    before `not_a_value` compiles its patterns: every answer is the one of the order before."""
    assert secretscan.random_looking(value, quoted=quoted) == _random_looking_as_first_written(
        value, quoted=quoted)


def test_random_looking_keeps_its_answers_on_the_corpus_and_uuids_of_one_class() -> None:
    gen = corpus.Gen(11)
    values = ["pagination", "search", "latency", "Password", "x" * 40, "abcdef" * 6,
              "abcdefab-abcd-abcd-abcd-abcdefabcdef", "ABCDEFAB-ABCD-ABCD-ABCD-ABCDEFABCDEF",
              "abcdefab-abcd-abcd-abcd-abcdefabcdef\n", "12345678-1234-1234-1234-123456789012",
              "0123456789abcdef" * 2, "${DB_PASSWORD}", "{{ secret }}", "get_token()",
              "./path/to/key", "PasswordResetConfirmView", "hunter2hunter2", "\u017fecret_value1"]
    values += [gen.s(n) for n in (5, 7, 8, 12, 16, 24, 40)]
    values += [word for _, line in SECRETS for word in line.split()]
    values += [word for line in CLEAN for word in line.split()]
    for value in values:
        for quoted in (False, True):
            assert secretscan.random_looking(value, quoted=quoted) == \
                _random_looking_as_first_written(value, quoted=quoted), (value, quoted)
    assert secretscan.random_looking("abcdefab-abcd-abcd-abcd-abcdefabcdef")  # one class, a UUID


def test_a_word_of_prose_after_password_compiles_no_name_pattern(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """"Password index retry" matches the prose-password rule; its value, a word, is told no
    secret without compiling the patterns that tell a name or a placeholder."""
    secretscan.not_a_value.cache_clear()
    secretscan.random_looking.cache_clear()
    asked: list[str] = []
    real = secretscan.not_a_value.__wrapped__

    def counting(value: str) -> bool:
        asked.append(value)
        return real(value)

    monkeypatch.setattr(secretscan, "not_a_value", counting)
    prose = "- Password index retry, password pagination, password search stay as they were\n"
    assert redact(prose).text == prose
    assert asked == []
    line = "- the password is Xk29dLq8Zp3mWv7R\n"
    assert redact(line).count == 1
    assert "Xk29dLq8Zp3mWv7R" in asked


def _corpus_texts() -> list[str]:
    texts = [line for _, line in SECRETS] + list(CLEAN) + list(CLEAN_LINES)
    for shape in [*corpus.SHAPES, *heldout.SHAPES]:
        texts += [form(shape) for form in (corpus.bullet, corpus.title, corpus.fence,
                                           corpus.url_encoded, corpus.wrapped)]
    return texts


def test_a_batch_redacts_each_text_exactly_as_alone() -> None:
    """redact_all (a consolidation's many temp logs) looks for the rules' literals once in
    the whole batch: every text comes out as `redact` alone makes it, findings and all."""
    texts = _corpus_texts()
    alone = [redact(text) for text in texts]
    for size in (1, 7, 100, len(texts)):
        batched = [r for i in range(0, len(texts), size) for r in redact_all(texts[i : i + size])]
        assert [r.text for r in batched] == [r.text for r in alone]
        assert [r.findings for r in batched] == [r.findings for r in alone]
        assert [[f.digest for f in r.findings] for r in batched] == [
            [f.digest for f in r.findings] for r in alone]
    assert sum(r.count for r in alone) >= len(SECRETS)


def test_each_single_rule_literal_names_exactly_one_rule() -> None:
    for start, (words, _) in secretscan.RULE_NEEDLES:
        assert [p for _, p, _ in secretscan.RULES if p.startswith(start)] != []
        assert len([p for _, p, _ in secretscan.RULES if p.startswith(start)]) == 1, start
        assert all(w and not any(c.isspace() for c in w) for w in words)  # rules_for splits on it


def test_a_rule_ignoring_case_still_runs_when_its_word_is_spelled_with_a_long_s_or_kelvin() -> None:
    """re2 matches `(?i)s` to the long s and `(?i)k` to the Kelvin sign: a literal looked for
    ignoring case is looked for with those folded, so its rule is not skipped."""
    creds = "dXNlcjpzM2NyM3RQYXNz"  # base64 of user:s3cr3tPass
    assert redact(f"- Authorization: Ba\u017fic {creds}\n").text == (
        "- Authorization: Ba\u017fic [REDACTED:basic-auth]\n")
    value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert redact(f"- A\u212aIA pair: {value}\n").text == "- A\u212aIA pair: [REDACTED:aws-secret-key]\n"


def test_a_huge_adversarial_line_is_scanned_and_a_secret_after_it_still_found() -> None:
    token = "gh" + "p_" + corpus.Gen(11).s(36)
    text = "- " + "abcdefghij_-" * 5500 + "\n- token=" + "aB" * 20000 + f"\n- Tried: {token}\n"
    result = redact(text)
    assert token not in result.text and result.findings[-1].kind == "github-token"
    assert result.text.startswith("- abcdefghij_-abcdefghij_-")


# --------------------------------------------------------------------------- through real commits


def _objects(repo: Repo) -> bytes:
    """Every object git has, loose or packed, reachable or not."""
    return subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo.path,
                          capture_output=True, check=True).stdout


def _work_tree_text(repo: Repo) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in repo.path.rglob("*")
                   if p.is_file() and ".git" not in p.relative_to(repo.path).parts)


def test_secrets_never_reach_history_and_the_original_is_kept_privately(native_repo: Repo) -> None:
    repo = native_repo
    g = corpus.Gen(12)
    token = "gh" + "p_" + g.s(36)
    vault = "hv" + "s." + g.s(90, corpus.URLSAFE)
    password = g.password()
    api = g.s(32)
    pem_block = corpus.pem(g, "OPENSSH " + "PRIVATE KEY")
    repo.log(NOW, "Deploy credentials", f"Tried: curl with {token} against the API",
             f"Tried: mysql -u root -p{password} shop", f"Decision: PAYMENTS_API_KEY={api} moves to Vault")
    pending = repo.pending()[0]
    repo.append(str(pending.relative_to(repo.path)),
                f"\n## 14:45 - Vault\n- Tried: GET /v1/sys?token%3D{vault}\n- pasted:\n{pem_block}\n"
                "- Next: rotate everything\n")
    original = pending.read_bytes()
    out = repo.git("commit", "--allow-empty", "-m", "Deploy")
    said = out.stdout + out.stderr
    secrets = [token, vault, password, api, *pem_block.split("\n")[1:-1]]
    assert "redacted 5 secrets" in said and "sessionlog redactions" in said
    history = repo.git("log", "-p", "--all").stdout
    objects = _objects(repo)
    tree = _work_tree_text(repo)
    for secret in secrets:
        assert secret not in said and secret not in history and secret not in tree
        assert secret.encode() not in objects
    assert "Decision: PAYMENTS_API_KEY=[REDACTED:password] moves to Vault" in history
    assert "- Next: rotate everything" in history
    # the original: private, outside the work tree, never in the index
    kept = list((repo.path / ".git" / "sessionlog" / "redacted").glob("*/original.md"))
    assert len(kept) == 1 and kept[0].read_bytes() == original
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(kept[0].parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept[0].parent.parent.stat().st_mode) == 0o700
    assert "redacted" not in repo.git("ls-files", "--cached", "--others").stdout
    assert repo.porcelain() == []


def test_redactions_lists_without_the_secret_and_restore_puts_a_false_positive_back(
    native_repo: Repo,
) -> None:
    repo = native_repo
    build_id = "Xk29dLq8Zp3mWv7R"  # a build id that looks generated: a false positive
    token = "gh" + "p_" + corpus.Gen(13).s(36)
    repo.log(NOW, "CI cache", f"Decision: build_token: {build_id} pins the cache",
             f"Tried: {token} (revoked since)")
    pending = repo.pending()[0]
    repo.git("commit", "--allow-empty", "-m", "CI")
    assert build_id not in repo.git("show", "HEAD").stdout
    listing = repo.sl("redactions").stdout
    assert build_id not in listing and token not in listing
    rows = [line.split() for line in listing.splitlines() if line.startswith("  ")]
    rel = str(pending.relative_to(repo.path))
    assert [(r[1], r[2]) for r in rows] == [(f"{rel}:6", "password"), (f"{rel}:7", "github-token")]
    ident = rows[0][0]
    said = repo.sl("redactions", "restore", ident).stdout
    assert "restored 1 redaction (password)" in said
    assert build_id in pending.read_text() and token in pending.read_text()
    out = repo.git("commit", "--allow-empty", "-m", "CI again")
    patch = repo.git("show", "HEAD").stdout
    assert f"Decision: build_token: {build_id} pins the cache" in patch  # kept as written now
    assert token not in patch and "[REDACTED:github-token]" in patch  # the real one again
    assert "redacted 1 secret (github-token)" in out.stdout + out.stderr
    assert "restored" in repo.sl("redactions").stdout
    bad = repo.sl("redactions", "restore", "nope-1", check=False)
    assert bad.returncode == 1 and "no such redaction" in bad.stderr and "Fix:" in bad.stderr


def test_originals_older_than_the_retention_period_are_pruned_at_consolidation(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(NOW, "Old", "Tried: " + "sk" + "_live_" + corpus.Gen(14).s(24))
    repo.git("commit", "--allow-empty", "-m", "old", env={"SESSIONLOG_NOW": NOW})
    store = repo.path / ".git" / "sessionlog" / "redacted"
    assert len(list(store.glob("*/original.md"))) == 1
    later = "2026-12-26T14:30:00+01:00"  # 31 days on
    repo.log(later, "New", "Tried: " + "sk" + "_live_" + corpus.Gen(15).s(24))
    repo.git("commit", "--allow-empty", "-m", "new", env={"SESSIONLOG_NOW": later})
    kept = [p.parent.name for p in store.glob("*/original.md")]
    assert len(kept) == 1 and "New" in (store / kept[0] / "original.md").read_text()


def test_a_dry_run_keeps_nothing(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(NOW, "Dry", "Tried: " + "sk" + "_live_" + corpus.Gen(16).s(24))
    out = repo.sl("consolidate", "--dry-run")
    assert "redacted 1 secret" in out.stdout
    assert not (repo.path / ".git" / "sessionlog" / "redacted").exists()
    assert os.path.exists(repo.pending()[0])


def test_the_hook_path_imports_no_new_heavy_module() -> None:
    code = ("import sys; import sessionlog_git.logs.secretscan as s; s.find('- x\\n'); "
            "print(sorted(m for m in ('requests', 'urllib3', 'detect_secrets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(ROOT))
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- any input

PIECES = ["- ", "## 10:00 - ", "\n", "  ", "password: ", "API_KEY=", "token ", "%20", "%3D", "%", "é",
          "日本", BEGIN_RSA, END_RSA, "Proc-Type: 4,ENCRYPTED", "MHcCAQEEIBkg", "gh" + "p_",
          "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "Zx81kfP0qW2mNv7", "://app:", "@db", "${X}", "\"", "'",
          "mysql -p", "--password ", "curl -u u:", "[REDACTED:password]", "=", ".", "/", "+"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_any_text_redacts_without_error_idempotently_and_keeps_what_it_does_not_replace(
    pieces: list[str],
) -> None:
    text = "".join(pieces)
    once = redact(text)
    assert redact(once.text).text == once.text
    # every character outside a replaced span is kept, in order
    rest = once.text
    for marker in set(secretscan.MARKER_RE.findall(rest)):
        rest = rest.replace(marker, "\0")
    kept = [part for part in rest.split("\0") if part]
    pos = 0
    for part in kept:
        found = text.find(part, pos)
        assert found >= 0, (part, text)
        pos = found + len(part)


def test_without_re2_the_same_rules_run_on_re_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    monkeypatch.setattr(secretscan, "_engine", lambda: (re, False))
    secretscan._compiled.cache_clear()
    try:
        assert not secretscan.linear()
        token = "gh" + "p_" + corpus.Gen(17).s(36)
        long_line = "- " + "abcdefghij_-" * 1000 + f" {token} " + "x" * 9000 + "\n"
        result = redact(long_line + "- password: PasswordResetConfirmView\n")
        assert token not in result.text and result.count == 1
        assert result.text.endswith("- password: PasswordResetConfirmView\n")
        figures = corpus.measure(redact, corpus.SHAPES[:30], CLEAN_LINES[:100])
        assert figures.forms[0] == figures.forms[1] and figures.clean[0] == 0, figures.misses
    finally:
        secretscan._compiled.cache_clear()
