"""Ordinary git commands and a person who is new to the tool: an aborted commit then
`git reset` under the framework, a commit with nothing staged, a shallow clone, a submodule,
and the commands that say where things stand (status, doctor, check REV, hook --help)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Repo, make_repo

TEAM_CONFIG = "# the team's hooks\nrepos:\n-   repo: local\n    hooks:\n    -   id: noop\n" \
    "        name: noop\n        entry: 'true'\n        language: system\n"


def framework(repo: Repo) -> Repo:
    repo.write(".pre-commit-config.yaml", TEAM_CONFIG)
    repo.sl("init", "--hooks", "pre-commit")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    return repo


def native(repo: Repo) -> Repo:
    repo.sl("init", "--hooks", "native")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    return repo


def views_match_head(repo: Repo) -> None:
    out = repo.sl("check", "HEAD", check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "match a fresh render" in out.stdout


def test_framework_abort_then_reset_then_an_ordinary_commit_keeps_the_views(repo: Repo) -> None:
    framework(repo)
    repo.log("2026-11-25T09:00:00+01:00", "First", "Decision: one")
    repo.append("app.py", "print(1)\n")
    repo.git("commit", "-q", "-am", "First")
    views_match_head(repo)
    repo.log("2026-11-25T10:00:00+01:00", "Second", "Decision: two")
    repo.append("app.py", "print(2)\n")
    repo.git("add", "app.py")
    aborted = repo.git("commit", check=False, env={"GIT_EDITOR": "true"})  # empty message
    assert aborted.returncode != 0
    repo.git("reset", "-q")
    repo.git("add", "app.py")
    out = repo.git("commit", "-m", "Second", check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "your edit is untouched" not in out.stdout + out.stderr
    files = repo.head_files()
    assert "logs/shop-session-log-2026-11.md" in files and "logs/shop-status.md" in files
    assert any(f.startswith("logs/archive/") for f in files)
    assert repo.porcelain() == []
    views_match_head(repo)
    # And the next commit goes through as usual.
    repo.log("2026-11-25T11:00:00+01:00", "Third", "Decision: three")
    repo.append("app.py", "print(3)\n")
    repo.git("commit", "-q", "-am", "Third")
    assert repo.porcelain() == []
    views_match_head(repo)


def test_a_users_own_unstaged_edit_of_a_view_is_still_refused(repo: Repo) -> None:
    framework(repo)
    repo.log("2026-11-25T09:00:00+01:00", "First", "Decision: one")
    repo.append("app.py", "print(1)\n")
    repo.git("commit", "-q", "-am", "First")
    repo.append("logs/shop-status.md", "my note\n")  # a person's edit, not ours
    repo.log("2026-11-25T10:00:00+01:00", "Second", "Decision: two")
    repo.append("app.py", "print(2)\n")
    repo.git("add", "app.py")
    out = repo.git("commit", "-m", "Second", check=False)
    assert out.returncode != 0 and "your edit is untouched" in out.stdout + out.stderr
    assert repo.read("logs/shop-status.md").endswith("my note\n")


def test_check_reads_a_commit_not_the_work_tree(repo: Repo) -> None:
    native(repo)
    repo.log("2026-11-25T09:00:00+01:00", "First", "Decision: one")
    repo.append("app.py", "print(1)\n")
    repo.git("commit", "-q", "-am", "First")
    good = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.append("logs/shop-status.md", "tampered\n")
    repo.git("commit", "-q", "--no-verify", "-am", "Tamper")
    repo.git("checkout", "-q", "HEAD~1", "--", "logs/shop-status.md")  # work tree looks fine
    assert repo.sl("check", check=False).returncode == 0
    bad = repo.sl("check", "HEAD", check=False)
    assert bad.returncode == 1 and "logs/shop-status.md" in bad.stdout
    assert repo.sl("check", good, check=False).returncode == 0


@pytest.mark.parametrize("mode", ["native", "framework"])
def test_nothing_staged_says_what_happened_and_what_to_run(repo: Repo, mode: str) -> None:
    (native if mode == "native" else framework)(repo)
    repo.log("2026-11-25T09:00:00+01:00", "Only logs today", "Decision: nothing else")
    out = repo.git("commit", "-m", "x", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "nothing of yours is staged" in text
    assert 'sessionlog consolidate && git commit -m "Session logs" -- logs' in text
    assert repo.pending() == []  # consolidated: nothing lost
    # The printed recipe, run as printed, commits the session logs alone.
    python = f"{Path(__import__('sys').executable)} -m sessionlog_git"
    repo.run("sh", "-c", f'{python} consolidate && git commit -q -m "Session logs" -- logs')
    assert any(f.startswith("logs/archive/") for f in repo.head_files())
    assert repo.porcelain() == []


def test_status_says_what_is_pending_what_the_next_commit_does_and_if_set_up(repo: Repo,
                                                                            tmp_path: Path) -> None:
    native(repo)
    repo.log("2026-11-25T09:00:00+01:00", "Pending work", "Decision: later")
    out = repo.sl("status").stdout
    assert "this clone is set up" in out
    assert ".git/sessionlog/pending/shop/ada/2026-11-25.md" in out
    assert "would consolidate 1 entry" in out
    clone = tmp_path / "teammate"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True)
    fresh = Repo(clone).sl("status").stdout
    assert "this clone is NOT set up" in fresh and "run `sessionlog init`" in fresh


def test_doctor_names_each_missing_piece_and_its_fix(repo: Repo) -> None:
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    ok = repo.sl("doctor", check=False)
    assert ok.returncode == 0 and ".claude/settings.json: its hook command runs here" in ok.stdout
    (repo.path / ".git/hooks/pre-push").unlink()
    repo.git("config", "--remove-section", "merge.sessionlog")
    (repo.path / ".git/sessionlog/run").unlink()
    repo.write(".gitattributes", "")
    out = repo.sl("doctor", check=False)
    assert out.returncode == 1
    for problem in (".git/hooks/pre-push is missing", 'no [merge "sessionlog"] driver',
                    ".gitattributes does not send the generated views",
                    "no sessionlog launcher",
                    ".claude/settings.json: its hook command finds no sessionlog here"):
        assert problem in out.stdout, problem
    assert out.stdout.count("fix: run `sessionlog init") >= 4
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    assert repo.sl("doctor", check=False).returncode == 0


def test_doctor_runs_the_launcher_the_assistants_hooks_use(repo: Repo) -> None:
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    launcher = repo.path / ".git/sessionlog/run"
    launcher.write_text(launcher.read_text().replace("-m sessionlog_git", "-m no_such_module")
                        .replace('exec sessionlog "$@"', "exit 3"))
    out = repo.sl("doctor", check=False)
    assert out.returncode == 1 and ".git/sessionlog/run does not run sessionlog" in out.stdout


def test_hook_help_and_an_unknown_event(repo: Repo) -> None:
    helped = repo.sl("hook", "--help")
    assert helped.returncode == 0 and "session-start" in helped.stdout and "usage:" in helped.stdout
    bogus = repo.sl("hook", "bogus", input="{}")
    assert bogus.returncode == 0 and bogus.stdout == ""
    assert "unknown hook event 'bogus'" in bogus.stderr and "Fix:" in bogus.stderr


def test_why_in_a_shallow_clone_says_so_and_credits_no_graft(repo: Repo, tmp_path: Path) -> None:
    native(repo)
    for n in (1, 2):
        repo.log(f"2026-11-25T0{n}:00:00+01:00", f"Step {n}", f"Decision: step {n}")
        repo.append("app.py", f"print({n})\n")
        repo.git("commit", "-q", "-am", f"Step {n}")
    repo.write("other.py", "x = 1\n")
    repo.git("add", "other.py")
    repo.git("commit", "-q", "-m", "Other")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)],
                   check=True)
    out = Repo(shallow).sl("why", "app.py:1").stdout
    assert "This clone is shallow" in out and "git fetch --unshallow" in out
    data = json.loads(Repo(shallow).sl("why", "app.py:1", "--json").stdout)
    assert data["graft"] is True and data["match"] != "consolidated"


def test_a_submodules_default_project_name_is_its_folder(tmp_path: Path) -> None:
    lib = make_repo(tmp_path / "lib")
    outer = make_repo(tmp_path / "outer")
    outer.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib.path),
              "vendor/payments-lib")
    sub = Repo(outer.path / "vendor/payments-lib")
    out = sub.sl("init").stdout
    assert "create .sessionlog.yaml (project: payments-lib)" in out
    assert "project: payments-lib\n" in sub.read(".sessionlog.yaml")


def test_doctor_flags_a_machine_path_an_older_init_committed(repo: Repo) -> None:
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    settings = json.loads(repo.read(".claude/settings.json"))
    settings["hooks"]["Stop"][0]["hooks"][0]["command"] = (
        f"'{__import__('sys').executable}' -m sessionlog_git hook stop")
    repo.write(".claude/settings.json", json.dumps(settings, indent=2))
    out = repo.sl("doctor", check=False)
    assert out.returncode == 1 and "a path of one machine in a committed file" in out.stdout
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    assert repo.sl("doctor", check=False).returncode == 0


@pytest.mark.parametrize("mode", ["native", "framework"])
def test_amend_with_only_session_logs_is_not_refused(repo: Repo, mode: str) -> None:
    (native if mode == "native" else framework)(repo)
    repo.append("app.py", "print(1)\n")
    repo.git("commit", "-q", "-am", "Work")
    repo.log("2026-11-25T09:00:00+01:00", "Why the work", "Decision: as done")
    out = repo.git("commit", "--amend", "--no-edit", check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert any(f.startswith("logs/archive/") for f in repo.head_files())
    assert repo.porcelain() == []


def test_hooks_in_a_linked_worktree_find_the_clones_launcher(repo: Repo, tmp_path: Path) -> None:
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    tree = tmp_path / "feature"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    command = json.loads((tree / ".claude/settings.json").read_text())["hooks"]["SessionStart"][0][
        "hooks"][0]["command"]
    proc = subprocess.run(["sh", "-c", command], cwd=tree, capture_output=True, text=True,
                          input=json.dumps({"session_id": "w", "cwd": str(tree)}),
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, check=False)
    assert proc.returncode == 0, proc.stderr
    context = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "Today's temp log" in context and "not set up" not in context
