"""The GitHub Action (action.yml) and the two commands it runs: `sessionlog check --rev` and
`sessionlog pr-summary`, on a real repository with a main branch and a pull request branch.

The action's steps run exactly as written in action.yml, with bash as the runner calls it,
their `${{ }}` inputs filled in, `$GITHUB_STEP_SUMMARY` a temp file, and `install: false`, so
this checkout's `sessionlog` (on PATH from the test venv) stands in for the pip install.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Repo, make_repo
from ruamel.yaml import YAML

from sessionlog_git import __version__

EXPRESSION = re.compile(r"\$\{\{\s*([a-z_.-]+)\s*\}\}")
MASTER = "logs/shop-session-log-2026-11.md"


def _action() -> dict[str, Any]:
    doc: dict[str, Any] = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return doc


def _fill(value: str, inputs: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name.startswith("inputs."):
            return inputs[name.removeprefix("inputs.")]
        if name == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"action.yml uses {match[0]}, which this test does not know how to fill")

    return EXPRESSION.sub(one, value)


def run_action(repo: Repo, tmp_path: Path, *, our_path: bool = True, **given: str) -> tuple[int, str, str]:
    """Run action.yml's steps in order as the runner would; (exit code, step output, summary).
    `our_path=False`: no `sessionlog` on PATH but what the install step puts there."""
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update({"install": "false", **given})
    files = {name: tmp_path / name for name in ("summary.md", "github_path", "github_env")}
    for path in files.values():
        path.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k == "GIT_CONFIG_NOSYSTEM"}
    env.update({
        "GITHUB_STEP_SUMMARY": str(files["summary.md"]), "GITHUB_PATH": str(files["github_path"]),
        "GITHUB_ENV": str(files["github_env"]), "RUNNER_TEMP": str(tmp_path),
        # The test venv's `sessionlog` stands in for the one the install step would put here.
        "PATH": os.pathsep.join(
            ([str(Path(sys.executable).parent)] if our_path else [])
            + [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "sessionlog").exists()]
        ),
    })
    output = []
    code = 0
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash" and "uses" not in step
        step_env = {**env, **{k: _fill(str(v), inputs) for k, v in step.get("env", {}).items()}}
        cwd = repo.path / _fill(step.get("working-directory", "."), inputs)
        script = tmp_path / "step.sh"
        script.write_text(_fill(step["run"], inputs), encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=cwd, env=step_env, capture_output=True, text=True, timeout=300,
                              check=False)
        output.append(proc.stdout + proc.stderr)
        for line in files["github_path"].read_text(encoding="utf-8").splitlines():
            env["PATH"] = f"{line}{os.pathsep}{env['PATH']}"
        code = proc.returncode
        if code != 0:
            break
    return code, "\n".join(output), files["summary.md"].read_text(encoding="utf-8")


def two_branch_repo(tmp_path: Path) -> tuple[Repo, str, str]:
    """main with a blocker ada opened; a feature branch where ada and grace log their work; main
    moves on meanwhile. Returns the repository (main checked out) and the base and head commits."""
    repo = make_repo(tmp_path / "shop")
    repo.sl("init", "--hooks", "native")
    repo.git("add", ".sessionlog.yaml", ".gitattributes")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    repo.log("2026-11-20T10:00:00+01:00", "Payments groundwork",
             "Blocked on: ops to provision Redis in staging", "Decision: Postgres for keys for now")
    repo.append("app.py", "# groundwork\n")
    repo.git("commit", "-q", "-am", "Groundwork")
    repo.git("checkout", "-q", "-b", "feature")
    repo.log("2026-11-24T10:00:00+01:00", "Idempotency keys",
             "Decision: client-supplied Idempotency-Key header, because retries come from clients",
             "Rejected: a unique index on (merchant, amount), fails for legitimate repeat charges",
             "Tried: hashing the request body; clients reorder JSON keys",
             "Blocked on: legal review of key retention",
             "Next: load test duplicate submissions")
    repo.append("app.py", "# keys\n")
    repo.git("commit", "-q", "-am", "Idempotency keys")
    repo.log("2026-11-25T11:00:00+01:00", "Staging is ready", "Unblocked: ops provisioned Redis in staging",
             "Summary: Redis is there, keys can move", "Next: move keys to Redis", user="grace")
    repo.append("app.py", "# redis\n")
    repo.git("commit", "-q", "-am", "Redis in staging")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "main")
    repo.log("2026-11-26T09:00:00+01:00", "Only on main", "Decision: main's own decision, not the PR's")
    repo.append("app.py", "# main\n")
    repo.git("commit", "-q", "-am", "Main moves on")
    return repo, repo.git("rev-parse", "HEAD").stdout.strip(), head


def test_action_summarizes_the_pull_requests_why_by_author_and_checks_its_head(tmp_path: Path) -> None:
    repo, base, head = two_branch_repo(tmp_path)
    code, output, summary = run_action(repo, tmp_path, base=base, head=head)
    assert code == 0, output
    # The install step resolves this action's own version, even when told not to install.
    assert f"not installing sessionlog-git=={__version__} (install: false)" in output
    assert "## Session logs in this pull request" in summary
    assert (f"2 entries by 2 contributors in 2 new archive files under `logs/archive/` "
            f"(shop; {base[:7]}...{head[:7]})") in summary
    ada = summary.split("### ada\n")[1].split("### grace\n")[0]
    grace = summary.split("### grace\n")[1].split("### sessionlog check")[0]
    assert "- 2026-11-24 10:00 · Idempotency keys\n" in ada
    assert ("**Decisions**\n\n- client-supplied Idempotency-Key header, because retries come from "
            "clients _(2026-11-24 10:00)_\n") in ada
    assert ("**Rejected alternatives**\n\n- a unique index on (merchant, amount), fails for "
            "legitimate repeat charges _(2026-11-24 10:00)_\n") in ada
    assert "**Findings**\n\n- Tried: hashing the request body; clients reorder JSON keys" in ada
    assert "**Open blockers**\n\n- legal review of key retention _(2026-11-24 10:00)_\n" in ada
    assert "**Next steps**\n\n- load test duplicate submissions _(2026-11-24 10:00)_\n" in ada
    assert "- 2026-11-25 11:00 · Staging is ready — Redis is there, keys can move\n" in grace
    # grace's unblock closes the blocker ada opened on main before the branch: it is named.
    assert ("**Closed blockers**\n\n- ops provisioned Redis in staging _(2026-11-25 11:00)_ — closes "
            "“ops to provision Redis in staging”, opened by ada on 2026-11-20 10:00\n") in grace
    assert "**Next steps**\n\n- move keys to Redis" in grace
    assert "Decisions" not in grace and "Open blockers" not in grace
    # Neither main's own later entry nor the groundwork before the branch is the PR's.
    assert "main's own decision" not in summary and "Postgres for keys" not in summary
    assert "### sessionlog check (passed)" in summary
    assert f"sessionlog check: ok: 2 generated files in {head[:7]} match a fresh render" in summary


@pytest.mark.slow
def test_action_installs_sessionlog_into_its_own_venv_and_uses_it(tmp_path: Path) -> None:
    """The install step for real: pip into a venv under RUNNER_TEMP, on PATH for the next step
    through GITHUB_PATH. A wheel of this checkout stands in for the package index's release."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("sessionlog_git-*.whl")
    repo, base, head = two_branch_repo(tmp_path)
    code, output, summary = run_action(repo, tmp_path, our_path=False, install="true",
                                       version=f" @ {wheel.as_uri()}", base=base, head=head)
    assert code == 0, output
    assert f"sessionlog-git {__version__}" in output
    assert (tmp_path / "sessionlog-venv" / "bin" / "sessionlog").is_file()
    assert "### ada\n" in summary and "### sessionlog check (passed)" in summary


def test_action_fails_on_a_hand_edited_view_and_still_shows_the_why(tmp_path: Path) -> None:
    repo, base, _ = two_branch_repo(tmp_path)
    repo.git("checkout", "-q", "feature")
    repo.write(MASTER, repo.read(MASTER).replace("Idempotency keys", "Idempotency keys (edited)"))
    repo.git("commit", "-q", "--no-verify", "-am", "Hand edit")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "main")  # CI checks out something else: the head is read from git
    code, output, summary = run_action(repo, tmp_path, base=base, head=head)
    assert code == 1, output
    assert f"::error::sessionlog check failed on {head[:7]}" in output
    assert "client-supplied Idempotency-Key header" in summary
    assert "### sessionlog check (failed)" in summary
    assert f"sessionlog check: 1 finding in {head[:7]}" in summary
    assert f"{MASTER}: line " in summary and "differs from a fresh render" in summary
    assert "Fix: on that commit's branch run `sessionlog check --fix`" in summary


def test_action_without_a_pull_request_says_what_to_give(tmp_path: Path) -> None:
    repo, _, _ = two_branch_repo(tmp_path)
    code, output, summary = run_action(repo, tmp_path, base="", head="")
    assert code == 2
    assert "::error::sessionlog: no base or head commit. Fix: run this action on a pull_request" in output
    assert summary == ""


def test_check_rev_reads_the_commit_not_the_work_tree(tmp_path: Path) -> None:
    repo, _, head = two_branch_repo(tmp_path)
    repo.write(MASTER, "a hand edit in the work tree\n")  # not committed: HEAD is still right
    assert repo.sl("check", check=False).returncode == 1
    out = repo.sl("check", "--rev", "HEAD")
    assert out.stdout.startswith("sessionlog check: ok: 2 generated files in ")
    out = repo.sl("check", "--rev", head)
    assert f"sessionlog check: ok: 2 generated files in {head[:7]}" in out.stdout
    bad = repo.sl("check", "--rev", "no-such-branch", check=False)
    assert bad.returncode == 2
    assert "--rev 'no-such-branch' is not a commit in this repository" in bad.stderr
    assert "Fix: fetch it" in bad.stderr and "fetch-depth: 0" in bad.stderr
    both = repo.sl("check", "--rev", "HEAD", "--fix", check=False)
    assert both.returncode == 2 and "Fix: check the branch out" in both.stderr


def test_check_rev_uses_the_config_committed_in_that_commit(tmp_path: Path) -> None:
    repo, _, _ = two_branch_repo(tmp_path)
    repo.write(".sessionlog.yaml", "logs_dir: notes\n")  # in the work tree only
    out = repo.sl("check", "--rev", "HEAD")
    assert "match a fresh render of its logs/archive" in out.stdout
    repo.git("commit", "-q", "--no-verify", "-am", "Move the logs (but not the files)")
    out = repo.sl("check", "--rev", "HEAD")
    assert "sessionlog check: ok: 0 generated files" in out.stdout
    repo.write(".sessionlog.yaml", "logs_dir: notes\nreminders: {gap_minutes: soon}\n")
    repo.git("commit", "-q", "--no-verify", "-am", "A bad config")
    bad = repo.sl("check", "--rev", "HEAD", check=False)
    assert bad.returncode == 1
    assert re.search(r"[0-9a-f]{12}:\.sessionlog\.yaml: line 2: `reminders.gap_minutes`", bad.stderr)


def test_pr_summary_of_a_pull_request_without_entries_and_output_appends(tmp_path: Path) -> None:
    repo, base, _ = two_branch_repo(tmp_path)
    repo.git("checkout", "-q", "-b", "docs-only", base)
    repo.append("app.py", "# docs\n")
    repo.git("commit", "-q", "--no-verify", "-am", "Docs only")
    out = repo.sl("pr-summary", "--base", "main").stdout
    assert "No session log entries: this pull request adds no file under `logs/archive/`" in out
    target = tmp_path / "summary.md"
    target.write_text("# earlier step\n", encoding="utf-8")
    for _ in range(2):
        done = repo.sl("pr-summary", "--base", "main", "--head", "feature", "--output", str(target))
        assert done.stdout == f"sessionlog pr-summary: appended to {target}\n"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n") and text.count("### grace\n") == 2
    bad = repo.sl("pr-summary", "--base", "nope", check=False)
    assert bad.returncode == 2 and "--base 'nope' is not a commit" in bad.stderr
    missing = repo.sl("pr-summary", check=False)
    assert missing.returncode == 2 and "--base" in missing.stderr


def test_pr_summary_across_projects_names_each_entrys_project(tmp_path: Path) -> None:
    repo, base, _ = two_branch_repo(tmp_path)
    repo.git("checkout", "-q", "-b", "two-projects", base)
    repo.log("2026-11-27T10:00:00+01:00", "API side", "Decision: version the API", project="api")
    repo.log("2026-11-27T10:30:00+01:00", "Shop side", "Decision: keep the cart", project="shop")
    repo.append("app.py", "# both\n")
    repo.git("commit", "-q", "-am", "Both projects")
    out = repo.sl("pr-summary", "--base", "main").stdout
    assert "(api, shop; " in out
    assert "- version the API _(2026-11-27 10:00, api)_" in out
    assert "- keep the cart _(2026-11-27 10:30, shop)_" in out


@pytest.mark.parametrize("name", ["base", "head", "check", "install", "version", "python",
                                  "working-directory"])
def test_every_action_input_is_described(name: str) -> None:
    spec = _action()["inputs"][name]
    assert spec["description"].strip() and "default" in spec
