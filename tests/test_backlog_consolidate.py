"""A backlog (many temp logs at once, as after weeks without a commit) is consolidated as a
single new day is: each temp log archived verbatim (secrets redacted), staged, and gone from
the pending folder, its emptied folders too."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from conftest import Repo
from secret_corpus import SECRETS

from sessionlog_git.logs import layout
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry

USERS = ("ada", "grace")
DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(20)]  # 40 temp logs


def _temp_log(user: str, day: date, extra: str = "") -> str:
    lines = [*file_header("shop", user, day, "UTC", "+00:00"), ""]
    for i in range(3):
        at = datetime(day.year, day.month, day.day, 9 + i, 15, tzinfo=timezone.utc)
        bullets = [f"Worked on the {user} queue, step {i}",
                   "Decision: retry with backoff over a fixed delay, because the vendor limits us"]
        if extra and i == 1:
            bullets.append(extra)
        entry = entry_from_parts(f"{at:%H:%M}", f"Queue work {i}", bullets, {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    return "\n".join(lines)


def test_a_backlog_is_archived_verbatim_staged_and_leaves_the_pending_folder(native_repo: Repo) -> None:
    repo = native_repo
    pending = repo.state() / "pending"
    secret_line = SECRETS[0][1].removeprefix("- ")
    written: dict[tuple[str, date], str] = {}
    for user in USERS:
        for k, day in enumerate(DAYS):
            text = _temp_log(user, day, secret_line if (user, k) == ("grace", 7) else "")
            path = layout.pending_file(pending, "shop", user, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written[(user, day)] = text
    out = repo.sl("consolidate")
    assert f"consolidated {3 * len(written)} entries from {len(written)} temp logs" in out.stdout
    assert "redacted 1 secret" in out.stdout

    archived = repo.archived()
    assert len(archived) == len(written)
    by_name = {(p.parent.name, date.fromisoformat(p.name[:10])): data.decode("utf-8")
               for p, data in archived.items()}
    secret_at = ("grace", DAYS[7])
    for key, text in written.items():
        if key == secret_at:
            assert "[REDACTED:" in by_name[key] and secret_line not in by_name[key]
        else:
            assert by_name[key] == text  # verbatim
    # Twenty archive files of one contributor's month: one pack each (consolidate.PACK_FROM).
    staged = [line for line in repo.porcelain() if line.startswith("A  logs/archive/")]
    assert [line.rpartition("/")[2][:5] for line in staged] == ["pack-"] * len(USERS)
    assert sorted(p.name for p in repo.archive()) == sorted(line.rpartition("/")[2] for line in staged)
    # Every temp log and every folder they emptied is gone; the pending folder itself stays.
    assert repo.pending() == []
    assert pending.is_dir() and [p.name for p in pending.iterdir() if p.is_dir()] == []


def test_a_folder_with_pack_from_new_files_gets_one_pack_and_one_with_fewer_stays_loose(
        native_repo: Repo) -> None:
    """One commit archives PACK_FROM - 1 files into ada's month folder and PACK_FROM into
    grace's: ada's stay loose, grace's are one pack. Every `[raw]` link of the views names a
    file the commit holds, and each entry's own bytes are read back from where it lies."""
    import re

    from sessionlog_git.pipeline.consolidate import PACK_FROM

    repo = native_repo
    pending = repo.state() / "pending"
    written: dict[tuple[str, date], str] = {}
    for user, count in (("ada", PACK_FROM - 1), ("grace", PACK_FROM)):
        for day in DAYS[:count]:
            path = layout.pending_file(pending, "shop", user, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            written[(user, day)] = _temp_log(user, day)
            path.write_text(written[(user, day)], encoding="utf-8")
    repo.sl("consolidate")
    repo.git("commit", "-q", "-m", "a backlog")
    lying: dict[str, list[str]] = {}
    for p in repo.archive():
        lying.setdefault(p.parent.name, []).append(p.name)
    assert len(lying["ada"]) == PACK_FROM - 1 and not any(n.startswith("pack-") for n in lying["ada"])
    assert len(lying["grace"]) == 1 and lying["grace"][0].startswith("pack-")
    archived = repo.archived()
    assert {(p.parent.name, date.fromisoformat(p.name[:10])): d.decode() for p, d in archived.items()} \
        == written
    committed = set(repo.head_files())
    for view in ("logs/shop-session-log-2026-11.md", "logs/shop-status.md"):
        links = set(re.findall(r"\[raw\]\((archive/[^)]+)\)", repo.read(view)))
        assert links and all(f"logs/{link}" in committed for link in links), view
    month = repo.read("logs/shop-session-log-2026-11.md")
    assert month.count(f"/grace/{lying['grace'][0]})") == 3 * PACK_FROM  # three entries a day
    repo.sl("check")
