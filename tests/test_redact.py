"""Secrets never reach a commit: redacted before anything is archived or staged."""
from __future__ import annotations

import re

import pytest
from conftest import Repo
from secret_corpus import CLEAN, SECRETS

from sessionlog_git.logs.redact import redact

NOW = "2026-11-25T14:30:00+01:00"


def _secretish_tokens(line: str) -> list[str]:
    """Tokens that mix letters and digits and are long: where a secret would survive."""
    tokens = re.findall(r"[A-Za-z0-9_\-./+=%~:@]{16,}", line)
    return [t for t in tokens if re.search(r"\d", t) and re.search(r"[A-Za-z]", t)]


def test_corpus_sizes() -> None:
    assert len(SECRETS) >= 30 and len({kind for kind, _ in SECRETS}) == len(SECRETS)
    assert len(CLEAN) >= 200


@pytest.mark.parametrize(("kind", "line"), SECRETS, ids=[k for k, _ in SECRETS])
def test_every_secret_shape_is_caught(kind: str, line: str) -> None:
    result = redact(line)
    assert result.count >= 1, f"missed {kind}"
    assert "[REDACTED:" in result.text
    survivors = [t for t in _secretish_tokens(line) if t in result.text]
    assert survivors == [], f"{kind}: {survivors} survived in {result.text!r}"


def test_clean_lines_are_left_alone() -> None:
    flagged = [(line, redact(line).kinds()) for line in CLEAN if redact(line).count]
    assert len(flagged) <= len(CLEAN) // 100, flagged  # at most 1% false positives
    assert flagged == []  # today: none at all


def test_redaction_keeps_the_rest_of_the_entry_and_is_stable() -> None:
    text = ("## 09:00 - Fixed deploy\n- Decision: rotate keys monthly\n"
            "- Tried: " + "AK" + "IAQWERTYUIOPASDFG" + "H with the old script\n- Next: automate it\n")
    once = redact(text)
    assert once.count == 1 and once.findings[0].line == 3
    assert once.text == text.replace("AK" + "IAQWERTYUIOPASDFG" + "H", "[REDACTED:aws-access-key-id]")
    again = redact(once.text)
    assert again.count == 0 and again.text == once.text  # idempotent


def test_commit_redacts_and_reports(native_repo: Repo) -> None:
    repo = native_repo
    token = "gh" + "p_" + "Zz9" * 12
    repo.log(NOW, "Debugged the release workflow", f"Tried: calling the API with {token}",
             "Decision: use the GITHUB_TOKEN of the workflow instead")
    pending = repo.pending()[0]
    out = repo.git("commit", "--allow-empty", "-m", "Release workflow")
    said = out.stdout + out.stderr
    assert f"{pending}: redacted 1 secret (github-token) before archiving" in said
    assert token not in said
    patch = repo.git("show", "HEAD").stdout
    assert token not in patch
    assert "Tried: calling the API with [REDACTED:github-token]" in patch
    assert "Decision: use the GITHUB_TOKEN of the workflow instead" in patch
    assert not pending.exists()  # the pending file is not left holding it
    assert all(token not in p.read_text() for p in (repo.path / "logs").rglob("*.md"))


def test_block_mode_stops_the_commit_and_keeps_everything(native_repo: Repo) -> None:
    repo = native_repo
    repo.write(".sessionlog.yaml", "project: shop\nredaction: block\n")
    repo.git("add", ".sessionlog.yaml")
    repo.git("commit", "-q", "-m", "block secrets")
    secret = "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    repo.log(NOW, "Payments", "Decision: charge in cents", f"Tried: {secret}")
    pending = repo.pending()[0]
    before = pending.read_bytes()
    failed = repo.git("commit", "--allow-empty", "-m", "x", check=False)
    said = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"{pending}:7: stripe-key" in said and "redaction: redact" in said
    assert secret not in said
    assert pending.read_bytes() == before
    assert repo.archive() == [] and repo.git("log", "-1", "--format=%s").stdout.strip() == "block secrets"


def test_off_mode_archives_verbatim(native_repo: Repo) -> None:
    repo = native_repo
    repo.write(".sessionlog.yaml", "project: shop\nredaction: off\n")
    line = "- DATABASE_URL=postgres://app:" + "S3cr3t-Pa55" + "@db/shop"
    repo.log(NOW, "Local setup", line[2:])
    raw = repo.pending()[0].read_bytes()
    repo.sl("consolidate")
    assert repo.archive()[0].read_bytes() == raw


def test_private_key_block_and_line_numbers_of_what_follows() -> None:
    begin, end = "-----BEGIN EC " + "PRIVATE KEY-----", "-----END EC " + "PRIVATE KEY-----"
    text = f"## 09:00 - Keys\n- pasted:\n{begin}\nMHcCAQEEIBkg\nAoGBAL\n{end}\n- API_KEY=Zx81kfP0qW2mNv7\n"
    result = redact(text)
    assert [(f.line, f.kind) for f in result.findings] == [(3, "private-key"), (7, "password")]
    assert "MHcCAQEEIBkg" not in result.text and "[REDACTED:private-key]\n" in result.text
    unterminated = redact(f"- oops:\n{begin}\nMHcCAQEEIBkg\n\n- Next: rotate it\n")
    assert "MHcCAQEEIBkg" not in unterminated.text and "- Next: rotate it" in unterminated.text


def test_detect_secrets_backs_up_our_rules_through_the_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionlog_git.logs import redact as module

    # A Twilio account SID: a shape only detect-secrets knows, so the prefilter must send it on.
    line = "- Twilio account AC" + "0f3b9c2d4e5a6b7c8d9e0f1a2b3c4d5e" + " for the SMS sender"
    assert redact(line).kinds() == ["twilio-api-key"]  # found by detect-secrets
    monkeypatch.setattr(module, "_detect_secrets", lambda: None)
    assert redact(line).count == 0  # our rules alone miss this shape


def test_our_own_rule_finds_a_telegram_bot_token_without_detect_secrets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionlog_git.logs import redact as module

    monkeypatch.setattr(module, "_detect_secrets", lambda: None)
    line = next(text for kind, text in SECRETS if kind == "telegram bot token")
    result = redact(line)
    assert result.kinds() == ["telegram-bot-token"]
    assert result.text == "- bot [REDACTED:telegram-bot-token]"


def test_the_prefilter_sends_detect_secrets_no_line_of_prose_metadata_or_hashes() -> None:
    from sessionlog_git.logs.redact import _suspect

    for line in ("## 09:00 - Auth token cache for the password reset email",
                 "- Decision: rotate the signing key over a shared secret, because auth must expire",
                 "<!-- sessionlog at=2024-06-07T08:49:00+00:00 -->",
                 "- Reverted 3f9a1c2e8b7d6f5a4e3d2c1b0a9f8e7d6c5b4a39 "
                 "(uuid 1b4e28ba-2fa1-11d2-883f-0016d3cca427)"):
        assert not _suspect(line), line
    for line in ('- set api_key = "Zx81kfP0qW2mNv7" in the config',  # a keyword and a quote
                 "- the token is in a3f9c2d4e5f60718293a4b5c6d7e8f90 (a hash after a keyword)",
                 "- SID AC0f3b9c2d4e5a6b7c8d9e0f1a2b3c4d5e",
                 "- db at postgres://app:hunter22@db.internal/app"):
        assert _suspect(line), line


def test_prose_does_not_load_detect_secrets() -> None:
    import subprocess
    import sys

    code = ("import sys; from sessionlog_git.logs.redact import redact; "
            "r = redact('## 09:00 - Cart\\n- Decision: keep the cart in the session\\n- Next: tests\\n'); "
            "print(r.count, 'detect_secrets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"]


def test_the_scanner_compiles_a_check_pattern_only_when_a_text_reaches_it() -> None:
    """Importing the scanner and redacting a commit's prose compiles none of the patterns of
    key blocks, assignments or escapes (a fresh process, as a hook's); a text
    that holds such a thing compiles them and is redacted."""
    import subprocess
    import sys

    script = (
        "from sessionlog_git.base.text import compiled\n"
        "from sessionlog_git.logs import secretscan as s\n"
        "from sessionlog_git.logs.redact import redact\n"
        "lazy = [s._begin, s._not_secret_keys, s._bare, s._escape, s._glue]\n"
        "print(sum(compiled(f.args[0]) for f in lazy))\n"
        "assert redact('## 10:00 - Fix\\n- Decision: retry the webhook twice\\n').count == 0\n"
        "print(sum(compiled(f.args[0]) for f in lazy))\n"
        "text = '-----BEGIN RSA PRIVATE KEY-----\\nQUJDQUJD\\n- db_password=Xk9mQ2vL7pR4zTq8 %41\\n'\n"
        "print(sorted(redact(text).kinds()), sum(compiled(f.args[0]) for f in lazy))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["0", "0"]
    kinds, compiled = out.stdout.split("\n")[2].rsplit(" ", 1)
    assert kinds == "['password', 'private-key']" and int(compiled) >= 3
