"""The native commit hook's process: it leaves without the interpreter's teardown once its work
is done (`gitentry._leave`), and asks git about the files an earlier run left unstaged before it
renders (`consolidate._start_recover`). What git and the user see stays the same: the hook's
messages, its exit code, the files it staged; an exit handler or a running thread still gets its
ordinary exit; a file an earlier run wrote and the user unstaged is staged again."""
from __future__ import annotations

import subprocess

from conftest import PYTHON, Repo


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=False,
                          timeout=60)


def test_a_commit_with_a_new_entry_shows_the_hooks_report_and_commits_its_files(
    native_repo: Repo,
) -> None:
    repo = native_repo
    repo.log("2026-11-10T09:00:00+00:00", "Retry the card charge", "Decision: retry three times")
    repo.write("app.py", "print('retry')\n")
    repo.git("add", "app.py")
    done = repo.git("commit", "-m", "Retry charges")
    said = done.stdout + done.stderr
    assert "sessionlog: consolidated 1 entry from 1 temp log (2026-11-10)" in said
    assert "staged 3 files" in said
    stat = repo.git("show", "--stat=200", "--format=", "HEAD").stdout
    assert "app.py" in stat
    assert "logs/archive/2026-11/shop/ada/2026-11-10-" in stat
    assert "logs/shop-session-log-2026-11.md" in stat
    assert "logs/shop-status.md" in stat
    assert repo.porcelain() == []
    assert repo.pending() == []
    assert "Retry the card charge" in repo.read("logs/shop-session-log-2026-11.md")


def test_a_hook_that_refuses_exits_non_zero_with_its_message_and_commits_nothing(
    native_repo: Repo,
) -> None:
    repo = native_repo
    repo.log("2026-11-10T09:00:00+00:00", "First", "Decision: keep the ledger")
    repo.git("commit", "-q", "--allow-empty", "-m", "First")
    head = repo.git("rev-parse", "HEAD").stdout
    repo.append("logs/shop-status.md", "my own note\n")  # a hand edit in a generated view
    repo.log("2026-11-11T09:00:00+00:00", "Second", "Next: audit the ledger")
    refused = repo.git("commit", "--allow-empty", "-m", "Second", check=False)
    assert refused.returncode != 0
    assert "logs/shop-status.md: has changes that are not staged" in refused.stderr + refused.stdout
    assert repo.git("rev-parse", "HEAD").stdout == head
    assert not (repo.path / ".git" / "index.lock").exists()  # no git of ours left running
    assert len(repo.pending()) == 1
    assert "my own note" in repo.read("logs/shop-status.md")


def test_leave_flushes_the_output_and_keeps_the_exit_code_without_the_teardown() -> None:
    # A finalizer of a module-level object runs only in the interpreter's teardown.
    done = _python(
        "import sys\n"
        "class Noisy:\n"
        "    def __del__(self): print('teardown', file=sys.stderr)\n"
        "keep = Noisy()\n"
        "sys.stdout.write('consolidated, unflushed')\n"
        "from sessionlog_git.gitentry import _leave\n"
        "_leave(3)\n"
    )
    assert (done.returncode, done.stdout) == (3, "consolidated, unflushed")
    assert "teardown" not in done.stderr


def test_leave_takes_the_ordinary_exit_for_an_exit_handler_or_a_running_thread() -> None:
    handler = _python(
        "import atexit\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "from sessionlog_git.gitentry import _leave\n"
        "_leave(2)\n"
    )
    assert (handler.returncode, handler.stdout) == (2, "handler ran\n")
    thread = _python(
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    print('thread finished')\n"
        "threading.Thread(target=late).start()\n"
        "from sessionlog_git.gitentry import _leave\n"
        "_leave(0)\n"
    )
    assert (thread.returncode, thread.stdout) == (0, "thread finished\n")
    closed = _python(
        "import sys\n"
        "sys.stdout.close()\n"
        "from sessionlog_git.gitentry import _leave\n"
        "_leave(4)\n"
    )
    assert closed.returncode == 4


def test_files_an_earlier_run_left_unstaged_are_staged_again_with_the_next_day(
    native_repo: Repo,
) -> None:
    repo = native_repo
    repo.log("2026-11-10T09:00:00+00:00", "First day", "Decision: keep the ledger")
    repo.sl("consolidate")
    first = [p.relative_to(repo.path).as_posix() for p in repo.archive()]
    assert len(first) == 1
    repo.git("reset", "-q")  # the user unstages what that run staged
    assert f"?? {first[0]}" in repo.porcelain()
    repo.log("2026-11-12T09:00:00+00:00", "Second day", "Next: audit the ledger")
    repo.write("app.py", "print('audit')\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "-m", "Two days")
    committed = repo.head_files()
    assert first[0] in committed  # not written again by this run: git was asked about it
    assert len([p for p in committed if p.startswith("logs/archive/")]) == 2
    assert "logs/shop-session-log-2026-11.md" in committed
    assert "logs/shop-status.md" in committed
    assert repo.porcelain() == []
    assert repo.pending() == []
