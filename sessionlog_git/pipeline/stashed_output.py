"""Our own output that the pre-commit framework set aside, taken back.

When a commit is aborted after our hook ran (an empty message) and the user then runs
`git reset`, the views we rendered stay in the work tree as unstaged changes of tracked
files. At the next commit the framework stashes those changes into its patch before our
hook runs, so the hook sees stale views: staging only the archive file would commit the
archive without its views, and refusing would blame the user for our own output.

So before consolidating, each stashed file that the ledger says we wrote is checked: the
index version with the patch's part for that file applied (in a scratch index) must equal,
byte for byte, what we wrote. Only then is it written back and staged, and its part taken
out of the patch, so the framework restores the user's own changes cleanly afterwards. A
file with any change of the user's in it stays in the patch and is refused as before.
When nothing of the user's is left, the patch creates a placeholder instead (an empty patch
would not apply): `.sessionlog/.gitignore` ignoring everything (the old in-tree state folder's
own file, so nothing shows in `git status`), which the next run removes with that folder; or,
while such a folder is still there, an empty marker file in it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.constants import STATE_DIR
from sessionlog_git.pipeline import framework, ledger

MARKER = "framework-patch-placeholder"


def _sections(text: str) -> list[tuple[str, str]]:
    """(path, section) for each `diff --git` part of a patch, in order."""
    out: list[tuple[str, str]] = []
    starts = [i for i in range(len(text)) if text.startswith("diff --git a/", i)
              and (i == 0 or text[i - 1] == "\n")]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        section = text[start:end]
        first = section.split("\n", 1)[0][len("diff --git a/"):]
        path, sep, _ = first.partition(" b/")
        if sep:
            out.append((path, section))
    return out


def _index_file(top: Path) -> Path:
    given = os.environ.get("GIT_INDEX_FILE")
    if given:
        return Path(given) if os.path.isabs(given) else top / given
    return gitops.git_path(top, "index")


def _stashed_version(top: Path, rel: str, section: str) -> bytes | None:
    """The file as it was before the framework stashed it (index + its patch part)."""
    with tempfile.TemporaryDirectory(prefix="sessionlog-") as scratch:
        index = Path(scratch) / "index"
        patch = Path(scratch) / "part.patch"
        try:
            import shutil

            shutil.copyfile(_index_file(top), index)
        except OSError:
            return None
        patch.write_text(section, encoding="utf-8")
        env = {"GIT_INDEX_FILE": str(index)}
        try:
            gitops.run("apply", "--cached", "--whitespace=nowarn", str(patch), cwd=top, env=env)
            entry = gitops.run("ls-files", "-s", "--", rel, cwd=top, env=env).split()
        except gitops.GitError:
            return None
        if len(entry) < 2:
            return None
        return gitops.run_bytes("cat-file", "blob", entry[1], cwd=top, check=False)


def _placeholder(top: Path) -> str:
    """A patch that creates an ignored file of no consequence (see the module's docstring)."""
    if (top / STATE_DIR).exists():
        rel = f"{STATE_DIR}/{MARKER}"
        return f"diff --git a/{rel} b/{rel}\nnew file mode 100644\nindex 0000000..e69de29\n"
    from sessionlog_git.base.fsutil import IGNORE_ALL

    rel = f"{STATE_DIR}/.gitignore"
    lines = "".join(f"+{line}\n" for line in IGNORE_ALL.splitlines())
    return (f"diff --git a/{rel} b/{rel}\nnew file mode 100644\n"
            f"--- /dev/null\n+++ b/{rel}\n@@ -0,0 +1,{len(IGNORE_ALL.splitlines())} @@\n{lines}")


def take_back(top: Path, written: dict[str, str]) -> list[str]:
    """Write back and stage our stashed output; returns the paths taken back."""
    marker = top / STATE_DIR / MARKER
    marker.unlink(missing_ok=True)
    patch_file = framework.patch_file()
    if patch_file is None or not written:
        return []
    try:
        text = patch_file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    sections = _sections(text)
    ours: list[str] = []
    kept: list[str] = []
    for rel, section in sections:
        data = _stashed_version(top, rel, section) if rel in written else None
        if data is not None and ledger.digest(data) == written[rel]:
            (top / rel).write_bytes(data)
            ours.append(rel)
        else:
            kept.append(section)
    if not ours:
        return []
    gitops.stage(top, ours)
    if not kept:
        kept.append(_placeholder(top))
    from sessionlog_git.base.fsutil import atomic_write_bytes

    atomic_write_bytes(patch_file, "".join(kept).encode("utf-8"))
    return ours
