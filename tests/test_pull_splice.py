"""After a pull, the month's master log on disk is a teammate's render. A commit keeps each
of its sections that this clone rendered from the same archive files (known from the
archive's listing, not from the records), renders only the others from their contributors'
files, and never reads the month's records; the text is byte-identical to a full rebuild."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, clone_teammate, founder_with_remote

from sessionlog_git import workspace
from sessionlog_git.logs import archive
from sessionlog_git.pipeline import consolidate, monthview

MASTER = "logs/shop-session-log-2026-11.md"
TEAM = ("ada", "linus", "barbara", "edsger", "donald", "frances")


def _rebuilt(repo: Repo) -> str:
    return consolidate.rebuild(workspace.at(repo.path))[MASTER]


def _seed(repo: Repo) -> None:
    """Three days of each contributor, committed by ada (her hook consolidates them), then a
    late entry of hers."""
    for i, user in enumerate(TEAM):
        for day in (2, 9, 16):
            repo.log(f"2026-11-{day:02d}T{9 + i:02d}:00:00+01:00", f"{user} work {day}",
                     f"Decision: {user} keeps {day} because it is simpler", user=user)
    repo.write("app.py", "print('v1')\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "-m", "v1")
    # A late entry, before days folded already: the status is folded over the whole month
    # once, which leaves the point a later fold starts from (logs.status_rewind).
    repo.log("2026-11-10T18:00:00+01:00", "Late note", "Next: tidy up", user="ada")
    repo.write("app.py", "print('v1.1')\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "-m", "v1.1")


class Spy:
    """What a consolidation in this process renders and reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rendered: list[list[str]] = []
        self.sizes: list[int] = []  # how many records each render was given
        self.month_reads: list[str] = []
        self.parsed: set[tuple[str, str]] = set()  # (contributor, day) of each file parsed
        render, month_records, parse_file = (monthview._render, archive.month_records,
                                             archive._parse_file)

        def spy_render(project, month, records, hint, link=None):  # type: ignore[no-untyped-def]
            self.rendered.append(sorted({r.user for r in records}))
            self.sizes.append(len(records))
            return render(project, month, records, hint, link)

        def spy_month(logs_path, project, month, zone, cache):  # type: ignore[no-untyped-def]
            self.month_reads.append(month)
            return month_records(logs_path, project, month, zone, cache)

        def spy_parse(found, project, source, zone):  # type: ignore[no-untyped-def]
            self.parsed.add((found.user, found.day.isoformat()))
            return parse_file(found, project, source, zone)

        monkeypatch.setattr(monthview, "_render", spy_render)
        monkeypatch.setattr(archive, "month_records", spy_month)
        monkeypatch.setattr(archive, "_parse_file", spy_parse)


def _team(tmp_path: Path, mate: str = "grace") -> tuple[Repo, Repo]:
    ada, remote = founder_with_remote(tmp_path)
    _seed(ada)
    ada.git("push", "-q", "origin", "main")
    grace = clone_teammate(tmp_path, remote, mate)
    grace.log("2026-11-20T09:30:00+01:00", "Refund ledger", "Decision: ledger rows over balances")
    grace.write("ledger.py", "ROWS = True\n")
    grace.git("add", "ledger.py")
    grace.git("commit", "-q", "-m", "Ledger")
    grace.git("push", "-q", "origin", "main")
    ada.git("pull", "-q", "--ff-only", "origin", "main")
    assert ada.read(MASTER) == grace.read(MASTER)  # the teammate's render, byte for byte
    return ada, grace


def _consolidate(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Spy:
    """One consolidation in `repo`, watched: what it rendered, parsed and read."""
    spy = Spy(monkeypatch)
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))
    return spy


def _grace_audits(ada: Repo, grace: Repo) -> None:
    """grace commits a day of hers with a change of her code and pushes; ada pulls it."""
    grace.log("2026-11-25T09:30:00+01:00", "Refund audit", "Next: sample 50")
    grace.write("ledger.py", "ROWS = 2\n")
    grace.git("add", "ledger.py")
    grace.git("commit", "-q", "-m", "Audit")
    grace.git("push", "-q", "origin", "main")
    ada.git("pull", "-q", "--ff-only", "origin", "main")


def test_after_a_pull_only_the_teammates_files_are_read_and_the_text_equals_a_rebuild(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, _ = _team(tmp_path)
    ada.log("2026-11-23T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    spy = _consolidate(ada, monkeypatch)
    # ada's new day is appended to her section (rendered alone); grace's section, which
    # only the teammate rendered, is rendered from her files; every other one is kept.
    assert sorted(spy.rendered) == [["ada"], ["grace"]]
    assert "2026-11" not in spy.month_reads  # the month's records were never read
    # grace's files, for her section; of the others', only the last folded day's, which the
    # status fold takes again from its rewind point (the day before it).
    assert ("grace", "2026-11-20") in spy.parsed
    assert {day for user, day in spy.parsed if user != "grace"} == {"2026-11-16"}
    text = ada.read(MASTER)
    assert text == _rebuilt(ada)
    assert "Refund ledger" in text and "Refund export" in text


def test_a_day_among_entries_folded_after_a_pull_renders_its_contributor_from_their_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committer's new day falls before a day of theirs already in their section (and
    after the status fold's rewind point): their section is rendered again from their own
    files, not the month's records."""
    ada, _ = _team(tmp_path)
    ada.log("2026-11-15T20:30:00+01:00", "Late note", "Next: look again", user="ada")
    spy = _consolidate(ada, monkeypatch)
    assert sorted(spy.rendered) == [["ada"], ["grace"]]
    assert "2026-11" not in spy.month_reads
    assert ada.read(MASTER) == _rebuilt(ada)


def test_a_pulled_section_that_differs_from_ours_is_rendered_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A section on disk that no render of this clone wrote from those files (here one the
    teammate's commit changed by hand, pushed past the push guard) is never kept: it is
    rendered from the archive."""
    ada, grace = _team(tmp_path)
    grace.write(MASTER, grace.read(MASTER).replace("linus work 9", "linus work nine"))
    grace.git("add", MASTER)
    grace.git("commit", "-q", "--no-verify", "-m", "Edit the view")
    grace.git("push", "-q", "--no-verify", "origin", "main")  # past the push guard
    ada.git("pull", "-q", "--ff-only", "origin", "main")
    assert "linus work nine" in ada.read(MASTER)
    ada.log("2026-11-23T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    spy = _consolidate(ada, monkeypatch)
    assert sorted(spy.rendered) == [["ada"], ["grace"], ["linus"]]
    text = ada.read(MASTER)
    assert "linus work nine" not in text and "linus work 9" in text
    assert text == _rebuilt(ada)


def test_the_next_pull_after_an_ordinary_commit_still_knows_the_sections(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ordinary commit (its day appended) keeps each section's key too, so a pull after
    it is spliced into as well."""
    ada, grace = _team(tmp_path)
    ada.log("2026-11-23T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    ada.write("app.py", "print('v2')\n")
    ada.git("add", "app.py")
    ada.git("commit", "-q", "-m", "v2")
    ada.log("2026-11-24T09:30:00+01:00", "Refund import", "Next: XLSX", user="ada")
    ada.write("app.py", "print('v3')\n")
    ada.git("add", "app.py")
    ada.git("commit", "-q", "-m", "v3")  # appended: no month read
    ada.git("push", "-q", "origin", "main")
    grace.git("pull", "-q", "--ff-only", "origin", "main")
    _grace_audits(ada, grace)
    ada.log("2026-11-26T09:30:00+01:00", "Refund close", "Next: ship", user="ada")
    spy = _consolidate(ada, monkeypatch)
    assert sorted(spy.rendered) == [["ada"], ["grace"]]
    assert "2026-11" not in spy.month_reads
    assert ada.read(MASTER) == _rebuilt(ada)


def test_a_teammate_who_added_days_to_their_section_has_only_those_days_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """linus's render begins with the section this clone rendered for him: only his new
    file is parsed and rendered (its day appended), not his month."""
    ada, _ = _team(tmp_path, "linus")
    ada.log("2026-11-23T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    spy = _consolidate(ada, monkeypatch)
    assert sorted(spy.rendered) == [["ada"], ["linus"]]
    assert sorted(spy.sizes) == [1, 1]  # ada's new entry, linus's pulled one: nothing else
    assert "2026-11" not in spy.month_reads
    assert {day for user, day in spy.parsed if user == "linus"} == {"2026-11-16", "2026-11-20"}
    assert ada.read(MASTER) == _rebuilt(ada)


def test_a_day_among_a_contributors_days_renders_only_their_days_from_it_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A teammate's entry among a contributor's days (committed after their later ones):
    their section on disk, exactly as rendered, keeps its days before that entry's day, and
    only the days from there on are rendered (the records of that day and the ones after
    it, not their month). The text is a rebuild's, a day that was there already or a new
    one."""
    ada, _ = _team(tmp_path)
    # A day of linus's that his section has (the 9th, 11:00), before his 11:00 entry: his
    # records of the 9th and of the 16th are rendered, not the 2nd's.
    ada.log("2026-11-09T08:00:00+01:00", "linus early", "Next: check the rows", user="linus")
    spy = _consolidate(ada, monkeypatch)
    assert ["linus"] in spy.rendered
    assert spy.sizes[spy.rendered.index(["linus"])] == 3
    assert ada.read(MASTER) == _rebuilt(ada)
    ada.git("commit", "-q", "-m", "linus early")
    # A new day of barbara's between two of hers: the 12th, then the 16th, are rendered.
    ada.log("2026-11-12T10:00:00+01:00", "barbara midweek", "Next: read the audit", user="barbara")
    spy = _consolidate(ada, monkeypatch)
    assert spy.sizes[spy.rendered.index(["barbara"])] == 2
    assert ada.read(MASTER) == _rebuilt(ada)
