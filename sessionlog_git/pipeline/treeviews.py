"""Views rendered from an archive held in git objects (a commit, or a merge of commits).

The merge driver, the pre-push guard and `sessionlog check` all ask one question: do these
generated files equal a fresh render of that archive? The archive is read from git objects
(`git ls-tree` + `gitops.read_blobs`), laid out in a scratch folder exactly as it sits in a
work tree, and rendered by `consolidate.rebuild`, so every caller uses the one renderer the
commit hook uses and "equal" means byte-equal.
"""
from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from sessionlog_git import gitops
from sessionlog_git.base.text import clip
from sessionlog_git.logs import layout
from sessionlog_git.workspace import Workspace

_QUOTED = 60  # a differing line, as quoted in a check's message

# Archive paths (relative to the top) -> blob ids.
Blobs = dict[str, str]


def archive_blobs(top: Path, rev: str, logs_dir: str) -> Blobs:
    """The archive files in `rev`'s tree: path -> blob id."""
    out = gitops.run(
        "ls-tree", "-r", "-z", "--full-tree", rev, "--", layout.archive_prefix(logs_dir) + "/", cwd=top
    )
    blobs: Blobs = {}
    for record in out.split("\0"):
        if not record:
            continue
        info, _, path = record.partition("\t")
        parts = info.split()
        if len(parts) == 3 and parts[1] == "blob":
            blobs[path] = parts[2]
    return blobs


def blob_at(top: Path, rev: str, path: str) -> str | None:
    """The blob id of `path` in `rev`, or None when it is not there."""
    out = gitops.run("rev-parse", "-q", "--verify", f"{rev}:{path}", cwd=top, check=False).strip()
    return out or None


def render_files(ws: Workspace, files: Mapping[str, bytes]) -> dict[str, str]:
    """Every view rendered from exactly these archive files (paths relative to the top)."""
    from sessionlog_git.pipeline import consolidate

    with tempfile.TemporaryDirectory(prefix="sessionlog-render-") as scratch:
        root = Path(scratch)
        for rel, data in files.items():
            target = root.joinpath(*PurePosixPath(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        shadow = Workspace(root, ws.config.replace(top=root))
        return consolidate.rebuild(shadow)


def render_blobs(ws: Workspace, blobs: Blobs) -> dict[str, str]:
    contents = gitops.read_blobs(ws.top, blobs.values())
    return render_files(ws, {rel: contents[blob] for rel, blob in blobs.items() if blob in contents})


def render_rev(ws: Workspace, rev: str) -> dict[str, str]:
    """Every view as a fresh render of `rev`'s archive would write it."""
    return render_blobs(ws, archive_blobs(ws.top, rev, ws.config.logs_dir))


def mismatches_in_rev(ws: Workspace, rev: str) -> list[str]:
    """Views in `rev` that differ from (or lack) a fresh render of `rev`'s archive."""
    return mismatches(ws.top, rev, render_rev(ws, rev))


def mismatches(top: Path, rev: str, expected: Mapping[str, str]) -> list[str]:
    """The views of `expected` (a render) that `rev` lacks or holds otherwise."""
    if not expected:
        return []
    committed: dict[str, str | None] = {rel: blob_at(top, rev, rel) for rel in expected}
    contents = gitops.read_blobs(top, [b for b in committed.values() if b])
    problems: list[str] = []
    for rel in sorted(expected):
        blob = committed[rel]
        if blob is None:
            problems.append(f"{rel}: missing (its archive is committed, the view is not)")
            continue
        have = contents.get(blob, b"").decode("utf-8", "replace")
        if have != expected[rel]:
            problems.append(f"{rel}: {describe_difference(have, expected[rel])}")
    return problems


def describe_difference(have: str, want: str) -> str:
    """Where a file first differs from its fresh render, as a user reads it."""
    old, new = have.splitlines(), want.splitlines()
    for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            has, expected = clip(a, _QUOTED, "..."), clip(b, _QUOTED, "...")
            return f"line {number} differs from a fresh render (has {has!r}, expected {expected!r})"
    if len(old) != len(new):
        number = min(len(old), len(new)) + 1
        extra = "has extra lines" if len(old) > len(new) else "lacks lines"
        return f"from line {number} {extra} compared with a fresh render"
    return "differs from a fresh render (line endings or a final newline)"


