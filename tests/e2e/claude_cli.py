"""Install and run the real Claude Code CLI offline, against a loopback API stub.

* :func:`ensure_claude_cli` installs the pinned ``@anthropic-ai/claude-code`` with npm into a
  cache directory once (file lock + atomic rename, see :mod:`npm_cli`), and returns the
  ``claude`` executable, or None when npm is not on PATH.
* :func:`run_claude` runs ``claude -p`` in a project directory with a fresh HOME and the offline
  environment (no telemetry, no updater, no non-essential traffic, temp files in a private dir).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .npm_cli import (
    PROXY_NAMES,
    CliInstallError,
    cache_root,
    ensure_npm_cli,
    npm_install_dir,
    offline_env,
    run_in_group,
)

__all__ = [
    "CLAUDE_CODE_PACKAGE",
    "CLAUDE_CODE_VERSION",
    "ClaudeInstallError",
    "ClaudeProject",
    "cache_root",
    "claude_env",
    "ensure_claude_cli",
    "install_dir",
    "parse_json_output",
    "run_claude",
]

CLAUDE_CODE_VERSION = "2.1.328"
CLAUDE_CODE_PACKAGE = "@anthropic-ai/claude-code"
DUMMY_API_KEY = "sk-test-dummy"

# Variables never inherited by the CLI: they could point it at a real account, a real
# config dir, a proxy, or (GIT_*) at the wrong repository when tests run from a git hook.
_SCRUB_PREFIXES = ("ANTHROPIC_", "CLAUDE", "GIT_", "XDG_", "OTEL_", "AWS_", "GOOGLE_", "VERTEX")
_SCRUB_NAMES = PROXY_NAMES | {
    "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "DEBUG", "MCP_TIMEOUT", "DISABLE_PROMPT_CACHING",
}


class ClaudeInstallError(CliInstallError):
    """npm is available but installing the CLI failed (never skip silently on this)."""


# --------------------------------------------------------------------------- install


def install_dir(version: str = CLAUDE_CODE_VERSION) -> Path:
    """Where the pinned CLI is installed: ``<cache root>/npm/claude-code-<version>``."""
    return npm_install_dir(CLAUDE_CODE_PACKAGE, version)


def ensure_claude_cli(version: str = CLAUDE_CODE_VERSION) -> Path | None:
    """Return the cached ``claude`` executable, installing it with npm first if needed.

    Returns None when npm is not on PATH. Raises :class:`ClaudeInstallError` (with npm's
    output) when npm is present but the install fails.
    """
    return ensure_npm_cli(
        CLAUDE_CODE_PACKAGE,
        version,
        "claude.cmd" if os.name == "nt" else "claude",
        manifest_name="sessionlog-test-claude-cli",
        error=ClaudeInstallError,
    )


# --------------------------------------------------------------------------- run


def claude_env(
    *,
    base_url: str,
    home: Path,
    tmpdir: Path,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The offline environment for the CLI (inherits PATH etc., never credentials)."""
    settings = {
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": DUMMY_API_KEY,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_TMPDIR": str(tmpdir),
    }
    return offline_env(
        home, tmpdir, scrub_prefixes=_SCRUB_PREFIXES, scrub_names=_SCRUB_NAMES,
        extra={**settings, **(env or {})},
    )


def run_claude(
    cli: Path | str,
    project_dir: Path | str,
    prompt: str,
    *,
    base_url: str,
    home: Path | str,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    tmpdir: Path | str | None = None,
    allowed_tools: str | None = "Bash",
) -> subprocess.CompletedProcess[str]:
    """Run ``claude -p PROMPT --output-format json --allowedTools Bash [extra_args]``.

    ``home`` should be a fresh directory per test (reuse it for ``--continue``). Temp files go
    to ``tmpdir`` (default: ``<home>.tmp`` next to ``home``). ``env`` entries override the
    offline environment. On timeout the whole process group is killed and
    :class:`subprocess.TimeoutExpired` is raised with the output so far.
    """
    home_path = Path(home)
    home_path.mkdir(parents=True, exist_ok=True)
    tmp_path = Path(tmpdir) if tmpdir is not None else home_path.with_name(home_path.name + ".tmp")
    tmp_path.mkdir(parents=True, exist_ok=True)
    args = [str(cli), "-p", prompt, "--output-format", "json"]
    if allowed_tools:
        args += ["--allowedTools", allowed_tools]
    args += list(extra_args)
    environ = claude_env(base_url=base_url, home=home_path, tmpdir=tmp_path, env=env)
    return run_in_group(args, project_dir, environ, timeout)


def parse_json_output(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Parse the ``--output-format json`` result object printed on stdout."""
    text = proc.stdout.strip()
    try:
        data = json.loads(text)
    except ValueError:
        # be lenient: take the last line that parses as a JSON object
        for line in reversed(text.splitlines()):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
        raise AssertionError(
            f"claude printed no JSON result (exit {proc.returncode})\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        ) from None
    if not isinstance(data, dict):
        raise AssertionError(f"claude JSON output is not an object: {text[:500]}")
    return data


@dataclass(frozen=True)
class ClaudeProject:
    """A CLI, a project directory, a HOME and a stub URL bound together for repeated runs."""

    cli: Path
    project: Path
    home: Path
    base_url: str

    def run(
        self,
        prompt: str,
        *extra_args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``claude -p prompt``; with ``check`` a non-zero exit fails with the output."""
        proc = run_claude(
            self.cli,
            self.project,
            prompt,
            base_url=self.base_url,
            home=self.home,
            extra_args=extra_args,
            env=env,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"claude exited {proc.returncode}: {proc.args!r}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
            )
        return proc

    def run_json(
        self,
        prompt: str,
        *extra_args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> dict[str, Any]:
        """:meth:`run` (checked) and parse the ``--output-format json`` result."""
        return parse_json_output(self.run(prompt, *extra_args, env=env, timeout=timeout))
