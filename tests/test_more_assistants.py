"""Copilot CLI, Qwen Code, OpenCode, Cursor and Windsurf: init, uninstall, doctor, hook output.

What a user sees: the files in their repository (byte for byte after uninstall), doctor's
lines and exit code, and the exact stdout each assistant gets from `sessionlog hook EVENT
--agent NAME` for the stdin it sends. Copilot, Qwen and OpenCode shapes were verified with the
real CLIs (tests/e2e/test_chat_clis_e2e.py). Cursor and Windsurf have no CLI that runs
offline: their tests are contracts on the payloads their documentation gives, one sample
stdin per event, and the output shape their documentation says the editor reads.
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

from sessionlog_git.agents import registry

NOW = datetime.now().astimezone().replace(second=0, microsecond=0)
TODAY = NOW.date().isoformat()
PENDING = f".git/sessionlog/pending/shop/ada/{TODAY}.md"
NEW = ("copilot", "qwen", "opencode", "cursor", "windsurf")

# The user's own files, in layouts our JSON writer would not produce, so only a byte-for-byte
# restore passes.
USER_FILES = {
    ".qwen/settings.json": '{"ui":{"theme":"GitHub"},"hooks":{"Stop":[{"hooks":[{"type":"command",'
                           '"command":"make lint"}]}]}}',
    "QWEN.md": "# Shop for Qwen\n",
    ".github/copilot-instructions.md": "Use tabs.\n",
    ".github/hooks/lint.json": '{"version": 1, "hooks": {"postToolUse": []}}\n',
    ".cursor/hooks.json": '{\n    "version": 1,\n    "hooks": {"afterFileEdit": [{"command": "./fmt.sh"}]}'
                          '\n}\n',
    ".cursor/rules/style.mdc": "---\nalwaysApply: true\n---\nUse tabs.\n",
    ".windsurf/hooks.json": '{"hooks": {"pre_run_command": [{"command": "./guard.sh", '
                            '"show_output": true}]}}',
    ".opencode/plugins/notify.js": "export const Notify = async () => ({});\n",
}


def hook(repo: Repo, event: str, agent: str, payload: dict[str, Any], *, now: datetime = NOW,
         env: dict[str, str] | None = None) -> str:
    """Run the hook as the CLI does: its stdin JSON, run from the repository's folder."""
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", event, "--agent", agent,
                    input=json.dumps(payload), env={"SESSIONLOG_NOW": now.isoformat(), **(env or {})},
                    cwd=repo.path, check=False)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    return proc.stdout


def errors(repo: Repo) -> str:
    path = repo.path / ".git/sessionlog/hook-errors.log"
    return path.read_text() if path.exists() else ""


def fresh_now() -> datetime:
    """Now, read when a test runs (NOW is read at import: a long suite runs minutes later, and a
    session's start is recorded in real time)."""
    return datetime.now().astimezone().replace(second=0, microsecond=0)


def touch_later(repo: Repo, rel: str, text: str = "RETRIES = 3\n") -> None:
    """A file changed after the session started (mtime a few seconds ahead)."""
    later = time.time() + 5
    (repo.path / rel).write_text(text)
    os.utime(repo.path / rel, (later, later))


# --------------------------------------------------------------------------- init, uninstall


def test_init_merges_into_the_users_files_and_uninstall_restores_them_byte_for_byte(repo: Repo) -> None:
    for rel, text in USER_FILES.items():
        repo.write(rel, text)
    out = repo.sl("init", "--hooks", "none", "--agent", ",".join(NEW)).stdout
    assert "create .github/hooks/sessionlog.json: sessionlog hooks (sessionStart, " \
           "userPromptSubmitted, agentStop, sessionEnd, postToolUse)" in out
    assert "update .qwen/settings.json: sessionlog hooks (SessionStart, UserPromptSubmit, Stop, " \
           "SessionEnd, PostToolUse)" in out
    assert "update .cursor/hooks.json: sessionlog hooks (beforeSubmitPrompt, stop)" in out
    assert "update .windsurf/hooks.json: sessionlog hooks (pre_user_prompt, post_cascade_response)" in out
    assert "add the sessionlog block in QWEN.md" in out
    assert "add the sessionlog block in .github/copilot-instructions.md" in out
    for rel in (".opencode/plugins/sessionlog.js", ".cursor/rules/sessionlog.mdc",
                ".windsurf/rules/sessionlog.md"):
        assert f"write {rel}" in out

    qwen = json.loads(repo.read(".qwen/settings.json"))
    assert qwen["ui"] == {"theme": "GitHub"}
    assert {"type": "command", "command": "make lint"} in qwen["hooks"]["Stop"][0]["hooks"]
    cursor = json.loads(repo.read(".cursor/hooks.json"))
    assert cursor["version"] == 1 and cursor["hooks"]["afterFileEdit"] == [{"command": "./fmt.sh"}]
    (stop,) = cursor["hooks"]["stop"]
    assert stop["command"].endswith(" sessionlog hook stop --agent cursor")
    windsurf = json.loads(repo.read(".windsurf/hooks.json"))
    assert windsurf["hooks"]["pre_run_command"][0]["command"] == "./guard.sh"
    assert windsurf["hooks"]["post_cascade_response"][0]["show_output"] is True
    copilot = json.loads(repo.read(".github/hooks/sessionlog.json"))
    assert copilot["version"] == 1
    (start,) = copilot["hooks"]["sessionStart"]
    assert set(start) == {"type", "bash", "timeoutSec"}
    assert start["bash"].endswith("hook session-start --agent copilot")
    assert repo.read("QWEN.md").startswith("# Shop for Qwen\n\n<!-- sessionlog:begin -->")
    rule = repo.read(".cursor/rules/sessionlog.mdc")
    assert rule.startswith("---\nname: sessionlog\n")
    assert "alwaysApply: true\n---\n<!-- sessionlog:begin" in rule
    assert 'sh .git/sessionlog/run log --agent cursor "Short title"' in rule
    assert "trigger: always_on\n" in repo.read(".windsurf/rules/sessionlog.md")
    plugin = repo.read(".opencode/plugins/sessionlog.js")
    assert "const LAUNCH = " in plugin and PYTHON not in plugin  # no path of this machine
    assert '"hook", event, "--agent", "opencode"' in plugin

    out = repo.sl("uninstall").stdout
    assert "restore .cursor/hooks.json exactly as it was before init" in out
    for rel, text in USER_FILES.items():
        assert (repo.path / rel).read_bytes() == text.encode(), rel
    for rel in (".github/hooks/sessionlog.json", ".opencode/plugins/sessionlog.js",
                ".cursor/rules/sessionlog.mdc", ".windsurf/rules", ".qwen/settings.json.tmp"):
        assert not (repo.path / rel).exists(), rel


def test_a_file_changed_after_init_keeps_the_change_on_uninstall(repo: Repo) -> None:
    repo.write(".cursor/hooks.json", '{"version":1,"hooks":{}}')
    repo.sl("init", "--hooks", "none", "--agent", "cursor")
    data = json.loads(repo.read(".cursor/hooks.json"))
    data["hooks"]["afterFileEdit"] = [{"command": "./fmt.sh"}]
    repo.write(".cursor/hooks.json", json.dumps(data))
    repo.sl("uninstall")
    assert json.loads(repo.read(".cursor/hooks.json")) == {
        "version": 1, "hooks": {"afterFileEdit": [{"command": "./fmt.sh"}]}}


def test_init_all_twice_changes_nothing(repo: Repo) -> None:
    repo.sl("init", "--hooks", "none", "--agent", "all")
    files = sorted(p for p in repo.path.rglob("*") if p.is_file() and ".git" not in p.parts
                   and ".sessionlog" not in p.parts)
    before = {p: p.read_bytes() for p in files}
    out = repo.sl("init", "--hooks", "none", "--agent", "all").stdout
    assert all(line.strip().startswith("unchanged:") for line in out.splitlines()[1:]), out
    assert {p: p.read_bytes() for p in files} == before
    repo.sl("uninstall")
    for folder in (".github", ".qwen", ".opencode", ".cursor", ".windsurf"):
        assert not (repo.path / folder).exists(), folder


# --------------------------------------------------------------------------- doctor


def test_doctor_checks_each_of_them(repo: Repo) -> None:
    repo.sl("init", "--hooks", "native", "--agent", ",".join(NEW))
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout
    for line in (".github/hooks/sessionlog.json: agentStop hook", ".qwen/settings.json: Stop hook",
                 ".cursor/hooks.json: stop hook", ".windsurf/hooks.json: post_cascade_response hook",
                 ".github/copilot-instructions.md sessionlog block", "QWEN.md sessionlog block",
                 ".cursor/rules/sessionlog.mdc", ".windsurf/rules/sessionlog.md",
                 ".opencode/plugins/sessionlog.js (runs sessionlog through this clone's launcher)"):
        assert f"ok    {line}" in out, line
    assert "`--trust-folder`" in out and "`--allow-all-paths`" in out

    data = json.loads(repo.read(".cursor/hooks.json"))
    del data["hooks"]["stop"]
    repo.write(".cursor/hooks.json", json.dumps(data))
    plugin = repo.read(".opencode/plugins/sessionlog.js")
    repo.write(".opencode/plugins/sessionlog.js", plugin.replace("const LAUNCH = ", "const GONE = "))
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  .cursor/hooks.json: no sessionlog stop hook" in proc.stdout
    assert "FAIL  .opencode/plugins/sessionlog.js does not run `sessionlog hook`" in proc.stdout
    assert "delete it and run `sessionlog init --agent opencode`" in proc.stdout


# --------------------------------------------------------------------------- hook output


def test_copilot_gets_the_flat_additional_context_and_the_agent_stop_block(native_repo: Repo) -> None:
    """Copilot CLI 1.0 payloads (camelCase `sessionId`, ms `timestamp`); only a flat
    `{"additionalContext"}` reaches its model."""
    repo = native_repo
    base = {"sessionId": "8f0c-copilot", "timestamp": 1795763074330, "cwd": str(repo.path)}
    start = json.loads(hook(repo, "session-start", "copilot",
                            {**base, "source": "new", "initialPrompt": "go"}))
    assert list(start) == ["additionalContext"]
    assert f"Today's temp log: {PENDING} (no entries yet today)" in start["additionalContext"]
    assert 'log --agent copilot "Title"' in start["additionalContext"]
    assert (repo.path / ".git/sessionlog/sessions/8f0c-copilot.json").is_file()
    assert hook(repo, "user-prompt-submit", "copilot", {**base, "prompt": "explain"}) == ""  # no work yet
    touch_later(repo, "retries.py")
    prompt = json.loads(hook(repo, "user-prompt-submit", "copilot", {**base, "prompt": "go"}))
    assert list(prompt) == ["additionalContext"]
    assert "changed with no log entry" in prompt["additionalContext"]
    stop = {**base, "transcriptPath": "/tmp/t.jsonl", "stopReason": "end_turn"}
    gap_later = fresh_now() + timedelta(minutes=47)  # past the gap (now drops its seconds)
    assert hook(repo, "stop", "copilot", {**stop, "stop_hook_active": True}, now=gap_later) == ""
    block = json.loads(hook(repo, "stop", "copilot", {**stop, "stop_hook_active": False}, now=gap_later))
    assert list(block) == ["decision", "reason"] and block["decision"] == "block"
    assert "retries.py" in block["reason"] and "log --agent copilot" in block["reason"]
    assert hook(repo, "stop", "copilot", {**stop, "stop_hook_active": False}, now=gap_later) == ""
    assert errors(repo) == ""


def test_qwen_is_silent_on_the_empty_prompt_it_sends_after_each_tool_result(native_repo: Repo) -> None:
    repo = native_repo
    base = {"session_id": "q1", "cwd": str(repo.path), "hook_event_name": "UserPromptSubmit",
            "transcript_path": "", "timestamp": NOW.isoformat(), "permission_mode": "yolo"}
    hook(repo, "session-start", "qwen", {**base, "hook_event_name": "SessionStart", "source": "startup"})
    touch_later(repo, "retries.py")
    out = json.loads(hook(repo, "user-prompt-submit", "qwen", {**base, "prompt": "go"}))
    assert "changed with no log entry" in out["hookSpecificOutput"]["additionalContext"]
    assert out["hookSpecificOutput"]["hookEventName"] == "UserPromptSubmit"
    assert hook(repo, "user-prompt-submit", "qwen", {**base, "prompt": ""}) == ""
    assert errors(repo) == ""


def test_opencode_plugin_gets_plain_text(native_repo: Repo) -> None:
    """What the generated plugin sends (`cwd`, `session_id`, `prompt`) and reads (plain stdout)."""
    repo = native_repo
    data = {"cwd": str(repo.path), "session_id": "ses_1", "hook_event_name": "session-start"}
    start = hook(repo, "session-start", "opencode", {**data, "source": "startup"})
    assert start.startswith("sessionlog: this repository keeps a session log")
    assert 'log --agent opencode "Title"' in start
    touch_later(repo, "retries.py")
    prompt = hook(repo, "user-prompt-submit", "opencode", {**data, "prompt": "go"})
    assert prompt.startswith("sessionlog:") and "changed with no log entry" in prompt
    assert errors(repo) == ""


# Cursor's documented payloads (hooks.json version 1): every event carries conversation_id,
# generation_id, hook_event_name and workspace_roots; beforeSubmitPrompt adds prompt and
# attachments; stop adds status and loop_count and may answer {"followup_message"}.
CURSOR = {"conversation_id": "conv-123", "generation_id": "gen-456", "model": "gpt-5",
          "cursor_version": "2.0.77", "user_email": "ada@example.com"}


def test_cursor_contract_prompt_records_the_session_stop_asks_once_by_followup(native_repo: Repo) -> None:
    repo = native_repo
    roots = {"workspace_roots": [str(repo.path)]}
    prompt = {**CURSOR, **roots, "hook_event_name": "beforeSubmitPrompt", "prompt": "Fix the bug",
              "attachments": []}
    # No context reaches the model from it; its documented answer lets the prompt through.
    assert json.loads(hook(repo, "user-prompt-submit", "cursor", prompt)) == {"continue": True}
    assert (repo.path / ".git/sessionlog/sessions/conv-123.json").is_file()
    stop = {**CURSOR, **roots, "hook_event_name": "stop", "status": "completed", "loop_count": 0}
    assert hook(repo, "stop", "cursor", stop) == ""  # nothing changed: silent
    touch_later(repo, "retries.py")
    gap_later = fresh_now() + timedelta(minutes=47)  # past the gap (now drops its seconds)
    assert hook(repo, "stop", "cursor", {**stop, "loop_count": 1}, now=gap_later) == ""  # our follow-up
    out = json.loads(hook(repo, "stop", "cursor", stop, now=gap_later))
    assert list(out) == ["followup_message"]
    assert "retries.py" in out["followup_message"]
    assert "log --agent cursor" in out["followup_message"]
    assert hook(repo, "stop", "cursor", stop, now=gap_later) == ""  # asked once for this gap
    assert errors(repo) == ""


def test_windsurf_contract_nothing_for_the_model_the_request_to_log_for_the_person(
    native_repo: Repo,
) -> None:
    """Windsurf's documented payloads: agent_action_name, trajectory_id, execution_id,
    timestamp and tool_info; no cwd (hooks run in the workspace root)."""
    repo = native_repo
    base = {"trajectory_id": "traj-9", "execution_id": "exec-1", "timestamp": NOW.isoformat()}
    prompt = {**base, "agent_action_name": "pre_user_prompt", "tool_info": {"user_prompt": "Add retries"}}
    assert hook(repo, "user-prompt-submit", "windsurf", prompt) == ""
    assert (repo.path / ".git/sessionlog/sessions/traj-9.json").is_file()
    done = {**base, "agent_action_name": "post_cascade_response",
            "tool_info": {"response": "### Planner Response\n\nDone."}}
    assert hook(repo, "stop", "windsurf", done) == ""
    touch_later(repo, "retries.py")
    gap_later = fresh_now() + timedelta(minutes=47)  # past the gap (now drops its seconds)
    out = hook(repo, "stop", "windsurf", done, now=gap_later)
    assert out.startswith("sessionlog:") and "retries.py" in out and "log --agent windsurf" in out
    assert hook(repo, "stop", "windsurf", done, now=gap_later) == ""
    assert errors(repo) == ""


@pytest.mark.parametrize(("agent", "payload"), [
    ("copilot", {"sessionId": "s"}),
    ("cursor", {"conversation_id": "s", "hook_event_name": "stop", "status": "completed", "loop_count": 0}),
    ("windsurf", {"trajectory_id": "s", "agent_action_name": "post_cascade_response", "tool_info": {}}),
    ("qwen", {"session_id": "s"}),
])
def test_silent_when_a_fresh_entry_covers_the_work(
    native_repo: Repo, agent: str, payload: dict[str, Any]
) -> None:
    repo = native_repo
    quiet = registry.ASSISTANTS[agent].silence.get("user-prompt-submit", "")
    hook(repo, "user-prompt-submit", agent, {**payload, "cwd": str(repo.path), "prompt": "go"})
    time.sleep(0.05)
    (repo.path / "retries.py").write_text("RETRIES = 3\n")  # changed, then logged
    repo.log((NOW + timedelta(minutes=1)).isoformat(), "Added retries", "Decision: 3, because the API flaps")
    later = NOW + timedelta(minutes=2)
    assert hook(repo, "user-prompt-submit", agent, {**payload, "cwd": str(repo.path), "prompt": "go"},
                now=later).strip() == quiet
    assert hook(repo, "stop", agent, {**payload, "cwd": str(repo.path)}, now=later) == ""
    assert errors(repo) == ""


@pytest.mark.parametrize(("marker", "label"), [
    ("COPILOT_CLI", "copilot"), ("QWEN_CODE", "qwen"), ("OPENCODE", "opencode"),
])
def test_log_from_their_shell_is_attributed_to_them(native_repo: Repo, marker: str, label: str) -> None:
    """The variable each CLI sets in its tool shell (seen in the end-to-end runs)."""
    repo = native_repo
    repo.sl("log", "From the shell", env={"SESSIONLOG_NOW": NOW.isoformat(), marker: "1"})
    assert f"agent={label}" in repo.read(PENDING)
    repo.write("app.py", "print('v2')\n")
    repo.git("commit", "-qam", "v2")
    master = repo.read(f"logs/shop-session-log-{TODAY[:7]}.md")
    assert f"From the shell _({label})_" in master


def test_the_per_prompt_path_stays_standard_library_only_for_them(native_repo: Repo) -> None:
    repo = native_repo
    heavy = ("git", "jinja2", "ruamel", "filelock", "sessionlog_git.gitops", "sessionlog_git.pipeline")
    probe = (
        "import io, json, sys\n"
        "from sessionlog_git.agents import entry\n"
        "for agent, data in json.loads(sys.argv[1]):\n"
        "    for event in ('session-start', 'user-prompt-submit', 'stop'):\n"
        "        sys.stdin = io.StringIO(json.dumps(data))\n"
        "        entry.run(event, agent)\n"
        "print('MODULES', json.dumps(sorted(sys.modules)))\n"
    )
    cases = [("copilot", {"sessionId": "a", "cwd": str(repo.path)}),
             ("cursor", {"conversation_id": "b", "workspace_roots": [str(repo.path)]}),
             ("windsurf", {"trajectory_id": "c", "tool_info": {"user_prompt": "x"}}),
             ("opencode", {"session_id": "d", "cwd": str(repo.path), "prompt": "x"})]
    proc = repo.run(PYTHON, "-c", probe, json.dumps(cases), env={"SESSIONLOG_NOW": NOW.isoformat()},
                    cwd=repo.path)
    modules = json.loads(proc.stdout.rsplit("MODULES ", 1)[1])
    assert [m for m in modules if m.split(".")[0] in heavy or m.startswith(heavy)] == []
    assert errors(repo) == ""


def test_each_row_is_reachable_as_a_path_under_the_top(tmp_path: Path) -> None:
    """Every file a row names is relative, inside the repository (no `..`, no absolute path)."""
    for assistant in registry.ASSISTANTS.values():
        for rel in (assistant.settings, assistant.instructions, *(r for r, _ in assistant.extra_files)):
            assert not rel.startswith("/") and ".." not in Path(rel).parts, (assistant.name, rel)
