"""Reports across repositories: each one read from its committed archive, in git objects.

`sessionlog report weekly --repo ../shop --repo /srv/mirrors/billing.git` (or `--workspace
FILE`, one repository path a line) reads every repository's `HEAD` tree, not its work tree:
what a report shows is what was committed, and a bare mirror works as well as a clone.

Project names stay as they are unless two repositories use the same one; then both are shown
as `<repository>/<project>`. Each entry's link is `<repository>/<logs>/<archive file>`.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sessionlog_git.errors import SessionlogError
from sessionlog_git.logs.archive import records_at
from sessionlog_git.logs.layout import archive_match
from sessionlog_git.logs.model import Record, ordered

CONFIG_FILE = ".sessionlog.yaml"


@dataclass
class Repository:
    """One repository a report reads: where it is and the entries its archive holds."""

    name: str  # how reports name it (its folder's name, without `.git`)
    path: Path  # what `git -C` is given: a work tree or a bare repository
    work_tree: Path | None  # None for a bare repository (no files to link to)
    logs_dir: str
    pending_dir: str = ".sessionlog/pending"
    records: list[Record] = field(default_factory=list)  # sources relative to `logs_dir`


def _git(path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=False)
    if check and proc.returncode != 0:
        raise SessionlogError(
            f"{path}: `git {' '.join(args)}` failed: {proc.stderr.decode(errors='replace').strip()}"
        )
    return proc


def _blobs(path: Path, shas: list[str]) -> list[bytes]:
    """The contents of blobs, in order, through one `git cat-file --batch`."""
    if not shas:
        return []
    proc = subprocess.run(["git", "-C", str(path), "cat-file", "--batch"],
                          input=("\n".join(shas) + "\n").encode(), capture_output=True, check=True)
    out, pos, blobs = proc.stdout, 0, []
    for _ in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        size = int(header[2])
        blobs.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return blobs


def open_repository(path_text: str, where: str = "--repo") -> Repository:
    """A repository (work tree or bare) at `path_text`, with the records of its HEAD archive."""
    path = Path(path_text).expanduser()
    if not path.exists():
        raise SessionlogError(
            f"{where} {path_text}: no such folder. Fix: pass the path of a git repository "
            "(a clone or a bare mirror), e.g. `--repo ../shop`."
        )
    inside = _git(path, "rev-parse", "--is-bare-repository", "--show-toplevel", check=False)
    if inside.returncode != 0:
        inside = _git(path, "rev-parse", "--is-bare-repository", check=False)
    if inside.returncode != 0:
        raise SessionlogError(
            f"{where} {path_text}: not a git repository. Fix: pass the folder of a clone or of a "
            "bare mirror (the one holding HEAD and objects/)."
        )
    lines = inside.stdout.decode().splitlines()  # (a path may hold spaces)
    bare = lines[0] == "true"
    top = None if bare else Path(lines[1]) if len(lines) > 1 else path
    if _git(path, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).returncode != 0:
        raise SessionlogError(
            f"{where} {path_text}: has no commits yet, so no committed archive to read. Fix: "
            "commit first, or leave this repository out."
        )
    name = (top or path.resolve()).name
    name = name[:-4] if name.endswith(".git") and len(name) > 4 else name
    logs_dir, zone, pending_dir = _config(path, path_text)
    repo = Repository(name, top or path, top, logs_dir, pending_dir)
    listing = _git(path, "ls-tree", "-r", "-z", "HEAD", "--", f"{logs_dir}/archive").stdout.decode()
    wanted: list[tuple[str, str]] = []
    for item in filter(None, listing.split("\0")):
        meta, _, rel = item.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and archive_match(PurePosixPath(rel).name):
            wanted.append((rel, parts[2]))
    for (rel, _sha), data in zip(wanted, _blobs(path, [sha for _, sha in wanted]), strict=True):
        try:
            repo.records += records_at(rel, data, logs_dir, zone)
        except (UnicodeDecodeError, ValueError):
            continue  # `sessionlog check` in that repository reports unreadable archive files
    repo.records = ordered(repo.records)
    return repo


def _config(path: Path, path_text: str) -> tuple[str, str, str]:
    """logs_dir, timezone and pending_dir from the committed `.sessionlog.yaml` (defaults without)."""
    shown = _git(path, "show", f"HEAD:{CONFIG_FILE}", check=False)
    if shown.returncode != 0:
        return "logs", "", ".sessionlog/pending"
    from sessionlog_git.config import parse_yaml

    data = parse_yaml(shown.stdout, Path(f"{path_text}@HEAD:{CONFIG_FILE}"))
    return (str(data.get("logs_dir") or "logs").strip("/"), str(data.get("timezone") or ""),
            str(data.get("pending_dir") or ".sessionlog/pending").strip("/"))


def read_workspace_file(file_text: str) -> list[str]:
    """Repository paths from a workspace file: one a line, `#` comments, relative to the file."""
    file = Path(file_text)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SessionlogError(
            f"{file_text}: cannot read the workspace file ({exc.strerror}). Fix: pass a text file "
            "listing one repository path a line, e.g. `--workspace repos.txt`."
        ) from None
    out: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        target = Path(line).expanduser()
        if not target.is_absolute():
            target = file.parent / target
        if not target.exists():
            raise SessionlogError(
                f"{file_text}:{number}: {line}: no such folder. Fix: write the path of a clone or "
                "bare mirror, absolute or relative to the workspace file, or delete the line."
            )
        out.append(str(target))
    if not out:
        raise SessionlogError(
            f"{file_text}: lists no repository. Fix: write one repository path a line "
            "(`#` starts a comment)."
        )
    return out


def open_all(paths: list[str], where: str = "--repo") -> list[Repository]:
    repos = [open_repository(p, where) for p in paths]
    seen: dict[str, str] = {}
    for repo, given in zip(repos, paths, strict=True):
        if repo.name in seen:
            raise SessionlogError(
                f"{where} {given}: another repository ({seen[repo.name]}) is also named "
                f"{repo.name!r}, and reports name repositories by their folder. Fix: give one of "
                "them a differently named clone or mirror."
            )
        seen[repo.name] = given
    return repos


def combined(repos: list[Repository]) -> list[Record]:
    """Everyone's records across repositories, projects qualified where two share a name."""
    owners: dict[str, set[str]] = {}
    for repo in repos:
        for r in repo.records:
            owners.setdefault(r.project, set()).add(repo.name)
    out: list[Record] = []
    for repo in repos:
        for r in repo.records:
            project = r.project if len(owners[r.project]) == 1 else f"{repo.name}/{r.project}"
            source = str(PurePosixPath(repo.name, repo.logs_dir, r.source))
            out.append(Record(r.entry, project, r.user, source))
    return ordered(out)
