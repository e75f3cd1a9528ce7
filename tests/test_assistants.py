"""Codex CLI and Gemini CLI next to Claude Code: init, uninstall, doctor, hook output, attribution.

What a user sees: the files in their repository, the command output and exit codes, the exact
stdout each CLI gets from `sessionlog hook EVENT --agent NAME` (the shapes verified against
the real CLIs in tests/e2e), and the agent each entry is attributed to in the master log.
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, Repo

from sessionlog_git.agents import doctor as agents_doctor
from sessionlog_git.agents import registry
from sessionlog_git.agents.settings import hook_command
from sessionlog_git.constants import BLOCK_BEGIN

NOW = datetime.now().astimezone().replace(second=0, microsecond=0)
TODAY = NOW.date().isoformat()
PENDING = f".git/sessionlog/pending/shop/ada/{TODAY}.md"

USER_CODEX = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "make lint", "timeout": 30}]}]}}
USER_GEMINI: dict[str, Any] = {
    "ui": {"theme": "GitHub"},
    "hooks": {
        "enabled": True,
        "BeforeTool": [{"matcher": "write_file", "hooks": [{"type": "command", "command": "fmt"}]}],
    },
}
USER_AGENTS_MD = "# Shop\n\nRun `make test` before pushing.\n"
USER_GEMINI_MD = "# Shop for Gemini\n"


def read_json(repo: Repo, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(repo.read(rel))
    return data


def handlers(data: dict[str, Any], event: str) -> list[dict[str, Any]]:
    return [h for g in data["hooks"].get(event, []) for h in g["hooks"]]


@pytest.fixture
def user_repo(repo: Repo) -> Repo:
    repo.write(".codex/hooks.json", json.dumps(USER_CODEX, indent=2) + "\n")
    repo.write(".gemini/settings.json", json.dumps(USER_GEMINI, indent=2) + "\n")
    repo.write("AGENTS.md", USER_AGENTS_MD)
    repo.write("GEMINI.md", USER_GEMINI_MD)
    return repo


# --------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("name", list(registry.ASSISTANTS))
def test_init_and_uninstall_follow_each_registry_row(repo: Repo, name: str) -> None:
    """What init writes for an assistant is its row: hooks file, events, timeouts in its unit,
    instructions file, extra files; uninstall takes all of it out again."""
    assistant = registry.ASSISTANTS[name]
    repo.sl("init", "--hooks", "none", "--agent", name)
    flag = "" if name == registry.DEFAULT else f" --agent {name}"
    if assistant.settings:
        data = read_json(repo, assistant.settings)
        wanted = {native: (event, timeout) for event, native, timeout in assistant.hooked()}
        assert set(data["hooks"]) == set(wanted)
        for native, (event, timeout) in wanted.items():
            if assistant.handler is None:  # Claude-shaped: matcher groups
                (handler,) = handlers(data, native)
            else:  # flat: the row's handler, filled in
                (handler,) = data["hooks"][native]
                assert set(handler) == set(assistant.handler)
            command = handler.get("command") or handler["bash"]
            assert command.endswith(f" hook {event}{flag}")
            if "timeout" in handler or "timeoutSec" in handler:
                assert handler.get("timeout", handler.get("timeoutSec")) == timeout
            assert timeout >= (1000 if assistant.unit == "ms" else 1)
    if assistant.instructions:
        assert BLOCK_BEGIN in repo.read(assistant.instructions)
    for rel, _ in assistant.extra_files:
        assert "sessionlog:begin" in repo.read(rel) or name == registry.DEFAULT, rel  # the block
    repo.sl("uninstall")
    gone = [assistant.settings, assistant.instructions, *(rel for rel, _ in assistant.extra_files)]
    assert not any((repo.path / rel).exists() for rel in gone if rel)
    assert not any((repo.path / folder).exists() for folder in assistant.folders)
    assert not any((repo.path / folder).exists() for folder in assistant.folders)


def test_labels_aliases_and_shell_markers_come_from_the_rows() -> None:
    for assistant in registry.ASSISTANTS.values():
        for spelling in (assistant.name, assistant.label, *assistant.aliases, f" {assistant.name.upper()}"):
            assert registry.agent_label(spelling) == assistant.label
        assert registry.detected_agent({assistant.shell_marker: "1"}) == assistant.label
        assert registry.detected_agent({assistant.shell_marker: "0"}) == ""
        assert assistant.output in registry.FORMATTERS
        assert assistant.trust in ("", *agents_doctor.TRUST_CHECKS)
        for event in registry.EVENTS:
            assert assistant.format(event, "context", "") == ""
    assert registry.agent_label("aider") == "aider"  # unknown: recorded as given


# --------------------------------------------------------------------------- init


def test_init_sets_up_codex_and_gemini_keeping_user_content(user_repo: Repo) -> None:
    repo = user_repo
    out = repo.sl("init", "--hooks", "native", "--agent", "codex,gemini").stdout
    assert "update .codex/hooks.json: sessionlog hooks (SessionStart, UserPromptSubmit, Stop, " \
           "SessionEnd, PreToolUse)" in out
    assert "update .gemini/settings.json: sessionlog hooks (SessionStart, BeforeAgent, " \
           "AfterAgent, SessionEnd, AfterTool)" in out
    assert "add the sessionlog block in AGENTS.md" in out and "add the sessionlog block in GEMINI.md" in out
    assert not (repo.path / ".claude").exists() and not (repo.path / "CLAUDE.md").exists()

    codex = read_json(repo, ".codex/hooks.json")
    assert handlers(codex, "Stop")[0] == USER_CODEX["hooks"]["Stop"][0]["hooks"][0]
    expect = {"SessionStart": ("session-start", 15), "UserPromptSubmit": ("user-prompt-submit", 10),
              "Stop": ("stop", 15), "SessionEnd": ("session-end", 3),  # seconds; Codex caps SessionEnd at 3
              "PreToolUse": ("pre-tool-use", 5)}
    for event, (ours, timeout) in expect.items():
        assert {"type": "command", "command": hook_command(ours, "codex"), "timeout": timeout} \
            in handlers(codex, event), event
    assert set(codex["hooks"]) == set(expect)

    gemini = read_json(repo, ".gemini/settings.json")
    assert gemini["ui"] == {"theme": "GitHub"} and gemini["hooks"]["enabled"] is True
    assert gemini["hooks"]["BeforeTool"] == USER_GEMINI["hooks"]["BeforeTool"]
    expect = {"SessionStart": ("session-start", 15000), "BeforeAgent": ("user-prompt-submit", 10000),
              "AfterAgent": ("stop", 15000), "SessionEnd": ("session-end", 15000),  # milliseconds
              "AfterTool": ("post-tool-use", 5000)}
    for event, (ours, timeout) in expect.items():
        assert handlers(gemini, event) == [
            {"type": "command", "command": hook_command(ours, "gemini"), "timeout": timeout}
        ], event

    agents_md, gemini_md = repo.read("AGENTS.md"), repo.read("GEMINI.md")
    assert agents_md.startswith(USER_AGENTS_MD) and gemini_md.startswith(USER_GEMINI_MD)
    # This clone's launcher: it runs here without sessionlog on PATH, and names no machine path.
    assert '`sh .git/sessionlog/run log --agent codex "Short title"' in agents_md
    assert '`sh .git/sessionlog/run log --agent gemini "Short title"' in gemini_md
    assert PYTHON not in agents_md and PYTHON not in gemini_md
    for text in (agents_md, gemini_md):
        assert text.count("<!-- sessionlog:begin -->") == 1
        assert "What NOT to log:" in text and "session-logger" not in text
        assert text.endswith("then push.\n<!-- sessionlog:end -->\n")


def test_init_twice_changes_nothing(user_repo: Repo) -> None:
    repo = user_repo
    repo.sl("init", "--hooks", "none", "--agent", "all")
    files = (".codex/hooks.json", ".gemini/settings.json", "AGENTS.md", "GEMINI.md",
             ".claude/settings.json", "CLAUDE.md")
    before = {p: repo.read(p) for p in files}
    out = repo.sl("init", "--hooks", "none", "--agent", "claude,codex,gemini").stdout
    assert all(line.strip().startswith("unchanged:") for line in out.splitlines()[1:]), out
    assert {p: repo.read(p) for p in files} == before


def test_unknown_agent_is_a_usage_error_naming_the_valid_ones(repo: Repo) -> None:
    proc = repo.sl("init", "--agent", "codex,aider", check=False)
    assert proc.returncode == 2
    assert "unknown assistant 'aider'" in proc.stderr
    assert "claude, codex, gemini, copilot, qwen, opencode, cursor, windsurf" in proc.stderr
    assert "`all`" in proc.stderr
    assert not (repo.path / ".sessionlog.yaml").exists() and not (repo.path / ".codex").exists()


def test_dry_run_writes_nothing(repo: Repo) -> None:
    out = repo.sl("init", "--agent", "gemini,codex", "--dry-run").stdout
    assert "would create .codex/hooks.json" in out and "would create .gemini/settings.json" in out
    for rel in (".codex", ".gemini", "AGENTS.md", "GEMINI.md"):
        assert not (repo.path / rel).exists(), rel


def test_invalid_gemini_settings_is_refused_with_place_and_fix(repo: Repo) -> None:
    repo.write(".gemini/settings.json", '{\n  "ui": {}\n  "hooks": {}\n}\n')
    proc = repo.sl("init", "--hooks", "none", "--agent", "gemini", check=False)
    assert proc.returncode == 1
    assert ".gemini/settings.json: line 3 column 3" in proc.stderr
    assert "`sessionlog init --agent gemini` again" in proc.stderr


def test_uninstall_restores_the_users_files_exactly(user_repo: Repo) -> None:
    repo = user_repo
    originals = {p: repo.read(p) for p in (".codex/hooks.json", ".gemini/settings.json")}
    repo.sl("init", "--hooks", "none", "--agent", "codex,gemini")
    out = repo.sl("uninstall").stdout
    assert "restore .codex/hooks.json exactly as it was before init" in out
    assert "restore .gemini/settings.json exactly as it was before init" in out
    for rel, text in originals.items():
        assert repo.read(rel) == text  # byte for byte
    assert repo.read("AGENTS.md") == USER_AGENTS_MD and repo.read("GEMINI.md") == USER_GEMINI_MD


def test_uninstall_deletes_what_init_created(repo: Repo) -> None:
    repo.sl("init", "--hooks", "none", "--agent", "all")
    out = repo.sl("uninstall").stdout
    assert "delete .codex/hooks.json (init created it)" in out
    assert "delete GEMINI.md (init created it)" in out
    for rel in (".codex", ".gemini", ".claude", "AGENTS.md", "GEMINI.md", "CLAUDE.md"):
        assert not (repo.path / rel).exists(), rel


# --------------------------------------------------------------------------- doctor


def test_doctor_checks_codex_and_gemini_and_explains_their_trust_steps(repo: Repo) -> None:
    repo.sl("init", "--hooks", "native", "--agent", "codex,gemini")
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout
    assert "ok    .codex/hooks.json: Stop hook" in out
    assert "ok    .gemini/settings.json: AfterAgent hook" in out
    assert "ok    AGENTS.md sessionlog block" in out and "ok    GEMINI.md sessionlog block" in out
    assert "approve the sessionlog hooks" in out and "`/hooks`" in out
    assert "warn  Codex CLI does not trust this project yet" in out
    assert "warn  Gemini CLI runs project hooks only in a trusted folder" in out
    assert "/permissions trust" in out
    assert "info  Claude Code integration not installed" in out

    # Trusted on this machine: the warnings go away.
    home = Path(os.environ["HOME"])
    (home / ".codex").mkdir(exist_ok=True)
    (home / ".codex/config.toml").write_text(
        f'[projects."{repo.path}"]\ntrust_level = "trusted"\n')
    (home / ".gemini").mkdir(exist_ok=True)
    (home / ".gemini/trustedFolders.json").write_text(json.dumps({str(repo.path): "TRUST_FOLDER"}))
    out = repo.sl("doctor").stdout
    assert "ok    Codex CLI trusts this project" in out and "ok    Gemini CLI trusts this folder" in out

    data = read_json(repo, ".gemini/settings.json")
    del data["hooks"]["AfterAgent"]
    repo.write(".gemini/settings.json", json.dumps(data))
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  .gemini/settings.json: no sessionlog AfterAgent hook" in proc.stdout
    assert "run `sessionlog init --agent gemini`" in proc.stdout


# --------------------------------------------------------------------------- hook output


def fresh_now() -> datetime:
    """Now, read when a test runs (NOW is read at import: a long suite runs minutes later, and a
    session's start is recorded in real time)."""
    return datetime.now().astimezone().replace(second=0, microsecond=0)


def hook(repo: Repo, event: str, agent: str, payload: dict[str, Any] | None = None, *,
         now: datetime = NOW, env: dict[str, str] | None = None) -> str:
    """Run the hook as the CLI does: stdin JSON with `cwd`, the CLI's project variable only."""
    data = {"session_id": f"s-{agent}", "cwd": str(repo.path), **(payload or {})}
    environ = {"SESSIONLOG_NOW": now.isoformat(), **(env or {})}
    if agent == "gemini":
        environ["GEMINI_PROJECT_DIR"] = str(repo.path)
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", event, "--agent", agent,
                    input=json.dumps(data), env=environ, cwd=repo.path.parent, check=False)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    return proc.stdout


def injected(stdout: str, event: str) -> str:
    data = json.loads(stdout)
    assert list(data) == ["hookSpecificOutput"]
    assert data["hookSpecificOutput"]["hookEventName"] == event
    text: str = data["hookSpecificOutput"]["additionalContext"]
    return text


def errors(repo: Repo) -> str:
    path = repo.path / ".git/sessionlog/hook-errors.log"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize(("agent", "prompt_event", "label"), [
    ("claude", "UserPromptSubmit", "claude-code"),
    ("codex", "UserPromptSubmit", "codex"),
    ("gemini", "BeforeAgent", "gemini"),
])
def test_each_cli_gets_the_same_reminders_in_its_own_shape(
    native_repo: Repo, agent: str, prompt_event: str, label: str
) -> None:
    repo = native_repo
    repo.log((NOW - timedelta(days=1)).isoformat(), "Chose RS256", "Next: wire refresh")
    start = injected(hook(repo, "session-start", agent, {"source": "startup"}), "SessionStart")
    assert f"Today's temp log: {PENDING} (no entries yet today)" in start
    assert f"Local time now: {NOW:%Y-%m-%d %a %H:%M}" in start
    assert f'log --agent {label} "Title"' in start
    assert "Chose RS256" in start and "- wire refresh" in start

    # Read-only so far: silent. Work and no entry: reminded once, with the command.
    assert hook(repo, "user-prompt-submit", agent, {"prompt": "explain"}) == ""
    (repo.path / "app.py").write_text("first\n")
    prompt = injected(hook(repo, "user-prompt-submit", agent, {"prompt": "go"}), prompt_event)
    assert "1 file changed with no log entry" in prompt and f'log --agent {label} "Title"' in prompt
    assert hook(repo, "user-prompt-submit", agent, {"prompt": "more"}) == ""

    # Progressive: a fresh entry silences the reminder.
    repo.log(NOW.isoformat(), "Fresh entry")
    (repo.path / "app.py").write_text("changed\n")
    assert hook(repo, "user-prompt-submit", agent, now=NOW + timedelta(minutes=5)) == ""
    assert errors(repo) == ""


def test_the_reminder_text_is_one_logic_for_all_clis(native_repo: Repo) -> None:
    texts = {a: injected(hook(native_repo, "session-start", a), "SessionStart")
             for a in ("claude", "codex", "gemini")}
    labels = {"claude": ("claude-code", "Claude Code"), "codex": ("codex", "Codex CLI"),
              "gemini": ("gemini", "Gemini CLI")}
    normal = {a: t.replace(f"--agent {labels[a][0]}", "--agent X").replace(labels[a][1], "Y")
              for a, t in texts.items()}
    assert normal["claude"] == normal["codex"] == normal["gemini"]


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_stop_asks_once_in_the_block_shape_and_never_when_retrying(native_repo: Repo, agent: str) -> None:
    repo = native_repo
    hook(repo, "session-start", agent)
    later = time.time() + 5
    (repo.path / "retries.py").write_text("RETRIES = 3\n")
    os.utime(repo.path / "retries.py", (later, later))
    gap_later = fresh_now() + timedelta(minutes=47)  # past the gap (now drops its seconds)
    assert hook(repo, "stop", agent) == ""  # within the gap: let it finish
    retry = hook(repo, "stop", agent, {"stop_hook_active": True}, now=gap_later)
    assert retry == ""  # no loop cap in these CLIs: never block a continuation
    data = json.loads(hook(repo, "stop", agent, {"stop_hook_active": False}, now=gap_later))
    assert list(data) == ["decision", "reason"] and data["decision"] == "block"
    assert "retries.py" in data["reason"] and "if it was trivial, just finish" in data["reason"]
    assert f"log --agent {agent}" in data["reason"]
    assert hook(repo, "stop", agent, now=gap_later) == ""  # once per gap
    if agent == "gemini":
        # Gemini sends our reason back through BeforeAgent: no second reminder on top of it.
        assert hook(repo, "user-prompt-submit", agent, {"prompt": data["reason"]}) == ""


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_pre_compact_prints_nothing_where_the_cli_cannot_use_it(native_repo: Repo, agent: str) -> None:
    assert hook(native_repo, "pre-compact", agent) == ""
    assert errors(native_repo) == ""


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_session_end_marks_unlogged_work_attributed_to_the_cli(native_repo: Repo, agent: str) -> None:
    repo = native_repo
    hook(repo, "session-start", agent)
    later = time.time() + 5
    (repo.path / "retries.py").write_text("RETRIES = 3\n")
    os.utime(repo.path / "retries.py", (later, later))
    assert hook(repo, "session-end", agent, {"reason": "exit"}) == ""
    text = repo.read(PENDING)
    assert "Automatic entry: session ended without a log entry" in text
    assert f"agent={agent}" in text and "retries.py" in text


def test_gemini_aliases_and_unknown_agents_fail_open(native_repo: Repo) -> None:
    repo = native_repo
    hook(repo, "session-start", "gemini")
    later = time.time() + 5
    (repo.path / "app.py").write_text("work\n")
    os.utime(repo.path / "app.py", (later, later))
    out = hook(repo, "before-agent", "gemini", {"prompt": "go"})
    assert "changed with no log entry" in injected(out, "BeforeAgent")
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start", "--agent", "aider",
                    input="{}", check=False)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "unknown --agent 'aider'" in proc.stderr  # seen by whoever runs it by hand
    assert "unknown --agent 'aider'; known: claude, codex, gemini, copilot" in errors(repo)


HEAVY = ("git", "jinja2", "ruamel", "filelock", "sessionlog_git.gitops", "sessionlog_git.pipeline.render")


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_hooks_for_codex_and_gemini_import_only_the_standard_library_and_start_no_git(
    native_repo: Repo, agent: str
) -> None:
    repo = native_repo
    repo.log((NOW - timedelta(hours=2)).isoformat(), "Old entry")
    later = time.time() + 5
    (repo.path / "app.py").write_text("x\n")
    os.utime(repo.path / "app.py", (later, later))
    probe = (
        "import io, json, sys\n"
        "from sessionlog_git.agents import entry\n"
        "for event in sys.argv[2:]:\n"
        f"    sys.stdin = io.StringIO(json.dumps({{'session_id': 'p', 'cwd': {str(repo.path)!r}}}))\n"
        "    entry.run(event, sys.argv[1])\n"
        "print('MODULES', json.dumps(sorted(sys.modules)))\n"
    )
    fake_bin = repo.path.parent / "fakebin"
    fake_bin.mkdir()
    marker = repo.path.parent / "git-was-run"
    (fake_bin / "git").write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    (fake_bin / "git").chmod(0o755)
    env = {"SESSIONLOG_NOW": NOW.isoformat(), "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    proc = repo.run(PYTHON, "-c", probe, agent, "session-start", "user-prompt-submit", "stop",
                    "pre-compact", "session-end", env=env)
    modules = json.loads(proc.stdout.rsplit("MODULES ", 1)[1])
    assert [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY] == []
    proc = repo.run(PYTHON, "-X", "importtime", "-m", "sessionlog_git", "hook", "stop", "--agent",
                    agent, input=json.dumps({"cwd": str(repo.path)}), env=env)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert not {m for m in imported if m.split(".")[0] in HEAVY or m in HEAVY}
    assert not marker.exists()  # no git process either
    assert errors(repo) == ""


# --------------------------------------------------------------------------- attribution


def test_entries_are_attributed_to_the_assistant_and_the_master_log_shows_it(native_repo: Repo) -> None:
    repo = native_repo
    env = {"SESSIONLOG_NOW": NOW.isoformat()}
    repo.sl("log", "--agent", "codex-cli", "By Codex, named", "Decision: RS256, because keys rotate",
            env=env)
    repo.sl("log", "By Gemini, detected", env={**env, "GEMINI_CLI": "1"})
    repo.sl("log", "By Claude, detected", env={**env, "CLAUDECODE": "1"})
    repo.sl("log", "By Codex, detected", env={**env, "CODEX_THREAD_ID": "0193-abc"})
    repo.sl("log", "By hand", env=env)
    text = repo.read(PENDING)
    assert text.count("agent=codex") == 2 and "agent=gemini" in text and "agent=claude-code" in text
    repo.write("app.py", "print('v2')\n")
    repo.git("commit", "-qam", "v2")
    month = TODAY[:7]
    master = repo.read(f"logs/shop-session-log-{month}.md")
    assert "By Codex, named _(codex)_" in master
    assert "By Gemini, detected _(gemini)_" in master
    assert "By Claude, detected _(claude-code)_" in master
    line = next(x for x in master.splitlines() if "By hand" in x)
    assert "_(" not in line
    weekly = repo.sl("report", "weekly", env={"SESSIONLOG_NOW": (NOW + timedelta(hours=1)).isoformat()})
    # The digest lists each entry with its assistant, and the decision under it.
    entry = next(x for x in weekly.stdout.splitlines() if "By Codex, named" in x)
    assert "_(codex)_" in entry
    after = weekly.stdout.split(entry, 1)[1].splitlines()
    assert after[1] == "  - Decision: RS256, because keys rotate"
