"""`sessionlog context PATH`: the live reasoning about a file, and the index the pre-edit
hook reads, written at consolidation."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import Repo
from test_why import commit_at

from sessionlog_git.logs import context_index, context_store


def _payments(repo: Repo) -> None:
    """ada's payments work committed with payments.py; grace's billing work apart; a later
    finding that names payments.py, committed with nothing of it."""
    repo.log("2026-11-25T14:30:00+01:00", "Card retries",
             "Decision: retry card charges three times, because the gateway drops requests",
             "Tried: idempotency keys per request; the gateway ignored them",
             "Blocked on: gateway sandbox credentials")
    repo.write("payments.py", "RETRIES = 3\n")
    repo.git("add", "payments.py")
    commit_at(repo, "2026-11-25T15:00:00+01:00", "-m", "Retry card charges")
    repo.log("2026-11-25T16:00:00+01:00", "Billing export",
             "Decision: invoices as CSV, because finance imports CSV", user="grace")
    repo.write("billing.py", "FORMAT = 'csv'\n")
    repo.git("add", "billing.py")
    commit_at(repo, "2026-11-25T16:30:00+01:00", "-m", "Export invoices")
    repo.log("2026-11-26T09:00:00+01:00", "Rounding bug",
             "Root cause: payments.py rounded cents twice")
    commit_at(repo, "2026-11-26T09:30:00+01:00", "--allow-empty", "-m", "Notes")


def _id(index: dict[str, object], item: dict[str, object]) -> str:
    items = index["items"]
    assert isinstance(items, dict)
    return next(i for i, v in items.items() if v is item)


def _line_of(repo: Repo, link: str, line: int) -> str:
    return repo.read(link).splitlines()[line - 1]


def _same_as_rebuilt(repo: Repo) -> None:
    """The index the commits left is what `--rebuild-index` writes from the whole archive."""
    state = repo.state()
    folded = context_store.load(state)
    repo.sl("context", "--rebuild-index")
    assert context_store.load(state) == folded


def test_context_lists_live_items_through_commits_and_named_paths(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    out = repo.sl("context", "payments.py").stdout
    assert out.startswith("# Context: payments.py\n")
    decisions = out.split("## Live decisions (1, best first)\n", 1)[1].split("##", 1)[0]
    assert "- Decision: retry card charges three times, because the gateway drops requests " \
        "— 2026-11-25 ada · raw: logs/archive/2026-11/shop/ada/" in decisions
    assert "(a commit that changed payments.py carried it)" in decisions
    blockers = out.split("## Open blockers (1, best first)\n", 1)[1].split("##", 1)[0]
    assert "Blocked on: gateway sandbox credentials" in blockers
    findings = out.split("## Tried and root causes (2, best first)\n", 1)[1]
    # Best first: the same relevance (the file itself), newest first.
    root = findings.index("- Root cause: payments.py rounded cents twice — 2026-11-26 ada")
    tried = findings.index("- Tried: idempotency keys per request; the gateway ignored them")
    assert root < tried
    assert "(it names payments.py)" in findings
    # Another commit's entries are not about payments.py.
    assert "invoices as CSV" not in out and "grace" not in out

    answer = json.loads(repo.sl("context", "payments.py", "--json").stdout)
    assert set(answer) == {"path", "today", "count", "items", "decisions", "blockers", "findings",
                           "expired"}
    assert answer["path"] == "payments.py" and answer["count"] == 4
    (decision,) = answer["decisions"]
    assert {"kind", "text", "date", "at", "author", "project", "link", "line", "expires",
            "replaces", "why", "score"} <= set(decision)
    assert (decision["author"], decision["project"], decision["date"]) == ("ada", "shop", "2026-11-25")
    # The link and line lead to the raw entry's bullet, verbatim.
    assert _line_of(repo, decision["link"], decision["line"]) == (
        "- Decision: retry card charges three times, because the gateway drops requests")
    assert [i["kind"] for i in answer["items"]] == ["decision", "blocker", "finding", "finding"]


def test_nothing_live_for_an_unrelated_file_and_a_clear_error_outside_the_repo(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    out = repo.sl("context", "app.py").stdout
    assert "Nothing live concerns app.py" in out
    assert json.loads(repo.sl("context", "app.py", "--json").stdout)["items"] == []
    bad = repo.sl("context", "/etc/passwd", check=False)
    assert bad.returncode == 1
    assert "/etc/passwd: is outside this repository" in bad.stderr
    assert "Fix: pass a path inside it" in bad.stderr


def test_a_superseded_decision_gives_way_to_its_replacement_and_expiry_needs_a_today(
    native_repo: Repo,
) -> None:
    repo = native_repo
    _payments(repo)
    repo.log("2026-11-27T10:00:00+01:00", "Gateway dedupes now",
             "Supersedes: retry card charges three times",
             "Decision: retry card charges once, because the gateway deduplicates now",
             "Expires: 2026-12-15")
    commit_at(repo, "2026-11-27T10:30:00+01:00", "--allow-empty", "-m", "Gateway notes")
    out = repo.sl("context", "payments.py", env={"SESSIONLOG_NOW": "2026-12-01T12:00:00+01:00"}).stdout
    decisions = out.split("## Live decisions (1, best first)\n", 1)[1].split("##", 1)[0]
    assert "- Decision: retry card charges once, because the gateway deduplicates now — " \
        "2026-11-27 ada · expires 2026-12-15 · raw:" in decisions
    assert "(it replaces a decision about payments.py)" in decisions
    assert "  - replaces (superseded): ~~Decision: retry card charges three times, because the " \
        "gateway drops requests~~" in decisions
    assert "- Decision: retry card charges three times" not in out

    state = repo.path / ".git" / "sessionlog"
    live = [i["text"] for _, i in context_index.read(state, "payments.py", today="2026-12-14")]
    assert "Decision: retry card charges once, because the gateway deduplicates now" in live
    gone = [i["text"] for _, i in context_index.read(state, "payments.py", today="2026-12-15")]
    assert "Decision: retry card charges once, because the gateway deduplicates now" not in gone
    later = repo.sl("context", "payments.py", "--json", env={"SESSIONLOG_NOW": "2026-12-15T08:00:00+01:00"})
    answer = json.loads(later.stdout)
    assert answer["decisions"] == []
    assert [i["text"] for i in answer["expired"]] == [
        "Decision: retry card charges once, because the gateway deduplicates now"]


def test_the_index_is_written_at_consolidation_and_matches_a_rebuild(native_repo: Repo) -> None:
    repo = native_repo
    _payments(repo)
    repo.log("2026-11-27T10:00:00+01:00", "Gateway dedupes now",
             "Supersedes: retry card charges three times",
             "Decision: retry card charges once, because the gateway deduplicates now")
    commit_at(repo, "2026-11-27T10:30:00+01:00", "--allow-empty", "-m", "Gateway notes")
    state = repo.path / ".git" / "sessionlog"
    incremental = context_store.load(state)
    found = context_index.lookup(incremental, "payments.py")
    texts = [item["text"] for _, item in found]
    assert "Decision: retry card charges once, because the gateway deduplicates now" in texts
    assert not any("three times" in t and t.startswith("Decision:") for t in texts)
    (new,) = [item for _, item in found if item["kind"] == "decision"]
    assert new["replaces"] == [{"how": "superseded", "text": "Decision: retry card charges three "
                                "times, because the gateway drops requests"}]
    assert context_index.lookup(incremental, "billing.py")[0][1]["text"].startswith("Decision: invoices")
    assert context_index.lookup(incremental, "app.py") == []
    # The hook's reader opens only the shards of the file's keys and finds the same items.
    hook = context_index.read(state, "payments.py")
    assert [(k, i["id"]) for k, i in hook] == [(k, i) for k, item in found
                                                 for i in [_id(incremental, item)]]
    assert [(i["text"], i["how"]) for _, i in hook if i["kind"] == "decision"] == [
        ("Decision: retry card charges once, because the gateway deduplicates now", "replaces")]
    assert context_index.read(state, "app.py") == []
    # With a today, the hook's reader leaves out what has expired (none here).
    assert context_index.read(state, "payments.py", today="2026-12-01") == hook
    shards = sorted(p.name for p in (state / "context-index").iterdir())
    assert shards and len(shards) <= context_index.SHARDS
    # Stdlib-readable and small enough for the hook: no archive text beyond the items.
    assert not repo.porcelain()  # the index lives in the ignored state folder

    out = repo.sl("context", "--rebuild-index").stdout
    assert "sessionlog: rebuilt" in out
    rebuilt = context_store.load(state)
    assert rebuilt == incremental
    # A damaged index is rebuilt at the next consolidation, not trusted.
    (state / "context-index.json").write_text("{not json")
    repo.log("2026-11-28T10:00:00+01:00", "More", "Decision: log every retry of payments.py")
    commit_at(repo, "2026-11-28T10:30:00+01:00", "--allow-empty", "-m", "More")
    again = context_store.load(state)
    assert any(i["text"] == "Decision: log every retry of payments.py"
               for _, i in context_index.lookup(again, "payments.py"))


def test_a_supersedes_in_the_index_matches_as_in_a_rebuild_even_a_decision_about_no_file(
    native_repo: Repo,
) -> None:
    repo = native_repo
    _payments(repo)
    # A decision about no file, sharing more words with the Supersedes: below than the
    # payments decision does: it, not the payments decision, is retired.
    repo.log("2026-11-27T09:00:00+01:00", "Batch", "Decision: retry card charges twice daily in a batch")
    commit_at(repo, "2026-11-27T09:10:00+01:00", "--allow-empty", "-m", "Batch")
    repo.log("2026-11-27T10:00:00+01:00", "No batch", "Supersedes: retry card charges twice daily in a batch",
             "Decision: no batch retries")
    commit_at(repo, "2026-11-27T10:10:00+01:00", "--allow-empty", "-m", "No batch")
    state = repo.path / ".git" / "sessionlog"
    texts = [i["text"] for _, i in context_index.read(state, "payments.py") if i["kind"] == "decision"]
    assert texts == ["Decision: retry card charges three times, because the gateway drops requests"]
    _same_as_rebuilt(repo)


def test_entries_of_one_minute_and_title_and_one_logged_twice_fold_as_in_a_rebuild(
    native_repo: Repo,
) -> None:
    """Entries that share their minute and title could be one entry archived twice: the
    fold then orders every record as `model.ordered` does (not only the ones that fold),
    and the entry logged twice counts once."""
    repo = native_repo
    when = "2026-11-27T10:00:00+01:00"
    repo.log(when, "Gateway", "Decision: payments.py retries once")
    repo.log(when, "Gateway", "Decision: payments.py retries once")  # the same entry again
    repo.log(when, "Gateway", "Blocked on: payments.py sandbox keys")
    repo.log(when, "Gateway", "Checked the gateway's status page")  # folds nothing
    commit_at(repo, "2026-11-27T10:30:00+01:00", "--allow-empty", "-m", "Gateway")
    found = context_index.read(repo.state(), "payments.py")
    assert sorted(i["text"] for _, i in found) == ["Blocked on: payments.py sandbox keys",
                                                   "Decision: payments.py retries once"]
    _same_as_rebuilt(repo)


def test_entries_that_share_a_title_at_other_minutes_fold_as_in_a_rebuild(
    native_repo: Repo,
) -> None:
    """A title shared by entries of other minutes (a daily standup) is not one entry
    archived twice: each of them folds, in time order, as in a rebuild."""
    repo = native_repo
    repo.log("2026-11-27T09:00:00+01:00", "Standup", "Decision: payments.py retries once")
    repo.log("2026-11-27T10:00:00+01:00", "Standup", "Blocked on: payments.py sandbox keys")
    repo.log("2026-11-27T11:00:00+01:00", "Standup", "Checked the gateway's status page")
    repo.log("2026-11-27T12:00:00+01:00", "Standup",
             "Supersedes: payments.py retries once", "Decision: payments.py retries twice")
    commit_at(repo, "2026-11-27T12:30:00+01:00", "--allow-empty", "-m", "Standups")
    found = context_index.read(repo.state(), "payments.py")
    assert sorted(i["text"] for _, i in found) == ["Blocked on: payments.py sandbox keys",
                                                   "Decision: payments.py retries twice"]
    _same_as_rebuilt(repo)


def test_a_consolidation_killed_before_the_index_is_updated_folds_its_entries_on_the_rerun(
    native_repo: Repo,
) -> None:
    repo = native_repo
    repo.log("2026-11-25T14:30:00+01:00", "Card retries",
             "Decision: payments.py retries card charges three times")
    # The last step before the index is folded (git hashes our files while it is).
    killed = repo.sl("consolidate", env={"SESSIONLOG_FAULT": "ledger-saved"}, check=False)
    assert killed.returncode == 97
    assert context_index.read(repo.path / ".git" / "sessionlog", "payments.py") == []
    assert repo.pending()  # the entry is still pending: the rerun takes it again
    repo.sl("consolidate")
    (found,) = context_index.read(repo.path / ".git" / "sessionlog", "payments.py")
    assert found[1]["text"] == "Decision: payments.py retries card charges three times"
    assert found[0] == "*/payments.py"  # a bare file name concerns every file of that name


def test_the_index_keeps_the_newest_findings_per_path_and_every_live_decision() -> None:
    from datetime import date

    from sessionlog_git.logs.entries import parse
    from sessionlog_git.logs.model import Record

    text = "".join(f"## 1{n}:00 - Try {n}\n- Tried: payments.py attempt {n}\n" for n in range(8))
    text += "## 19:00 - Keep\n- Decision: payments.py keeps three retries\n"
    log = parse(text, day=date(2026, 11, 25))
    fold = context_index.Fold("logs")
    for entry in log.entries:
        fold.feed(Record(entry, "shop", "ada", "archive/x.md"), {"payments.py": context_index.NAMED})
    data = fold.data()
    texts = [item["text"] for _, item in context_index.lookup(data, "payments.py")]
    assert texts == ["Tried: payments.py attempt 3", "Tried: payments.py attempt 4",
                     "Tried: payments.py attempt 5", "Tried: payments.py attempt 6",
                     "Tried: payments.py attempt 7", "Decision: payments.py keeps three retries"]
    # Folding the kept index again with nothing new changes nothing.
    assert context_index.Fold("logs", data).data() == data
    # `sessionlog context` asks for every finding.
    assert len(context_index.lookup(fold.data(findings_per_key=None), "payments.py")) == 9


def test_an_index_written_in_an_earlier_boot_is_rebuilt_at_the_next_commit_not_trusted(
    native_repo: Repo,
) -> None:
    """The index's files are written unsynced where the system has a boot id; a power cut
    can take such writes back, and always means a new boot: an index from an earlier boot is
    rebuilt, so writes it lost never show."""
    boot = Path("/proc/sys/kernel/random/boot_id")
    if not boot.is_file():
        pytest.skip("no boot id here: the index's files are synced as they are written")
    repo = native_repo
    _payments(repo)
    state = repo.state()
    manifest = json.loads((state / "context-index.json").read_text())
    assert manifest["boot"] == boot.read_text().strip()
    # A power cut took the shards' last writes back (here: all of them), in an earlier boot.
    for shard in (state / "context-index").iterdir():
        shard.write_text("{}")
    (state / "context-index.json").write_text(json.dumps({**manifest, "boot": "an-earlier-boot"}))
    assert context_index.read(state, "payments.py") == []
    repo.log("2026-11-28T10:00:00+01:00", "More", "Decision: log every retry of billing.py")
    commit_at(repo, "2026-11-28T10:30:00+01:00", "--allow-empty", "-m", "More")
    texts = [i["text"] for _, i in context_index.read(state, "payments.py")]
    assert "Decision: retry card charges three times, because the gateway drops requests" in texts
    assert json.loads((state / "context-index.json").read_text())["boot"] == boot.read_text().strip()
    _same_as_rebuilt(repo)


def test_a_first_consolidation_folds_onto_an_empty_index_that_a_reset_takes_it_back_to(
    native_repo: Repo,
) -> None:
    """The first consolidation has no index and an archive of nothing but its own files: its
    fold starts from the empty index a rebuild would write, kept in memory. Its undo record
    holds that empty index: a reset of the commit takes the index back to it."""
    repo = native_repo
    state = repo.state()
    repo.log("2026-11-25T14:30:00+01:00", "Card retries",
             "Decision: retry card charges three times, because the gateway drops requests",
             "Blocked on: gateway sandbox credentials")
    repo.write("payments.py", "RETRIES = 3\n")
    repo.git("add", "payments.py")
    commit_at(repo, "2026-11-25T15:00:00+01:00", "-m", "Retry card charges")
    texts = [i["text"] for _, i in context_index.read(state, "payments.py")]
    assert texts == ["Decision: retry card charges three times, because the gateway drops requests",
                     "Blocked on: gateway sandbox credentials"]
    undo = json.loads((state / "context-index.state" / "undo.json").read_text())
    empty = json.loads(undo["files"]["context-index.json"])
    assert empty["tips"] == {} and {newest for _, newest in empty["months"].values()} == {-1}
    _same_as_rebuilt(repo)

    # The commit reset away: the next commit takes the first fold back, then folds its own.
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.log("2026-11-26T09:00:00+01:00", "Billing export",
             "Decision: invoices as CSV in billing.py, because finance imports CSV")
    commit_at(repo, "2026-11-26T09:30:00+01:00", "--allow-empty", "-m", "Export invoices")
    assert context_index.read(state, "payments.py") == []
    assert [i["text"] for _, i in context_index.read(state, "billing.py")] == [
        "Decision: invoices as CSV in billing.py, because finance imports CSV"]
    _same_as_rebuilt(repo)


def test_an_index_lost_after_the_first_consolidation_is_rebuilt_from_the_whole_archive(
    native_repo: Repo,
) -> None:
    """No index, but the archive holds earlier files too: no empty start, the rebuild."""
    repo = native_repo
    _payments(repo)
    state = repo.state()
    for name in ("context-index.json", "context-index", "context-index.state"):
        path = state / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    repo.log("2026-11-28T10:00:00+01:00", "More", "Decision: log every retry of billing.py")
    commit_at(repo, "2026-11-28T10:30:00+01:00", "--allow-empty", "-m", "More")
    texts = [i["text"] for _, i in context_index.read(state, "payments.py")]
    assert "Decision: retry card charges three times, because the gateway drops requests" in texts
    assert "Decision: log every retry of billing.py" in [
        i["text"] for _, i in context_index.read(state, "billing.py")]
    _same_as_rebuilt(repo)


# A kill while the first fold writes its files (`Store.commit`): the empty index it started
# from was never written, so no manifest is left for the next commit to trust.
_KILLED_IN_THE_FOLDS_WRITE = """
import os, sys
from sessionlog_git.logs import context_store
context_store.Store.commit = lambda *args, **kwargs: os._exit(97)
from sessionlog_git.main import main
sys.exit(main(["consolidate"]))
"""


def test_a_first_consolidation_killed_in_the_index_fold_leaves_no_index_and_the_rerun_folds_it(
    native_repo: Repo,
) -> None:
    repo = native_repo
    state = repo.state()
    repo.log("2026-11-25T14:30:00+01:00", "Card retries",
             "Decision: payments.py retries card charges three times")
    killed = repo.run(sys.executable, "-c", _KILLED_IN_THE_FOLDS_WRITE, check=False)
    assert killed.returncode == 97, killed.stderr
    assert not (state / "context-index.json").exists()
    assert context_index.read(state, "payments.py") == []
    repo.sl("consolidate")
    (found,) = context_index.read(state, "payments.py")
    assert found[1]["text"] == "Decision: payments.py retries card charges three times"
    _same_as_rebuilt(repo)
