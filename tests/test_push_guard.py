"""The pre-push guard, through real `git push` to a local bare remote (native hook and framework)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import Repo
from test_idle import HEAVY, imported

MASTER = "logs/shop-session-log-2026-11.md"
FIX = 'sessionlog consolidate && git commit -m "Session logs" -- logs && git push'


@pytest.fixture
def pushing(hooked_repo: Repo, tmp_path: Path) -> Repo:
    repo = hooked_repo
    remote = tmp_path / "remote.git"
    repo.git("init", "-q", "--bare", "-b", "main", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "-u", "origin", "main")
    return repo


def push(repo: Repo, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return repo.git("push", "origin", "main", *args, env=env, check=False)


def remote_log(repo: Repo) -> list[str]:
    return repo.git("log", "--format=%s", "origin/main").stdout.splitlines()


def test_refuses_a_push_whose_reasoning_is_still_pending_and_says_how_to_fix(pushing: Repo) -> None:
    repo = pushing
    repo.log("2026-11-25T09:00:00+01:00", "Chose retries with idempotency keys",
             "Decision: keys in Redis, because retries cross processes")
    repo.append("app.py", "print('retry')\n")
    repo.git("commit", "-q", "--no-verify", "-am", "Retries")  # the hook did not consolidate
    out = push(repo)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "push refused: 1 pending session log entry is older than" in text
    pending = ".git/sessionlog/pending/shop/ada/2026-11-25.md"
    assert f"{pending}:4: 2026-11-25 09:00 Chose retries with idempotency keys" in text
    assert FIX in text
    assert remote_log(repo) == ["Set up sessionlog", "Initial commit"]  # nothing left the machine
    # The printed fix, run as printed, works.
    repo.run("sh", "-c", FIX.replace("sessionlog ", f"{repo_python()} -m sessionlog_git ", 1))
    assert remote_log(repo)[0] == "Session logs"
    assert MASTER in repo.head_files()
    assert repo.pending() == [] and repo.porcelain() == []


def repo_python() -> str:
    import sys

    return sys.executable


def test_entries_newer_than_the_pushed_commits_do_not_block(pushing: Repo) -> None:
    repo = pushing
    repo.append("app.py", "print('old')\n")
    repo.git("commit", "-q", "-am", "Older work",
             env={"GIT_COMMITTER_DATE": "2026-11-25T08:00:00+01:00"})
    repo.log("2026-11-25T09:00:00+01:00", "Still thinking about retries")  # after that commit
    out = push(repo)
    assert out.returncode == 0, out.stderr
    assert remote_log(repo)[0] == "Older work"
    assert len(repo.pending()) == 1  # still pending: it belongs to the next commit


def test_fix_mode_commits_only_our_paths_then_asks_to_push_again(pushing: Repo) -> None:
    repo = pushing
    repo.log("2026-11-25T09:00:00+01:00", "Retries", "Decision: exponential backoff")
    repo.append("app.py", "print('retry')\n")
    repo.git("commit", "-q", "--no-verify", "-am", "Retries")
    repo.write("wip.py", "x = 1\n")
    repo.git("add", "wip.py")  # the user's staged work must not be swept into our commit
    out = push(repo, env={"SESSIONLOG_PUSH_FIX": "1"})
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "committed the session logs as" in text and "push again (`git push`)" in text
    assert remote_log(repo)[0] == "Set up sessionlog"  # the push itself did not happen
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == "Session logs"
    files = repo.head_files()
    assert MASTER in files and "wip.py" not in files
    assert all(f.startswith("logs/") for f in files)
    assert repo.porcelain() == ["A  wip.py"]
    again = push(repo)
    assert again.returncode == 0, again.stderr
    assert remote_log(repo)[:2] == ["Session logs", "Retries"]


def test_fix_mode_from_the_config_file(pushing: Repo) -> None:
    repo = pushing
    repo.write(".sessionlog.yaml", repo.read(".sessionlog.yaml").replace("push_fix: false", "push_fix: true"))
    repo.git("commit", "-q", "-am", "Let the push hook commit session logs")
    repo.log("2026-11-25T09:00:00+01:00", "Retries")
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "Empty")
    out = push(repo)
    assert out.returncode != 0 and "push again" in out.stdout + out.stderr
    assert push(repo).returncode == 0


def test_refuses_views_that_do_not_match_their_archive(pushing: Repo) -> None:
    repo = pushing
    repo.log("2026-11-25T09:00:00+01:00", "Retries", "Decision: exponential backoff")
    repo.git("commit", "-q", "--allow-empty", "-m", "Consolidated")
    assert MASTER in repo.head_files()
    repo.write(MASTER, repo.read(MASTER).replace("exponential backoff", "linear backoff"))
    repo.git("commit", "-q", "--no-verify", "-am", "Hand edit")
    out = push(repo)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "do not match a fresh render of its logs/archive" in text
    assert f"{MASTER}: line " in text and "linear backoff" in text
    fix = 'sessionlog check --fix && git commit -m "Re-render session logs" -- logs && git push'
    assert fix in text
    repo.run("sh", "-c", fix.replace("sessionlog ", f"{repo_python()} -m sessionlog_git ", 1))
    assert remote_log(repo)[0] == "Re-render session logs"
    assert "exponential backoff" in repo.tracked(MASTER, "origin/main")


def test_new_branch_push_is_checked_too(pushing: Repo) -> None:
    repo = pushing
    repo.git("checkout", "-q", "-b", "feature")
    repo.log("2026-11-25T09:00:00+01:00", "Feature work")
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "Feature")
    out = repo.git("push", "-u", "origin", "feature", check=False)
    assert out.returncode != 0 and "push refused" in out.stdout + out.stderr


def test_idle_push_imports_no_heavy_library(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    remote = tmp_path / "remote.git"
    repo.git("init", "-q", "--bare", "-b", "main", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.append("app.py", "print('x')\n")
    repo.git("commit", "-q", "-am", "Code only")
    out = repo.git("push", "-q", "origin", "main", env={"PYTHONPROFILEIMPORTTIME": "1"})
    names = imported(out.stderr)
    assert "sessionlog_git" in names, "the hook ran our code"
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
