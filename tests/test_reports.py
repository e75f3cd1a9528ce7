"""`sessionlog report weekly|blockers|time|onboarding`: digests across projects and people."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from conftest import Repo

NOW = {"SESSIONLOG_NOW": "2026-11-26T12:00:00+01:00"}


def history(repo: Repo) -> None:
    """Two people, two projects, a blocker that recurs, context switches; through real commits."""
    repo.log("2026-11-02T09:00:00+01:00", "Chose the database",
             "Decision: Postgres over MySQL, because we need JSONB")
    repo.git("commit", "-q", "--allow-empty", "-m", "Database choice")
    # ada, Monday: shop, shop, billing (a switch), a long break, shop again (a switch).
    repo.log("2026-11-23T09:00:00+01:00", "Session store",
             "Blocked on: Redis session store not configured yet")
    repo.log("2026-11-23T09:45:00+01:00", "Implemented user authentication",
             "Decision: RS256 over HS256, because key rotation is required")
    repo.log("2026-11-23T10:30:00+01:00", "Invoice format",
             "Decision: invoices as CSV, because finance imports CSV", project="billing")
    repo.log("2026-11-23T13:00:00+01:00", "Staging ready",
             "Unblocked: Redis session store configured in staging")
    # grace, Tuesday: billing twice; the Redis blocker comes back in billing.
    repo.log("2026-11-24T14:00:00+01:00", "Export job", "Waiting on: finance sample CSV from accounting",
             user="grace", project="billing")
    repo.log("2026-11-24T15:00:00+01:00", "Export <b>staging</b>",
             "Blocked on: Redis session store not configured in billing staging",
             "Rejected: XLSX export, because nobody opens it",
             "Next: ask accounting again on Friday", user="grace", project="billing")
    repo.write("billing.py", "FORMAT = 'csv'\n")
    repo.git("add", "billing.py")
    repo.git("commit", "-q", "-m", "Billing export")
    assert not repo.pending()


def test_time_report_states_its_method_and_sums_effort(native_repo: Repo) -> None:
    repo = native_repo
    history(repo)
    out = repo.sl("report", "time", env=NOW).stdout
    assert out.startswith("# Time allocation — 2026-11-20 00:00 – 2026-11-26 12:00\n")
    assert "Estimated total: **4 h 00 min** over 6 entries in 3 sessions." in out
    assert "at most 90 min" in out and "fixed 30 min" in out  # the method, stated
    assert "| ada | 2 h 30 min | 62% |" in out
    assert "| grace | 1 h 30 min | 38% |" in out
    assert "| billing | 2 h 15 min | 56% |" in out
    assert "| shop | 1 h 45 min | 44% |" in out
    assert "| 2026-11-23 (Mon) | 2 h 30 min |" in out
    assert "| 2026-11-24 (Tue) | 1 h 30 min |" in out
    assert "| ada | 45 min | 1 h 45 min |" in out  # contributor × project (billing, shop)
    assert "- **ada**: 2" in out
    assert "  - 2026-11-23 10:30 ada: shop → billing (Invoice format)" in out
    assert "  - 2026-11-23 13:00 ada: billing → shop (Staging ready)" in out
    # The early-November entry is outside the default period (the last 7 days) ...
    assert "Chose the database" not in out
    # ... and counts with --since.
    data = json.loads(repo.sl("report", "time", "--since", "2026-11-01", "--json", env=NOW).stdout)
    assert data["total_minutes"] == 270
    assert {r["name"]: r["minutes"] for r in data["by_contributor"]} == {"ada": 180, "grace": 90}
    assert data["period"]["since"] == "2026-11-01T00:00:00+01:00"
    assert data["method"].startswith("Effort is estimated from entry timestamps.")
    assert [(s["user"], s["from"], s["to"]) for s in data["context_switches"]] == [
        ("ada", "shop", "billing"), ("ada", "billing", "shop")]


def test_blockers_report_ages_waiting_and_recurring(native_repo: Repo) -> None:
    repo = native_repo
    history(repo)
    out = repo.sl("report", "blockers", env=NOW).stdout
    assert "2 open, 1 closed in this period. Ages are relative to 2026-11-26 12:00 (UTC+01:00)." in out
    open_part = out.split("## Open (oldest first)")[1].split("\n## ")[0]
    assert ("- **1 d 22 h** finance sample CSV from accounting — grace in billing, since "
            "2026-11-24 14:00") in open_part
    assert "- **1 d 21 h** Redis session store not configured in billing staging — grace" in open_part
    waiting = out.split("## Who waits on what")[1].split("\n## ")[0]
    assert "- **grace** waits on:\n  - finance sample CSV from accounting (billing, 1 d 22 h)" in waiting
    closed = out.split("## Closed")[1].split("\n## ")[0]
    assert ("~~Redis session store not configured yet~~ — shop, opened 2026-11-23 by ada, closed "
            "2026-11-23 by ada after 4 h 00 min") in closed
    recurring = out.split("## Recurring")[1]
    assert ("- **2×** Redis session store not configured in billing staging — ada, grace in billing, "
            "shop; first 2026-11-23 09:00, last 2026-11-24 15:00; reopened after it was closed; "
            "1 open now") in recurring
    data = json.loads(repo.sl("report", "blockers", "--json", env=NOW).stdout)
    assert [b["age_minutes"] for b in data["open"]] == [46 * 60, 45 * 60]
    assert data["recurring"][0]["count"] == 2 and data["recurring"][0]["reopened"] is True
    # Age is relative to now: a day later, a day older.
    later = repo.sl("report", "blockers", env={"SESSIONLOG_NOW": "2026-11-27T12:00:00+01:00"}).stdout
    assert "- **2 d 22 h** finance sample CSV from accounting" in later


def test_weekly_digest_lists_each_persons_entries_by_day(native_repo: Repo) -> None:
    """(The full digest, byte for byte, is in test_digest.py.)"""
    repo = native_repo
    history(repo)
    out = repo.sl("report", "weekly", env=NOW).stdout
    assert out.startswith("# Weekly digest — 2026-11-20 00:00 – 2026-11-26 12:00\n")
    # The commits of this history are dated after NOW: none falls in the period.
    assert "**Why coverage: no commit changed code in this period.**" in out
    assert ("6 entries by 2 people in 2 projects: 3 decisions, 0 findings, 3 blockers opened, 1 closed, "
            "2 still open.") in out
    billing = out.split("\n## billing\n")[1].split("\n## ")[0]
    assert ("### grace — 2 entries\n\n**Tue 2026-11-24**\n\n- 14:00 Export job · [raw](logs/archive/"
            in billing)
    assert "- Invoices as CSV, because finance imports CSV — ada, 2026-11-23, in “Invoice format”" in billing
    assert "- Rejected: XLSX export, because nobody opens it — grace, 2026-11-24" in billing
    assert ("- **grace** is waiting on: finance sample CSV from accounting — open 1 d 22 h, since "
            "2026-11-24 14:00, in “Export job”") in billing
    assert "- **grace**: ask accounting again on Friday (from 2026-11-24)" in billing
    shop = out.split("\n## shop\n")[1].split("\n## ")[0]
    assert "~~Redis session store not configured yet~~ — unblocked 2026-11-23 by ada after 4 h 00 min" in shop
    assert "Postgres" not in out  # before the period
    data = json.loads(repo.sl("report", "weekly", "--json", env=NOW).stdout)
    assert data["totals"] == {"entries": 6, "contributors": 2, "projects": 2, "decisions": 3, "findings": 0,
                              "blockers_opened": 3, "blockers_closed": 1, "blockers_open": 2}


def test_onboarding_decision_timeline(native_repo: Repo) -> None:
    repo = native_repo
    history(repo)
    out = repo.sl("report", "onboarding", env=NOW).stdout
    shop = out.split("\n## shop\n")[1]
    assert "4 entries from 2026-11-02 to 2026-11-23. Read first: logs/shop-status.md, " \
        "logs/shop-session-log-2026-11.md." in shop
    first = shop.index("2026-11-02 ada: Decision: Postgres over MySQL, because we need JSONB")
    second = shop.index("2026-11-23 ada: Decision: RS256 over HS256, because key rotation is required")
    assert first < second
    billing = out.split("\n## billing\n")[1].split("\n## shop\n")[0]
    assert "- **grace**: 2 entries, 2026-11-24 – 2026-11-24" in billing
    assert "- finance sample CSV from accounting — grace, since 2026-11-24 (1 d 22 h)" in billing


def test_bad_since_names_the_fix(native_repo: Repo) -> None:
    proc = native_repo.sl("report", "time", "--since", "last tuesday", check=False, env=NOW)
    assert proc.returncode == 1
    assert "--since 'last tuesday': not a date or a span" in proc.stderr
    assert "--since 2026-11-26" in proc.stderr and "--since 14d" in proc.stderr
    out = native_repo.sl("report", "weekly", "--since", "2w", env=NOW).stdout
    assert "2026-11-12 12:00 – 2026-11-26 12:00" in out
    assert "0 entries by 0 people in 0 projects" in out


# --- the HTML page, in a real browser ----------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing in CI: scripts/test installs it with apt-get when run as root")
    pytest.skip("chromium is not installed (apt-get install -y chromium; scripts/test does it in CI)")


def _browser(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--window-size=1200,1600", *extra, page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Decode an 8-bit RGB(A), non-interlaced PNG: (width, height, rows, channels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and color in (2, 6)
    ch = 3 if color == 2 else 4
    stride = width * ch
    raw = zlib.decompress(b"".join(idat))
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b, c = prev[i], (prev[i - ch] if i >= ch else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, ch


def test_html_report_renders_in_a_real_browser(native_repo: Repo, tmp_path: Path) -> None:
    _chromium()
    repo = native_repo
    history(repo)
    page = tmp_path / "time.html"
    proc = repo.sl("report", "time", "--html", str(page), env=NOW)
    assert f"wrote the time report to {page}" in proc.stderr
    assert proc.stdout.startswith("# Time allocation — ")  # the Markdown still printed, as help says
    html = page.read_text(encoding="utf-8")
    # One self-contained page: no network, no external CSS, JS or fonts.
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "url(" not in html and "src=" not in html
    assert html.count("<svg") == 3

    _browser(tmp_path, page, f"--screenshot={tmp_path / 'time.png'}")
    width, height, rows, ch = png_pixels((tmp_path / "time.png").read_bytes())
    assert (width, height) == (1200, 1600)
    pixels = [tuple(row[i : i + 3]) for row in rows[::4] for i in range(0, len(row), ch * 4)]
    non_white = sum(1 for p in pixels if min(p) < 235)
    assert non_white > len(pixels) * 0.03, "the screenshot is (nearly) blank"
    # The bar colours of the charts are on screen (the first two palette colours, give or take).
    def near(rgb: tuple[int, int, int]) -> int:
        return sum(1 for p in pixels if all(abs(a - b) < 24 for a, b in zip(p, rgb, strict=True)))
    assert near((0x3B, 0x6E, 0xA8)) > 50 and near((0xD9, 0x82, 0x2B)) > 50

    dom = _browser(tmp_path, page, "--dump-dom").stdout.decode("utf-8")
    assert "Time allocation" in dom
    assert 'id="total">4 h 00 min<' in dom
    for figure in ("ada", "grace", "2 h 30 min", "1 h 30 min", "billing", "2 h 15 min", "1 h 45 min"):
        assert f">{figure}<" in dom, figure
    assert dom.count("<rect") == 6  # two contributors, two projects, two days
    assert "aria-label=\"Effort by contributor\"" in dom


def test_blockers_html_escapes_user_text_and_shows_ages(native_repo: Repo, tmp_path: Path) -> None:
    _chromium()
    repo = native_repo
    history(repo)
    for kind in ("blockers", "weekly", "onboarding"):
        page = tmp_path / f"{kind}.html"
        repo.sl("report", kind, "--html", str(page), env=NOW)
        dom = _browser(tmp_path, page, "--dump-dom").stdout.decode("utf-8")
        if kind == "blockers":
            assert "finance sample CSV from accounting" in dom
            assert ">1 d 22 h<" in dom and ">1 d 21 h<" in dom
            assert "<b>grace</b> waits on:" in dom
            assert 'aria-label="Open blockers by age"' in dom
        if kind == "weekly":
            # A title with markup is text, never markup.
            assert "Export &lt;b&gt;staging&lt;/b&gt;" in dom
            assert "<b>staging</b>" not in dom
            # The browser sees a link from every entry to its raw archive file, and right plurals.
            assert dom.count('<a class="raw" href="') >= dom.count('<li class="entry">') == 6
            assert "Why coverage: no commit changed code in this period." in dom
            assert "<b>1</b>blocker closed" in dom and "1 blockers" not in dom
        if kind == "onboarding":
            assert "Postgres over MySQL, because we need JSONB" in dom
    _browser(tmp_path, tmp_path / "weekly.html", f"--screenshot={tmp_path / 'weekly.png'}")
    _, _, rows, ch = png_pixels((tmp_path / "weekly.png").read_bytes())
    assert len({row[i : i + 3] for row in rows[::8] for i in range(0, len(row), ch * 8)}) > 20
