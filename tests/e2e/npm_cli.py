"""The shared core for installing and running a real AI CLI offline (Claude Code, Codex, Gemini).

* :func:`ensure_npm_cli` installs a pinned npm package once into
  ``<cache root>/npm/<package name>-<version>`` (file lock + atomic rename) and returns its
  executable, or None when npm is not on PATH; a failed install raises.
* :func:`offline_env` is the inherited environment minus anything that could reach a real
  account, config dir, proxy or repository, with a private HOME and TMPDIR.
* :func:`run_in_group` runs a CLI in its own process group and kills the group on timeout.
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
from pathlib import Path

CACHE_ENV = "SESSIONLOG_TEST_CACHE"
NPM_TIMEOUT = 900  # seconds; @anthropic-ai/claude-code pulls a ~356 MB platform binary
REPO_ROOT = Path(__file__).resolve().parents[2]


class CliInstallError(RuntimeError):
    """npm is available but installing the CLI failed (never skip silently on this)."""


# --------------------------------------------------------------------------- install


def cache_root() -> Path:
    """``$SESSIONLOG_TEST_CACHE`` if set, else ``<repo>/.cache``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser().resolve() if env else REPO_ROOT / ".cache"


def npm_install_dir(package: str, version: str) -> Path:
    """``<cache root>/npm/<package name>-<version>``, e.g. ``npm/codex-0.169.0``."""
    return cache_root() / "npm" / f"{package.rsplit('/', 1)[-1]}-{version}"


def bin_in(prefix: Path, name: str) -> Path:
    return prefix / "node_modules" / ".bin" / name


def usable(binary: Path) -> bool:
    return binary.is_file() and os.access(binary, os.X_OK)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
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


def ensure_npm_cli(
    package: str,
    version: str,
    binary_name: str,
    *,
    manifest_name: str = "sessionlog-test-agent-cli",
    error: type[CliInstallError] = CliInstallError,
) -> Path | None:
    """The cached executable of ``package@version``, installing it with npm first if needed.

    None when npm is not on PATH; ``error`` (with npm's output) when npm is present but the
    install fails.
    """
    target = npm_install_dir(package, version)
    binary = bin_in(target, binary_name)
    if usable(binary):
        return binary
    npm = shutil.which("npm")
    if npm is None:
        return None
    with file_lock(target.parent / f".{target.name}.lock"):
        if usable(binary):  # another process installed it while we waited
            return binary
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            staging.chmod(0o755)
            (staging / "package.json").write_text(
                json.dumps({"name": manifest_name, "private": True}) + "\n"
            )
            command = [
                npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save",
                "--loglevel=error", f"{package}@{version}",
            ]
            proc = subprocess.run(
                command, cwd=staging, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=NPM_TIMEOUT, check=False,
            )
            staged = bin_in(staging, binary_name)
            if proc.returncode != 0 or not usable(staged):
                raise error(
                    f"`{' '.join(command)}` failed (exit {proc.returncode}); binary present: "
                    f"{staged.exists()}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
                )
            if target.exists():  # a stale, broken install: replace it
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    if not usable(binary):
        raise error(f"installed {package}@{version} but {binary} is missing")
    return binary


# --------------------------------------------------------------------------- run

PROXY_NAMES = frozenset(
    {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"}
)


def offline_env(
    home: Path,
    tmpdir: Path,
    *,
    scrub_prefixes: tuple[str, ...],
    scrub_names: frozenset[str],
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``os.environ`` without the scrubbed variables, with HOME, TMPDIR and NO_PROXY set.

    ``extra`` entries are applied last (they override everything else).
    """
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(scrub_prefixes) and k not in scrub_names
    }
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "TMPDIR": str(tmpdir),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    env.update(extra or {})
    return env


def run_in_group(
    args: Sequence[str], cwd: Path | str, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a CLI in its own process group; on timeout kill the group (hooks included).

    :class:`subprocess.TimeoutExpired` is raised with the output so far.
    """
    args = list(args)
    proc = subprocess.Popen(
        args, cwd=str(cwd), env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
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
