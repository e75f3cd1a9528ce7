"""A teammate's clone: committed files hold no machine path, a second installation at another
path gets working hooks from its own init (which changes no tracked file), and a clone where
init has not run yet says so without ever failing the assistant."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import PYTHON, Repo, make_repo

from sessionlog_git.agents.registry import ASSISTANTS

ALICE_PY = str(Path(PYTHON).parent)  # this venv's bin folder
# The assistants whose hooks file has Claude's shape and whose session start answers with
# hookSpecificOutput (the others' shapes are covered by tests/test_more_assistants.py).
CLAUDE_SHAPED = ("claude", "codex", "gemini", "qwen")


def _commands(repo: Repo, assistant: str) -> dict[str, str]:
    """Native event -> our command, read from the committed hooks file."""
    row = ASSISTANTS[assistant]
    data = json.loads(repo.read(row.settings))
    return {event: groups[0]["hooks"][0]["command"] for event, groups in data["hooks"].items()}


def _run_hook(repo: Repo, command: str, payload: dict[str, object], path: str
              ) -> subprocess.CompletedProcess[str]:
    """Run a committed hook command as the assistant's CLI does: `sh -c`, a bare PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    env["PATH"] = path
    return subprocess.run(["sh", "-c", command], cwd=repo.path, env=env, input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60, check=False)


def _second_installation(tmp_path: Path) -> str:
    """The same installation reached through another path (a venv seen from elsewhere):
    what a teammate's `sys.executable` looks like to the files init writes."""
    link = tmp_path / "bobs-tools" / "venv"
    link.parent.mkdir(parents=True)
    link.symlink_to(Path(PYTHON).parent.parent, target_is_directory=True)
    return str(link / "bin" / Path(PYTHON).name)


def _clone(remote: Path, dest: Path, login: str) -> Repo:
    subprocess.run(["git", "clone", "-q", str(remote), str(dest)], check=True, capture_output=True)
    repo = Repo(dest)
    repo.git("config", "user.name", login)
    repo.git("config", "user.email", f"{login}@example.com")
    repo.git("config", "github.user", login)
    return repo


def test_committed_files_hold_no_machine_path_and_a_teammates_init_changes_nothing(tmp_path: Path) -> None:
    alice = make_repo(tmp_path / "alice" / "shop", login="alice")
    alice.write(".pre-commit-config.yaml", "# team hooks\nrepos:\n-   repo: local\n    hooks:\n"
                "    -   id: noop\n        name: noop\n        entry: 'true'\n        language: system\n")
    alice.sl("init", "--agent", "all")
    alice.git("add", "-A")
    alice.git("commit", "-q", "-m", "Set up sessionlog")
    committed = alice.git("ls-files").stdout.split()
    for rel in committed:
        text = alice.read(rel)
        assert ALICE_PY not in text and PYTHON not in text, f"{rel} holds this machine's path"
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(alice.path), str(remote)], check=True)

    bob = _clone(remote, tmp_path / "bob" / "shop", "bob")
    bob_python = _second_installation(tmp_path)
    out = bob.run(bob_python, "-m", "sessionlog_git", "init", "--agent", "all").stdout
    assert bob.porcelain() == [], out  # no tracked file rewritten, nothing new to commit
    launcher = (bob.path / ".git" / "sessionlog" / "run").read_text()
    assert bob_python in launcher and bob_python not in bob.read(".claude/settings.json")
    # Bob's hooks run with a bare PATH (no venv on it) and reach his installation.
    for name in CLAUDE_SHAPED:
        start = ASSISTANTS[name].native("session-start")
        proc = _run_hook(bob, _commands(bob, name)[start],
                         {"session_id": f"s-{name}", "cwd": str(bob.path), "source": "startup",
                          "hook_event_name": start}, "/usr/bin:/bin")
        assert proc.returncode == 0, proc.stderr
        context = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
        assert "bob" in context and "not set up" not in context
    # Re-running init in Alice's clone changes nothing either: no flip-flop.
    alice.sl("init", "--agent", "all")
    assert alice.porcelain() == []


def test_before_init_hooks_exit_0_and_say_this_clone_is_not_set_up(tmp_path: Path) -> None:
    alice = make_repo(tmp_path / "alice" / "shop", login="alice")
    alice.sl("init", "--agent", "all")
    alice.git("add", "-A")
    alice.git("commit", "-q", "-m", "Set up sessionlog")
    carol = _clone(alice.path, tmp_path / "carol" / "shop", "carol")
    with_sessionlog = f"{ALICE_PY}:/usr/bin:/bin"
    for name in CLAUDE_SHAPED:
        row = ASSISTANTS[name]
        commands = _commands(carol, name)
        start = row.native("session-start")
        proc = _run_hook(carol, commands[start], {"session_id": "c", "cwd": str(carol.path),
                                                   "source": "startup"}, with_sessionlog)
        assert proc.returncode == 0, proc.stderr
        context = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
        assert "not set up in this clone" in context and "`sessionlog init`" in context
        # Without sessionlog anywhere: every hook exits 0, silently.
        for command in commands.values():
            bare = _run_hook(carol, command, {"session_id": "c", "cwd": str(carol.path)},
                             "/usr/bin:/bin")
            assert (bare.returncode, bare.stdout, bare.stderr) == (0, "", "")
    # After Carol's init the same committed hook no longer says so.
    carol.sl("init")
    start = ASSISTANTS["claude"].native("session-start")
    proc = _run_hook(carol, _commands(carol, "claude")[start],
                     {"session_id": "c2", "cwd": str(carol.path), "source": "startup"},
                     "/usr/bin:/bin")
    assert proc.returncode == 0 and "not set up" not in proc.stdout and "carol" in proc.stdout
