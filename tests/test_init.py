"""`sessionlog init`: config, ignored pending folder, hooks; idempotent; dry run."""
from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

from conftest import Repo


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "objects" not in p.parts and p.name not in ("index", "config.json")
    }


def test_native_init_writes_config_pending_folder_and_hooks(repo: Repo) -> None:
    out = repo.sl("init").stdout
    assert "create .sessionlog.yaml (project: shop)" in out
    assert "write .git/hooks/pre-commit" in out and "write .git/hooks/pre-push" in out
    config = repo.read(".sessionlog.yaml")
    assert "project: shop\n" in config and "# " in config  # commented defaults
    assert "gap_minutes: 45" in config and "redaction: redact" in config
    assert (repo.path / ".git/sessionlog/pending").is_dir()
    # the pending folder is ignored; .gitattributes names the merge driver for the views
    assert repo.porcelain() == ["?? .gitattributes", "?? .sessionlog.yaml"]
    for hook in ("pre-commit", "pre-push"):
        path = repo.path / ".git/hooks" / hook
        assert os.access(path, os.X_OK)
        assert f"SESSIONLOG_PYTHON='{sys.executable}'" in path.read_text()


def test_init_is_idempotent(repo: Repo) -> None:
    repo.sl("init")
    before = files_under(repo.path)
    out = repo.sl("init").stdout
    lines = [line.strip() for line in out.splitlines()[1:]]
    assert lines and all(line.startswith("unchanged:") for line in lines), out
    assert files_under(repo.path) == before


def test_dry_run_changes_nothing(repo: Repo) -> None:
    before = files_under(repo.path)
    out = repo.sl("init", "--dry-run").stdout
    assert out.startswith("sessionlog init --dry-run (nothing written):")
    assert "would create .sessionlog.yaml" in out and "would write .git/hooks/pre-commit" in out
    assert files_under(repo.path) == before
    assert repo.porcelain() == []


def test_existing_native_hooks_are_chained_not_overwritten(repo: Repo, tmp_path: Path) -> None:
    hooks = repo.path / ".git/hooks"
    marker = tmp_path / "user-hook-ran"
    (hooks / "pre-commit").write_text(f"#!/bin/sh\necho ran > '{marker}'\n")
    (hooks / "pre-commit").chmod(0o755)
    refs = tmp_path / "pre-push-stdin"
    (hooks / "pre-push").write_text(f"#!/bin/sh\ncat > '{refs}'\n")
    (hooks / "pre-push").chmod(0o755)
    out = repo.sl("init", "--hooks", "native").stdout
    assert "keep your existing .git/hooks/pre-commit as pre-commit.pre-sessionlog" in out
    repo.log("2026-11-25T09:00:00+01:00", "Entry", "Decision: chain hooks")
    repo.git("add", ".sessionlog.yaml")
    repo.git("commit", "-m", "With both hooks")
    assert marker.read_text() == "ran\n"
    assert "logs/shop-status.md" in repo.head_files()
    # pre-push: the chained hook still gets git's ref lines on stdin.
    remote = tmp_path / "remote.git"
    repo.git("init", "-q", "--bare", str(remote))
    repo.git("push", "-q", str(remote), "main")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    assert refs.read_text().startswith(f"refs/heads/main {head} refs/heads/main ")
    # A failing user hook still stops the commit.
    (hooks / "pre-commit.pre-sessionlog").write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 3\n")
    repo.append("app.py", "x = 1\n")
    failed = repo.git("commit", "-am", "blocked", check=False)
    assert failed.returncode != 0 and "lint failed" in failed.stderr


PRE_COMMIT_CONFIG = """\
# Team hooks. Keep this comment!
repos:
-   repo: local
    hooks:
    -   id: no-todo   # our own check
        name: no TODO
        entry: "! grep -rn TODO --include=*.py ."
        language: system
        pass_filenames: false
"""


def test_pre_commit_config_round_trip_keeps_user_content(repo: Repo) -> None:
    repo.write(".pre-commit-config.yaml", PRE_COMMIT_CONFIG)
    out = repo.sl("init", "--hook-repo", "https://example.invalid/sessionlog-git",
                  "--hook-rev", "v0.1.0").stdout  # no --hooks: the config present picks pre-commit
    assert "update .pre-commit-config.yaml" in out
    assert "run `pre-commit install --hook-type pre-commit`" in out
    after = repo.read(".pre-commit-config.yaml")
    diff = list(difflib.ndiff(PRE_COMMIT_CONFIG.splitlines(), after.splitlines()))
    removed = [line for line in diff if line.startswith("- ")]
    assert removed == [], "\n".join(diff)
    assert "-   repo: https://example.invalid/sessionlog-git\n    rev: v0.1.0\n" in after
    assert "    hooks:\n    -   id: sessionlog-consolidate\n" in after
    # The user's hooks keep running when they did: no pre-push for the framework.
    assert "default_install_hook_types" not in after and "sessionlog-pre-push" not in after
    text = (repo.path / ".git/hooks/pre-commit").read_text()
    assert "pre-commit" in text and "sessionlog-git managed hook" not in text
    assert "sessionlog-git managed hook" in (repo.path / ".git/hooks/pre-push").read_text()
    again = repo.sl("init").stdout
    assert "unchanged: .pre-commit-config.yaml (our hooks are listed)" in again
    assert repo.read(".pre-commit-config.yaml") == after


def test_switching_to_pre_commit_removes_our_native_hooks(repo: Repo, tmp_path: Path) -> None:
    hooks = repo.path / ".git/hooks"
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n# the user's\n")
    repo.sl("init", "--hooks", "native")
    out = repo.sl("init", "--hooks", "pre-commit", "--hook-repo", str(tmp_path / "x"),
                  "--hook-rev", "v0").stdout
    assert "remove our native .git/hooks/pre-commit, restoring pre-commit.pre-sessionlog" in out
    assert not (hooks / "pre-commit.pre-sessionlog").exists()
    # pre-commit install keeps the user's hook as pre-commit.legacy and runs it too.
    assert (hooks / "pre-commit.legacy").read_text().endswith("# the user's\n")


def test_invalid_pre_commit_config_is_reported_and_left_alone(repo: Repo) -> None:
    bad = "repos:\n-   repo: local\n    hooks: [\n"
    repo.write(".pre-commit-config.yaml", bad)
    proc = repo.sl("init", check=False)
    assert proc.returncode == 1
    assert ".pre-commit-config.yaml: line" in proc.stderr and "not valid YAML" in proc.stderr
    assert repo.read(".pre-commit-config.yaml") == bad


def test_init_adds_project_to_an_existing_config_keeping_comments(repo: Repo) -> None:
    repo.write(".sessionlog.yaml", "# our settings\ntimezone: Europe/Berlin  # office\n")
    out = repo.sl("init", "--hooks", "none").stdout
    assert "add `project: shop` to .sessionlog.yaml" in out
    text = repo.read(".sessionlog.yaml")
    assert "# our settings" in text and "timezone: Europe/Berlin  # office" in text
    assert "project: shop" in text


def test_agent_flag_is_accepted(repo: Repo) -> None:
    proc = repo.sl("init", "--hooks", "none", "--agent", "none")
    assert proc.returncode == 0
