"""The marketplace entry, checked by the real Claude Code: `claude plugin validate`, then
`claude plugin marketplace add` + `claude plugin install` from a copy of this checkout
(offline, fresh HOME)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sessionlog_git import __version__

from .claude_cli import claude_env
from .npm_cli import REPO_ROOT, run_in_group

pytestmark = pytest.mark.slow


def _claude(cli: Path, home: Path, cwd: Path, *args: str) -> tuple[int, str]:
    env = claude_env(base_url="http://127.0.0.1:9", home=home, tmpdir=home.with_name("tmp"))
    home.with_name("tmp").mkdir(exist_ok=True)
    proc = run_in_group([str(cli), *args], cwd, env, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def test_claude_validates_the_marketplace_and_installs_the_plugin_from_it(
    claude_cli: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    code, out = _claude(claude_cli, home, REPO_ROOT, "plugin", "validate", "--strict", "--json", ".")
    assert code == 0, out
    report = json.loads(out[out.index("{"):])
    assert report["success"] is True, out
    assert report["manifest"]["type"] == "marketplace"
    assert report["manifest"]["errors"] == [] and report["manifest"]["warnings"] == [], out

    code, out = _claude(claude_cli, home, REPO_ROOT, "plugin", "validate", "--strict", "plugin")
    assert code == 0 and "Validation passed" in out, out

    # What `/plugin marketplace add <repo>` does with a clone: add, install, list.
    market = tmp_path / "market"
    market.mkdir()
    for folder in (".claude-plugin", "plugin"):
        shutil.copytree(REPO_ROOT / folder, market / folder)
    code, out = _claude(claude_cli, home, tmp_path, "plugin", "marketplace", "add", str(market))
    assert code == 0 and "sessionlog-git" in out, out
    code, out = _claude(claude_cli, home, tmp_path, "plugin", "install", "sessionlog@sessionlog-git")
    assert code == 0 and "Successfully installed plugin: sessionlog@sessionlog-git" in out, out
    code, out = _claude(claude_cli, home, tmp_path, "plugin", "list")
    assert code == 0, out
    assert "sessionlog@sessionlog-git" in out and f"Version: {__version__}" in out and "enabled" in out, out
