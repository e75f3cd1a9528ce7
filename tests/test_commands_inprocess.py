"""Commands are typed functions: called in-process with named arguments, as `main` calls them.

Each test runs a command the way `sessionlog_git.main` dispatches it, inside this process,
in a real repository, and asserts on what a user would see: what it printed, the files it
wrote, its exit code. (The same commands also run as processes throughout the suite.)
"""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git.commands import check, consolidate, init, log, search, uninstall, why
from sessionlog_git.errors import EXIT_FAILED, EXIT_OK, SessionlogError
from sessionlog_git.main import main

NOW = "2026-11-25T14:30:00+01:00"


@pytest.fixture
def here(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("SESSIONLOG_NOW", NOW)
    return repo


def test_every_command_is_a_typed_keyword_only_function() -> None:
    from sessionlog_git import commands

    folder = Path(commands.__file__).parent
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    for name in names:
        module = __import__(f"sessionlog_git.commands.{name}", fromlist=["x"])
        assert not hasattr(module, "run"), f"commands/{name}.py still has run(args)"
        func = getattr(module, name)
        signature = inspect.signature(func)
        assert signature.return_annotation in ("int", int), name
        for param in signature.parameters.values():
            assert param.kind is inspect.Parameter.KEYWORD_ONLY, (name, param.name)
            assert param.annotation is not inspect.Parameter.empty, (name, param.name)


def test_init_log_consolidate_check_in_process(here: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert init.init(hooks="native", dry_run=False) == EXIT_OK
    assert "sessionlog init:" in capsys.readouterr().out
    assert (here.path / ".sessionlog.yaml").is_file()

    assert log.log(title="Chose RS256", bullets=["Decision: RS256 over HS256, because keys rotate"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("sessionlog: logged 14:30 (UTC+01:00) to .git/sessionlog/pending/shop/ada/")
    assert "Decision: RS256 over HS256" in here.pending()[0].read_text()

    assert consolidate.consolidate() == EXIT_OK
    assert "consolidated 1 entry from 1 temp log" in capsys.readouterr().out
    assert len(here.archive()) == 1 and here.pending() == []
    assert "Chose RS256" in here.read("logs/shop-session-log-2026-11.md")

    # The views were staged; commit them, and check finds nothing.
    here.git("add", ".sessionlog.yaml", ".gitattributes")
    here.git("commit", "-q", "--no-verify", "-m", "Logs")
    assert check.check() == EXIT_OK
    assert capsys.readouterr().out.startswith("sessionlog check: ok:")

    # A hand edit of a view is a finding, exit 1, with the fix.
    here.append("logs/shop-status.md", "hand edit\n")
    assert check.check() == EXIT_FAILED
    assert "Fix: `sessionlog check --fix`" in capsys.readouterr().out


def test_why_and_search_in_process_answer_as_json(here: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    init.init(hooks="native", dry_run=False)
    log.log(title="Set up the Redis cache", bullets=["Decision: Redis over memcached, because of TTLs"])
    here.write("cache.py", "TTL = 60\n")
    here.git("add", "-A")
    here.git("commit", "-q", "-m", "Cache")  # the native hook consolidates
    capsys.readouterr()

    assert why.why(target="cache.py:1", as_json=True) == EXIT_OK
    answer = json.loads(capsys.readouterr().out)
    assert answer["match"] == "consolidated"
    assert answer["entries"][0]["title"] == "Set up the Redis cache"

    assert search.search(query=["redis"], as_json=True) == EXIT_OK
    found = json.loads(capsys.readouterr().out)
    assert [r["title"] for r in found["results"]] == ["Set up the Redis cache"]


def test_main_dispatches_with_named_arguments_and_one_boundary(
        here: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # A command's SessionlogError becomes its message and exit code through main's boundary.
    assert main(["log", "x", "--project", "../escape"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("sessionlog: error: ") and "../escape" in err and "Fix" in err
    # The same command in-process raises; the boundary is main's alone.
    with pytest.raises(SessionlogError):
        log.log(title="x", project="../escape")
    # A dry-run uninstall after a dry-run init: nothing was installed, nothing is changed.
    assert uninstall.uninstall(dry_run=True) == EXIT_OK
    assert "nothing of sessionlog's was installed here" in capsys.readouterr().out
