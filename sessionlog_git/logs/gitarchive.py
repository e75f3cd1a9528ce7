"""The archive as git holds it: the logical archive files a change adds, and their bytes.

Archive files are named by their content, and a pack (`logs.packs`) holds many of them at
their *logical* names, so "the entries a commit (a range, the index) brings" is, for each
contributor folder it touches, the logical files its new side holds and its old side did not,
where a folder's logical files are its loose archive files plus the files its packs list. A
pack added by packing a closed month (the loose files it holds deleted in the same change)
brings nothing; a pack a backlog wrote (nothing deleted) brings every file it lists; a merge
of two branches that packed differently brings nothing. Every reader of git history (the
prefilled commit message, `sessionlog why`, the pull-request summary, the context index's
links, the report's "archived" flag) asks here, and reads the bytes here (`read`).

Cost: a change that adds or deletes no pack costs one `git diff`, as it always did. Only the
folders where a pack is added or deleted are listed at both sides (one `git ls-tree`, or `git
ls-files` for the index, per side), and their packs' indexes read (`packs.head`), all of it
through one `gitops.read_blobs`. A pack that does not read gives the files that read before
its damage, as `packs.logical_files` does; `sessionlog check` reports the damage.

The module level is standard library only (`logs` is on the per-prompt hook's path); git is
imported where it is run.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from sessionlog_git.logs import layout, packs

# A change's sides: a revision, None for the old side of a root commit (nothing), and INDEX
# for the new side of the commit being made (the index, against HEAD).
INDEX = ":index"


def _name(rel: str) -> str:
    return rel.rpartition("/")[2]


def _folder(rel: str) -> str:
    return rel.rpartition("/")[0]


def listed(top: Path, objects: Iterable[str]) -> dict[str, list[str]]:
    """The logical names each pack lists, by the object name asked (a blob id, or
    `<rev>:<path>`), through one batched read; a pack git does not have lists nothing."""
    from sessionlog_git import gitops

    out: dict[str, list[str]] = {}
    for name, data in gitops.read_blobs(top, objects).items():
        entries, _error, _complete = packs.head(data)
        out[name] = [entry[0] for entry in entries]
    return out


def _changes(top: Path, prefix: str, old: str | None, new: str) -> list[tuple[str, str]]:
    """(status letter, path) of each archive path added or deleted from `old` to `new`."""
    from sessionlog_git import gitops

    listing = ("--name-status", "--no-renames", "--diff-filter=AD", "-z")
    if new == INDEX:  # `git diff --cached` knows an unborn HEAD (a first commit)
        args = ["diff", "--cached", *listing]
    elif old is None:
        args = ["diff-tree", "-r", "--root", "--no-commit-id", *listing, new]
    else:
        args = ["diff", *listing, old, new]
    tokens = gitops.run(*args, "--", prefix + "/", cwd=top).split("\0")
    return [(tokens[i].strip()[:1], tokens[i + 1]) for i in range(0, len(tokens) - 1, 2)
            if tokens[i].strip()]


def _side(top: Path, rev: str | None, folders: Collection[str]) -> dict[str, str]:
    """The files in these folders at `rev` (INDEX: the index; None: nothing): path -> blob."""
    from sessionlog_git import gitops

    specs = [f"{folder}/" for folder in sorted(set(folders))]
    if rev is None or not specs:
        return {}
    if rev == INDEX:
        out = gitops.run("ls-files", "-s", "-z", "--", *specs, cwd=top, check=False)
    else:
        out = gitops.run("ls-tree", "-r", "-z", "--full-tree", rev, "--", *specs, cwd=top,
                         check=False)
    files: dict[str, str] = {}
    for record in out.split("\0"):
        info, _, path = record.partition("\t")
        parts = info.split()
        if len(parts) == 3 and _folder(path) in folders:
            files[path] = parts[1] if rev == INDEX else parts[2]
    return files


def _logical(files: Mapping[str, str], lists: Mapping[str, list[str]]) -> set[str]:
    """The logical archive files of these files (path -> blob): the loose ones, and the
    files each pack lists (`lists`: by blob id), at their logical paths."""
    out: set[str] = set()
    for rel, blob in files.items():
        name = _name(rel)
        if packs.is_pack_name(name):
            out.update(f"{_folder(rel)}/{logical}" for logical in lists.get(blob, ()))
        elif layout.archive_match(name):
            out.add(rel)
    return out


def added(top: Path, logs_dir: str, old: str | None, new: str) -> list[str]:
    """The logical archive files `new` holds and `old` did not (repository paths, sorted):
    the entries the change brings. `old` None: a root commit; `new` INDEX: the commit being
    made (against HEAD; `old` is then not read)."""
    prefix = layout.archive_prefix(logs_dir)
    changes = _changes(top, prefix, old, new)
    packed = {_folder(rel) for _, rel in changes if packs.is_pack_name(_name(rel))}
    found = {rel for status, rel in changes
             if status == "A" and _folder(rel) not in packed and layout.archive_match(_name(rel))}
    if packed:  # the folders a pack came to or left: their logical files at both sides
        before = _side(top, "HEAD" if new == INDEX else old, packed)
        after = _side(top, new, packed)
        blobs = [blob for side in (before, after) for rel, blob in side.items()
                 if packs.is_pack_name(_name(rel))]
        lists = listed(top, blobs)
        found |= _logical(after, lists) - _logical(before, lists)
    return sorted(found)


def read(top: Path, rev: str, rels: Iterable[str]) -> dict[str, bytes]:
    """The bytes of these logical archive files at `rev` (INDEX: the index), loose or sliced
    out of a pack of their folder (`packs.logical_files`: a loose file first, a damaged pack's
    files up to its damage); a file found nowhere is left out. One listing of their folders,
    one batched read."""
    from sessionlog_git import gitops

    wanted = set(rels)
    if not wanted:
        return {}
    files = _side(top, rev, {_folder(rel) for rel in wanted})
    loose = {rel: files[rel] for rel in wanted if rel in files}
    short = {_folder(rel) for rel in wanted if rel not in files}
    pack_blobs = {rel: blob for rel, blob in files.items()
                  if _folder(rel) in short and packs.is_pack_name(_name(rel))}
    contents = gitops.read_blobs(top, [*loose.values(), *pack_blobs.values()])
    fetched = {rel: contents[blob] for rel, blob in {**loose, **pack_blobs}.items()
               if blob in contents}
    return {rel: data for rel, data in packs.logical_files(fetched).items() if rel in wanted}


def brought(top: Path, changes: Mapping[str, Iterable[tuple[str, str]]]) -> dict[str, set[str]]:
    """For a walk of history (`git log --name-status`, each commit against its first parent):
    commit -> the logical archive files its packs bring, from its own archive paths (status
    letter, path) alone, so a walk adds no git call per commit: the files its added packs list
    less those its deleted packs listed and the loose ones it deleted (a packing). All packs
    of the walk are read in one batch (their indexes only); a commit with no pack is left out.
    Its loose archive files added are the walk's to count, as before."""
    asked: dict[str, list[tuple[str, str, str]]] = {}  # commit -> (status, pack, object name)
    for sha, paths in changes.items():
        for status, rel in paths:
            if status in ("A", "D") and packs.is_pack_name(_name(rel)):
                side = sha if status == "A" else f"{sha}^"
                asked.setdefault(sha, []).append((status, rel, f"{side}:{rel}"))
    if not asked:
        return {}
    lists = listed(top, [name for found in asked.values() for _, _, name in found])
    out: dict[str, set[str]] = {}
    for sha, found in asked.items():
        came = {f"{_folder(rel)}/{n}" for status, rel, name in found if status == "A"
                for n in lists.get(name, ())}
        went = {f"{_folder(rel)}/{n}" for status, rel, name in found if status == "D"
                for n in lists.get(name, ())}
        went |= {rel for status, rel in changes[sha]
                 if status == "D" and layout.archive_match(_name(rel))}
        out[sha] = came - went
    return out
