"""`sessionlog mcp`, driven by the MCP Python SDK's own stdio client.

The server runs as a real subprocess (`python -m sessionlog_git mcp`) in a real repository
with the native git hooks; what it writes is committed by a real `git commit`.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import PYTHON, Repo
from mcp.client import Client  # the SDK is in the test extra: pip install -e '.[test]'
from mcp.client.stdio import StdioServerParameters

T = TypeVar("T")
TOOLS = {"log", "search", "why", "resume", "blockers"}
TODAY = ".git/sessionlog/pending/shop/ada/2026-11-25.md"


@asynccontextmanager
async def _client(cwd: Path, now: str, user: str = "ada") -> AsyncIterator[Client]:
    env = {**os.environ, "SESSIONLOG_NOW": now, "SESSIONLOG_USER": user}
    server = StdioServerParameters(command=PYTHON, args=["-m", "sessionlog_git", "mcp"], cwd=cwd, env=env)
    async with Client(server) as client:
        yield client


def _with_client(cwd: Path, now: str, body: Callable[[Client], Awaitable[T]]) -> T:
    async def go() -> T:
        async with _client(cwd, now) as client:
            return await body(client)

    return asyncio.run(go())


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content)


def _stat(repo: Repo) -> str:
    return repo.git("show", "--stat=200", "--format=", "HEAD").stdout


def test_lists_its_tools_and_resources(native_repo: Repo) -> None:
    async def body(client: Client) -> tuple[set[str], set[str], dict[str, Any]]:
        tools = (await client.list_tools()).tools
        resources = (await client.list_resources()).resources
        log = next(t for t in tools if t.name == "log")
        return {t.name for t in tools}, {str(r.uri) for r in resources}, log.input_schema

    names, uris, log_schema = _with_client(native_repo.path, "2026-11-25T14:30:00+01:00", body)
    assert names == TOOLS
    assert uris == {"sessionlog://today", "sessionlog://status"}
    assert log_schema["required"] == ["title"]
    assert set(log_schema["properties"]) == {"title", "bullets", "project", "agent"}


def test_log_tool_writes_the_entry_and_the_next_commit_consolidates_it(native_repo: Repo) -> None:
    repo = native_repo

    async def body(client: Client) -> tuple[str, str, str]:
        logged = await client.call_tool("log", {
            "title": "Chose RS256 for auth tokens",
            "bullets": ["Decision: RS256 over HS256, because key rotation is required",
                        "- Blocked on: Redis session store not configured (ops)"],
            "agent": "cursor",
        })
        assert not logged.is_error, _text(logged)
        today = await client.read_resource("sessionlog://today")
        status = await client.read_resource("sessionlog://status")
        return _text(logged), today.contents[0].text, status.contents[0].text

    said, today, status = _with_client(repo.path, "2026-11-25T14:30:07+01:00", body)
    assert said == f"sessionlog: logged 14:30 (UTC+01:00) to {TODAY}"
    written = repo.read(TODAY)
    assert today == written  # the resource is the file
    assert written.splitlines() == [
        "# sessionlog: shop / ada / 2026-11-25",
        "<!-- sessionlog date=2026-11-25 zone=+01:00 offset=+01:00 -->",
        "",
        "## 14:30 - Chose RS256 for auth tokens",
        "<!-- sessionlog at=2026-11-25T14:30:07+01:00 agent=cursor -->",
        "- Decision: RS256 over HS256, because key rotation is required",
        "- Blocked on: Redis session store not configured (ops)",
    ]
    assert "logs/shop-status.md does not exist yet" in status

    # The same entry through the command line is written the same way (one code path).
    repo.sl("log", "Chose RS256 for auth tokens",
            "Decision: RS256 over HS256, because key rotation is required",
            "- Blocked on: Redis session store not configured (ops)", "--agent", "cursor",
            env={"SESSIONLOG_NOW": "2026-11-25T14:30:07+01:00"})
    twice = repo.read(TODAY)
    entry = written.split("\n\n", 1)[1]
    assert twice == written + "\n" + entry

    repo.write("auth.py", "ALGORITHM = 'RS256'\n")
    repo.git("add", "auth.py")
    repo.git("commit", "-q", "-m", "Add auth tokens")
    stat = _stat(repo)
    assert "auth.py" in stat
    assert "logs/archive/2026-11/shop/ada/2026-11-25-" in stat, stat
    assert "logs/shop-session-log-2026-11.md" in stat and "logs/shop-status.md" in stat, stat
    (archived,) = repo.archive()
    assert archived.read_text() == twice  # archived as written, byte for byte
    assert repo.pending() == [] and repo.porcelain() == []

    async def after(client: Client) -> tuple[str, str]:
        today = await client.read_resource("sessionlog://today")
        status = await client.read_resource("sessionlog://status")
        return today.contents[0].text, status.contents[0].text

    today, status = _with_client(repo.path, "2026-11-25T15:00:00+01:00", after)
    assert today == f"(no entries yet today: {TODAY})\n"
    assert status == repo.read("logs/shop-status.md")
    assert "Redis session store not configured (ops)" in status


def _history(repo: Repo) -> None:
    """One archived entry with a blocker, then one pending entry by another contributor."""
    repo.log("2026-11-24T10:00:00+01:00", "Set up the Redis cache",
             "Decision: Redis over memcached, because sessions must survive a restart",
             "Blocked on: Redis password is not in the vault yet")
    repo.write("cache.py", "BACKEND = 'redis'\n")
    repo.git("add", "cache.py")
    repo.git("commit", "-q", "-m", "Add the cache")
    repo.log("2026-11-25T09:00:00+01:00", "Tuned the auth token expiry",
             "Finding: refresh tokens expired after 5 min under load", "Next: rotate the signing keys",
             user="bob")


def test_search_why_resume_and_blockers_answer_from_the_log(native_repo: Repo) -> None:
    repo = native_repo
    _history(repo)
    now = "2026-11-25T12:00:00+01:00"

    async def body(client: Client) -> dict[str, Any]:
        calls = {
            "redis": ("search", {"query": "Redis"}),
            "auth": ("search", {"query": "auth"}),
            "bob_redis": ("search", {"query": "redis", "author": "bob"}),
            "next": ("search", {"query": "rotate keys", "kind": "next"}),
            "recent": ("search", {"query": "redis", "since": "2026-11-25"}),
            "why": ("why", {"target": "cache.py:1"}),
            "resume": ("resume", {}),
            "blockers": ("blockers", {}),
        }
        out = {}
        for key, (tool, args) in calls.items():
            result = await client.call_tool(tool, args)
            assert not result.is_error, (key, _text(result))
            out[key] = result
        return out

    got = _with_client(repo.path, now, body)

    def hits(key: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = got[key].structured_content["results"]
        return found

    redis = hits("redis")
    assert [hit["title"] for hit in redis] == ["Set up the Redis cache"]
    assert not redis[0]["pending"] and redis[0]["user"] == "ada"
    assert redis[0]["file"].startswith("logs/archive/2026-11/shop/ada/2026-11-24-")
    matched = [b["text"] for b in redis[0]["bullets"] if b["matched"]]
    assert matched[0].startswith("Decision: Redis over memcached")
    assert json.loads(got["redis"].content[0].text)["results"][0]["title"] == "Set up the Redis cache"
    assert [(h["title"], h["pending"], h["user"]) for h in hits("auth")] == [
        ("Tuned the auth token expiry", True, "bob")]
    assert hits("bob_redis") == []
    assert [h["title"] for h in hits("next")] == ["Tuned the auth token expiry"]
    assert hits("recent") == []

    env = {"SESSIONLOG_NOW": now, "SESSIONLOG_USER": "ada"}
    why_cli = repo.sl("why", "cache.py:1", env=env).stdout
    assert _text(got["why"]) == why_cli  # the same answer as the command line
    assert "Set up the Redis cache" in why_cli

    resume_cli = repo.sl("resume", env=env).stdout
    assert _text(got["resume"]) + "\n" == resume_cli
    assert f"Today's temp log: {TODAY}" in resume_cli
    assert "Redis password is not in the vault yet" in resume_cli

    blockers = _text(got["blockers"])
    assert blockers.splitlines()[0] == "1 open blocker (oldest first):"
    assert blockers.splitlines()[1].startswith(
        "- Redis password is not in the vault yet (open 1 d 2 h; logged 2026-11-24 10:00 by ada, "
        "project shop, in logs/archive/2026-11/shop/ada/2026-11-24-")

    # An entry not committed yet closes the blocker at once.
    async def unblock(client: Client) -> str:
        logged = await client.call_tool("log", {"title": "Vault fixed",
                                                "bullets": ["Unblocked: Redis password is in the vault"]})
        assert not logged.is_error, _text(logged)
        return _text(await client.call_tool("blockers", {}))

    assert _with_client(repo.path, "2026-11-25T12:30:00+01:00", unblock) == "No open blockers."


def test_a_refused_call_is_an_error_result_that_names_the_fix(native_repo: Repo, tmp_path: Path) -> None:
    async def body(client: Client) -> list[Any]:
        return [
            await client.call_tool("log", {"title": "   "}),
            await client.call_tool("search", {"query": "redis", "kind": "bogus"}),
            await client.call_tool("search", {"query": "--"}),
            await client.call_tool("why", {"target": "nope.py:3"}),
            await client.call_tool("log", {"title": "x", "project": "../escape"}),
        ]

    results = _with_client(native_repo.path, "2026-11-25T14:30:00+01:00", body)
    assert all(r.is_error for r in results)
    texts = [_text(r) for r in results]
    assert "the entry needs a title. Fix:" in texts[0]
    assert "search kind 'bogus': unknown. Fix: pass one of decision, finding" in texts[1]
    assert "no words to look for. Fix:" in texts[2]
    assert "nope.py: is not in git" in texts[3] and "Fix:" in texts[3]
    assert "../escape" in texts[4] and "Fix" in texts[4]
    assert native_repo.pending() == []  # nothing was written

    outside = tmp_path / "not-a-repo"
    outside.mkdir()

    async def nowhere(client: Client) -> Any:
        return await client.call_tool("resume", {})

    result = _with_client(outside, "2026-11-25T14:30:00+01:00", nowhere)
    assert result.is_error and "not inside a git work tree. Fix:" in _text(result)


def test_without_the_sdk_it_exits_1_and_says_how_to_install_it(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sessionlog_git.main import main

    monkeypatch.chdir(native_repo.path)
    monkeypatch.setitem(sys.modules, "mcp", None)  # what `import mcp` meets when it is not installed
    for name in [n for n in sys.modules if n.startswith("mcp.") or n.startswith("sessionlog_git.mcp")]:
        monkeypatch.delitem(sys.modules, name)
    assert main(["mcp"]) == 1
    err = capsys.readouterr().err
    assert "sessionlog mcp needs the MCP Python SDK" in err
    assert "Fix: pip install 'sessionlog-git[mcp]'" in err


def test_repo_option_serves_a_repository_the_client_did_not_start_it_in(
    native_repo: Repo, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "SESSIONLOG_NOW": "2026-11-25T14:30:00+01:00"}
    server = StdioServerParameters(command=PYTHON, cwd=elsewhere, env=env,
                                   args=["-m", "sessionlog_git", "mcp", "--repo", str(native_repo.path)])

    async def go() -> str:
        async with Client(server) as client:
            return _text(await client.call_tool("log", {"title": "From a global config"}))

    assert asyncio.run(go()) == f"sessionlog: logged 14:30 (UTC+01:00) to {TODAY}"
    assert "## 14:30 - From a global config" in native_repo.read(TODAY)

    bad = native_repo.sl("mcp", "--repo", str(tmp_path / "missing"), check=False)
    assert bad.returncode == 1
    assert f"--repo {tmp_path / 'missing'}: not a folder. Fix:" in bad.stderr
