"""Before an edit, the assistant is told: `sessionlog hook post-tool-use|pre-tool-use` returns
the live reasoning about the file a tool call reads or edits, once per file per session,
within budget, from the context index shards only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, ROOT, Repo
from test_context import _payments
from test_prompt_hook import NOT_ON_THE_PROMPT_PATH
from test_why import commit_at

from sessionlog_git.agents import edit_context, registry

NOW = {"SESSIONLOG_NOW": "2026-11-28T09:00:00+01:00"}
DECISION = "Decision: retry card charges three times, because the gateway drops requests"
NEW_DECISION = "Decision: retry card charges once, because the gateway deduplicates now"


def hook(repo: Repo, event: str, payload: dict[str, Any], agent: str = "claude",
         env: dict[str, str] | None = None) -> str:
    """Run the hook as an assistant does (stdin JSON, cwd the repo); its stdout."""
    args = [PYTHON, "-m", "sessionlog_git", "hook", event]
    if agent != "claude":
        args += ["--agent", agent]
    environ = {**os.environ, **NOW, **(env or {})}
    environ.pop("GIT_DIR", None)
    proc = subprocess.run(args, cwd=repo.path, input=json.dumps(payload), env=environ,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert not (repo.path / ".git" / "sessionlog" / "hook-errors.log").exists(), \
        (repo.path / ".git" / "sessionlog" / "hook-errors.log").read_text()
    return proc.stdout


def claude_read(repo: Repo, rel: str, session: str = "s1") -> dict[str, Any]:
    return {"session_id": session, "cwd": str(repo.path), "hook_event_name": "PostToolUse",
            "tool_name": "Read", "tool_input": {"file_path": str(repo.path / rel)}}


def context_of(stdout: str, event: str) -> str:
    if not stdout.strip():
        return ""
    data = json.loads(stdout)
    assert data["hookSpecificOutput"]["hookEventName"] == event
    text = data["hookSpecificOutput"]["additionalContext"]
    assert isinstance(text, str)
    return text


def test_a_read_of_the_file_tells_its_live_reasoning_once_per_session(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    text = context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py")), "PostToolUse")
    assert text.startswith("sessionlog: recorded reasoning still in force for payments.py")
    lines = text.splitlines()[1:]
    # Most relevant first: the decision, then the blocker, then the failed attempts.
    assert lines[0] == f"- 2026-11-25 ada: {DECISION}"
    assert lines[1] == "- 2026-11-25 ada: Blocked on: gateway sandbox credentials"
    assert "Root cause: payments.py rounded cents twice" in text
    assert "invoices as CSV" not in text  # billing.py's decision is not about payments.py
    assert len(text) <= edit_context.FILE_BUDGET

    # The edit that follows, and a second read, say nothing more: once per file per session.
    edit = {**claude_read(repo, "payments.py"), "hook_event_name": "PreToolUse", "tool_name": "Edit"}
    assert hook(repo, "pre-tool-use", edit) == ""
    assert hook(repo, "post-tool-use", claude_read(repo, "payments.py")) == ""
    # Another session is told again.
    assert DECISION in context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py", "s2")),
                                  "PostToolUse")


def test_an_unrelated_file_or_a_file_outside_gets_nothing(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    _payments(repo)
    repo.write("notes/readme.txt", "hello\n")
    assert hook(repo, "post-tool-use", claude_read(repo, "app.py")) == ""
    assert hook(repo, "post-tool-use", claude_read(repo, "notes/readme.txt")) == ""
    outside = tmp_path / "payments.py"
    outside.write_text("x\n")
    payload = {**claude_read(repo, "payments.py"), "tool_input": {"file_path": str(outside)}}
    assert hook(repo, "post-tool-use", payload) == ""
    # and nothing was recorded for the session: no state file for silent calls
    assert not (repo.path / ".git" / "sessionlog" / "sessions" / "s1.json").exists()


def test_an_edit_of_an_unread_file_is_the_fallback(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    edit = {**claude_read(repo, "payments.py"), "hook_event_name": "PreToolUse", "tool_name": "Write"}
    text = context_of(hook(repo, "pre-tool-use", edit), "PreToolUse")
    assert DECISION in text


def test_a_superseded_decision_is_never_told_its_replacement_is(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    repo.log("2026-11-27T10:00:00+01:00", "Gateway dedupes now",
             "Supersedes: retry card charges three times", NEW_DECISION)
    commit_at(repo, "2026-11-27T10:30:00+01:00", "--allow-empty", "-m", "Gateway notes")
    text = context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py")), "PostToolUse")
    assert f"- 2026-11-27 ada: {NEW_DECISION} (this replaced an earlier decision)" in text
    assert "three times" not in text


def test_an_expired_decision_is_not_told(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T14:30:00+01:00", "Freeze", "Decision: freeze payments.py until the audit",
             "Expires: 2026-11-27")
    repo.write("payments.py", "X = 1\n")
    repo.git("add", "payments.py")
    commit_at(repo, "2026-11-25T15:00:00+01:00", "-m", "Freeze")
    assert hook(repo, "post-tool-use", claude_read(repo, "payments.py")) == ""  # NOW is the 28th
    early = {"SESSIONLOG_NOW": "2026-11-26T09:00:00+01:00"}
    text = context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py"), env=early),
                      "PostToolUse")
    assert "freeze payments.py until the audit (until 2026-11-27)" in text


def test_budgets_per_file_and_per_session_most_relevant_first(native_repo: Repo) -> None:
    repo = native_repo
    for n in range(12):
        name = f"mod{n}.py"
        repo.log(f"2026-11-2{n % 5}T1{n % 10}:00:00+01:00", f"Work on {name}",
                 *(f"Decision: {name} keeps rule {k} " + "because " + "reasons " * 20
                   for k in range(3)))
        repo.write(name, "X = 1\n")
        repo.git("add", name)
        commit_at(repo, f"2026-11-2{n % 5}T1{n % 10}:30:00+01:00", "-m", f"Add {name}")
    told = []
    for n in range(12):
        told.append(context_of(hook(repo, "post-tool-use", claude_read(repo, f"mod{n}.py")),
                               "PostToolUse"))
    assert all(len(t) <= edit_context.FILE_BUDGET for t in told)
    assert sum(len(t) for t in told) <= edit_context.SESSION_BUDGET
    assert told[0] and told[-1] == ""  # the session's budget ran out before the last file
    # Three decisions of ~230 characters do not fit in one file's budget: whole lines are
    # kept, the rest is left to `sessionlog context`.
    assert 1 <= told[0].count("\n- ") < 3
    state = json.loads((repo.path / ".git" / "sessionlog" / "sessions" / "s1.json").read_text())
    assert state["edit_context"]["chars"] == sum(len(t) for t in told)


def test_codex_apply_patch_paths_and_other_assistants_shapes(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    patch = ("*** Begin Patch\n*** Update File: payments.py\n@@\n-RETRIES = 3\n+RETRIES = 1\n"
             "*** End Patch\n")
    codex = {"session_id": "c1", "cwd": str(repo.path), "hook_event_name": "PreToolUse",
             "tool_name": "apply_patch", "tool_input": {"command": patch}}
    assert DECISION in context_of(hook(repo, "pre-tool-use", codex, "codex"), "PreToolUse")

    gemini = {"session_id": "g1", "cwd": str(repo.path), "hook_event_name": "AfterTool",
              "tool_name": "read_file", "tool_input": {"file_path": "payments.py"}}
    assert DECISION in context_of(hook(repo, "after-tool", gemini, "gemini"), "AfterTool")

    copilot = {"sessionId": "p1", "cwd": str(repo.path), "toolName": "view",
               "toolArgs": json.dumps({"path": str(repo.path / "payments.py")})}
    out = json.loads(hook(repo, "post-tool-use", copilot, "copilot"))
    assert list(out) == ["additionalContext"] and DECISION in out["additionalContext"]

    qwen = {"session_id": "q1", "cwd": str(repo.path), "hook_event_name": "PostToolUse",
            "tool_name": "read_file", "tool_input": {"absolute_path": str(repo.path / "payments.py")}}
    assert DECISION in context_of(hook(repo, "post-tool-use", qwen, "qwen"), "PostToolUse")


def test_no_index_yet_means_silence_and_a_damaged_shard_is_not_an_error(native_repo: Repo) -> None:
    repo = native_repo
    repo.write("payments.py", "X = 1\n")
    assert hook(repo, "post-tool-use", claude_read(repo, "payments.py")) == ""
    _payments(repo)
    for shard in (repo.path / ".git" / "sessionlog" / "context-index").glob("*.json"):
        shard.write_text("{not json")
    assert hook(repo, "post-tool-use", claude_read(repo, "payments.py")) == ""


@pytest.mark.parametrize("name", [n for n, a in registry.ASSISTANTS.items()
                                  if any(e in registry.TOOL_EVENTS for e, _, t in a.hooked())])
def test_init_hooks_the_tool_events_with_their_matchers(repo: Repo, name: str) -> None:
    assistant = registry.ASSISTANTS[name]
    repo.sl("init", "--hooks", "none", "--agent", name)
    data = json.loads(repo.read(assistant.settings))
    for event, native, _ in assistant.hooked():
        if event not in registry.TOOL_EVENTS:
            continue
        (group,) = data["hooks"][native]
        if assistant.handler is None:
            assert group.get("matcher") == assistant.matchers.get(event)
    if name == "claude":
        assert data["hooks"]["PostToolUse"][0]["matcher"] == "Read"
        assert data["hooks"]["PreToolUse"][0]["matcher"] == "Edit|Write|MultiEdit"
    again = repo.sl("init", "--hooks", "none", "--agent", name).stdout
    assert json.loads(repo.read(assistant.settings)) == data, again  # idempotent


def test_the_tool_hook_imports_only_the_standard_library(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sessionlog_git", "hook", "post-tool-use"],
        cwd=repo.path, input=json.dumps(claude_read(repo, "payments.py")),
        env={**os.environ, **NOW}, capture_output=True, text=True, check=True)
    assert DECISION in proc.stdout
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
              if line.startswith("import time:") and "imported package" not in line}
    tops = {name.split(".")[0] for name in loaded}
    outside = {t for t in tops - set(sys.stdlib_module_names) - {"sessionlog_git", "sitecustomize"}
               if not t.startswith("_")}
    assert not outside, outside  # standard library only
    assert not loaded & set(NOT_ON_THE_PROMPT_PATH), sorted(loaded & set(NOT_ON_THE_PROMPT_PATH))
    assert "sessionlog_git.logs.archive" not in loaded and "sessionlog_git.workspace" not in loaded


# What the tool hook must not load on its common calls (a file read or edited, told or not):
# each of these costs a fresh interpreter a millisecond or more.
NOT_ON_THE_TOOL_PATH = ("runpy", "json", "re", "pathlib", "fnmatch", "enum", "zlib", "contextlib",
                        "datetime", "sessionlog_git.logs.context_index")


def test_the_tool_hook_as_installed_imports_no_json_re_pathlib_or_zlib(native_repo: Repo) -> None:
    """The command init wrote runs this clone's launcher, which runs the entry function with
    `-c`; that last step runs here with -S and the package from the checkout (an editable
    install's import finder would load re and pathlib into every start and hide them)."""
    from sessionlog_git.agents.entry import FAST_CODE

    repo = native_repo
    _payments(repo)
    repo.write("notes.py", "X = 1\n")
    env = {**os.environ, **NOW, "PYTHONPATH": str(ROOT), "PYTHONPROFILEIMPORTTIME": "1"}
    env.pop("GIT_DIR", None)

    def run(payload: dict[str, Any]) -> tuple[set[str], str]:
        proc = subprocess.run([PYTHON, "-S", "-c", FAST_CODE, "sessionlog_git", "hook", "post-tool-use"],
                              cwd=repo.path, input=json.dumps(payload), env=env,
                              capture_output=True, text=True, check=True)
        return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}, \
            proc.stdout

    names, out = run(claude_read(repo, "payments.py", "lean1"))  # told: writes the state too
    assert DECISION in context_of(out, "PostToolUse")
    assert not names & set(NOT_ON_THE_TOOL_PATH), sorted(names & set(NOT_ON_THE_TOOL_PATH))
    state = (repo.state() / "sessions" / "lean1.json").read_text()
    assert state == json.dumps(json.loads(state), sort_keys=True)  # json's own text
    assert json.loads(state)["edit_context"]["files"] == ["payments.py"]
    names, out = run(claude_read(repo, "notes.py", "lean2"))  # nothing live: silent
    assert out == ""
    assert not names & set(NOT_ON_THE_TOOL_PATH), sorted(names & set(NOT_ON_THE_TOOL_PATH))
    assert not (repo.state() / "sessions" / "lean2.json").exists()
    assert not (repo.state() / "hook-errors.log").exists()


def test_the_shard_checksum_is_zlibs_crc32() -> None:
    """The hook computes CRC-32 without zlib; the shard files the writer named must be the ones
    it opens, for any key."""
    import random
    import zlib

    from sessionlog_git.logs import context_index, context_shards

    rng = random.Random(7)
    keys = ["", "a", "payments.py", "*/payments.py", "services/api", "dös/ünïcode/文件.py",
            *("".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(1, 60)))
              for _ in range(300))]
    for key in keys:
        data = key.encode("utf-8")
        assert context_shards.crc32(data) == zlib.crc32(data), key
        assert context_index.shard_name(key) == f"{zlib.crc32(data) % 256:02x}.json"


def test_measures_count_characters_per_session_and_edits_that_got_context(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    repo.write("notes.py", "X = 1\n")
    edit = {**claude_read(repo, "payments.py"), "hook_event_name": "PreToolUse", "tool_name": "Edit"}
    told = context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py")), "PostToolUse")
    assert hook(repo, "pre-tool-use", edit) == ""  # told at the read: the edit counts as told
    unrelated = {**edit, "tool_input": {"file_path": str(repo.path / "notes.py")}}
    assert hook(repo, "pre-tool-use", unrelated) == ""  # nothing live: not counted
    # Session two edits the file unread, and its budget is already spent: an edit not told.
    state = repo.path / ".git" / "sessionlog" / "sessions" / "s2.json"
    state.write_text(json.dumps({"edit_context": {"chars": edit_context.SESSION_BUDGET}}))
    assert hook(repo, "pre-tool-use", {**edit, "session_id": "s2"}) == ""
    got = edit_context.measures(str(repo.path))
    assert got == {"sessions": 2, "chars_per_session_max": edit_context.SESSION_BUDGET,
                   "chars_per_session_mean": (len(told) + edit_context.SESSION_BUDGET) / 2,
                   "edits_with_context": 2, "edits_told": 1, "hit_rate": 0.5}


def test_an_unreadable_session_state_is_logged_and_the_tool_call_goes_on(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    sessions = repo.path / ".git" / "sessionlog" / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    (sessions / "s1.json").mkdir()  # a folder where the state file belongs: it cannot be written
    proc = subprocess.run([PYTHON, "-m", "sessionlog_git", "hook", "post-tool-use"], cwd=repo.path,
                          input=json.dumps(claude_read(repo, "payments.py")),
                          env={**os.environ, **NOW}, capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout) == (0, "")
    errors = repo.path / ".git" / "sessionlog" / "hook-errors.log"
    assert "sessionlog hook post-tool-use" in errors.read_text()


def test_after_a_compaction_a_file_is_told_again_within_the_same_session_budget(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    first = context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py")), "PostToolUse")
    assert DECISION in first
    assert hook(repo, "post-tool-use", claude_read(repo, "payments.py")) == ""
    compact = {"session_id": "s1", "cwd": str(repo.path), "hook_event_name": "SessionStart",
               "source": "compact"}
    assert "sessionlog" in hook(repo, "session-start", compact)
    again = context_of(hook(repo, "post-tool-use", claude_read(repo, "payments.py")), "PostToolUse")
    assert again == first
    state = json.loads((repo.path / ".git" / "sessionlog" / "sessions" / "s1.json").read_text())
    assert state["edit_context"]["chars"] == 2 * len(first)  # the session's budget counts both
