"""The blockers report from its memo (insight.blockermemo): the report as it stood at the start
of the newest month folder, kept, and only the newest month folded onto it, is byte for byte
the report rendered from every archived record, through commits into the newest month, files
in older months, a new month, reports asked for the past, and a damaged or deleted memo."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import Repo
from test_report_scale import VOCABULARY, _record, _write_day

from sessionlog_git import workspace
from sessionlog_git.base.text import one_line
from sessionlog_git.insight import assemble, blockerlog, blockermemo, reports
from sessionlog_git.insight import recurring as recurring_cache
from sessionlog_git.logs import layout
from sessionlog_git.logs.archive import content_id
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry
from sessionlog_git.logs.model import Blocker, Record
from sessionlog_git.pipeline.render import render


def _misfiled(top: Path, folder_day: date, at_day: date, seed: int) -> None:
    """An archive file of `folder_day` whose entries were made on `at_day` (a temp log's
    entries carry their own time): its records come before others of earlier folders."""
    rng = random.Random(seed)
    lines = [*file_header("shop", "eve", folder_day, "UTC", "+00:00"), ""]
    start = datetime(at_day.year, at_day.month, at_day.day, 9, tzinfo=timezone.utc)
    for i in range(6):
        at = start + timedelta(minutes=41 * i)
        pick = " ".join(rng.sample(VOCABULARY, 2))
        bullets = [f"Worked on {pick}", f"Blocked on: {pick}" if i % 2 else f"Unblocked: {pick}"]
        entry = entry_from_parts(f"{at:%H:%M}", f"Late {i}", bullets, {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    data = "\n".join(lines).encode()
    path = top / layout.archive_rel("logs", "shop", "eve", folder_day, content_id(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _from_everything(top: Path, now: str) -> bytes:
    """The Markdown report rendered from every archived record, a view per blocker, no cache."""
    ws = workspace.at(top)
    at = datetime.fromisoformat(now)
    model = assemble.build("blockers", reports.load(ws), at, None, ws.config.logs_dir)
    return render("reports/blockers.md.j2", **model).encode()


@pytest.mark.parametrize("projects", [("shop",), ("shop", "billing")])
def test_blockers_report_from_its_memo_is_byte_identical_to_the_whole_fold(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes],
        projects: tuple[str, ...]) -> None:
    from sessionlog_git.commands import report as command

    top = native_repo.path
    rng = random.Random(23)
    day = date(2026, 1, 1)
    while day <= date(2026, 6, 9):
        # billing's newest month folder is May: a project whose newest folder is older than
        # the newest of all is held in the memo whole, and only its carried records come after.
        for project, user, offset, last in (("shop", "ada", "+00:00", date(2026, 6, 9)),
                                            ("shop", "bo", "+13:00", date(2026, 6, 9)),
                                            ("billing", "cy", "-09:30", date(2026, 5, 20))):
            if project in projects and day <= last and rng.random() < 0.6:
                _write_day(top, project, user, day, rng, rng.randint(1, 4), offset)
        day += timedelta(days=1)
    monkeypatch.chdir(top)
    calls = {"made": 0, "gone on": 0, "whole": 0}
    advance, every = blockermemo._advance, blockerlog.every_blocker

    def counted_advance(cfg: object, old: object, *args: object) -> object:
        made = advance(cfg, old, *args)  # type: ignore[arg-type]
        if made is not None:
            calls["made" if old is blockermemo._EMPTY else "gone on"] += 1
        return made

    def counted_every(*args: object, **kwargs: object) -> object:
        calls["whole"] += 1
        return every(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(blockermemo, "_advance", counted_advance)
    monkeypatch.setattr(blockerlog, "every_blocker", counted_every)
    kept = native_repo.state() / "cache" / "reports"

    def whole_fold() -> bytes:
        """The report from every month checkpoint, without the memo."""
        with monkeypatch.context() as patch:
            patch.setattr(blockermemo, "fold", lambda *_args: None)
            assert command.report(kind="blockers") == 0
        return capfdbinary.readouterr().out

    def report(label: str, now: str = "2026-06-10T18:00:00+00:00", *, misfiled: bool = False
               ) -> tuple[int, int, int]:
        """(memos made from nothing, memos gone on from an earlier month's, whole folds read)
        by one `report blockers`, which must be the report rendered from every record (with
        `misfiled` records, which the month checkpoints fold in their folder's turn: the
        report from those)."""
        calls.update({"made": 0, "gone on": 0, "whole": 0})
        monkeypatch.setenv("SESSIONLOG_NOW", now)
        capfdbinary.readouterr()
        assert command.report(kind="blockers") == 0
        got = capfdbinary.readouterr().out
        counted = calls["made"], calls["gone on"], calls["whole"]
        want = whole_fold() if misfiled else _from_everything(top, now)
        assert got == want, label
        assert want.count(b"\n- ~~") > 40 and b"\xc3\x97** " in want, label  # closed lines, recurring groups
        return counted

    def memos() -> list[str]:
        return sorted(p.name for p in kept.glob("blockers.memo.*"))

    assert report("cold") == (1, 0, 0)
    assert memos() == ["blockers.memo.2026-06.grouper.json", "blockers.memo.2026-06.json", blockermemo.HOMES]
    memo = kept / "blockers.memo.2026-06.json"
    stamp = memo.stat().st_mtime_ns
    assert report("warm") == (0, 0, 0)
    assert memo.stat().st_mtime_ns == stamp  # read back, not made again
    _write_day(top, "shop", "ada", date(2026, 6, 10), random.Random(5), 6)
    assert report("after a commit into the newest month") == (0, 0, 0)
    _write_day(top, "shop", "cy", date(2026, 6, 7), random.Random(6), 8)
    assert report("after a commit among the newest month's days") == (0, 0, 0)
    for user in ("ada", "bo"):  # records after "now" never were
        _write_day(top, "shop", user, date(2026, 6, 12), random.Random(user), 6)
    assert report("with entries after now") == (0, 0, 0)
    assert report("asked before the memo's last record", "2026-05-15T12:00:00+00:00") == (0, 0, 1)
    assert memo.stat().st_mtime_ns == stamp
    _write_day(top, "shop", "dee", date(2026, 2, 27), random.Random(99), 4, "+13:00")
    assert report("after a file in an old month") == (1, 0, 0)
    if "billing" in projects:  # a commit into billing's newest folder, older than the newest of all
        _write_day(top, "billing", "cy", date(2026, 5, 21), random.Random(7), 5, "-09:30")
        assert report("after a commit into an older project's newest month") == (1, 0, 0)
    for name in (blockermemo.HOMES, "blockers.memo.2026-06.json", "blockers.memo.2026-06.grouper.json"):
        (kept / name).write_text("{damaged")
        _write_day(top, "shop", "bo", date(2026, 6, 8), random.Random(name), 10, "+13:00")
        # The groups of the newest blockers restore the kept grouper; without it, the whole fold.
        assert report(f"with a damaged {name}") == {blockermemo.HOMES: (0, 0, 0),
                                                    "blockers.memo.2026-06.json": (1, 0, 0),
                                                    "blockers.memo.2026-06.grouper.json": (0, 0, 1)}[name]
    for path in kept.glob("blockers.memo*"):
        path.unlink()
    assert report("with the memo deleted") == (1, 0, 0)
    july = "2026-07-05T12:00:00+00:00"
    _write_day(top, "shop", "ada", date(2026, 7, 2), random.Random(8), 6)
    assert report("after a new month folder", july) == (0, 1, 0)  # June's memo, with June folded on
    assert report("warm again", july) == (0, 0, 0)
    _write_day(top, "shop", "bo", date(2026, 6, 11), random.Random(9), 6, "+13:00")  # a late file
    assert report("after a late file in the month before the newest", july) == (0, 1, 0)
    _write_day(top, "shop", "ada", date(2026, 8, 3), random.Random(10), 6)
    assert report("after another new month", "2026-08-05T12:00:00+00:00") == (0, 1, 0)
    # Records filed a month or more after their time (the archive files a temp log's entries
    # under its day: only a damaged one holds such): the memo holds none after its last.
    august = "2026-08-05T12:00:00+00:00"
    _misfiled(top, date(2026, 8, 4), date(2026, 7, 1), 11)  # in the newest folder
    assert report("with a newest record before the memo's last", august, misfiled=True) == (0, 0, 1)
    _misfiled(top, date(2026, 7, 20), date(2026, 5, 3), 12)  # in the folder a memo goes on by
    assert report("with a record before the last of the memo gone on from", august, misfiled=True) \
        == (1, 0, 1)  # made from nothing, and it holds a record after the newest one: the whole fold
    assert memos() == ["blockers.memo.2026-07.grouper.json", "blockers.memo.2026-07.json",  # the two newest
                       "blockers.memo.2026-08.grouper.json", "blockers.memo.2026-08.json", blockermemo.HOMES]
    calls.update({"made": 0, "gone on": 0, "whole": 0})
    assert command.report(kind="blockers", since="14d") == 0  # a period: the whole fold, as before
    assert calls == {"made": 0, "gone on": 0, "whole": 1}


def _pairwise_line(group: list[Blocker]) -> dict[str, object]:
    """A recurring group's line by its definition (the report's code before the fold)."""
    return {
        "text": one_line(group[-1].bullet.body),
        "count": len(group),
        "first_seen": f"{group[0].record.at:%Y-%m-%d %H:%M}",
        "last_seen": f"{group[-1].record.at:%Y-%m-%d %H:%M}",
        "users": sorted({b.record.user for b in group}),
        "projects": sorted({b.record.project for b in group}),
        "open_now": sum(1 for b in group if b.closed_by is None),
        "reopened": any(later.record.at > earlier.closed_by.at
                        for i, earlier in enumerate(group) if earlier.closed_by is not None
                        for later in group[i + 1:]),
    }


def _group(rng: random.Random) -> list[Blocker]:
    """Blockers of one group in order, each closed or not, at times with ties and offsets."""
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    out = []
    at = start
    for i in range(rng.randint(1, 9)):
        at += timedelta(minutes=rng.choice([0, 1, 30, 600]))
        zone = timezone(timedelta(hours=rng.choice([0, 13, -9])))
        user = rng.choice(["ada", "bo", "cy"])
        record = _record(at.astimezone(zone), user, [f"Blocked on: redis {i}  review"], 10 * i)
        record = Record(record.entry, rng.choice(["shop", "billing"]), user, record.source)
        b = Blocker(record, record.entry.bullets[0])
        if rng.random() < 0.6:
            after = timedelta(minutes=rng.choice([0, 1, 45, 2000]))
            closing = _record(at + after, user, ["Unblocked: redis"], 1)
            b.closed_by, b.closing = closing, closing.entry.bullets[0]
        out.append(b)
    return out


def test_a_recurring_line_folded_kept_and_gone_on_with_equals_its_definition() -> None:
    """`recurring.Summary` folded over a group gives the line the pairwise definition gives;
    kept after any first part of the group (those of it closed after the part's last one
    opened were open then, as the memo holds them: closed later, before the blockers after
    the part are added, whenever those were opened) and gone on with, the same."""
    rng = random.Random(41)
    reopened = 0
    for _ in range(3000):
        group = _group(rng)
        want = _pairwise_line(group)
        reopened += bool(want["reopened"])
        whole = recurring_cache.Summary()
        for b in group:
            whole.add(b)
        assert whole.line() == want
        cut = rng.randint(0, len(group))
        # At the cut, the part's blockers closed after the part's last one opened were open.
        edge = group[cut - 1].record.at if cut else None
        early = recurring_cache.Summary()
        later_closed = []
        for b in group[:cut]:
            if b.closed_by is not None and edge is not None and b.closed_by.at > edge:
                later_closed.append(b.closed_by.at)
                early.add(Blocker(b.record, b.bullet))
            else:
                early.add(b)
        kept = recurring_cache.Summary.restored(json.loads(json.dumps(early.state())))
        for at in later_closed:
            kept.close(at)
        for b in group[cut:]:
            kept.add(b)
        assert kept.line() == want, (cut, want)
    assert reopened > 300  # the corpus has both kinds
