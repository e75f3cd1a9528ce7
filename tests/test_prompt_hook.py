"""The per-prompt hook's lean path (`agents.prompt`) against the handlers (`agents.handlers`).

The lean path must print exactly what the full path prints, leave the same session state, and
decide the common cases itself (not hand them on); its imports are checked with
`python -X importtime`, run as the assistants run it.
"""
from __future__ import annotations

import copy
import json
import os
import pickle
import re
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, ROOT, Repo, make_repo

from sessionlog_git.agents import prompt as prompt_hook
from sessionlog_git.agents import registry, session, texts
from sessionlog_git.base import clock
from sessionlog_git.logs import entries, model

NOW = datetime.now().astimezone().replace(second=0, microsecond=0)
TODAY = NOW.date().isoformat()

# Runs the handlers (entry.run without the lean path), restores the session state, then the
# lean decision (prompt.prompt) on the same input; prints both outputs and the state keys after each.
PROBE = r"""
import contextlib, io, json, os, sys
from sessionlog_git.agents import entry
from sessionlog_git.agents import prompt as prompt_hook

event, agent, data, top = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
folder = os.path.join(top, ".git", "sessionlog", "sessions")

def snapshot():
    out = {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        with open(os.path.join(folder, name), "rb") as handle:
            out[name] = handle.read()
    return out

def restore(snap):
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if name not in snap:
            os.unlink(os.path.join(folder, name))
    for name, raw in snap.items():
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(raw)

def keys(snap):
    return {name: sorted(json.loads(raw)) for name, raw in snap.items()}

before = snapshot()
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    entry.run(event, agent, dict(data), lean=False)
full, full_state = buffer.getvalue(), keys(snapshot())
restore(before)
try:
    lean = prompt_hook.prompt(dict(data), agent)
    lean = lean + "\n" if lean else ""
except prompt_hook.Decline as exc:
    lean = f"DECLINED: {exc}"
print(json.dumps({"full": full, "lean": lean, "full_state": full_state,
                  "lean_state": keys(snapshot())}))
"""


def compare(repo: Repo, *, now: datetime, payload: dict[str, Any] | None = None,
            agent: str = "claude", env: dict[str, str] | None = None,
            event: str = "user-prompt-submit") -> dict[str, Any]:
    data = {"session_id": "s1", "cwd": str(repo.path), "hook_event_name": event,
            "prompt": "Add pagination", **(payload or {})}
    environ = {"CLAUDE_PROJECT_DIR": str(repo.path), "GEMINI_PROJECT_DIR": str(repo.path),
               "SESSIONLOG_NOW": now.isoformat(), **(env or {})}
    proc = repo.run(PYTHON, "-c", PROBE, event, agent, json.dumps(data), str(repo.path), env=environ)
    result: dict[str, Any] = json.loads(proc.stdout)
    errors = repo.path / ".git" / "sessionlog" / "hook-errors.log"
    assert not errors.exists(), errors.read_text()
    return result


def touch(path: Path, when: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("x = 1\n")
    os.utime(path, (when, when))


def start(repo: Repo, env: dict[str, str] | None = None) -> None:
    repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start",
             input=json.dumps({"session_id": "s1", "source": "startup"}),
             env={"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": NOW.isoformat(),
                  **(env or {})})


def _no_entry_today(repo: Repo) -> dict[str, Any]:
    start(repo)
    touch(repo.path / "app.py", time.time() + 5)
    return {"now": NOW}


def _no_entry_today_nothing_changed(repo: Repo) -> dict[str, Any]:
    start(repo)
    return {"now": NOW}


def _only_trivial_changes(repo: Repo) -> dict[str, Any]:
    start(repo)
    for rel in ("docs/guide.rst", "CHANGES.md", "package-lock.json"):
        touch(repo.path / rel, time.time() + 5)
    return {"now": NOW + timedelta(hours=1)}


def _entry_yesterday(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log((NOW - timedelta(days=1)).isoformat(), "Yesterday's work")
    return {"now": NOW}


def _recent_entry(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log(NOW.isoformat(), "Fresh entry", "Decision: keep it")
    touch(repo.path / "app.py", time.time() + 5)
    return {"now": NOW + timedelta(minutes=10)}


def _old_entry_nothing_changed(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log(NOW.isoformat(), "Early entry")
    return {"now": NOW + timedelta(minutes=50)}


def _old_entry_files_changed(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log(NOW.isoformat(), "Early entry")
    for rel in ("src/api.py", "src/db.py", "docs/a.md", "b.py", "c.py", "d.py", "e.py"):
        touch(repo.path / rel, time.time() + 5)
    touch(repo.path / "node_modules/x.js", time.time() + 5)
    return {"now": NOW + timedelta(minutes=50)}


def _reminded_recently(repo: Repo) -> dict[str, Any]:
    info = _old_entry_files_changed(repo)
    repo.run(PYTHON, "-m", "sessionlog_git", "hook", "user-prompt-submit",
             input=json.dumps({"session_id": "s1"}),
             env={"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": info["now"].isoformat()})
    return {"now": info["now"] + timedelta(minutes=5)}


def _reminded_a_gap_ago_more_work(repo: Repo) -> dict[str, Any]:
    info = _reminded_recently(repo)
    touch(repo.path / "f.py", time.time() + 6)
    return {"now": info["now"] + timedelta(minutes=50)}


def _archived_today(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log((NOW - timedelta(minutes=5)).isoformat(), "Archived work", "Next: more")
    repo.write("app.py", "print('v2')\n")
    repo.git("commit", "-qam", "v2")
    assert repo.pending() == [] and repo.archive()
    return {"now": NOW}


def _archived_then_pending(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log((NOW - timedelta(minutes=80)).isoformat(), "Archived work")
    repo.write("app.py", "print('v2')\n")
    repo.git("commit", "-qam", "v2")
    repo.log((NOW - timedelta(minutes=60)).isoformat(), "Pending work")
    touch(repo.path / "billing.py", time.time() + 5)
    return {"now": NOW}


def _stop_reason_echo(repo: Repo) -> dict[str, Any]:
    start(repo)
    return {"now": NOW, "payload": {"prompt": "sessionlog: files changed since ..."}}


def _gemini(repo: Repo) -> dict[str, Any]:
    start(repo)
    return {"now": NOW, "agent": "gemini", "event": "before-agent"}


def _codex_nudge(repo: Repo) -> dict[str, Any]:
    return {**_old_entry_files_changed(repo), "agent": "codex"}


def _pinned_user(repo: Repo) -> dict[str, Any]:
    env = {"SESSIONLOG_USER": "Grace Hopper"}
    start(repo, env)
    # the hooks use the slug of an unsafe name (`sessionlog log` refuses it)
    repo.log((NOW - timedelta(hours=2)).isoformat(), "Grace's entry", user="grace-hopper")
    touch(repo.path / "app.py", time.time() + 5)
    return {"now": NOW, "env": env}


def _configured_zone_and_user(repo: Repo) -> dict[str, Any]:
    cfg = repo.path / ".sessionlog.yaml"
    text = cfg.read_text().replace('timezone: ""', 'timezone: "Asia/Tokyo"')
    cfg.write_text(text.replace('user: ""', "user: cfg-user").replace("gap_minutes: 45", "gap_minutes: 5"))
    repo.sl("consolidate", "--dry-run")  # refreshes the config's parse cache
    start(repo)
    repo.log(NOW.isoformat(), "Tokyo entry", user="cfg-user")
    touch(repo.path / "app.py", time.time() + 5)
    return {"now": NOW + timedelta(minutes=7)}


def _past_midnight(repo: Repo) -> dict[str, Any]:
    start(repo)
    late = NOW.replace(hour=23, minute=50) - timedelta(days=1)
    repo.log(late.isoformat(), "Late entry")
    return {"now": late + timedelta(minutes=20)}


def _other_project_folder(repo: Repo) -> dict[str, Any]:
    start(repo)
    repo.log((NOW - timedelta(hours=3)).isoformat(), "Main project")
    repo.log((NOW - timedelta(minutes=5)).isoformat(), "Side project", project="api")
    return {"now": NOW}


SCENARIOS: dict[str, Callable[[Repo], dict[str, Any]]] = {
    "no entry today": _no_entry_today,
    "no entry today, nothing changed": _no_entry_today_nothing_changed,
    "only trivial changes": _only_trivial_changes,
    "entry yesterday only": _entry_yesterday,
    "recent entry": _recent_entry,
    "old entry, nothing changed": _old_entry_nothing_changed,
    "old entry, files changed (nudge)": _old_entry_files_changed,
    "reminded recently": _reminded_recently,
    "reminded a gap ago, more work since (escalation)": _reminded_a_gap_ago_more_work,
    "entry archived today": _archived_today,
    "archived, then pending": _archived_then_pending,
    "our own stop reason as the prompt": _stop_reason_echo,
    "gemini before-agent": _gemini,
    "codex nudge": _codex_nudge,
    "SESSIONLOG_USER": _pinned_user,
    "configured zone, user and gap": _configured_zone_and_user,
    "past midnight": _past_midnight,
    "an entry in another project's folder": _other_project_folder,
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_lean_and_full_paths_print_the_same(native_repo: Repo, name: str) -> None:
    info = SCENARIOS[name](native_repo)
    result = compare(native_repo, now=info["now"], payload=info.get("payload"),
                     agent=info.get("agent", "claude"), env=info.get("env"),
                     event=info.get("event", "user-prompt-submit"))
    assert not result["lean"].startswith("DECLINED"), result["lean"]  # decided, not handed on
    assert result["lean"] == result["full"]
    assert result["lean_state"] == result["full_state"]


def test_the_scenarios_cover_every_outcome(native_repo: Repo) -> None:
    outcomes = {}
    for name in ("no entry today", "recent entry", "old entry, files changed (nudge)",
                 "no entry today, nothing changed", "reminded recently",
                 "reminded a gap ago, more work since (escalation)"):
        repo = make_repo(native_repo.path.parent / name.replace(" ", "-").replace(",", ""))
        repo.sl("init", "--hooks", "none")
        info = SCENARIOS[name](repo)
        outcomes[name] = compare(repo, now=info["now"])["full"]
    assert "1 file changed with no log entry (last: none yet): app.py" in outcomes["no entry today"]
    assert outcomes["recent entry"] == ""
    assert outcomes["no entry today, nothing changed"] == ""
    assert outcomes["reminded recently"] == ""
    assert "still no log entry for about 55 min" in outcomes[
        "reminded a gap ago, more work since (escalation)"]
    text = outcomes["old entry, files changed (nudge)"]
    assert "6 files changed with no log entry" in text and "(+1 more)" in text
    assert "node_modules" not in text and "docs/a.md" not in text


def test_uncommon_cases_are_handed_to_the_full_path(native_repo: Repo) -> None:
    repo = native_repo
    # No session state yet: the full path records when the session started.
    result = compare(repo, now=NOW)
    assert result["lean"] == "DECLINED: no session state yet"
    assert result["full"] == "" and result["full_state"] == {"s1.json": ["started_at", "started_ts"]}
    # A hand-written heading without its at= line: the full parser places it.
    start(repo)
    repo.write(f".git/sessionlog/pending/shop/ada/{TODAY}.md",
               f"# sessionlog: shop / ada / {TODAY}\n\n## {NOW:%H:%M} - By hand\n- Tried: x\n")
    result = compare(repo, now=NOW)
    assert result["lean"].startswith("DECLINED") and result["full"] == ""
    # A stale config cache: the full path has the config checked once (its parser, in a child
    # process), which refreshes the cache, so the lean path decides from then on.
    repo.log(NOW.isoformat(), "Proper entry")
    (repo.path / f".git/sessionlog/pending/shop/ada/{TODAY}.md").unlink()
    repo.log(NOW.isoformat(), "Proper entry")
    repo.append(".sessionlog.yaml", "\n# edited\n")
    result = compare(repo, now=NOW)
    assert result["full"] == "" and result["lean"] == ""
    assert json.loads((repo.path / ".git/sessionlog/config-check.json").read_text())["error"] == ""


def test_the_entry_point_hands_over_stdin_and_the_event(native_repo: Repo) -> None:
    """`python -m sessionlog_git hook ...` for the other events still reaches the handlers."""
    repo = native_repo
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": NOW.isoformat()}
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start",
                    input=json.dumps({"session_id": "s9", "source": "startup"}), env=env)
    assert "Today's temp log:" in json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    touch(repo.path / "app.py", time.time() + 5)  # work, no entry: the first reminder
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "user-prompt-submit", "--agent=gemini",
                    input=json.dumps({"session_id": "s9", "prompt": "hi"}), env=env)
    assert json.loads(proc.stdout)["hookSpecificOutput"]["hookEventName"] == "BeforeAgent"
    proc = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "user-prompt-submit", "--agent", "nope",
                    input="{}", env=env)
    assert proc.stdout == ""
    assert "unknown --agent 'nope'" in repo.read(".git/sessionlog/hook-errors.log")


# --------------------------------------------------------------------------- what it imports

NOT_ON_THE_PROMPT_PATH = (
    "dataclasses", "inspect", "tempfile", "shutil", "random", "traceback", "typing", "subprocess",
    "zoneinfo", "hashlib", "argparse", "sessionlog_git.agents.handlers", "sessionlog_git.logs.continuity",
    "sessionlog_git.logs.entries", "sessionlog_git.config",
    "sessionlog_git.logs.views", "sessionlog_git.logs.archive", "sessionlog_git.main",
)


def _imported(repo: Repo, now: datetime, agent: str = "claude") -> tuple[set[str], str]:
    proc = repo.run(PYTHON, "-X", "importtime", "-m", "sessionlog_git", "hook", "user-prompt-submit",
                    "--agent", agent, input=json.dumps({"session_id": "s1", "prompt": "hi"}),
                    env={"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": now.isoformat()})
    names = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    return names, proc.stdout


def test_the_common_prompt_paths_import_only_what_they_need(native_repo: Repo) -> None:
    repo = native_repo
    start(repo)
    # Reminder: work and nothing logged today.
    touch(repo.path / "app.py", time.time() + 5)
    names, out = _imported(repo, NOW)
    assert "changed with no log entry (last: none yet)" in out
    assert not names & set(NOT_ON_THE_PROMPT_PATH), sorted(names & set(NOT_ON_THE_PROMPT_PATH))
    assert "sessionlog_git.agents.prompt" in names
    # An entry today and nothing to say: the common prompt.
    repo.log(NOW.isoformat(), "Entry")
    names, out = _imported(repo, NOW + timedelta(minutes=5))
    assert out == ""
    assert not names & set(NOT_ON_THE_PROMPT_PATH), sorted(names & set(NOT_ON_THE_PROMPT_PATH))
    # The nudge: the gap is over and files changed (it also writes the session state).
    touch(repo.path / "src/api.py", time.time() + 5)
    names, out = _imported(repo, NOW + timedelta(minutes=50), agent="codex")
    assert f"no log entry (last: {NOW:%Y-%m-%d %H:%M})" in out
    assert not names & set(NOT_ON_THE_PROMPT_PATH), sorted(names & set(NOT_ON_THE_PROMPT_PATH))
    assert not (repo.path / ".git" / "sessionlog" / "hook-errors.log").exists()


# What the lean path reaches in the common states once the user cache is written, run by the
# command `init --agent claude` wrote, through `sh -c` as Claude Code runs it: no runpy (-m),
# no json or re (base.leanjson), no pathlib or git config reader (agents.usercache).
NOT_ON_THE_HOT_PATH = ("runpy", "json", "re", "pathlib", "fnmatch", "enum", "datetime", "math",
                       "sessionlog_git.base.identity", "sessionlog_git.base.gitconfig")


def test_the_settings_command_imports_no_runpy_json_re_or_pathlib(native_repo: Repo) -> None:
    repo = native_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    settings = json.loads(repo.read(".claude/settings.json"))
    (command,) = [h["command"] for g in settings["hooks"]["UserPromptSubmit"] for h in g["hooks"]]
    start(repo)
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), "PYTHONPROFILEIMPORTTIME": "1"}

    def names_of(stderr: str) -> set[str]:
        return {line.split("|")[-1].strip() for line in stderr.splitlines() if "|" in line}

    # Without site (-S, the package from the checkout): an editable install's import finder
    # loads re, enum and pathlib into every start, the bare interpreter's too, and would hide
    # them here. The committed command finds this clone's launcher, which runs the hook entry
    # with `-c` (FAST_CODE); that last step is run here directly, with -S.
    from sessionlog_git.agents.entry import FAST_CODE
    from sessionlog_git.base.clone import recorded_python

    assert "sessionlog hook user-prompt-submit" in command
    python = recorded_python(repo.path) or PYTHON
    lean = f"{python} -S -c '{FAST_CODE}' sessionlog_git hook user-prompt-submit"
    assert names_of(repo.run(PYTHON, "-S", "-X", "importtime", "-c", "pass").stderr).isdisjoint(
        NOT_ON_THE_HOT_PATH)  # the interpreter itself imports none of them
    env["PYTHONPATH"] = str(ROOT)

    def run(now: datetime) -> tuple[set[str], str]:
        proc = repo.run("sh", "-c", lean, input=json.dumps({"session_id": "s1", "prompt": "hi"}),
                        env={**env, "SESSIONLOG_NOW": now.isoformat()})
        return names_of(proc.stderr), proc.stdout

    touch(repo.path / "app.py", time.time() + 5)  # work, so the prompt has something to say
    # The session start (its lean path) resolved the user from git config and kept it.
    assert (repo.state() / "user-cache").is_file()
    names, out = run(NOW)
    assert "changed with no log entry" in out
    assert "warnings" not in names  # the reminder's log command reads PATH without os.get_exec_path
    names, out = run(NOW)  # the common prompt: reminded once already, nothing new to say
    assert out == ""
    assert not names & set(NOT_ON_THE_HOT_PATH), sorted(names & set(NOT_ON_THE_HOT_PATH))
    repo.log(NOW.isoformat(), "Entry")
    names, out = run(NOW + timedelta(minutes=5))
    assert out == ""
    assert not names & set(NOT_ON_THE_HOT_PATH), sorted(names & set(NOT_ON_THE_HOT_PATH))
    assert not (repo.path / ".git" / "sessionlog" / "hook-errors.log").exists()


def test_a_configured_zone_imports_zoneinfo_and_still_nothing_heavy(native_repo: Repo) -> None:
    repo = native_repo
    cfg = repo.path / ".sessionlog.yaml"
    cfg.write_text(cfg.read_text().replace('timezone: ""', 'timezone: "America/New_York"'))
    repo.sl("consolidate", "--dry-run")
    start(repo)
    touch(repo.path / "app.py", time.time() + 5)
    names, out = _imported(repo, NOW)
    assert "changed with no log entry" in out  # decided on the configured zone's clock
    assert "zoneinfo" in names
    heavy = set(NOT_ON_THE_PROMPT_PATH) - {"zoneinfo"}
    assert not names & heavy, sorted(names & heavy)


# --------------------------------------------------------------------------- the pieces


def test_every_assistant_in_the_registry_is_decided_by_the_lean_path() -> None:
    """The lean path reads the one registry: each row's per-prompt event, by our name or the
    CLI's own (kebab case), reaches the per-prompt decision."""
    for name, assistant in registry.ASSISTANTS.items():
        assert registry.get(name) is assistant and registry.get(name.upper() + " ") is assistant
        native = assistant.native(registry.PROMPT_EVENT)
        kebab = "".join(f"-{c.lower()}" if c.isupper() else c for c in native).lstrip("-")
        assert registry.our_event(kebab) == registry.PROMPT_EVENT
    assert registry.get("") is registry.ASSISTANTS["claude"]
    assert prompt_hook.BOM == entries.BOM  # the constants the lean reader keeps
    assert prompt_hook.STOP_PREFIX == texts.STOP_PREFIX


AT = "2026-03-04T10:15:30+01:00"
TEXTS = [
    f"# t\n<!-- sessionlog date=2026-03-04 -->\n\n## 10:15 - A\n<!-- sessionlog at={AT} -->\n- x\n",
    f"\ufeff## 10:15 - A\r\n<!-- sessionlog at={AT} agent=codex -->\r\n\r\n## 11:00 B\r\n"
    "<!--sessionlog at=2026-03-04T11:00:00+01:00-->\n",
    f"## 23:50 - Late\n  <!-- sessionlog at={AT} -->  \n### a sub heading\n- Next: y\n"
    "## 00:10 - Early\n<!-- sessionlog at=2026-03-05T00:10:00+01:00 -->\n",
    f"## 10:15 - A\n<!-- sessionlog at={AT} -->\n- Decision: x\n  ## not a heading\n",
    f"## 10:15 - A\n<!-- sessionlog at=2026-03-04T09:00:00Z auto=session-end -->\n## B\n"
    f"<!-- sessionlog at={AT} -->",
    # not decided by the lean path (the full parser places these)
    "## 10:15 - By hand\n- Tried: x\n",
    f"## 10:15 - A\n\n<!-- sessionlog at={AT} -->\n",  # the parser's at=; declining is safe
    "## 10:15 - A\n<!-- sessionlog at=2026-03-04T10:15:30 -->\n",
    f"## 10:15 - A\n<!-- sessionlog at={AT} at={AT} -->\n",
    f"## 10:15 - A\n<!-- sessionlog at={AT} stray -->\n",
    f"## 10:15 - A\n<!-- sessionlogx at={AT} -->\n",
    "## 10:15 - A\n<!-- sessionlog at=yesterday -->\n",
    "## 10:15 - A",
]


@pytest.mark.parametrize("text", TEXTS)
def test_entry_times_agree_with_the_parser(text: str) -> None:
    parsed = entries.parse(text, day=date(2026, 3, 4), offset=timezone(timedelta(hours=1)))
    try:
        times = prompt_hook.entry_times(text)
    except prompt_hook.Decline:
        return  # the full path decides these (the next test counts how many)
    assert times == [e.at for e in parsed.entries]


def test_the_decided_texts_are_most_of_the_samples() -> None:
    decided = 0
    for text in TEXTS:
        try:
            prompt_hook.entry_times(text)
            decided += 1
        except prompt_hook.Decline:
            pass
    assert decided == 5


def test_session_key_is_the_full_paths() -> None:
    for raw in ("abc-123", "../../etc", "a b/c", "ü" * 150, "", None, 5, "...x", "x\n"):
        data = {"session_id": raw}
        before = re.sub(r"[^A-Za-z0-9._-]", "_", str(raw or "unknown"))[:100].lstrip(".")
        assert session.session_key(data) == (before or "unknown")
    assert session.session_key({"session_id": "../x y"}) == "_x_y"


def test_moment_stays_an_immutable_value() -> None:
    at = datetime(2026, 3, 4, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    moment = clock.Moment(at, "Europe/Berlin")
    assert moment == clock.Moment(at, "Europe/Berlin") != clock.Moment(at, "+01:00")
    assert hash(moment) == hash(clock.Moment(at, "Europe/Berlin"))
    assert moment.offset == "+01:00" and "Europe/Berlin" in repr(moment)
    with pytest.raises(AttributeError):
        moment.zone = "UTC"
    assert copy.deepcopy(moment) == moment == pickle.loads(pickle.dumps(moment))


# --------------------------------------------------------------------------- session start


def test_session_start_reads_the_archive_through_the_parse_cache(
    native_repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessionlog_git.config import load
    from sessionlog_git.logs import archive, continuity

    repo = native_repo
    for days, title in ((40, "Older month"), (3, "Recent"), (1, "Yesterday")):
        repo.log((NOW - timedelta(days=days)).isoformat(), title, "Blocked on: thing " + title,
                 "Next: go on")
        repo.log((NOW - timedelta(days=days)).isoformat(), title + " by grace", user="grace")
        repo.write("app.py", f"print({days})\n")
        repo.git("commit", "-qam", f"work {days}")
    repo.log(NOW.isoformat(), "Pending", "Unblocked: thing Recent")
    cfg = load(repo.path, "shop")

    def old_way() -> list[Any]:
        files = continuity.pending_files(cfg)
        for month in continuity.archive_months(cfg)[: continuity.HISTORY_MONTHS]:
            files += continuity.archive_files(cfg, month)
        return model.ordered(continuity.records(cfg, files))

    def shape(records: list[Any]) -> list[Any]:
        return [(r.at, r.project, r.user, r.source, r.entry) for r in records]

    cache = repo.path / ".git" / "sessionlog" / "cache" / "archive" / "shop"
    expected = shape(old_way())
    assert len(expected) == 7
    assert shape(continuity.recent_records(cfg)) == expected
    assert sorted(cache.glob("*.records.json"))  # written by the commits or by that read
    with monkeypatch.context() as patch:  # now all from the cache: nothing is parsed
        patch.setattr(archive, "_parse_file", lambda *a: pytest.fail(f"parsed {a[0]}"))
        assert shape(continuity.recent_records(cfg)) == expected
    # Without the cache: the same answer (parsed again, and cached again).
    for path in cache.glob("*.json"):
        path.unlink()
    assert shape(continuity.recent_records(cfg)) == expected
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": NOW.isoformat()}
    with_cache = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start", input="{}", env=env)
    for path in cache.glob("*.json"):
        path.unlink()
    without = repo.run(PYTHON, "-m", "sessionlog_git", "hook", "session-start", input="{}", env=env)
    assert with_cache.stdout == without.stdout and "Yesterday" in with_cache.stdout


def test_the_clones_launcher_runs_hooks_through_the_fast_entry() -> None:
    """The launcher (base.clone) spells the hook entry's code itself: base may not import agents."""
    from sessionlog_git.agents.entry import FAST_CODE
    from sessionlog_git.base.clone import FAST_HOOK_CODE, runner_text

    assert FAST_HOOK_CODE == FAST_CODE
    assert f"-c '{FAST_CODE}' sessionlog_git" in runner_text("/usr/bin/python3")


def _committed(repo: Repo, native: str) -> str:
    settings = json.loads(repo.read(".claude/settings.json"))
    (command,) = [h["command"] for g in settings["hooks"][native] for h in g["hooks"]]
    return command


def test_the_launcher_starts_hooks_without_site_and_loads_it_when_a_handler_needs_it(
        native_repo: Repo) -> None:
    """`init` records where the package is; the committed command sources the launcher (no
    second sh), which starts `hook` with -S and that folder on sys.path. The lean prompt
    decision and the tool events never load site; the handlers (session start, a prompt the
    lean path hands over) load it first, as the interpreter would have."""
    from sessionlog_git.base.clone import package_root

    repo = native_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    launcher = (repo.path / ".git" / "sessionlog" / "run").read_text()
    assert f"root='{package_root()}'" in launcher and ' -S -c ' in launcher
    prompt_cmd = _committed(repo, "UserPromptSubmit")
    assert '. "$r"' in prompt_cmd and "exec sh" not in prompt_cmd
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), "PYTHONPROFILEIMPORTTIME": "1"}

    def run(command: str, payload: dict[str, Any], now: datetime) -> tuple[set[str], str]:
        proc = repo.run("sh", "-c", command, input=json.dumps(payload),
                        env={**env, "SESSIONLOG_NOW": now.isoformat()})
        return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}, \
            proc.stdout

    started = {"session_id": "s1", "hook_event_name": "SessionStart", "source": "startup"}
    names, _ = run(_committed(repo, "SessionStart"), started, NOW)  # the handlers: site first
    assert "site" in names and "sessionlog_git.agents.handlers" in names
    touch(repo.path / "app.py", time.time() + 5)
    names, out = run(prompt_cmd, {"session_id": "s1", "prompt": "hi"}, NOW)
    assert "changed with no log entry" in out  # decided by the lean path, reminded
    assert "site" not in names and "sessionlog_git.agents.handlers" not in names
    repo.write("payments.py", "X = 1\n")
    read = {"session_id": "s1", "cwd": str(repo.path), "hook_event_name": "PostToolUse",
            "tool_name": "Read", "tool_input": {"file_path": str(repo.path / "payments.py")}}
    names, out = run(_committed(repo, "PostToolUse"), read, NOW)
    assert out == "" and "site" not in names and "sessionlog_git.agents.edit_context" in names
    # A prompt the lean path cannot decide (no session state yet) goes to the handlers, with site.
    names, out = run(prompt_cmd, {"session_id": "s2", "prompt": "hi"}, NOW)
    assert "site" in names and "sessionlog_git.agents.handlers" in names
    assert not (repo.state() / "hook-errors.log").exists()


def test_a_launcher_whose_package_folder_is_gone_starts_hooks_with_site(native_repo: Repo) -> None:
    repo = native_repo
    repo.sl("init", "--hooks", "none", "--agent", "claude")
    path = repo.path / ".git" / "sessionlog" / "run"
    text = path.read_text()
    root = next(line for line in text.splitlines() if line.startswith("root="))
    path.write_text(text.replace(root, f"root='{repo.path / 'moved-away'}'"))
    start(repo)
    touch(repo.path / "app.py", time.time() + 5)
    proc = repo.run("sh", "-c", _committed(repo, "UserPromptSubmit"),
                    input=json.dumps({"session_id": "s1", "prompt": "hi"}),
                    env={"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": NOW.isoformat(),
                         "PYTHONPROFILEIMPORTTIME": "1"})
    assert "changed with no log entry" in proc.stdout
    assert any(line.endswith("| site") for line in proc.stderr.splitlines())
    # An interpreter other than init's own: its package folder is unknown, so hooks start with site.
    from sessionlog_git.base.clone import runner_text

    assert " -S " not in runner_text("/usr/bin/python3") and "root=" not in runner_text("/opt/py")


@pytest.mark.parametrize("path", [None, "", "{bin}", "/nowhere:{bin}", "/nowhere", "::/nowhere:"])
def test_the_log_command_finds_sessionlog_where_get_exec_path_looks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str | None) -> None:
    """The reminder's log command reads PATH itself (os.get_exec_path imports `warnings` on
    every prompt that speaks): the same folders, an empty entry the current one, no PATH the
    default."""
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "sessionlog").write_text("#!/bin/sh\n")
    (tools / "sessionlog").chmod(0o755)
    monkeypatch.chdir(tools)  # an empty PATH entry: the current folder
    if path is None:
        monkeypatch.delenv("PATH", raising=False)
    else:
        monkeypatch.setenv("PATH", path.format(bin=tools))
    on_path = any(os.path.isfile(os.path.join(f, "sessionlog")) and os.access(
        os.path.join(f, "sessionlog"), os.X_OK) for f in os.get_exec_path())
    assert (texts.sessionlog_command() == "sessionlog") == on_path
    if path is not None:  # (the default folders may hold an installed one)
        assert on_path == (path != "/nowhere")


def test_a_session_state_left_empty_or_torn_counts_as_none(native_repo: Repo) -> None:
    """The session state is replaced atomically but not synced (session.save_state): a power
    cut may leave it empty or cut short. Read as no state: the prompt is handed to the
    handlers, which record the session again as at its first prompt, and the next prompt
    reminds as usual."""
    repo = native_repo
    state = repo.state() / "sessions" / "s1.json"
    env = {"CLAUDE_PROJECT_DIR": str(repo.path), "SESSIONLOG_NOW": NOW.isoformat()}

    def prompt() -> str:
        return repo.sl("hook", "user-prompt-submit", input=json.dumps({"session_id": "s1",
                                                                       "prompt": "hi"}),
                       env=env).stdout

    for damaged in ("", '{"started_ts": 17'):
        touch(repo.path / "app.py", time.time() - 3600)  # no work yet
        start(repo)
        state.write_text(damaged)
        assert prompt() == ""  # as a first prompt: the session is recorded
        assert sorted(json.loads(state.read_text())) == ["started_at", "started_ts"]
        touch(repo.path / "app.py", time.time() + 5)
        assert "changed with no log entry" in prompt()
    assert not (repo.state() / "hook-errors.log").exists()
