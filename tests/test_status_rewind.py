"""A commit after a pull folds the status from the day before, not the month again.

A teammate's day, pulled, comes before entries the status checkpoint folded already, so the
checkpoint cannot take it (logs/status_tail.py). The rewind point (logs/status_rewind.py),
taken when the month was last folded whole, holds the fold up to 00:00 UTC of the day before
its last day: the commit feeds it only the records from there on. Whatever it feeds, the
committed status must equal a full rebuild's, byte for byte.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo
from test_context_reorder import teammates
from test_incremental_history import assert_views_are_fresh
from test_status_tail import consolidate_in_process, section
from test_why import commit_at

from sessionlog_git.logs import status_rewind

NAMES = {day: name for day, name in zip(range(2, 13), (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo"), strict=True)}


def test_a_commit_after_a_pull_folds_the_status_from_the_day_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada, grace = teammates(tmp_path)
    for day in range(2, 13):  # ada's November: an entry and a commit a day
        ada.log(f"2026-11-{day:02d}T09:00:00+00:00", f"Ledger {day}",
                f"Blocked on: auditors of the {NAMES[day]} ledger",
                f"Decision: ledger.py keeps {NAMES[day]} copies, because audits")
        commit_at(ada, f"2026-11-{day:02d}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    # A late entry of yesterday: the month is folded again (here whole: the rewind point of
    # the month's first commit is too far back, past this many files), which takes a rewind
    # point at 00:00 UTC of the day before the last day (the 11th).
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "MAX_FILES", 2)
        ada.log("2026-11-11T15:00:00+00:00", "Late", "Next: count the ledger copies again")
        assert sum(consolidate_in_process(ada, monkeypatch)) == 12, "the month's 12 records"
    commit_at(ada, "2026-11-12T11:00:00+00:00", "-m", "Late")
    assert_views_are_fresh(ada)
    ada.git("push", "-q", "origin", "main")

    # grace's day: the 11th, between ada's entries that the checkpoint folded already.
    grace.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    grace.log("2026-11-11T12:00:00+00:00", "Auditors", "Unblocked: the charlie ledger is signed",
              "Supersedes: ledger.py keeps delta copies",
              "Decision: ledger.py keeps copies for a year, because the auditors asked")
    commit_at(grace, "2026-11-11T13:00:00+00:00", "--allow-empty", "-m", "Auditors")
    grace.git("push", "-q", "origin", "main")
    ada.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")

    ada.log("2026-11-13T09:00:00+00:00", "Ledger 13", "Unblocked: the kilo ledger is signed")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "_whole", None)  # the whole month is not folded again
        fed = consolidate_in_process(ada, monkeypatch)
    # From the 11th on: ada's 11th, her late entry, her 12th, grace's day, and the new one
    # (the month's nine records before the 11th come from the rewind point).
    assert sum(fed) == 5, fed
    commit_at(ada, "2026-11-13T10:00:00+00:00", "-m", "Ledger 13")
    status = ada.read("logs/shop-status.md")
    # In time order: grace's Supersedes: of the 11th retired ada's decision of the 5th, and
    # her unblock closed the blocker of the 4th; ada's of the 13th, the 12th's.
    assert "~~Decision: ledger.py keeps delta copies" in section(status, "Retired decisions")
    opened = section(status, "Open blockers")
    assert "charlie" not in opened and "kilo" not in opened and "juliet" in opened
    assert_views_are_fresh(ada)

    # Undo that commit and make another: the fold from the rewind point checkpointed the
    # archive as pulled, so this one folds only its own record.
    ada.git("reset", "-q", "--hard", "HEAD~1")
    ada.log("2026-11-13T11:00:00+00:00", "Ledger 13b", "Unblocked: the juliet ledger is signed")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "_whole", None)
        assert consolidate_in_process(ada, monkeypatch) == [1]
    commit_at(ada, "2026-11-13T12:00:00+00:00", "-m", "Ledger 13b")
    assert "juliet" not in section(ada.read("logs/shop-status.md"), "Open blockers")
    assert_views_are_fresh(ada)


def folded_week_pulled(ada: Repo, grace: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """ada's blockers of the 2nd to the 7th, a late entry of the 6th that folds the month
    whole (rewind points at 00:00 UTC of the 6th and the 7th), pushed and pulled by grace."""
    for day in range(2, 8):
        ada.log(f"2026-11-{day:02d}T09:00:00+00:00", f"Ledger {day}",
                f"Blocked on: auditors of the {NAMES[day]} ledger")
        commit_at(ada, f"2026-11-{day:02d}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    with monkeypatch.context() as m:  # the month folded whole: points at the 6th and the 7th
        m.setattr(status_rewind, "MAX_FILES", 2)
        ada.log("2026-11-06T15:00:00+00:00", "Late", "Next: count the ledger copies again")
        consolidate_in_process(ada, monkeypatch)
    commit_at(ada, "2026-11-07T11:00:00+00:00", "-m", "Late")
    ada.git("push", "-q", "origin", "main")
    grace.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")


def test_a_pulled_day_before_the_rewind_point_folds_the_month_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A teammate's day older than the rewind point's edge: the point cannot serve, the month
    is folded whole (and the status is still a rebuild's)."""
    ada, grace = teammates(tmp_path)
    folded_week_pulled(ada, grace, monkeypatch)
    grace.log("2026-11-03T12:00:00+00:00", "Auditors", "Unblocked: the alpha ledger is signed")
    commit_at(grace, "2026-11-03T13:00:00+00:00", "--allow-empty", "-m", "Auditors")
    grace.git("push", "-q", "origin", "main")
    ada.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    ada.log("2026-11-08T09:00:00+00:00", "Ledger 8", "Next: archive the ledger")
    # Every record of the month: ada's six, her late one, grace's, and the new one.
    assert sum(consolidate_in_process(ada, monkeypatch)) == 9
    commit_at(ada, "2026-11-08T10:00:00+00:00", "-m", "Ledger 8")
    assert "alpha" not in section(ada.read("logs/shop-status.md"), "Open blockers")
    assert_views_are_fresh(ada)


def test_a_pulled_entry_among_the_last_days_folded_entries_folds_again_only_that_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The month's whole fold takes a second rewind point, at 00:00 UTC of its last day: a
    teammate's entry of that day, before entries folded already, re-folds only that day's
    records, not yesterday's too."""
    ada, grace = teammates(tmp_path)
    folded_week_pulled(ada, grace, monkeypatch)
    grace.log("2026-11-07T08:00:00+00:00", "Auditors", "Unblocked: the echo ledger is signed")
    commit_at(grace, "2026-11-07T08:30:00+00:00", "--allow-empty", "-m", "Auditors")
    grace.git("push", "-q", "origin", "main")
    ada.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    ada.log("2026-11-08T09:00:00+00:00", "Ledger 8", "Next: archive the ledger")
    with monkeypatch.context() as m:
        m.setattr(status_rewind, "_whole", None)
        fed = consolidate_in_process(ada, monkeypatch)
    assert sum(fed) == 3, fed  # grace's entry, ada's of the 7th, and the new one
    commit_at(ada, "2026-11-08T10:00:00+00:00", "-m", "Ledger 8")
    opened = section(ada.read("logs/shop-status.md"), "Open blockers")
    assert "echo" not in opened and "foxtrot" in opened and "delta" in opened
    assert_views_are_fresh(ada)
