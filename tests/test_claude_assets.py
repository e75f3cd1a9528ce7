"""`sessionlog init --agent claude`, `uninstall`, `doctor`, and the Claude Code plugin.

Outcomes a user sees: the files in their repository before and after, the exit codes, and
the plugin folder that ships in this repository.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, ROOT, Repo
from ruamel.yaml import YAML

from sessionlog_git.agents import plugin
from sessionlog_git.agents.settings import hook_command, our_event

USER_SETTINGS: dict[str, Any] = {
    "permissions": {"allow": ["Bash(npm test:*)"]},
    "env": {"FOO": "bar"},
    "hooks": {
        "SessionStart": [{"matcher": "startup", "hooks": [{"type": "command", "command": "echo hi"}]}],
        "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "make fmt"}]}],
    },
}
USER_CLAUDE_MD = "# Shop\n\nUse tabs. Run `make test` before pushing.\n"
EVENTS = ("SessionStart", "UserPromptSubmit", "Stop", "PreCompact", "SessionEnd", "PostToolUse",
          "PreToolUse")

# The command prefix `init --agent claude` writes (agents.settings.python_command).
OURS = f"'{sys.executable}' -c 'import sessionlog_git.agents.entry as e; e.hook()' sessionlog_git hook"


def settings(repo: Repo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(repo.read(".claude/settings.json"))
    return data


def front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    head = text[4 : text.index("\n---\n", 4)]
    data: dict[str, Any] = YAML(typ="safe").load(head)
    return data


@pytest.fixture
def user_repo(repo: Repo) -> Repo:
    """A repository whose owner already has Claude settings, hooks and a CLAUDE.md."""
    repo.write(".claude/settings.json", json.dumps(USER_SETTINGS, indent=4) + "\n")
    repo.write("CLAUDE.md", USER_CLAUDE_MD)
    return repo


def test_init_merges_hooks_writes_agents_and_block_keeping_user_content(user_repo: Repo) -> None:
    repo = user_repo
    out = repo.sl("init", "--hooks", "native", "--agent", "claude").stdout
    assert "update .claude/settings.json: sessionlog hooks" in out
    assert "write .claude/agents/session-logger.md" in out
    assert "add the sessionlog block in CLAUDE.md" in out
    data = settings(repo)
    assert data["permissions"] == USER_SETTINGS["permissions"] and data["env"] == {"FOO": "bar"}
    # The user's PostToolUse group stays first and as it was; ours (on Read) is added after it.
    assert data["hooks"]["PostToolUse"][0] == USER_SETTINGS["hooks"]["PostToolUse"][0]
    assert data["hooks"]["PostToolUse"][1]["matcher"] == "Read"
    assert data["hooks"]["SessionStart"][0] == USER_SETTINGS["hooks"]["SessionStart"][0]
    for event, ours in zip(EVENTS, ("session-start", "user-prompt-submit", "stop", "pre-compact",
                                    "session-end", "post-tool-use", "pre-tool-use"), strict=True):
        commands = [h["command"] for g in data["hooks"][event] for h in g["hooks"]]
        assert hook_command(ours) in commands  # neutral: no path of this machine
    assert sys.executable not in repo.read(".claude/settings.json")
    md = repo.read("CLAUDE.md")
    assert md.startswith(USER_CLAUDE_MD)
    assert md.count("<!-- sessionlog:begin -->") == 1 and md.rstrip().endswith("<!-- sessionlog:end -->")


def test_init_twice_adds_nothing(user_repo: Repo) -> None:
    repo = user_repo
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    before = {p: (repo.path / p).read_bytes() for p in (
        ".claude/settings.json", "CLAUDE.md", ".claude/agents/session-logger.md",
        ".claude/agents/workspace-sync.md")}
    out = repo.sl("init", "--hooks", "native", "--agent", "claude").stdout
    lines = [line.strip() for line in out.splitlines()[1:]]
    assert all(line.startswith("unchanged:") for line in lines), out
    assert {p: (repo.path / p).read_bytes() for p in before} == before


def test_init_updates_a_moved_interpreter_without_duplicating(user_repo: Repo) -> None:
    repo = user_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    data = settings(repo)
    for group in data["hooks"]["Stop"]:  # as an older init wrote it: a machine path
        for handler in group["hooks"]:
            handler["command"] = "'/old/venv/bin/python' -m sessionlog_git hook stop"
    data["hooks"]["Stop"].append(json.loads(json.dumps(data["hooks"]["Stop"][-1])))  # a copy
    data["env"]["SESSIONLOG_PYTHON"] = "/old/venv/bin/python"
    repo.write(".claude/settings.json", json.dumps(data, indent=2))
    out = repo.sl("init", "--hooks", "none", "--agent", "claude").stdout
    assert "Stop (updated)" in out and "Stop (duplicate removed)" in out
    commands = [h["command"] for g in settings(repo)["hooks"]["Stop"] for h in g["hooks"]]
    assert commands == [hook_command("stop")]


def test_init_agent_claude_on_a_repo_set_up_for_git_only(native_repo: Repo) -> None:
    repo = native_repo
    out = repo.sl("init", "--agent", "claude").stdout
    assert "create .claude/settings.json" in out and "unchanged: .git/hooks/pre-commit" in out
    assert set(settings(repo)["hooks"]) == set(EVENTS)


def test_dry_run_writes_nothing(repo: Repo) -> None:
    out = repo.sl("init", "--agent", "claude", "--dry-run").stdout
    assert "would create .claude/settings.json" in out
    assert not (repo.path / ".claude").exists() and not (repo.path / "CLAUDE.md").exists()


def test_agents_have_valid_front_matter_and_delegating_descriptions(repo: Repo) -> None:
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    logger = repo.read(".claude/agents/session-logger.md")
    sync = repo.read(".claude/agents/workspace-sync.md")
    meta = front_matter(logger)
    assert meta["name"] == "session-logger"
    assert "consolidate my logs" in meta["description"]
    assert "never inventing or dropping" in meta["description"]
    assert "`sh .git/sessionlog/run consolidate`" in logger and "Summary:" in logger
    assert "Decision:" in logger
    meta = front_matter(sync)
    assert meta["name"] == "workspace-sync"
    assert "save my work" in meta["description"] and "commit and push" in meta["description"]
    assert "git push" in sync and "why" in sync and "--no-verify" in sync
    # The main conversation writes the why before delegating: the agent cannot see it.
    assert "write the session's final log entry yourself" in meta["description"]
    assert "Never write an entry yourself" in sync
    for name in ("session-logger", "workspace-sync"):
        assert set(front_matter(repo.read(f".claude/agents/{name}.md"))) <= {
            "name", "description", "tools", "model"}


def test_claude_md_block_says_how_what_and_what_not_to_log(repo: Repo) -> None:
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    block = repo.read("CLAUDE.md")
    how, rest = block.split("What to log:")
    what, what_not = rest.split("What NOT to log:")
    assert " log --agent claude-code" in how and "## 14:30 - " in how
    assert ".git/sessionlog/pending/" in how
    for topic in ("decisions and why", "alternatives rejected", "tried and failed", "blockers",
                  "on whom", "where you paused", "who decided"):
        assert topic in what, topic
    for topic in ("dead-end exploration", "formatting", "routine commands",
                  "anything the diff already says", "secret"):
        assert topic in what_not, topic


def test_every_command_the_instructions_name_runs_in_the_clone(repo: Repo) -> None:
    """No `sessionlog` on PATH here: the block and the agents name this clone's launcher by
    its path from the top, which runs in Claude Code's shell and names no machine's path."""
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    texts = [repo.read("CLAUDE.md"), repo.read(".claude/agents/session-logger.md"),
             repo.read(".claude/agents/workspace-sync.md")]
    shell = {k: v for k, v in os.environ.items() if k != "PATH"}
    shell["PATH"] = "/usr/bin:/bin"  # git, but no sessionlog
    named = set()
    for text in texts:
        named |= set(re.findall(r"`([^`\n]*?) (?:log --agent|consolidate)\b", text))
    assert named == {"sh .git/sessionlog/run"}, named
    prefix = named.pop()
    for command in (f'{prefix} log --agent claude-code "Chose a queue" "Decision: a queue"',
                    f"{prefix} consolidate --dry-run"):
        proc = subprocess.run(["sh", "-c", command], cwd=repo.path, env=shell,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, (command, proc.stderr)
    assert "Chose a queue" in next(iter(repo.pending())).read_text()


def test_block_is_replaced_not_duplicated(user_repo: Repo) -> None:
    repo = user_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    md = repo.read("CLAUDE.md")
    repo.write("CLAUDE.md", md.replace("What NOT to log:", "What NOT to log (edited):")
               + "\n## My own section\n")
    out = repo.sl("init", "--hooks", "none", "--agent", "claude").stdout
    assert "update the sessionlog block in CLAUDE.md" in out
    assert repo.read("CLAUDE.md") == md + "\n## My own section\n"


def test_a_user_edited_agent_is_kept_by_init_and_uninstall(repo: Repo) -> None:
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    path = repo.path / ".claude/agents/workspace-sync.md"
    path.write_text(path.read_text() + "\nAlways push to the fork.\n")
    assert "kept yours" in repo.sl("init", "--hooks", "none", "--agent", "claude").stdout
    out = repo.sl("uninstall").stdout
    assert "workspace-sync.md: kept" in out and "delete .claude/agents/session-logger.md" in out
    assert path.read_text().endswith("Always push to the fork.\n")
    assert not (repo.path / ".claude/agents/session-logger.md").exists()


def test_invalid_settings_json_is_refused_with_the_place_and_fix(repo: Repo) -> None:
    repo.write(".claude/settings.json", '{\n  "hooks": {,\n}\n')
    proc = repo.sl("init", "--hooks", "none", "--agent", "claude", check=False)
    assert proc.returncode == 1
    assert ".claude/settings.json: line 2 column" in proc.stderr and "Fix:" in proc.stderr
    assert repo.read(".claude/settings.json") == '{\n  "hooks": {,\n}\n'


# --------------------------------------------------------------------------- uninstall


def test_uninstall_restores_the_users_files_exactly(user_repo: Repo) -> None:
    repo = user_repo
    repo.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n")
    (repo.path / ".git/hooks/pre-commit").chmod(0o755)
    original_settings = repo.read(".claude/settings.json")
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    assert (repo.path / ".git/hooks/pre-commit.pre-sessionlog").exists()
    out = repo.sl("uninstall").stdout
    assert "restore .claude/settings.json exactly as it was before init" in out
    assert "restore .git/hooks/pre-commit exactly as it was before init" in out
    assert repo.read(".claude/settings.json") == original_settings  # byte for byte
    assert repo.read("CLAUDE.md") == USER_CLAUDE_MD
    assert not (repo.path / ".claude/agents").exists()
    assert repo.read(".git/hooks/pre-commit") == "#!/bin/sh\necho mine\n"
    assert not (repo.path / ".git/hooks/pre-push").exists()
    assert (repo.path / ".sessionlog.yaml").exists()  # the user's data stays


def test_uninstall_deletes_files_init_created(repo: Repo) -> None:
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    repo.sl("uninstall")
    for rel in (".claude", "CLAUDE.md", ".git/hooks/pre-commit", ".git/hooks/pre-push"):
        assert not (repo.path / rel).exists(), rel
    assert not [line for line in repo.porcelain() if "claude" in line.lower()]


def test_uninstall_takes_our_entries_out_of_pre_commit_config(repo: Repo) -> None:
    team = (
        "# the team's hooks\n"
        "repos:\n"
        "-   repo: local\n"
        "    hooks:\n"
        "    -   id: lint  # keep me\n"
        "        name: lint\n"
        "        entry: 'true'\n"
        "        language: system\n"
    )
    repo.write(".pre-commit-config.yaml", team)
    repo.sl("init", "--hooks", "pre-commit", "--hook-repo", "https://example.invalid/sl",
            "--hook-rev", "v0")
    assert "sessionlog-consolidate" in repo.read(".pre-commit-config.yaml")
    out = repo.sl("uninstall").stdout
    assert "restore .pre-commit-config.yaml exactly as it was before init" in out
    text = repo.read(".pre-commit-config.yaml")
    assert text == team
    assert "sessionlog" not in text and "example.invalid" not in text
    assert "# the team's hooks" in text and "- id: lint  # keep me" in text.replace("-   id", "- id")


# --------------------------------------------------------------------------- doctor


def test_doctor_reports_what_is_missing_and_how_to_fix_it(repo: Repo) -> None:
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  .sessionlog.yaml is missing" in proc.stdout and "run `sessionlog init`" in proc.stdout
    repo.sl("init", "--hooks", "native", "--agent", "claude")
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 0, proc.stdout
    assert "FAIL" not in proc.stdout and "ok    CLAUDE.md sessionlog block" in proc.stdout

    (repo.path / ".claude/agents/session-logger.md").unlink()
    data = settings(repo)
    data["hooks"]["Stop"][0]["hooks"][0]["command"] = "'/gone/python' -m sessionlog_git hook stop"
    repo.write(".claude/settings.json", json.dumps(data))
    proc = repo.sl("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  .claude/agents/session-logger.md is missing" in proc.stdout
    assert "the Stop hook runs /gone/python, which is gone" in proc.stdout
    assert "sessionlog init --agent claude" in proc.stdout


def test_doctor_on_a_git_only_setup_passes_and_mentions_claude(native_repo: Repo) -> None:
    proc = native_repo.sl("doctor")
    assert "info  Claude Code integration not installed" in proc.stdout


# --------------------------------------------------------------------------- the plugin


def test_plugin_is_valid_and_built_from_the_same_templates(repo: Repo, tmp_path: Path) -> None:
    dest = tmp_path / "plugin"
    written = plugin.build_plugin(dest)
    assert {".claude-plugin/plugin.json", "hooks/hooks.json", "agents/session-logger.md",
            "agents/workspace-sync.md", "commands/log.md", "commands/resume.md"} <= set(written)
    manifest = json.loads((dest / ".claude-plugin/plugin.json").read_text())
    assert manifest["name"] == "sessionlog" and "hooks" not in manifest
    hooks = json.loads((dest / "hooks/hooks.json").read_text())["hooks"]
    # The same shape as what init merges into settings.json, with the plugin launcher.
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    ours = settings(repo)["hooks"]
    assert set(hooks) == set(ours) == set(EVENTS)
    for event in EVENTS:
        (group,) = hooks[event]
        (handler,) = group["hooks"]
        (mine,) = ours[event][0]["hooks"]
        assert set(handler) == set(mine) == {"type", "command", "timeout"}
        assert group.get("matcher") == ours[event][0].get("matcher")
        assert handler["timeout"] == mine["timeout"]
        assert handler["command"].startswith('sh "${CLAUDE_PLUGIN_ROOT}/scripts/run-hook.sh" ')
        assert our_event(handler) == our_event(mine)
    for name in ("session-logger", "workspace-sync"):
        # The same words; the command is `sessionlog` (the plugin requires it on PATH) where
        # init names the invocation that runs in this clone.
        mine_text = repo.read(f".claude/agents/{name}.md").replace(
            "sh .git/sessionlog/run", "sessionlog")
        assert (dest / f"agents/{name}.md").read_text() == mine_text
    for name in ("log", "resume"):
        meta = front_matter((dest / f"commands/{name}.md").read_text())
        assert meta["description"]
    assert "$ARGUMENTS" in (dest / "commands/log.md").read_text()
    assert "sessionlog resume" in (dest / "commands/resume.md").read_text()
    subprocess.run(["sh", "-n", str(dest / "scripts/run-hook.sh")], check=True)


def test_plugin_launcher_runs_the_installed_hook_and_fails_open(repo: Repo, tmp_path: Path) -> None:
    dest = tmp_path / "plugin"
    plugin.build_plugin(dest)
    repo.sl("init", "--hooks", "none")
    launcher = str(dest / "scripts/run-hook.sh")
    base = {**os.environ, "CLAUDE_PROJECT_DIR": str(repo.path), "CLAUDE_PLUGIN_ROOT": str(dest)}
    proc = subprocess.run(["sh", launcher, "session-start"], input="{}", capture_output=True,
                          text=True, env={**base, "SESSIONLOG_PYTHON": PYTHON}, check=True)
    assert "Today's temp log:" in json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    bin_dir = str(Path(PYTHON).parent)
    proc = subprocess.run(["sh", launcher, "session-start"], input="{}", capture_output=True,
                          text=True, env={**base, "PATH": f"{bin_dir}:/usr/bin:/bin"}, check=True)
    assert "Today's temp log:" in proc.stdout
    # Not installed anywhere: nothing printed, exit 0.
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    for tool in ("sh", "cat", "grep"):
        found = next(Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists())
        (empty / tool).symlink_to(found)
    proc = subprocess.run(["/bin/sh", launcher, "stop"], input="{}", capture_output=True,
                          text=True, env={**base, "PATH": str(empty)}, check=False)
    assert (proc.returncode, proc.stdout) == (0, "")
    # A project set up with init --agent claude runs its own hooks: the plugin stays quiet.
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    proc = subprocess.run(["sh", launcher, "session-start"], input="{}", capture_output=True,
                          text=True, env={**base, "SESSIONLOG_PYTHON": PYTHON}, check=True)
    assert proc.stdout == ""


def test_committed_plugin_is_up_to_date_with_the_templates() -> None:
    files = plugin.plugin_files()
    folder = ROOT / "plugin"
    stale = [rel for rel, text in files.items()
             if not (folder / rel).is_file() or (folder / rel).read_text() != text]
    assert stale == [], f"plugin/ is out of date ({stale}). Fix: run scripts/build_plugin.py"
    assert os.access(folder / "scripts/run-hook.sh", os.X_OK)


def test_every_prefix_the_templates_teach_is_one_the_parser_knows() -> None:
    """The templates' prose teaches the bullet vocabulary; each prefix it names must be in
    the parser's table (logs.kinds.KIND_PREFIXES), so the two cannot drift apart."""
    from sessionlog_git.logs.entries import classify
    from sessionlog_git.logs.kinds import taught_prefixes

    block = (ROOT / "templates/claude/claude-md-block.md.j2").read_text()
    for path in sorted((ROOT / "templates/claude").rglob("*.j2")):
        for prefix in re.findall(r"`([A-Z][a-z]+(?: [a-z]+)?:)`", path.read_text()):
            assert classify(f"{prefix} x") != "note", (path.name, prefix)
    assert all(f"`{prefix}`" in block for prefix in taught_prefixes())
