"""The why survives history rewriting: squash merge, `rebase -i` with fixups, cherry-pick,
and the fallback for when the commit link is gone. Archive files are tree content: they
travel with the code they were committed with."""
from __future__ import annotations

import json

from conftest import Repo
from test_why import commit_at

DECISION = "Decision: retry card charges three times, because the gateway drops requests"


def _feature(repo: Repo, count: int = 2) -> None:
    """A feature branch: each commit carries one entry about the payments change."""
    repo.git("checkout", "-q", "-b", "feature")
    texts = [DECISION, "Decision: back off 2 seconds between retries, because of rate limits",
             "Tried: a 100 ms back-off; the gateway rate-limited us"]
    for n in range(count):
        repo.log(f"2026-11-25T1{n}:10:00+01:00", f"Payments step {n + 1}", texts[n])
        repo.write("payments.py", "".join(f"STEP_{i} = {i}\n" for i in range(n + 1)))
        repo.git("add", "payments.py")
        commit_at(repo, f"2026-11-25T1{n}:30:00+01:00", "-m", f"Payments step {n + 1}")
    assert len(repo.archive()) == count


def _finds_the_decisions(repo: Repo, *texts: str) -> None:
    why = repo.sl("why", "payments.py:1").stdout
    assert "## Session entries consolidated in this commit" in why
    for text in texts:
        assert f"- {text}" in why
    answer = json.loads(repo.sl("context", "payments.py", "--json").stdout)
    found = {i["text"]: i["why"] for i in answer["items"]}
    for text in texts:
        assert found[text] == "a commit that changed payments.py carried it"


def test_after_a_squash_merge(native_repo: Repo) -> None:
    repo = native_repo
    _feature(repo)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--squash", "feature")
    commit_at(repo, "2026-11-25T13:00:00+01:00", "-m", "Payments (squashed)")
    repo.git("branch", "-q", "-D", "feature")  # the original commits are gone from history
    latest = repo.git("log", "--format=%s", "--", "payments.py").stdout.split("\n")[0]
    assert latest == "Payments (squashed)"
    _finds_the_decisions(repo, DECISION,
                         "Decision: back off 2 seconds between retries, because of rate limits")


def test_after_rebase_with_fixups(native_repo: Repo) -> None:
    repo = native_repo
    _feature(repo, count=3)
    env = {"GIT_SEQUENCE_EDITOR": "sed -i -e '2,$ s/^pick/fixup/'"}
    repo.git("rebase", "-q", "-i", "main", env=env)
    subjects = repo.git("log", "--format=%s", "main..HEAD").stdout.split()
    assert subjects == ["Payments", "step", "1"]  # one commit left
    files = repo.head_files()
    assert "payments.py" in files and sum(f.startswith("logs/archive/") for f in files) == 3
    _finds_the_decisions(repo, DECISION,
                         "Decision: back off 2 seconds between retries, because of rate limits",
                         "Tried: a 100 ms back-off; the gateway rate-limited us")


def test_after_a_cherry_pick(native_repo: Repo) -> None:
    repo = native_repo
    _feature(repo, count=1)
    sha = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", sha)
    repo.git("branch", "-q", "-D", "feature")
    assert repo.git("rev-parse", "HEAD").stdout.strip() != sha
    _finds_the_decisions(repo, DECISION)


def test_when_the_commit_link_is_gone_the_entries_that_name_the_file_answer(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T14:10:00+01:00", "Payments retries",
             "Decision: payments.py retries card charges three times, because the gateway "
             "drops requests")
    repo.log("2026-11-25T14:20:00+01:00", "Unrelated", "Decision: dark mode by default")
    repo.write("payments.py", "RETRIES = 3\n")
    repo.git("add", "payments.py")
    # Committed without its entries (no hook): they land later, in a commit without the code.
    commit_at(repo, "2026-11-25T15:00:00+01:00", "--no-verify", "-m", "Retry card charges")
    commit_at(repo, "2026-11-25T17:00:00+01:00", "--allow-empty", "-m", "Session notes")
    assert repo.head_files("HEAD~1") == ["payments.py"]

    why = repo.sl("why", "payments.py:1").stdout
    assert "This commit consolidated no session entries (the link is gone" in why
    assert "## Entries that name payments.py (1, best first)" in why
    assert "payments.py retries card charges three times" in why
    assert "dark mode" not in why and "Nearest in time" not in why
    answer = json.loads(repo.sl("context", "payments.py", "--json").stdout)
    assert [(i["text"], i["why"]) for i in answer["items"]] == [
        ("Decision: payments.py retries card charges three times, because the gateway drops "
         "requests", "it names payments.py")]


def test_why_marks_a_superseded_decision_and_shows_its_replacement_first(native_repo: Repo) -> None:
    repo = native_repo
    _feature(repo, count=1)
    repo.log("2026-11-26T09:00:00+01:00", "Gateway dedupes now",
             "Supersedes: retry card charges three times",
             "Decision: retry card charges once, because the gateway deduplicates now")
    commit_at(repo, "2026-11-26T09:30:00+01:00", "--allow-empty", "-m", "Gateway notes")
    out = repo.sl("why", "payments.py:1").stdout
    replacement = out.index("— Gateway dedupes now\n_replacement from a later entry, shown first: "
                            f"it supersedes {DECISION}_")
    old = out.index("— Payments step 1 [SUPERSEDED]")
    assert replacement < old
    assert (f"- ~~{DECISION}~~ _(decision)_ (superseded 2026-11-26 by ada: Decision: retry card "
            "charges once, "
            "because the gateway deduplicates now · raw: logs/archive/2026-11/shop/ada/") in out
    answer = json.loads(repo.sl("why", "payments.py:1", "--json").stdout)
    first, second = answer["entries"]
    assert first["replacement_for"] == [DECISION]
    assert second["superseded"] is True
    assert second["decisions"][0]["state"] == "superseded"
    assert second["decisions"][0]["retired_by"]["replacements"] == [
        "Decision: retry card charges once, because the gateway deduplicates now"]
