"""Decisions over time: Supersedes:, Reverted:, Expires: — computed, never written back."""
from __future__ import annotations

from datetime import date

from conftest import Repo

from sessionlog_git.logs.entries import parse
from sessionlog_git.logs.lifecycle import EXPIRED, LIVE, REVERTED, SUPERSEDED, fold
from sessionlog_git.logs.views import Record, _words


def _records(text: str, project: str = "shop", user: str = "ada") -> list[Record]:
    log = parse(text, day=date(2026, 11, 25))
    return [Record(e, project, user, "archive/x.md") for e in log.entries]


LOG = """\
## 09:00 - Auth
- Decision: RS256 over HS256, because key rotation is required
- Decision: sessions in Redis, because the API is stateless
## 10:00 - Payments
- Decision: payments.py retries card charges three times
## 11:00 - Rotation moved to the vault
- Supersedes: RS256 over HS256 for tokens
- Decision: HS256 with vault-managed keys, because the vault rotates them
## 12:00 - Sessions
- Reverted: sessions in Redis
## 13:00 - Freeze
- Decision: no deploys on Fridays
- Expires: 2026-12-31
"""


def test_supersedes_retires_the_decision_it_shares_words_with_and_names_the_replacement() -> None:
    decisions = fold(_records(LOG), _words)
    by_text = {d.bullet.body: d for d in decisions}
    rs256 = by_text["RS256 over HS256, because key rotation is required"]
    assert rs256.state() == SUPERSEDED
    assert [d.text for d in rs256.replacements] == [
        "Decision: HS256 with vault-managed keys, because the vault rotates them"
    ]
    assert rs256.retiring is not None and rs256.retiring.text.startswith("Supersedes:")
    assert by_text["sessions in Redis, because the API is stateless"].state() == REVERTED
    assert by_text["sessions in Redis, because the API is stateless"].replacements == []
    assert by_text["payments.py retries card charges three times"].state() == LIVE
    # An entry never retires its own decision: the replacement is live.
    assert by_text["HS256 with vault-managed keys, because the vault rotates them"].state() == LIVE


def test_expiry_applies_only_where_there_is_a_today() -> None:
    (freeze,) = [d for d in fold(_records(LOG), _words) if "Fridays" in d.text]
    assert freeze.expires == date(2026, 12, 31)
    assert freeze.state() == LIVE  # no clock: the views list it with its date
    assert freeze.state(date(2026, 12, 30)) == LIVE
    assert freeze.state(date(2026, 12, 31)) == EXPIRED


def test_supersedes_stays_within_its_project_and_without_words_takes_the_authors_latest() -> None:
    other = _records("## 08:00 - Other\n- Decision: RS256 over HS256 everywhere\n", project="web")
    mine = _records(
        "## 09:00 - A\n- Decision: queue jobs in Celery\n"
        "## 09:30 - B\n- Decision: cache pages for a minute\n"
        "## 10:00 - C\n- Supersedes: RS256 over HS256\n"
        "## 11:00 - D\n- Reverted: (see above)\n"
    )
    decisions = fold([*other, *mine], _words)
    web = next(d for d in decisions if d.record.project == "web")
    assert web.state() == LIVE  # a Supersedes: in shop never retires web's decision
    states = {d.bullet.body: d.state() for d in decisions if d.record.project == "shop"}
    # C shares no word with shop's decisions: it retires the author's latest (B); D, with no
    # shared words either, reverts the author's latest live one: C's standing Supersedes:.
    assert states == {
        "queue jobs in Celery": LIVE,
        "cache pages for a minute": SUPERSEDED,
        "RS256 over HS256": REVERTED,
    }


def test_a_bad_expiry_date_is_flagged_with_its_line_and_the_fix() -> None:
    log = parse("## 09:00 - A\n- Decision: x\n- Expires: end of year\n", day=date(2026, 11, 25))
    (problem,) = log.problems
    assert problem.line == 3
    assert "Expires: needs a date as YYYY-MM-DD" in problem.message
    assert "write it as 'Expires: 2026-12-31'" in problem.message


def test_status_lists_live_decisions_and_links_retired_ones_to_their_replacement(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Auth",
             "Decision: RS256 over HS256, because key rotation is required")
    repo.log("2026-11-25T10:00:00+01:00", "Freeze", "Decision: no deploys on Fridays",
             "Expires: 2026-12-31")
    repo.git("commit", "-q", "--allow-empty", "-m", "auth")
    status = repo.read("logs/shop-status.md")
    assert "RS256 over HS256, because key rotation is required · [raw]" in status
    assert "Decision: no deploys on Fridays (expires 2026-12-31) · [raw]" in status
    assert "## Retired decisions" not in status

    repo.log("2026-11-26T11:00:00+01:00", "Rotation moved to the vault",
             "Supersedes: RS256 over HS256 for tokens",
             "Decision: HS256 with vault-managed keys, because the vault rotates them")
    repo.git("commit", "-q", "--allow-empty", "-m", "vault")
    status = repo.read("logs/shop-status.md")
    recent = status.split("## Recent decisions", 1)[1].split("##", 1)[0]
    assert "RS256 over HS256, because" not in recent  # live decisions only
    assert "Decision: HS256 with vault-managed keys" in recent
    retired = status.split("## Retired decisions", 1)[1]
    (archived,) = [p for p in repo.archive() if p.name.startswith("2026-11-26")]
    link = archived.relative_to(repo.path / "logs").as_posix()
    assert (
        "- ~~Decision: RS256 over HS256, because key rotation is required~~ — 2026-11-25 ada; "
        "superseded 2026-11-26 by ada: Decision: HS256 with vault-managed keys, because the "
        f"vault rotates them · [raw]({link})"
    ) in retired
    # The archive stays verbatim: the lifecycle is computed, never written back.
    first = [p for p in repo.archive() if p.name.startswith("2026-11-25")]
    assert all("superseded" not in p.read_text() for p in first)
    # A fresh render (no cache) agrees with the incremental one.
    assert repo.sl("check").returncode == 0
