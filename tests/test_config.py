"""`.sessionlog.yaml` errors name the file, the line, the key path and the fix."""
from __future__ import annotations

import pytest
from conftest import Repo

CASES = [
    ("project: shop\nremiders:\n  gap_minutes: 10\n", 2,
     "`remiders` is not a known key (did you mean `reminders`?)"),
    ("project: shop\nreminders:\n  gap_minutes: soon\n", 3,
     "`reminders.gap_minutes` must be a whole number of minutes (1 or more), got 'soon'"),
    ("project: shop\nreminders:\n  stop_hook: maybe\n", 3, "`reminders.stop_hook` must be true or false"),
    ("project: shop\nredaction: sometimes\n", 2, "`redaction` must be one of redact, block, off"),
    ("project: shop\ntimezone: Mars/Olympus\n", 2, "`timezone` is not a known IANA zone"),
    ("project: shop\nlogs_dir: ../elsewhere\n", 2,
     "`logs_dir` must be a relative folder inside the repository"),
    ("project: shop\nprojects:\n  - name: api\n    path: [x]\n", 4, "`projects[0].path` is not a known key"),
    ("project: ../../etc\n", 1, "project name '../../etc' cannot be used as a folder name"),
    ("project: [shop\n", 2, "not valid YAML"),
]


@pytest.mark.parametrize(("text", "line", "message"), CASES)
def test_bad_config_is_explained(repo: Repo, text: str, line: int, message: str) -> None:
    repo.write(".sessionlog.yaml", text)
    proc = repo.sl("log", "x", env={"SESSIONLOG_NOW": "2026-11-25T09:00:00+01:00"}, check=False)
    assert proc.returncode == 1, proc.stderr
    assert f"{repo.path / '.sessionlog.yaml'}: line {line}" in proc.stderr
    assert message in proc.stderr
    assert "Fix:" in proc.stderr
    assert repo.read(".sessionlog.yaml") == text
    assert repo.pending() == []


def test_cache_follows_edits(repo: Repo) -> None:
    repo.write(".sessionlog.yaml", "project: shop\n")
    repo.log("2026-11-25T09:00:00+01:00", "x")
    repo.write(".sessionlog.yaml", "project: billing\n")
    repo.log("2026-11-25T09:05:00+01:00", "y")
    assert {p.parent.parent.name for p in repo.pending()} == {"shop", "billing"}
