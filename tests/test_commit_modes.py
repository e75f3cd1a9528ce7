"""Every commit mode, through the real pre-commit framework and as a native hook.

After each commit the session logs are in the commit that explains the code, and
`git status --porcelain` shows nothing of ours.
"""
from __future__ import annotations

from pathlib import Path

from conftest import Repo, make_repo

NOW = "2026-11-25T14:30:00+01:00"
ARCHIVE_PREFIX = "logs/archive/2026-11/shop/ada/2026-11-25-"
VIEWS = ["logs/shop-session-log-2026-11.md", "logs/shop-status.md"]


def ours(lines: list[str]) -> list[str]:
    return [line for line in lines if "logs/" in line or ".sessionlog" in line]


def assert_consolidated(repo: Repo, rev: str = "HEAD", title: str = "Chose RS256") -> None:
    files = repo.head_files(rev)
    archived = [f for f in files if f.startswith(ARCHIVE_PREFIX)]
    assert len(archived) == 1, files
    for view in VIEWS:
        assert view in files, files
    assert title in repo.tracked(archived[0], rev)
    assert title in repo.tracked(VIEWS[0], rev)
    assert repo.pending() == []
    assert ours(repo.porcelain()) == []


def log_decision(repo: Repo, title: str = "Chose RS256") -> None:
    repo.log(NOW, title, "Decision: RS256 over HS256, because keys must rotate")


def test_commit_m(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.write("auth.py", "ALGORITHM = 'RS256'\n")
    repo.git("add", "auth.py")
    log_decision(repo)
    out = repo.git("commit", "-m", "Add auth")
    said = out.stdout + out.stderr
    if (repo.path / ".pre-commit-config.yaml").exists():
        assert "sessionlog consolidate" in said and "Passed" in said  # the framework hides our output
    else:
        assert "consolidated 1 entry" in said
    assert "auth.py" in repo.head_files()
    assert_consolidated(repo)
    assert repo.porcelain() == []


def test_commit_a(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.append("app.py", "print('rs256')\n")
    log_decision(repo)
    repo.git("commit", "-a", "-m", "Use RS256")
    assert "app.py" in repo.head_files()
    assert_consolidated(repo)
    assert repo.porcelain() == []


def test_commit_p(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.append("app.py", "print('patch')\n")
    log_decision(repo)
    repo.git("commit", "-p", "-m", "Patch mode", input="y\n")
    assert "app.py" in repo.head_files()
    assert_consolidated(repo)
    assert repo.porcelain() == []


def test_commit_only_paths(hooked_repo: Repo) -> None:
    """`git commit <paths>`: git hands the hook a temporary index; the real one must agree."""
    repo = hooked_repo
    repo.append("app.py", "print('only')\n")
    repo.write("other.py", "x = 1\n")
    repo.git("add", "other.py")  # staged, but not part of this commit
    log_decision(repo)
    repo.git("commit", "-m", "Only app.py", "--", "app.py")
    files = repo.head_files()
    assert "app.py" in files and "other.py" not in files
    assert_consolidated(repo)
    # Exactly what the user left staged remains: no staged revert of our files.
    assert repo.porcelain() == ["A  other.py"]


def test_commit_amend(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.append("app.py", "print('one')\n")
    repo.git("commit", "-a", "-m", "First try")
    log_decision(repo)
    repo.git("commit", "--amend", "--no-edit")
    assert_consolidated(repo)
    assert repo.porcelain() == []


def test_commit_concluding_conflicted_merge(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", "print('feature')\n")
    repo.git("commit", "-q", "-a", "-m", "Feature side")
    repo.git("checkout", "-q", "main")
    repo.write("app.py", "print('main')\n")
    repo.git("commit", "-q", "-a", "-m", "Main side")
    merge = repo.git("merge", "feature", check=False)
    assert merge.returncode != 0 and "CONFLICT" in merge.stdout
    repo.write("app.py", "print('both')\n")
    repo.git("add", "app.py")
    log_decision(repo, "Merged the feature branch")
    repo.git("commit", "--no-edit")
    parents = repo.git("rev-list", "--parents", "-n", "1", "HEAD").stdout.split()
    assert len(parents) == 3  # a real merge commit
    assert_consolidated(repo, title="Merged the feature branch")
    assert repo.porcelain() == []


def test_commit_in_linked_worktree(hooked_repo: Repo, tmp_path: Path) -> None:
    repo = hooked_repo
    tree = tmp_path / "shop-feature"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    wt = Repo(tree)
    wt.append("app.py", "print('worktree')\n")
    log_decision(wt)
    assert wt.pending(), "the entry is pending in the linked worktree"
    wt.git("commit", "-a", "-m", "Work in a worktree")
    # The project name comes from the committed config, not from the worktree's folder name.
    assert_consolidated(wt)
    assert wt.porcelain() == []
    assert repo.porcelain() == []


def test_project_name_in_worktree_without_config(tmp_path: Path) -> None:
    """Without a committed config, a linked worktree still uses the main folder's name."""
    repo = make_repo(tmp_path / "shop")
    tree = tmp_path / "elsewhere"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    Repo(tree).log(NOW, "Logged from a worktree")
    git_dir = Path(Repo(tree).git("rev-parse", "--absolute-git-dir").stdout.strip())
    assert git_dir.parent.name == "worktrees"  # the worktree's own git dir, not the main one's
    assert (git_dir / "sessionlog/pending/shop/ada/2026-11-25.md").is_file()
    assert not (tmp_path / "shop/.git/sessionlog/pending/shop/ada/2026-11-25.md").exists()
