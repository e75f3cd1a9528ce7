"""The Claude Code marketplace entry (.claude-plugin/marketplace.json) at the repository's top."""
from __future__ import annotations

import json

from conftest import ROOT

from sessionlog_git import __version__
from sessionlog_git.agents.marketplace import MARKETPLACE_FILE, marketplace_text


def test_marketplace_lists_the_plugin_at_the_package_version() -> None:
    market = json.loads((ROOT / MARKETPLACE_FILE).read_text())
    plugin = json.loads((ROOT / "plugin/.claude-plugin/plugin.json").read_text())
    # The package's one version (pyproject reads it from __version__: see test_release).
    (entry,) = market["plugins"]
    assert entry["version"] == plugin["version"] == __version__
    assert entry["name"] == plugin["name"] == "sessionlog"
    assert (ROOT / entry["source"] / ".claude-plugin/plugin.json").is_file()
    assert market["name"] == "sessionlog-git" and market["owner"]["name"]


def test_committed_marketplace_is_up_to_date() -> None:
    assert (ROOT / MARKETPLACE_FILE).read_text() == marketplace_text(), (
        f"{MARKETPLACE_FILE} is out of date. Fix: run scripts/build_plugin.py")
