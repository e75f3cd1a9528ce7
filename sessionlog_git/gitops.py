"""The one way to run git: every git process of the package starts in `_git` (or, for one
that runs while we go on, `_spawn`).

`run` returns text, `run_bytes` bytes (object contents, `cat-file --batch` with input),
`succeeds` only whether git exited 0, and `call` leaves git's output on the terminal (the
merge driver's `git merge-file`). No GitPython: each use was one plumbing command.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

from sessionlog_git.errors import SessionlogError


class GitError(SessionlogError):
    pass


@overload
def _git(args: Sequence[str], *, cwd: Path | str | None, env: Mapping[str, str] | None,
         strip_index: bool, text: Literal[True], input: bytes | None = None,
         capture: bool = True) -> subprocess.CompletedProcess[str]: ...
@overload
def _git(args: Sequence[str], *, cwd: Path | str | None, env: Mapping[str, str] | None,
         strip_index: bool, text: Literal[False], input: bytes | None = None,
         capture: bool = True) -> subprocess.CompletedProcess[bytes]: ...
def _git(args: Sequence[str], *, cwd: Path | str | None, env: Mapping[str, str] | None,
         strip_index: bool, text: bool, input: bytes | None = None,
         capture: bool = True) -> subprocess.CompletedProcess[Any]:
    environ = dict(os.environ)
    if strip_index:
        environ.pop("GIT_INDEX_FILE", None)
    if env:
        environ.update(env)
    return subprocess.run(
        ("git", *args), cwd=cwd, env=environ, input=input, capture_output=capture, text=text,
        check=False,
    )


def _spawn(args: Sequence[str], *, cwd: Path | str, output: bool = False,
           strip_index: bool = False) -> subprocess.Popen[bytes]:
    """`git args...` started, not waited for (`Staging`, `Started`): no input, its output
    kept (`output`) or discarded, its errors kept for the caller."""
    environ = dict(os.environ)
    if strip_index:
        environ.pop("GIT_INDEX_FILE", None)
    return subprocess.Popen(("git", *args), cwd=cwd, env=environ, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE if output else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


class Started:
    """`run`, started: git works in its own process while the caller goes on; `output()`
    waits and gives what `run` gives (or raises what it raises)."""

    def __init__(self, args: Sequence[str], cwd: Path | str, strip_index: bool = False) -> None:
        self.args, self.cwd, self.strip_index = list(args), cwd, strip_index
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: str | None = None
        try:
            self._proc = _spawn(self.args, cwd=cwd, output=True, strip_index=strip_index)
        except OSError:
            self._proc = None  # `output` runs it the ordinary way, and reports what fails

    def output(self) -> str:
        if self._out is None:
            if self._proc is None:
                self._out = run(*self.args, cwd=self.cwd, strip_index=self.strip_index)
            else:
                out, err = self._proc.communicate()
                if self._proc.returncode != 0:
                    raise _failed(self.args, self._proc.returncode, err.decode(errors="replace"))
                self._out = out.decode("utf-8", errors="surrogateescape")
        return self._out


def start(*args: str, cwd: Path | str, strip_index: bool = False) -> Started:
    """`git args...` started now, its output read when needed (`Started.output`)."""
    return Started(args, cwd, strip_index)


def _failed(args: Sequence[str], code: int, stderr: str) -> GitError:
    return GitError(f"git {' '.join(args)} failed ({code}): {stderr.strip()}")


def run(
    *args: str,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    strip_index: bool = False,
) -> str:
    """Run `git args...` and return stdout. `strip_index` drops GIT_INDEX_FILE for the call."""
    proc = _git(args, cwd=cwd, env=env, strip_index=strip_index, text=True)
    if check and proc.returncode != 0:
        raise _failed(args, proc.returncode, proc.stderr)
    return proc.stdout


def run_bytes(
    *args: str,
    cwd: Path | str | None = None,
    input: bytes | None = None,
    check: bool = True,
    strip_index: bool = False,
) -> bytes:
    """As `run`, for bytes: stdout undecoded, `input` fed to git's stdin."""
    proc = _git(args, cwd=cwd, env=None, strip_index=strip_index, text=False, input=input)
    if check and proc.returncode != 0:
        raise _failed(args, proc.returncode, proc.stderr.decode(errors="replace"))
    return proc.stdout


def read_blobs(top: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Blob contents by the name asked (a blob id, or `<rev>:<path>`), through one `git
    cat-file --batch`; a name git does not find is left out."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    data = run_bytes("cat-file", "--batch", cwd=top, input="\n".join(wanted).encode() + b"\n")
    found: dict[str, bytes] = {}
    pos = 0
    for name in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode(errors="replace").split()
        pos = end + 1
        if len(header) < 3 or not header[-1].isdigit():  # "<name> missing" (or ambiguous)
            continue
        size = int(header[-1])
        found[name] = data[pos : pos + size]
        pos += size + 1
    return found


def succeeds(*args: str, cwd: Path | str | None = None) -> bool:
    """Whether `git args...` exits 0 (its output is discarded)."""
    return _git(args, cwd=cwd, env=None, strip_index=False, text=False).returncode == 0


def call(*args: str, cwd: Path | str | None = None) -> int:
    """Run `git args...` with git's output left on this process's stdout and stderr."""
    return _git(args, cwd=cwd, env=None, strip_index=False, text=False, capture=False).returncode


def toplevel(cwd: Path | str | None = None) -> Path:
    """The work tree's top (see base.repo.find_top); a GitError outside any work tree."""
    from sessionlog_git.base.repo import find_top

    start = os.fspath(cwd) if cwd is not None else os.getcwd()
    found = find_top(start)
    if found is None:
        where = Path(start).resolve()
        raise GitError(
            f"{where}: not inside a git work tree. Fix: run this in a git repository "
            "(`git init` first for a new one)."
        )
    return Path(found)


def git_path(top: Path, name: str) -> Path:
    """`git rev-parse --git-path NAME` for the real repository, ignoring GIT_INDEX_FILE."""
    out = run("rev-parse", "--git-path", name, cwd=top, strip_index=True).strip()
    path = Path(out)
    return path if path.is_absolute() else (top / path)


# From this many files on, `stage` has git write their objects into one pack instead of one
# loose object file (and often a fan-out folder) each: a first consolidation stages hundreds.
PACK_FROM = 32
LOOSE_LEVEL = 1  # git's default `core.looseCompression`: zlib's fastest


def stage(top: Path, paths: Sequence[str]) -> None:
    """Stage our files into the commit being made, whatever the commit mode.

    The index git gave the hook (GIT_INDEX_FILE) is the one that becomes the commit. In
    only-mode (`git commit <paths>`) it is a temporary next-index; the real index, locked as
    `index.lock` until git renames it, must get the same files or `git status` afterwards
    shows a staged revert of what was committed.

    Many files (PACK_FROM or more): `core.bigFileThreshold=1` for that `git add` makes git
    stream every file it stores as is into one pack of the add (its bulk check-in), as it
    does files past the threshold; a file a filter or end-of-line rule converts is stored as
    ever. Fewer files stay loose objects, so ordinary commits do not pile up packs. That pack
    is compressed as git compresses a loose object (zlib's fastest level: git's default
    `core.looseCompression`), unless the user set `pack.compression` or `core.compression`:
    the objects would have been loose, and level 6 cost a backlog's add 60% more CPU for
    a pack 5% smaller.
    """
    if not paths:
        return
    add = _add_args(top, paths)
    try:
        run(*add, "--force", "--", *paths, cwd=top)
        _stage_real_index(top, paths)
    except GitError as exc:
        raise stage_failed(top, str(exc)) from None


class Staging:
    """A `stage` under way (`start_stage`): git hashes and adds the files in a process of its
    own while the caller goes on with work that does not need them staged; `finish` waits
    for it and does what `stage` does after (the real index in only-mode, the same errors)."""

    def __init__(self, top: Path, paths: Sequence[str]) -> None:
        self.top, self.paths = top, list(paths)
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = _spawn(self._args(), cwd=top)
        except OSError:
            self._proc = None  # `finish` runs it the ordinary way, and reports what fails

    def _args(self) -> list[str]:
        return [*_add_args(self.top, self.paths), "--force", "--", *self.paths]

    def wait(self) -> None:
        """Let git finish, whatever it says (the caller has an error of its own to report)."""
        if self._proc is not None:
            self._proc.communicate()

    def finish(self) -> None:
        if self._proc is None:
            stage(self.top, self.paths)
            return
        _, err = self._proc.communicate()
        code = self._proc.returncode
        try:
            if code != 0:
                raise _failed(self._args(), code, err.decode(errors="replace"))
            _stage_real_index(self.top, self.paths)
        except GitError as exc:
            raise stage_failed(self.top, str(exc)) from None


def start_stage(top: Path, paths: Sequence[str]) -> Staging | None:
    """`stage`, started: the files are staged once `finish()` of what it returns has returned
    (None: nothing to stage). A megabyte's master log takes git a few milliseconds to hash
    and compress; a commit's hook folds its indexes meanwhile."""
    return Staging(top, paths) if paths else None


def _add_args(top: Path, paths: Sequence[str]) -> tuple[str, ...]:
    """`git add` (the caller adds `--force`: a user's ignore rule, say `logs/`, must not keep
    the why out of the commit), into one pack from PACK_FROM files on (`stage`)."""
    if len(paths) < PACK_FROM:
        return ("add",)
    from sessionlog_git.base.gitconfig import values

    if values(top, "pack.compression", "core.compression"):
        return ("-c", "core.bigFileThreshold=1", "add")  # the user's level
    return ("-c", "core.bigFileThreshold=1", "-c", f"pack.compression={LOOSE_LEVEL}", "add")


def _stage_real_index(top: Path, paths: Sequence[str]) -> None:
    """In only-mode (`git commit <paths>`), the same files into the real index too."""
    index_file = os.environ.get("GIT_INDEX_FILE", "")
    if Path(index_file).name.startswith("next-index-"):
        real_lock = Path(str(git_path(top, "index")) + ".lock")
        if real_lock.exists():
            run(*_add_args(top, paths), "--force", "--", *paths, cwd=top,
                env={"GIT_INDEX_FILE": str(real_lock)})


def stage_failed(top: Path, stderr: str) -> GitError:
    """`git add` of our files failed: say why, and that the next run stages them."""
    detail = " ".join(stderr.replace("stderr:", "").split()).strip(" '")
    after = ("Nothing is lost or archived twice: the files are written and recorded, and the "
             "next commit (or `sessionlog consolidate`) stages them.")
    if "index.lock" in stderr:
        lock = Path(str(git_path(top, "index")) + ".lock")
        return GitError(
            f"{lock}: another git process holds the index, so sessionlog could not stage its "
            f"files. {after} Fix: wait for that git command to finish (if none is running, "
            f"delete {lock}), then commit again."
        )
    return GitError(f"git add of sessionlog's files failed: {detail}. {after} "
                    "Fix: correct what git says above, then commit again.")


def changes(top: Path, paths: Iterable[str]) -> tuple[set[str], set[str]]:
    """Which of `paths` differ between the work tree and the user's real index, and which
    between that index and HEAD (none before the first commit): one git process (`git
    status`, porcelain v2) where `git diff` and `git diff --cached HEAD` took two. A path with
    a merge conflict is in both.

    The real index, not GIT_INDEX_FILE: under `commit -a` git's temporary index already
    holds every tracked edit, which would hide a hand edit we are about to overwrite.
    """
    return start_changes(top, paths)()


def start_changes(top: Path, paths: Iterable[str]) -> Callable[[], tuple[set[str], set[str]]]:
    """`changes`, started now (git runs while the caller renders); the function returned
    waits for the answer."""
    wanted = list(paths)
    if not wanted:
        return lambda: (set(), set())
    started = start("status", "--porcelain=v2", "-z", "--branch", "--no-renames",
                    "--untracked-files=no", "--", *wanted, cwd=top, strip_index=True)
    return lambda: _changes(started.output())


def _changes(out: str) -> tuple[set[str], set[str]]:
    unstaged: set[str] = set()
    staged: set[str] = set()
    initial = False
    for record in out.split("\0"):
        if record.startswith("# branch.oid "):
            initial = record.endswith("(initial)")
        elif record.startswith("1 "):  # 1 XY sub mH mI mW hH hI path
            fields = record.split(" ", 8)
            if len(fields) == 9:
                if fields[1][1] != ".":
                    unstaged.add(fields[8])
                if fields[1][0] != ".":
                    staged.add(fields[8])
        elif record.startswith("u "):  # u XY sub m1 m2 m3 mW h1 h2 h3 path
            fields = record.split(" ", 10)
            if len(fields) == 11:
                unstaged.add(fields[10])
                staged.add(fields[10])
    return unstaged, set() if initial else staged


def status(top: Path, paths: Iterable[str]) -> dict[str, str]:
    """`git status` XY codes of those `paths` that are untracked or differ from HEAD."""
    wanted = list(paths)
    if not wanted:
        return {}
    return _status_codes(run(*_STATUS, *wanted, cwd=top))


_STATUS = ("status", "--porcelain=v1", "-z", "--untracked-files=all", "--")


def start_status(top: Path, paths: Iterable[str]) -> Callable[[], dict[str, str]]:
    """`status`, started now (git answers while the caller works on); the function returned
    waits for the answer, and raises what `status` would."""
    wanted = list(paths)
    if not wanted:
        return dict
    started = start(*_STATUS, *wanted, cwd=top)
    return lambda: _status_codes(started.output())


def _status_codes(out: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for record in out.split("\0"):
        if len(record) > 3:
            found[record[3:]] = record[:2]
    return found
