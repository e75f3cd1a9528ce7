"""`sessionlog hook EVENT`: what Claude Code would see on stdout, and what lands on disk.

Each hook runs as Claude Code runs it: a subprocess with the event's JSON on stdin and
CLAUDE_PROJECT_DIR set. Time is pinned with SESSIONLOG_NOW where the outcome depends on it;
"files changed since" is driven by setting file modification times.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, Repo

from sessionlog_git.logs import entries


def _midday_now() -> datetime:
    """Now, at the UTC offset where it is about noon: the tests add up to an hour to it and
    read one day's temp log, so the local day must not turn meanwhile (a pinned time keeps
    its own offset: `base.clock.now`)."""
    at = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    return at.astimezone(timezone(timedelta(hours=12 - at.hour)))


NOW = _midday_now()
TODAY = NOW.date().isoformat()
PENDING = f".git/sessionlog/pending/shop/ada/{TODAY}.md"


def hook(repo: Repo, event: str, payload: dict[str, Any] | str | None = None, *,
         now: datetime | None = NOW, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    data = {"session_id": "s1", "cwd": str(repo.path), "hook_event_name": event}
    text = payload if isinstance(payload, str) else json.dumps({**data, **(payload or {})})
    environ = {"CLAUDE_PROJECT_DIR": str(repo.path), **(env or {})}
    if now is not None:
        environ["SESSIONLOG_NOW"] = now.isoformat()
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", event, input=text, env=environ,
                    check=False, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    return proc


def context(proc: subprocess.CompletedProcess[str], event: str) -> str:
    data = json.loads(proc.stdout)
    assert data["hookSpecificOutput"]["hookEventName"] == event
    text: str = data["hookSpecificOutput"]["additionalContext"]
    return text


def errors(repo: Repo) -> str:
    path = repo.path / ".git/sessionlog/hook-errors.log"
    return path.read_text() if path.exists() else ""


def touch(path: Path, when: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("x = 1\n")
    os.utime(path, (when, when))


@pytest.fixture
def setup(native_repo: Repo) -> Repo:
    return native_repo


# --------------------------------------------------------------------------- session-start


def test_session_start_gives_path_time_format_and_where_work_left_off(setup: Repo) -> None:
    repo = setup
    yesterday = NOW - timedelta(days=1)
    repo.log(yesterday.isoformat(), "Chose RS256 for tokens",
             "Decision: RS256 over HS256, because key rotation is required",
             "Blocked on: Redis session store not configured yet (ops)",
             "Blocked on: staging certificate",
             "Next: wire the refresh endpoint")
    repo.log((yesterday + timedelta(minutes=30)).isoformat(), "Got the certificate",
             "Unblocked: staging certificate arrived")
    text = context(hook(repo, "session-start", {"source": "startup"}), "SessionStart")
    assert f"Today's temp log: {PENDING} (no entries yet today)" in text
    assert f"Local time now: {NOW:%Y-%m-%d %a %H:%M}" in text
    assert "Europe/Berlin" not in text or "UTC+" in text
    assert "`## HH:MM - Title`" in text and "Decision:" in text
    assert "sh .git/sessionlog/run log" in text or "`sessionlog log" in text
    assert f"- {yesterday:%Y-%m-%d %H:%M} Chose RS256 for tokens" in text
    assert "Open blockers:\n- Redis session store not configured yet (ops) (ada, since" in text
    assert "staging certificate" not in text.split("Open blockers:")[1].split("Next steps")[0]
    assert "Next steps (from" in text and "- wire the refresh endpoint" in text
    assert len(text) < 2000
    assert errors(repo) == ""


def test_session_start_reads_the_archive_after_a_commit(setup: Repo) -> None:
    repo = setup
    repo.log((NOW - timedelta(days=2)).isoformat(), "Archived work", "Blocked on: vendor API key")
    repo.write("app.py", "print('v2')\n")
    repo.git("commit", "-qam", "v2")
    assert repo.pending() == [] and repo.archive()
    text = context(hook(repo, "session-start"), "SessionStart")
    assert "Archived work" in text and "vendor API key" in text


def test_session_start_stays_under_2000_characters(setup: Repo) -> None:
    repo = setup
    for i in range(12):
        repo.log((NOW - timedelta(hours=20 - i)).isoformat(), f"Entry {i} " + "word " * 50,
                 *[f"Blocked on: thing {i}-{j} " + "detail " * 30 for j in range(3)],
                 "Next: " + "step " * 60)
    text = context(hook(repo, "session-start"), "SessionStart")
    assert len(text) < 2000
    assert PENDING in text


def test_session_start_after_compaction_lists_what_this_session_logged(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start", {"source": "startup"})
    repo.log(NOW.isoformat(), "Found the root cause", "Root cause: clock skew")
    text = context(hook(repo, "session-start", {"source": "compact"}), "SessionStart")
    assert "Logged in this session so far:" in text
    assert f"- {NOW:%H:%M} Found the root cause" in text
    assert PENDING in text


# --------------------------------------------------------------------------- prompts


def test_prompt_stays_silent_without_work_read_only_session(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    for minutes in (0, 1, 30, 60, 120):  # no entry today, but nothing to log: no words
        assert hook(repo, "user-prompt-submit", {"prompt": "explain"},
                    now=NOW + timedelta(minutes=minutes)).stdout == ""


def test_prompt_reminds_once_then_escalates_with_time_and_work(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    touch(repo.path / "app.py", time.time() + 5)
    first = context(hook(repo, "user-prompt-submit", {"prompt": "go"}), "UserPromptSubmit")
    assert first.startswith("sessionlog: 1 file changed with no log entry (last: none yet): app.py")
    assert "log --agent claude-code" in first and "Trivial or exploratory work needs no entry" in first
    assert "\n" not in first
    # The same prompt again, and again later with no more work: silent.
    assert hook(repo, "user-prompt-submit", now=NOW + timedelta(minutes=2)).stdout == ""
    assert hook(repo, "user-prompt-submit", now=NOW + timedelta(minutes=50)).stdout == ""
    # A gap later and more work: a different, escalated text.
    touch(repo.path / "api.py", time.time() + 6)
    later = NOW + timedelta(minutes=51)
    second = context(hook(repo, "user-prompt-submit", now=later), "UserPromptSubmit")
    assert second.startswith("sessionlog: still no log entry for about 51 min of work (2 files:")
    assert second != first and PENDING in second and f"{later:%H:%M}" in second
    assert hook(repo, "user-prompt-submit", now=later + timedelta(minutes=1)).stdout == ""


def test_prompt_after_a_recent_entry_prints_nothing(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    repo.log(NOW.isoformat(), "Fresh entry")
    touch(repo.path / "app.py", time.time() + 5)
    assert hook(repo, "user-prompt-submit", now=NOW + timedelta(minutes=10)).stdout == ""


def test_prompt_reminds_when_the_entry_is_a_gap_old_and_files_changed(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    repo.log(NOW.isoformat(), "Early entry")
    later = NOW + timedelta(minutes=50)
    # Old entry, nothing changed since: silent.
    assert hook(repo, "user-prompt-submit", now=later).stdout == ""
    touch(repo.path / "src/api.py", time.time() + 5)
    text = context(hook(repo, "user-prompt-submit", now=later), "UserPromptSubmit")
    assert text.startswith(f"sessionlog: 1 file changed with no log entry (last: {NOW:%Y-%m-%d %H:%M})")
    assert "src/api.py" in text
    # Reminded once; the next prompt is quiet again.
    assert hook(repo, "user-prompt-submit", now=later + timedelta(minutes=1)).stdout == ""


def test_trivial_changes_never_ask_for_an_entry(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    for rel in ("docs/guide.rst", "NOTES.md", "package-lock.json", "web/yarn.lock", "go.sum"):
        touch(repo.path / rel, time.time() + 5)
    for minutes in (0, 50, 120):
        at = NOW + timedelta(minutes=minutes)
        assert hook(repo, "user-prompt-submit", now=at).stdout == ""
        assert stop(repo, now=at).returncode == 0


def test_gap_is_configurable(setup: Repo) -> None:
    repo = setup
    config = repo.path / ".sessionlog.yaml"
    config.write_text(config.read_text().replace("gap_minutes: 45", "gap_minutes: 10"))
    repo.sl("consolidate", "--dry-run")  # any command refreshes the config cache
    hook(repo, "session-start")
    repo.log(NOW.isoformat(), "Entry")
    touch(repo.path / "app.py", time.time() + 5)
    assert hook(repo, "user-prompt-submit", now=NOW + timedelta(minutes=9)).stdout == ""
    proc = hook(repo, "user-prompt-submit", now=NOW + timedelta(minutes=15))
    assert "app.py" in context(proc, "UserPromptSubmit")


def test_changed_files_skip_logs_state_dependencies_and_ignored_folders(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    repo.log(NOW.isoformat(), "Entry")
    later = time.time() + 5
    repo.write(".gitignore", "# build output\ngenerated/\n*.log\n")
    touch(repo.path / ".gitignore", 0)
    for rel in ("node_modules/x/index.js", "logs/notes.md", ".sessionlog/junk.md",
                "generated/out.py", ".venv/lib/site.py", "build/a.o", ".git/FETCH_HEAD"):
        touch(repo.path / rel, later)
    assert hook(repo, "user-prompt-submit", now=NOW + timedelta(hours=1)).stdout == ""
    touch(repo.path / ".github/workflows/ci.yml", later)
    proc = hook(repo, "user-prompt-submit", now=NOW + timedelta(hours=1))
    assert ".github/workflows/ci.yml" in context(proc, "UserPromptSubmit")


# --------------------------------------------------------------------------- stop


def stop(repo: Repo, payload: dict[str, Any] | None = None, *, now: datetime = NOW,
         agent: str = "") -> subprocess.CompletedProcess[str]:
    """The Stop hook as the CLI runs it: exit 0 (let it finish) or a block."""
    data = {"session_id": "s1", "cwd": str(repo.path), "hook_event_name": "Stop",
            **(payload or {})}
    args = ["--agent", agent] if agent else []
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "stop", *args,
                    input=json.dumps(data), check=False,
                    env={"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": now.isoformat()})
    assert proc.returncode in (0, 2), proc.stderr
    if proc.returncode == 0:
        assert proc.stderr == "", proc.stderr
    return proc


def test_stop_blocks_once_per_gap_for_work_unlogged_a_whole_gap(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    touch(repo.path / "billing.py", time.time() + 5)
    assert stop(repo).returncode == 0  # work just began: let it finish
    assert stop(repo, now=NOW + timedelta(minutes=44)).returncode == 0
    blocked = stop(repo, now=NOW + timedelta(minutes=46))
    # Claude Code: exit 2, the reason on stderr (shown once, as "Stop hook feedback").
    assert blocked.returncode == 2 and blocked.stdout == ""
    reason = blocked.stderr.strip()
    assert reason.startswith("sessionlog: files changed over about 46 min with no log entry")
    assert "billing.py" in reason and "if it was trivial, just finish" in reason
    assert str(repo.path) not in reason and len(reason) < 400
    assert stop(repo, now=NOW + timedelta(minutes=50)).returncode == 0  # once per gap
    assert stop(repo, {"stop_hook_active": True}, now=NOW + timedelta(hours=3)).returncode == 0
    # An entry: never within the gap after it, even with new work.
    later = NOW + timedelta(minutes=100)
    repo.log(later.isoformat(), "Billing")
    touch(repo.path / "billing.py", (later + timedelta(minutes=1)).timestamp())
    assert stop(repo, now=later + timedelta(minutes=30)).returncode == 0
    assert stop(repo, now=later + timedelta(minutes=50)).returncode == 2


def test_stop_blocks_by_json_decision_where_the_cli_shows_it_once(setup: Repo) -> None:
    repo = setup
    for agent in ("codex", "gemini"):
        hook(repo, "session-start", {"session_id": "s1", "source": "clear"})
        touch(repo.path / "billing.py", time.time() + 5)
        # The mtime is real time; NOW is the minute this module was imported, which may be
        # minutes before this test runs: the pinned clock is read afresh, 50 min past the edit.
        proc = stop(repo, now=_midday_now() + timedelta(minutes=50), agent=agent)
        assert proc.returncode == 0 and proc.stderr == ""
        out = json.loads(proc.stdout)
        assert out["decision"] == "block" and "billing.py" in out["reason"]


def test_stop_never_blocks_when_already_continuing_or_switched_off(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    touch(repo.path / "billing.py", time.time() + 5)
    later = NOW + timedelta(hours=1)
    assert stop(repo, {"stop_hook_active": True}, now=later).returncode == 0
    config = repo.path / ".sessionlog.yaml"
    config.write_text(config.read_text().replace("stop_hook: true", "stop_hook: false"))
    # No command ran since the edit: the hook reads the key without the parse cache.
    assert stop(repo, now=later).returncode == 0


def test_stop_without_changes_or_with_logged_work_passes(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    assert stop(repo, now=NOW + timedelta(hours=1)).returncode == 0
    touch(repo.path / "billing.py", time.time() + 1)
    repo.log(NOW.isoformat(), "Billing")
    pending = next(iter(repo.pending()))
    os.utime(pending, (time.time() + 5, time.time() + 5))  # the entry came after the edit
    assert stop(repo, now=NOW + timedelta(hours=1)).returncode == 0


def test_resumed_session_keeps_its_state(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    touch(repo.path / "app.py", time.time() + 5)
    assert hook(repo, "user-prompt-submit").stdout != ""
    assert stop(repo, now=NOW + timedelta(minutes=46)).returncode == 2
    # `claude -p --continue` / `--resume`: the same session_id, a new process.
    for source in ("resume", "startup"):
        hook(repo, "session-start", {"source": source})
        assert hook(repo, "user-prompt-submit").stdout == ""  # reminded already
        assert stop(repo, now=NOW + timedelta(minutes=50)).returncode == 0  # blocked already


def test_automatic_entries_never_count_as_entries(setup: Repo) -> None:
    repo = setup
    repo.log((NOW - timedelta(days=1)).isoformat(), "Yesterday's entry")
    hook(repo, "session-start")
    time.sleep(0.05)
    touch(repo.path / "billing.py", time.time())
    hook(repo, "session-end")
    assert "Automatic entry" in (repo.path / PENDING).read_text()
    touch(repo.path / "billing.py", time.time() + 5)
    start = context(hook(repo, "session-start", {"session_id": "s2"}), "SessionStart")
    assert "Automatic entry" not in start and "Yesterday's entry" in start
    text = context(hook(repo, "user-prompt-submit", {"session_id": "s2"}), "UserPromptSubmit")
    assert f"(last: {NOW - timedelta(days=1):%Y-%m-%d %H:%M})" in text
    compact = hook(repo, "pre-compact").stdout
    assert "Yesterday's entry" in compact and "Automatic entry" not in compact


def test_broken_config_is_reported_once_then_no_entry_is_asked(setup: Repo) -> None:
    repo = setup
    (repo.path / ".sessionlog.yaml").write_text("project: shop\nreminders:\n  gap_minuts: 5\n")
    start = context(hook(repo, "session-start"), "SessionStart")
    first = start.splitlines()[0]
    assert first.startswith("sessionlog: .sessionlog.yaml: line 3: `reminders.gap_minuts`"), first
    assert "Fix: " in first and "will not ask for log entries" in first
    touch(repo.path / "app.py", time.time() + 5)
    assert hook(repo, "user-prompt-submit").stdout == ""
    assert stop(repo, now=NOW + timedelta(hours=2)).returncode == 0
    # A session that did not hear it yet hears it once, from its first prompt.
    said = context(hook(repo, "user-prompt-submit", {"session_id": "s3"}), "UserPromptSubmit")
    assert said == first
    assert hook(repo, "user-prompt-submit", {"session_id": "s3"}).stdout == ""
    assert errors(repo) == ""


# --------------------------------------------------------------------------- compaction, end


def test_pre_compact_asks_to_keep_the_path_and_unlogged_decisions(setup: Repo) -> None:
    repo = setup
    repo.log(NOW.isoformat(), "Chose Postgres")
    out = hook(repo, "pre-compact", {"trigger": "manual"}).stdout
    assert not out.startswith("{")
    assert PENDING in out and "decision" in out and '"Chose Postgres"' in out


def test_session_end_marks_unlogged_work_with_an_automatic_entry(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    time.sleep(0.05)
    touch(repo.path / "billing.py", time.time())
    touch(repo.path / "tests/test_billing.py", time.time())
    assert hook(repo, "session-end", {"reason": "prompt_input_exit"}).stdout == ""
    log = entries.parse((repo.path / PENDING).read_text())
    assert not log.problems
    (entry,) = log.entries
    assert entry.title == "Automatic entry: session ended without a log entry"
    assert entry.meta["auto"] == "session-end"
    assert entry.bullets[0].text.startswith("Files changed since ")
    assert "billing.py, tests/test_billing.py" in entry.bullets[0].text
    # The gap is logged: ending again adds nothing.
    hook(repo, "session-end")
    assert len(entries.parse((repo.path / PENDING).read_text()).entries) == 1


def test_session_end_without_work_writes_nothing(setup: Repo) -> None:
    repo = setup
    hook(repo, "session-start")
    hook(repo, "session-end")
    assert repo.pending() == []


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", '{"session_id": 5, "cwd": 7}'])
def test_lenient_stdin_never_fails(setup: Repo, stdin: str) -> None:
    for event in ("session-start", "user-prompt-submit", "stop", "pre-compact", "session-end"):
        hook(setup, event, stdin)
    assert errors(setup) == ""


def test_unknown_event_and_broken_config_exit_0_and_log_the_error(setup: Repo) -> None:
    repo = setup
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "post-everything", input="{}",
                    env={"CLAUDE_PROJECT_DIR": str(repo.path)}, check=False)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "unknown hook event 'post-everything'" in proc.stderr  # seen by whoever runs it
    assert "unknown hook event 'post-everything'" in errors(repo)
    (repo.path / ".sessionlog.yaml").write_text("project: [unclosed\ntimezone: Mars/Base\n")
    text = context(hook(repo, "session-start"), "SessionStart")
    assert "Today's temp log:" in text  # defaults, still useful


def test_outside_a_repository_prints_nothing(tmp_path: Path, setup: Repo) -> None:
    proc = subprocess.run(
        [PYTHON, "-m", "sessionlog_git", "hook", "session-start"], input="{}", cwd=tmp_path,
        capture_output=True, text=True, env={**os.environ, "CLAUDE_PROJECT_DIR": ""}, check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "")


def test_hook_finds_the_top_from_a_subfolder_cwd(setup: Repo) -> None:
    repo = setup
    sub = repo.path / "src" / "deep"
    sub.mkdir(parents=True)
    data = json.dumps({"session_id": "s", "cwd": str(sub)})
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start", input=data,
                    env={"CLAUDE_PROJECT_DIR": "", "SESSIONLOG_NOW": NOW.isoformat()}, cwd=sub)
    assert PENDING in context(proc, "SessionStart")


HEAVY = ("git", "jinja2", "ruamel", "filelock", "sessionlog_git.gitops", "sessionlog_git.pipeline.render")


def test_hooks_import_only_the_standard_library_and_start_no_git(setup: Repo) -> None:
    repo = setup
    repo.log((NOW - timedelta(hours=2)).isoformat(), "Old entry", "Blocked on: x")
    (repo.path / ".sessionlog.yaml").write_text(
        repo.read(".sessionlog.yaml") + "\n# edited: the parse cache is stale now\n"
    )
    probe = (
        "import io, json, sys\n"
        "from sessionlog_git.agents import entry\n"
        "for event in sys.argv[1:]:\n"
        "    sys.stdin = io.StringIO(json.dumps({'session_id': 'p', 'source': 'compact'}))\n"
        "    entry.run(event)\n"
        "print('MODULES', json.dumps(sorted(sys.modules)))\n"
    )
    fake_bin = repo.path.parent / "fakebin"
    fake_bin.mkdir()
    marker = repo.path.parent / "git-was-run"
    (fake_bin / "git").write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    (fake_bin / "git").chmod(0o755)
    touch(repo.path / "app.py", time.time() + 5)
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), "PATH": f"{fake_bin}:{os.environ['PATH']}",
           "SESSIONLOG_NOW": NOW.isoformat()}
    proc = repo.run(PYTHON, "-c", probe, "session-start", "user-prompt-submit", "stop",
                    "pre-compact", "session-end", env=env)
    modules = json.loads(proc.stdout.rsplit("MODULES ", 1)[1])
    heavy = [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY]
    assert heavy == []
    assert not marker.exists()
    assert errors(repo) == ""
    # The real entry point too: `python -X importtime -m sessionlog_git hook ...`.
    proc = repo.run(PYTHON, "-X", "importtime", "-m", "sessionlog_git", "hook", "stop",
                    input="{}", env=env)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert not {m for m in imported if m.split(".")[0] in HEAVY or m in HEAVY}


# --------------------------------------------------------------------------- the user


@pytest.mark.parametrize(
    "setting",
    [
        {"local": {"github.user": "ada-gh"}},
        {"local": {"user.name": "Grace Hopper"}, "login": None},
        {"global": {"github.user": "grace"}, "login": None},
        {"env": "pinned-user"},
        {"config_user": "cfg-user"},
    ],
)
def test_hook_and_sessionlog_log_agree_on_the_user(tmp_path: Path, setting: dict[str, Any]) -> None:
    from conftest import make_repo

    repo = make_repo(tmp_path / "shop", login=setting.get("login", "ada"))
    for key, value in setting.get("local", {}).items():
        repo.git("config", key, value)
    for key, value in setting.get("global", {}).items():
        repo.git("config", "--global", key, value)
    repo.sl("init", "--hooks", "none")
    if "config_user" in setting:
        config = repo.path / ".sessionlog.yaml"
        config.write_text(config.read_text().replace('user: ""', f"user: {setting['config_user']}"))
    env = {"SESSIONLOG_USER": setting["env"]} if "env" in setting else {}
    out = repo.sl("log", "Entry", env={"SESSIONLOG_NOW": NOW.isoformat(), **env}).stdout
    logged = out.split(" to ", 1)[1].strip()
    text = context(hook(repo, "session-start", env=env), "SessionStart")
    assert f"Today's temp log: {logged}\n" in text


def test_hook_follows_include_if_like_git(tmp_path: Path) -> None:
    from conftest import make_repo

    repo = make_repo(tmp_path / "work" / "shop", login=None)
    (tmp_path / "work.inc").write_text("[github]\n\tuser = \"work-login\"  ; from the include\n")
    repo.git("config", "--global", f"includeIf.gitdir:{tmp_path / 'work'}/.path",
             str(tmp_path / "work.inc"))
    assert repo.git("config", "github.user").stdout.strip() == "work-login"
    repo.sl("init", "--hooks", "none")
    text = context(hook(repo, "session-start"), "SessionStart")
    assert f"Today's temp log: .git/sessionlog/pending/shop/work-login/{TODAY}.md" in text


def test_hook_lock_excludes_a_consolidation_lock(tmp_path: Path) -> None:
    from filelock import FileLock

    from sessionlog_git.base.lock import flocked
    from sessionlog_git.errors import LockTimeout

    state = tmp_path / ".sessionlog"
    state.mkdir()
    with FileLock(str(state / "lock")), pytest.raises(LockTimeout), flocked(state, timeout=0.2):
        pass
    with flocked(state, timeout=0.2):
        pass  # free again


def test_sessionlog_resume_prints_the_same_summary(setup: Repo) -> None:
    repo = setup
    repo.log(NOW.isoformat(), "Chose Postgres", "Next: write the migration")
    out = repo.sl("resume", env={"SESSIONLOG_NOW": NOW.isoformat()}).stdout
    assert f"Today's temp log: {PENDING}\n" in out
    assert "Chose Postgres" in out and "- write the migration" in out
    assert sys.executable  # the hook uses the same interpreter the tests run


def test_session_start_and_resume_count_todays_committed_entries(setup: Repo) -> None:
    """After a commit consolidates today's log, neither says "no entries yet today" above it."""
    repo = setup
    earlier = NOW.replace(hour=0, minute=5) if NOW.hour else NOW
    repo.log(earlier.isoformat(), "Split the payment service",
             "Decision: two services, because settlement scales separately")
    repo.git("commit", "-q", "--allow-empty", "-m", "Split payments")
    assert not repo.pending()
    text = context(hook(repo, "session-start", {"source": "startup"}), "SessionStart")
    resume = repo.sl("resume", env={"SESSIONLOG_NOW": NOW.isoformat()}).stdout
    for said in (text, resume):
        assert "no entries yet today" not in said
        assert (f"Today's temp log: {PENDING} (empty: today's 1 entry is already committed to the "
                "archive; the log command starts it again)") in said
        assert f"- {earlier:%Y-%m-%d %H:%M} Split the payment service" in said


def test_session_end_marks_at_most_one_gap_per_gap(setup: Repo) -> None:
    """`claude -p` ends a session after every prompt: one gap marker per gap, not per prompt."""
    repo = setup
    hook(repo, "session-start")
    touch(repo.path / "billing.py", time.time() + 5)
    hook(repo, "session-end")
    touch(repo.path / "billing.py", time.time() + 10)
    hook(repo, "session-end", now=NOW + timedelta(minutes=10))
    assert len(entries.parse((repo.path / PENDING).read_text()).entries) == 1
    touch(repo.path / "billing.py", (NOW + timedelta(minutes=49)).timestamp())
    hook(repo, "session-end", now=NOW + timedelta(minutes=50))
    assert len(entries.parse((repo.path / PENDING).read_text()).entries) == 2
