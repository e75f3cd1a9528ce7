"""insight.search: ranked full-text search over pending and archived entries."""
from __future__ import annotations

import pytest
from conftest import Repo

from sessionlog_git import workspace
from sessionlog_git.errors import SessionlogError
from sessionlog_git.insight.search import search


def _titles(hits: list[dict[str, object]]) -> list[object]:
    return [hit["title"] for hit in hits]


@pytest.fixture
def logged(native_repo: Repo) -> Repo:
    repo = native_repo
    repo.log("2026-11-20T09:00:00+01:00", "Moved the queue to Redis",
             "Decision: Redis streams over RabbitMQ, because we already run Redis")
    repo.log("2026-11-20T11:00:00+01:00", "Long day of refactoring",
             "Renamed the billing module and split the invoice code into three files",
             "Touched the redis client config once", "Next: update the billing docs")
    repo.git("commit", "-q", "--allow-empty", "-m", "Archive the first entries")
    repo.log("2026-11-25T09:00:00+01:00", "Authentication middleware",
             "Blocked on: the identity provider sandbox is down", user="bob")
    repo.log("2026-11-25T10:00:00+01:00", "Redis failover drill", "Finding: failover takes 40 s",
             project="ops")
    return repo


def test_ranks_title_and_dense_matches_first_and_says_where_each_hit_lives(
    logged: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONLOG_NOW", "2026-11-25T12:00:00+01:00")
    hits = search(workspace.at(logged.path), "redis")
    # Both titles name Redis; the one that names it three times in a short entry ranks first,
    # the entry with Redis once in a long bullet last.
    assert _titles(hits) == ["Moved the queue to Redis", "Redis failover drill", "Long day of refactoring"]
    assert [h["state"] for h in hits] == ["archived", "pending", "archived"]
    assert hits[1]["source"] == ".sessionlog/pending/ops/ada/2026-11-25.md"
    assert hits[0]["score"] > hits[1]["score"] > hits[2]["score"] > 0
    assert hits[2]["matches"] == ["Touched the redis client config once"]


def test_prefix_words_filters_and_limit(logged: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONLOG_NOW", "2026-11-25T12:00:00+01:00")
    ws = workspace.at(logged.path)
    assert _titles(search(ws, "authent*")) == ["Authentication middleware"]
    assert search(ws, "authent") == []  # without the star a word matches whole
    assert _titles(search(ws, "redis", project="ops")) == ["Redis failover drill"]
    assert _titles(search(ws, "redis sandbox", author="bob")) == ["Authentication middleware"]
    assert _titles(search(ws, "billing redis", kind="next")) == ["Long day of refactoring"]
    assert _titles(search(ws, "redis", since="2026-11-24")) == ["Redis failover drill"]
    assert _titles(search(ws, "redis", since="2d")) == ["Redis failover drill"]
    assert len(search(ws, "redis", limit=1)) == 1
    assert search(ws, "kubernetes") == []


@pytest.mark.parametrize(
    ("query", "options", "message"),
    [
        ("", {}, "has no words to look for. Fix: pass one or more words"),
        ("redis", {"kind": "decisions"}, "search kind 'decisions': unknown. Fix: pass one of decision"),
        ("redis", {"limit": 0}, "search limit 0: out of range. Fix: pass a limit from 1 to 200"),
        ("redis", {"since": "last week"}, "--since 'last week': not a date or a span. Fix:"),
    ],
)
def test_bad_input_says_how_to_fix_it(native_repo: Repo, query: str, options: dict[str, object],
                                      message: str) -> None:
    with pytest.raises(SessionlogError) as caught:
        search(workspace.at(native_repo.path), query, **options)  # type: ignore[arg-type]
    assert message in str(caught.value)
