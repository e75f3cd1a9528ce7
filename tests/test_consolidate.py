"""What consolidation produces: the raw archive, monthly master logs and the status file."""
from __future__ import annotations

import gc
import re

import pytest
from conftest import PYTHON, Repo

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate

MASTER = "logs/shop-session-log-2026-11.md"
STATUS = "logs/shop-status.md"


def test_master_log_sections_days_times_summaries_and_links(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-24T09:05:00+01:00", "Implemented user authentication",
             "Added JWT token validation middleware",
             "Decision: RS256 over HS256, because key rotation is required",
             "Blocked on: Redis session store not configured yet")
    repo.log("2026-11-25T10:15:00+01:00", "Profiled the login endpoint",
             "Tried: caching the JWKS in memory; stale keys after rotation",
             "Summary: JWKS caching needs a TTL")
    repo.log("2026-11-25T11:00:00+01:00", "Reviewed the auth module", user="grace")
    repo.sl("consolidate")
    text = repo.read(MASTER)
    assert text.startswith("# shop — session log 2026-11\n")
    # A section per contributor, in a stable order.
    assert text.index("\n## ada\n") < text.index("\n## grace\n")
    assert "### 2026-11-24 (Tue, UTC+01:00)" in text
    assert "### 2026-11-25 (Wed, UTC+01:00)" in text
    assert "- **09:05** Implemented user authentication" in text
    assert "  - Decision: RS256 over HS256, because key rotation is required" in text
    assert "  - Blocked on: Redis session store not configured yet" in text
    assert "  - Tried: caching the JWKS in memory; stale keys after rotation" in text
    assert "**10:15** Profiled the login endpoint: JWKS caching needs a TTL" in text
    # Plain notes stay in the raw archive; the master log is a brief summary.
    assert "Added JWT token validation middleware" not in text
    links = re.findall(r"\[raw\]\((archive/[^)]+)\)", text)
    assert links and all((repo.path / "logs" / link).is_file() for link in links)
    archived = repo.archive()
    assert "Added JWT token validation middleware" in "".join(p.read_text() for p in archived)
    assert {p.parent.name for p in archived} == {"ada", "grace"}


def test_archive_is_verbatim(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Entry one", "Decision: x")
    raw = repo.pending()[0].read_bytes()
    repo.append(str(repo.pending()[0].relative_to(repo.path)), "Some free text a person typed\n")
    raw = repo.pending()[0].read_bytes()
    repo.sl("consolidate")
    (archived,) = repo.archive()
    assert archived.read_bytes() == raw
    assert re.fullmatch(r"2026-11-25-[0-9a-f]{10}\.md", archived.name)
    assert archived.relative_to(repo.path).parts[:5] == ("logs", "archive", "2026-11", "shop", "ada")


def test_status_blockers_decisions_next_steps(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-20T09:00:00+01:00", "Session store",
             "Blocked on: Redis session store not configured yet",
             "Waiting on: legal review of the cookie banner")
    repo.log("2026-11-21T16:00:00+01:00", "Config day",
             "Unblocked: Redis session store configured in staging",
             "Decision: sessions expire after 8 h, because support asked for a workday",
             "Next: migrate the login page to the new store")
    repo.log("2026-11-22T11:00:00+01:00", "Reviewed", "Next: release notes", user="grace")
    repo.sl("consolidate")
    text = repo.read(STATUS)
    open_part = text.split("## Open blockers")[1].split("##")[0]
    assert "legal review of the cookie banner — ada, open since 2026-11-20 09:00" in open_part
    assert "Redis" not in open_part
    closed = text.split("## Recently closed blockers")[1].split("\n## ")[0]
    assert "~~Redis session store not configured yet~~" in closed
    assert "closed 2026-11-21 by ada: Unblocked: Redis session store configured in staging" in closed
    assert "2026-11-21 ada: Decision: sessions expire after 8 h" in text
    last = text.split("## Last session per contributor")[1].split("##")[0]
    assert "**ada** — 2026-11-21 16:00 (UTC+01:00): Config day" in last
    assert "**grace** — 2026-11-22 11:00 (UTC+01:00): Reviewed" in last
    steps = text.split("## Next steps")[1]
    assert "Next: migrate the login page to the new store" in steps
    assert "Next: release notes" in steps
    # No clock in a view: the same archive renders the same bytes, whenever.
    assert "ago" not in text


def test_resolved_closes_the_matching_blocker_not_just_the_latest(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-20T09:00:00+01:00", "A", "Blocked on: staging database credentials")
    repo.log("2026-11-20T10:00:00+01:00", "B", "Blocked on: design review of the checkout page")
    repo.log("2026-11-20T11:00:00+01:00", "C", "Resolved: got the staging database credentials from ops")
    repo.sl("consolidate")
    open_part = repo.read(STATUS).split("## Open blockers")[1].split("##")[0]
    assert "design review of the checkout page" in open_part
    assert "staging database credentials" not in open_part


def test_session_across_midnight_and_month_boundary(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-30T23:50:00+01:00", "Late night fix", "Decision: ship the hotfix tonight")
    repo.log("2026-12-01T00:20:00+01:00", "Hotfix deployed")
    assert [p.name for p in repo.pending()] == ["2026-11-30.md", "2026-12-01.md"]
    repo.sl("consolidate")
    november = repo.read("logs/shop-session-log-2026-11.md")
    december = repo.read("logs/shop-session-log-2026-12.md")
    assert "Late night fix" in november and "Hotfix deployed" not in november
    assert "Hotfix deployed" in december and "### 2026-12-01" in december


def test_hand_written_log_past_midnight_rolls_into_the_next_day_and_month(native_repo: Repo) -> None:
    """An AI that keeps yesterday's path still gets its 00:10 entry on the right date."""
    repo = native_repo
    repo.write(".git/sessionlog/pending/shop/ada/2026-11-30.md",
               "## 23:40 - Started the migration\n- Decision: run it in batches\n\n"
               "## 00:10 - Migration finished\n- Next: verify counts\n")
    repo.sl("consolidate")
    november = repo.read("logs/shop-session-log-2026-11.md")
    december = repo.read("logs/shop-session-log-2026-12.md")
    assert "Started the migration" in november and "Migration finished" not in november
    assert "### 2026-12-01 (Tue, UTC+01:00)" in december and "**00:10** Migration finished" in december
    # One archive file (the temp log as written), filed under the day it was started.
    (archived,) = repo.archive()
    assert archived.relative_to(repo.path).as_posix().startswith(
        "logs/archive/2026-11/shop/ada/2026-11-30-"
    )


def test_dry_run_writes_nothing(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Entry", "Decision: x")
    before = repo.pending()[0].read_bytes()
    proc = repo.sl("consolidate", "--dry-run")
    assert "would consolidate 1 entry" in proc.stdout
    assert "logs/shop-session-log-2026-11.md" in proc.stdout
    assert not (repo.path / "logs").exists()
    assert repo.pending()[0].read_bytes() == before
    assert repo.porcelain() == []


def test_unparsed_text_is_kept_and_reported_with_file_and_line(native_repo: Repo) -> None:
    repo = native_repo
    path = repo.write(".git/sessionlog/pending/shop/ada/2026-11-25.md",
                      "stray note before any heading\n\n## 9:61 - Bad time\n- Decision: kept anyway\n")
    proc = repo.sl("consolidate")
    assert f"{path}:1: text before the first entry heading" in proc.stdout
    assert f"{path}:3: entry heading has no valid HH:MM time" in proc.stdout
    (archived,) = repo.archive()
    assert "stray note before any heading" in archived.read_text()
    assert "Decision: kept anyway" in repo.read(MASTER)


def test_stray_files_in_pending_are_reported_and_left_alone(native_repo: Repo) -> None:
    repo = native_repo
    stray = repo.write(".git/sessionlog/pending/shop/ada/notes.txt", "keep me\n")
    repo.log("2026-11-25T09:00:00+01:00", "Entry")
    proc = repo.sl("consolidate")
    assert f"{stray}: not a temp log named YYYY-MM-DD.md" in proc.stdout
    assert stray.read_text() == "keep me\n"


def test_invalid_utf8_is_kept_pending_with_a_clear_message(native_repo: Repo) -> None:
    repo = native_repo
    path = repo.path / ".git/sessionlog/pending/shop/ada/2026-11-25.md"
    path.parent.mkdir(parents=True)
    data = b"## 09:00 - Fine\n- ok\n## 10:00 - Broken \xff\xfe bytes\n"
    path.write_bytes(data)
    proc = repo.sl("consolidate")
    assert f"{path}:3: not UTF-8 text; kept pending" in proc.stdout
    assert path.read_bytes() == data
    assert repo.archive() == []


def test_logs_folder_ignored_by_the_user_still_lands(native_repo: Repo) -> None:
    repo = native_repo
    repo.write(".gitignore", "logs/\n")
    repo.git("add", ".gitignore")
    repo.log("2026-11-25T09:00:00+01:00", "Entry")
    repo.git("commit", "-m", "ignore logs")
    assert "logs/shop-status.md" in repo.head_files()


def test_the_command_reports_in_one_write_and_leaves_a_working_collector(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sessionlog consolidate` prints its whole report at once; called in-process (not as a
    program, which leaves without the teardown) it leaves the caller a collector that is on
    and collects the cycles made after it."""
    import sys
    import weakref

    from sessionlog_git.commands.consolidate import consolidate as command

    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Entry one", "Decision: x")
    repo.log("2026-11-26T09:00:00+01:00", "Entry two", "Decision: y")
    monkeypatch.chdir(repo.path)
    writes: list[str] = []
    real = sys.stdout.write
    monkeypatch.setattr(sys.stdout, "write", lambda text: writes.append(text) or real(text))
    try:
        assert command() == 0
        monkeypatch.undo()
        out = capsys.readouterr().out
        assert out.startswith("sessionlog: consolidated 2 entries from 2 temp logs")
        assert "".join(writes) == out and len([w for w in writes if w != "\n"]) == 1
        assert gc.isenabled()

        class Cycle:
            pass

        cycle = Cycle()
        cycle.me = cycle  # type: ignore[attr-defined]
        gone = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert gone() is None
    finally:
        monkeypatch.undo()


def test_the_program_leaves_without_the_teardown_with_its_report_and_exit_code(
        native_repo: Repo) -> None:
    """`python -m sessionlog_git consolidate` (as the console script) exits through `base.leave`:
    no teardown (PYTHONVERBOSE shows its `# cleanup` lines when there is one), the whole report
    on stdout, the exit code kept; a run that refuses exits with its code the same way."""
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Entry one", "Decision: x")
    done = repo.run(PYTHON, "-m", "sessionlog_git", "consolidate", env={"PYTHONVERBOSE": "1"})
    assert done.returncode == 0
    assert done.stdout.startswith("sessionlog: consolidated 1 entry from 1 temp log")
    assert "# cleanup" not in done.stderr
    assert "logs/shop-status.md" in repo.git("diff", "--cached", "--name-only").stdout
    repo.write("logs/shop-status.md", "hand edit\n")  # unstaged: the run refuses to overwrite it
    repo.log("2026-11-26T09:00:00+01:00", "Entry two", "Decision: y")
    refused = repo.run(PYTHON, "-m", "sessionlog_git", "consolidate", env={"PYTHONVERBOSE": "1"},
                       check=False)
    assert refused.returncode != 0 and "Fix:" in refused.stderr
    assert "# cleanup" not in refused.stderr


def test_a_run_pauses_the_cyclic_collector_and_gives_it_back(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cyclic collector is off while a run works and on again once it ends, whether it
    archived or stopped with an error; a caller that had it off keeps it off."""
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Entry one", "Decision: x")
    seen: list[bool] = []
    monkeypatch.setattr(consolidate, "_fault", lambda step: seen.append(gc.isenabled()))
    monkeypatch.chdir(repo.path)
    assert gc.isenabled()
    result = consolidate.run(workspace.find(repo.path))
    assert result.entries == 1 and len(repo.archive()) == 1
    assert seen and not any(seen)  # off at every step of the run
    assert gc.isenabled()

    def stop(step: str) -> None:
        if step == "archived":
            raise RuntimeError("stopped")

    repo.log("2026-11-26T09:00:00+01:00", "Entry two", "Decision: y")
    monkeypatch.setattr(consolidate, "_fault", stop)
    with pytest.raises(RuntimeError, match="stopped"):
        consolidate.run(workspace.find(repo.path))
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(consolidate, "_fault", lambda step: None)
        consolidate.run(workspace.find(repo.path))  # finishes the stopped run
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert "Entry two" in "".join(p.read_text() for p in repo.archive())
