"""Views are safe Markdown whatever the log says; octopus merges end with correct views."""
from __future__ import annotations

import json

from conftest import PYTHON, Repo

MASTER = "logs/shop-session-log-2026-11.md"
STATUS = "logs/shop-status.md"
HOSTILE = [
    "Decision: keep <script>alert('x')</script> out",
    "Blocked on: <img src=x onerror=alert(1)> in the preview",
    "Next: read [the guide](javascript:alert(document.cookie))",
    "Next: also [this](  JaVa&#115;cript:alert(2)) and [that](<javascript:alert(3)>)",
    "Next: [ref]: javascript:alert(4)",
    "Decision: a < b stays readable, [docs](https://example.com) stay a link",
]


def test_views_escape_raw_html_and_script_links(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Title with <b onmouseover=alert(5)>bold</b>", *HOSTILE)
    repo.git("commit", "--allow-empty", "-qm", "logs")
    for rel in (MASTER, STATUS):
        text = repo.tracked(rel)
        lowered = text.lower()
        for raw in ("<script", "<img", "<b ", "](javascript:", "](  java", "](<javascript"):
            assert raw not in lowered, (rel, raw)
        assert "\n  - [ref]:" not in text and "- [ref]:" not in text
    master = repo.tracked(MASTER)
    assert "&lt;script>alert('x')&lt;/script>" in master
    assert "a < b stays readable, [docs](https://example.com) stay a link" in master
    # The archive keeps the text verbatim.
    [archived] = repo.archive()
    assert "<script>alert('x')</script>" in archived.read_text()
    assert "[the guide](javascript:alert(document.cookie))" in archived.read_text()
    assert repo.sl("check").returncode == 0


REBUILD = (
    "import json, pathlib; from sessionlog_git import workspace; "
    "from sessionlog_git.pipeline import consolidate; "
    "print(json.dumps(consolidate.rebuild(workspace.at(pathlib.Path.cwd()))))"
)


def test_octopus_merge_of_branches_that_logged_in_the_same_month(native_repo: Repo) -> None:
    """Git stops the octopus with the views unmerged (it runs no merge driver in one); the
    commit that concludes it holds views rendered from the merged archive."""
    repo = native_repo
    for branch, hour, logs in (("b1", 9, True), ("b2", 10, False), ("b3", 11, True)):
        repo.git("checkout", "-qb", branch, "main")
        if logs:
            repo.log(f"2026-11-25T{hour:02d}:00:00+01:00", f"Work on {branch}",
                     f"Decision: {branch} way", user=branch)
        repo.write(f"{branch}.py", "x = 1\n")
        repo.git("add", f"{branch}.py")
        repo.git("commit", "-qm", branch)
    repo.git("checkout", "-q", "main")
    merged = repo.git("merge", "--no-edit", "b1", "b2", "b3", check=False)
    assert merged.returncode != 0
    assert len((repo.path / ".git/MERGE_HEAD").read_text().split()) == 3  # an octopus underway
    # git's plain text merge could not merge the view: unmerged, holding one side only.
    assert f"AA {MASTER}" in repo.porcelain()
    repo.git("add", "logs")
    done = repo.git("commit", "--no-edit", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "octopus merge: re-rendered" in done.stdout + done.stderr
    assert len(repo.git("log", "-1", "--format=%P").stdout.split()) == 3  # b1 (fast-forward), b2, b3
    fresh = json.loads(repo.run(PYTHON, "-c", REBUILD).stdout)
    for rel in (MASTER, STATUS):
        assert repo.tracked(rel) == fresh[rel], rel
        assert "<<<<<<<" not in repo.tracked(rel)
    assert "Work on b1 ·" in repo.tracked(MASTER) and "Work on b3 ·" in repo.tracked(MASTER)
    assert repo.porcelain() == []
    assert repo.sl("check").returncode == 0


def test_views_fold_every_whitespace_run_into_one_space(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Folded title",
             "Decision: keep\ttabs,  doubled\u00a0spaces and\u3000wide ones\u2028apart ",
             "Next: plain text stays as written")
    repo.git("commit", "--allow-empty", "-qm", "logs")
    master = repo.tracked(MASTER)
    assert "  - Decision: keep tabs, doubled spaces and wide ones apart\n" in master
    assert "  - Next: plain text stays as written\n" in master


def test_one_line_folds_exactly_what_splitting_on_whitespace_folds() -> None:
    import sys

    from sessionlog_git.base.text import one_line

    def reference(text: str) -> str:
        return " ".join(text.split())

    blanks = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    samples = ["", " ", "plain words", " lead", "trail ", "two  spaces", "tab\there", "\u200bzero width",
               "emoji \U0001f600 ok", "ctrl\x00char", "é accents", "a\x7fdel"]
    samples += [f"a{blank}b" for blank in blanks] + [f"{blank}x{blank}" for blank in blanks]
    for text in samples:
        assert one_line(text) == reference(text), repr(text)


def test_a_views_line_of_plain_text_is_told_as_the_escaping_tells_it() -> None:
    """`views._md` returns plain text as it is without calling one_line and inline: exactly
    when those would return it unchanged (every blank, the characters the escaping looks
    for, alone, doubled, at either end)."""
    import sys

    from sessionlog_git.base.text import one_line
    from sessionlog_git.logs import views
    from sessionlog_git.logs.mdsafe import inline

    blanks = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    marks = ["<", "<a", "](", "](javascript:x)", "]:", "[r]:", "[r]: x", " [r]:", "]", "(", "\x00",
             "\u200b", "é", "  "]
    samples = ["", " ", "plain words", "a < b", "[docs](https://example.com)", *HOSTILE]
    samples += [f"{a}{mark}{b}" for mark in marks + blanks for a, b in (("", ""), ("x ", ""),
                                                                     ("", " x"), ("x", "y"))]
    for text in samples:
        assert views._md(text) == inline(one_line(text)), repr(text)


def test_a_master_log_lists_the_entries_of_its_month_only() -> None:
    """master_log tells a record's month by its date's numbers: the entries of the month
    named, none of the days around it, and none for a name no month folder has."""
    from datetime import date, datetime, timedelta, timezone

    from sessionlog_git.logs import views
    from sessionlog_git.logs.entries import Bullet, Entry
    from sessionlog_git.logs.model import Record

    zone = timezone(timedelta(hours=-5))
    records = [Record(Entry("23:30", f"On {day}", [Bullet("next", "Next: more", 3)], {}, "", 2,
                            day, datetime(day.year, day.month, day.day, 23, 30, tzinfo=zone)),
                      "shop", "ada", f"archive/{day}.md")
               for day in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 30),
                           date(2026, 12, 1))]
    view = views.master_log("shop", "2026-11", records)
    [ada] = view["contributors"]
    assert [d["date"] for d in ada["days"]] == ["2026-11-01", "2026-11-30"]
    assert view["total"] == 2
    assert ada["days"][0]["entries"][0][3] == "On 2026-11-01"
    for name in ("2026-11-", "2026-1", "2026-13", "0000-11", "x", "", "2026-11x"):
        assert views.master_log("shop", name, records)["total"] == 0, name
