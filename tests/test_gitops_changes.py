"""`gitops.changes`: one `git status` answers what `git diff` and `git diff --cached HEAD` did
(the hand-edit check of every commit that rewrites a view asked both)."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, make_repo

from sessionlog_git import gitops

FILES = ["logs/a.md", "logs/b.md", "logs/c d.md", "logs/e.md", "logs/gone.md", "logs/new.md"]


def _diffs(repo: Repo, paths: list[str]) -> tuple[set[str], set[str]]:
    """What the two `git diff` calls it replaces say."""
    unstaged = repo.git("diff", "--name-only", "-z", "--no-ext-diff", "--", *paths).stdout
    staged = repo.git("diff", "--cached", "--name-only", "-z", "--no-ext-diff", "HEAD", "--",
                      *paths).stdout
    return {p for p in unstaged.split("\0") if p}, {p for p in staged.split("\0") if p}


def test_changes_tells_unstaged_and_staged_apart_as_the_two_diffs_did(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    for rel in FILES[:5]:
        repo.write(rel, f"{rel}\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "views")
    repo.append("logs/a.md", "hand edit, not staged\n")
    repo.append("logs/b.md", "staged edit\n")
    repo.git("add", "logs/b.md")
    repo.append("logs/c d.md", "staged\n")
    repo.git("add", "logs/c d.md")
    repo.append("logs/c d.md", "and more, not staged\n")
    (repo.path / "logs" / "gone.md").unlink()
    repo.write("logs/new.md", "untracked\n")
    assert gitops.changes(repo.path, FILES) == ({"logs/a.md", "logs/c d.md", "logs/gone.md"},
                                                {"logs/b.md", "logs/c d.md"})
    assert gitops.changes(repo.path, FILES) == _diffs(repo, FILES)
    started = gitops.start_changes(repo.path, FILES)  # asked now, read later: the same answer
    assert started() == _diffs(repo, FILES)
    assert gitops.changes(repo.path, ["logs/e.md"]) == (set(), set())
    assert gitops.changes(repo.path, []) == (set(), set())


def test_changes_reads_the_real_index_not_the_commits(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `git commit -a` the hook's GIT_INDEX_FILE holds every tracked edit: a hand edit
    must still show as not staged."""
    repo = make_repo(tmp_path / "r")
    repo.write("logs/a.md", "one\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "view")
    repo.append("logs/a.md", "hand edit\n")
    other = tmp_path / "other-index"
    repo.git("read-tree", "HEAD", env={"GIT_INDEX_FILE": str(other)})
    repo.git("add", "logs/a.md", env={"GIT_INDEX_FILE": str(other)})
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))
    assert gitops.changes(repo.path, ["logs/a.md"]) == ({"logs/a.md"}, set())


def test_changes_before_the_first_commit_has_nothing_staged_against_head(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write("logs/a.md", "one\n")
    repo.git("add", "logs/a.md")
    repo.append("logs/a.md", "two\n")
    assert gitops.changes(repo.path, ["logs/a.md"]) == ({"logs/a.md"}, set())


def test_a_conflicted_path_is_both_unstaged_and_staged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    repo.write("logs/a.md", "base\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("logs/a.md", "side\n")
    repo.git("commit", "-q", "-am", "side")
    repo.git("checkout", "-q", "main")
    repo.write("logs/a.md", "main\n")
    repo.git("commit", "-q", "-am", "main")
    assert repo.git("merge", "-q", "side", check=False).returncode != 0
    assert gitops.changes(repo.path, ["logs/a.md"]) == ({"logs/a.md"}, {"logs/a.md"})
    assert gitops.changes(repo.path, ["logs/a.md"]) == _diffs(repo, ["logs/a.md"])


def test_a_started_git_gives_what_run_gives_and_fails_as_it_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    repo.write("logs/a.md", "one\n")
    repo.git("add", "logs/a.md")
    started = gitops.start("diff-index", "--cached", "--name-only", "-z", "HEAD", "--", cwd=repo.path)
    assert started.output() == gitops.run("diff-index", "--cached", "--name-only", "-z", "HEAD",
                                          "--", cwd=repo.path) == "logs/a.md\0"
    assert started.output() == "logs/a.md\0"  # read once, kept
    bad = gitops.start("rev-parse", "--verify", "no-such-ref", cwd=repo.path)
    with pytest.raises(gitops.GitError, match="no-such-ref"):
        bad.output()
