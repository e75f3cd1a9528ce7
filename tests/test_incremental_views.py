"""A commit re-renders a month's master log only where its new entries change it, and the
text is byte-identical to a full rebuild of the archive, whatever came before."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git import workspace
from sessionlog_git.pipeline import consolidate, monthview

MASTER = "logs/shop-session-log-2026-11.md"


def _rebuilt(repo: Repo) -> dict[str, str]:
    return consolidate.rebuild(workspace.at(repo.path))


def _commit(repo: Repo, message: str) -> None:
    repo.git("commit", "-q", "-m", message)  # the native hook consolidates and stages


def _rendered_users(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every master-log render's contributors, as consolidation asks for them (in-process)."""
    calls: list[list[str]] = []
    real = monthview._render

    def spy(project: str, month: str, records: list, hint: str, link=None):  # type: ignore[no-untyped-def]
        calls.append(sorted({r.user for r in records}))
        return real(project, month, records, hint, link)

    monkeypatch.setattr(monthview, "_render", spy)
    return calls


def _consolidate_in_process(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.path)
    consolidate.run(workspace.at(repo.path))


def _seed(repo: Repo) -> None:
    repo.log("2026-11-02T09:00:00+01:00", "Cart in the session", "Decision: session over cookie, "
             "because carts outlive logins", user="ada")
    repo.log("2026-11-02T15:10:00+01:00", "Checkout retries", "Blocked on: gateway sandbox",
             user="ada")
    repo.log("2026-11-03T10:00:00+01:00", "Invoice export", "Next: paginate it", user="grace")
    repo.log("2026-11-04T11:00:00-05:00", "Search ranking", "Summary: BM25 first", user="linus")
    repo.write("app.py", "print('v1')\n")
    repo.git("add", "app.py")
    _commit(repo, "v1")


def test_a_new_day_renders_only_its_contributor_and_equals_a_full_rebuild(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = native_repo
    _seed(repo)
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]
    calls = _rendered_users(monkeypatch)
    repo.log("2026-11-05T09:30:00+01:00", "Refund ledger", "Decision: ledger rows over "
             "balances, because audits replay them", user="grace")
    _consolidate_in_process(repo, monkeypatch)
    assert calls == [["grace"]]  # ada's and linus's sections were kept as written
    text = repo.read(MASTER)
    assert text == _rebuilt(repo)[MASTER]
    assert "4 entries" not in text and "5 entries by 3 contributors." in text
    assert "- **09:30** Refund ledger" in text


@pytest.mark.parametrize("user", ["aaron", "mia", "zoe", "ada"])
def test_new_and_existing_contributors_same_day_and_earlier_days_match_a_rebuild(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    """A contributor sorted first, in the middle, last, or one already there writing on a day
    they already have and on an earlier day: the splice lands where a full render puts it."""
    repo = native_repo
    _seed(repo)
    calls = _rendered_users(monkeypatch)
    repo.log("2026-11-02T17:45:00+01:00", "Same day, later", "Next: tests", user=user)
    repo.log("2026-11-01T08:00:00+01:00", "An earlier day", "Tried: a cron; too slow", user=user)
    _consolidate_in_process(repo, monkeypatch)
    assert calls == [[user]]
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]


def test_after_a_reset_the_earlier_render_is_still_spliced_into(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git reset --hard` (or an aborted commit, a branch switch) puts back a render made a few
    commits ago: it is still known, so the next new day is a splice, not a full render."""
    repo = native_repo
    _seed(repo)
    repo.log("2026-11-05T09:30:00+01:00", "Refund ledger", user="grace")
    repo.write("app.py", "print('v2')\n")
    repo.git("add", "app.py")
    _commit(repo, "v2")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    calls = _rendered_users(monkeypatch)
    repo.log("2026-11-06T09:30:00+01:00", "Refund export", user="linus")
    _consolidate_in_process(repo, monkeypatch)
    assert calls == [["linus"]]
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]
    assert "Refund ledger" not in repo.read(MASTER)


def test_many_consolidations_undone_by_a_reset_keep_the_committed_render_known(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """More consolidations than the cache keeps, each undone by `git reset --hard`: the
    committed render is the one each spliced into, so it stays known and the next new day is
    still a splice."""
    repo = native_repo
    _seed(repo)
    for i in range(monthview.KEEP + 2):
        repo.log(f"2026-11-06T09:{i:02d}:00+01:00", f"Refund export {i}", user="linus")
        _consolidate_in_process(repo, monkeypatch)
        repo.git("reset", "-q", "--hard", "HEAD")
    calls = _rendered_users(monkeypatch)
    repo.log("2026-11-07T09:30:00+01:00", "Refund audit", user="grace")
    _consolidate_in_process(repo, monkeypatch)
    assert calls == [["grace"]]
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]


def test_a_file_no_recent_render_wrote_keeps_only_known_sections_a_broken_cache_none(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = native_repo
    _seed(repo)
    calls = _rendered_users(monkeypatch)
    # The file committed is an older render (a revert, say), not what the last run wrote:
    # only the sections that are byte for byte a render of the same files are kept (linus's).
    repo.log("2026-11-05T09:30:00+01:00", "Refund ledger", user="grace")
    repo.write("app.py", "print('v2')\n")
    repo.git("add", "app.py")
    _commit(repo, "v2")
    previous = repo.tracked(MASTER, "HEAD~1")
    repo.write(MASTER, previous)
    repo.git("add", MASTER)
    repo.git("commit", "-q", "--no-verify", "-m", "The view as it was")
    repo.log("2026-11-06T09:30:00+01:00", "Refund export", user="ada")
    calls.clear()
    _consolidate_in_process(repo, monkeypatch)
    assert calls == [["ada"], ["grace"]]  # ada has a new day; grace's section is stale
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]
    # A damaged cache: a full render, no error.
    cache = repo.state() / "cache" / "views" / "shop" / "2026-11.master.json"
    assert cache.is_file()
    cache.write_text("{not json")
    repo.log("2026-11-07T09:30:00+01:00", "Refund import", user="linus")
    calls.clear()
    _consolidate_in_process(repo, monkeypatch)
    assert calls == [["ada", "grace", "linus"]]
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]


def test_a_commit_loads_compiled_templates_instead_of_compiling_them(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit's templates' compiled code is cached, so a commit loads it instead of
    compiling the templates again."""
    from sessionlog_git.pipeline import render

    render._env.cache_clear()
    repo = native_repo
    repo.log("2026-11-02T09:00:00+01:00", "Cart in the session", "Decision: session over cookie",
             user="ada")
    _consolidate_in_process(repo, monkeypatch)
    repo.git("commit", "-q", "--no-verify", "-m", "v1")
    folder = next((repo.state() / "cache" / "templates").glob("jinja2-*"))
    entries = sorted(p.name for p in folder.iterdir())
    assert len(entries) == 2  # the master log and the status file
    for entry in folder.iterdir():  # damaged entries are misses, never errors
        entry.write_bytes(b"j2 not bytecode")
    render._env.cache_clear()
    repo.log("2026-11-05T09:30:00+01:00", "Refund ledger", user="grace")
    _consolidate_in_process(repo, monkeypatch)
    assert repo.read(MASTER) == _rebuilt(repo)[MASTER]
    assert sorted(p.name for p in folder.iterdir()) == entries
    assert all(not p.read_bytes().startswith(b"j2 not") for p in folder.iterdir())
    render._env.cache_clear()


def test_a_new_repositorys_first_commit_loads_the_templates_another_one_compiled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repository's first commit has no compiled templates of its own: it loads the ones any
    repository's render left in the user's cache folder instead of compiling them."""
    import jinja2
    from conftest import make_repo

    from sessionlog_git.pipeline import render

    render._env.cache_clear()
    first = make_repo(tmp_path / "first" / "shop")
    first.sl("init", "--hooks", "native")
    first.log("2026-11-02T09:00:00+01:00", "Cart in the session", "Decision: session over cookie",
              user="ada")
    _consolidate_in_process(first, monkeypatch)
    shared = render.user_cache()
    assert shared is not None and str(shared).startswith(str(Path.home()))
    assert len(list(next(shared.glob("jinja2-*")).iterdir())) == 2  # master log and status

    render._env.cache_clear()
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None,
                 *args: object, **kwargs: object) -> object:
        compiled.append(str(name))
        return real(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    second = make_repo(tmp_path / "second" / "shop")
    second.sl("init", "--hooks", "native")
    second.log("2026-11-03T09:00:00+01:00", "Refund ledger", "Decision: ledger rows are final",
               user="grace")
    _consolidate_in_process(second, monkeypatch)
    assert compiled == []
    assert second.read(MASTER) == _rebuilt(second)[MASTER]
    assert "ledger rows are final" in second.read(MASTER)
    # and the second repository keeps its own copy: its next commit reads only that
    assert len(list(next((second.state() / "cache" / "templates").glob("jinja2-*")).iterdir())) == 2
    render._env.cache_clear()


def test_the_views_cache_lives_in_the_state_folder_out_of_the_work_tree(native_repo: Repo) -> None:
    repo = native_repo
    _seed(repo)
    assert not [line for line in repo.porcelain() if "cache" in line or ".sessionlog" in line]
    assert not (repo.path / ".sessionlog").exists()
    assert Path(repo.state() / "cache" / "views").is_dir()


def _pulled_a_teammates_day(tmp_path: Path) -> Repo:
    """ada's clone after pulling grace's day of entries: its master log is grace's render."""
    from conftest import clone_teammate, founder_with_remote

    ada, remote = founder_with_remote(tmp_path)
    _seed(ada)
    ada.git("push", "-q", "origin", "main")
    grace = clone_teammate(tmp_path, remote)
    grace.log("2026-11-05T09:30:00+01:00", "Refund ledger", "Decision: ledger rows over balances")
    grace.write("ledger.py", "ROWS = True\n")
    grace.git("add", "ledger.py")
    _commit(grace, "Ledger")
    grace.git("push", "-q", "origin", "main")
    ada.git("pull", "-q", "--ff-only", "origin", "main")
    assert ada.read(MASTER) == grace.read(MASTER)
    return ada


def test_a_master_log_a_pull_brought_renders_only_the_teammates_and_the_new_sections(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a pull, the month's master log on disk is the teammate's render: no render of
    this clone's wrote it, but its other sections are byte for byte ones this clone rendered
    from the same archive files, so only the teammate's section and the committer's are
    rendered again; the text equals a full rebuild's."""
    ada = _pulled_a_teammates_day(tmp_path)
    calls = _rendered_users(monkeypatch)
    ada.log("2026-11-06T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    _consolidate_in_process(ada, monkeypatch)
    assert calls == [["ada"], ["grace"]]  # linus's section is kept as the pull brought it
    text = ada.read(MASTER)
    assert text == _rebuilt(ada)[MASTER]
    assert "Refund ledger" in text and "Refund export" in text


def test_a_day_after_a_pull_appends_to_its_splice_and_keeps_each_sections_digest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a pull's splice (the teammate's render), the next day is appended to it: the
    text equals a full rebuild's, and each section's digest kept for the next pull is the
    digest of that section as the file has it (those of the sections the day left as they
    were come from the splice's render, not hashed again)."""
    import hashlib
    import json

    ada = _pulled_a_teammates_day(tmp_path)
    ada.log("2026-11-06T09:30:00+01:00", "Refund export", "Next: CSV", user="ada")
    _consolidate_in_process(ada, monkeypatch)
    ada.git("commit", "-q", "--no-verify", "-m", "Session logs")
    calls = _rendered_users(monkeypatch)
    ada.log("2026-11-07T09:30:00+01:00", "Refund import", "Next: XLSX", user="ada")
    _consolidate_in_process(ada, monkeypatch)
    assert calls == [["ada"]]  # appended: ada's new day alone
    text = ada.read(MASTER)
    assert text == _rebuilt(ada)[MASTER]
    cache = workspace.at(ada.path).config.state_path / "cache" / "views" / "shop" / "2026-11.master.json"
    kept = json.loads(cache.read_text(encoding="utf-8"))["renders"][-1]
    assert kept["digest"] == hashlib.sha256(text.encode()).hexdigest()
    _, sections = monthview._split(text)
    assert set(kept["sections"]) == set(sections) == {"ada", "grace", "linus"}
    for user, mark in kept["sections"].items():
        assert mark[0] == hashlib.sha256(sections[user].encode()).hexdigest(), user


def test_the_latest_dates_kept_for_appending_are_those_of_each_record_in_turn() -> None:
    """`_latest_of` (a render's contributors' latest local and entry dates, what `append_days`
    checks new days against) equals `_latest` fed the records one by one, whatever their
    order, with entry dates that differ from the local ones or are missing."""
    import random
    from datetime import date, datetime, timedelta, timezone

    from sessionlog_git.logs.entries import Entry
    from sessionlog_git.logs.model import Record

    rng = random.Random(7)
    records = []
    for n in range(300):
        at = datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=rng.choice([-5, 0, 9])))) \
            + timedelta(minutes=rng.randrange(40_000))
        own = rng.choice([None, at.date(), at.date() - timedelta(days=1), date(2026, 10, 31)])
        entry = Entry(f"{at:%H:%M}", f"entry {n}", day=own, at=at)
        records.append(Record(entry, "shop", rng.choice(["ada", "grace", "linus"]), f"s{n}"))
    one_by_one: dict[str, list[str]] = {}
    for record in records:
        monthview._latest(one_by_one, record)
    found = monthview._latest_of(records)
    assert found == one_by_one
    assert list(found) == list(one_by_one)  # the same order: the cache file is the same bytes


def test_a_month_render_that_fails_leaves_the_garbage_collector_as_it_was(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The month's render holds the cyclic collector off; an error in it gives it back."""
    import gc

    def broken(*args: object, **kwargs: object) -> None:
        assert not gc.isenabled()  # held off meanwhile
        raise OSError("disk gone")

    monkeypatch.setattr(monthview, "_render", broken)
    assert gc.isenabled()
    with pytest.raises(OSError, match="disk gone"):
        monthview.render_month("shop", "2026-11", [], hint="logs/archive/", zone="UTC",
                               current=None, new_sources=set(), cache_dir=tmp_path)
    assert gc.isenabled()
