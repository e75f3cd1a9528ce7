"""Prove the offline harness works: the loopback stub on its own, then the real Claude Code CLI.

The CLI tests run the pinned ``claude`` binary in a temp git repository against the stub and
assert on real outcomes: hook output reaching the model request, a scripted Bash tool call
executed on disk, project subagents listed, ``--continue`` resuming, ``/compact`` firing
PreCompact.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from .anthropic_stub import (
    AnthropicStub,
    Reply,
    bash_reply,
    is_compaction_request,
    last_user_has_tool_result,
    text_reply,
)
from .claude_cli import (
    CLAUDE_CODE_VERSION,
    ClaudeInstallError,
    ClaudeProject,
    claude_env,
    ensure_claude_cli,
    install_dir,
    parse_json_output,
)

# --------------------------------------------------------------------------- helpers


def _request(
    stub: AnthropicStub, method: str, path: str, body: Any = None
) -> tuple[int, dict[str, str], str]:
    """One plain HTTP request to the stub (http.client: never goes through a proxy)."""
    conn = http.client.HTTPConnection("127.0.0.1", stub.port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"} if payload is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        conn.close()


def _sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    for chunk in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in chunk.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def _write_settings(project: Path, hooks: dict[str, list[dict[str, Any]]]) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"hooks": hooks}, indent=2) + "\n")


def _command_hook(command: str) -> list[dict[str, Any]]:
    return [{"hooks": [{"type": "command", "command": command, "timeout": 30}]}]


def _python_hook(project: Path, name: str, source: str) -> list[dict[str, Any]]:
    """A hook running a Python script from .claude/hooks with the absolute interpreter path."""
    script = project / ".claude" / "hooks" / name
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(source)
    return _command_hook(f'"{sys.executable}" "$CLAUDE_PROJECT_DIR/.claude/hooks/{name}"')


# --------------------------------------------------------------------------- the stub alone


def test_stub_streams_sse_text_reply() -> None:
    with AnthropicStub() as stub:
        stub.script(text_reply("hello from the script"))
        body = {
            "model": "m",
            "stream": True,
            "tools": [{"name": "Bash"}],
            "messages": [{"role": "user", "content": "hi"}],
        }
        status, headers, text = _request(stub, "POST", "/v1/messages?beta=true", body)
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    events = _sse(text)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0][1]["message"]["model"] == "m"
    assert events[2][1]["delta"] == {"type": "text_delta", "text": "hello from the script"}
    assert events[4][1]["delta"]["stop_reason"] == "end_turn"
    (recorded,) = stub.requests
    assert recorded.path == "/v1/messages"
    assert recorded.query == {"beta": ["true"]}
    assert recorded.body == body
    assert recorded.headers["content-type"] == "application/json"
    assert stub.pending == []


def test_stub_streams_tool_use_and_answers_tool_result() -> None:
    with AnthropicStub() as stub:
        stub.script(bash_reply("echo hi"))
        tools = [{"name": "Bash"}]
        first = {
            "model": "m",
            "stream": True,
            "tools": tools,
            "messages": [{"role": "user", "content": "go"}],
        }
        _, _, text = _request(stub, "POST", "/v1/messages", first)
        events = _sse(text)
        start = events[1][1]["content_block"]
        assert start["type"] == "tool_use"
        assert start["name"] == "Bash"
        assert start["input"] == {}
        delta = events[2][1]["delta"]
        assert delta["type"] == "input_json_delta"
        assert json.loads(delta["partial_json"])["command"] == "echo hi"
        assert events[-2][1]["delta"]["stop_reason"] == "tool_use"

        result = {
            "model": "m",
            "tools": tools,
            "messages": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": [start]},
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": start["id"], "content": "hi"}
                    ],
                },
            ],
        }
        assert last_user_has_tool_result(result)
        status, headers, text = _request(stub, "POST", "/v1/messages", result)  # non-streaming
    assert status == 200
    assert headers["content-type"] == "application/json"
    message = json.loads(text)
    assert message["type"] == "message"
    assert message["content"] == [{"type": "text", "text": "done"}]
    assert message["stop_reason"] == "end_turn"


def test_stub_default_responder_side_requests_compaction_and_fallback() -> None:
    stub = AnthropicStub(side_text="a title", fallback_text="fallback")
    stub.script(text_reply("scripted"))
    no_tools = {"messages": [{"role": "user", "content": "summarise"}]}
    with_tools: dict[str, Any] = {
        "tools": [{"name": "Bash"}],
        "messages": [{"role": "user", "content": "x"}],
    }
    compact = {
        "tools": [{"name": "Bash"}],
        "messages": [
            {"role": "user", "content": "Give an <analysis> block and a <summary> block."}
        ],
    }
    assert is_compaction_request(compact)
    assert stub.default_responder(no_tools, 0).text == "a title"
    assert "<summary>" in stub.default_responder(compact, 1).text
    assert stub.default_responder(with_tools, 2).text == "scripted"  # side requests kept the queue
    assert stub.default_responder(with_tools, 3).text == "fallback"


def test_stub_other_endpoints_and_errors() -> None:
    def broken(body: dict[str, Any], index: int) -> Reply:
        raise ValueError(f"no reply for request {index}")

    with AnthropicStub(responder=broken) as stub:
        assert stub.base_url.startswith("http://127.0.0.1:")
        assert _request(stub, "GET", "/")[0] == 200
        assert _request(stub, "HEAD", "/v1/models")[0] == 404
        assert _request(stub, "GET", "/v1/models")[0] == 404
        status, _, text = _request(
            stub,
            "POST",
            "/v1/messages/count_tokens?beta=true",
            {"messages": [{"role": "user", "content": "abc"}]},
        )
        assert status == 200
        assert json.loads(text)["input_tokens"] > 0
        status, _, text = _request(stub, "POST", "/v1/messages", {"messages": []})
        assert status == 400
        assert json.loads(text)["error"]["type"] == "invalid_request_error"
        assert stub.paths() == [
            "GET /",
            "HEAD /v1/models",
            "GET /v1/models",
            "POST /v1/messages/count_tokens",
            "POST /v1/messages",
        ]
        with pytest.raises(AssertionError, match="responder raised 1"):
            stub.check()
    assert isinstance(stub.errors[0], ValueError)


def test_claude_env_is_offline_and_scrubbed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "real-secret")
    monkeypatch.setenv("CLAUDECODE", "1")
    monkeypatch.setenv("GIT_INDEX_FILE", "/elsewhere/index")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    env = claude_env(base_url="http://127.0.0.1:9", home=tmp_path / "h", tmpdir=tmp_path / "t")
    for name in ("ANTHROPIC_AUTH_TOKEN", "CLAUDECODE", "GIT_INDEX_FILE", "HTTPS_PROXY"):
        assert name not in env
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"
    assert env["ANTHROPIC_API_KEY"] == "sk-test-dummy"
    assert env["HOME"] == str(tmp_path / "h")
    assert env["TMPDIR"] == env["CLAUDE_CODE_TMPDIR"] == str(tmp_path / "t")
    for flag in (
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "DISABLE_TELEMETRY",
        "DISABLE_AUTOUPDATER",
        "DISABLE_ERROR_REPORTING",
    ):
        assert env[flag] == "1"


# ------------------------------------------------------------------ install logic (fake npm)

FAKE_NPM = """\
import os, sys
# fake npm: records its arguments, then fails or lays out node_modules/.bin/claude
with open(os.environ["FAKE_NPM_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if os.environ.get("FAKE_NPM_FAIL"):
    print("npm ERR! 404 no such package")
    sys.exit(1)
prefix = sys.argv[sys.argv.index("--prefix") + 1]
bin_dir = os.path.join(prefix, "node_modules", ".bin")
os.makedirs(bin_dir)
claude = os.path.join(bin_dir, "claude")
with open(claude, "w") as f:
    f.write("#!/bin/sh\\necho fake\\n")
os.chmod(claude, 0o755)
"""


@pytest.fixture
def fake_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!{sys.executable}\n{FAKE_NPM}")
    npm.chmod(0o755)
    log = tmp_path / "npm.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_NPM_LOG", str(log))
    monkeypatch.setenv("SESSIONLOG_TEST_CACHE", str(tmp_path / "cache"))
    return log


def test_install_once_into_cache_then_reuse(fake_npm: Path, tmp_path: Path) -> None:
    target = tmp_path / "cache" / "npm" / f"claude-code-{CLAUDE_CODE_VERSION}"
    assert install_dir() == target
    cli = ensure_claude_cli()
    assert cli == target / "node_modules" / ".bin" / "claude"
    assert ensure_claude_cli() == cli  # second call reuses the install
    (call,) = fake_npm.read_text().splitlines()
    assert f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}" in call
    leftovers = [p.name for p in target.parent.iterdir() if p.name.startswith(".claude-code-")]
    assert all(name.endswith(".lock") for name in leftovers)  # no staging dir left behind


def test_failed_install_raises_with_npm_output(
    fake_npm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NPM_FAIL", "1")
    with pytest.raises(ClaudeInstallError, match="npm ERR! 404"):
        ensure_claude_cli()
    assert not install_dir().exists()


def test_no_npm_returns_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("SESSIONLOG_TEST_CACHE", str(tmp_path / "cache"))
    assert ensure_claude_cli() is None


# --------------------------------------------------------------------------- the real CLI

slow = pytest.mark.slow


@slow
def test_hook_context_reaches_first_main_request(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    project = claude_project.project
    _write_settings(
        project,
        {
            "SessionStart": _command_hook("echo HARNESS-SESSION-START-MARKER"),
            "UserPromptSubmit": _command_hook(
                'cat > "$CLAUDE_PROJECT_DIR/prompt-hook.json"; echo HARNESS-PROMPT-MARKER'
            ),
        },
    )
    result = claude_project.run_json("HARNESS-USER-PROMPT please say hi")
    assert result["is_error"] is False
    assert result["result"] == anthropic_stub.fallback_text

    first = anthropic_stub.first_main_request()
    assert "HARNESS-SESSION-START-MARKER" in first.text, anthropic_stub.dump([first])
    assert "HARNESS-PROMPT-MARKER" in first.text, anthropic_stub.dump([first])
    assert "HARNESS-USER-PROMPT please say hi" in first.text
    assert "Bash" in first.tool_names
    assert first.query == {"beta": ["true"]}
    assert first.headers["x-api-key"] == "sk-test-dummy"
    # This pinned release talks to the Messages endpoint only (no side requests in -p mode).
    assert {r.path for r in anthropic_stub.requests} <= {
        "/v1/messages",
        "/v1/messages/count_tokens",
    }, anthropic_stub.paths()

    hook_input = json.loads((project / "prompt-hook.json").read_text())
    assert hook_input["hook_event_name"] == "UserPromptSubmit"
    assert hook_input["prompt"] == "HARNESS-USER-PROMPT please say hi"
    assert hook_input["session_id"] == result["session_id"]
    assert Path(hook_input["cwd"]).resolve() == project.resolve()


@slow
def test_scripted_bash_tool_call_is_executed(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    anthropic_stub.script(bash_reply("echo hi > created.txt"))
    result = claude_project.run_json("create the file")

    created = claude_project.project / "created.txt"
    assert created.read_text() == "hi\n"
    assert result["result"] == "done"
    assert result["num_turns"] == 2
    assert result["permission_denials"] == []
    main = anthropic_stub.main_requests()
    assert len(main) == 2, anthropic_stub.paths()
    assert not last_user_has_tool_result(main[0].body)
    assert last_user_has_tool_result(main[1].body)
    assert anthropic_stub.pending == []


@slow
def test_project_subagent_is_listed_to_the_model(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    agents = claude_project.project / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "foo-agent.md").write_text(
        "---\n"
        "name: foo-agent\n"
        "description: HARNESS-FOO-AGENT-DESCRIPTION. Use for foo tasks.\n"
        "---\n"
        "You are the foo agent.\n"
    )
    (agents / "broken-agent.md").write_text("no front matter here: HARNESS-BROKEN-AGENT\n")

    claude_project.run("list your agents")

    first = anthropic_stub.first_main_request()
    assert "foo-agent" in first.text
    assert "HARNESS-FOO-AGENT-DESCRIPTION" in first.text
    assert "HARNESS-BROKEN-AGENT" not in anthropic_stub.all_text()  # skipped silently
    assert len(anthropic_stub.find("HARNESS-FOO-AGENT-DESCRIPTION")) == len(
        anthropic_stub.main_requests()
    )


SOURCE_HOOK = """\
import json, sys
data = json.load(sys.stdin)
print("HARNESS-SOURCE-" + str(data.get("source", "none")))
"""


@slow
def test_continue_resumes_the_session(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    project = claude_project.project
    _write_settings(project, {"SessionStart": _python_hook(project, "source.py", SOURCE_HOOK)})

    first = claude_project.run_json("HARNESS-FIRST-PROMPT")
    first_request = anthropic_stub.first_main_request()
    assert "HARNESS-SOURCE-startup" in first_request.text
    assert "HARNESS-SOURCE-resume" not in first_request.text

    anthropic_stub.clear()
    second = claude_project.run_json("HARNESS-SECOND-PROMPT", "--continue")
    resumed = anthropic_stub.first_main_request()
    assert "HARNESS-SOURCE-resume" in resumed.text, anthropic_stub.dump([resumed])
    assert "HARNESS-FIRST-PROMPT" in resumed.text  # the earlier conversation came along
    assert "HARNESS-SECOND-PROMPT" in resumed.text
    assert second["session_id"] == first["session_id"]


PRECOMPACT_HOOK = """\
import json, os, sys
data = json.load(sys.stdin)
out = os.path.join(os.environ["CLAUDE_PROJECT_DIR"], "precompact.json")
with open(out, "w") as f:
    json.dump(data, f)
print("HARNESS-PRECOMPACT-INSTRUCTIONS")
"""


@slow
def test_compact_with_continue_fires_precompact(
    claude_project: ClaudeProject, anthropic_stub: AnthropicStub
) -> None:
    project = claude_project.project
    _write_settings(
        project, {"PreCompact": _python_hook(project, "precompact.py", PRECOMPACT_HOOK)}
    )
    first = claude_project.run_json("HARNESS-BEFORE-COMPACT")
    marker = project / "precompact.json"
    assert not marker.exists()

    anthropic_stub.clear()
    proc = claude_project.run("/compact", "--continue")
    assert parse_json_output(proc)["is_error"] is False

    data = json.loads(marker.read_text())
    assert data["hook_event_name"] == "PreCompact"
    assert data["trigger"] == "manual"
    assert data["session_id"] == first["session_id"]
    compactions = [r for r in anthropic_stub.main_requests() if r.is_compaction]
    assert len(compactions) == 1, anthropic_stub.paths()  # our <summary> reply was accepted
    assert "HARNESS-BEFORE-COMPACT" in compactions[0].text
    assert "HARNESS-PRECOMPACT-INSTRUCTIONS" in compactions[0].text
