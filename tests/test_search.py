"""`sessionlog search`: ranked full text over archived and pending entries, with filters, from an
index kept in the git folder and brought up to date incrementally."""
from __future__ import annotations

import json
import sqlite3

from conftest import Repo

NOW = {"SESSIONLOG_NOW": "2026-11-26T12:00:00+01:00"}


def logs(repo: Repo) -> None:
    repo.log("2026-11-10T09:00:00+01:00", "Session store",
             "Blocked on: Redis session store not configured yet")
    repo.log("2026-11-10T11:00:00+01:00", "Dropped Redis for sessions",
             "Decision: drop Redis, because Postgres sessions are fast enough",
             "Note: one less service to run")
    repo.log("2026-11-12T10:00:00+01:00", "Invoice export",
             "Decision: invoices as CSV, because finance imports CSV", user="grace", project="billing")
    repo.git("commit", "-q", "--allow-empty", "-m", "Logs")
    assert not repo.pending()
    # Not committed yet: pending entries are searched too.
    repo.log("2026-11-25T15:00:00+01:00", "Cache warm-up", "Tried: Redis as a cache again; too slow to warm",
             user="grace", project="billing")


def search(repo: Repo, *args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(repo.sl("search", *args, "--json", env=NOW).stdout)  # type: ignore[no-any-return]


def test_search_ranks_archive_and_pending_and_filters(native_repo: Repo) -> None:
    repo = native_repo
    logs(repo)
    out = repo.sl("search", "why", "did", "we", "drop", "Redis?", env=NOW).stdout
    assert out.startswith("# Search: why did we drop Redis?\n\n3 entries match, best first (bm25 over "
                          "titles and bullets of 4 archived and pending entries).\n")
    first = out.split("\n## 1. ")[1].split("\n## 2. ")[0]
    assert first.startswith("2026-11-10 11:00 · ada · shop — Dropped Redis for sessions\n\n"
                            "- Decision: drop Redis, because Postgres sessions are fast enough "
                            "_(decision)_ ◀\n"
                            "- Note: one less service to run\nraw: logs/archive/2026-11/shop/ada/2026-11-10-")
    assert "pending, not committed yet: .git/sessionlog/pending/billing/grace/2026-11-25.md" in out
    # Filters.
    assert [r["title"] for r in search(repo, "redis", "--kind", "decision")["results"]] == [
        "Dropped Redis for sessions"]
    assert [r["title"] for r in search(repo, "redis", "--author", "grace")["results"]] == ["Cache warm-up"]
    assert [r["title"] for r in search(repo, "csv", "--project", "billing")["results"]] == ["Invoice export"]
    assert search(repo, "csv", "--project", "shop")["results"] == []
    recent = search(repo, "redis", "--since", "2026-11-20")["results"]
    assert [r["title"] for r in recent] == ["Cache warm-up"]
    assert {r["title"] for r in search(repo, "redis", "--since", "3w")["results"]} == {
        "Session store", "Dropped Redis for sessions", "Cache warm-up"}
    found = search(repo, "redis", "--kind", "finding")["results"]
    assert found[0]["pending"] is True and found[0]["bullets"][0] == {
        "kind": "finding", "text": "Tried: Redis as a cache again; too slow to warm", "matched": True}
    # Stemming: "dropping" finds "drop"; and the same answer twice.
    assert search(repo, "dropping")["results"][0]["title"] == "Dropped Redis for sessions"
    assert repo.sl("search", "redis", env=NOW).stdout == repo.sl("search", "redis", env=NOW).stdout
    none = repo.sl("search", "kubernetes", env=NOW).stdout
    assert 'No entry matches "kubernetes" (4 entries searched, archived and pending).' in none


def test_the_index_is_outside_git_and_follows_the_logs(native_repo: Repo) -> None:
    repo = native_repo
    logs(repo)
    search(repo, "redis")
    index = repo.path / ".git" / "sessionlog" / "search.db"
    assert index.is_file()
    # Outside the work tree: git sees nothing new but the pending log (kept out by its .gitignore).
    assert repo.porcelain() == []
    assert "search" not in repo.git("ls-files", "--others", "--ignored", "--exclude-standard").stdout

    def ids() -> dict[str, list[int]]:
        with sqlite3.connect(index) as db:
            rows = db.execute("SELECT path, id FROM entries ORDER BY id").fetchall()
        out: dict[str, list[int]] = {}
        for path, ident in rows:
            out.setdefault(path, []).append(ident)
        return out

    before = ids()
    # A new pending entry: found at once; the archive files are not read again (same row ids).
    repo.log("2026-11-25T16:00:00+01:00", "Redis cluster sizing", user="grace", project="billing")
    assert "Redis cluster sizing" in [r["title"] for r in search(repo, "redis")["results"]]
    after = ids()
    for path, rows in before.items():
        if path.startswith("logs/"):
            assert after[path] == rows, path
    # Committing moves the pending entries into the archive: no duplicate, no stale pending file.
    repo.git("commit", "-q", "--allow-empty", "-m", "More logs")
    results = search(repo, "redis")["results"]
    assert sorted(r["title"] for r in results) == sorted(
        ["Session store", "Dropped Redis for sessions", "Cache warm-up", "Redis cluster sizing"])
    assert not any(r["pending"] for r in results)
    assert not any(p.startswith(".git/sessionlog/") for p in ids())
    # A damaged index is rebuilt.
    index.write_bytes(b"not a database")
    assert len(search(repo, "redis")["results"]) == 4


def test_search_errors_name_the_fix(native_repo: Repo) -> None:
    proc = native_repo.sl("search", "?!", check=False, env=NOW)
    assert proc.returncode == 1
    assert "search '?!': no words to look for. Fix: give words" in proc.stderr
    proc = native_repo.sl("search", "redis", "--since", "someday", check=False, env=NOW)
    assert "--since 'someday': not a date or a span" in proc.stderr
