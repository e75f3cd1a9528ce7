"""Two contributors, two clones, one month: merging and rebasing never conflict on the views."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PYTHON, Repo, make_repo

MASTER = "logs/shop-session-log-2026-11.md"
STATUS = "logs/shop-status.md"

REBUILD = (
    "import json, pathlib; from sessionlog_git import workspace; "
    "from sessionlog_git.pipeline import consolidate; "
    "print(json.dumps(consolidate.rebuild(workspace.at(pathlib.Path.cwd()))))"
)


def fresh_render(repo: Repo) -> dict[str, str]:
    out: dict[str, str] = json.loads(repo.run(PYTHON, "-c", REBUILD).stdout)
    return out


def assert_views_are_fresh(repo: Repo) -> None:
    expected = fresh_render(repo)
    assert MASTER in expected and STATUS in expected
    for rel, text in expected.items():
        assert repo.tracked(rel) == text, rel  # committed bytes equal a fresh render
        assert repo.read(rel) == text, rel
    assert repo.sl("check").returncode == 0


def clone(remote: Path, dest: Path, login: str, mode: str, hook_repo: tuple[str, str] | None) -> Repo:
    repo = Repo(dest)
    repo.run("git", "clone", "-q", str(remote), str(dest), cwd=dest.parent)
    repo.git("config", "user.name", login.title())
    repo.git("config", "user.email", f"{login}@example.com")
    repo.git("config", "github.user", login)
    repo.git("config", "commit.gpgsign", "false")
    args = ["init", "--hooks", "native"]
    if mode == "framework":
        assert hook_repo is not None
        args = ["init", "--hooks", "pre-commit", "--hook-repo", hook_repo[0], "--hook-rev", hook_repo[1]]
    out = repo.sl(*args).stdout
    # A fresh clone has the committed .gitattributes; init sets the unversioned driver.
    assert "unchanged: .gitattributes" in out
    assert 'set .git/config [merge "sessionlog"] driver = ' in out
    assert "merge-driver %O %A %B %L %P" in repo.git("config", "merge.sessionlog.driver").stdout
    return repo


@pytest.fixture(params=["native", "framework"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Repo, Repo]:
    mode = request.param
    hook_repo = request.getfixturevalue("hook_repo") if mode == "framework" else None
    remote = tmp_path / "remote.git"
    Repo(tmp_path).git("init", "-q", "--bare", "-b", "main", str(remote))
    alice = make_repo(tmp_path / "alice" / "shop", user_name="Alice", login="alice")
    if mode == "framework":
        assert hook_repo is not None
        alice.write(".pre-commit-config.yaml", "repos: []\n")
        out = alice.sl("init", "--hooks", "pre-commit", "--hook-repo", hook_repo[0],
                       "--hook-rev", hook_repo[1]).stdout
        alice.git("add", ".pre-commit-config.yaml")
    else:
        out = alice.sl("init", "--hooks", "native").stdout
    assert "create .gitattributes: merge=sessionlog" in out
    assert 'set .git/config [merge "sessionlog"] driver = ' in out
    alice.git("add", ".sessionlog.yaml", ".gitattributes")
    alice.git("commit", "-q", "-m", "Set up sessionlog")
    alice.git("remote", "add", "origin", str(remote))
    alice.git("push", "-q", "-u", "origin", "main")
    (tmp_path / "bob").mkdir()
    bob = clone(remote, tmp_path / "bob" / "shop", "bob", mode, hook_repo)
    return alice, bob


def both_consolidate_the_same_month(alice: Repo, bob: Repo) -> None:
    alice.log("2026-11-24T09:05:00+01:00", "Implemented user authentication",
              "Decision: RS256 over HS256, because key rotation is required",
              "Blocked on: Redis session store not configured yet")
    alice.write("auth.py", "def login(): ...\n")
    alice.git("add", "auth.py")
    alice.git("commit", "-q", "-m", "Add auth")
    assert MASTER in alice.head_files() and STATUS in alice.head_files()
    alice.git("push", "-q", "origin", "main")

    bob.log("2026-11-24T10:30:00+01:00", "Profiled the checkout",
            "Tried: caching prices per request; stale after promotions",
            "Next: cache with a TTL")
    bob.log("2026-11-25T08:00:00+01:00", "Redis is ready",
            "Unblocked: Redis session store configured in staging")
    bob.write("checkout.py", "def pay(): ...\n")
    bob.git("add", "checkout.py")
    bob.git("commit", "-q", "-m", "Add checkout")
    assert MASTER in bob.head_files() and STATUS in bob.head_files()


def test_pull_with_a_merge_never_conflicts_and_renders_the_merged_archive(team: tuple[Repo, Repo]) -> None:
    alice, bob = team
    both_consolidate_the_same_month(alice, bob)
    out = bob.git("pull", "--no-rebase", "--no-edit", "origin", "main")
    assert "CONFLICT" not in out.stdout + out.stderr
    assert len(bob.git("log", "-1", "--format=%P").stdout.split()) == 2  # a real merge commit
    assert bob.porcelain() == []
    master = bob.read(MASTER)
    assert "\n## alice\n" in master and "\n## bob\n" in master
    assert "Implemented user authentication" in master and "Profiled the checkout" in master
    # Bob's "Unblocked" closes Alice's blocker: only a render of the merged archive knows that.
    status = bob.read(STATUS)
    assert "~~Redis session store not configured yet~~" in status
    assert_views_are_fresh(bob)
    bob.git("push", "-q", "origin", "main")
    alice.git("pull", "-q", "--no-rebase", "origin", "main")
    assert_views_are_fresh(alice)


def test_pull_with_a_rebase_never_conflicts_and_renders_the_merged_archive(team: tuple[Repo, Repo]) -> None:
    alice, bob = team
    both_consolidate_the_same_month(alice, bob)
    out = bob.git("pull", "--rebase", "origin", "main")
    assert "CONFLICT" not in out.stdout + out.stderr
    assert bob.git("log", "--format=%s").stdout.split("\n")[:3] == [
        "Add checkout", "Add auth", "Set up sessionlog"
    ]
    assert bob.porcelain() == []
    assert "~~Redis session store not configured yet~~" in bob.read(STATUS)
    assert_views_are_fresh(bob)


def test_cherry_pick_renders_the_merged_archive(team: tuple[Repo, Repo]) -> None:
    alice, bob = team
    both_consolidate_the_same_month(alice, bob)
    bob.git("fetch", "-q", "origin")
    bob.git("cherry-pick", "origin/main")
    assert bob.porcelain() == []
    assert_views_are_fresh(bob)


def test_without_the_driver_the_same_merge_conflicts(team: tuple[Repo, Repo]) -> None:
    """The control: what the driver saves a team from."""
    alice, bob = team
    both_consolidate_the_same_month(alice, bob)
    bob.git("config", "--remove-section", "merge.sessionlog")
    out = bob.git("pull", "--no-rebase", "--no-edit", "origin", "main", check=False)
    assert out.returncode != 0 and "CONFLICT" in out.stdout


def test_doctor_checks_the_merge_driver_and_gitattributes(native_repo: Repo) -> None:
    """A clone without the driver config (it is not versioned) or without our attributes
    merges the views as text; doctor fails naming the fix, and the fix makes it pass."""
    repo = native_repo
    assert repo.sl("doctor").returncode == 0
    repo.git("config", "--remove-section", "merge.sessionlog")
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert 'FAIL  .git/config has no [merge "sessionlog"] driver' in proc.stdout
    assert "fix: run `sessionlog init` in this clone" in proc.stdout
    repo.sl("init", "--hooks", "native")
    assert repo.sl("doctor").returncode == 0

    (repo.path / ".gitattributes").unlink()
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  .gitattributes does not send the generated views to the sessionlog merge" in proc.stdout
    assert "fix: run `sessionlog init`, then commit .gitattributes" in proc.stdout
    repo.sl("init", "--hooks", "native")
    proc = repo.sl("doctor")
    assert proc.returncode == 0 and "FAIL" not in proc.stdout

    # An install from before the logs were kept from line-ending conversion: doctor says so.
    attrs = repo.read(".gitattributes")
    repo.write(".gitattributes", attrs.replace("logs/** -text\n", ""))
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  .gitattributes does not keep line-ending conversion off logs/" in proc.stdout
    assert "merge driver" not in proc.stdout.split("FAIL", 1)[1].split("\n")[0]
    assert "update .gitattributes" in repo.sl("init", "--hooks", "native").stdout
    assert repo.read(".gitattributes") == attrs
