"""Team features a user meets directly: `sessionlog check`, the merge driver set-up, identity
(`sessionlog whoami`, the gh CLI, noreply e-mails) and routing entries by what changed."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import PYTHON, Repo, make_repo

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate

MASTER = "logs/shop-session-log-2026-11.md"
STATUS = "logs/shop-status.md"


# --- sessionlog check -------------------------------------------------------------------------


def test_check_passes_on_fresh_views_and_finds_a_hand_edit(native_repo: Repo) -> None:
    repo = native_repo
    out = repo.sl("check")
    assert out.returncode == 0 and "sessionlog check: ok: 0 generated files" in out.stdout
    repo.log("2026-11-25T09:00:00+01:00", "Retries", "Decision: exponential backoff")
    repo.git("commit", "-q", "--allow-empty", "-m", "Consolidated")
    out = repo.sl("check")
    assert out.returncode == 0 and "ok: 2 generated files match a fresh render of logs/archive" in out.stdout
    repo.write(STATUS, repo.read(STATUS).replace("exponential backoff", "linear backoff"))
    out = repo.sl("check", check=False)
    assert out.returncode == 1
    assert "sessionlog check: 1 finding\n" in out.stdout
    assert f"{STATUS}: line " in out.stdout and "linear backoff" in out.stdout
    assert "Fix: `sessionlog check --fix`" in out.stdout
    fixed = repo.sl("check", "--fix")
    assert f"re-rendered and staged {STATUS}" in fixed.stdout and "ok: 2 generated files" in fixed.stdout
    assert repo.porcelain() == []  # back to exactly what HEAD has
    assert "exponential backoff" in repo.read(STATUS)


def test_check_finds_a_missing_view(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Retries")
    repo.git("commit", "-q", "--allow-empty", "-m", "Consolidated")
    (repo.path / MASTER).unlink()
    out = repo.sl("check", check=False)
    assert out.returncode == 1
    assert f"{MASTER}: missing (its archive is there, the view is not)" in out.stdout


def test_check_finds_pending_entries_older_than_head(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Chose retries")
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "Skipped the hook")
    out = repo.sl("check", check=False)
    assert out.returncode == 1
    assert "1 pending entry is older than HEAD" in out.stdout
    assert ".git/sessionlog/pending/shop/ada/2026-11-25.md:4: 2026-11-25 09:00 Chose retries" in out.stdout
    assert 'Fix: sessionlog consolidate && git commit -m "Session logs" -- logs' in out.stdout


def test_check_exit_codes_for_usage(tmp_path: Path) -> None:
    outside = Repo(tmp_path)
    out = outside.sl("check", check=False)
    assert out.returncode == 2 and "not inside a git work tree" in out.stderr
    out = outside.sl("check", "--bogus", check=False)
    assert out.returncode == 2


def test_check_as_a_manual_stage_pre_commit_hook(framework_repo: Repo) -> None:
    repo = framework_repo
    config = repo.read(".pre-commit-config.yaml")
    assert "    -   id: sessionlog-consolidate\n" in config
    repo.write(".pre-commit-config.yaml", config.replace(
        "    -   id: sessionlog-consolidate\n",
        "    -   id: sessionlog-consolidate\n    -   id: sessionlog-check\n"))
    repo.git("commit", "-q", "-am", "Add the manual check")
    repo.log("2026-11-25T09:00:00+01:00", "Retries", "Decision: exponential backoff")
    repo.git("commit", "-q", "--allow-empty", "-m", "Consolidated")
    # Not part of an ordinary commit or push: manual stage only.
    run = [PYTHON, "-m", "pre_commit", "run", "--hook-stage", "manual", "sessionlog-check"]
    ok = repo.run(*run)
    assert "sessionlog check" in ok.stdout and "Passed" in ok.stdout
    repo.write(MASTER, repo.read(MASTER) + "hand edit\n")
    repo.git("add", MASTER)  # the framework stashes unstaged edits: it checks what is staged
    bad = repo.run(*run, check=False)
    assert bad.returncode == 1 and "Failed" in bad.stdout
    assert f"{MASTER}: from line" in bad.stdout and "has extra lines" in bad.stdout


# --- init: the merge driver -------------------------------------------------------------------


def test_init_keeps_the_users_gitattributes_and_is_idempotent(repo: Repo) -> None:
    repo.write(".gitattributes", "*.png binary\n*.sh text eol=lf")  # no final newline
    out = repo.sl("init", "--dry-run").stdout
    assert "would update .gitattributes: merge=sessionlog" in out
    assert "would set .git/config [merge \"sessionlog\"] driver = " in out
    assert repo.read(".gitattributes") == "*.png binary\n*.sh text eol=lf"
    assert repo.git("config", "--get", "merge.sessionlog.driver", check=False).returncode == 1
    out = repo.sl("init").stdout
    assert "update .gitattributes: merge=sessionlog" in out
    text = repo.read(".gitattributes")
    assert text.startswith("*.png binary\n*.sh text eol=lf\n")
    assert "logs/*-session-log-*.md merge=sessionlog\nlogs/*-status.md merge=sessionlog\n" in text
    attrs = repo.git("check-attr", "merge", "--", MASTER, STATUS, "logs/archive/x.md", "a.png").stdout
    assert attrs.splitlines() == [
        f"{MASTER}: merge: sessionlog", f"{STATUS}: merge: sessionlog",
        "logs/archive/x.md: merge: unspecified", "a.png: merge: unset",  # the user's binary rule
    ]
    driver = repo.git("config", "merge.sessionlog.driver").stdout.strip()
    assert driver == f"{PYTHON} -m sessionlog_git merge-driver %O %A %B %L %P"
    again = repo.sl("init").stdout
    assert "unchanged: .gitattributes" in again and "unchanged: .git/config [merge" in again
    assert repo.read(".gitattributes") == text


def test_uninstall_takes_out_exactly_our_part_of_the_merge_driver(repo: Repo) -> None:
    repo.write(".gitattributes", "*.png binary\n")
    repo.sl("init")
    out = repo.sl("uninstall").stdout
    assert "restore .gitattributes exactly as it was before init" in out
    assert 'remove [merge "sessionlog"] from .git/config' in out
    assert repo.read(".gitattributes") == "*.png binary\n"
    assert repo.git("config", "--get-regexp", "^merge\\.", check=False).stdout == ""


# --- identity ---------------------------------------------------------------------------------


def fake_gh(folder: Path, body: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    gh = folder / "gh"
    gh.write_text("#!/bin/sh\n" + body)
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_whoami_order_github_user_first(repo: Repo) -> None:
    assert repo.sl("whoami").stdout.splitlines()[0] == "ada (from git config github.user)"
    out = repo.sl("whoami", env={"SESSIONLOG_USER": "grace"}).stdout
    assert out.startswith("grace (from SESSIONLOG_USER)")


def test_gh_login_is_used_cached_and_shared_with_the_hooks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", login=None)
    calls = tmp_path / "gh-calls"
    env = fake_gh(tmp_path / "bin", f'echo "$@" >> "{calls}"\necho octo-cat\n')
    out = repo.sl("whoami", env=env).stdout
    assert out.startswith("octo-cat (from gh api user (GitHub CLI; cached in .git/sessionlog/identity.json))")
    assert calls.read_text() == "api user --jq .login\n"
    cache = json.loads(repo.read(".git/sessionlog/identity.json"))
    assert cache["gh_login"] == "octo-cat"
    # Cached: the next commands do not ask gh again, and the log lands in the gh login's folder.
    repo.log("2026-11-25T09:00:00+01:00", "Work", user=None)
    assert repo.sl("whoami", env=env).stdout.startswith("octo-cat")
    assert calls.read_text().count("api user") == 1
    assert (repo.path / ".git/sessionlog/pending/shop/octo-cat/2026-11-25.md").is_file()
    # The agent hooks' resolver starts no process and agrees.
    code = ("import pathlib; from sessionlog_git.base import identity; "
            "print(identity.resolve_fast(pathlib.Path.cwd())[0])")
    assert repo.run(PYTHON, "-c", code, env={"PATH": "/nonexistent"}).stdout.strip() == "octo-cat"
    # The repository is clean: the cache lives in the ignored state folder.
    assert repo.porcelain() == []
    # `git config github.user` still wins over gh.
    repo.git("config", "github.user", "ada")
    assert repo.sl("whoami", env=env).stdout.startswith("ada (from git config github.user)")


def test_gh_signed_out_slow_or_absent_falls_back_to_the_noreply_email(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", login=None)
    repo.git("config", "user.email", "12345+grace-h@users.noreply.github.com")
    message = "To get started with GitHub CLI, please run:  gh auth login"
    signed_out = fake_gh(tmp_path / "out", f'echo "{message}" >&2\nexit 4\n')
    out = repo.sl("whoami", env=signed_out).stdout
    assert out.startswith("grace-h (from git config user.email (GitHub noreply address))")
    (repo.path / ".git/sessionlog/identity.json").unlink()
    slow = fake_gh(tmp_path / "slow", "sleep 10\necho too-late\n")
    import time

    started = time.monotonic()
    out = repo.sl("whoami", env=slow).stdout
    assert time.monotonic() - started < 8  # time-limited
    assert out.startswith("grace-h ")
    repo.git("config", "user.email", "grace@users.noreply.github.com")
    no_gh = {"PATH": "/usr/bin:/bin"}
    assert repo.sl("whoami", env=no_gh).stdout.startswith("grace (from git config user.email")
    repo.git("config", "user.email", "grace@example.com")
    assert repo.sl("whoami", env={"PATH": "/usr/bin:/bin"}).stdout.startswith(
        "ada-lovelace (from git config user.name (as a slug))")


# --- routing by what changes ------------------------------------------------------------------

MONOREPO = """\
project: shop
projects:
  - name: api
    paths: ["services/api/**"]
  - name: web
    paths: ["web/", "packages/ui/**/*.tsx"]
"""


def monorepo(tmp_path: Path) -> Repo:
    repo = make_repo(tmp_path / "shop")
    for rel in ("services/api/app.py", "web/index.html", "packages/ui/src/Button.tsx", "README.md"):
        repo.write(rel, "x\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Monorepo")
    repo.sl("init", "--hooks", "native")
    repo.write(".sessionlog.yaml", MONOREPO)
    repo.git("add", ".sessionlog.yaml", ".gitattributes")
    repo.git("commit", "-q", "-m", "Set up sessionlog with two projects")
    return repo


def test_entries_route_by_the_files_the_work_changed(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    repo.append("services/api/app.py", "def login(): ...\n")
    out = repo.log("2026-11-24T09:00:00+01:00", "Implemented the web login", "Decision: RS256")
    # The title says "web", the work changed the api: the api gets it (no keyword matching).
    assert "to .git/sessionlog/pending/api/ada/2026-11-24.md; project api: 1 changed file(s)" in out.stdout
    repo.git("commit", "-q", "-am", "API login")
    repo.append("web/index.html", "<form></form>\n")
    repo.append("packages/ui/src/Button.tsx", "export const B = 1\n")
    repo.append("services/api/app.py", "# touched\n")
    out = repo.log("2026-11-24T10:00:00+01:00", "Login form")
    assert "pending/web/ada/" in out.stdout and "2 changed file(s)" in out.stdout  # most files wins
    repo.git("commit", "-q", "-am", "Login form")
    files = repo.head_files()
    assert "logs/web-session-log-2026-11.md" in files and "logs/web-status.md" in files
    assert "logs/api-session-log-2026-11.md" not in files
    assert "Login form" in repo.tracked("logs/web-session-log-2026-11.md")
    assert "Implemented the web login" in repo.tracked("logs/api-session-log-2026-11.md", "HEAD~1")
    # Nothing changed and no path named: the default project.
    out = repo.log("2026-11-24T11:00:00+01:00", "Planning the api and web work")
    assert "pending/shop/ada/" in out.stdout and "the default project" in out.stdout
    repo.git("commit", "-q", "--allow-empty", "-m", "Planning")
    assert "logs/shop-session-log-2026-11.md" in repo.head_files()
    assert repo.porcelain() == []


def test_paths_named_in_the_entry_win_over_the_work_tree_and_ties_go_to_the_first(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    repo.append("services/api/app.py", "# wip\n")
    out = repo.log("2026-11-24T09:00:00+01:00", "Reviewed packages/ui/src/Button.tsx",
                   "Decision: keep web/ static")
    assert "pending/web/ada/" in out.stdout and "2 path(s) the entry names" in out.stdout
    out = repo.log("2026-11-24T09:30:00+01:00", "Compared services/api/app.py with web/index.html")
    assert "pending/api/ada/" in out.stdout and "a tie with web: the project listed first wins" in out.stdout
    out = repo.log("2026-11-24T10:00:00+01:00", "Docs", project="shop")  # --project overrides
    assert "pending/shop/ada/" in out.stdout


def test_hand_written_entries_route_by_the_files_they_name(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    repo.log("2026-11-24T09:00:00+01:00", "Planning", "Next: split the work")  # default, via log
    pending = repo.path / ".git/sessionlog/pending/shop/ada/2026-11-24.md"
    # Typed into the default project's temp log by hand (no `at=` line), as CLAUDE.md allows.
    pending.write_text(pending.read_text() + (
        "\n## 10:15 - Token refresh\n- Decision: refresh in services/api/auth.py, because "
        "the gateway caches\n"
        "\n## 10:40 - Notes for everyone\n- Tried: a shared cache; too slow\n"
        "\n## 11:05 - Button states\n- Decision: disabled state in packages/ui/src/Button.tsx\n"))
    repo.append("README.md", "more\n")
    repo.git("commit", "-q", "-am", "Routing")
    files = repo.head_files()
    api = repo.tracked("logs/api-session-log-2026-11.md")
    web = repo.tracked("logs/web-session-log-2026-11.md")
    shop = repo.tracked("logs/shop-session-log-2026-11.md")
    assert "Token refresh" in api and "Token refresh" not in shop + web
    assert "Button states" in web and "Button states" not in shop + api
    assert "Planning" in shop and "Notes for everyone" in shop  # no path named: stays
    archived = [f for f in files if "/archive/" in f]
    assert {f.split("/")[3] for f in archived} == {"shop", "api", "web"}, archived
    # Every line of the temp log is in exactly one archive file.
    texts = {f: repo.tracked(f) for f in archived}
    for line in ("- Decision: refresh in services/api/auth.py, because the gateway caches",
                 "- Tried: a shared cache; too slow", "## 11:05 - Button states"):
        assert sum(t.count(line) for t in texts.values()) == 1, line
    assert repo.pending() == [] and repo.git("status", "--porcelain").stdout == ""
    # Consolidating again changes nothing.
    repo.sl("consolidate")
    assert repo.git("status", "--porcelain").stdout == ""


def test_a_hand_entry_routed_to_another_project_is_split_from_the_redacted_text(
        tmp_path: Path) -> None:
    """A temp log with a secret, one of its hand-written entries naming another project's
    file: the parts each project archives come from the text as redacted, and the secret is
    in none of them (nor in a view); the original is kept privately, as ever."""
    repo = monorepo(tmp_path)
    repo.log("2026-11-24T09:00:00+01:00", "Planning", "Next: split the work")
    pending = repo.path / ".git/sessionlog/pending/shop/ada/2026-11-24.md"
    key = "AK" + "IA" + "Q7RT2MX9ZP4KD8WB"  # the shape of an AWS access key id
    pending.write_text(pending.read_text() + (
        "\n## 10:15 - Token refresh\n- Decision: refresh in services/api/auth.py\n"
        f"- Tried: export AWS_ACCESS_KEY_ID={key} before deploy\n"))
    out = repo.sl("consolidate")
    assert "redacted 1 secret" in out.stdout, out.stdout
    archived = {p.parts[-3]: p.read_text() for p in repo.archive()}
    assert set(archived) == {"shop", "api"}, archived
    assert "Token refresh" in archived["api"] and "Token refresh" not in archived["shop"]
    assert "AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key-id] before deploy" in archived["api"]
    assert "Planning" in archived["shop"]
    for rel in repo.git("ls-files", "-o", "-c", "logs").stdout.split():
        assert key not in repo.read(rel), rel
    assert repo.pending() == []


@pytest.mark.parametrize("secret", [False, True], ids=["plain", "with-a-secret"])
@pytest.mark.parametrize("step", ["read", "archive-partial", "archived", "rendered", "staged",
                                  "trim-partial"])
def test_routed_hand_entries_survive_a_kill_at_any_step(tmp_path: Path, step: str,
                                                        secret: bool) -> None:
    """Killed at any step, the next run finishes the routed log: each entry archived once,
    nothing left pending, and a secret in it (redacted) in no archive file."""
    repo = monorepo(tmp_path)
    pending = repo.path / ".git/sessionlog/pending/shop/ada/2026-11-24.md"
    repo.log("2026-11-24T09:00:00+01:00", "Planning")
    key = "AK" + "IA" + "Q7RT2MX9ZP4KD8WB"
    pending.write_text(pending.read_text() + "\n## 10:15 - Token refresh\n"
                       "- Decision: refresh in services/api/auth.py"
                       f"{f', not with {key}' if secret else ''}\n")
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": step}, check=False)
    assert killed.returncode == 97, killed.stderr
    repo.sl("consolidate")
    assert repo.pending() == []
    texts = [p.read_text() for p in repo.archive()]
    for line in ("## 10:15 - Token refresh", "Planning"):
        assert sum(t.count(line) for t in texts) == 1, (line, texts)
    assert not any(key in t for t in texts)
    fresh = consolidate.rebuild(workspace.at(repo.path))
    for rel, text in fresh.items():
        assert repo.read(rel) == text, rel
