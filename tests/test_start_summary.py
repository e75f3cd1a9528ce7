"""The session-start summary: the session-start text from a small file that consolidation
writes, plus today's temp logs, never the archive; the same words as reading the archive's
last months (the way the text was made before the summary existed).

Every scenario builds a real repository with real commits (the native pre-commit hook
consolidates), then compares three ways to the same text: the lean hook path
(`agents.start`), the handlers reading the summary, and the handlers with no summary (which
read the archive's window, as before, and write the summary again).
"""
from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, Repo

from sessionlog_git.agents import entry, prompt, start
from sessionlog_git.constants import START_SUMMARY
from sessionlog_git.logs import layout, startsummary
from sessionlog_git.logs.entries import Bullet, classify, entry_from_parts, file_header, format_entry

NOW = datetime.now().astimezone().replace(second=0, microsecond=0)
WORDS = ("auth token cache redis queue billing invoice export schema migration index retry "
         "webhook parser deploy staging rollout metric alert login upload search refund").split()


def _phrase(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def write_log(repo: Repo, user: str, at: datetime, title: str, bullets: list[str], *,
              project: str = "shop", meta: dict[str, str] | None = None) -> None:
    """Append one entry to `user`'s temp log of that day, with the writers `sessionlog log` uses."""
    path = Path(layout.pending_file(repo.state() / "pending", project, user, at.date()))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        offset = at.strftime("%z")
        head = file_header(project, user, at.date(), "", f"{offset[:3]}:{offset[3:]}")
        path.write_text("\n".join(head) + "\n")
    e = entry_from_parts(f"{at:%H:%M}", title, bullets, {"at": at.isoformat(), **(meta or {})})
    with path.open("a") as handle:
        handle.write("\n" + "\n".join(format_entry(e)) + "\n")


def commit(repo: Repo, message: str) -> None:
    repo.write("app.py", f"print({message!r})\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)


def summary_file(repo: Repo) -> Path:
    return repo.state() / START_SUMMARY


_sessions = iter(range(10**6))


def hook_out(repo: Repo, monkeypatch: pytest.MonkeyPatch, user: str, *, lean: bool,
             source: str = "startup", now: datetime = NOW, session: str | None = None) -> str:
    """What `sessionlog hook session-start` prints, in this process (a new session each)."""
    monkeypatch.setenv("SESSIONLOG_NOW", now.isoformat())
    monkeypatch.setenv("SESSIONLOG_USER", user)
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(repo.path))
    data = {"session_id": session or f"t{next(_sessions)}", "cwd": str(repo.path),
            "hook_event_name": "SessionStart", "source": source}
    out = io.StringIO()
    with redirect_stdout(out):
        assert entry.run("session-start", "claude", data, lean=lean) == 0
    return out.getvalue()


def lean_out(repo: Repo, monkeypatch: pytest.MonkeyPatch, user: str, now: datetime = NOW) -> str:
    """The lean path alone: raises Decline when it would hand over to the handlers."""
    monkeypatch.setenv("SESSIONLOG_NOW", now.isoformat())
    monkeypatch.setenv("SESSIONLOG_USER", user)
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(repo.path))
    data = {"session_id": f"t{next(_sessions)}", "cwd": str(repo.path), "source": "startup"}
    return start.start(data, "claude") + "\n"  # the hook entry ends what it prints with a newline


def three_ways(repo: Repo, monkeypatch: pytest.MonkeyPatch, user: str, *, lean: bool = True,
               now: datetime = NOW) -> str:
    """The text from the summary (lean and handlers) and from the archive (no summary): equal."""
    assert summary_file(repo).is_file()
    from_lean = lean_out(repo, monkeypatch, user, now) if lean else None
    from_summary = hook_out(repo, monkeypatch, user, lean=False, now=now)
    summary_file(repo).unlink()
    from_archive = hook_out(repo, monkeypatch, user, lean=False, now=now)
    assert summary_file(repo).is_file()  # written again on the way
    assert from_summary == from_archive
    if from_lean is not None:
        assert from_lean == from_archive
        assert lean_out(repo, monkeypatch, user, now) == from_archive  # the rewritten one too
    return context_of(from_archive)


def context_of(out: str) -> str:
    text: str = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    return text


def random_history(repo: Repo, seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int]:
    """Several commits of entries by three users over two projects and four months, with
    blockers opening and closing (some across commits), next steps, summaries and automatic
    entries; the last day's entries partly committed, partly pending. A session start after
    each commit writes the summary when the commit could not fold into it (the window moved to
    a new month); after each commit that folded, the three ways are compared. Returns the
    users and how many commits folded."""
    rng = random.Random(seed)
    users = ["ada", "bob", "cy"]
    waiting: dict[str, list[str]] = {u: [] for u in users}
    at = NOW - timedelta(days=100)
    folds = 0
    for batch in range(5):
        for _ in range(rng.randrange(6, 14)):
            at += timedelta(hours=rng.randrange(1, 60) if batch < 4 else 0, minutes=rng.randrange(1, 40))
            if at >= NOW - timedelta(minutes=5):
                at = NOW - timedelta(minutes=rng.randrange(30, 200))
            user = rng.choice(users)
            bullets = [_phrase(rng, 6).capitalize()]
            if rng.random() < 0.3:
                bullets.append(f"Summary: {_phrase(rng, 4)}")
            if rng.random() < 0.35:
                waiting[user].append(_phrase(rng, 3))
                bullets.append(f"Blocked on: {waiting[user][-1]}")
            elif waiting[user] and rng.random() < 0.5:
                bullets.append(f"Unblocked: {waiting[user].pop(0)} is ready")
            if rng.random() < 0.4:
                bullets += [f"Next: {_phrase(rng, 4)}" for _ in range(rng.randrange(1, 7))]
            meta = {"auto": "session-end"} if rng.random() < 0.08 else None
            project = "api" if rng.random() < 0.2 else "shop"
            write_log(repo, user, at, f"{_phrase(rng, 1).capitalize()} {_phrase(rng, 3)}",
                      bullets, project=project, meta=meta)
        if batch < 4:
            commit(repo, f"batch {batch}")
            if summary_file(repo).is_file():
                folds += 1
                three_ways(repo, monkeypatch, rng.choice(users))
            hook_out(repo, monkeypatch, "ada", lean=True)
    return users, folds


def test_classify_and_body_match_the_entry_parser() -> None:
    samples = ["Decision: x", "decided: y", "Chose z", "Blocked on: a", "WAITING FOR: b",
               "Unblocked: c", "Resolved: d", "Next steps: e", "Summary: f", "Tried: g",
               "plain note", "Supersedes: h", "Expires: 2026-01-01", "Next:", "blocked by:  i "]
    for text in samples:
        kind = classify(text)
        assert startsummary._classify(text) == kind
        assert startsummary._body(kind, text) == Bullet(kind, text).body


REGULAR = """\ufeff# sessionlog: shop / ada / 2026-11-20
<!-- sessionlog date=2026-11-20 zone=UTC offset=+00:00 -->

## 09:15 - Chose RS256
<!-- sessionlog at=2026-11-20T09:15:00+00:00 agent=claude-code -->
- Decision: RS256 over HS256, because key rotation
  is required across services
- Blocked on: staging certificate
- Next: wire the refresh endpoint
- Next steps: deploy

## 23:50 - Late | night
<!-- sessionlog at=2026-11-21T00:10:00+01:00 -->
- Unblocked: certificate arrived
- Summary: done for today

## 23:55 - Gap
<!-- sessionlog at=2026-11-20T23:55:00+00:00 auto=session-end -->
- Files changed since 2026-11-20 09:00: app.py
"""
IRREGULAR = [
    "## 09:15 - No at line\n- Decision: x\n",
    "## 9:15 - One digit\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\n",
    "## 09:15 Title without dash\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\n",
    "## 09:15 - T\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\nprose line\n",
    "## 09:15 - T\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\n* star bullet\n",
    "## 09:15 - T\r\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\r\n",
    "preamble\n## 09:15 - T\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\n",
    "## 09:15 - T\n<!-- sessionlog at=2026-11-20T09:15:00 -->\n",
    "## 09:15 - T\n<!-- sessionlog at=2026-11-20T09:15:00+00:00 -->\n- a\n\n  indented after a blank\n",
]


def _parsed_items(text: str) -> list[dict[str, Any]]:
    from datetime import date

    from sessionlog_git.logs.archive import parse_log
    from sessionlog_git.logs.model import Record

    log = parse_log(text.encode(), date(2026, 11, 20), "UTC")
    source = ".sessionlog/pending/shop/ada/2026-11-20.md"
    return [startsummary.item(Record(e, "shop", "ada", source), source) for e in log.entries
            if e.at is not None and not e.meta.get("auto")]


def test_the_lean_temp_log_reader_reads_what_the_entry_parser_reads() -> None:
    source = ".sessionlog/pending/shop/ada/2026-11-20.md"
    lean = startsummary.temp_log_items(REGULAR, "shop", "ada", source)
    assert lean == _parsed_items(REGULAR)
    assert [it["t"] for it in lean] == ["Chose RS256", "Late | night"]
    assert lean[0]["n"] == ["wire the refresh endpoint", "deploy"]
    for text in IRREGULAR:  # never a different reading: the entry parser reads these
        with pytest.raises(startsummary.Irregular):
            startsummary.temp_log_items(text, "shop", "ada", source)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_text_from_the_summary_equals_the_text_from_the_archive(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    repo = native_repo
    users, folds = random_history(repo, seed, monkeypatch)
    assert repo.archive() and summary_file(repo).is_file() and folds >= 1
    for user in [*users, "newcomer"]:
        text = three_ways(repo, monkeypatch, user)
        assert ("Last entries by" in text) == (user != "newcomer")
    # After a compaction the handlers list what this session logged, from the summary too.
    since = NOW - timedelta(days=3)
    for user in users:
        session = f"compact-{user}"
        hook_out(repo, monkeypatch, user, lean=False, now=since, session=session)
        texts = []
        for keep in (True, False):
            if not keep:
                summary_file(repo).unlink()
            texts.append(hook_out(repo, monkeypatch, user, lean=False, source="compact",
                                  session=session))
        assert texts[0] == texts[1] and "this session" in context_of(texts[0])


def test_the_summary_speaks_when_the_archive_is_gone(native_repo: Repo,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """After consolidation the text comes from the summary alone: the archive may vanish
    (unreadable, say) and the text is still right, with today's pending entry folded in."""
    repo = native_repo
    write_log(repo, "ada", NOW - timedelta(hours=3), "Chose RS256 for tokens",
              ["Decision: RS256 over HS256, because key rotation is required",
               "Blocked on: Redis session store", "Blocked on: staging certificate",
               "Next: wire the refresh endpoint"])
    commit(repo, "tokens")
    before = context_of(hook_out(repo, monkeypatch, "ada", lean=True))  # writes the summary
    archive = repo.path / "logs" / "archive"
    month = sorted(archive.iterdir())[-1]
    write_log(repo, "ada", NOW - timedelta(minutes=20), "Certificate arrived",
              ["Unblocked: staging certificate is here", "Next: deploy to staging"])
    moved = repo.path.parent / "moved-archive"
    shutil.move(str(month / "shop"), moved)
    month.joinpath("shop").mkdir()  # an empty project folder: same folders, no files
    for user_dir in moved.iterdir():
        month.joinpath("shop", user_dir.name).mkdir()
    # The folders changed (the files are gone), so the marker says stale: the lean path hands
    # over; put the marker back as if nothing had changed and the file alone must speak.
    data = json.loads(summary_file(repo).read_text())
    data["marker"] = startsummary.marker(repo.path / "logs", data["months"])
    summary_file(repo).write_text(json.dumps(data))
    text = context_of(hook_out(repo, monkeypatch, "ada", lean=True))
    assert "Chose RS256 for tokens" in text and "Certificate arrived" in text
    assert "Open blockers:\n- Redis session store (ada, since" in text
    assert "staging certificate" not in text.split("Open blockers:")[1]
    assert "Next steps (from" in text and "- deploy to staging" in text
    assert "wire the refresh endpoint" not in text
    assert "Chose RS256" in before and "Certificate arrived" not in before
    # The same words as the archive itself gives, once it is back.
    shutil.rmtree(month / "shop")
    shutil.move(str(moved), month / "shop")
    summary_file(repo).unlink()
    assert context_of(hook_out(repo, monkeypatch, "ada", lean=True)) == text


def test_a_stale_summary_after_a_pull_is_not_used(native_repo: Repo,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """A pull that brings a teammate's archive files makes the summary stale: the session
    start reads the archive's window (the teammate's entries show), writes the summary again,
    and the next start is lean again."""
    repo = native_repo
    write_log(repo, "ada", NOW - timedelta(hours=5), "Ada's work", ["Blocked on: vendor key"])
    commit(repo, "ada")
    other = Repo(tmp_path / "clone")
    repo.run("git", "clone", "-q", str(repo.path), str(other.path))
    for key, value in (("user.name", "Bob"), ("user.email", "bob@example.com"),
                       ("commit.gpgsign", "false")):
        other.git("config", key, value)
    other.sl("init", "--hooks", "native")
    write_log(other, "bob", NOW - timedelta(hours=2), "Bob's work",
              ["Unblocked: vendor key arrived", "Blocked on: bob's database"])
    commit(other, "bob")
    hook_out(repo, monkeypatch, "ada", lean=True)  # writes the summary
    lean_out(repo, monkeypatch, "ada")  # fresh before the pull: no Decline
    repo.git("pull", "-q", "--no-rebase", str(other.path), "main")
    with pytest.raises(prompt.Decline, match="stale"):
        lean_out(repo, monkeypatch, "ada")
    text = context_of(hook_out(repo, monkeypatch, "ada", lean=True))
    assert "Open blockers:\n- bob's database (bob, since" in text and "vendor key" not in text
    assert lean_out(repo, monkeypatch, "ada") == hook_out(repo, monkeypatch, "ada", lean=False)


def test_no_summary_yet_reads_the_archive_once(native_repo: Repo,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A clone made before the summary existed (or never consolidated here): the lean path
    hands over, the handlers read the archive's window as before and write the summary."""
    repo = native_repo
    write_log(repo, "ada", NOW - timedelta(hours=5), "Old work", ["Next: ship it"])
    commit(repo, "old")
    assert not summary_file(repo).exists()  # a commit folds into a summary, never reads months
    with pytest.raises(prompt.Decline, match="no session-start summary"):
        lean_out(repo, monkeypatch, "ada")
    text = context_of(hook_out(repo, monkeypatch, "ada", lean=True))
    assert "Old work" in text and "- ship it" in text
    assert summary_file(repo).is_file()
    assert context_of(lean_out(repo, monkeypatch, "ada")) == text


def test_a_pending_blocker_older_than_the_archive_reads_the_archive(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """An uncommitted unblock dated before the newest archived entry can only be matched by
    a replay of the window: the lean path hands over and the words are the archive's."""
    repo = native_repo
    write_log(repo, "ada", NOW - timedelta(hours=5), "Waiting", ["Blocked on: vendor key"])
    write_log(repo, "bob", NOW - timedelta(hours=1), "Also waiting", ["Blocked on: vendor sandbox key"])
    commit(repo, "both")
    hook_out(repo, monkeypatch, "ada", lean=True)  # writes the summary
    write_log(repo, "ada", NOW - timedelta(hours=3), "Got it", ["Unblocked: vendor key"])
    with pytest.raises(prompt.Decline, match="earlier than"):
        lean_out(repo, monkeypatch, "ada")
    text = three_ways(repo, monkeypatch, "ada", lean=False)
    assert "- vendor sandbox key (bob, since" in text and "- vendor key (ada" not in text


def test_a_hand_written_temp_log_is_read_by_the_entry_parser(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = native_repo
    write_log(repo, "ada", NOW - timedelta(hours=5), "Committed", ["Next: a"])
    commit(repo, "c")
    path = Path(layout.pending_file(repo.state() / "pending", "shop", "ada", NOW.date()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"## {NOW - timedelta(minutes=30):%H:%M} Hand written\nsome prose\n- Next: b\n")
    with pytest.raises(prompt.Decline):
        lean_out(repo, monkeypatch, "ada")
    text = context_of(hook_out(repo, monkeypatch, "ada", lean=True))
    assert "Hand written" in text and "- b" in text


def test_the_summary_stays_small_whatever_the_history(native_repo: Repo,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded by the users and the window, not the archive: 200 more entries by the same
    three users add nothing to the summary's item count."""
    repo = native_repo
    rng = random.Random(5)
    for batch in range(2):
        for i in range(100):
            at = NOW - timedelta(days=2 - batch, minutes=600 - i * 5)
            write_log(repo, ["ada", "bob", "cy"][i % 3], at, f"Entry {batch}-{i}",
                      [f"Decision: {_phrase(rng, 4)}", f"Next: {_phrase(rng, 3)}"])
        commit(repo, f"b{batch}")
        if batch == 0:
            hook_out(repo, monkeypatch, "ada", lean=True)  # writes the summary; then folds
        data: dict[str, Any] = json.loads(summary_file(repo).read_text())
        assert len(data["items"]) <= 3 * startsummary.PER_USER + startsummary.SHOWN_ENTRIES
        assert all(len(days) <= startsummary.DAYS_KEPT for days in data["days"].values())


# Loaded by the lean session start in the common state: none of these.
NOT_ON_THE_START_PATH = ("runpy", "json", "re", "pathlib", "dataclasses", "typing",
                         "sessionlog_git.logs.entries", "sessionlog_git.logs.archive",
                         "sessionlog_git.logs.continuity", "sessionlog_git.agents.handlers",
                         "sessionlog_git.config")


def test_the_session_start_hook_imports_no_parser(native_repo: Repo) -> None:
    """The lean session start, run as the hook runs it (the entry function with -c), loads
    neither the entry parser, nor pathlib, re or json, nor the archive reader."""
    repo = native_repo
    write_log(repo, "ada", NOW - timedelta(hours=5), "Committed", ["Next: a"])
    commit(repo, "c")
    write_log(repo, "ada", NOW - timedelta(minutes=5), "Pending", ["Decision: b"])
    from sessionlog_git.agents.entry import FAST_CODE

    # Without site (-S, the package from the checkout): an editable install's import finder
    # loads re and pathlib into every start and would hide them here.
    def run(session: str) -> subprocess.CompletedProcess[str]:
        return repo.run(PYTHON, "-S", "-X", "importtime", "-c", FAST_CODE, "sessionlog_git",
                        "hook", "session-start", input=json.dumps(
                            {"session_id": session, "cwd": str(repo.path), "source": "startup"}),
                        env={"CLAUDE_PROJECT_DIR": str(repo.path),
                             "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})

    run("first")  # the first hook resolves the user from git config and keeps it
    proc = run("second")
    names = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "Last entries by ada:" in proc.stdout and "Pending" in proc.stdout
    assert not names & set(NOT_ON_THE_START_PATH), sorted(names & set(NOT_ON_THE_START_PATH))
    assert not (repo.state() / "hook-errors.log").exists()
