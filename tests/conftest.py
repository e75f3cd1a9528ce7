"""Shared fixtures: real git repositories in temp folders, driven the way a user does."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SESSIONLOG_TEST_CACHE", ROOT / ".cache"))
PYTHON = sys.executable

# Fixed dates make the hook repository's commit, and so pre-commit's cache key, stable.
FIXED_DATE = "2026-01-01T00:00:00+00:00"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global git config, no inherited git hook variables, a shared pre-commit cache."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for var in list(os.environ):
        if var.startswith(("GIT_", "SESSIONLOG_", "PRE_COMMIT")) and var != "GIT_CONFIG_NOSYSTEM":
            monkeypatch.delenv(var, raising=False)
    for var in ("CLAUDECODE", "CODEX_THREAD_ID", "GEMINI_CLI", "CLAUDE_PROJECT_DIR",
                "GEMINI_PROJECT_DIR"):  # set when the suite runs inside an assistant's shell
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(CACHE / "pre-commit"))
    monkeypatch.setenv("TZ", "Europe/Berlin")


class Repo:
    """A git work tree with helpers that run git and sessionlog as subprocesses."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True,
        input: str | None = None, cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        environ = dict(os.environ)
        environ.update(env or {})
        proc = subprocess.run(
            args, cwd=cwd or self.path, env=environ, capture_output=True, text=True,
            input=input, check=False, timeout=600,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def git(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, **kw)  # type: ignore[arg-type]

    def sl(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.run(PYTHON, "-m", "sessionlog_git", *args, **kw)  # type: ignore[arg-type]

    def log(self, when: str, title: str, *bullets: str, user: str | None = None,
            project: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {"SESSIONLOG_NOW": when}
        if user:
            env["SESSIONLOG_USER"] = user
        extra = ["--project", project] if project else []
        return self.sl("log", title, *bullets, *extra, env=env)

    def write(self, rel: str, text: str) -> Path:
        path = self.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def append(self, rel: str, text: str) -> None:
        with (self.path / rel).open("a", encoding="utf-8") as handle:
            handle.write(text)

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def porcelain(self) -> list[str]:
        out = self.git("status", "--porcelain=v1", "--untracked-files=all").stdout
        return [line for line in out.splitlines() if line.strip()]

    def head_files(self, rev: str = "HEAD") -> list[str]:
        out = self.git("show", "--name-only", "--format=", rev).stdout
        return [line for line in out.splitlines() if line.strip()]

    def tracked(self, rel: str, rev: str = "HEAD") -> str:
        return self.git("show", f"{rev}:{rel}").stdout

    def pending(self) -> list[Path]:
        return sorted((self.state() / "pending").glob("*/*/*.md"))

    def state(self) -> Path:
        """The state folder: `sessionlog` in this work tree's git dir (a linked one's too)."""
        return Path(self.git("rev-parse", "--absolute-git-dir").stdout.strip()) / "sessionlog"

    def archive(self) -> list[Path]:
        """The files under logs/archive as they lie: archive files and packs."""
        return sorted((self.path / "logs" / "archive").glob("*/*/*/*.md"))

    def archived(self) -> dict[Path, bytes]:
        """Every archive file at its logical path, with its bytes: loose, or in a pack."""
        from sessionlog_git.logs.packs import logical_files

        return {Path(rel): data for rel, data in logical_files(
            {str(p): p.read_bytes() for p in self.archive()}).items()}


def make_repo(path: Path, *, user_name: str = "Ada Lovelace", login: str | None = "ada") -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", user_name)
    repo.git("config", "user.email", "ada@example.com")
    repo.git("config", "commit.gpgsign", "false")
    if login:
        repo.git("config", "github.user", login)
    repo.write("app.py", "print('hello')\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "-m", "Initial commit")
    return repo


def founder_with_remote(tmp_path: Path, name: str = "ada", user_name: str = "Ada Lovelace"
                        ) -> tuple[Repo, Path]:
    """`name`'s repository (`tmp_path/name/shop`), set up with native hooks and init's files
    committed, and a bare remote it has as `origin`, not pushed to yet."""
    remote = tmp_path / "remote.git"
    Repo(tmp_path).git("init", "-q", "--bare", "-b", "main", str(remote))
    repo = make_repo(tmp_path / name / "shop", user_name=user_name, login=name)
    repo.sl("init", "--hooks", "native")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    repo.git("remote", "add", "origin", str(remote))
    return repo, remote


def clone_teammate(tmp_path: Path, remote: Path, name: str = "grace",
                   config: tuple[str, ...] = ()) -> Repo:
    """`name`'s clone of `remote` (a teammate's machine, `tmp_path/name/shop`), with their
    identity and sessionlog's native hooks installed; `config`: `key=value` settings the
    clone has from its checkout on (say `core.autocrlf=true`)."""
    mate = Repo(tmp_path / name / "shop")
    options = [word for kv in config for word in ("-c", kv)]
    settings = [word for kv in config for word in ("--config", kv)]
    mate.run("git", *options, "clone", "-q", *settings, str(remote), str(mate.path), cwd=tmp_path)
    for key, value in (("user.name", name.capitalize()), ("user.email", f"{name}@example.com"),
                       ("github.user", name), ("commit.gpgsign", "false")):
        mate.git("config", key, value)
    mate.sl("init", "--hooks", "native")
    return mate


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "shop")


@pytest.fixture
def native_repo(repo: Repo) -> Repo:
    repo.sl("init", "--hooks", "native")
    repo.git("add", ".sessionlog.yaml", ".gitattributes")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    return repo


def _source_files() -> list[str]:
    out = subprocess.run(
        ("git", "ls-files", "-co", "--exclude-standard", "-z"), cwd=ROOT, capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


@pytest.fixture(scope="session")
def hook_repo() -> tuple[str, str]:
    """This checkout as a hook repository at a commit, the way a user consumes a release.

    Named by content so that pre-commit's environment cache is reused until the code changes.
    """
    files = _source_files()
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0" + (ROOT / rel).read_bytes() + b"\0")
    dest = CACHE / "hookrepo" / digest.hexdigest()[:16]
    env = {
        **os.environ, "GIT_AUTHOR_DATE": FIXED_DATE, "GIT_COMMITTER_DATE": FIXED_DATE,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_NOSYSTEM": "1",
    }
    for var in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        env.pop(var, None)
    if not (dest / ".git").is_dir():
        tmp = dest.with_name(dest.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        for rel in files:
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target)
        for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
            subprocess.run(("git", *args), cwd=tmp, env=env, check=True, capture_output=True)
        try:
            tmp.rename(dest)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
    sha = subprocess.run(
        ("git", "rev-parse", "HEAD"), cwd=dest, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    return str(dest), sha


@pytest.fixture
def framework_repo(repo: Repo, hook_repo: tuple[str, str]) -> Repo:
    """A repository using the real pre-commit framework with our hooks from `hook_repo`."""
    url, rev = hook_repo
    repo.write(".pre-commit-config.yaml", "# the team's hooks\nrepos: []\n")
    repo.sl("init", "--hooks", "pre-commit", "--hook-repo", url, "--hook-rev", rev)
    repo.git("add", ".pre-commit-config.yaml", ".sessionlog.yaml", ".gitattributes")
    hook = (repo.path / ".git/hooks/pre-commit").read_text()
    assert "pre-commit" in hook and "sessionlog-git managed hook" not in hook
    # The first commit through the framework builds the hook environment (cached).
    out = repo.git("commit", "-m", "Set up sessionlog")
    assert "sessionlog consolidate" in out.stdout + out.stderr
    return repo


@pytest.fixture(params=["native", "framework"])
def hooked_repo(request: pytest.FixtureRequest) -> Iterator[Repo]:
    yield request.getfixturevalue(f"{request.param}_repo")
