"""agents.usercache: the per-prompt hook's contributor name, kept only while what decided it
(git config files, the environment, the gh cache) is unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git.agents import usercache
from sessionlog_git.base.identity import resolve_fast


def _resolve(repo: Repo) -> str:
    return usercache.resolve(str(repo.path))


def test_the_answer_is_identitys_and_is_kept(native_repo: Repo) -> None:
    repo = native_repo
    assert _resolve(repo) == resolve_fast(repo.path)[0] == "ada"
    cache = repo.path / ".git" / "sessionlog" / "user-cache"
    assert cache.exists()
    assert usercache.lookup(str(repo.path)) == "ada"
    assert str(repo.path / ".git" / "config") in cache.read_text()
    assert repo.porcelain() == []  # the state folder's own .gitignore keeps it out of git


def test_a_changed_git_config_is_seen_at_once(native_repo: Repo) -> None:
    repo = native_repo
    assert _resolve(repo) == "ada"
    repo.git("config", "github.user", "grace-hopper")
    assert usercache.lookup(str(repo.path)) is None
    assert _resolve(repo) == "grace-hopper" == resolve_fast(repo.path)[0]
    repo.git("config", "--unset", "github.user")
    assert _resolve(repo) == resolve_fast(repo.path)[0] == "ada-lovelace"  # user.name's slug


def test_a_global_config_that_appears_later_is_seen(native_repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    repo = native_repo
    repo.git("config", "--unset", "github.user")
    assert _resolve(repo) == "ada-lovelace"
    repo.git("config", "--global", "github.user", "global-login")  # ~/.gitconfig did not exist
    assert _resolve(repo) == "global-login"


def test_an_included_file_is_watched_too(native_repo: Repo, tmp_path: Path) -> None:
    repo = native_repo
    repo.git("config", "--unset", "github.user")
    extra = tmp_path / "extra.gitconfig"
    extra.write_text("[github]\n\tuser = first\n")
    repo.git("config", "include.path", str(extra))
    assert _resolve(repo) == "first"
    extra.write_text("[github]\n\tuser = second-login\n")
    assert _resolve(repo) == "second-login" == resolve_fast(repo.path)[0]


def test_the_environment_is_part_of_the_key(native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = native_repo
    assert _resolve(repo) == "ada"
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "github.user")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "from-env")
    assert usercache.lookup(str(repo.path)) is None
    assert _resolve(repo) == "from-env"


def test_a_damaged_cache_is_resolved_again(native_repo: Repo) -> None:
    repo = native_repo
    cache = repo.path / ".git" / "sessionlog" / "user-cache"
    for text in ("", "garbage\n", "sessionlog user-cache 1\nmallory\nx\n", "sessionlog user-cache 1\n"):
        cache.write_text(text)
        assert _resolve(repo) == "ada"
    assert usercache.lookup(str(repo.path)) == "ada"


def test_no_cache_is_written_without_the_state_folder(repo: Repo) -> None:
    assert _resolve(repo) == "ada"
    assert not (repo.path / ".git" / "sessionlog").exists()
