"""`sessionlog doctor`: check every piece `sessionlog init` sets up; say how to fix what is off.

Exit 0 when everything needed is in place, 1 when something is missing or broken. The
assistants' pieces are checked by `agents.doctor` (every assistant in the registry, when any
trace of it is installed, with the one-time trust step its CLI needs).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.config import parse_yaml
from sessionlog_git.constants import (
    CONFIG_NAME,
    DEFAULT_LOGS_DIR,
    DEFAULT_PENDING_DIR,
    HOOK_ERROR_LOG,
    STATE_DIR,
)
from sessionlog_git.errors import SessionlogError
from sessionlog_git.setup import framework, githooks, merge


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: int = 0
    warned: int = 0

    def ok(self, what: str) -> None:
        self.lines.append(f"ok    {what}")

    def bad(self, what: str, fix: str) -> None:
        self.failed += 1
        self.lines.append(f"FAIL  {what}\n      fix: {fix}")

    def warn(self, what: str, fix: str) -> None:
        self.warned += 1
        self.lines.append(f"warn  {what}\n      fix: {fix}")


def _config(top: Path, report: Report) -> tuple[str, str]:
    path = top / CONFIG_NAME
    if not path.is_file():
        report.bad(f"{CONFIG_NAME} is missing", "run `sessionlog init`")
        return DEFAULT_PENDING_DIR, DEFAULT_LOGS_DIR
    try:
        data = parse_yaml(path.read_bytes(), path)
    except SessionlogError as exc:
        report.bad(f"{CONFIG_NAME} does not validate: {exc}", "correct it as the message says")
        return DEFAULT_PENDING_DIR, DEFAULT_LOGS_DIR
    if not data.get("project"):
        report.bad(f"{CONFIG_NAME} names no project", "run `sessionlog init` (it records one)")
    else:
        report.ok(f"{CONFIG_NAME} (project: {data['project']})")
    return str(data["pending_dir"]), str(data["logs_dir"])


def _pending_ignored(top: Path, pending_dir: str, report: Report) -> None:
    from sessionlog_git.base import statedir

    state = statedir.display(top, statedir.folder(top))
    legacy = top / STATE_DIR
    if legacy.is_dir():
        report.warn(f"{STATE_DIR}/ (the old in-tree state folder) is still there after moving "
                    f"its contents to {state}/: what is left could not be moved",
                    f"look at what is left in {STATE_DIR}/ and move it to {state}/ by hand")
    if statedir.in_state(pending_dir):
        pending = statedir.display(top, statedir.resolve(top, pending_dir))
        report.ok(f"pending entries live in {pending}/ (in the git directory: never committed, "
                  "untouched by git clean and git stash)")
        return
    if _check_ignore(top, f"{pending_dir}/project/user/2000-01-01.md"):
        report.ok(f"{pending_dir}/ is ignored by git")
    else:
        report.bad(f"{pending_dir}/ is not ignored by git (raw temp logs could be committed)",
                   "run `sessionlog init` (it writes its .gitignore)")


def _check_ignore(top: Path, rel: str) -> bool:
    return gitops.succeeds("check-ignore", "-q", "--no-index", rel, cwd=top)


def _git_hooks(top: Path, report: Report) -> None:
    folder = githooks.hooks_dir(top)
    config = top / framework.PRE_COMMIT_CONFIG
    uses_framework = config.is_file() and "sessionlog-consolidate" in config.read_text(
        encoding="utf-8", errors="replace"
    )
    for hook in githooks.HOOK_TYPES:
        path = folder / hook
        rel = os.path.relpath(path, top)
        if not path.is_file():
            how = "sessionlog init"  # it runs `pre-commit install` where that is needed
            report.bad(f"{rel} is missing: consolidation will not run at `git {hook[4:]}`",
                       f"run `{how}`")
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if githooks.is_managed(path):
            match = re.search(r"SESSIONLOG_PYTHON='([^']*)'", text)
            python = match[1] if match else ""
            if python and os.access(python, os.X_OK):
                report.ok(f"{rel} (native, runs {python})")
            else:
                report.bad(f"{rel} runs {python or '?'}, which is gone",
                           "run `sessionlog init` again from the current installation")
        elif uses_framework and "pre-commit" in text:
            report.ok(f"{rel} (pre-commit framework, {framework.PRE_COMMIT_CONFIG} lists our hooks)")
        else:
            report.bad(f"{rel} is not ours and does not run the pre-commit framework with our "
                       "hooks", "run `sessionlog init` (it keeps your hook and chains it)")


def _launcher(top: Path, report: Report) -> None:
    """This clone's launcher, which the committed (path-free) assistant hooks run."""
    from sessionlog_git.base import clone
    from sessionlog_git.setup.install import run_launcher

    path = clone.runner_path(top)
    if not path or not os.path.isfile(path):
        report.bad("this clone has no sessionlog launcher (.git/sessionlog/run): the "
                   "assistants' hooks here find no installation, and nothing says so",
                   "run `sessionlog init` in this clone")
        return
    code, out = run_launcher(path, "--version")
    if code != 0 or "sessionlog" not in out:
        report.bad(f".git/sessionlog/run does not run sessionlog (it names "
                   f"{clone.recorded_python(top)}, exit {code})",
                   "run `sessionlog init` again from the current installation")
    else:
        report.ok(f".git/sessionlog/run runs {out.strip()} "
                  f"({clone.recorded_python(top)}); the assistants' hooks use it")


def _assistant_commands_run(top: Path, report: Report) -> None:
    """Each installed assistant's committed hook command, run as its CLI runs it."""
    from sessionlog_git.agents import settings
    from sessionlog_git.agents.registry import ASSISTANTS
    from sessionlog_git.setup.install import run_hook_command

    for assistant in ASSISTANTS.values():
        if not assistant.settings or assistant.handler is not None:
            continue  # a plugin (OpenCode) or a flat hooks file: the assistants' checks cover it
        try:
            data = settings.read_settings(top / assistant.settings, assistant)
        except SessionlogError:
            continue  # reported with its fix by the assistants' checks
        commands = settings.settings_commands(data or {})
        first = next((found[0] for found in commands.values() if found), None)
        if first is None:
            continue
        code, out = run_hook_command(top, first)
        if code == -1:
            continue  # an older, machine-path command: reported above
        if code == 0 and "sessionlog" in out:
            report.ok(f"{assistant.settings}: its hook command runs here ({out.strip()})")
        else:
            report.bad(f"{assistant.settings}: its hook command finds no sessionlog here (exit "
                       f"{code}), so {assistant.title} gets no reminders in this clone",
                       "run `sessionlog init` in this clone")


def _merge_driver(top: Path, logs_dir: str, report: Report) -> None:
    """The merge driver: `.gitattributes` names it for the views, `.git/config` defines it."""
    problems = merge.merge_driver_problems(top, logs_dir)
    for what, fix in problems:
        report.bad(what, fix)
    if not problems:
        report.ok(f'{merge.GITATTRIBUTES} sends the views to the [merge "{merge.MERGE_DRIVER}"] '
                  "driver in .git/config")


def _apply(report: Report, findings: list[tuple[str, str, str]]) -> None:
    for level, what, fix in findings:
        if level == "ok":
            report.ok(what)
        elif level == "bad":
            report.bad(what, fix)
        elif level == "warn":
            report.warn(what, fix)
        else:
            report.lines.append(f"info  {what}")


def doctor() -> int:
    top = gitops.toplevel()
    report = Report()
    pending_dir, logs_dir = _config(top, report)
    _pending_ignored(top, pending_dir, report)
    _git_hooks(top, report)
    _merge_driver(top, logs_dir, report)
    _launcher(top, report)
    from sessionlog_git.agents import doctor as agents_doctor

    _apply(report, agents_doctor.findings(top))
    _assistant_commands_run(top, report)
    from sessionlog_git.base import statedir

    errors = Path(statedir.folder(top)) / HOOK_ERROR_LOG
    if errors.is_file() and errors.stat().st_size:
        report.warn(f"the agent hooks logged errors in {statedir.display(top, errors)}",
                    "read it; delete the file once the cause is fixed")
    print("sessionlog doctor:")
    for line in report.lines:
        print(f"  {line}")
    if report.failed:
        print(f"{report.failed} problem{'s' if report.failed != 1 else ''} found.")
        return 1
    print("everything is in place.")
    return 0
