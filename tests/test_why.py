"""`sessionlog why PATH[:LINE]`: from a line to the reasoning consolidated with its commit."""
from __future__ import annotations

import json

from conftest import Repo


def commit_at(repo: Repo, when: str, *args: str, author: tuple[str, str] | None = None) -> None:
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    if author:
        env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1],
                   GIT_COMMITTER_NAME=author[0], GIT_COMMITTER_EMAIL=author[1])
    repo.git("commit", "-q", *args, env=env)


def two_commits(repo: Repo) -> None:
    """ada's auth work and grace's billing work, each consolidated in its own commit."""
    repo.log("2026-11-25T14:10:00+01:00", "Wired auth.py into the app",
             "Tried: middleware order; auth must run before routing")
    repo.log("2026-11-25T14:30:00+01:00", "Implemented user authentication",
             "Added JWT token validation middleware",
             "Decision: RS256 over HS256, because key rotation is required",
             "Blocked on: Redis session store not configured yet")
    repo.write("auth.py", 'ALGORITHM = "RS256"\nLEEWAY_SECONDS = 30\n')
    repo.git("add", "auth.py")
    commit_at(repo, "2026-11-25T15:00:00+01:00", "-m", "Sign tokens with RS256")
    repo.log("2026-11-25T16:00:00+01:00", "Billing export",
             "Decision: invoices as CSV, because finance imports CSV", user="grace")
    repo.write("billing.py", "FORMAT = 'csv'\n")
    repo.git("add", "billing.py")
    commit_at(repo, "2026-11-25T16:30:00+01:00", "-m", "Export invoices",
              author=("Grace Hopper", "grace@example.com"))


def test_why_shows_the_entries_consolidated_with_the_lines_commit(native_repo: Repo) -> None:
    repo = native_repo
    two_commits(repo)
    out = repo.sl("why", "auth.py:1").stdout
    assert out.startswith("# Why: auth.py:1\n")
    assert 'Line 1: `ALGORITHM = "RS256"`' in out
    assert "Commit " in out and "by Ada Lovelace <ada@example.com>, 2026-11-25 15:00 (UTC+01:00): " \
        "Sign tokens with RS256" in out
    assert "## Session entries consolidated in this commit (2, best first)" in out
    # Best first: the entry whose words are on the blamed line comes before the other one.
    best = out.index("### 2026-11-25 14:30 (UTC+01:00) · ada · shop — Implemented user authentication")
    other = out.index("### 2026-11-25 14:10 (UTC+01:00) · ada · shop — Wired auth.py into the app")
    assert best < other
    assert "- Decision: RS256 over HS256, because key rotation is required" in out
    assert "- Blocked on: Redis session store not configured yet" in out
    (archived,) = {p for p in repo.archive() if p.parent.name == "ada"}
    assert f"raw: {archived.relative_to(repo.path).as_posix()}" in out
    # Unrelated entries (another commit, another author) do not appear.
    assert "Billing export" not in out and "grace" not in out
    assert "nearest in time" not in out.lower()

    # The other commit shows only its own entry.
    billing = repo.sl("why", "billing.py:1").stdout
    assert "by Grace Hopper <grace@example.com>" in billing
    assert "· grace · shop — Billing export" in billing
    assert "- Decision: invoices as CSV, because finance imports CSV" in billing
    assert "RS256" not in billing and "ada" not in billing


def test_why_json_and_a_file_without_a_line(native_repo: Repo) -> None:
    repo = native_repo
    two_commits(repo)
    answer = json.loads(repo.sl("why", "auth.py:2", "--json").stdout)
    assert answer["path"] == "auth.py" and answer["line"] == 2
    assert answer["line_text"] == "LEEWAY_SECONDS = 30"
    assert answer["commit"]["subject"] == "Sign tokens with RS256"
    assert answer["commit"]["author"] == "Ada Lovelace"
    assert answer["match"] == "consolidated"
    titles = [e["title"] for e in answer["entries"]]
    assert sorted(titles) == ["Implemented user authentication", "Wired auth.py into the app"]
    auth = next(e for e in answer["entries"] if e["title"] == "Implemented user authentication")
    assert auth["decisions"] == [{"text": "Decision: RS256 over HS256, because key rotation is required",
                                  "reason": "key rotation is required", "state": "live", "expires": ""}]
    assert auth["author"] == "ada" and auth["date"] == "2026-11-25" and auth["time"] == "14:30"
    assert auth["link"].startswith("logs/archive/2026-11/shop/ada/2026-11-25-")
    assert (repo.path / auth["link"]).is_file()
    # Without a line: the file's last commit.
    whole = json.loads(repo.sl("why", "billing.py", "--json").stdout)
    assert whole["line"] is None and whole["commit"]["subject"] == "Export invoices"
    assert [e["title"] for e in whole["entries"]] == ["Billing export"]
    # From a subfolder, paths are relative to where the user stands.
    (repo.path / "docs").mkdir()
    sub = repo.sl("why", "../auth.py:1", "--json", cwd=repo.path / "docs").stdout
    assert json.loads(sub)["path"] == "auth.py"


def test_a_commit_that_carried_no_entries_shows_the_authors_nearest_ones_marked(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-26T10:00:00+01:00", "Refactored checkout totals",
             "Decision: totals in integer cents, because float rounding lost a cent per 1000 orders")
    repo.log("2026-11-26T10:05:00+01:00", "Reviewed the wiki", "Decision: move docs to mkdocs",
             user="grace")
    repo.log("2026-11-20T09:00:00+01:00", "Much older work", "Decision: something else entirely")
    repo.write("checkout.py", "TOTAL_IN_CENTS = True\n")
    repo.git("add", "checkout.py")
    # --no-verify: the hook does not run, so this commit consolidates nothing.
    commit_at(repo, "2026-11-26T10:30:00+01:00", "--no-verify", "-m", "Totals in cents")
    repo.write("README.md", "shop\n")
    repo.git("add", "README.md")
    commit_at(repo, "2026-11-26T12:00:00+01:00", "-m", "Readme")  # consolidates the entries
    out = repo.sl("why", "checkout.py:1").stdout
    assert "This commit consolidated no session entries." in out
    assert "## Nearest in time, NOT consolidated with this commit" in out
    assert "Refactored checkout totals" in out
    assert "_nearest in time, not consolidated with this commit: 30 min before the commit_" in out
    assert "- Decision: totals in integer cents, because float rounding lost a cent per 1000 orders" in out
    # Another author's entry, however close in time, is not the author's reasoning.
    assert "Reviewed the wiki" not in out and "grace" not in out
    # Entries further away than the window do not appear either.
    assert "Much older work" not in out
    answer = json.loads(repo.sl("why", "checkout.py:1", "--json").stdout)
    assert answer["match"] == "nearest"
    assert "ada" in answer["author_names"]
    assert [e["title"] for e in answer["entries"]] == ["Refactored checkout totals"]
    assert answer["entries"][0]["minutes_from_commit"] == -30


def test_no_entries_at_all_says_so(native_repo: Repo) -> None:
    out = native_repo.sl("why", "app.py:1").stdout
    assert "Commit " in out and "Initial commit" in out
    assert "This commit consolidated no session entries, and " in out
    assert "logged none within 24 h of it." in out


def test_clear_errors(native_repo: Repo) -> None:
    repo = native_repo
    proc = repo.sl("why", "nope.py:3", check=False)
    assert proc.returncode == 1
    assert "nope.py: is not in git" in proc.stderr and "Fix:" in proc.stderr
    proc = repo.sl("why", "app.py:99", check=False)
    assert proc.returncode == 1
    assert "app.py:99: line 99 is past the end of app.py (1 line in the work tree)" in proc.stderr
    assert "Fix: pass a line from 1 to 1" in proc.stderr
    repo.write("new.py", "x = 1\n")
    repo.git("add", "new.py")
    proc = repo.sl("why", "new.py", check=False)
    assert proc.returncode == 1 and "never committed" in proc.stderr
    repo.append("app.py", "print('uncommitted')\n")
    proc = repo.sl("why", "app.py:2", check=False)
    assert proc.returncode == 1 and "app.py:2: this line is not committed yet" in proc.stderr


def test_why_shows_the_whole_entry_with_each_bullets_kind(native_repo: Repo) -> None:
    """A plain bullet is often the only fact: it is shown, as are findings, next steps, notes."""
    repo = native_repo
    repo.log("2026-11-25T10:00:00+01:00", "Template cache sizing",
             "Note: 10k templates, 3% hit-rate gain",
             "Tried: 1k templates; the hit rate did not move",
             "Rejected: an LRU per worker, because memory is tight",
             "Next: measure with production traffic")
    repo.write("cache.py", "SIZE = 10_000\n")
    repo.git("add", "cache.py")
    commit_at(repo, "2026-11-25T10:30:00+01:00", "-m", "Cache 10k templates")
    out = repo.sl("why", "cache.py:1").stdout
    entry = out.split("— Template cache sizing\n")[1]
    assert entry.startswith(
        "- Note: 10k templates, 3% hit-rate gain\n"
        "- Tried: 1k templates; the hit rate did not move _(finding)_\n"
        "- Rejected: an LRU per worker, because memory is tight _(decision)_\n"
        "- Next: measure with production traffic _(next)_\n"
        "raw: logs/archive/2026-11/shop/ada/2026-11-25-"
    ), entry
    assert "no decisions recorded" not in out
    answer = json.loads(repo.sl("why", "cache.py:1", "--json").stdout)
    assert [(b["kind"], b["text"]) for b in answer["entries"][0]["bullets"]] == [
        ("note", "Note: 10k templates, 3% hit-rate gain"),
        ("finding", "Tried: 1k templates; the hit rate did not move"),
        ("decision", "Rejected: an LRU per worker, because memory is tight"),
        ("next", "Next: measure with production traffic"),
    ]
