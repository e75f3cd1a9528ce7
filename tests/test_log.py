"""`sessionlog log`: today's temp log, local time with its zone, who and which project."""
from __future__ import annotations

from pathlib import Path

from conftest import Repo, make_repo


def test_appends_heading_and_bullets_with_zone_recorded(repo: Repo) -> None:
    out = repo.log("2026-11-25T14:30:07+01:00", "Implemented user authentication",
                   "Added JWT token validation middleware",
                   "Decision: RS256 over HS256, because key rotation is required")
    assert "logged 14:30 (UTC+01:00) to .git/sessionlog/pending/shop/ada/2026-11-25.md" in out.stdout
    repo.log("2026-11-25T15:10:00+01:00", "Second", "- Blocked on: Redis")
    text = repo.read(".git/sessionlog/pending/shop/ada/2026-11-25.md")
    assert text.splitlines()[:2] == [
        "# sessionlog: shop / ada / 2026-11-25",
        "<!-- sessionlog date=2026-11-25 zone=+01:00 offset=+01:00 -->",
    ]
    assert (
        "## 14:30 - Implemented user authentication\n"
        "<!-- sessionlog at=2026-11-25T14:30:07+01:00 -->\n"
    ) in text
    assert "- Added JWT token validation middleware\n- Decision: RS256 over HS256" in text
    assert "## 15:10 - Second" in text and "\n- Blocked on: Redis\n" in text  # "- " not doubled
    assert repo.porcelain() == []  # the pending folder is ignored by git


def test_system_zone_is_used_and_named(repo: Repo) -> None:
    # TZ=Europe/Berlin in tests; a UTC instant shows as Berlin local time, never silently UTC.
    repo.sl("log", "Zone check", env={"SESSIONLOG_NOW": "", "SESSIONLOG_USER": "ada"})
    (path,) = repo.pending()
    text = path.read_text()
    assert "zone=Europe/Berlin" in text
    assert "offset=+01:00" in text or "offset=+02:00" in text


def test_configured_iana_zone_decides_the_local_date(repo: Repo) -> None:
    repo.write(".sessionlog.yaml", "project: shop\ntimezone: America/New_York\n")
    out = repo.log("2026-11-25T03:30:00+00:00", "Late in New York")
    assert "logged 22:30 (UTC-05:00)" in out.stdout
    (path,) = repo.pending()
    assert path.name == "2026-11-24.md"
    assert "zone=America/New_York offset=-05:00" in path.read_text()


def test_user_from_github_login_else_slug_of_user_name(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "a", user_name="Ada Lovelace", login=None)
    repo.log("2026-11-25T09:00:00+01:00", "x")
    assert repo.pending()[0].parent.name == "ada-lovelace"
    repo.git("config", "github.user", "ada-l")
    repo.log("2026-11-25T09:05:00+01:00", "y")
    assert {p.parent.name for p in repo.pending()} == {"ada-lovelace", "ada-l"}


def test_user_name_is_always_a_safe_path_component(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "b", user_name="../../Ëvil Üser/..", login=None)
    repo.log("2026-11-25T09:00:00+01:00", "x")
    assert repo.pending()[0].parent.name == "evil-user"
    bad = repo.sl("log", "x", env={"SESSIONLOG_USER": "../escape"}, check=False)
    assert bad.returncode == 1
    assert "environment SESSIONLOG_USER" in bad.stderr and "Fix: set it to 'escape'" in bad.stderr
    assert not (tmp_path / "escape").exists()


def test_default_project_is_a_slug_of_the_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "My Shop.Web")
    repo.log("2026-11-25T09:00:00+01:00", "x")
    assert repo.pending()[0].parent.parent.name == "my-shop-web"


def test_project_option(repo: Repo) -> None:
    repo.log("2026-11-25T09:00:00+01:00", "x", project="billing")
    assert repo.pending()[0].parent.parent.name == "billing"
    bad = repo.sl("log", "x", "--project", "../etc", check=False)
    assert bad.returncode == 1 and "--project: project name '../etc'" in bad.stderr


def test_bad_clock_and_title_are_clear_errors(repo: Repo) -> None:
    bad = repo.sl("log", "x", env={"SESSIONLOG_NOW": "yesterday"}, check=False)
    assert bad.returncode == 1 and "SESSIONLOG_NOW='yesterday' is not an ISO 8601 time" in bad.stderr
    naive = repo.sl("log", "x", env={"SESSIONLOG_NOW": "2026-11-25T09:00:00"}, check=False)
    assert naive.returncode == 1 and "has no UTC offset" in naive.stderr
    empty = repo.sl("log", "   ", env={"SESSIONLOG_NOW": "2026-11-25T09:00:00+01:00"}, check=False)
    assert empty.returncode == 1 and "needs a title" in empty.stderr
    assert repo.pending() == []


def test_outside_a_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    proc = Repo(folder).sl("log", "x", check=False)
    assert proc.returncode == 1 and "not inside a git work tree" in proc.stderr


def test_python_dash_m_and_console_script(repo: Repo) -> None:
    import shutil
    import sys

    assert "sessionlog-git 0.1.0" in repo.sl("--version").stdout
    script = Path(sys.executable).with_name("sessionlog")
    exe = str(script) if script.exists() else shutil.which("sessionlog")
    assert exe, "the sessionlog command is installed"
    assert "sessionlog-git" in repo.run(exe, "--version").stdout


def test_local_git_config_wins_over_global(repo: Repo) -> None:
    import os
    from pathlib import Path as P

    (P(os.environ["HOME"]) / ".gitconfig").write_text("[github]\n\tuser = global-login\n")
    repo.git("config", "github.user", "local-login")
    repo.log("2026-11-25T09:00:00+01:00", "x")
    assert repo.pending()[0].parent.name == "local-login"
