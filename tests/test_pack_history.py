"""Readers of git history see a pack's files: a commit that adds a pack of the current month
(as a backlog's consolidation writes one) brings every entry it holds; a commit that packs a
closed month brings none. Each reader as a user meets it: `sessionlog why`, the prefilled
commit message, the pull-request summary, the context shown for a changed file and the
report's why coverage."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import Repo
from test_archive_packs import commit, log_months, team

from sessionlog_git.logs import gitarchive, packs

NOW = "2026-11-27T12:00:00+01:00"  # 2026-11 is the current month, 2026-03 a closed one
MARCH = "2026-03-20T12:00:00+01:00"


def at(when: str, **extra: str) -> dict[str, str]:
    """A commit's environment: sessionlog's clock and git's dates at `when`."""
    return {"SESSIONLOG_NOW": when, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, **extra}


def log_backlog(repo: Repo) -> None:
    """Three entries of today's month, none naming a file: only a commit link finds them."""
    for day, title in ((24, "Token refresh"), (25, "Session expiry"), (26, "Audit trail")):
        repo.log(f"2026-11-{day}T10:00:00+01:00", title, f"Decision: {title.lower()} stays simple",
                 "Tried: the vendor default; it did not fit")


def pack_staged_archive(repo: Repo) -> list[str]:
    """Consolidate what is pending, then turn each contributor folder's new archive files into
    one pack in that folder, staged, as a backlog's consolidation writes them. Returns the
    logical archive files (repository paths)."""
    repo.sl("consolidate", env={"SESSIONLOG_NOW": NOW})
    staged = repo.git("diff", "--cached", "--name-only", "--diff-filter=A", "--",
                      "logs/archive/").stdout.split()
    folders: dict[Path, dict[str, bytes]] = {}
    for rel in staged:
        path = repo.path / rel
        folders.setdefault(path.parent, {})[path.name] = path.read_bytes()
    assert folders, "nothing was archived"
    for folder, files in folders.items():
        data = packs.encode(files.items())
        (folder / packs.pack_name(data)).write_bytes(data)
        for name in files:
            repo.git("rm", "--cached", "-q", "--", (folder / name).relative_to(repo.path).as_posix())
            (folder / name).unlink()
        repo.git("add", "--", folder.relative_to(repo.path).as_posix())
    added = repo.git("diff", "--cached", "--name-status", "--", "logs/archive/").stdout
    assert added.count("A\t") == len(folders) and "pack-" in added and "D\t" not in added
    return sorted(staged)


def backlog_commit(repo: Repo, work: str = "refresh.py", args: tuple[str, ...] = ("-m", "Backlog"),
                   **env: str) -> list[str]:
    log_backlog(repo)
    rels = pack_staged_archive(repo)
    repo.append(work, "print('backlog')\n")
    repo.git("add", work)
    repo.git("commit", "-q", *args, env=at("2026-11-26T16:00:00+01:00", **env))
    return rels


def closed_month(repo: Repo) -> None:
    """March's entries, archived loose in a commit made in March."""
    repo.log("2026-03-10T09:00:00+01:00", "March gateway work", "Decision: gateway retries twice")
    repo.log("2026-03-11T09:00:00+01:00", "March cleanup", "Decision: drop the legacy client")
    repo.append("old.py", "print('march')\n")
    repo.git("add", "old.py")
    repo.git("commit", "-q", "-m", "March", env=at(MARCH))


def packing_commit(repo: Repo, work: str = "pack.py", args: tuple[str, ...] = ("-m", "Pack March"),
                   **env: str) -> None:
    """`sessionlog consolidate --pack` of the closed month, committed with a code change."""
    out = repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW}).stdout
    assert "packed 2026-03" in out
    repo.append(work, "print('pack')\n")
    repo.git("add", work)
    repo.git("commit", "-q", *args, env=at("2026-11-26T15:00:00+01:00", **env))
    names = repo.git("show", "--name-status", "--format=", "HEAD").stdout
    assert "pack-" in names and "D\tlogs/archive/2026-03/" in names


def titles(answer: dict[str, object]) -> list[str]:
    entries = answer["entries"]
    assert isinstance(entries, list)
    return sorted(e["title"] for e in entries)


# --- the shared primitive, on its own -----------------------------------------------------


def test_added_counts_a_backlog_pack_and_not_a_packing(native_repo: Repo) -> None:
    repo = native_repo
    closed_month(repo)
    march = gitarchive.added(repo.path, "logs", "HEAD~1", "HEAD")
    assert len(march) == 2
    packing_commit(repo)
    assert gitarchive.added(repo.path, "logs", "HEAD~1", "HEAD") == []
    # The packed March files read at HEAD from their pack, at their logical paths.
    assert sorted(gitarchive.read(repo.path, "HEAD", march)) == march
    rels = backlog_commit(repo)
    assert len(rels) == 3
    assert gitarchive.added(repo.path, "logs", "HEAD~1", "HEAD") == rels
    contents = gitarchive.read(repo.path, "HEAD", rels)
    assert sorted(contents) == rels and all(b"\n## " in b"\n" + data for data in contents.values())
    # Over both: the backlog's files, once; from before March: all five.
    assert gitarchive.added(repo.path, "logs", "HEAD~2", "HEAD") == rels
    assert gitarchive.added(repo.path, "logs", "HEAD~3", "HEAD") == sorted([*march, *rels])


def test_a_merge_of_two_branches_that_packed_differently_brings_only_the_other_sides_work(
        tmp_path: Path) -> None:
    alice, bob = team(tmp_path)
    # Alice packs 2026-05 by a commit; Bob packs it too, with a late file of his in it.
    log_months(alice, ["2026-11"], user="alice", per=1)
    assert "packed 2026-05" in commit(alice, "Alice today")
    alice.git("push", "-q")
    bob.log("2026-05-30T18:00:00+01:00", "Late entry of May by bob", "Decision: late", user="bob")
    commit(bob, "Bob's late May", now="2026-05-30T19:00:00+01:00")
    log_months(bob, ["2026-11"], user="bob", per=1)
    assert "packed 2026-05" in commit(bob, "Bob today")
    bob.git("pull", "-q", "--no-rebase", "--no-edit", env={"SESSIONLOG_NOW": NOW})
    assert len(bob.git("rev-list", "--parents", "-n", "1", "HEAD").stdout.split()) == 3
    # Against Bob's side: Alice's entry of today, none of May's (both packed them).
    (new,) = gitarchive.added(bob.path, "logs", "HEAD^1", "HEAD")
    assert new.startswith("logs/archive/2026-11/shop/alice/2026-11-")
    # Against Alice's side: Bob's two entries (his late May one was never hers).
    theirs = gitarchive.added(bob.path, "logs", "HEAD^2", "HEAD")
    assert [rel.split("/")[2:5] for rel in theirs] == [["2026-05", "shop", "bob"],
                                                       ["2026-11", "shop", "bob"]]


def test_a_damaged_pack_is_skipped_as_an_unreadable_file_is(native_repo: Repo) -> None:
    repo = native_repo
    log_backlog(repo)
    rels = pack_staged_archive(repo)
    pack = next((repo.path / rels[0]).parent.glob("pack-*.md"))
    pack.write_bytes(b"not a pack\n")
    repo.git("add", "--", pack.relative_to(repo.path).as_posix())
    repo.git("commit", "-q", "--no-verify", "-m", "Damaged")
    assert gitarchive.added(repo.path, "logs", "HEAD~1", "HEAD") == []
    assert gitarchive.read(repo.path, "HEAD", rels) == {}
    answer = json.loads(repo.sl("why", pack.relative_to(repo.path).as_posix(), "--json").stdout)
    assert answer["match"] != "consolidated"


# --- 1. the prefilled commit message -------------------------------------------------------


def test_the_prefilled_message_names_a_backlog_packs_entries(native_repo: Repo) -> None:
    repo = native_repo
    repo.sl("init", "--hooks", "native", "--commit-msg")
    rels = backlog_commit(repo, args=(), GIT_EDITOR="true")
    body = repo.git("log", "-1", "--format=%B").stdout
    assert body.startswith("Audit trail\n\nWhy (from the session log):\n")
    for title in ("Token refresh", "Session expiry", "Audit trail"):
        assert f"- {title} (ada, " in body
    assert "  - Decision: audit trail stays simple" in body
    for rel in rels:  # the logical files, never the pack's own name
        assert f"Session log: {rel}\n" in body
    assert "pack-" not in body


def test_the_prefilled_message_of_a_packing_commit_adds_no_why(native_repo: Repo,
                                                                  tmp_path: Path) -> None:
    repo = native_repo
    repo.sl("init", "--hooks", "native", "--commit-msg")
    closed_month(repo)
    # An editor that keeps a copy of what git gave it, then writes the user's message.
    seen = tmp_path / "seen.txt"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\ncp "$1" "{seen}"\nprintf "Pack March\\n" > "$1"\n')
    editor.chmod(0o755)
    packing_commit(repo, args=(), GIT_EDITOR=str(editor))
    shown = seen.read_text()
    assert "# Please enter the commit message" in shown  # git's own text, and nothing of ours
    assert "Why (from the session log):" not in shown and "Session log:" not in shown
    assert repo.git("log", "-1", "--format=%B").stdout == "Pack March\n\n"


# --- 2. sessionlog why ----------------------------------------------------------------------


def test_why_shows_the_entries_of_a_backlog_pack(native_repo: Repo) -> None:
    repo = native_repo
    rels = backlog_commit(repo)
    answer = json.loads(repo.sl("why", "refresh.py:1", "--json").stdout)
    assert answer["match"] == "consolidated"
    assert titles(answer) == ["Audit trail", "Session expiry", "Token refresh"]
    assert sorted(e["link"] for e in answer["entries"]) == rels
    out = repo.sl("why", "refresh.py:1").stdout
    assert "Token refresh" in out and "audit trail stays simple" in out.lower()


def test_why_shows_no_entries_for_a_packing_commit(native_repo: Repo) -> None:
    repo = native_repo
    closed_month(repo)
    packing_commit(repo)
    answer = json.loads(repo.sl("why", "pack.py:1", "--json").stdout)
    assert answer["match"] != "consolidated"
    assert "March cleanup" not in titles(answer) and "March gateway work" not in titles(answer)


# --- 3. the pull-request summary -------------------------------------------------------------


def test_pr_summary_lists_a_backlog_packs_entries_and_not_a_packing(native_repo: Repo) -> None:
    repo = native_repo
    closed_month(repo)
    packing_commit(repo)
    packing_only = repo.sl("pr-summary", "--base", "HEAD~1", "--head", "HEAD").stdout
    assert "No session log entries" in packing_only and "March" not in packing_only
    repo.git("checkout", "-q", "-b", "feature")
    backlog_commit(repo)
    summary = repo.sl("pr-summary", "--base", "main").stdout
    for title in ("Token refresh", "Session expiry", "Audit trail"):
        assert title in summary
    assert "audit trail stays simple" in summary.lower()
    assert "March" not in summary


# --- 4. the context shown for a changed file -----------------------------------------------


def test_context_links_a_backlog_packs_entries_to_the_files_its_commit_changed(
        native_repo: Repo) -> None:
    repo = native_repo
    closed_month(repo)
    packing_commit(repo, "payments.py")
    backlog_commit(repo, "billing.py")
    for rebuild in (False, True):
        if rebuild:  # the index read again from history, as a fresh clone builds it
            repo.sl("context", "--rebuild-index")
        billing = json.loads(repo.sl("context", "billing.py", "--json").stdout)
        texts = [i["text"] for i in billing["items"]]
        assert "Decision: token refresh stays simple" in texts
        assert "Decision: audit trail stays simple" in texts
        assert all(i["why"] == "a commit that changed billing.py carried it"
                   for i in billing["decisions"])
        payments = json.loads(repo.sl("context", "payments.py", "--json").stdout)
        assert payments["items"] == []  # the packing commit carried no entry


# --- 5. the report's why coverage ----------------------------------------------------------


def test_why_coverage_counts_a_backlog_pack_and_not_a_packing(native_repo: Repo) -> None:
    repo = native_repo
    closed_month(repo)
    packing_commit(repo, "payments.py")
    backlog_commit(repo, "billing.py")
    out = repo.sl("report", "weekly", env={"SESSIONLOG_NOW": NOW}).stdout
    assert "1 of 2 commits explained (1 by consolidating their entries" in out
