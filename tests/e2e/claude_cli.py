"""Install and run the real Claude Code CLI offline, against a loopback API stub.

* :func:`ensure_claude_cli` installs the pinned ``@anthropic-ai/claude-code`` with npm into a
  cache directory once (file lock + atomic rename), and returns the ``claude`` executable, or
  None when npm is not on PATH.
* :func:`run_claude` runs ``claude -p`` in a project directory with a fresh HOME and the offline
  environment (no telemetry, no updater, no non-essential traffic, temp files in a private dir).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
CACHE_ENV = "SESSIONLOG_TEST_CACHE"
DUMMY_API_KEY = "sk-test-dummy"
NPM_TIMEOUT = 900  # seconds; the package pulls a ~356 MB platform binary

REPO_ROOT = Path(__file__).resolve().parents[2]

# Variables never inherited by the CLI: they could point it at a real account, a real
# config dir, a proxy, or (GIT_*) at the wrong repository when tests run from a git hook.
_SCRUB_PREFIXES = ("ANTHROPIC_", "CLAUDE", "GIT_", "XDG_", "OTEL_", "AWS_", "GOOGLE_", "VERTEX")
_SCRUB_NAMES = frozenset(
    {
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NODE_OPTIONS",
        "NODE_EXTRA_CA_CERTS",
        "DEBUG",
        "MCP_TIMEOUT",
        "DISABLE_PROMPT_CACHING",
    }
)


class ClaudeInstallError(RuntimeError):
    """npm is available but installing the CLI failed (never skip silently on this)."""


# --------------------------------------------------------------------------- install


def cache_root() -> Path:
    """``$SESSIONLOG_TEST_CACHE`` if set, else ``<repo>/.cache``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser().resolve() if env else REPO_ROOT / ".cache"


def install_dir(version: str = CLAUDE_CODE_VERSION) -> Path:
    """Where the pinned CLI is installed: ``<cache root>/npm/claude-code-<version>``."""
    return cache_root() / "npm" / f"claude-code-{version}"


def _binary_in(prefix: Path) -> Path:
    name = "claude.cmd" if os.name == "nt" else "claude"
    return prefix / "node_modules" / ".bin" / name


def _usable(binary: Path) -> bool:
    return binary.is_file() and os.access(binary, os.X_OK)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock (fcntl); a no-op where fcntl is missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the atomic rename still protects us
        yield
        return
    with path.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_claude_cli(version: str = CLAUDE_CODE_VERSION) -> Path | None:
    """Return the cached ``claude`` executable, installing it with npm first if needed.

    Returns None when npm is not on PATH. Raises :class:`ClaudeInstallError` (with npm's
    output) when npm is present but the install fails.
    """
    target = install_dir(version)
    binary = _binary_in(target)
    if _usable(binary):
        return binary
    npm = shutil.which("npm")
    if npm is None:
        return None
    with _file_lock(target.parent / f".claude-code-{version}.lock"):
        if _usable(binary):  # another process installed it while we waited
            return binary
        staging = Path(tempfile.mkdtemp(prefix=f".claude-code-{version}-", dir=target.parent))
        try:
            staging.chmod(0o755)
            (staging / "package.json").write_text(
                json.dumps({"name": "sessionlog-test-claude-cli", "private": True}) + "\n"
            )
            command = [
                npm,
                "install",
                "--prefix",
                str(staging),
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
                f"{CLAUDE_CODE_PACKAGE}@{version}",
            ]
            proc = subprocess.run(
                command,
                cwd=staging,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
            staged_binary = _binary_in(staging)
            if proc.returncode != 0 or not _usable(staged_binary):
                raise ClaudeInstallError(
                    f"`{' '.join(command)}` failed (exit {proc.returncode}); "
                    f"binary present: {staged_binary.exists()}\n"
                    f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
                )
            if target.exists():  # a stale, broken install: replace it
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    if not _usable(binary):
        raise ClaudeInstallError(
            f"installed {CLAUDE_CODE_PACKAGE}@{version} but {binary} is missing"
        )
    return binary


# --------------------------------------------------------------------------- run


def claude_env(
    *,
    base_url: str,
    home: Path,
    tmpdir: Path,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The offline environment for the CLI (inherits PATH etc., never credentials)."""
    result = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_SCRUB_PREFIXES) and key not in _SCRUB_NAMES
    }
    result.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": DUMMY_API_KEY,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "TMPDIR": str(tmpdir),
            "CLAUDE_CODE_TMPDIR": str(tmpdir),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if env:
        result.update(env)
    return result


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
    proc = subprocess.Popen(
        args,
        cwd=str(project_dir),
        env=claude_env(base_url=base_url, home=home_path, tmpdir=tmp_path, env=env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout can end the CLI and the hooks it started
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise subprocess.TimeoutExpired(args, timeout, output=stdout, stderr=stderr) from None
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


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
