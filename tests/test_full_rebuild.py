"""The full rebuild streams month by month and keeps only a cut-down form of each live
decision: over a history of years its views are still byte for byte what rendering every
record at once gives, what `sessionlog check` accepts, and what a commit then renders."""
from __future__ import annotations

import gc
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git import workspace
from sessionlog_git.logs import layout
from sessionlog_git.logs.archive import content_id
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry

STATUS = "logs/shop-status.md"
FIRST = date(2023, 1, 2)
WORDS = ("ledger", "gateway", "invoice", "export", "webhook", "cursor", "bucket", "tenant",
         "quota", "replica", "cache", "schema")


def _write_day(top: Path, user: str, day: date, entries: list[tuple[str, list[str]]]) -> str:
    """One archive file as consolidation writes it (the package's writers); its source."""
    lines = [*file_header("shop", user, day, "UTC", "+00:00"), ""]
    for i, (title, bullets) in enumerate(entries):
        at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=40 * i)
        lines += [*format_entry(entry_from_parts(f"{at:%H:%M}", title, bullets,
                                                 {"at": at.isoformat()})), ""]
    data = "\n".join(lines).encode()
    rel = layout.archive_rel("logs", "shop", user, day, content_id(data))
    (top / rel).parent.mkdir(parents=True, exist_ok=True)
    (top / rel).write_bytes(data)
    return rel.removeprefix("logs/")


def _years(top: Path) -> dict[str, str]:
    """36 months: the decisions and the blocker the later months reach back to, first; then
    every month a few hundred decisions in other words (each stays live), blockers opened
    and closed, next steps. Returns the sources of the entries asserted on."""
    rng = random.Random(30)
    sources = {
        "locks": _write_day(top, "ada", FIRST, [
            ("Queue locking", ["Decision: use postgres advisory locks for the billing queue",
                               "Expires: 2031-01-01"]),
            ("Sandbox", ["Blocked on: vendor sandbox credentials for the tax filing"]),
        ]),
        "mirror": _write_day(top, "bo", FIRST + timedelta(days=1), [
            ("Mirror", ["Decision: nightly mirror of the pricing catalogue to the warehouse"]),
        ]),
        "own": _write_day(top, "cy", FIRST + timedelta(days=2), [
            ("Fonts", ["Decision: self-host the marketing fonts"]),
        ]),
    }
    day = FIRST + timedelta(days=7)
    while day < date(2025, 12, 28):
        if day.weekday() < 5:
            for user in ("ada", "bo", "cy", "dee"):
                entries = []
                for _ in range(2):
                    pick = " ".join(rng.sample(WORDS, 3))
                    bullets = [f"Worked on {pick}", f"Decision: {pick} stays as {rng.randint(1, 9)}"]
                    if rng.random() < 0.2:
                        bullets.append(f"Blocked on: {pick}")
                    elif rng.random() < 0.2:
                        bullets.append(f"Unblocked: {pick}")
                    if rng.random() < 0.3:
                        bullets.append(f"Next: {pick}")
                    entries.append((f"Work on {pick.split()[0]}", bullets))
                _write_day(top, user, day, entries)
        day += timedelta(days=3)
    # 30 months after it: a Supersedes: that shares its words with ada's decision, a
    # Reverted: of bo's, and cy's Supersedes: in words no decision has (her own latest).
    sources["supersede"] = _write_day(top, "ada", date(2025, 7, 15), [
        ("Leases", ["Supersedes: postgres advisory locks for the billing queue",
                    "Decision: use redis leases with fencing tokens"]),
    ])
    sources["revert"] = _write_day(top, "bo", date(2025, 7, 16), [
        ("Mirror off", ["Reverted: nightly mirror of the pricing catalogue"]),
    ])
    # Almost three years open, then closed in its own words.
    sources["unblock"] = _write_day(top, "ada", date(2025, 12, 30), [
        ("Sandbox at last", ["Unblocked: vendor sandbox credentials for the tax filing arrived"]),
    ])
    return sources


def _rebuild_at_once(top: Path) -> dict[str, str]:
    """The rebuild as it was first written: every record of the project in memory at once."""
    from sessionlog_git.logs import archive
    from sessionlog_git.pipeline import consolidate

    ws = workspace.at(top)
    cfg = ws.config
    records = archive.read_records(cfg.logs_path, "shop", archive.months(cfg.logs_path, "shop"),
                                   cfg.timezone)
    return consolidate.render_project(ws, "shop", records,
                                      {layout.month_of(r.at.date()) for r in records})


def test_a_decision_superseded_30_months_on_and_a_blocker_open_for_years_stream_as_at_once(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionlog_git.pipeline import consolidate, fullviews

    repo = native_repo
    top = repo.path
    sources = _years(top)
    want = _rebuild_at_once(top)
    assert len(want) == 37  # 36 master logs and the status

    def refuse(*_args: object) -> list[tuple[str, str]]:
        raise AssertionError("a well-filed history was read all at once")

    with monkeypatch.context() as patch:
        patch.setattr(fullviews, "_at_once", refuse)
        got = list(consolidate.rebuild_each(workspace.at(top)))
    assert [rel for rel, _ in got] == [*sorted(want)[:-1], STATUS]  # months in order, status last
    assert dict(got) == want
    assert gc.isenabled()  # off only while the months are folded
    status = want[STATUS]
    # Matched against decisions slimmed years before, shown with their date, author and file.
    assert ("- ~~Decision: use postgres advisory locks for the billing queue~~ — 2023-01-02 ada; "
            "superseded 2025-07-15 by ada: Decision: use redis leases with fencing tokens · "
            f"[raw]({sources['supersede']})") in status
    assert ("- ~~Decision: nightly mirror of the pricing catalogue to the warehouse~~ — 2023-01-03 bo; "
            f"reverted 2025-07-16 by bo: Reverted: nightly mirror of the pricing catalogue · "
            f"[raw]({sources['revert']})") in status
    assert ("- ~~vendor sandbox credentials for the tax filing~~ — opened 2023-01-02 by ada; closed "
            "2025-12-30 by ada: Unblocked: vendor sandbox credentials for the tax filing arrived · "
            f"[raw]({sources['unblock']})") in status
    assert "self-host the marketing fonts" not in status  # live, but not among the newest ten

    # `sessionlog check` compares view by view as they are rendered: it writes the missing
    # ones with --fix, then finds them equal; a hand edit in an early month is found.
    fixed = repo.sl("check", "--fix")
    assert "ok: 37 generated files match a fresh render of logs/archive" in fixed.stdout
    first = "logs/shop-session-log-2023-01.md"
    repo.git("add", "logs")
    repo.git("commit", "-q", "-m", "Three years of archive and their views")
    repo.write(first, repo.read(first).replace("advisory locks", "table locks"))
    out = repo.sl("check", check=False)
    assert out.returncode == 1 and f"{first}: line " in out.stdout and "table locks" in out.stdout
    repo.git("checkout", "--", first)

    # A commit folds from its month checkpoints: cy's Supersedes: in words no decision has
    # retires her own latest, and the result is still what the streamed rebuild renders.
    repo.log("2026-01-05T10:00:00+00:00", "Fonts from the CDN", "Supersedes: whatever we had",
             user="cy")
    repo.git("commit", "-q", "--allow-empty", "-m", "Consolidated")
    assert repo.porcelain() == []
    assert " superseded 2026-01-05 by cy: Supersedes: whatever we had · [raw](archive/2026-01/shop/cy/" \
        in repo.read(STATUS)
    assert "ok: 38 generated files" in repo.sl("check").stdout
    assert dict(consolidate.rebuild_each(workspace.at(top))) == _rebuild_at_once(top)


def test_the_word_index_takes_what_counting_every_posting_takes_ties_included() -> None:
    """The index counts the items of the rarest words' postings first and stops early; it must
    take what the rule says: the most shared words, the oldest on a tie, else the owner's
    latest. Small vocabularies make long postings and many ties."""
    from sessionlog_git.logs.matching import WordIndex

    vocabulary = [f"w{i}" for i in range(30)]
    early = 0
    for seed in range(120):
        rng = random.Random(seed)
        index: WordIndex[tuple[str, str, int]] = WordIndex(
            lambda item: item[1], lambda item: item[0], tokens=lambda text: set(text.split()))
        open_: dict[int, tuple[str, set[str]]] = {}
        for step in range(300):
            if rng.random() < 0.7:
                text = " ".join(rng.choices(vocabulary[: rng.randint(3, 30)], k=rng.randint(0, 6)))
                owner = rng.choice("abc")
                index.add((owner, text, step))
                open_[step] = (owner, set(text.split()))
                continue
            query = set(rng.choices(vocabulary, k=rng.randint(0, 8)))
            owner = rng.choice("abc")
            shared = {i: len(w & query) for i, (_, w) in open_.items() if w & query}
            if shared:
                best = max(shared.values())
                want: int | None = min(i for i, n in shared.items() if n == best)
                early += best == len({w for _, ws in open_.values() for w in ws} & query)
            else:
                want = max((i for i, (o, _) in open_.items() if o == owner), default=None)
            got = index.take(" ".join(query), owner)
            assert (got[2] if got else None) == want, (seed, step)
            if want is not None:
                del open_[want]
    assert early > 100  # the search did stop at the shortest postings often


# every candidate looked up / every array read; where each payload ends kept in 4 bytes, or
# in 8 once the file has passed a (here lowered) 4 GiB
@pytest.mark.parametrize(("scan", "narrow_end"), [(0, 2**32 - 1), (10**9, 2**32 - 1), (16, 20_000)])
def test_live_decisions_kept_in_a_file_are_taken_as_the_word_index_takes_them(
        scan: int, narrow_end: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuild keeps its live decisions in a file, with only their ids in word and author
    arrays in memory (logs.decisionspool). Against the in-memory index, with settles at any
    point: the same take (most shared words, the oldest on a tie, else the owner's latest),
    the same open items and newest ones; a decision read back has its date, author, file,
    bullet and expiry."""
    from sessionlog_git.logs import decisionspool
    from sessionlog_git.logs.entries import Bullet, Entry
    from sessionlog_git.logs.lifecycle import Decision
    from sessionlog_git.logs.matching import WordIndex
    from sessionlog_git.logs.model import Record

    monkeypatch.setattr(decisionspool, "_SCAN", scan)
    monkeypatch.setattr(decisionspool, "_NARROW_END", narrow_end)
    vocabulary = [f"w{i}" for i in range(30)]
    zone = timezone(timedelta(hours=5, minutes=30))

    def decision(step: int, owner: str, text: str) -> Decision[Record]:
        at = datetime(2023, 1, 2, 9, 0, tzinfo=zone) + timedelta(hours=step)
        entry = Entry(f"{at:%H:%M}", f"Step {step}", [Bullet("summary", "dropped")],
                      {"agent": "claude"} if step % 2 else {}, "## raw", step * 3, at.date(), at)
        return Decision(Record(entry, "shop", owner, f"archive/{step}.md"),
                        Bullet("decision", f"Decision: {text}", step * 3 + 1),
                        date(2030, 1, 1) if step % 5 == 0 else None)

    def shown(d: Decision[Record] | None) -> tuple[object, ...] | None:
        if d is None:
            return None
        e = d.record.entry
        return (e.time, e.title, e.meta.get("agent"), e.line, e.day, e.at, e.at and e.at.utcoffset(),
                d.record.user, d.record.source, d.bullet, d.bullet.line, d.expires)

    takes = settled = widened = 0
    for seed in range(60):
        rng = random.Random(seed)
        plain: WordIndex[Decision[Record]] = WordIndex(lambda d: d.bullet.body, lambda d: d.record.user)
        spooled = decisionspool.SpooledIndex(lambda d: d.bullet.body, lambda d: d.record.user,
                                             decisionspool._pack, decisionspool._unpack)
        try:
            for step in range(300):
                roll = rng.random()
                if roll < 0.6:
                    item = decision(step, rng.choice("abc"),
                                    " ".join(rng.choices(vocabulary[: rng.randint(3, 30)],
                                                         k=rng.randint(0, 6))))
                    plain.add(item)
                    spooled.add(item)
                elif roll < 0.9:
                    query = " ".join(rng.choices(vocabulary, k=rng.randint(0, 8)))
                    owner = rng.choice("abcd")
                    want, got = plain.take(query, owner), spooled.take(query, owner)
                    assert shown(got) == shown(want), (seed, step)
                    takes += want is not None
                else:
                    spooled.settle()
                    settled += 1
                if step % 50 == 0:
                    assert [shown(d) for d in spooled.items] == [shown(d) for d in plain.items]
                    n = rng.randint(1, 12)
                    assert [shown(d) for d in spooled.tail(n)] == [shown(d) for d in plain.items[-n:]]
        finally:
            spooled.close()
        widened += spooled._ends.typecode == "Q"
    assert takes > 1000 and settled > 500
    assert widened == (0 if narrow_end == 2**32 - 1 else 60), widened


def test_a_month_whose_sections_do_not_split_is_rendered_at_once(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuild renders each month's master log one contributor at a time into its spool;
    when a contributor's render is not that one section (here: a count that disagrees), what
    was written of the month is taken back and the month rendered at once: the same bytes."""
    from sessionlog_git.pipeline import consolidate, monthview

    top = native_repo.path
    for k, user in enumerate(("ada", "bo", "cy")):
        for d in range(3):
            _write_day(top, user, date(2024, 3, 4 + d), [
                (f"Work {k}{d}", [f"Decision: keep {WORDS[k]} {WORDS[d]}", f"Next: {WORDS[k + d]}"])])
        _write_day(top, user, date(2024, 4, 1 + k), [(f"April {k}", ["Finding: ok"])])
    want = _rebuild_at_once(top)
    real = monthview._render
    bad: list[str] = []

    def miscounted(project: str, month: str, records: list[object], *args: object
                   ) -> tuple[str, dict[str, int]]:
        text, counts = real(project, month, records, *args)  # type: ignore[arg-type]
        if month == "2024-03" and list(counts) == ["bo"]:
            bad.append(month)
            return text, {"bo": counts["bo"] + 1}
        return text, counts

    monkeypatch.setattr(monthview, "_render", miscounted)
    got = list(consolidate.rebuild_each(workspace.at(top)))
    assert bad == ["2024-03"]
    assert dict(got) == want
    assert [rel for rel, _ in got] == [*sorted(want)[:-1], STATUS]


def test_what_the_rebuild_holds_between_months_does_not_grow_with_the_months(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every month supersedes decisions of the month before: each superseded decision and its
    replacement refer to each other, a cycle the paused collector would leave behind month
    after month. Counted when each month folder is read (every object the collector tracks):
    flat from the fourth month on, while without the collection after each month the count
    grows by the month's cycles, and the views are the same either way."""
    from sessionlog_git.base import gcpause
    from sessionlog_git.logs import archive
    from sessionlog_git.pipeline import consolidate, fullviews

    top = native_repo.path
    months = 16
    for m in range(months):
        first = date(2023 + m // 12, m % 12 + 1, 3)
        for k, user in enumerate(("ada", "bo", "cy")):
            for d in range(6):
                entries = []
                for i in range(4):
                    subject = f"{WORDS[(d + i) % 12]} {WORDS[(k + i + 3) % 12]} rule{m}x{d}x{i}"
                    bullets = [f"Decision: {subject} for {user}"]
                    if m:  # the same rule of the month before, retired
                        bullets.append(f"Supersedes: {WORDS[(d + i) % 12]} "
                                       f"{WORDS[(k + i + 3) % 12]} rule{m - 1}x{d}x{i} for {user}")
                    entries.append((f"Rules {i}", bullets))
                _write_day(top, user, first + timedelta(days=d), entries)
    want = _rebuild_at_once(top)
    assert ("- ~~Decision: quota quota rule14x5x3 for cy~~ — 2024-03-08 cy; superseded 2024-04-08 by "
            "cy: Decision: quota quota rule15x5x3 for cy") in want[STATUS]

    real_read = archive.read_records

    def held_at_each_month(real_give_back: object) -> tuple[list[int], dict[str, str]]:
        held: list[int] = []

        def counting(*args: object, **kwargs: object) -> object:
            held.append(len(gc.get_objects()))
            return real_read(*args, **kwargs)  # type: ignore[arg-type]

        with monkeypatch.context() as patch:
            patch.setattr(archive, "read_records", counting)
            patch.setattr(fullviews, "give_back", real_give_back)
            got = dict(consolidate.rebuild_each(workspace.at(top)))
        assert len(held) == months
        return held, got

    held, got = held_at_each_month(gcpause.give_back)
    assert got == want
    settled = held[3]
    assert all(abs(n - settled) < 50 for n in held[3:]), held

    kept, got = held_at_each_month(lambda: None)  # nothing collected between months
    assert got == want
    superseded = 3 * 6 * 4  # a month's: each leaves a cycle of more than one object
    assert kept[-1] - kept[3] > superseded * (months - 4), kept
