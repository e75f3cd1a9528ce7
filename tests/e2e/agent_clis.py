"""Install and run the real Codex CLI and Gemini CLI offline, against loopback API stubs.

The same core as :mod:`claude_cli` (:mod:`npm_cli`): each pinned npm package is installed once
into ``<cache root>/npm/<name>-<version>`` (file lock + atomic rename), and each run gets a private
HOME (and CODEX_HOME), a scrubbed environment and every offline setting from
``../shared/REFERENCE.md``, so the only traffic is to the stub on 127.0.0.1.

* :func:`ensure_cli` installs a pinned package and returns its executable (None without npm).
* :class:`CodexRun` / :class:`GeminiRun` bind a CLI, a project, a home and a stub URL together.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .npm_cli import PROXY_NAMES, ensure_npm_cli, run_in_group
from .npm_cli import CliInstallError as CliInstallError
from .npm_cli import offline_env as _offline_env

CODEX_PACKAGE = "@openai/codex"
CODEX_VERSION = "0.169.0"
GEMINI_PACKAGE = "@google/gemini-cli"
GEMINI_VERSION = "0.61.0"
GEMINI_MODEL = "gemini-2.5-flash"
STUB_KEY = "stub-test-key"

# Never inherited: credentials, other config homes, proxies, and GIT_* (tests may run in a hook).
_SCRUB_PREFIXES = (
    "ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "VERTEX", "GIT_", "XDG_",
    "OTEL_", "AWS_", "AZURE_",
)
_SCRUB_NAMES = PROXY_NAMES | {"NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "DEBUG", "CI"}


# --------------------------------------------------------------------------- install

# ensure_cli(package, version, binary_name): the cached executable (None without npm), or
# CliInstallError (with npm's output) when the install fails.
ensure_cli = ensure_npm_cli


def ensure_codex() -> Path | None:
    return ensure_cli(CODEX_PACKAGE, CODEX_VERSION, "codex")


def ensure_gemini() -> Path | None:
    return ensure_cli(GEMINI_PACKAGE, GEMINI_VERSION, "gemini")


# --------------------------------------------------------------------------- run


def offline_env(home: Path, tmpdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return _offline_env(
        home, tmpdir, scrub_prefixes=_SCRUB_PREFIXES, scrub_names=_SCRUB_NAMES,
        extra={"NO_COLOR": "1", **(extra or {})},
    )


def _checked(proc: subprocess.CompletedProcess[str], check: bool) -> subprocess.CompletedProcess[str]:
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{proc.args[0]} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n"
            f"--- stderr\n{proc.stderr}"
        )
    return proc


def codex_config(base_url: str, project: Path) -> str:
    """``$CODEX_HOME/config.toml``: the stub provider and every offline switch."""
    return "\n".join(
        [
            'model = "gpt-5-codex"',
            'model_provider = "stub"',
            "check_for_update_on_startup = false",
            "",
            "[model_providers.stub]",
            'name = "stub"',
            f'base_url = "{base_url}/v1"',
            'env_key = "STUB_API_KEY"',
            'wire_api = "responses"',
            "",
            "[analytics]",
            "enabled = false",
            "",
            "[feedback]",
            "enabled = false",
            "",
            "[features]",
            "plugins = false",
            "remote_plugin = false",
            "apps = false",
            "",
            f"[projects.{json.dumps(str(project))}]",
            'trust_level = "trusted"',
            "",
        ]
    )


@dataclass(frozen=True)
class CodexRun:
    """The real ``codex`` bound to a project, a private HOME/CODEX_HOME and a stub."""

    cli: Path
    project: Path
    home: Path
    base_url: str

    @property
    def codex_home(self) -> Path:
        return self.home / ".codex"

    def prepare(self) -> None:
        self.codex_home.mkdir(parents=True, exist_ok=True)
        (self.home.parent / "codex.tmp").mkdir(exist_ok=True)
        (self.codex_home / "config.toml").write_text(codex_config(self.base_url, self.project))

    def run(self, prompt: str, *, env: Mapping[str, str] | None = None, timeout: float = 120,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        self.prepare()
        environ = offline_env(self.home, self.home.parent / "codex.tmp", {
            "CODEX_HOME": str(self.codex_home), "STUB_API_KEY": STUB_KEY, **(env or {}),
        })
        args = [str(self.cli), "exec", "--dangerously-bypass-approvals-and-sandbox",
                "--dangerously-bypass-hook-trust", "--skip-git-repo-check", prompt]
        return _checked(run_in_group(args, self.project, environ, timeout), check)


@dataclass(frozen=True)
class GeminiRun:
    """The real ``gemini`` bound to a project, a private HOME and a stub."""

    cli: Path
    project: Path
    home: Path
    base_url: str

    def prepare(self) -> None:
        folder = self.home / ".gemini"
        folder.mkdir(parents=True, exist_ok=True)
        (self.home.parent / "gemini.tmp").mkdir(exist_ok=True)
        settings = {
            "security": {"auth": {"selectedType": "gemini-api-key"}},
            "privacy": {"usageStatisticsEnabled": False},
            "telemetry": {"enabled": False},
            "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
        }
        (folder / "settings.json").write_text(json.dumps(settings, indent=2))
        (folder / "trustedFolders.json").write_text(
            json.dumps({str(self.project): "TRUST_FOLDER"}, indent=2)
        )

    def run(self, prompt: str, *, env: Mapping[str, str] | None = None, timeout: float = 120,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        self.prepare()
        environ = offline_env(self.home, self.home.parent / "gemini.tmp", {
            "GEMINI_API_KEY": STUB_KEY,
            "GOOGLE_GEMINI_BASE_URL": self.base_url,
            "GEMINI_CLI_NO_RELAUNCH": "true",
            **(env or {}),
        })
        args = [str(self.cli), "-p", prompt, "--yolo", "-m", GEMINI_MODEL]
        return _checked(run_in_group(args, self.project, environ, timeout), check)
