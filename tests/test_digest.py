"""The weekly digest: the work per project and person, why coverage, the measures, across
repositories, byte for byte the same for a given archive and --since/--now."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import Repo, make_repo

NOW = {"SESSIONLOG_NOW": "2026-11-26T12:00:00+01:00"}
GOLDEN = Path(__file__).parent / "golden"
SETUP_DATE = "2026-11-01T08:00:00+01:00"  # every commit dated: the same hashes on every run


def commit(repo: Repo, when: str, *args: str, author: tuple[str, str] | None = None) -> None:
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    if author:
        env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
    repo.git("commit", "-q", *args, env=env)


def setup_repo(path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("GIT_AUTHOR_DATE", SETUP_DATE)
    monkeypatch.setenv("GIT_COMMITTER_DATE", SETUP_DATE)
    repo = make_repo(path)
    repo.sl("init", "--hooks", "native")
    repo.git("add", ".sessionlog.yaml", ".gitattributes")
    repo.git("commit", "-q", "-m", "Set up sessionlog")
    return repo


def week(repo: Repo) -> None:
    """A realistic week of two people in two projects, through real commits."""
    repo.log("2026-11-18T16:00:00+01:00", "Chose the database",
             "Decision: Postgres over MySQL, because we need JSONB")
    commit(repo, "2026-11-18T16:10:00+01:00", "--allow-empty", "-m", "Log: database choice")
    repo.log("2026-11-23T09:00:00+01:00", "Session store",
             "Blocked on: Redis session store not configured yet")
    repo.log("2026-11-23T09:45:00+01:00", "Split the payment service",
             "Decision: two services, because settlement scales separately",
             "Note: 10k templates, 3% hit-rate gain",
             "Tried: one service with two queues; settlement still starved checkout")
    repo.log("2026-11-23T10:30:00+01:00", "Invoice format",
             "Decision: invoices as CSV, because finance imports CSV", project="billing")
    repo.write("payments/service.py", "A = 1\nB = 2\nC = 3\n")
    repo.git("add", "payments/service.py")
    commit(repo, "2026-11-23T11:00:00+01:00", "-m", "Split payments")
    # Logged, committed on its own; the code follows in the next commit (explained nearby).
    repo.log("2026-11-23T13:00:00+01:00", "Staging ready; retries in worker.py next",
             "Unblocked: Redis session store configured in staging",
             "Decision: three retries in worker.py, because the vendor limits us to 10 requests a second",
             "Next: load-test settlement", "Summary: staging can take the split")
    commit(repo, "2026-11-23T13:05:00+01:00", "--allow-empty", "-m", "Log: staging")
    repo.write("worker.py", "RETRIES = 3\n")
    repo.git("add", "worker.py")
    commit(repo, "2026-11-23T13:30:00+01:00", "-m", "Retries")
    # Nobody logged why the CSS changed.
    repo.write("style.css", "a{}\nb{}\n")
    repo.git("add", "style.css")
    commit(repo, "2026-11-24T09:00:00+01:00", "-m", "Tweak CSS", author=("Grace Hopper", "grace@example.com"))
    repo.log("2026-11-24T14:00:00+01:00", "Export job", "Waiting on: finance sample CSV from accounting",
             user="grace", project="billing")
    repo.sl("log", "Export <b>staging</b>",
            "Blocked on: Redis session store not configured in billing staging",
            "Rejected: XLSX export, because nobody opens it",
            "Next: ask accounting again on Friday", "--project", "billing", "--agent", "claude-code",
            env={"SESSIONLOG_NOW": "2026-11-24T15:00:00+01:00", "SESSIONLOG_USER": "grace"})
    repo.write("billing.py", "FORMAT = 'csv'\n")
    repo.git("add", "billing.py")
    commit(repo, "2026-11-24T15:30:00+01:00", "-m", "Billing export",
           author=("Grace Hopper", "grace@example.com"))
    assert not repo.pending()


@pytest.fixture
def weekly_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = setup_repo(tmp_path / "shop", monkeypatch)
    week(repo)
    return repo


def test_weekly_digest_is_exactly_the_expected_note(weekly_repo: Repo) -> None:
    """The whole digest, byte for byte: the golden file is what a lead reads (review it there)."""
    out = weekly_repo.sl("report", "weekly", env=NOW).stdout
    golden = GOLDEN / "weekly.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
    # And again: nothing in it depends on the run.
    assert weekly_repo.sl("report", "weekly", env=NOW).stdout == out


def test_weekly_digest_lists_the_work_under_each_entry(weekly_repo: Repo) -> None:
    out = weekly_repo.sl("report", "weekly", env=NOW).stdout
    # The headline is why coverage, with the commit nobody explained.
    assert out.split("\n")[2] == ("**Why coverage: 3 of 4 commits (75%) and 5 of 7 changed lines (71%) "
                                  "have an explaining entry.**")
    assert re.search(r"^Not explained: [0-9a-f]{7} 2026-11-24 Grace Hopper: Tweak CSS \(2 lines\)\.$",
                     out, re.M)
    shop = out.split("\n## shop\n")[1].split("\n## ")[0]
    # The entry the issue missed, with everything under it.
    assert ("- 09:45 Split the payment service · [raw](logs/archive/2026-11/shop/ada/2026-11-23-"
            in shop)
    entry = shop.split("Split the payment service")[1].split("\n- ")[0]
    assert entry.endswith(
        ".md)\n  - Decision: two services, because settlement scales separately\n"
        "  - Note: 10k templates, 3% hit-rate gain\n"
        "  - Tried: one service with two queues; settlement still starved checkout")
    assert "- Two services, because settlement scales separately — ada, 2026-11-23, in “Split the " \
        "payment service”" in shop
    assert "- **ada**: load-test settlement (from 2026-11-23)" in shop
    billing = out.split("\n## billing\n")[1].split("\n## ")[0]
    assert billing.startswith("\n3 entries by ada (1), grace (2); 2 decisions, 2 blockers opened, "
                              "0 closed, 2 open.\n")
    assert ("- **grace** is waiting on: finance sample CSV from accounting — open 1 d 22 h, since "
            "2026-11-24 14:00, in “Export job”") in billing
    assert "- 15:00 Export <b>staging</b> _(claude-code)_ · [raw]" in billing
    assert "Postgres" not in out  # before the period
    # Every measure says how it was measured.
    measures = out.split("\n## Measures\n")[1]
    for name in ("Why coverage", "Context switching", "Blocker frequency", "Per assistant"):
        section = measures.split(f"### {name}\n")[1].split("\n### ")[0]
        assert "_Method: " in section, name
    assert ("3 of 4 commits explained (2 by consolidating their entries, 1 by a nearby entry naming a "
            "changed file); 5 of 7 changed lines.") in measures
    assert "- ada: 2 switches over 1 day (2.0 a day)" in measures
    assert ("- Recurring **2×**: Redis session store not configured in billing staging — ada, grace in "
            "billing, shop; 1 open now; median 240 min to close") in measures
    assert "| claude-code | 1 | 1 | 0 | 1 | 0 | 1 h 00 min |" in measures
    assert "| (no assistant named) | 5 | 3 | 1 | 2 | 1 | 3 h 00 min |" in measures


def test_weekly_digest_json_has_the_same_content(weekly_repo: Repo) -> None:
    data = json.loads(weekly_repo.sl("report", "weekly", "--json", env=NOW).stdout)
    assert data["coverage"]["commits"] == 4 and data["coverage"]["explained"] == 3
    assert data["coverage"]["lines"] == 7 and data["coverage"]["explained_lines"] == 5
    assert [c["subject"] for c in data["coverage"]["unexplained"]] == ["Tweak CSS"]
    shop = next(p for p in data["projects"] if p["name"] == "shop")
    (ada,) = shop["people"]
    titles = [e["title"] for d in ada["days"] for e in d["entries"]]
    assert titles == ["Session store", "Split the payment service",
                      "Staging ready; retries in worker.py next"]
    split = ada["days"][0]["entries"][1]
    assert [(b["kind"], b["text"]) for b in split["bullets"]] == [
        ("decision", "Decision: two services, because settlement scales separately"),
        ("note", "Note: 10k templates, 3% hit-rate gain"),
        ("finding", "Tried: one service with two queues; settlement still starved checkout"),
    ]
    assert data["totals"] == {"entries": 6, "contributors": 2, "projects": 2, "decisions": 4, "findings": 1,
                              "blockers_opened": 3, "blockers_closed": 1, "blockers_open": 2}
    again = weekly_repo.sl("report", "weekly", "--json", env=NOW).stdout
    assert json.loads(again) == data


def test_html_links_every_entry_and_still_prints_the_markdown(weekly_repo: Repo, tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    out_dir.mkdir()
    page = out_dir / "weekly.html"
    proc = weekly_repo.sl("report", "weekly", "--html", str(page), env=NOW)
    assert proc.stdout == weekly_repo.sl("report", "weekly", env=NOW).stdout  # the Markdown, as help says
    assert f"wrote the weekly report to {page}" in proc.stderr
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'<a class="raw" href="([^"]+)">raw</a>', html)
    entries = html.count('<li class="entry">')
    assert entries == 6 and len(links) >= entries
    for link in links:
        assert not link.startswith(("/", "file:")), link  # relative
        assert (out_dir / link).resolve().is_file(), link  # and it leads to the raw archive file
    assert "1 blocker closed" not in html.replace("<b>1</b>blocker closed", "")
    assert "<b>1</b>blocker closed" in html and "<b>3</b>blockers opened" in html
    assert "1 blockers" not in html and "1 entries" not in html and "1 decisions" not in html
    # One colour per series: within one chart every bar has the same fill.
    for chart in html.split("<figure")[1:]:
        assert len(set(re.findall(r'fill="(#[0-9a-f]{6})"', chart))) == 1
    # Byte for byte again.
    weekly_repo.sl("report", "weekly", "--html", str(out_dir / "again.html"), env=NOW)
    assert (out_dir / "again.html").read_text(encoding="utf-8") == html


def test_html_into_a_missing_folder_is_an_error_with_the_fix(weekly_repo: Repo, tmp_path: Path) -> None:
    target = tmp_path / "reprots" / "weekly.html"
    proc = weekly_repo.sl("report", "weekly", "--html", str(target), check=False, env=NOW)
    assert proc.returncode == 1 and proc.stdout == ""
    assert f"--html {target}: the folder {target.parent} does not exist" in proc.stderr
    assert f"Fix: check the path, or create the folder first (`mkdir -p {target.parent}`)" in proc.stderr
    assert not target.parent.exists()


def test_one_digest_across_two_repositories_one_of_them_bare(
        weekly_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = setup_repo(tmp_path / "billing-svc", monkeypatch)
    other.log("2026-11-25T10:00:00+01:00", "Ledger import", "Decision: nightly import, because the bank "
              "sends one file a day", user="lin", project="ledger")
    other.write("ledger.py", "SCHEDULE = 'nightly'\n")
    other.git("add", "ledger.py")
    commit(other, "2026-11-25T10:30:00+01:00", "-m", "Nightly ledger import")
    # Logged but not committed: a report across repositories reads committed archives only.
    other.log("2026-11-25T11:00:00+01:00", "Uncommitted thought", user="lin", project="ledger")
    mirror = tmp_path / "mirrors" / "billing-svc.git"
    other.git("clone", "-q", "--bare", str(other.path), str(mirror))
    # Uncommitted archive files in a work tree are not read either.
    weekly_repo.write("logs/archive/2026-11/shop/ada/2026-11-25-0000000000.md",
                      "# sessionlog: shop / ada / 2026-11-25\n"
                      "<!-- sessionlog date=2026-11-25 zone=UTC offset=+00:00 -->\n\n"
                      "## 09:00 - Not committed\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = weekly_repo.sl("report", "weekly", "--repo", str(weekly_repo.path), "--repo", str(mirror),
                         env=NOW, cwd=elsewhere).stdout
    assert "## ledger\n\n1 entry by lin (1); 1 decision, 0 blockers opened, 0 closed, 0 open." in out
    assert "- 10:00 Ledger import · [raw](billing-svc/logs/archive/2026-11/ledger/lin/2026-11-25-" in out
    assert "## shop\n" in out and "## billing\n" in out
    assert "Uncommitted thought" not in out and "Not committed" not in out
    # Coverage over both: the mirror's commit was consolidated with its entry.
    assert out.split("\n")[2] == ("**Why coverage: 4 of 5 commits (80%) and 6 of 8 changed lines (75%) "
                                  "have an explaining entry.**")
    assert ("from 8 committed archived entries in 2 repositories: shop (HEAD), billing-svc (bare, HEAD)."
            in out)
    # The other reports too: onboarding names each repository's own files.
    onboarding = weekly_repo.sl("report", "onboarding", "--repo", str(weekly_repo.path), "--repo",
                                str(mirror), env=NOW, cwd=elsewhere).stdout
    assert ("1 entry from 2026-11-25 to 2026-11-25. Read first: billing-svc/logs/ledger-status.md, "
            "billing-svc/logs/ledger-session-log-2026-11.md.") in onboarding
    # The same through a workspace file, and the HTML links only where there is a file.
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# our repositories\n{weekly_repo.path}\nmirrors/billing-svc.git\n", encoding="utf-8")
    page = elsewhere / "all.html"
    same = weekly_repo.sl("report", "weekly", "--workspace", str(listing), "--html", str(page),
                          env=NOW, cwd=elsewhere).stdout
    assert same == out
    html = page.read_text(encoding="utf-8")
    for link in re.findall(r'<a class="raw" href="([^"]+)">raw</a>', html):
        assert (elsewhere / link).resolve().is_file(), link
    assert ('title="in a bare repository: no file to link to">'
            'billing-svc/logs/archive/2026-11/ledger/lin/') in html


def test_bad_repositories_name_the_fix(weekly_repo: Repo, tmp_path: Path) -> None:
    proc = weekly_repo.sl("report", "weekly", "--repo", str(tmp_path / "nope"), check=False, env=NOW)
    assert proc.returncode == 1
    assert (f"--repo {tmp_path / 'nope'}: no such folder. Fix: pass the path of a git repository"
            in proc.stderr)
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = weekly_repo.sl("report", "weekly", "--repo", str(plain), check=False, env=NOW, cwd=tmp_path)
    assert f"--repo {plain}: not a git repository. Fix:" in proc.stderr
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{weekly_repo.path}\n\n../typo\n", encoding="utf-8")
    proc = weekly_repo.sl("report", "weekly", "--workspace", str(listing), check=False, env=NOW)
    assert f"{listing}:3: ../typo: no such folder. Fix:" in proc.stderr
