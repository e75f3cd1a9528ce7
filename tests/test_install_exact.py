"""init through the real pre-commit framework leaves the user's hooks alone (when and how they
run), needs no network, and `uninstall` after `init` puts every file back byte for byte."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import Repo

# A realistic team config: comments, quoted strings, flow lists, the black/flask layout, and
# a hook WITHOUT `stages:` that fails whenever it runs at push.
USER_CONFIG = """\
# See https://pre-commit.com for more information
ci:
  autoupdate_schedule: 'monthly'   # keep quiet
repos:
  - repo: local
    hooks:
      - id: refuse-at-push
        name: "refuse at push"
        entry: sh -c 'if [ -n "$PRE_COMMIT_REMOTE_NAME" ]; then echo "refused at push"; exit 1; fi'
        language: system
        pass_filenames: false
        always_run: true
      - id: flow-args
        name: 'flow args'
        entry: "true"
        language: system
        args: [--line-length=88, "--target-version", 'py311']
        types_or: [python, pyi]

  # trailing comment that belongs to the repos block
"""

CLAUDE_SETTINGS = '{\n    "permissions": {"allow": ["Bash(git status)"]},\n    "hooks": {"Stop": [\n' \
    '        {"hooks": [{"type": "command", "command": "echo mine"}]}\n    ]}\n}'
USER_PRE_PUSH = "#!/bin/sh\n# the user's own pre-push\nexit 0\n"


def _files(repo: Repo) -> dict[str, tuple[bytes, int]]:
    """Every file of the work tree and of .git/hooks, with its mode (our data excepted)."""
    out: dict[str, tuple[bytes, int]] = {}
    for path in sorted(repo.path.rglob("*")):
        rel = path.relative_to(repo.path).as_posix()
        if not path.is_file() or rel.startswith((".git/sessionlog/", ".sessionlog.yaml")):
            continue
        if rel.startswith(".git/") and not rel.startswith(".git/hooks/"):
            continue
        out[rel] = (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return out


def _realistic(repo: Repo) -> None:
    repo.write(".pre-commit-config.yaml", USER_CONFIG)
    repo.write(".claude/settings.json", CLAUDE_SETTINGS)
    repo.write("CLAUDE.md", "# Project notes\n\nRun `make test`.\n")
    repo.write(".gitattributes", "*.png binary\n")
    hook = repo.write(".git/hooks/pre-push", USER_PRE_PUSH)
    hook.chmod(0o755)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "The team's setup")


@pytest.mark.parametrize("commit_msg", [False, True], ids=["plain", "commit-msg"])
@pytest.mark.parametrize("mode", ["pre-commit", "native", "none"])
def test_uninstall_after_init_restores_every_file_byte_for_byte(repo: Repo, mode: str,
                                                                 commit_msg: bool) -> None:
    _realistic(repo)
    before = _files(repo)
    args = ["init", "--hooks", mode, "--agent", "all"] + (["--commit-msg"] if commit_msg else [])
    repo.sl(*args)
    assert _files(repo) != before  # init did change things
    out = repo.sl("uninstall").stdout
    after = _files(repo)
    assert sorted(after) == sorted(before), out  # every hook file it added is gone
    for rel, content in before.items():
        assert after[rel] == content, f"{rel} differs after uninstall\n{out}"
    assert repo.git("config", "--get-regexp", "^merge\\.sessionlog", check=False).stdout == ""
    assert not (repo.path / ".git" / "sessionlog").exists()


def test_uninstall_after_a_later_edit_removes_only_our_lines(repo: Repo) -> None:
    _realistic(repo)
    repo.sl("init", "--hooks", "pre-commit")
    repo.append(".pre-commit-config.yaml", "# a teammate's later note\n")
    repo.sl("uninstall")
    assert repo.read(".pre-commit-config.yaml") == USER_CONFIG + "# a teammate's later note\n"


def _push_env() -> dict[str, str]:
    return {"https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}


def test_init_never_changes_when_the_users_hooks_run_and_needs_no_network(repo: Repo,
                                                                           tmp_path: Path) -> None:
    _realistic(repo)
    os.unlink(repo.path / ".git/hooks/pre-push")
    repo.sl("init", "--hooks", "pre-commit")
    config = repo.read(".pre-commit-config.yaml")
    assert "default_install_hook_types" not in config
    assert config.count("https://") == 1  # the comment: no hook repository to download
    start = config.rindex("  - repo: local\n")  # ours, in the file's own list style
    end = config.index("stages: [pre-commit]\n", start) + len("stages: [pre-commit]\n")
    assert config[:start] + config[end:] == USER_CONFIG  # every line of theirs as it was
    remote = tmp_path / "remote.git"
    repo.git("init", "-q", "--bare", "-b", "main", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    # First commit through the framework: the local entry needs no hook repository (the
    # proxy points nowhere, so any download would fail).
    repo.log("2026-11-25T09:00:00+01:00", "Set up", "Decision: local framework entry")
    repo.git("add", "-A")
    commit = repo.git("commit", "-m", "Set up sessionlog", env=_push_env())
    assert "sessionlog consolidate" in commit.stdout + commit.stderr
    assert any(f.startswith("logs/archive/") for f in repo.head_files())
    pushed = repo.git("push", "-u", "origin", "main", check=False, env=_push_env())
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "refused at push" not in pushed.stdout + pushed.stderr
    # Our guard still runs at push (a native hook beside the framework).
    repo.log("2026-11-25T10:00:00+01:00", "Retries", "Decision: backoff")
    repo.append("app.py", "print('retry')\n")
    repo.git("commit", "-q", "--no-verify", "-am", "Retries")
    guarded = repo.git("push", "origin", "main", check=False)
    assert guarded.returncode != 0
    assert "push refused" in guarded.stdout + guarded.stderr
    assert "refused at push" not in guarded.stdout + guarded.stderr


def test_init_runs_pre_commit_install_only_when_needed(repo: Repo) -> None:
    _realistic(repo)
    first = repo.sl("init", "--hooks", "pre-commit").stdout
    assert "run `pre-commit install --hook-type pre-commit`" in first
    again = repo.sl("init", "--hooks", "pre-commit").stdout
    assert "run `pre-commit install" not in again
    assert "unchanged: .git/hooks/pre-commit" in again


def test_init_says_create_for_the_folders_it_creates(repo: Repo) -> None:
    out = repo.sl("init").stdout
    assert "create .git/sessionlog/: pending entries and state, in the git directory" in out
    assert "unchanged: .git/sessionlog/" not in out
    assert "unchanged: .git/sessionlog/" in repo.sl("init").stdout


def test_init_validates_everything_before_writing_anything(repo: Repo) -> None:
    repo.git("config", "github.user", "not a login!")
    before = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=repo.path,
                            capture_output=True, text=True, check=True).stdout
    hooks = sorted(p.name for p in (repo.path / ".git/hooks").iterdir())
    out = repo.sl("init", "--agent", "all", check=False)
    assert out.returncode != 0
    assert "github.user" in out.stderr and "Fix" in out.stderr
    after = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=repo.path,
                           capture_output=True, text=True, check=True).stdout
    assert after == before
    assert sorted(p.name for p in (repo.path / ".git/hooks").iterdir()) == hooks
    assert repo.git("config", "--get-regexp", "^merge\\.", check=False).stdout == ""


def test_uninstall_dry_run_lists_each_file_once_and_changes_nothing(repo: Repo) -> None:
    _realistic(repo)
    repo.sl("init", "--hooks", "native", "--agent", "all")
    before = _files(repo)
    out = repo.sl("uninstall", "--dry-run").stdout
    lines = [line.strip() for line in out.splitlines()[1:]]
    assert len(lines) == len(set(lines))
    assert "would restore .claude/settings.json exactly as it was before init" in lines
    assert not any(".claude/settings.json" in line and "remove" in line for line in lines)
    assert _files(repo) == before
