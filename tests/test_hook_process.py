"""The hooks' processes: the native commit hook and the assistants' hooks leave without the
interpreter's teardown once their work is done (`base.leave`), and the commit hook asks git about
the files an earlier run left unstaged before it renders (`consolidate._start_recover`). What git,
the assistant and the user see stays the same: the hook's messages, its exit code, the files it
staged or the session state it wrote; an exit handler or a running thread still gets its ordinary
exit; a file an earlier run wrote and the user unstaged is staged again."""
from __future__ import annotations

import json
import os
import subprocess
import time

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
        "from sessionlog_git.base.leave import leave\n"
        "leave(3)\n"
    )
    assert (done.returncode, done.stdout) == (3, "consolidated, unflushed")
    assert "teardown" not in done.stderr


def test_leave_takes_the_ordinary_exit_for_an_exit_handler_or_a_running_thread() -> None:
    handler = _python(
        "import atexit\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "from sessionlog_git.base.leave import leave\n"
        "leave(2)\n"
    )
    assert (handler.returncode, handler.stdout) == (2, "handler ran\n")
    thread = _python(
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    print('thread finished')\n"
        "threading.Thread(target=late).start()\n"
        "from sessionlog_git.base.leave import leave\n"
        "leave(0)\n"
    )
    assert (thread.returncode, thread.stdout) == (0, "thread finished\n")
    closed = _python(
        "import sys\n"
        "sys.stdout.close()\n"
        "from sessionlog_git.base.leave import leave\n"
        "leave(4)\n"
    )
    assert closed.returncode == 4


def _prompt(repo: Repo, command: str, session: str, *, verbose: bool = True,
            ) -> subprocess.CompletedProcess[str]:
    """The per-prompt hook as Claude Code runs it; PYTHONVERBOSE shows the teardown's
    `# cleanup` lines, when there is one."""
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), **({"PYTHONVERBOSE": "1"} if verbose else {})}
    return repo.run("sh", "-c", command, input=json.dumps({"session_id": session, "prompt": "hi"}),
                    env=env)


def test_the_prompt_hook_leaves_without_the_teardown_with_its_reminder_and_session_state(
    native_repo: Repo,
) -> None:
    repo = native_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    settings = json.loads(repo.read(".claude/settings.json"))
    (command,) = [h["command"] for g in settings["hooks"]["UserPromptSubmit"] for h in g["hooks"]]
    first = _prompt(repo, command, "s1", verbose=False)  # the handlers record the session
    assert first.returncode == 0
    later = time.time() + 5
    os.utime(repo.path / "app.py", (later, later))  # work, so the prompt has something to say
    done = _prompt(repo, command, "s1")
    assert done.returncode == 0
    assert "changed with no log entry" in done.stdout and "app.py" in done.stdout
    assert "# cleanup" not in done.stderr  # decided and left: no teardown
    state = json.loads((repo.state() / "sessions" / "s1.json").read_text())
    assert state["reminders"] == 1 and state["reminded_files"] == 1
    assert _prompt(repo, command, "s1").stdout == ""  # reminded once: the state was kept whole
    assert not (repo.state() / "hook-errors.log").exists()


def test_the_prompt_hook_takes_the_ordinary_exit_when_an_exit_handler_is_registered(
    native_repo: Repo,
) -> None:
    """What a `.pth` file of site-packages may do before the hook runs (coverage's does)."""
    from sessionlog_git.agents.entry import FAST_CODE

    repo = native_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    code = "import atexit, sys; atexit.register(lambda: print('handler ran')); " + FAST_CODE
    command = f"'{PYTHON}' -c \"{code}\" sessionlog_git hook user-prompt-submit"
    _prompt(repo, command, "s1", verbose=False)
    later = time.time() + 5
    os.utime(repo.path / "app.py", (later, later))
    done = _prompt(repo, command, "s1")
    assert done.returncode == 0
    assert "changed with no log entry" in done.stdout
    assert done.stdout.endswith("handler ran\n")  # after the hook's output, as it always was
    assert "# cleanup" in done.stderr


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
