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


def test_a_commit_writes_the_parse_caches_side_file_not_the_months_whole_cache(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = native_repo
    cache = repo.state() / "cache"
    whole = cache / "archive" / "shop" / "2026-11.records.json"
    side = cache / "archive" / "shop" / "2026-11.records-new.json"
    for day in (10, 11):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", "Decision: ledger.py writes twice")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    before = whole.read_bytes()
    for day in (12, 13, 14):
        repo.log(f"2026-11-{day}T09:00:00+00:00", f"Ledger {day}", "Next: audit the ledger")
        commit_at(repo, f"2026-11-{day}T10:00:00+00:00", "--allow-empty", "-m", f"Ledger {day}")
    assert whole.read_bytes() == before
    listed = archive.month_sources(repo.path / "logs", "shop", "2026-11")
    assert len(listed) == 5
    in_side = set(json.loads(side.read_text(encoding="utf-8"))["files"])
    assert len(in_side) >= 2
    assert in_side | set(json.loads(before)["files"]) >= set(listed) - {listed[-1]}
    assert_views_are_fresh(repo)

    # A reset takes the last archive file away: its cached records are not read.
    repo.git("reset", "-q", "--hard", "HEAD~1")
    kept = archive.month_sources(repo.path / "logs", "shop", "2026-11")
    assert len(kept) == 4
    records = archive.month_records(repo.path / "logs", "shop", "2026-11", "", cache)
    assert sorted({r.source for r in records}) == sorted(kept)

    # Past SIDE_FILES files parsed since, the month's cache is written whole again, without
    # the files that are gone, and the side file goes.
    repo.log("2026-11-15T09:00:00+00:00", "Ledger 15", "Next: close it")
    commit_at(repo, "2026-11-15T10:00:00+00:00", "--allow-empty", "-m", "Ledger 15")
    monkeypatch.setattr(archive, "SIDE_FILES", 0)
    side.unlink()  # so the file of the last commit is parsed again
    records = archive.month_records(repo.path / "logs", "shop", "2026-11", "", cache)
    now = archive.month_sources(repo.path / "logs", "shop", "2026-11")
    assert sorted({r.source for r in records}) == sorted(now)
    assert sorted(json.loads(whole.read_text(encoding="utf-8"))["files"]) == sorted(now)
    assert not side.exists()
    assert_views_are_fresh(repo)


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
