"""Opt-in commit messages that carry the why: the prepare-commit-msg stage."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import Repo


def message(repo: Repo, rev: str = "HEAD") -> str:
    """The commit message exactly as stored (after git's own cleanup)."""
    raw = repo.git("cat-file", "commit", rev).stdout
    return raw.split("\n\n", 1)[1]


def log_token_work(repo: Repo) -> None:
    repo.log("2026-11-25T10:00:00+01:00", "Token refresh",
             "Added a refresh endpoint",
             "Decision: refresh tokens rotate on use, because a stolen token must die fast",
             "Tried: sliding expiry; too many writes")


def test_native_hook_prefills_a_message_the_user_did_not_give(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    out = repo.sl("init", "--hooks", "native", "--commit-msg").stdout
    assert "write .git/hooks/prepare-commit-msg" in out
    log_token_work(repo)
    repo.append("app.py", "print('refresh')\n")
    # An editor that keeps a copy of what git gave it, then saves unchanged.
    seen = tmp_path / "seen.txt"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\ncp "$1" "{seen}"\n')
    editor.chmod(0o755)
    repo.git("commit", "-a", env={"GIT_EDITOR": str(editor)})
    body = message(repo)
    archived = next(p for p in repo.archive())
    rel = archived.relative_to(repo.path).as_posix()
    assert body == (
        "Token refresh\n"
        "\n"
        "Why (from the session log):\n"
        "- Token refresh (ada, 2026-11-25 10:00)\n"
        "  - Decision: refresh tokens rotate on use, because a stolen token must die fast\n"
        "  - Tried: sliding expiry; too many writes\n"
        "\n"
        f"Session log: {rel}\n"
    )
    assert rel in repo.head_files()
    # Our text sits above git's own comment lines, which stay for the user to read.
    shown = seen.read_text()
    assert shown.index("Why (from the session log):") < shown.index("# Please enter the commit message")

    # A message given with -m is the user's: untouched.
    repo.log("2026-11-25T11:00:00+01:00", "Docs", "Decision: document the refresh flow")
    repo.append("app.py", "print('docs')\n")
    repo.git("commit", "-q", "-a", "-m", "x")
    assert message(repo) == "x\n"
    # So is a message git reuses (--amend), even through the editor.
    repo.git("commit", "-q", "--amend", env={"GIT_EDITOR": "true"})
    assert message(repo) == "x\n"
    # Nothing pending, nothing added: git's message alone (here: an empty one aborts).
    repo.append("app.py", "print('more')\n")
    proc = repo.git("commit", "-a", check=False, env={"GIT_EDITOR": "true"})
    assert proc.returncode != 0 and "empty commit message" in proc.stderr.lower()

    out = repo.sl("uninstall").stdout
    assert "delete .git/hooks/prepare-commit-msg (init created it)" in out
    assert not (repo.path / ".git/hooks/prepare-commit-msg").exists()


def test_without_the_flag_no_message_is_touched(native_repo: Repo) -> None:
    repo = native_repo
    assert not (repo.path / ".git/hooks/prepare-commit-msg").exists()
    log_token_work(repo)
    repo.append("app.py", "print('x')\n")
    proc = repo.git("commit", "-a", check=False, env={"GIT_EDITOR": "true"})
    assert proc.returncode != 0  # git's empty message: the commit is aborted, as without us


def test_a_template_keeps_its_text_on_top(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    repo.sl("init", "--hooks", "native", "--commit-msg")
    template = tmp_path / "template.txt"
    template.write_text("feat: \n\n# Say what and why.\n")
    repo.git("config", "commit.template", str(template))
    repo.git("config", "commit.cleanup", "strip")
    log_token_work(repo)
    repo.append("app.py", "print('y')\n")
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/^feat: $/feat: rotate refresh tokens/" "$1"\n')
    editor.chmod(0o755)
    repo.git("commit", "-a", env={"GIT_EDITOR": str(editor)})
    body = message(repo)
    assert body.startswith("feat: rotate refresh tokens\n\nWhy (from the session log):\n")
    assert "Decision: refresh tokens rotate on use" in body and "#" not in body


@pytest.mark.slow
def test_through_the_pre_commit_framework(framework_repo: Repo) -> None:
    repo = framework_repo
    config = repo.read(".pre-commit-config.yaml")
    line = next(ln for ln in config.splitlines() if ln.strip().endswith("id: sessionlog-consolidate"))
    repo.write(".pre-commit-config.yaml",
               config.replace(line + "\n", line + "\n" + line.replace("consolidate", "commit-msg") + "\n"))
    repo.git("add", ".pre-commit-config.yaml")
    repo.run(sys.executable, "-m", "pre_commit", "install", "--hook-type", "prepare-commit-msg")
    log_token_work(repo)
    repo.append("app.py", "print('z')\n")
    repo.git("commit", "-a", env={"GIT_EDITOR": "true"})
    body = message(repo)
    assert body.startswith(
        "Token refresh\n\nWhy (from the session log):\n- Token refresh (ada, 2026-11-25 10:00)\n")
    assert "  - Decision: refresh tokens rotate on use, because a stolen token must die fast\n" in body
    repo.log("2026-11-25T11:00:00+01:00", "Docs", "Decision: document the refresh flow")
    repo.append("app.py", "print('docs')\n")
    repo.git("commit", "-q", "-a", "-m", "given")
    assert message(repo) == "given\n"
