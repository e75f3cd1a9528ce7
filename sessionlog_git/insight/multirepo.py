"""Reports across repositories: each one read from its committed archive, in git objects.

`sessionlog report weekly --repo ../shop --repo /srv/mirrors/billing.git` (or `--workspace
FILE`, one repository path a line) reads every repository's `HEAD` tree, not its work tree:
what a report shows is what was committed, and a bare mirror works as well as a clone.

Project names stay as they are unless two repositories use the same one; then both are shown
as `<repository>/<project>`. Each entry's link is `<repository>/<logs>/<archive file>`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sessionlog_git import gitops
from sessionlog_git.base.repo import find_top
from sessionlog_git.constants import CONFIG_NAME, DEFAULT_LOGS_DIR, DEFAULT_PENDING_DIR
from sessionlog_git.errors import SessionlogError
from sessionlog_git.gitops import read_blobs
from sessionlog_git.logs import layout
from sessionlog_git.logs.archive import records_at
from sessionlog_git.logs.layout import archive_match
from sessionlog_git.logs.model import Record, ordered
from sessionlog_git.logs.packs import is_pack_name, logical_files


@dataclass
class Repository:
    """One repository a report reads: where it is and the entries its archive holds."""

    name: str  # how reports name it (its folder's name, without `.git`)
    path: Path  # what `git -C` is given: a work tree or a bare repository
    work_tree: Path | None  # None for a bare repository (no files to link to)
    logs_dir: str
    pending_dir: str = DEFAULT_PENDING_DIR
    records: list[Record] = field(default_factory=list)  # sources relative to `logs_dir`


def open_repository(path_text: str, where: str = "--repo") -> Repository:
    """A repository (work tree or bare) at `path_text`, with the records of its HEAD archive."""
    path = Path(path_text).expanduser()
    if not path.exists():
        raise SessionlogError(
            f"{where} {path_text}: no such folder. Fix: pass the path of a git repository "
            "(a clone or a bare mirror), e.g. `--repo ../shop`."
        )
    if not gitops.succeeds("rev-parse", "--git-dir", cwd=path):
        raise SessionlogError(
            f"{where} {path_text}: not a git repository. Fix: pass the folder of a clone or of a "
            "bare mirror (the one holding HEAD and objects/)."
        )
    bare = gitops.run("rev-parse", "--is-bare-repository", cwd=path).strip() == "true"
    found = None if bare else find_top(path)
    top = Path(found) if found is not None else None
    if not gitops.succeeds("rev-parse", "--verify", "-q", "HEAD^{commit}", cwd=path):
        raise SessionlogError(
            f"{where} {path_text}: has no commits yet, so no committed archive to read. Fix: "
            "commit first, or leave this repository out."
        )
    name = (top or path.resolve()).name
    name = name[:-4] if name.endswith(".git") and len(name) > 4 else name
    logs_dir, zone, pending_dir = _config(path, path_text)
    repo = Repository(name, top or path, top, logs_dir, pending_dir)
    listing = gitops.run("ls-tree", "-r", "-z", "HEAD", "--", layout.archive_prefix(logs_dir), cwd=path)
    wanted: list[tuple[str, str]] = []
    for item in filter(None, listing.split("\0")):
        meta, _, rel = item.partition("\t")
        parts = meta.split()
        name = PurePosixPath(rel).name
        if len(parts) == 3 and parts[1] == "blob" and (archive_match(name) or is_pack_name(name)):
            wanted.append((rel, parts[2]))
    blobs = read_blobs(path, [sha for _, sha in wanted])
    # A closed month's pack stands for the archive files it holds (at their logical paths).
    for rel, data in logical_files({rel: blobs[sha] for rel, sha in wanted}).items():
        try:
            repo.records += records_at(rel, data, logs_dir, zone)
        except (UnicodeDecodeError, ValueError):
            continue  # `sessionlog check` in that repository reports unreadable archive files
    repo.records = ordered(repo.records)
    return repo


def _config(path: Path, path_text: str) -> tuple[str, str, str]:
    """logs_dir, timezone and pending_dir from the committed `.sessionlog.yaml` (defaults without)."""
    try:
        shown = gitops.run_bytes("show", f"HEAD:{CONFIG_NAME}", cwd=path)
    except gitops.GitError:
        return DEFAULT_LOGS_DIR, "", DEFAULT_PENDING_DIR
    from sessionlog_git.config import parse_yaml

    data = parse_yaml(shown, Path(f"{path_text}@HEAD:{CONFIG_NAME}"))
    return (str(data.get("logs_dir") or DEFAULT_LOGS_DIR).strip("/"), str(data.get("timezone") or ""),
            str(data.get("pending_dir") or DEFAULT_PENDING_DIR).strip("/"))


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
