"""A backlog's redaction runs in a forked child while the parent parses the temp logs: every
result is the serial path's, and whatever happens to the child, the parent's outcome is the
one the serial path would have had (its error, its exit code), with no child left behind."""
from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import Repo
from secret_corpus import SECRETS

from sessionlog_git.base import forked
from sessionlog_git.errors import ConfigError, SessionlogError
from sessionlog_git.logs import batchread, layout
from sessionlog_git.logs.entries import TempLog, entry_from_parts, file_header, format_entry

USERS = ("ada", "grace", "linus")
DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(20)]  # 60 temp logs


def _temp_log(user: str, day: date, extra: str = "", entries: int = 6) -> str:
    lines = [*file_header("shop", user, day, "UTC", "+00:00"), ""]
    for i in range(entries):
        at = datetime(day.year, day.month, day.day, 8 + i, 15, tzinfo=timezone.utc)
        bullets = [f"Worked on the {user} queue, step {i}, with the retry budget " + "x" * 200,
                   "Decision: retry with backoff over a fixed delay, because the vendor limits us"]
        if extra and i == 2:
            bullets.append(extra)
        entry = entry_from_parts(f"{at:%H:%M}", f"Queue work {i}", bullets, {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    return "\n".join(lines)


def _backlog() -> tuple[list[str], list[date]]:
    texts, days = [], []
    for u, user in enumerate(USERS):
        for k, day in enumerate(DAYS):
            secret = SECRETS[(u * 7 + k) % len(SECRETS)][1].removeprefix("- ") if k % 5 == 2 else ""
            texts.append(_temp_log(user, day, secret))
            days.append(day)
    texts.append("text a person wrote, no heading\n## 9:05 Late entry\n- Blocked on: the api key\n")
    days.append(DAYS[0])
    return texts, days


def _everything(log: TempLog) -> object:
    """A parse with every field, those equality leaves out (lines, local dates, times) too."""
    return (log.header, log.meta, log.preamble, log.problems,
            [(e.time, e.title, e.heading, e.line, e.meta, e.day, e.at, e.at and e.at.tzinfo,
              [(b.kind, b.text, b.line) for b in e.bullets]) for e in log.entries])


def _outcome(done: list[tuple[object, TempLog]]) -> list[object]:
    return [(None if f is None else (f.text, [(x.line, x.kind, x.digest) for x in f.findings]),
             _everything(log)) for f, log in done]


def test_a_backlog_redacted_in_a_child_gives_exactly_the_serial_results(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts, days = _backlog()
    started: list[forked.Aside[object]] = []
    real = forked.aside

    def watched(*args: object, **kw: object) -> forked.Aside[object]:
        started.append(real(*args, **kw))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(forked, "aside", watched)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # a quiet machine
    alone = batchread.redact_parse(texts, days, "UTC", frozenset(), fork=False)
    assert [a.forked for a in started] == [False]
    both = batchread.redact_parse(texts, days, "UTC", frozenset(), fork=True)
    assert [a.forked for a in started] == [False, True]
    assert _outcome(both) == _outcome(alone)
    assert sum(f is not None and f.count > 0 for f, _ in both) >= 10  # secrets were found
    # A batch this size forks by itself; a commit's one new day does not.
    assert sum(map(len, texts)) >= forked.FORK_FROM
    batchread.redact_parse(texts, days, "UTC", frozenset())
    batchread.redact_parse(texts[:1], days[:1], "UTC", frozenset())
    assert [a.forked for a in started[2:]] == [forked.usable(), False]
    # Redaction off: nothing forked, nothing redacted, the same parse.
    off = batchread.redact_parse(texts, days, "UTC", None)
    assert all(f is None for f, _ in off)
    assert [_everything(log) for (_, log), (f, _) in zip(off, alone, strict=True)
                                       if not f.count] == \
        [_everything(log) for f, log in alone if not f.count]


def _no_child_left() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_child_that_fails_or_is_killed_leaves_its_work_to_the_parent() -> None:
    parent = os.getpid()

    def dies() -> list[int]:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return [1, 2, 3]

    def raises_in_child() -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return [4, 5]

    for work, want in ((dies, [1, 2, 3]), (raises_in_child, [4, 5])):
        with forked.aside(work, list, list, fork=True) as other:
            assert other.forked
            assert other.result() == want
        _no_child_left()

    def answers_wrongly() -> list[int]:
        return [7] if os.getpid() != parent else [6, 7]

    def decode(value: object) -> list[int]:
        assert isinstance(value, list)
        if len(value) != 2:
            raise ValueError("the answer does not match its batch")
        return value

    with forked.aside(answers_wrongly, list, decode, fork=True) as other:
        assert other.forked
        assert other.result() == [6, 7]
    _no_child_left()


def test_an_error_the_work_raises_is_the_parents_with_its_exit_code() -> None:
    def refuses() -> list[int]:
        raise ConfigError(".sessionlog.yaml:3: cannot be read. Fix: nothing")

    with forked.aside(refuses, list, list, fork=True) as other, \
            pytest.raises(SessionlogError) as caught:
        other.result()
    assert type(caught.value) is ConfigError and caught.value.exit_code == ConfigError.exit_code
    assert "cannot be read" in str(caught.value)
    _no_child_left()


def test_a_parent_that_fails_kills_and_reaps_its_child() -> None:
    def sleeps() -> list[int]:
        time.sleep(60)
        return []

    began = time.monotonic()
    with pytest.raises(KeyError), forked.aside(sleeps, list, list, fork=True) as other:
        pid = other._pid
        raise KeyError("the parent's own work failed")
    assert time.monotonic() - began < 10
    _no_child_left()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_no_fork_where_another_thread_runs_or_serial_is_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forked.usable()
        with forked.aside(lambda: [7], list, list) as other:
            assert not other.forked and other.result() == [7]
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    quiet = forked.usable()  # where two cores are usable
    monkeypatch.setattr(os, "getloadavg", lambda: (7.5, 6.0, 4.0))
    assert not forked.usable(), "no idle core: the child would only add its costs"
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert forked.usable() == quiet
    monkeypatch.setattr(os, "getloadavg", lambda: (7.5, 6.0, 4.0))
    monkeypatch.setenv(forked.SERIAL_VARIABLE, "0")
    assert forked.usable() == quiet, "0: forked whatever the load"
    monkeypatch.setenv(forked.SERIAL_VARIABLE, "1")
    assert not forked.usable()


def _fill(repo: Repo) -> None:
    pending = repo.state() / "pending"
    texts, _ = _backlog()
    k = 0
    for user in USERS:
        for day in DAYS:
            path = layout.pending_file(pending, "shop", user, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(texts[k], encoding="utf-8")
            k += 1


def test_a_backlog_consolidated_with_the_second_core_is_the_serial_one(
        tmp_path: object, native_repo: Repo) -> None:
    import shutil
    from pathlib import Path

    twin_path = Path(str(tmp_path)) / "twin"
    shutil.copytree(native_repo.path, twin_path, symlinks=True)
    twin = Repo(twin_path)
    for repo in (native_repo, twin):
        _fill(repo)
    forked_run = native_repo.sl("consolidate", env={forked.SERIAL_VARIABLE: "0"})  # any load
    serial_run = twin.sl("consolidate", env={forked.SERIAL_VARIABLE: "1"})
    assert forked_run.returncode == serial_run.returncode == 0
    assert forked_run.stdout.replace(str(native_repo.path), "") == \
        serial_run.stdout.replace(str(twin.path), "")
    assert "redacted 1 secret" in forked_run.stdout and "temp logs" in forked_run.stdout
    assert native_repo.porcelain() == twin.porcelain()
    assert native_repo.git("write-tree").stdout == twin.git("write-tree").stdout
    assert native_repo.pending() == [] and twin.pending() == []


def test_a_bullets_kind_is_the_tables_first_match() -> None:
    """`classify` looks a prefix up by the text before its first colon: the same kind as
    testing the table's rows in order, for every prefix, case and near miss."""
    from sessionlog_git.logs.entries import classify
    from sessionlog_git.logs.kinds import KIND_PREFIXES

    def by_the_table(text: str) -> str:
        low = text.lower()
        return next((kind for kind, prefixes in KIND_PREFIXES if low.startswith(prefixes)), "note")

    prefixes = [p for _, ps in KIND_PREFIXES for p in ps]
    texts = ["", "plain prose", ":", "chose", "chose x: y", "Chose: SQS", "chose  two spaces",
             "blocked on the api: waiting", "decisions: many", "next steps: a: b", "NEXT: x"]
    for p in prefixes:
        for form in (p, p.upper(), p.capitalize()):
            texts += [form, form + " x", form + "x: y", form[:-1], form[:-1] + " :", "x" + form]
    for text in texts:
        assert classify(text) == by_the_table(text), text


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the child's state in /proc")
def test_a_killed_parent_leaves_no_child_behind(tmp_path: object) -> None:
    """The parent killed while its child works: the child finds no reader for its answer and
    ends; it wrote nothing anywhere."""
    import subprocess
    import sys

    script = (
        "import os, sys, time\n"
        "from sessionlog_git.base import forked\n"
        "def slow():\n"
        "    time.sleep(1.5)\n"
        "    return ['x' * 100000]\n"
        "with forked.aside(slow, list, list, fork=True) as other:\n"
        "    print(other._pid, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == -9
    child = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{child}/stat") as stat:  # gone, or a zombie init reaps
                if stat.read().split(") ")[-1].startswith("Z"):
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"child {child} still runs after its parent was killed")


def test_work_that_writes_is_done_again_here_when_its_child_stops_midway(tmp_path: object) -> None:
    """`beside`: the child writes; killed between two of its writes, the parent does the
    whole work again, and its files are what one whole run writes."""
    from pathlib import Path

    folder = Path(str(tmp_path))
    parent = os.getpid()
    runs: list[int] = []

    def write() -> None:
        runs.append(os.getpid())
        (folder / "one").write_text("1")
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        (folder / "two").write_text("2")

    with forked.beside(write, fork=True) as other:
        assert other.forked
        assert other.result() is None
    _no_child_left()
    assert runs == [parent]  # the child's run is not this process's
    assert (folder / "one").read_text() == "1" and (folder / "two").read_text() == "2"
    (folder / "two").unlink()

    def finishes() -> None:
        (folder / "two").write_text("2, by the child" if os.getpid() != parent else "2, here")

    with forked.beside(finishes, fork=True) as other:
        other.result()
    _no_child_left()
    assert (folder / "two").read_text() == "2, by the child"
    with forked.beside(finishes, fork=False) as other:
        assert not other.forked
        other.result()
    assert (folder / "two").read_text() == "2, here"

