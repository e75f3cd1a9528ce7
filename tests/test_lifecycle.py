"""Decisions over time: Supersedes:, Reverted:, Expires: — computed, never written back."""
from __future__ import annotations

from datetime import date

from conftest import Repo

from sessionlog_git.base.text import words as _words
from sessionlog_git.logs.entries import parse
from sessionlog_git.logs.lifecycle import EXPIRED, LIVE, REVERTED, SUPERSEDED, Decision, fold
from sessionlog_git.logs.model import Record


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


def test_the_status_fold_starts_decisions_as_the_lifecycle_does_and_retires_them_by_its_rule() -> None:
    """The status fold starts a record's decisions itself when the record retires nothing
    (their expiry from its `Expires:`), and leaves a record with a `Supersedes:` or
    `Reverted:` to the lifecycle's own step: the live and retired decisions, their expiry
    and what replaced what are the lifecycle's."""
    from sessionlog_git.logs.model import StatusState

    def shown(decisions: list[Decision[Record]]) -> list[tuple[object, ...]]:
        return [(d.text, d.state(), d.expires, [r.text for r in d.replaces],
                 [r.text for r in d.replacements]) for d in decisions]

    folded = fold(_records(LOG), _words)
    state = StatusState().feed(_records(LOG))
    live = state.lifecycle.live
    assert shown(live) == shown([d for d in folded if d.state() == LIVE])
    assert shown(state.retired) == shown(
        sorted((d for d in folded if d.state() != LIVE),
               key=lambda d: (d.retired_by.at if d.retired_by else d.record.at)))
    (freeze,) = [d for d in live if "Fridays" in d.text]
    assert freeze.expires == date(2026, 12, 31)
    assert [d.expires for d in live if "Fridays" not in d.text] == [None, None]


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
    # The master log shows the lifecycle bullets with the entry's other details.
    master = repo.read("logs/shop-session-log-2026-11.md")
    assert "Supersedes: RS256 over HS256 for tokens" in master and "Expires: 2026-12-31" in master

    repo.log("2026-11-27T09:00:00+01:00", "Deploys", "Reverted: no deploys on Fridays")
    repo.git("commit", "-q", "--allow-empty", "-m", "deploys")
    status = repo.read("logs/shop-status.md")
    assert "no deploys on Fridays (expires" not in status.split("## Retired decisions", 1)[0]
    assert ("- ~~Decision: no deploys on Fridays~~ — 2026-11-25 ada; reverted 2026-11-27 by ada: "
            "Reverted: no deploys on Fridays · [raw](") in status
    # A fresh render (no cache) agrees with the incremental one.
    assert repo.sl("check").returncode == 0


def test_a_month_later_the_cached_status_checkpoint_carries_the_lifecycle(native_repo: Repo) -> None:
    """The status of a new month folds from a cached checkpoint of the months before: the
    live decisions and retired ones must survive that round trip (`check` renders fresh)."""
    repo = native_repo
    repo.log("2026-10-05T09:00:00+02:00", "Auth",
             "Decision: RS256 over HS256, because key rotation is required",
             "Decision: sessions in Redis, because the API is stateless")
    repo.git("commit", "-q", "--allow-empty", "-m", "october")
    repo.log("2026-10-20T09:00:00+02:00", "Sessions", "Reverted: sessions in Redis")
    repo.git("commit", "-q", "--allow-empty", "-m", "october again")
    for day, text in (("03", "Supersedes: RS256 over HS256"), ("04", "Decision: cache pages")):
        repo.log(f"2026-11-{day}T09:00:00+01:00", f"November {day}", text)
        repo.git("commit", "-q", "--allow-empty", "-m", f"november {day}")
    assert (repo.path / ".git/sessionlog/cache/archive/shop/2026-10.status.json").is_file()
    status = repo.read("logs/shop-status.md")
    recent = status.split("## Recent decisions", 1)[1].split("##", 1)[0]
    assert "Decision: cache pages" in recent and "Supersedes: RS256 over HS256" in recent
    assert "RS256 over HS256, because" not in recent and "sessions in Redis" not in recent
    retired = status.split("## Retired decisions", 1)[1]
    assert "~~Decision: RS256 over HS256, because key rotation is required~~" in retired
    assert "~~Decision: sessions in Redis, because the API is stateless~~" in retired
    checked = repo.sl("check", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
