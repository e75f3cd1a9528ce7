"""Nothing lost under faults: kills at every step, parallel writers, links, bad names."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate

TITLES = [f"Entry number {i:02d}" for i in range(6)]


def all_titles(repo: Repo) -> list[str]:
    """Every entry title in the archive and still pending, with repeats."""
    found: list[str] = []
    for path in [*repo.archive(), *repo.pending()]:
        for line in path.read_text().splitlines():
            if line.startswith("## ") and " - " in line:
                found.append(line.split(" - ", 1)[1])
    return found


def seed(repo: Repo) -> None:
    for i, title in enumerate(TITLES):
        user = "ada" if i % 2 == 0 else "grace"
        day = 24 + i % 3
        repo.log(f"2026-11-{day}T1{i}:00:00+01:00", title, f"Decision: choice {i}", user=user)


@pytest.mark.parametrize("step", consolidate.STEPS)
def test_kill_at_every_step_then_rerun(native_repo: Repo, step: str) -> None:
    repo = native_repo
    seed(repo)
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": step}, check=False)
    assert killed.returncode == 97, killed.stderr
    # Right after the kill nothing is lost (an entry may be both archived and pending)...
    assert set(all_titles(repo)) == set(TITLES)
    repo.sl("consolidate")
    # ...and the rerun leaves every entry exactly once.
    assert repo.pending() == []
    assert sorted(all_titles(repo)) == sorted(TITLES)
    # The views equal a fresh render, and everything is staged for the next commit.
    fresh = consolidate.rebuild(workspace.at(repo.path))
    for rel, text in fresh.items():
        assert repo.read(rel) == text, rel
    repo.git("commit", "-m", "after the crash")
    assert [line for line in repo.porcelain() if "logs/" in line] == []
    committed = repo.git("ls-tree", "-r", "--name-only", "HEAD", "logs/archive").stdout.split()
    assert sorted(committed) == sorted(p.relative_to(repo.path).as_posix() for p in repo.archive())


def test_kill_during_a_real_commit_then_commit_again(native_repo: Repo) -> None:
    repo = native_repo
    seed(repo)
    repo.append("app.py", "x = 1\n")
    failed = repo.git("commit", "-am", "first try", env={"SESSIONLOG_FAULT": "staged"}, check=False)
    assert failed.returncode != 0
    repo.git("commit", "-am", "second try")
    assert sorted(all_titles(repo)) == sorted(TITLES)
    assert len([f for f in repo.head_files() if f.startswith("logs/archive/")]) == 6
    assert repo.porcelain() == []


def test_parallel_writers_and_repeated_consolidations(native_repo: Repo) -> None:
    repo = native_repo
    env = {k: v for k, v in os.environ.items() if k != "SESSIONLOG_NOW"}
    writer = (
        "import subprocess, sys\n"
        "for i in range(6):\n"
        "    subprocess.run([sys.executable, '-m', 'sessionlog_git', 'log', f'writer {sys.argv[1]} "
        "entry {i}', 'Decision: parallel'], check=True)\n"
    )
    consolidator = (
        "import subprocess, sys\n"
        "for i in range(6):\n"
        "    subprocess.run([sys.executable, '-m', 'sessionlog_git', 'consolidate'], check=True,"
        " stdout=subprocess.DEVNULL)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", writer, str(n)], cwd=repo.path,
                         env={**env, "SESSIONLOG_USER": f"user{n % 3}"})
        for n in range(5)
    ]
    procs.append(subprocess.Popen([sys.executable, "-c", consolidator], cwd=repo.path, env=env))
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    repo.sl("consolidate")
    expected = sorted(f"writer {n} entry {i}" for n in range(5) for i in range(6))
    assert sorted(all_titles(repo)) == expected
    assert repo.pending() == []
    masters = "".join(p.read_text() for p in (repo.path / "logs").glob("shop-session-log-*.md"))
    assert sum(masters.count(f"{title} ·") for title in expected) == len(expected)


def test_lock_timeout_is_a_clear_message(native_repo: Repo) -> None:
    from filelock import FileLock

    repo = native_repo
    with FileLock(str(repo.path / ".git" / "sessionlog" / "lock")):
        proc = repo.sl("log", "Blocked by the lock", env={
            "SESSIONLOG_LOCK_TIMEOUT": "0.5", "SESSIONLOG_NOW": "2026-11-25T09:00:00+01:00"},
            check=False)
    assert proc.returncode == 1
    assert ".git/sessionlog/lock: another sessionlog process has held the lock" in proc.stderr
    assert "Fix:" in proc.stderr
    assert repo.pending() == []


def test_links_in_the_pending_folder_are_never_followed_out(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    outside = tmp_path / "outside.md"
    outside.write_text("## 09:00 - Private notes elsewhere\n- secret plans\n")
    user_dir = repo.path / ".git/sessionlog/pending/shop/ada"
    user_dir.mkdir(parents=True)
    (user_dir / "2026-11-25.md").symlink_to(outside)
    proc = repo.sl("consolidate")
    assert "2026-11-25.md: not a temp log named YYYY-MM-DD.md; left untouched" in proc.stdout
    assert repo.archive() == [] and outside.read_text().startswith("## 09:00")
    # Appending through the link is refused too, and writes nothing anywhere.
    bad = repo.sl("log", "x", env={"SESSIONLOG_NOW": "2026-11-25T10:00:00+01:00"}, check=False)
    assert bad.returncode == 1 and "is a link to" in bad.stderr and "Fix:" in bad.stderr
    assert outside.read_text() == "## 09:00 - Private notes elsewhere\n- secret plans\n"


def test_pending_folder_linked_outside_the_repository(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "shop/ada").mkdir(parents=True)
    (elsewhere / "shop/ada/2026-11-25.md").write_text("## 09:00 - Not ours\n")
    pending = repo.path / ".git/sessionlog/pending"
    shutil.rmtree(pending)
    pending.symlink_to(elsewhere)
    proc = repo.sl("consolidate")
    assert "leads outside the repository" in proc.stdout
    assert repo.archive() == []
    bad = repo.sl("log", "x", env={"SESSIONLOG_NOW": "2026-11-25T10:00:00+01:00"}, check=False)
    assert bad.returncode == 1 and "is a link to" in bad.stderr
    assert not (elsewhere / "shop/ada/2026-11-25.md").read_text().count("x\n")


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ('project: shop\nuser: "a\\0b"\n', "user name 'a\\x00b' cannot be used as a folder name"),
        ("project: " + "p" * 200 + "\n", "at most 64 characters"),
        ("project: ../../etc\n", "cannot be used as a folder name"),
    ],
)
def test_absurd_names_in_config(repo: Repo, yaml: str, message: str) -> None:
    repo.write(".sessionlog.yaml", yaml)
    proc = repo.sl("log", "x", env={"SESSIONLOG_NOW": "2026-11-25T10:00:00+01:00"}, check=False)
    assert proc.returncode == 1
    assert ".sessionlog.yaml: line" in proc.stderr and message in proc.stderr and "Fix:" in proc.stderr


def test_absurd_user_from_environment(repo: Repo) -> None:
    proc = repo.sl("log", "x", env={"SESSIONLOG_USER": "u" * 300}, check=False)
    assert proc.returncode == 1 and "environment SESSIONLOG_USER" in proc.stderr


def test_huge_and_binary_temp_logs_stay_pending(native_repo: Repo) -> None:
    repo = native_repo
    folder = repo.path / ".git/sessionlog/pending/shop/ada"
    folder.mkdir(parents=True)
    huge = folder / "2026-11-24.md"
    huge.write_bytes(b"## 09:00 - Pasted a build log\n" + b"- line\n" * (9 * 1024 * 1024 // 7))
    binary = folder / "2026-11-25.md"
    binary.write_bytes(b"## 09:00 - Fine\n- ok\n\x00\x01\x02 PNG")
    proc = repo.sl("consolidate")
    assert f"{huge}:1: 9 MiB is too large for a temp log" in proc.stdout
    assert f"{binary}:3: binary content (a NUL byte); kept pending" in proc.stdout
    assert huge.exists() and binary.read_bytes().endswith(b"PNG")
    assert repo.archive() == []


_FRAGMENTS = [*"## -:*\n\t abcXYZ019", "14:30", "Decision: ", "Blocked on: ", "\n## 09:15 - ",
              "<!-- sessionlog at=x -->", "é", "\x00"]
_text = st.lists(st.sampled_from(_FRAGMENTS), max_size=120).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.one_of(_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=200)),
                      min_size=1, max_size=3))
def test_fuzz_consolidation_never_loses_a_byte(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch, files: list[bytes]
) -> None:
    repo = native_repo
    monkeypatch.chdir(repo.path)
    for leftover in [*repo.pending(), *repo.archive()]:
        leftover.unlink()
    repo.write(".sessionlog.yaml", "project: shop\nredaction: off\n")
    paths = []
    for n, data in enumerate(files):
        path = repo.path / f".git/sessionlog/pending/shop/ada/2026-11-2{n}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    result = consolidate.run(workspace.at(repo.path), stage=False)
    archived = {p.read_bytes() for p in repo.archive()}
    for path, data in zip(paths, files, strict=True):
        if path.exists():
            assert path.read_bytes() == data  # kept pending, untouched
            assert any(str(path) in problem for problem in result.problems)
        else:
            # Archived verbatim, or it held nothing but blank lines and our own header.
            leftovers = [
                line for line in data.decode().splitlines()
                if line.strip() and not line.startswith("# sessionlog:")
                and not (line.strip().startswith("<!-- sessionlog ") and "=" in line)
            ]
            assert data in archived or leftovers == [], leftovers
    again = consolidate.run(workspace.at(repo.path), stage=False)
    assert again.archived == [] and again.views == []
