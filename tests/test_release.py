"""One version, everywhere a user meets it: `sessionlog --version`, the package metadata, the
hook repository's `rev:` that init writes and README shows, the action, and CHANGELOG's newest
release heading. All of them come from `sessionlog_git.__version__`; these tests fail when a
release bumps one and forgets another."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT, Repo

from sessionlog_git import __version__


def test_version_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__), __version__


def test_pyproject_reads_the_version_from_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]', text, re.M)
    assert re.search(r'^version = \{ attr = "sessionlog_git.__version__" \}', text, re.M)
    assert not re.search(r'^version = "', text, re.M), "a second, literal version in pyproject.toml"


def test_sessionlog_version_prints_it() -> None:
    out = subprocess.run([sys.executable, "-m", "sessionlog_git", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out == f"sessionlog-git {__version__}\n"


def test_every_rev_in_readme_is_this_version() -> None:
    revs = re.findall(r"^\s*rev: (\S+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert revs, "README shows no pre-commit `rev:`"
    assert set(revs) == {f"v{__version__}"}, revs


def test_init_writes_this_version_as_the_hook_rev(repo: Repo) -> None:
    """The remote form (a published release); the default is the local entry, no rev."""
    repo.write(".pre-commit-config.yaml", "repos: []\n")
    repo.sl("init", "--hooks", "pre-commit", "--hook-repo",  # pre-commit install may be absent
            "https://github.com/sessionlog/sessionlog-git", check=False)
    config = repo.read(".pre-commit-config.yaml")
    assert re.search(rf"^\s+rev: v{re.escape(__version__)}$", config, re.M), config


def test_changelogs_newest_release_heading_is_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, re.M)
    releases = [(name, rest) for name, rest in headings if name != "Unreleased"]
    assert releases, "CHANGELOG.md has no release heading (`## [X.Y.Z] - YYYY-MM-DD`)"
    name, rest = releases[0]
    assert name == __version__, (
        f"CHANGELOG.md's newest release is {name}, the package says {__version__}. Fix: add a "
        f"`## [{__version__}] - YYYY-MM-DD` heading, or bump sessionlog_git.__version__."
    )
    assert re.fullmatch(r" - (\d{4}-\d{2}-\d{2}|Unreleased)", rest), rest


def test_the_action_installs_this_version_by_default() -> None:
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    assert 'sessionlog_git/__init__.py"' in action  # it reads the version there, as pyproject does
    assert re.search(rf"uses: sessionlog/sessionlog-git@v{re.escape(__version__)}\b", action)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    uses = re.findall(r"uses: sessionlog/sessionlog-git@(\S+)", readme)
    assert uses and set(uses) == {f"v{__version__}"}, uses
