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
        at = datetime(day.year, day.month, day.day, 8, 15, tzinfo=timezone.utc) + \
            timedelta(minutes=(60 if entries <= 15 else 40) * i)  # (all within the day)
        bullets = [f"Worked on the {user} queue, step {i}, with the retry budget " + "x" * 200,
                   "Decision: retry with backoff over a fixed delay, because the vendor limits us"]
        if extra and i == 2:
            bullets.append(extra)
        entry = entry_from_parts(f"{at:%H:%M}", f"Queue work {i}", bullets, {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    return "\n".join(lines)


def _backlog(entries: int = 6) -> tuple[list[str], list[date]]:
    texts, days = [], []
    for u, user in enumerate(USERS):
        for k, day in enumerate(DAYS):
            secret = SECRETS[(u * 7 + k) % len(SECRETS)][1].removeprefix("- ") if k % 5 == 2 else ""
            texts.append(_temp_log(user, day, secret, entries))
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


def _watched(monkeypatch: pytest.MonkeyPatch) -> list[forked.Aside[object]]:
    started: list[forked.Aside[object]] = []
    real = forked.aside

    def watched(*args: object, **kw: object) -> forked.Aside[object]:
        started.append(real(*args, **kw))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(forked, "aside", watched)
    return started


def test_a_backlog_redacted_in_a_child_gives_exactly_the_serial_results(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts, days = _backlog()
    started = _watched(monkeypatch)
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


def _fill(repo: Repo, entries: int = 6) -> None:
    pending = repo.state() / "pending"
    texts, _ = _backlog(entries)
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


def test_a_first_answer_comes_from_the_child_before_its_work_or_is_computed_here(
        tmp_path: object) -> None:
    """`first`: the child computes it before its work and sends it at once, so the parent
    has it while the child still works; a child that dies or fails before sending it leaves
    it to the parent (a failure of `first` alone, its work goes on in the child); an answer
    never asked for, larger than the pipe holds, blocks neither side."""
    from pathlib import Path

    parent = os.getpid()
    flag = Path(str(tmp_path)) / "the parent has the first answer"

    def where() -> str:
        return "child" if os.getpid() != parent else "here"

    def waits_for_the_parent() -> list[str]:
        deadline = time.monotonic() + 10
        while not flag.exists():
            if time.monotonic() > deadline:
                return ["the parent had nothing before the work ended"]
            time.sleep(0.01)
        return [where()]

    with forked.aside(waits_for_the_parent, list, list, fork=True, first=where) as other:
        assert other.forked
        assert other.first() == "child"
        flag.touch()
        assert other.result() == ["child"]
    _no_child_left()

    def dies_first() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return "here"

    def fails_first() -> str:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "here"

    for first, work_by in ((dies_first, "here"), (fails_first, "child")):
        with forked.aside(lambda: [where()], list, list, fork=True, first=first) as other:
            assert other.first() == "here"
            assert other.result() == [work_by]
        _no_child_left()

    def large() -> str:
        return "x" * (4 << 20) if os.getpid() != parent else "here"

    began = time.monotonic()
    with forked.aside(lambda: [where()], list, list, fork=True, first=large) as other:
        assert other.result() == ["child"]  # the first answer never asked for
        assert other.first() == "here"  # asked after the child is done: computed here
    assert time.monotonic() - began < 10
    _no_child_left()
    with forked.aside(lambda: [where()], list, list, fork=False, first=where) as other:
        assert not other.forked and other.first() == "here" and other.result() == ["here"]
    with forked.aside(lambda: [where()], list, list, fork=True) as other, \
            pytest.raises(ValueError):
        other.first()
    _no_child_left()


def test_identities_hashed_ahead_are_identity_lists_whatever_the_answer() -> None:
    """`status_tail.hashed_ahead` gives what `identity_list` gives: the answer asked once,
    for the records it was made for; an answer that is not theirs is hashed here."""
    from sessionlog_git.logs import archive, status_tail

    records = [r for k, text in enumerate(_backlog()[0][:6]) for r in archive.records_from(
        text.encode(), project="shop", user=USERS[k // len(DAYS)], day=DAYS[k % len(DAYS)],
        source=f"2026-11/shop/u/{k}.md", zone_name="UTC")]
    others = records[20:]
    ahead = records[:20]
    want = status_tail.identity_list(records)
    asked: list[object] = []
    packed = status_tail.packed_identities(ahead)
    assert len(packed) == 8 * len(ahead)
    for answer in (packed, packed[:-8], "not bytes", None):
        asked.clear()

        def give(answer: object = answer) -> object:
            asked.append(answer)
            return answer

        hashed = status_tail.hashed_ahead(ahead, give)
        assert hashed([]) == [] and asked == []  # nothing wanted: nothing asked
        assert hashed(records[::-1]) == want[::-1]
        assert hashed(others) == want[20:] and hashed(ahead[3:5]) == want[3:5]
        assert asked == [answer]
    wrong = bytes(len(packed))  # theirs in size, not in value: taken as it is
    assert status_tail.hashed_ahead(ahead, lambda: wrong)(ahead[:1]) == ["0" * 16]


def test_a_backlogs_status_identities_are_hashed_by_the_index_child(
        tmp_path: object, native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the second core, this process hashes none of a backlog's status identities: the
    index's child hashed them first; the status checkpoint it writes with them is the
    serial run's, byte for byte (as is every other file)."""
    from sessionlog_git import workspace
    from sessionlog_git.logs import status_tail
    from sessionlog_git.pipeline import consolidate

    twin = _twins_with_a_backlog(tmp_path, native_repo, monkeypatch)
    monkeypatch.setattr(consolidate, "HASH_ASIDE_FROM", 1)  # this backlog's few hundred too
    parent = os.getpid()
    hashed_here: list[int] = []
    real = status_tail.identity_list

    def counted(records: object) -> list[str]:
        if os.getpid() == parent:
            hashed_here.append(len(records))  # type: ignore[arg-type]
        return real(records)  # type: ignore[arg-type]

    monkeypatch.setattr(status_tail, "identity_list", counted)
    here: dict[str, int] = {}
    entries = 0
    for repo, serial in ((native_repo, "0"), (twin, "1")):
        monkeypatch.setenv(forked.SERIAL_VARIABLE, serial)
        monkeypatch.chdir(repo.path)
        hashed_here.clear()
        done = consolidate.run(workspace.at(repo.path))
        entries = done.entries
        here[serial] = sum(hashed_here)
        _no_child_left()
    assert entries == len(USERS) * len(DAYS) * 6
    assert here["1"] - here["0"] == entries  # the serial run hashed them here
    assert tail_checkpoints(native_repo) and tail_checkpoints(native_repo) == tail_checkpoints(twin)
    assert _outputs(native_repo) == _outputs(twin)


def tail_checkpoints(repo: Repo) -> dict[str, bytes]:
    folder = repo.state() / "cache" / "status-tail" / "shop"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.json")}


def _outputs(repo: Repo) -> dict[str, bytes]:
    """Every file under logs/ and in the state folder (its lock aside), the context index's
    nanosecond times (its folders' mtimes, when it was written) masked, and in its manifest
    (and the undo records that keep one) the digests of those mtimes: those differ between
    any two runs."""
    import re

    out: dict[str, bytes] = {}
    for base in (repo.path / "logs", repo.state()):
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.name != "lock":
                data = path.read_bytes()
                # The digests first: one in a few hundred holds 19 decimal digits in a row,
                # which the times' mask would cut out of it, leaving it unmasked.
                if path.name == "context-index.json" or path.name.startswith("undo"):
                    data = re.sub(rb"[0-9a-f]{64}", b"<digest>", data)
                out[path.relative_to(repo.path).as_posix()] = re.sub(rb"\d{19}", b"<ns>", data)
    return out


def _twins_with_a_backlog(tmp_path: object, repo: Repo, monkeypatch: pytest.MonkeyPatch,
                          entries: int = 6) -> Repo:
    """`repo` with one committed day and a fresh session-start summary, and a copy of it;
    then the same backlog pending in both (`entries` in each temp log)."""
    import shutil
    from pathlib import Path

    from test_start_summary import hook_out

    from sessionlog_git.constants import START_SUMMARY

    repo.log("2026-11-01T07:00:00+00:00", "Set up the queue", "Decision: one queue per vendor")
    repo.sl("consolidate")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "first day")
    hook_out(repo, monkeypatch, "ada", lean=True)
    assert (repo.state() / START_SUMMARY).is_file()
    twin_path = Path(str(tmp_path)) / "twin"
    shutil.copytree(repo.path, twin_path, symlinks=True)
    twin = Repo(twin_path)
    for one in (repo, twin):
        _fill(one, entries)
    return twin


def test_a_backlogs_index_folded_by_a_child_is_the_serial_ones(
        tmp_path: object, native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The context index and the session-start summary folded in a child while the views
    are rendered: every file (archive, views, index state and shards, summary) is the serial
    run's, byte for byte."""
    from sessionlog_git import workspace
    from sessionlog_git.constants import START_SUMMARY
    from sessionlog_git.pipeline import consolidate

    twin = _twins_with_a_backlog(tmp_path, native_repo, monkeypatch)
    started = _watched(monkeypatch)
    for repo, serial in ((native_repo, "0"), (twin, "1")):
        monkeypatch.setenv(forked.SERIAL_VARIABLE, serial)
        monkeypatch.chdir(repo.path)
        done = consolidate.run(workspace.at(repo.path))
        assert len(done.archived) == len(USERS)  # each contributor's month in one pack
        assert all("/pack-" in rel for rel in done.archived)
        _no_child_left()
    # The redaction's child and the index's, then neither.
    assert [a.forked for a in started] == [True, True, False, False]
    assert _outputs(native_repo) == _outputs(twin)
    assert (native_repo.state() / START_SUMMARY).is_file()
    assert native_repo.porcelain() == twin.porcelain()
    assert native_repo.git("write-tree").stdout == twin.git("write-tree").stdout
    assert native_repo.pending() == [] and twin.pending() == []
    assert not (native_repo.state() / "journal.json").exists()


def test_a_run_holds_the_waits_it_settled_until_the_next_run_starts(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The waits a backlog's run settles (the index child's holds every record) outlive the
    run, so a process that leaves right after frees none of them one by one; the next run
    lets go of them as it starts, so a process that consolidates again and again holds one
    run's at most."""
    import gc
    import inspect
    import weakref

    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    _fill(native_repo)
    monkeypatch.setenv(forked.SERIAL_VARIABLE, "0")
    monkeypatch.chdir(native_repo.path)
    ws = workspace.at(native_repo.path)
    assert len(consolidate.run(ws).archived) == len(USERS)
    held = [weakref.ref(wait) for wait in consolidate._SETTLED if inspect.isfunction(wait)]
    assert held and not consolidate._STARTED
    gc.collect()
    assert all(ref() is not None for ref in held)  # kept past the run's end
    native_repo.log("2026-11-25T09:00:00+00:00", "One more day", "Next: ship it")
    assert consolidate.run(ws).entries == 1
    gc.collect()
    assert all(ref() is None for ref in held)  # let go by the next run
    assert native_repo.pending() == []


def test_a_backlog_run_as_a_user_does_folds_its_index_in_a_child_as_the_serial_run(
        tmp_path: object, native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backlog consolidated as a user runs it, in its own process: the views' warm-up no
    longer loads the context index's modules, so the index's child loads them; what the commit
    leaves (index state, shards, summary, views, archive) is the serial run's."""
    from test_context_reorder import assert_same_as_a_rebuild

    twin = _twins_with_a_backlog(tmp_path, native_repo, monkeypatch)
    forked_run = native_repo.sl("consolidate", env={forked.SERIAL_VARIABLE: "0"})
    serial_run = twin.sl("consolidate", env={forked.SERIAL_VARIABLE: "1"})
    assert forked_run.returncode == serial_run.returncode == 0, forked_run.stderr
    assert forked_run.stdout.replace(str(native_repo.path), "") == \
        serial_run.stdout.replace(str(twin.path), "")
    assert _outputs(native_repo) == _outputs(twin)
    assert native_repo.git("write-tree").stdout == twin.git("write-tree").stdout
    assert native_repo.pending() == [] and twin.pending() == []
    assert_same_as_a_rebuild(native_repo)


@pytest.mark.parametrize("step", ["index-aside-hashing", "index-aside-start", "index-aside-end"])
def test_an_index_child_that_dies_leaves_its_fold_to_the_parent(
        tmp_path: object, native_repo: Repo, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """The index's child dies before it sends the status identities it hashes first, before
    its fold, or right after it (a non-zero exit): the run succeeds, the parent hashes and
    folds, and what the commit leaves is the serial run's. The backlog is large enough for
    the child to hash the identities (HASH_ASIDE_FROM)."""
    import re

    from test_context_reorder import assert_same_as_a_rebuild

    from sessionlog_git.pipeline import consolidate

    assert step in consolidate.CHILD_STEPS
    twin = _twins_with_a_backlog(tmp_path, native_repo, monkeypatch, entries=18)
    forked_run = native_repo.sl("consolidate", env={forked.SERIAL_VARIABLE: "0",
                                                    "SESSIONLOG_FAULT": step})
    serial_run = twin.sl("consolidate", env={forked.SERIAL_VARIABLE: "1"})
    assert forked_run.returncode == serial_run.returncode == 0
    assert forked_run.stdout.replace(str(native_repo.path), "") == \
        serial_run.stdout.replace(str(twin.path), "")
    taken = re.search(r"consolidated (\d+) entries", forked_run.stdout)
    assert taken and int(taken.group(1)) >= consolidate.HASH_ASIDE_FROM
    mine, theirs = _outputs(native_repo), _outputs(twin)
    if step in ("index-aside-hashing", "index-aside-start"):
        assert mine == theirs
    else:  # folded again on top of the child's fold: one more (empty) undo record, the same index
        assert {k: v for k, v in mine.items() if "undo" not in k} == \
            {k: v for k, v in theirs.items() if "undo" not in k}
    assert native_repo.git("write-tree").stdout == twin.git("write-tree").stdout
    assert native_repo.pending() == []
    assert_same_as_a_rebuild(native_repo)


def test_an_index_child_killed_inside_its_writes_leaves_a_right_index(
        tmp_path: object, native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child killed while it writes the index's files (half of them written, no manifest
    yet): the parent's own fold finds the state it left and makes the index right; the next
    commit folds on top of it as usual."""
    from test_context_reorder import assert_same_as_a_rebuild, index_now

    from sessionlog_git import workspace
    from sessionlog_git.logs import context_store
    from sessionlog_git.pipeline import consolidate

    twin = _twins_with_a_backlog(tmp_path, native_repo, monkeypatch)
    parent = os.getpid()
    real = context_store._apply
    killed: list[int] = []

    def dies_midway(state: object, files: dict[str, str | None]) -> None:
        if os.getpid() != parent:
            half = dict(list(files.items())[: len(files) // 2])
            real(state, half)  # type: ignore[arg-type]
            os.kill(os.getpid(), signal.SIGKILL)
        killed.append(len(files))
        real(state, files)  # type: ignore[arg-type]

    monkeypatch.setattr(context_store, "_apply", dies_midway)
    started = _watched(monkeypatch)
    monkeypatch.setenv(forked.SERIAL_VARIABLE, "0")
    monkeypatch.chdir(native_repo.path)
    consolidate.run(workspace.at(native_repo.path))
    _no_child_left()
    assert [a.forked for a in started] == [True, True]
    assert killed, "the parent folded after its child was killed"
    monkeypatch.undo()
    twin.sl("consolidate", env={forked.SERIAL_VARIABLE: "1"})
    assert index_now(native_repo) == index_now(twin)
    assert_same_as_a_rebuild(native_repo)
    for repo in (native_repo, twin):
        repo.git("commit", "-q", "-m", "the backlog")
        repo.log("2026-11-27T09:00:00+00:00", "One more", "Decision: keep the retry budget")
        repo.sl("consolidate")
    assert index_now(native_repo) == index_now(twin)
    assert_same_as_a_rebuild(native_repo)
    assert native_repo.read("logs/shop-status.md") == twin.read("logs/shop-status.md")


def test_a_hand_edited_view_refuses_a_backlog_before_anything_is_archived(
        native_repo: Repo) -> None:
    """A backlog whose status file holds a hand edit: refused as an ordinary commit is, with
    the archive as it was, the temp logs untouched, no journal, whether a child may fork or
    not; once the edit is moved out, the backlog is archived."""
    repo = native_repo
    repo.log("2026-11-01T07:00:00+00:00", "Set up the queue", "Decision: one queue per vendor")
    repo.sl("consolidate")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "first day")
    _fill(repo)
    status = "logs/shop-status.md"
    repo.append(status, "\nMy own note.\n")
    archive = {p: p.read_bytes() for p in repo.archive()}
    pending = {p: p.read_bytes() for p in repo.pending()}
    for serial in ("0", "1"):
        refused = repo.sl("consolidate", env={forked.SERIAL_VARIABLE: serial}, check=False)
        assert refused.returncode != 0
        assert f"{status}: has changes that are not staged" in refused.stderr
        assert "Nothing was written" in refused.stderr
        assert {p: p.read_bytes() for p in repo.archive()} == archive
        assert {p: p.read_bytes() for p in repo.pending()} == pending
        assert not (repo.state() / "journal.json").exists()
        assert repo.read(status).endswith("My own note.\n")
    repo.git("checkout", "HEAD", "--", status)
    repo.sl("consolidate", env={forked.SERIAL_VARIABLE: "0"})
    assert repo.pending() == []
    assert len(repo.archived()) == len(archive) + len(USERS) * len(DAYS)
