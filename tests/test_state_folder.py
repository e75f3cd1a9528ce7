"""Pending entries survive everyday git: `git clean -fdx`/`-ffdx`, `git stash --all` and
`stash pop` (with an assistant's hook run in between), and linked worktrees; an old in-tree
`.sessionlog/` moves into the git directory without losing anything, once.

Everything runs for real: git, `sessionlog log`, the commit hook, the assistants' hook.
What is checked is what a user sees: the commit's files and their text, `git status`, exit
codes and messages.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, Repo, make_repo

WHEN = "2026-11-25T09:00:00+01:00"


def committed_text(repo: Repo, rev: str = "HEAD") -> str:
    """Every archive file the commit added, concatenated."""
    added = repo.git("show", "--name-only", "--diff-filter=A", "--format=", rev).stdout.split()
    return "".join(repo.tracked(rel, rev) for rel in added if rel.startswith("logs/archive/"))


def commit(repo: Repo, message: str) -> subprocess.CompletedProcess[str]:
    repo.append("app.py", f"# {message}\n")
    out = repo.git("commit", "-am", message, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def prompt_hook(repo: Repo, cwd: Path | None = None) -> None:
    top = cwd or repo.path
    data = {"session_id": "s1", "cwd": str(top), "hook_event_name": "UserPromptSubmit",
            "prompt": "go on"}
    for event in ("session-start", "user-prompt-submit"):
        proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", event, input=json.dumps(data),
                        env={"CLAUDE_PROJECT_DIR": str(top)}, check=False, cwd=top)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr


@pytest.mark.parametrize("flags", ["-fdx", "-ffdx"])
def test_git_clean_keeps_the_pending_entry_and_the_next_commit_consolidates_it(
        native_repo: Repo, flags: str) -> None:
    repo = native_repo
    repo.log(WHEN, "Chose the retry policy", "Decision: retry three times, then give up")
    prompt_hook(repo)  # the hooks' caches and session state, as on every prompt
    out = repo.git("clean", flags)
    assert out.returncode == 0
    assert not (repo.path / ".sessionlog").exists()
    commit(repo, "Retry")
    text = committed_text(repo)
    assert "Chose the retry policy" in text and "retry three times, then give up" in text
    assert repo.porcelain() == []


def test_stash_all_and_pop_with_a_prompt_hook_in_between_keep_the_entry(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(WHEN, "Picked the cache size", "Decision: 64 MiB, the largest test machine's half")
    prompt_hook(repo)
    repo.write("notes.txt", "an untracked file of the user's\n")
    stashed = repo.git("stash", "--all")
    assert stashed.returncode == 0
    assert not (repo.path / "notes.txt").exists()
    prompt_hook(repo)  # the assistant keeps working while the stash is out
    popped = repo.git("stash", "pop", check=False)
    assert popped.returncode == 0, popped.stdout + popped.stderr
    assert repo.read("notes.txt") == "an untracked file of the user's\n"
    assert repo.git("stash", "list").stdout == ""
    (repo.path / "notes.txt").unlink()
    commit(repo, "Cache")
    assert "Picked the cache size" in committed_text(repo)
    assert repo.porcelain() == []


def test_a_linked_worktree_keeps_its_own_entries_and_its_commit_consolidates_them(
        native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    tree = tmp_path / "shop-feature"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    wt = Repo(tree)
    wt.log(WHEN, "Feature branch choice", "Decision: the worktree's own reason")
    repo.log(WHEN, "Main branch choice", "Decision: the main tree's own reason")
    prompt_hook(repo, cwd=tree)
    wt.git("clean", "-ffdx")
    assert (tree / ".git").is_file()  # a linked worktree: its git dir is elsewhere
    commit(wt, "Feature")
    text = committed_text(wt)
    assert "Feature branch choice" in text
    assert "Main branch choice" not in text
    assert wt.porcelain() == []
    commit(repo, "Main")
    text = committed_text(repo)
    assert "Main branch choice" in text and "Feature branch choice" not in text
    # What `sessionlog log` reports is a path that exists, even outside the work tree.
    logged = wt.log(WHEN, "Another", "Decision: one more")
    where = logged.stdout.split(" to ", 1)[1].split()[0] if " to " in logged.stdout else ""
    assert where and (tree / where).is_file(), logged.stdout


def _old_layout(repo: Repo) -> dict[str, str]:
    """An in-tree `.sessionlog/` as older versions left it: two pending files, a ledger."""
    old = repo.path / ".sessionlog"
    files = {
        ".gitignore": "# Created by sessionlog-git: keep pending logs and state out of git.\n*\n",
        "pending/shop/ada/2026-11-24.md": "# sessionlog: shop / ada / 2026-11-24\n\n"
        "## 10:00 Old layout entry one\n<!-- sessionlog at=2026-11-24T10:00:00+01:00 -->\n"
        "- Decision: kept from the old folder\n",
        "pending/shop/ada/2026-11-25.md": "# sessionlog: shop / ada / 2026-11-25\n\n"
        "## 08:00 Old layout entry two\n<!-- sessionlog at=2026-11-25T08:00:00+01:00 -->\n"
        "- Decision: merged with a new file of the same day\n",
        "written.json": "{}",
        "installed.json": '{"claude": {"files": []}}\n',
    }
    for rel, text in files.items():
        (old / rel).parent.mkdir(parents=True, exist_ok=True)
        (old / rel).write_text(text, encoding="utf-8")
    return files


def test_an_old_in_tree_state_folder_moves_into_the_git_directory_losing_nothing(
        native_repo: Repo) -> None:
    repo = native_repo
    state = repo.path / ".git" / "sessionlog"
    # Today's file exists in the new place already: the old one's entries are appended to it.
    repo.log(WHEN, "New layout entry", "Decision: written after the upgrade")
    _old_layout(repo)
    out = repo.sl("status")  # any command of ours moves the old folder
    assert out.returncode == 0, out.stderr
    assert not (repo.path / ".sessionlog").exists()
    merged = (state / "pending/shop/ada/2026-11-25.md").read_text()
    assert merged.count("# sessionlog: shop / ada / 2026-11-25") == 1
    assert "New layout entry" in merged and "Old layout entry two" in merged
    assert "Old layout entry one" in (state / "pending/shop/ada/2026-11-24.md").read_text()
    assert json.loads((state / "installed.json").read_text()) == {"claude": {"files": []}}
    # Idempotent: again, nothing moves and nothing doubles.
    before = merged
    _ = repo.sl("status")
    assert (state / "pending/shop/ada/2026-11-25.md").read_text() == before
    commit(repo, "After the upgrade")
    text = committed_text(repo)
    for title in ("Old layout entry one", "Old layout entry two", "New layout entry"):
        assert text.count(title) == 1, title
    assert repo.porcelain() == []


def test_the_commit_hook_moves_the_old_folder_too(native_repo: Repo) -> None:
    repo = native_repo
    _old_layout(repo)
    commit(repo, "First commit after the upgrade")
    text = committed_text(repo)
    assert "Old layout entry one" in text and "Old layout entry two" in text
    assert not (repo.path / ".sessionlog").exists()
    assert repo.porcelain() == []


def test_the_session_start_hook_moves_the_old_folder_and_names_the_new_file(
        native_repo: Repo) -> None:
    repo = native_repo
    _old_layout(repo)
    data = {"session_id": "s1", "cwd": str(repo.path), "hook_event_name": "SessionStart",
            "source": "startup"}
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start",
                    input=json.dumps(data), env={"CLAUDE_PROJECT_DIR": str(repo.path),
                                                 "SESSIONLOG_NOW": WHEN})
    assert not (repo.path / ".sessionlog").exists()
    said = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    assert ".sessionlog/pending" not in said
    assert "sessionlog/run log" in said or "sessionlog log" in said


def test_a_custom_pending_folder_in_the_work_tree_still_works(repo: Repo) -> None:
    repo.write(".sessionlog.yaml", "project: shop\npending_dir: notes/pending\n")
    repo.sl("init", "--hooks", "native")
    repo.git("add", ".sessionlog.yaml", ".gitattributes")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    repo.log(WHEN, "Custom folder", "Decision: the team keeps temp logs in notes/")
    assert list((repo.path / "notes/pending/shop/ada").glob("*.md"))
    assert repo.porcelain() == []  # ignored through its own .gitignore
    commit(repo, "Custom")
    assert "Custom folder" in committed_text(repo)


def test_outside_a_git_work_tree_nothing_moves(tmp_path: Path) -> None:
    from sessionlog_git.base import statedir

    plain = tmp_path / "plain"
    (plain / ".sessionlog").mkdir(parents=True)
    assert statedir.folder(plain) == str(plain / ".sessionlog")
    repo = make_repo(tmp_path / "shop")
    assert statedir.folder(repo.path) == str(repo.path / ".git" / "sessionlog")


# --------------------------------------------------------------------------- sessionlog pending


def test_pending_lists_shows_and_puts_back_a_tidied_temp_log(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(WHEN, "Chose the queue", "went with SQS because the team runs it already",
             "Next: wire the consumer")
    listing = repo.sl("pending").stdout
    assert "1 temp log waiting for the next commit" in listing
    assert "2026-11-25  shop/ada  1 entry  .git/sessionlog/pending/shop/ada/2026-11-25.md" in listing
    shown = repo.sl("pending", "show", "2026-11-25").stdout
    assert shown.startswith("# sessionlog: shop / ada / 2026-11-25")
    tidied = shown.replace("- went with SQS", "- Decision: went with SQS")
    out = repo.sl("pending", "put", "2026-11-25", input=tidied)
    assert "replaced .git/sessionlog/pending/shop/ada/2026-11-25.md (every word kept; 1 word added)" \
        in out.stdout
    assert repo.sl("pending", "show", "2026-11-25").stdout == tidied
    commit(repo, "Queue")
    assert "- Decision: went with SQS because the team runs it already" in committed_text(repo)
    assert "no pending entries" in repo.sl("pending").stdout


def test_pending_put_refuses_a_text_that_drops_words_and_writes_nothing(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(WHEN, "Chose the queue", "went with SQS because the team runs it already")
    before = repo.sl("pending", "show", "2026-11-25").stdout
    reworded = before.replace("because the team runs it already", "for familiarity")
    out = repo.sl("pending", "put", "2026-11-25", input=reworded, check=False)
    assert out.returncode == 1
    assert "not replaced: the new text drops or rewords" in out.stderr
    assert "'runs'" in out.stderr and "Fix:" in out.stderr
    assert ".git/sessionlog/pending/shop/ada/2026-11-25.md" in out.stderr
    assert repo.sl("pending", "show", "2026-11-25").stdout == before
    empty = repo.sl("pending", "put", "2026-11-25", input="", check=False)
    assert empty.returncode == 1 and "empty" in empty.stderr
    missing = repo.sl("pending", "show", "2026-11-20", check=False)
    assert missing.returncode == 1 and "no such temp log" in missing.stderr
    bad = repo.sl("pending", "show", "yesterday", check=False)
    assert bad.returncode != 0 and "YYYY-MM-DD" in bad.stderr


def test_uninstall_keeps_uncommitted_pending_entries_and_deletes_the_rest(native_repo: Repo) -> None:
    repo = native_repo
    repo.log(WHEN, "Not committed yet", "Decision: keep me through an uninstall")
    state = repo.state()
    assert (state / "installed.json").exists() or (state / "config.json").exists()
    out = repo.sl("uninstall").stdout
    assert "except pending/" in out, out
    assert sorted(p.name for p in state.iterdir()) == ["pending"]
    assert "Not committed yet" in (state / "pending/shop/ada/2026-11-25.md").read_text()


def test_in_a_linked_worktree_the_session_start_names_a_command_and_file_that_work(
        native_repo: Repo, tmp_path: Path) -> None:
    import re
    import shlex

    repo = native_repo
    tree = tmp_path / "shop-feature"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    data = {"session_id": "s9", "cwd": str(tree), "hook_event_name": "SessionStart",
            "source": "startup"}
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start", cwd=tree,
                    input=json.dumps(data), env={"CLAUDE_PROJECT_DIR": str(tree),
                                                 "SESSIONLOG_NOW": WHEN, "PATH": "/usr/bin:/bin"})
    said = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    command = re.search(r"`([^`]* log --agent claude-code) \"Title\"", said)
    where = re.search(r"Today's temp log: (\S+)", said)
    assert command and where, said
    assert command[1].startswith("sh '") and "/.git/sessionlog/run'" in command[1], said
    # Run exactly what the assistant was told, from its shell, in the worktree.
    words = [*shlex.split(command[1]), "Told and done", "Decision: the named command works"]
    out = repo.run(*words, cwd=tree, env={"PATH": "/usr/bin:/bin", "SESSIONLOG_NOW": WHEN})
    assert out.returncode == 0, out.stderr
    told = Path(where[1])
    assert told.is_absolute() and told.is_file(), said  # outside the work tree: absolute
    assert "Told and done" in told.read_text()
    assert "/worktrees/shop-feature/sessionlog/pending/" in told.as_posix()


def test_a_path_is_shown_from_the_top_exactly_as_relpath_shows_it() -> None:
    """`display` cuts a plain path below a plain top as text (a backlog names hundreds of temp
    logs): for every shape of top and path, the answer is relpath's, or the path itself when
    it is outside."""
    import itertools
    import os

    from sessionlog_git.base import statedir

    tops = ["/a/b", "/a/b/", "/", "/a/./b", "a/b", "/a/b/../c", "/a", "/a/b/c", "/a//b"]
    paths = ["/a/b/c", "/a/b/c/", "/a/b", "/a/bc", "/a/b/./c", "/a/b/../c", "/a/b//c", "/a/b/.x",
             "/a/b/c/..", "/a/b/c/.", "/", "/x/y", "/a/b/c/d.md", "a/b/c", "/a//b/c", "/a/b/..c"]
    for top, path in itertools.product(tops, paths):
        rel = os.path.relpath(path, top)
        assert statedir.display(top, path) == (path if rel.startswith("..") else rel), (top, path)
