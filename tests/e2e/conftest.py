"""Fixtures for driving the real assistant CLIs (Claude Code, Codex, Gemini, Copilot, Qwen,
OpenCode) against loopback API stubs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from .anthropic_stub import AnthropicStub
from .chat_stub import ChatStub
from .claude_cli import CLAUDE_CODE_PACKAGE, CLAUDE_CODE_VERSION, ClaudeProject, ensure_claude_cli
from .gemini_stub import GeminiStub
from .loopback import LoopbackStub
from .openai_stub import OpenAIStub

StubT = TypeVar("StubT", bound=LoopbackStub[Any])


def clean_git_env() -> dict[str, str]:
    """The current environment without GIT_* variables (tests may run from inside a git hook)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def init_git_repo(path: Path) -> Path:
    """``git init`` a repository at ``path`` with a local identity; returns ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    env = clean_git_env()
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "Harness Tester"],
        ["config", "user.email", "harness@example.invalid"],
        ["config", "commit.gpgsign", "false"],
    ):
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)
    return path


def _cli_or_skip(cli: Path | None, package: str, version: str) -> Path:
    """``cli``, or skip the test when there was no npm to install ``package@version`` with."""
    if cli is None:
        pytest.skip(f"npm not found: cannot install {package}@{version} for the real-CLI tests")
    return cli


def _serve(stub: StubT) -> Iterator[StubT]:
    """Run ``stub`` for one test, then fail the test if its responder raised."""
    with stub:
        yield stub
    stub.check()


@pytest.fixture(scope="session")
def claude_cli() -> Path:
    """The pinned real ``claude`` executable (installed once into the cache); skips without npm."""
    return _cli_or_skip(ensure_claude_cli(), CLAUDE_CODE_PACKAGE, CLAUDE_CODE_VERSION)


@pytest.fixture
def anthropic_stub() -> Iterator[AnthropicStub]:
    """A started loopback Messages API stub; fails the test if its responder raised."""
    yield from _serve(AnthropicStub())


@pytest.fixture
def claude_home(tmp_path: Path) -> Path:
    """A fresh, empty HOME for the CLI (reuse it within a test for ``--continue``)."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def git_project(tmp_path: Path) -> Path:
    """An empty git repository with a local user.name / user.email."""
    return init_git_repo(tmp_path / "project")


@pytest.fixture
def claude_project(
    claude_cli: Path, git_project: Path, claude_home: Path, anthropic_stub: AnthropicStub
) -> ClaudeProject:
    """The real CLI bound to ``git_project``, ``claude_home`` and ``anthropic_stub``."""
    return ClaudeProject(
        cli=claude_cli, project=git_project, home=claude_home, base_url=anthropic_stub.base_url
    )


# --------------------------------------------------------------------------- Codex CLI, Gemini CLI


@pytest.fixture(scope="session")
def codex_cli() -> Path:
    """The pinned real ``codex`` executable (installed once into the cache); skips without npm."""
    from .agent_clis import CODEX_PACKAGE, CODEX_VERSION, ensure_codex

    return _cli_or_skip(ensure_codex(), CODEX_PACKAGE, CODEX_VERSION)


@pytest.fixture(scope="session")
def gemini_cli() -> Path:
    """The pinned real ``gemini`` executable (installed once into the cache); skips without npm."""
    from .agent_clis import GEMINI_PACKAGE, GEMINI_VERSION, ensure_gemini

    return _cli_or_skip(ensure_gemini(), GEMINI_PACKAGE, GEMINI_VERSION)


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A started loopback Responses API stub; fails the test if its responder raised."""
    yield from _serve(OpenAIStub())


@pytest.fixture
def gemini_stub() -> Iterator[GeminiStub]:
    """A started loopback Gemini API stub; fails the test if its responder raised."""
    yield from _serve(GeminiStub())


# --------------------------------------------------------------------------- Copilot CLI, Qwen Code, OpenCode


@pytest.fixture(scope="session")
def copilot_cli() -> Path:
    """The pinned real ``copilot`` loader (installed once into the cache); skips without npm."""
    from .chat_clis import COPILOT_PACKAGE, COPILOT_VERSION, ensure_copilot

    return _cli_or_skip(ensure_copilot(), COPILOT_PACKAGE, COPILOT_VERSION)


@pytest.fixture(scope="session")
def qwen_cli() -> Path:
    """The pinned real ``qwen`` executable (installed once into the cache); skips without npm."""
    from .chat_clis import QWEN_PACKAGE, QWEN_VERSION, ensure_qwen

    return _cli_or_skip(ensure_qwen(), QWEN_PACKAGE, QWEN_VERSION)


@pytest.fixture(scope="session")
def opencode_cli() -> Path:
    """The pinned real ``opencode`` executable (installed once into the cache); skips without npm."""
    from .chat_clis import OPENCODE_PACKAGE, OPENCODE_VERSION, ensure_opencode

    return _cli_or_skip(ensure_opencode(), OPENCODE_PACKAGE, OPENCODE_VERSION)


@pytest.fixture
def chat_stub() -> Iterator[ChatStub]:
    """A started loopback Chat Completions stub; fails the test if its responder raised."""
    yield from _serve(ChatStub())
