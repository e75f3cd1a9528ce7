"""Install and run the real Codex CLI and Gemini CLI offline, against loopback API stubs.

The same pattern as :mod:`claude_cli`: each pinned npm package is installed once into
``<cache root>/npm/<name>-<version>`` (file lock + atomic rename), and each run gets a private
HOME (and CODEX_HOME), a scrubbed environment and every offline setting from
``../shared/REFERENCE.md``, so the only traffic is to the stub on 127.0.0.1.

* :func:`ensure_cli` installs a pinned package and returns its executable (None without npm).
* :class:`CodexRun` / :class:`GeminiRun` bind a CLI, a project, a home and a stub URL together.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .claude_cli import _file_lock, _usable, cache_root

CODEX_PACKAGE = "@openai/codex"
CODEX_VERSION = "0.169.0"
GEMINI_PACKAGE = "@google/gemini-cli"
GEMINI_VERSION = "0.61.0"
GEMINI_MODEL = "gemini-2.5-flash"
STUB_KEY = "stub-test-key"
NPM_TIMEOUT = 900

# Never inherited: credentials, other config homes, proxies, and GIT_* (tests may run in a hook).
_SCRUB_PREFIXES = (
    "ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "VERTEX", "GIT_", "XDG_",
    "OTEL_", "AWS_", "AZURE_",
)
_SCRUB_NAMES = frozenset(
    {
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
        "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "DEBUG", "CI",
    }
)


class CliInstallError(RuntimeError):
    """npm is available but installing the CLI failed (never skip silently on this)."""


# --------------------------------------------------------------------------- install


def install_dir(package: str, version: str) -> Path:
    """``<cache root>/npm/<package name>-<version>``, e.g. ``npm/codex-0.169.0``."""
    return cache_root() / "npm" / f"{package.rsplit('/', 1)[-1]}-{version}"


def _bin(prefix: Path, name: str) -> Path:
    return prefix / "node_modules" / ".bin" / name


def ensure_cli(package: str, version: str, binary_name: str) -> Path | None:
    """The cached executable of ``package@version``, installing it with npm first if needed.

    None when npm is not on PATH; :class:`CliInstallError` (with npm's output) when it fails.
    """
    target = install_dir(package, version)
    binary = _bin(target, binary_name)
    if _usable(binary):
        return binary
    npm = shutil.which("npm")
    if npm is None:
        return None
    with _file_lock(target.parent / f".{target.name}.lock"):
        if _usable(binary):
            return binary
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            staging.chmod(0o755)
            (staging / "package.json").write_text(
                json.dumps({"name": "sessionlog-test-agent-cli", "private": True}) + "\n"
            )
            command = [
                npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save",
                "--loglevel=error", f"{package}@{version}",
            ]
            proc = subprocess.run(
                command, cwd=staging, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=NPM_TIMEOUT, check=False,
            )
            staged = _bin(staging, binary_name)
            if proc.returncode != 0 or not _usable(staged):
                raise CliInstallError(
                    f"`{' '.join(command)}` failed (exit {proc.returncode}); binary present: "
                    f"{staged.exists()}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
                )
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    if not _usable(binary):
        raise CliInstallError(f"installed {package}@{version} but {binary} is missing")
    return binary


def ensure_codex() -> Path | None:
    return ensure_cli(CODEX_PACKAGE, CODEX_VERSION, "codex")


def ensure_gemini() -> Path | None:
    return ensure_cli(GEMINI_PACKAGE, GEMINI_VERSION, "gemini")


# --------------------------------------------------------------------------- run


def offline_env(home: Path, tmpdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES
    }
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "TMPDIR": str(tmpdir),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "NO_COLOR": "1",
        }
    )
    env.update(extra or {})
    return env


def run_cli(
    args: list[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a CLI in its own process group; on timeout kill the group (hooks included)."""
    proc = subprocess.Popen(
        args, cwd=str(cwd), env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise subprocess.TimeoutExpired(args, timeout, output=stdout, stderr=stderr) from None
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


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
        return _checked(run_cli(args, self.project, environ, timeout), check)


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
        return _checked(run_cli(args, self.project, environ, timeout), check)
