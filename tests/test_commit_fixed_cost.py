"""What every commit with new entries pays, whatever the month's size, and that it changes
nothing a user sees: the month's parse cache is not written whole again for one new archive
file, the templates are read without importlib.resources, and the views stay a rebuild's."""
from __future__ import annotations

import json
import subprocess

import pytest
from conftest import PYTHON, Repo
from test_incremental_history import assert_views_are_fresh
from test_why import commit_at

from sessionlog_git.logs import archive


def test_a_read_after_a_commit_writes_the_parse_caches_side_file_not_the_whole(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    cache = repo.state() / "cache"
    whole = cache / "archive" / "shop" / "2026-11.records.json"
    side = cache / "archive" / "shop" / "2026-11.records-new.json"

    def read() -> list[str]:
        records = archive.month_records(repo.path / "logs", "shop", "2026-11", "", cache)
        return sorted({r.source for r in records})

    for day in (10, 11):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", "Decision: ledger.py writes twice")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    assert read() == archive.month_sources(repo.path / "logs", "shop", "2026-11")
    before = whole.read_bytes()
    for day in (12, 13, 14):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", "Next: audit the ledger")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
        assert read() == sorted(archive.month_sources(repo.path / "logs", "shop", "2026-11"))
    assert whole.read_bytes() == before
    assert len(json.loads(side.read_text(encoding="utf-8"))["files"]) == 3
    assert_views_are_fresh(repo)

    # A reset takes the last archive file away: its cached records are not read.
    repo.git("reset", "-q", "--hard", "HEAD~1")
    assert read() == sorted(archive.month_sources(repo.path / "logs", "shop", "2026-11"))
    assert len(read()) == 4

    # Past SIDE_FILES files parsed since, the month's cache is written whole again, without
    # the files that are gone, and the side file goes.
    repo.log("2026-11-15T09:00:00+00:00", "Ledger 15", "Next: close it")
    commit_at(repo, "2026-11-15T10:00:00+00:00", "--allow-empty", "-m", "Ledger 15")
    monkeypatch.setattr(archive, "SIDE_FILES", 0)
    now = sorted(archive.month_sources(repo.path / "logs", "shop", "2026-11"))
    assert read() == now
    assert sorted(json.loads(whole.read_text(encoding="utf-8"))["files"]) == now
    assert not side.exists()


def test_a_new_day_reads_none_of_the_months_records_and_the_views_are_a_rebuilds(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The status folds onto its checkpoint and the master log gets the new day appended:
    the month's records are not read (nor parsed), and every view equals a rebuild's."""
    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    repo = native_repo
    for day, user in ((10, "ada"), (11, "grace"), (12, "ada")):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", "Decision: ledger.py writes twice",
                 "Blocked on: the auditors", user=user)
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    reads: list[str] = []
    real = archive.month_records

    def spy(*args: object, **kw: object) -> object:
        reads.append(str(args[2]))
        return real(*args, **kw)  # type: ignore[arg-type]

    for day, user in ((13, "grace"), (14, "linus")):  # a contributor with days, and a new one
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Exports {day}", "Unblocked: the auditors",
                 "Next: export", user=user)
        with monkeypatch.context() as m:
            m.setattr(archive, "month_records", spy)
            m.chdir(repo.path)
            result = consolidate.run(workspace.at(repo.path))
        assert result.archived and not result.problems
        assert reads == []
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "-m", f"Exports {day}")
        assert_views_are_fresh(repo)
    master = repo.read("logs/shop-session-log-2026-11.md")
    assert "5 entries by 3 contributors" in master and "## linus" in master


def test_templates_are_read_without_importlib_resources() -> None:
    code = (
        "import sys\n"
        "from sessionlog_git.pipeline.render import template_text\n"
        "text = template_text('master_log.md.j2')\n"
        "loaded = 'importlib.resources' in sys.modules\n"
        "from importlib.resources import files\n"
        "same = text == files('sessionlog_git.templates').joinpath('master_log.md.j2').read_text('utf-8')\n"
        "print(loaded, same)\n"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_a_render_kept_by_an_older_version_gets_the_keys_to_append_to_it(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A master log rendered before the listing keys existed: the first commit splices into
    it and gives it those keys, so after a reset the next new day is appended to it."""
    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    repo = native_repo
    for day in (10, 11):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", "Next: audit")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    # The cache as the older version kept it: the committed render, keyed by its sources.
    from sessionlog_git.base.text import sha256_hex
    from sessionlog_git.pipeline import monthview

    zone = workspace.at(repo.path).config.timezone
    records = archive.month_records(repo.path / "logs", "shop", "2026-11", zone, repo.state() / "cache")
    current = (repo.path / "logs" / "shop-session-log-2026-11.md").read_bytes()
    views = repo.state() / "cache" / "views" / "shop" / "2026-11.master.json"
    views.write_text(json.dumps({"v": monthview.CACHE_VERSION, "renders": [{
        "digest": sha256_hex(current), "counts": {"ada": 2},
        "key": monthview._key("shop", "2026-11", zone, {r.source for r in records}),
    }]}), encoding="utf-8")
    reads: list[str] = []
    real = archive.month_records

    def spy(*args: object, **kw: object) -> object:
        reads.append(str(args[2]))
        return real(*args, **kw)  # type: ignore[arg-type]

    def consolidate_here() -> None:
        with monkeypatch.context() as m:
            m.setattr(archive, "month_records", spy)
            m.chdir(repo.path)
            consolidate.run(workspace.at(repo.path))

    repo.log("2026-11-12T09:00:00+00:00", "Ledger 12", "Next: close")
    consolidate_here()
    assert reads == ["2026-11"]  # spliced from the month's records
    repo.git("reset", "-q", "--hard", "HEAD")
    reads.clear()
    repo.log("2026-11-13T09:00:00+00:00", "Ledger 13", "Next: close again")
    consolidate_here()
    assert reads == []
    commit_at(repo, "2026-11-13T10:00:00+00:00", "-m", "Ledger 13")
    assert_views_are_fresh(repo)
