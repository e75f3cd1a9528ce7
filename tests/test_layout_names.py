"""logs.layout.day_in_name (no `re`, on the per-prompt path) against the name patterns."""
from __future__ import annotations

from pathlib import Path

import pytest

from sessionlog_git.logs import layout

NAMES = [
    "2026-11-25.md", "2026-11-25-abcdef.md", "2026-11-25-" + "a" * 64 + ".md",
    "2026-11-25-" + "a" * 65 + ".md", "2026-11-25-abcde.md", "2026-11-25-ABCDEF.md",
    "2026-11-25-abcdeg.md", "2026-11-25.md.tmp", "2026-11-25.MD", "2026-11-25.md\n", "x2026-11-25.md",
    "2026-1-25.md", "2026_11_25.md", "\u0662\u0660\u0662\u0666-11-25.md", "2026-11-25-abcdef.md ",
    "2026-11-25--abcdef.md", "2026-13-45.md", ".md", "", "2026-11-25", "2026-11-25-.md",
    "\u00b2026-11-25.md", "2026-11-25-\u0661bcdef.md",
]


@pytest.mark.parametrize("name", NAMES)
def test_day_in_name_agrees_with_the_patterns(name: str) -> None:
    pending = layout.pending_match(name)
    archive = layout.archive_match(name)
    assert layout.day_in_name(name, archive=False) == (pending[1] if pending else None)
    assert layout.day_in_name(name, archive=True) == (archive[1] if archive else None)


FOLDERS = ["ada", "Ada.Lovelace_1-x", "a", "a" * 64, "a" * 65, "", ".hidden", "-dash", "_under", "a..b",
           "a.", "x.lock", "x.locked", "é", "ada\n", "ada ", "a/b", "\u0661", "ok.lock.d", "A9", "9"]


@pytest.mark.parametrize("name", FOLDERS)
def test_folder_names_are_safe_exactly_when_names_says_so(name: str) -> None:
    from sessionlog_git.base import names

    assert layout.MAX_NAME == names.MAX_NAME
    assert layout._safe(name) == names.is_safe(name)


def test_the_lean_datetime_classes_are_datetimes_own() -> None:
    import datetime

    from sessionlog_git.base import dt

    for name in dt.__all__:
        assert getattr(dt, name) is getattr(datetime, name)


def test_named_months_give_the_folders_the_listing_gives(tmp_path: Path) -> None:
    """`walk(months=...)` opens the named month folders without listing the archive (the
    per-prompt hook asks month by month); what it finds is what the filtered listing finds:
    real folders with safe names only, never a link, in path order."""
    root = tmp_path / "archive"
    for month in ("2026-09", "2026-10", "2026-11", "bad name"):
        for project, user in (("shop", "ada"), ("shop", "bob"), ("api", "ada")):
            (root / month / project / user).mkdir(parents=True)
            (root / month / project / user / f"{month[:7]}-01-abcdef.md").write_text("x")
    (root / "2026-12").symlink_to(root / "2026-11")  # a link is never a month
    (root / "2027-01").write_text("not a folder")
    listed = {month: [f.path for f in layout.folders(root, archive=True, user=user)
                      if f.month == month]
              for month in ("2026-09", "2026-10", "2026-11") for user in ("ada",)}
    for month, expected in listed.items():
        got = layout.folders(root, archive=True, months=(month,), user="ada")
        assert [f.path for f in got] == expected and len(expected) == 2
    for missing in ("2026-12", "2027-01", "bad name", "2026-08", "../archive/2026-11", ""):
        assert layout.folders(root, archive=True, months=(missing,)) == []
        assert layout.walk(root, archive=True, months=(missing,)) == []
    several = layout.walk(root, archive=True, months=("2026-11", "2026-09", "2026-11"))
    assert [f.path for f in several] == [f.path for f in layout.walk(root, archive=True)
                                         if f.month in ("2026-09", "2026-11")]


@pytest.mark.parametrize("archive", [True, False])
def test_a_named_user_gives_the_folders_the_listing_gives(tmp_path: Path, archive: bool) -> None:
    """`walk(user=...)` looks the user's folder up before listing a project's folders (the
    per-prompt hook of a contributor new to a long archive asks every month); what it finds
    is what the listing finds: a real folder with exactly that safe name, never a link or a
    file, nothing for a name that is no folder name."""
    root = tmp_path / "logs"
    base = root / "2026-11" if archive else root
    for project in ("api", "shop"):
        (base / project / "ada").mkdir(parents=True)
        (base / project / "ada" / "2026-11-02-abcdef.md" if archive
         else base / project / "ada" / "2026-11-02.md").write_text("x")
    (base / "shop" / "ada" / "x").mkdir()  # a folder inside, reachable as "ada/x"
    (base / "shop" / "link").symlink_to(base / "shop" / "ada")
    (base / "shop" / "file").write_text("not a folder")
    for user in ("ada", "bob", "link", "file", "ada/x", "..", ".", "", "ADA", "../shop/ada"):
        strays: list[layout.Stray] = []
        listed = [f.path for f in layout.folders(root, archive=archive, strays=strays)
                  if f.user == user]
        got = layout.folders(root, archive=archive, user=user)
        assert [f.path for f in got] == listed, user
        assert [f.path for f in layout.walk(root, archive=archive, user=user)] == [
            f.path for f in layout.walk(root, archive=archive, strays=[]) if f.user == user]
    assert len(layout.walk(root, archive=archive, user="ada")) == 2


def test_a_time_is_in_the_month_of_its_own_local_date() -> None:
    """`month_at` (each month's name made once) names what `month_of` names for the time's own
    date: at the edges of a month and a year, in any offset, and for a date itself."""
    from datetime import date, datetime, timedelta, timezone

    from sessionlog_git.logs.layout import month_at, month_of

    for offset in (-12, -5, 0, 1, 14):
        zone = timezone(timedelta(hours=offset))
        for at in (datetime(2024, 12, 31, 23, 59, tzinfo=zone), datetime(2025, 1, 1, 0, 0, tzinfo=zone),
                   datetime(2024, 2, 29, 12, 0, tzinfo=zone), datetime(999, 3, 1, tzinfo=zone)):
            assert month_at(at) == month_of(at.date())
            assert month_at(at.astimezone(timezone.utc)) == month_of(at.astimezone(timezone.utc).date())
    assert month_at(date(2026, 11, 28)) == "2026-11"
