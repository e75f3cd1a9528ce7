"""Reports at scale: the indexed blocker matching and grouping give exactly the pairwise rule's
result, on generated corpora full of ties; the windowed weekly report and the streamed rebuild
give what reading the whole archive gives."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sessionlog_git.base.text import words
from sessionlog_git.insight import reports
from sessionlog_git.logs.entries import Bullet, Entry
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
