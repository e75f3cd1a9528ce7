"""A repository with a large archive, for `scripts/bench.py --scale N`.

The archive is written straight to disk in the package's layout (`logs/archive/<YYYY-MM>/
<project>/<user>/<YYYY-MM-DD>-<id>.md`) with the package's own writers (`file_header`,
`entry_from_parts`, `format_entry`, `archive_rel`, `content_id`), then committed with
`git fast-import`, one commit a month, as if the team had committed it month by month.
Then a last, ordinary commit: a code change with the one day's log it consolidated (the line
`sessionlog why` is asked about).

Closed months are packed as the commit hook packs them: each month's commit also packs the
month two before it (one pack per contributor, `logs.packs`' writer; the loose files it
replaces deleted in the same commit), so the history holds every archive file's adding
commit and the work tree the last two months loose, the rest in packs.

The history is a team's: 48 months, 50 contributors working on weekdays, entries that name the
parts of a code base (`billing-api`, `ledger-table`: about a thousand names), blockers that
name a ticket and two parts and are unblocked in their own words days later (some by nothing
that can be matched, some recurring), decisions with reasons (three entries in ten), one
entry in two hundred superseding an earlier decision of its author.

Generated once per parameter set into `.cache/bench-scale/<key>/` (a marker file says it is
complete); later runs reuse it.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sessionlog_git.logs import layout, packs
from sessionlog_git.logs.archive import content_id
from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry

FORMAT = 4  # bump when the generated history changes (3: closed months packed; 4: packs with an index)
MONTHS = 48
USERS = 50
FIRST_MONTH = "2022-11"
PROJECT = "shop"
WHY_FILE = "src/payments.py"
WHY_LINE = 3

# A team's vocabulary: components, verbs, and the things blockers wait on (tickets, reviews).
COMPONENTS = (
    "auth token cache session redis queue worker billing invoice export report schema migration "
    "index query webhook parser config deploy staging rollout flag metric dashboard alert login "
    "signup password email template upload storage bucket cdn image thumbnail search ranking "
    "payment refund ledger audit permission role admin api client sdk pagination cursor batch "
    "import csv locale timezone calendar reminder notification mobile gateway scheduler "
    "checkout cart catalog pricing tax shipping inventory warehouse"
).split()
# What entries name: a component and one of its parts (`billing-api`, `ledger-table`): a code
# base's vocabulary is hundreds of names, not a few dozen words.
PARTS = ("api", "service", "worker", "client", "job", "table", "page", "endpoint", "schema", "flag",
         "dashboard", "queue", "cache", "config", "test", "model")
NAMES = tuple(f"{c}-{p}" for c in COMPONENTS for p in PARTS)
VERBS = ("add", "fix", "refactor", "speed up", "document", "test", "remove", "rename", "split",
         "cache", "retry", "validate", "migrate", "log", "measure")
WAITS = ("review of", "access to", "a decision on", "credentials for", "a fix for", "the release of",
         "a quota increase for", "the design of")
TEAMS = ("platform", "security", "data", "mobile", "infra", "payments", "design", "legal")
REASONS = (
    "because key rotation is required", "since the old path held a lock per request",
    "so that retries stay idempotent", "because the vendor limits us to 10 requests a second",
    "since staging has no replica yet", "because the schema must stay backward compatible",
    "so that on-call can read it at 3 am", "because the p99 latency doubled",
)


@dataclass
class Person:
    waiting: list[str]  # open blockers' subjects, oldest first
    decisions: list[str]  # recent decisions' texts


def months(first: str, count: int) -> list[str]:
    year, mon = int(first[:4]), int(first[5:])
    out = []
    for k in range(count):
        index = year * 12 + mon - 1 + k
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


def weekdays(month: str) -> list[date]:
    year, mon = int(month[:4]), int(month[5:])
    day = date(year, mon, 1)
    out = []
    while day.month == mon:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(COMPONENTS) for _ in range(n))


def _names(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(NAMES) for _ in range(n))


def day_log(rng: random.Random, user: str, day: date, n: int, person: Person,
            recurring: list[str]) -> str:
    """One contributor's temp log for one day (UTC), as `sessionlog log` writes it."""
    lines = [*file_header(PROJECT, user, day, "UTC", "+00:00"), ""]
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=timezone.utc)
    step = max(1, min(40, (11 * 60) // max(n, 1)))
    for i in range(n):
        at = start + timedelta(minutes=step * i + rng.randrange(step))
        area = rng.choice(COMPONENTS)
        title = f"{rng.choice(VERBS).capitalize()} {area} {_words(rng, 2)}"
        bullets = [f"{rng.choice(VERBS).capitalize()} the {area} {_words(rng, 5)}"]
        roll = rng.random()
        if roll < 0.005 and person.decisions:
            old = person.decisions.pop(rng.randrange(len(person.decisions)))
            bullets.append(f"Supersedes: {old}")
            new = f"{_names(rng, 2)} instead of {old.split(' over ')[0]}"
            bullets.append(f"Decision: {new}, {rng.choice(REASONS)}")
            person.decisions.append(new)
        elif roll < 0.3:
            text = f"{_names(rng, 2)} over {_names(rng, 1)}"
            bullets.append(f"Decision: {text}, {rng.choice(REASONS)}")
            person.decisions = [*person.decisions[-19:], text]
        if roll > 0.9:
            bullets.append(f"Tried: {_words(rng, 4)}; {_words(rng, 2)} was the root cause")
        if rng.random() < 0.08:
            if recurring and rng.random() < 0.1:  # the same wait, again
                subject = rng.choice(recurring)
            else:
                subject = (f"{rng.choice(WAITS)} {area}-{rng.randrange(1, 9999)} "
                           f"{_names(rng, 2)} from {rng.choice(TEAMS)}")
                if rng.random() < 0.02:
                    recurring.append(subject)
            person.waiting.append(subject)
            bullets.append(f"Blocked on: {subject}")
        elif person.waiting and rng.random() < 0.06 + 0.04 * len(person.waiting):
            if rng.random() < 0.95:
                what = person.waiting.pop(0)
                bullets.append(f"Unblocked: {what.split(' from ')[0]} landed")
            else:  # says nothing we can match: closes this person's latest
                bullets.append("Unblocked: the other team came back to us")
                person.waiting.pop()
        if rng.random() < 0.3:
            bullets.append(f"Next: {rng.choice(VERBS)} {_words(rng, 4)}")
        entry = entry_from_parts(f"{at:%H:%M}", title, bullets, {"at": at.isoformat()})
        lines += [*format_entry(entry), ""]
    return "\n".join(lines)


def key(entries: int) -> str:
    params = {"format": FORMAT, "entries": entries, "months": MONTHS, "users": USERS,
              "first": FIRST_MONTH}
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def now_after(entries: int) -> str:
    """The moment the reports are asked at: the evening of the last day of the history."""
    last = weekdays(months(FIRST_MONTH, MONTHS)[-1])[-1]
    return f"{last.isoformat()}T19:00:00+00:00"


def generate(root: Path, entries: int, init: Callable[[Path], None], env: dict[str, str],
             log: Callable[[str], None]) -> tuple[Path, dict[str, int]]:
    """The repository with `entries` archived entries under `root` (cached): (top, counts)."""
    folder = root / f"{entries}-{key(entries)}"
    top = folder / PROJECT
    done = folder / "complete.json"
    if done.exists():
        return top, json.loads(done.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    top.mkdir(parents=True)
    log(f"bench: generating a {entries:,}-entry archive in {folder} (cached for later runs)")

    def git(*args: str, stdin: bytes | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=top, input=stdin, capture_output=True, env=env,
                              check=False)
        if proc.returncode:
            raise SystemExit(f"bench: git {' '.join(args)} failed: {proc.stderr.decode()[-2000:]}")
        return proc.stdout.decode()

    git("init", "-q", "-b", "main")
    for k, v in (("user.name", "Dev Zero"), ("user.email", "dev00@example.com"),
                 ("github.user", "dev00"), ("commit.gpgsign", "false")):
        git("config", k, v)
    code = [f"RATE_{n} = {n}" for n in range(10)]
    (top / "src").mkdir()
    (top / WHY_FILE).write_text("\n".join(code) + "\n")
    init(top)
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "Initial commit")

    users = [f"dev{i:02d}" for i in range(USERS)]
    month_list = months(FIRST_MONTH, MONTHS)
    slots = [(m, d) for m in month_list for d in weekdays(m)]
    per_slot, extra = divmod(entries, len(slots) * len(users))
    rng = random.Random(f"scale:{entries}")
    people = {u: Person([], []) for u in users}
    recurring: list[str] = []
    logs = top / "logs"
    counts = {"entries": 0, "files": 0, "commits": 0}
    by_month: dict[str, list[tuple[str, bytes]]] = {}
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=top, stdin=subprocess.PIPE,
                                env=env)
    assert importer.stdin is not None
    index = 0
    mark = 0
    for month in month_list:
        files: list[tuple[str, bytes]] = []
        for day in weekdays(month):
            for user in users:
                n = per_slot + (1 if index < extra else 0)
                index += 1
                if n == 0:
                    continue
                data = day_log(rng, user, day, n, people[user], recurring).encode()
                rel = layout.archive_rel(logs.name, PROJECT, user, day, content_id(data))
                path = top / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                files.append((rel, data))
                counts["entries"] += n
        counts["files"] += len(files)
        by_month[month] = files
        pos = month_list.index(month)  # the month two before is closed now: packed in this commit
        packed = _pack(top, by_month.pop(month_list[pos - 2], [])) if pos >= 2 else []
        mark += 1
        when = int(datetime.fromisoformat(f"{weekdays(month)[-1].isoformat()}T18:00:00+00:00").timestamp())
        body = [f"commit refs/heads/main\nmark :{mark}\n"
                f"author Dev Zero <dev00@example.com> {when} +0000\n"
                f"committer Dev Zero <dev00@example.com> {when} +0000\n".encode(),
                _data(f"Archive {month}".encode())]
        if mark == 1:
            body.append(b"from refs/heads/main^0\n")
        else:
            body.append(f"from :{mark - 1}\n".encode())
        for rel, data in files:
            body.append(f"M 100644 inline {rel}\n".encode() + _data(data))
        for rel, data in packed:
            body.append(f"M 100644 inline {rel}\n".encode() + _data(data) if data
                        else f"D {rel}\n".encode())
        importer.stdin.write(b"".join(body) + b"\n")
        counts["commits"] += 1
        log(f"bench:   {month}: {counts['entries']:,} entries so far")
    importer.stdin.close()
    if importer.wait():
        raise SystemExit("bench: git fast-import failed")
    git("reset", "-q", "main")  # the index, from the work tree written above
    # The commit `why` is asked about: a code change and the day's log it consolidated.
    last = weekdays(month_list[-1])[-1]
    code[WHY_LINE - 1] = "RATE_2 = 3  # card charges retried three times"
    (top / WHY_FILE).write_text("\n".join(code) + "\n")
    at = datetime(last.year, last.month, last.day, 17, 5, tzinfo=timezone.utc)
    entry = entry_from_parts(f"{at:%H:%M}", "Retry card charges three times", [
        f"Changed {WHY_FILE}: RATE_2 from 2 to 3",
        "Decision: retry card charges three times, because the payment gateway drops requests",
    ], {"at": at.isoformat()})
    text = "\n".join([*file_header(PROJECT, "dev00", last, "UTC", "+00:00"), "",
                      *format_entry(entry), ""])
    data = text.encode()
    rel = layout.archive_rel(logs.name, PROJECT, "dev00", last, content_id(data))
    (top / rel).parent.mkdir(parents=True, exist_ok=True)
    (top / rel).write_bytes(data)
    git("add", WHY_FILE, rel)
    git("-c", "core.hooksPath=/dev/null", "commit", "-q", "--no-verify",
        "--date", at.isoformat(), "-m", "Retry card charges three times")
    counts["entries"] += 1
    counts["files"] += 1
    counts["commits"] += 1
    counts["archive_files"] = sum(len(f) for _, _, f in os.walk(logs / "archive"))
    done.write_text(json.dumps(counts))
    return top, counts


def _pack(top: Path, files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Pack one closed month's archive files on disk, a pack per contributor folder: (path,
    bytes) of each pack written, and (path, b"") of each loose file it replaced (removed)."""
    by_folder: dict[str, list[tuple[str, bytes]]] = {}
    for rel, data in files:
        folder, _, name = rel.rpartition("/")
        by_folder.setdefault(folder, []).append((name, data))
    out: list[tuple[str, bytes]] = []
    for folder, chunks in sorted(by_folder.items()):
        data = packs.encode(chunks)
        rel = f"{folder}/{packs.pack_name(data)}"
        (top / rel).write_bytes(data)
        out.append((rel, data))
        for name, _ in chunks:
            (top / folder / name).unlink()
            out.append((f"{folder}/{name}", b""))
    return out


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"
