"""Install and run the real Copilot CLI, Qwen Code and OpenCode offline, against the loopback
Chat Completions stub (:mod:`chat_stub`).

The same core as :mod:`agent_clis` (:mod:`npm_cli`): each pinned npm package is installed once
into ``<cache root>/npm/<name>-<version>``, and each run gets a private HOME, a scrubbed
environment and every offline setting from ``../shared/REFERENCE.md`` ("Driving Copilot CLI,
Qwen Code and OpenCode offline"), so the only traffic is to the stub on 127.0.0.1.

Copilot's loader unpacks a ~235 MB binary on first start: ``COPILOT_PKG_CACHE_HOME`` points at
``<cache root>/copilot-pkg``, shared by every run.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .npm_cli import PROXY_NAMES, cache_root, ensure_npm_cli, run_in_group
from .npm_cli import offline_env as _offline_env

COPILOT_PACKAGE, COPILOT_VERSION = "@github/copilot", "1.0.102"
QWEN_PACKAGE, QWEN_VERSION = "@qwen-code/qwen-code", "0.24.4"
OPENCODE_PACKAGE, OPENCODE_VERSION = "opencode-ai", "1.18.33"
STUB_KEY = "sk-stub-dummy"

_SCRUB_PREFIXES = (
    "ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "VERTEX", "GIT_", "XDG_",
    "OTEL_", "AWS_", "AZURE_", "COPILOT_", "GITHUB_", "GH_", "QWEN_", "DASHSCOPE_", "OPENCODE",
)
_SCRUB_NAMES = PROXY_NAMES | {"NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "DEBUG", "CI"}


def ensure_copilot() -> Path | None:
    return ensure_npm_cli(COPILOT_PACKAGE, COPILOT_VERSION, "copilot")


def ensure_qwen() -> Path | None:
    return ensure_npm_cli(QWEN_PACKAGE, QWEN_VERSION, "qwen")


def ensure_opencode() -> Path | None:
    return ensure_npm_cli(OPENCODE_PACKAGE, OPENCODE_VERSION, "opencode")


def _env(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    tmp = home.parent / f"{home.name}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return _offline_env(home, tmp, scrub_prefixes=_SCRUB_PREFIXES, scrub_names=_SCRUB_NAMES,
                        extra={"NO_COLOR": "1", **extra})


def _checked(proc: subprocess.CompletedProcess[str], check: bool) -> subprocess.CompletedProcess[str]:
    if check and proc.returncode != 0:
        raise AssertionError(f"{proc.args[0]} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n"
                             f"--- stderr\n{proc.stderr}")
    return proc


@dataclass(frozen=True)
class CopilotRun:
    """The real ``copilot -p`` bound to a project, a private HOME and a stub."""

    cli: Path
    project: Path
    home: Path
    base_url: str

    def run(self, prompt: str, *, env: Mapping[str, str] | None = None, timeout: float = 180,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        self.home.mkdir(parents=True, exist_ok=True)
        pkg_cache = cache_root() / "copilot-pkg"
        pkg_cache.mkdir(parents=True, exist_ok=True)
        environ = _env(self.home, {
            "COPILOT_OFFLINE": "true", "COPILOT_AUTO_UPDATE": "false",
            "COPILOT_PROVIDER_BASE_URL": f"{self.base_url}/v1", "COPILOT_PROVIDER_API_KEY": STUB_KEY,
            "COPILOT_MODEL": "gpt-4o", "COPILOT_PKG_CACHE_HOME": str(pkg_cache), **(env or {}),
        })
        # --allow-all-paths: the reminded command runs the interpreter by its absolute path, outside
        # the project, which -p mode otherwise denies ("no interactive user response").
        args = [str(self.cli), "-p", prompt, "--allow-all-tools", "--allow-all-paths", "--trust-folder"]
        return _checked(run_in_group(args, self.project, environ, timeout), check)


@dataclass(frozen=True)
class QwenRun:
    """The real ``qwen`` bound to a project, a private HOME and a stub."""

    cli: Path
    project: Path
    home: Path
    base_url: str

    def run(self, prompt: str, *, env: Mapping[str, str] | None = None, timeout: float = 180,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        folder = self.home / ".qwen"
        folder.mkdir(parents=True, exist_ok=True)
        settings = {
            "security": {"auth": {"selectedType": "openai"}},
            "privacy": {"usageStatisticsEnabled": False},
            "telemetry": {"enabled": False},
            "general": {"enableAutoUpdate": False},
            "memory": {"enableManagedAutoMemory": False, "enableManagedAutoDream": False},
        }
        (folder / "settings.json").write_text(json.dumps(settings, indent=2))
        environ = _env(self.home, {
            "OPENAI_API_KEY": STUB_KEY, "OPENAI_BASE_URL": f"{self.base_url}/v1",
            "OPENAI_MODEL": "gpt-4o", "QWEN_USAGE_STATISTICS_ENABLED": "false",
            "QWEN_CODE_NO_RELAUNCH": "true", **(env or {}),
        })
        args = [str(self.cli), prompt, "--auth-type", "openai", "--yolo"]
        return _checked(run_in_group(args, self.project, environ, timeout), check)


def _no_plugin_install(folder: Path) -> None:
    """What stops OpenCode's background `npm install @opencode-ai/plugin` in a config folder."""
    (folder / "node_modules").mkdir(parents=True, exist_ok=True)
    deps = {"@opencode-ai/plugin": OPENCODE_VERSION}
    (folder / "package.json").write_text(json.dumps({"dependencies": deps}) + "\n")
    lock = {"name": folder.name, "lockfileVersion": 3, "requires": True, "packages": {
        "": {"dependencies": deps},
        "node_modules/@opencode-ai/plugin": {"version": OPENCODE_VERSION},
    }}
    (folder / "package-lock.json").write_text(json.dumps(lock) + "\n")


@dataclass(frozen=True)
class OpenCodeRun:
    """The real ``opencode run`` bound to a project, a private HOME (XDG dirs) and a stub."""

    cli: Path
    project: Path
    home: Path
    base_url: str

    def prepare_project(self) -> None:
        """Before init: keep OpenCode's package files in `.opencode/` out of git status."""
        _no_plugin_install(self.project / ".opencode")
        exclude = self.project / ".git" / "info" / "exclude"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with exclude.open("a") as handle:
            handle.write("/.opencode/node_modules/\n/.opencode/package.json\n"
                         "/.opencode/package-lock.json\n/.opencode/.gitignore\n")

    def run(self, prompt: str, *, env: Mapping[str, str] | None = None, timeout: float = 180,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        xdg = {name: self.home / sub for name, sub in (
            ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
            ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state"))}
        for folder in xdg.values():
            folder.mkdir(parents=True, exist_ok=True)
        _no_plugin_install(xdg["XDG_CONFIG_HOME"] / "opencode")
        config = {
            "$schema": "https://opencode.ai/config.json",
            "autoupdate": False, "share": "disabled",
            "provider": {"stub": {
                "npm": "@ai-sdk/openai-compatible", "name": "stub",
                "options": {"baseURL": f"{self.base_url}/v1", "apiKey": STUB_KEY},
                "models": {"stub-model": {"name": "stub-model", "tool_call": True}},
            }},
        }
        environ = _env(self.home, {
            **{k: str(v) for k, v in xdg.items()},
            "OPENCODE_DISABLE_AUTOUPDATE": "true", "OPENCODE_DISABLE_MODELS_FETCH": "true",
            "OPENCODE_DISABLE_LSP_DOWNLOAD": "true", "OPENCODE_DISABLE_SHARE": "true",
            "OPENCODE_CONFIG_CONTENT": json.dumps(config),
            "PWD": str(self.project),  # opencode run takes its project from PWD, not the cwd
            **(env or {}),
        })
        args = [str(self.cli), "run", prompt, "--model", "stub/stub-model"]
        return _checked(run_in_group(args, self.project, environ, timeout), check)
