"""Reports at scale: the indexed blocker matching and grouping give exactly the pairwise rule's
result, on generated corpora full of ties; the windowed weekly report and the streamed rebuild
give what reading the whole archive gives."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git import workspace
from sessionlog_git.base.text import words
from sessionlog_git.insight import assemble, reports
from sessionlog_git.logs import layout
from sessionlog_git.logs.archive import content_id
from sessionlog_git.logs.entries import Bullet, Entry, entry_from_parts, file_header, format_entry
from sessionlog_git.logs.model import Blocker, Record, blockers

VOCABULARY = ("redis", "staging", "token", "billing", "review", "access", "gateway", "ledger")


def _pairwise_similar(a: str, b: str) -> bool:
    """The recurring-blocker rule as first written: Jaccard of the words, >= 0.5."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return a.strip().lower() == b.strip().lower()
    return len(wa & wb) / len(wa | wb) >= reports.RECURRING_SIMILARITY


def _pairwise_groups(found: list[Blocker]) -> list[list[Blocker]]:
    groups: list[list[Blocker]] = []
    for b in found:
        home = next((g for g in groups if any(_pairwise_similar(b.bullet.body, o.bullet.body)
                                              for o in g)), None)
        if home is None:
            groups.append([b])
        else:
            home.append(b)
    return groups


def _record(at: datetime, user: str, bullets: list[str], line: int) -> Record:
    entry = Entry(time=f"{at:%H:%M}", title="t", bullets=[Bullet(_kind(b), b, line + i + 1)
                                                          for i, b in enumerate(bullets)],
                  meta={}, heading="", line=line, day=at.date(), at=at)
    return Record(entry, "shop", user, f"archive/{at:%Y-%m}/shop/{user}/{at.date()}-abcdef.md")


def _kind(text: str) -> str:
    return "unblock" if text.startswith("Unblocked:") else "blocker"


def _corpus(seed: int, n: int) -> list[Record]:
    """Blockers and unblocks from a tiny vocabulary: many equal scores, equal texts, texts
    without words (`on it`), case variants; several authors."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        pick = rng.sample(VOCABULARY, rng.randint(1, 4))
        roll = rng.random()
        if roll < 0.08:
            text = rng.choice(["on it", "ON IT ", "as is", "x"])
        else:
            text = " ".join(pick)
            if rng.random() < 0.3:
                text = text.upper()
        body = f"Unblocked: {text}" if rng.random() < 0.4 else f"Blocked on: {text}"
        out.append(_record(start + timedelta(minutes=7 * i), rng.choice(["ada", "bo", "cy"]),
                           [body], 10 * i))
    return out


def test_recurring_groups_by_index_equal_the_pairwise_rule_on_a_corpus_with_ties() -> None:
    for seed in range(12):
        found = [b for b in blockers(_corpus(seed, 400))]
        indexed = reports.group_blockers(found)
        pairwise = _pairwise_groups(found)
        as_ids = [[(b.record.source, b.bullet.line) for b in g] for g in indexed]
        assert as_ids == [[(b.record.source, b.bullet.line) for b in g] for g in pairwise], seed
        assert any(len(g) > 2 for g in indexed)  # the corpus does group, and ties are met


def _pairwise_blockers(records: list[Record]) -> list[tuple[int, int | None]]:
    """The unblock rule compared against every open blocker: the most shared words, the
    oldest on a tie; sharing none, the author's latest open one. (opened line, closed line)."""
    opened: list[list[object]] = []  # [record, bullet, closing line or None]
    for record in records:
        for bullet in record.entry.bullets:
            if bullet.kind == "blocker":
                opened.append([record, bullet, None])
            elif bullet.kind == "unblock":
                still = [o for o in opened if o[2] is None]
                mine = words(bullet.body)
                scores = [len(mine & words(o[1].body)) for o in still]  # type: ignore[attr-defined]
                best = max(scores, default=0)
                if best:
                    target = still[scores.index(best)]  # the first: the oldest
                else:
                    own = [o for o in still if o[0].user == record.user]  # type: ignore[attr-defined]
                    target = own[-1] if own else None
                if target is not None:
                    target[2] = bullet.line
    return [(o[1].line, o[2]) for o in opened]  # type: ignore[attr-defined]


def test_unblock_matching_by_word_index_equals_the_pairwise_rule_on_a_corpus_with_ties() -> None:
    for seed in range(12):
        records = _corpus(100 + seed, 400)
        indexed = [(b.bullet.line, b.closing.line if b.closing else None) for b in blockers(records)]
        assert indexed == _pairwise_blockers(records), seed
        assert sum(1 for _, c in indexed if c is not None) > 50


# --- the windowed and cached reads give what reading the whole archive gives ------------------

NOW_AT = "2026-06-10T18:00:00+00:00"


def _write_day(top: Path, project: str, user: str, day: date, rng: random.Random, n: int,
               offset: str = "+00:00") -> None:
    """One archive file as consolidation writes it (the package's writers)."""
    zone = timezone(timedelta(hours=int(offset[:3]), minutes=int(offset[4:])))
    lines = [*file_header(project, user, day, "UTC", offset), ""]
    for i in range(n):
        at = datetime(day.year, day.month, day.day, 0, 30, tzinfo=zone) + timedelta(minutes=47 * i)
        pick = " ".join(rng.sample(VOCABULARY, rng.randint(1, 3)))
        roll = rng.random()
        bullets = [f"Worked on {pick}"]
        if roll < 0.3:
            bullets.append(f"Blocked on: {pick}")
        elif roll < 0.55:
            bullets.append(f"Unblocked: {pick}" if rng.random() < 0.9 else "Unblocked: on it")
        if rng.random() < 0.3:
            bullets.append(f"Next: {pick}")
        if rng.random() < 0.3:
            bullets.append(f"Decision: {pick}, because it is simpler")
        lifecycle = rng.random()
        if lifecycle < 0.08:
            bullets.append(f"Supersedes: {' '.join(rng.sample(VOCABULARY, 2))}")
        elif lifecycle < 0.11:
            bullets.append(f"Reverted: {rng.choice(VOCABULARY)}" if lifecycle < 0.1 else "Reverted: it")
        entry = entry_from_parts(f"{at:%H:%M}", f"Day {i} {pick}", bullets, {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    data = "\n".join(lines).encode()
    path = top / layout.archive_rel("logs", project, user, day, content_id(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _history(top: Path, seed: int) -> None:
    rng = random.Random(seed)
    day = date(2026, 1, 1)
    while day <= date(2026, 6, 12):  # two days past "now": records after it never were
        for project, user, offset in (("shop", "ada", "+00:00"), ("shop", "bo", "+13:00"),
                                      ("billing", "ada", "-09:30"), ("billing", "cy", "+00:00")):
            if rng.random() < 0.5:
                _write_day(top, project, user, day, rng, rng.randint(1, 4), offset)
        day += timedelta(days=1)


def _whole_archive(top: Path, kind: str, since: str | None) -> dict[str, object]:
    """The report from every archived record (the reading before month windows and caches)."""
    ws = workspace.at(top)
    now = datetime.fromisoformat(NOW_AT)
    start = reports.parse_since(since, kind, now)
    model = assemble.build(kind, reports.load(ws), now, start, ws.config.logs_dir)
    model.pop("coverage", None)
    return json.loads(json.dumps(model))  # type: ignore[no-any-return]


def _cli(repo: Repo, kind: str, since: str | None) -> dict[str, object]:
    args = ["report", kind, "--json", *(["--since", since] if since else [])]
    data = json.loads(repo.sl(*args, env={"SESSIONLOG_NOW": NOW_AT}).stdout)
    data.pop("coverage", None)  # the command adds it from the commits
    return data  # type: ignore[no-any-return]


def test_weekly_and_blockers_reports_equal_the_whole_archive_read_cold_warm_and_after_a_new_file(
        native_repo: Repo) -> None:
    top = native_repo.path
    _history(top, 7)
    cases = [("weekly", None), ("weekly", "2026-05-01"), ("weekly", "40d"), ("weekly", "2026-01-01"),
             ("blockers", None), ("blockers", "14d")]
    for round_ in ("cold", "warm", "without the carried records' files", "after a new file in an old month",
                   "after a new file in the newest month"):
        if round_.startswith("without"):
            carried = list(native_repo.state().rglob("*.carry.json"))
            assert len(carried) >= 6
            for path in carried[::2]:
                path.unlink()
            carried[1].write_text("{damaged")
        elif round_ == "after a new file in an old month":
            rng = random.Random(99)
            _write_day(top, "shop", "dee", date(2026, 2, 27), rng, 4, "+13:00")
            _write_day(top, "billing", "ada", date(2026, 5, 31), rng, 4)
        elif round_ == "after a new file in the newest month":
            _write_day(top, "shop", "ada", date(2026, 6, 10), random.Random(5), 6)
        for kind, since in cases:
            got = _cli(native_repo, kind, since)
            want = _whole_archive(top, kind, since)
            assert got == want, (round_, kind, since)
    assert (native_repo.state() / "cache" / "reports" / "recurring.json").is_file()
    cache = [p.name for p in (native_repo.state()).rglob("*.blockers.json")]
    assert len(cache) >= 6  # a checkpoint per month folder was kept
    weekly = _cli(native_repo, "weekly", None)
    assert weekly["totals"]["entries"] > 0 and weekly["projects"]  # type: ignore[index]
    blockers_ = _cli(native_repo, "blockers", None)
    assert blockers_["totals"]["open"] > 0 and blockers_["totals"]["closed"] > 20  # type: ignore[index]


def _rebuild_at_once(top: Path) -> dict[str, str]:
    """The full rebuild as it was: every record of a project in memory at once."""
    from sessionlog_git.logs import archive
    from sessionlog_git.pipeline import consolidate

    ws = workspace.at(top)
    cfg = ws.config
    out: dict[str, str] = {}
    for project in layout.archive_projects(cfg.logs_path):
        records = archive.read_records(cfg.logs_path, project, archive.months(cfg.logs_path, project),
                                       cfg.timezone)
        if records:
            out.update(consolidate.render_project(ws, project, records,
                                                  {layout.month_of(r.at.date()) for r in records}))
    return out


def test_full_rebuild_month_by_month_equals_the_rebuild_at_once(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionlog_git.pipeline import consolidate, fullviews

    top = native_repo.path
    _history(top, 11)  # offsets from -09:30 to +13:00: entries near every month's edge
    want = _rebuild_at_once(top)
    assert len([k for k in want if "session-log" in k]) == 12 and "logs/shop-status.md" in want

    def refuse(*_args: object) -> list[tuple[str, str]]:
        raise AssertionError("a well-filed history was read all at once")

    with monkeypatch.context() as patch:
        patch.setattr(fullviews, "_at_once", refuse)
        assert consolidate.rebuild(workspace.at(top)) == want
    # A record in another month's folder (a hand-made file): that project is read at once,
    # with the same result as before.
    at = datetime(2026, 4, 2, 10, 0, tzinfo=timezone.utc)
    entry = entry_from_parts("10:00", "Filed late", ["Blocked on: staging token review"],
                             {"at": at.isoformat()})
    data = "\n".join([*file_header("shop", "ada", date(2026, 3, 30), "UTC", "+00:00"), "",
                      *format_entry(entry), ""]).encode()
    late = top / layout.archive_rel("logs", "shop", "ada", date(2026, 3, 30), content_id(data))
    late.write_bytes(data)
    want = _rebuild_at_once(top)
    assert "Filed late" in want["logs/shop-session-log-2026-04.md"]
    assert consolidate.rebuild(workspace.at(top)) == want


def test_why_decision_states_from_month_checkpoints_equal_the_whole_history_fold(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionlog_git.insight import decisionlog
    from sessionlog_git.logs import context_index
    from sessionlog_git.logs.lifecycle import fold

    top = native_repo.path
    _history(top, 5)

    def compare(label: str) -> int:
        ws = workspace.at(top)
        every = context_index.all_records(ws)
        want = {(d.record.source, d.bullet.line): d for d in fold(every, words)}
        retired = 0
        rng = random.Random(label)
        for sample in (every[:40], every[-40:], rng.sample(every, 60), every):
            got = decisionlog.decisions_of(ws.config, sample)
            places = {(r.source, b.line) for r in sample for b in r.entry.bullets
                      if b.kind in ("decision", "supersede") and (r.source, b.line) in want}
            assert set(got) >= places, label
            for place in places:
                a, b = got[place], want[place]
                assert (a.how, a.expires, a.text) == (b.how, b.expires, b.text), (label, place)
                if b.retired_by is not None:
                    retired += 1
                    assert a.retired_by == b.retired_by and a.retiring == b.retiring, (label, place)
                    assert [d.text for d in a.replacements] == [d.text for d in b.replacements]
        return retired

    assert compare("cold") > 20
    assert compare("warm") > 20
    rng = random.Random(3)
    _write_day(top, "shop", "dee", date(2026, 3, 31), rng, 4, "+13:00")  # an old month changes
    _write_day(top, "shop", "ada", date(2026, 7, 1), rng, 3)  # a new last folder ...
    _write_day(top, "shop", "bo", date(2026, 7, 31), random.Random(8), 6)  # ... with a tail
    assert compare("after new files") > 20
    # No book of every live decision is kept: the folders' decisions by their words are.
    assert not list(native_repo.state().rglob("*.book.json"))
    words_files = sorted(p.name for p in native_repo.state().rglob("shop/*.words.json"))
    assert words_files == [f"2026-0{m}.words.json" for m in range(1, 7)]
    # A commit into the newest month folds it again only from its first new entry on, onto
    # its kept fold up to there: after every entry, interleaved with earlier days' entries,
    # before its tail (the records past its cutoff), with retirements among the new entries.
    from sessionlog_git.insight.decisionlog import Lifecycle

    whole = Lifecycle._refold

    def not_whole(self: Lifecycle, month: str) -> None:
        assert month != "2026-07", "the newest month was folded whole"
        whole(self, month)

    rng = random.Random(21)
    with monkeypatch.context() as patch:
        patch.setattr(Lifecycle, "_refold", not_whole)
        for day in (2, 3, 6, 7, 8):
            _write_day(top, "shop", "cy", date(2026, 7, day), rng, 8)
            assert compare(f"after a commit of cy's 2026-07-{day:02d}") > 20
        _write_day(top, "shop", "ada", date(2026, 7, 3), rng, 8)  # between cy's days
        assert compare("after a commit between earlier days") > 20
        _write_day(top, "shop", "ada", date(2026, 7, 31), rng, 4, "+13:00")  # into the tail
        assert compare("after a commit into the tail") > 20
    # A damaged words file costs a fold of its month again, never a different answer.
    (native_repo.state() / "cache" / "reports" / "shop" / "2026-06.words.json").write_text("{damaged")
    _write_day(top, "shop", "ada", date(2026, 7, 9), rng, 8)
    assert compare("after a damaged words file") > 20
    # A new month folder goes on from the decisions of the ones before it.
    _write_day(top, "shop", "bo", date(2026, 8, 3), rng, 8)
    assert compare("after a new month") > 20
    # A new file that copies an entry already folded: the month is folded whole, as the
    # whole history's fold keeps one of the two.
    source = sorted((top / "logs" / "archive" / "2026-08" / "shop" / "bo").iterdir())[0]
    copy = source.with_name(source.name[:11] + "0123456789.md")
    copy.write_bytes(source.read_bytes())
    assert compare("after a copied entry") > 20
    # A file gone from the newest month (a reset, a rewritten commit): folded whole, the same.
    copy.unlink()
    assert compare("after a removed file") > 20


def test_recurring_groups_from_the_cache_equal_a_fresh_grouping_after_appends_changes_and_damage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionlog_git.insight import recurring, similar

    monkeypatch.setattr(recurring, "CHUNK", 64)  # many chunks on a small corpus
    cache = tmp_path / "recurring.json"
    texts = [b.bullet.body for b in blockers(_corpus(7, 900))]

    def fresh(of: list[str]) -> list[list[str]]:
        return similar.group(of, lambda t: t, reports.RECURRING_SIMILARITY)

    def cached(of: list[str], *, save: bool = True) -> list[list[str]]:
        return similar.collect(of, recurring.homes(of, reports.RECURRING_SIMILARITY, cache, save=save))

    assert len(texts) > 300
    assert cached(texts[:300]) == fresh(texts[:300])  # cold: written
    assert cache.is_file()
    assert cached(texts) == fresh(texts)  # blockers appended: the first chunks are reused
    changed = [*texts[:100], "Blocked on: redis staging token", *texts[100:]]
    assert cached(changed) == fresh(changed)  # a blocker inserted in an old part
    assert cached(texts[50:], save=False) == fresh(texts[50:])  # a report of part of them ...
    assert cached(changed) == fresh(changed)  # ... kept the whole history's groups
    data = json.loads(cache.read_text())
    data["chunks"][2][1][5] = 10_000  # damage: a group number no text can have
    cache.write_text(json.dumps(data))
    assert cached(changed) == fresh(changed)
    cache.write_text("{not json")
    assert cached(texts) == fresh(texts)
    assert any(len(g) > 2 for g in fresh(texts))
    # The grouper is kept as it stood after the last whole chunk: texts appended after it are
    # grouped from there, without taking back the ones before it (never a different answer).
    state = tmp_path / "recurring.state.json"
    assert json.loads(state.read_text())["at"] == len(texts) // 64 * 64
    replayed: list[str] = []
    replay = similar.Grouper.replay

    def counted(self: similar.Grouper, text: str, home: int) -> None:
        replayed.append(text)
        replay(self, text, home)

    more = [*texts, "Blocked on: redis staging token", "Blocked on: gateway ledger access"]
    with monkeypatch.context() as patch:
        patch.setattr(similar.Grouper, "replay", counted)
        assert cached(more) == fresh(more)
    assert len(replayed) < 64  # without the kept grouper: every text before the last chunk
    assert len(more) > 200
    more += [f"Blocked on: {w} review" for w in VOCABULARY] * 12  # past a chunk boundary
    assert cached(more) == fresh(more)
    assert json.loads(state.read_text())["at"] == len(more) // 64 * 64
    for damage in ('{"v": 1, "at": 64, "key": "x"}', "{damaged", json.dumps(
            {**json.loads(state.read_text()), "grouper": {"rows": [[["redis"], "x"]]}})):
        state.write_text(damage)
        changed = [*more, "Blocked on: token"]
        assert cached(changed) == fresh(changed)
        more = changed


def test_recurring_groups_after_blockers_come_in_among_the_last_chunk_group_only_those_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit's blockers land among the same day's, inside the last chunk: the kept groups
    hold up to the first text that differs and only the texts from there on are grouped, with
    the fresh grouping's result; a damaged or stale record of the last chunk's texts costs the
    whole chunk, never a different answer."""
    from sessionlog_git.insight import recurring, similar

    monkeypatch.setattr(recurring, "CHUNK", 64)
    cache = tmp_path / "recurring.json"
    texts = [b.bullet.body for b in blockers(_corpus(11, 900))][:300]  # the last chunk: 44 texts
    added: list[str] = []
    add = similar.Grouper.add

    def counted(self: similar.Grouper, text: str) -> int:
        added.append(text)
        return add(self, text)

    def fresh(of: list[str]) -> list[list[str]]:
        return similar.group(of, lambda t: t, reports.RECURRING_SIMILARITY)

    partial: list[int] = []  # restores of only the rows sharing a word with the texts to add
    restore = similar.Grouper.restore.__func__  # type: ignore[attr-defined]

    def restoring(cls: type[similar.Grouper], data: object, only: frozenset[str] | None = None
                  ) -> similar.Grouper | None:
        grouper = restore(cls, data, only)
        if only is not None and grouper is not None:
            partial.append(len(grouper._rows))
        return grouper  # type: ignore[no-any-return]

    def cached(of: list[str]) -> list[list[str]]:
        added.clear()
        with monkeypatch.context() as patch:
            patch.setattr(similar.Grouper, "add", counted)
            patch.setattr(similar.Grouper, "restore", classmethod(restoring))
            return similar.collect(of, recurring.homes(of, reports.RECURRING_SIMILARITY, cache))

    assert cached(texts) == fresh(texts)
    assert (tmp_path / "recurring.tail.json").is_file()
    new = [*texts[:290], "Blocked on: redis staging token", "Blocked on: gateway ledger", *texts[290:]]
    assert cached(new) == fresh(new)
    assert len(added) == len(new) - 290  # from the first new text on, not the chunk's 44
    newer = [*new[:295], "Blocked on: review access", *new[295:]]
    assert cached(newer) == fresh(newer)
    assert len(added) == len(newer) - 295
    for damage in ("{damaged", json.dumps({"v": 1, "key": "stale", "texts": newer[256:]}),
                   json.dumps({"v": 1, "key": json.loads(cache.read_text())["chunks"][-1][0],
                               "texts": ["Blocked on: not what was kept", *newer[257:]]})):
        (tmp_path / "recurring.tail.json").write_text(damage)
        changed = [*newer[:298], "Blocked on: staging billing", *newer[298:]]
        assert cached(changed) == fresh(changed)
        assert len(added) == len(changed) - 256  # the whole last chunk
        newer = changed
    # Appended texts whose words no earlier text has: none of the kept rows is restored.
    whole = similar.Grouper.restore(json.loads((tmp_path / "recurring.state.json").read_text())["grouper"])
    assert whole is not None and len(whole._rows) > 50
    partial.clear()
    for novel in ("Blocked on: zeppelin quartz harbor", "Blocked on: zeppelin quartz"):
        newer = [*newer, novel]
        assert cached(newer) == fresh(newer)
    assert partial == [0, 0]  # the fresh grouping's groups all the same (the two texts share one)
    # A text with common words too: only the rows holding the words it looks rows up by (its
    # rarest) are restored, not every row sharing a common word with it; the same groups.
    newer = [*newer, "Blocked on: zeppelin quartz harbor redis staging"]
    assert cached(newer) == fresh(newer)
    assert partial == [0, 0, 0]


def test_blocker_checkpoint_of_the_newest_month_after_a_commit_folds_only_from_its_first_new_entry(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit into the newest month folder: its blocker checkpoint is folded again only from
    the first new entry on, onto the kept fold up to there (after every entry, among earlier
    days', into the records past its cutoff), and gives the blockers, the count and the kept
    files byte for byte as a fresh fold does; a copied entry, a removed file or a damaged mark
    fold the month whole, never a different answer."""
    import shutil

    from sessionlog_git.insight import blockerlog

    top = native_repo.path
    _history(top, 5)
    now = datetime.fromisoformat(NOW_AT)
    kept = native_repo.state() / "cache" / "reports"
    grown: list[bool] = []
    grow = blockerlog._grow

    def counted(*args: object) -> blockerlog.Checkpoint | None:
        point = grow(*args)  # type: ignore[arg-type]
        grown.append(point is not None)
        return point

    def answer() -> tuple[list[tuple[object, ...]], int, dict[str, bytes]]:
        cfg = workspace.at(top).config
        found, total = blockerlog.every_blocker(cfg, now)
        rows = [(b.record.sort_key(), b.bullet.line, b.bullet.text,
                 b.closed_by.sort_key() if b.closed_by else None, b.closing.text if b.closing else None)
                for b in found]
        files = {p.name: p.read_bytes() for p in kept.glob("*/*.json")
                 if p.name.endswith((".blockers.json", ".carry.json"))}
        return rows, total, files

    def check(label: str, *, whole: bool = False) -> None:
        grown.clear()
        with monkeypatch.context() as patch:
            patch.setattr(blockerlog, "_grow", counted)
            got = answer()
        assert grown and grown[-1] is not whole, (label, grown)
        aside = kept.with_name("reports-kept")
        shutil.move(kept, aside)  # a fresh fold, then the kept caches back for the next commit
        try:
            assert answer() == got, label
        finally:
            shutil.rmtree(kept)
            shutil.move(aside, kept)
        assert got[0] and got[1] > 100

    answer()  # cold: every folder folded, the newest with its mark
    rng = random.Random(21)
    for day in (9, 3, 10):
        _write_day(top, "shop", "cy", date(2026, 6, day), rng, 8)
        check(f"after a commit of cy's 2026-06-{day:02d}")
    _write_day(top, "shop", "ada", date(2026, 6, 4), rng, 8)  # among earlier days
    check("after a commit among earlier days")
    _write_day(top, "shop", "ada", date(2026, 6, 30), rng, 6, "+13:00")  # past the cutoff
    check("after a commit into the records past the cutoff")
    (kept / "shop" / "2026-06.blockers.tail.json").write_text("{damaged")
    _write_day(top, "shop", "bo", date(2026, 6, 5), rng, 8)
    check("after a damaged mark", whole=True)
    _write_day(top, "shop", "bo", date(2026, 6, 8), rng, 8)
    check("after the mark is made again")
    source = sorted((top / "logs" / "archive" / "2026-06" / "shop" / "bo").iterdir())[0]
    copy = source.with_name(source.name[:11] + "0123456789.md")
    copy.write_bytes(source.read_bytes())
    check("after a copied entry", whole=True)
    copy.unlink()
    check("after a removed file", whole=True)


def test_report_links_equal_the_joined_path_for_every_shape_of_folder_and_file() -> None:
    from pathlib import PurePosixPath

    folders = ["logs", "logs/", "./logs", "", ".", "/abs/logs", "/", "a//b", "repo/logs"]
    files = ["archive/2026-01/shop/ada/2026-01-02-abcdef.md", "a/./b.md", "./a.md", "a/.", "a//b.md",
             "/x/y.md", "a/b/", "../up.md", "a/..", ".hidden/x.md", "x", ""]
    for folder in folders:
        for name in files:
            assert reports._link(folder, name) == str(PurePosixPath(folder, name)), (folder, name)


def _blockers_md(repo: Repo, since: str | None) -> bytes:
    """`sessionlog report blockers` as a user's terminal gets it (bytes, no newline translation)."""
    import os
    import subprocess

    from conftest import PYTHON

    args = [PYTHON, "-m", "sessionlog_git", "report", "blockers", *(["--since", since] if since else [])]
    proc = subprocess.run(args, cwd=repo.path, env={**os.environ, "SESSIONLOG_NOW": NOW_AT},
                          capture_output=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _blockers_md_from_everything(top: Path, since: str | None) -> bytes:
    """The Markdown report rendered from every archived record, a view per blocker, no cache."""
    from sessionlog_git.pipeline.render import render

    ws = workspace.at(top)
    now = datetime.fromisoformat(NOW_AT)
    start = reports.parse_since(since, "blockers", now)
    model = assemble.build("blockers", reports.load(ws), now, start, ws.config.logs_dir)
    return render("reports/blockers.md.j2", **model).encode()


@pytest.mark.parametrize("projects", [("shop",), ("shop", "billing")])
def test_blockers_report_from_kept_month_text_is_byte_identical_to_a_fresh_render(
        native_repo: Repo, projects: tuple[str, ...]) -> None:
    """The closed blockers' lines kept a month folder at a time (one project: the runs are
    copied whole; two: they interleave and are merged by their keys) give the report byte for
    byte as rendered from every record, and as a fresh state folder gives it: cold, warm, after
    a new day in the newest month, after a new file in an old month (what a pull brings),
    after packing the closed months, and with the kept text or keys damaged."""
    repo, top = native_repo, native_repo.path
    rng = random.Random(17)
    day = date(2026, 1, 1)
    while day <= date(2026, 6, 9):
        for project, user, offset in (("shop", "ada", "+00:00"), ("shop", "bo", "+13:00"),
                                      ("billing", "cy", "-09:30")):
            if project in projects and rng.random() < 0.6:
                _write_day(top, project, user, day, rng, rng.randint(1, 4), offset)
        day += timedelta(days=1)
    kept = repo.state() / "cache" / "reports"

    def check(label: str) -> None:
        for since in (None, "14d", "2026-03-01"):
            want = _blockers_md_from_everything(top, since)
            assert _blockers_md(repo, since) == want, (label, since)
        assert want.count(b"\n- ~~") > 40, label

    check("cold")
    texts = sorted(kept.glob("*/*.closed.md"))
    assert [p.name for p in texts if p.parent.name == "shop"] == [f"2026-0{m}.closed.md" for m in range(1, 7)]
    stamps = {p: p.stat().st_mtime_ns for p in texts}
    check("warm")
    assert {p: p.stat().st_mtime_ns for p in texts} == stamps  # read back, not made again
    _write_day(top, "shop", "ada", date(2026, 6, 10), random.Random(5), 6)  # a new day, newest month
    check("after a new day in the newest month")
    again = [p for p in texts if p.stat().st_mtime_ns != stamps[p]]
    assert [p.name for p in again] == ["2026-06.closed.md"]  # only that folder's lines made again
    for user in ("ada", "bo"):  # closings after "now" never were: June's lines are made one by one
        _write_day(top, "shop", user, date(2026, 6, 12), random.Random(user), 6)
    check("with entries after now")
    _write_day(top, "shop", "dee", date(2026, 2, 27), random.Random(99), 4, "+13:00")
    check("after a new file in an old month")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "History")
    packed = repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW_AT}).stdout
    assert "packed 2026-01" in packed
    assert list((top / "logs" / "archive" / "2026-01" / "shop" / "ada").glob("pack-*.md"))
    stamps = {p: p.stat().st_mtime_ns for p in texts}
    check("after packing")
    assert {p: p.stat().st_mtime_ns for p in texts} == stamps  # same files, same keys: kept
    for damage in ("closed.md", "closed.keys.json"):
        for path in sorted(kept.glob(f"*/*.{damage}"))[::2]:
            path.write_text("{damaged")
        check(f"with damaged {damage} files")
    for path in kept.glob("*/*.closed.*"):
        path.unlink()
    check("with the kept text deleted")


def test_blockers_report_after_a_commit_renders_only_the_closed_lines_from_its_first_new_entry(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    """The first `report blockers` after a commit into the newest month: that folder's kept
    lines of the closings before the commit's first entry are taken back, only the closings
    from there on are rendered, and the report is byte for byte the one rendered from every
    record; with the kept lines' keys damaged, the folder is rendered whole, the same."""
    from sessionlog_git.commands import report as command
    from sessionlog_git.insight import blockertext

    top = native_repo.path
    rng = random.Random(17)
    day = date(2026, 1, 1)
    while day <= date(2026, 6, 9):
        for user, offset in (("ada", "+00:00"), ("bo", "+13:00")):
            if rng.random() < 0.6:
                _write_day(top, "shop", user, day, rng, rng.randint(1, 4), offset)
        day += timedelta(days=1)
    monkeypatch.chdir(top)
    monkeypatch.setenv("SESSIONLOG_NOW", NOW_AT)
    made: list[int] = []
    make = blockertext._made

    def counted(blockers: list[Blocker], view: object) -> blockertext.Run | None:
        if blockers:  # (the lines laid out one by one come through here too, often none)
            made.append(len(blockers))
        return make(blockers, view)  # type: ignore[arg-type]

    def report(label: str) -> list[int]:
        made.clear()
        capfdbinary.readouterr()
        with monkeypatch.context() as patch:
            patch.setattr(blockertext, "_made", counted)
            assert command.report(kind="blockers") == 0
        assert capfdbinary.readouterr().out == _blockers_md_from_everything(top, None), label
        return list(made)

    report("cold")
    kept = native_repo.state() / "cache" / "reports" / "shop"

    def june() -> int:  # the lines kept for the newest month
        return (kept / "2026-06.closed.md").read_text().count("\n") - 1
    assert report("warm") == []
    _write_day(top, "shop", "cy", date(2026, 6, 9), random.Random(4), 8)
    rendered = report("after a commit")
    assert rendered and 0 < sum(rendered) < june() / 2, (rendered, june())
    _write_day(top, "shop", "cy", date(2026, 6, 7), random.Random(5), 8)  # among the kept ones
    rendered = report("after a second commit")
    assert rendered and 0 < sum(rendered) < june() - 4, (rendered, june())
    kept_now = {p.name: p.read_bytes() for p in kept.glob("*.closed.*")}
    for path in kept.glob("*.closed.*"):
        path.unlink()
    assert report("with the kept lines deleted")[-1] == june()  # every month's, June's last
    assert {p.name: p.read_bytes() for p in kept.glob("*.closed.*")} == kept_now  # kept as made whole
    (kept / "2026-06.closed.keys.json").write_text("{damaged")
    _write_day(top, "shop", "cy", date(2026, 6, 8), random.Random(6), 8)
    assert report("after a commit, the kept keys damaged") == [june()]


def test_month_keys_taken_back_by_folder_mtimes_equal_the_listed_ones(
        native_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checkpoints' month keys are kept with their contributor folders' mtimes: while
    those hold, no month is listed again; a new file, a packing or a folder changed within the
    last second gives the keys a listing gives."""
    import os
    import time

    from sessionlog_git.insight import blockerlog

    top = native_repo.path
    _history(top, 3)
    cfg = workspace.at(top).config
    archive_root = top / "logs" / "archive"

    def settle(age_s: float = 5.0) -> None:  # every archive folder last changed `age_s` ago
        stamp = time.time() - age_s
        for folder in [archive_root, *(p for p in archive_root.rglob("*") if p.is_dir())]:
            os.utime(folder, (stamp, stamp))

    def listed(project: str) -> list[str]:
        memo = cfg.state_path / "cache" / "reports" / project / "keys.json"
        memo.unlink(missing_ok=True)
        return blockerlog.keys(cfg, project, layout.archive_months(cfg.logs_path, project))

    walked: list[str] = []
    walk = layout.walk

    def counted(*args: object, **kw: object) -> object:
        walked.append(str(kw.get("months")))
        return walk(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(layout, "walk", counted)
    for label in ("settled", "a new file in an old month", "a file changed just now"):
        if label == "a new file in an old month":
            _write_day(top, "shop", "dee", date(2026, 2, 27), random.Random(1), 3, "+13:00")
        if label != "a file changed just now":
            settle()
        else:
            _write_day(top, "shop", "ada", date(2026, 3, 30), random.Random(2), 2)
        for project in ("shop", "billing"):
            folders = layout.archive_months(cfg.logs_path, project)
            got = blockerlog.keys(cfg, project, folders)  # with the keys kept the round before
            assert got == listed(project), (label, project)
            walked.clear()
            assert blockerlog.keys(cfg, project, folders) == got, (label, project)
            if label != "a file changed just now":
                assert walked == [], (label, project)  # every key taken back
            else:  # the month changed within the last second is listed, the others are not
                assert walked == (["('2026-03',)"] if project == "shop" else []), (label, walked)
    # Packing replaces a month's files with a pack: its folders change, the names do not.
    settle()
    before = blockerlog.keys(cfg, "shop", layout.archive_months(cfg.logs_path, "shop"))
    native_repo.git("add", "-A")
    native_repo.git("commit", "-q", "--no-verify", "-m", "History")
    assert "packed 2026-01" in native_repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW_AT}).stdout
    settle(2.0)
    walked.clear()
    assert blockerlog.keys(cfg, "shop", layout.archive_months(cfg.logs_path, "shop")) == before
    assert walked, "the packed months are listed again"
    assert listed("shop") == before
