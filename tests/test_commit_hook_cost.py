"""What the commit hook's process pays for one new day, piece by piece: each shortcut gives
exactly what the longer way gave (the speed itself is scripts/bench.py's)."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT, Repo

from sessionlog_git.base import text


def test_the_hash_helper_uses_openssl_for_a_large_file_and_stays_lean_for_a_small_one() -> None:
    """A month's master log (a megabyte) is hashed by hashlib's OpenSSL sha256, five times the
    builtin module's speed; a small text in a process that has not loaded hashlib (the
    per-prompt hook) does not load it. Both give the same digest."""
    code = (
        "import json, sys\n"
        "from sessionlog_git.base.text import HASHLIB_FROM, sha256_hex\n"
        "small = sha256_hex(b'x' * 1000)\n"
        "lean = 'hashlib' not in sys.modules\n"
        "big = sha256_hex(b'y' * HASHLIB_FROM)\n"
        "print(json.dumps([small, lean, big, 'hashlib' in sys.modules]))\n"
    )
    out = subprocess.run([PYTHON, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)  # -S: no site, as the launcher starts a hook
    small, lean, big, loaded = json.loads(out.stdout)
    assert small == hashlib.sha256(b"x" * 1000).hexdigest()
    assert big == hashlib.sha256(b"y" * text.HASHLIB_FROM).hexdigest()
    assert lean and loaded
    for data in (b"", "é" * 7, b"z" * (text.HASHLIB_FROM - 1), b"z" * (text.HASHLIB_FROM + 1)):
        raw = data.encode("utf-8") if isinstance(data, str) else data
        assert text.sha256_hex(data) == hashlib.sha256(raw).hexdigest()


def _split_by_lines(text: str) -> tuple[str, dict[str, str]]:
    """The master log's sections as the line-by-line split read them (the reference)."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    if not starts:
        return text, {}
    sections = {lines[a][3:]: "\n".join(lines[a:b]).rstrip("\n") + "\n"
                for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)}
    return "\n".join(lines[: starts[0]]) + "\n", sections


def test_a_master_log_is_split_into_its_sections_as_line_by_line() -> None:
    """monthview._split finds the sections by searching the text (a megabyte at 5,000 entries),
    not by a list of its lines: the same header and sections, whatever the text."""
    import random

    from sessionlog_git.pipeline import monthview

    texts = ["", "\n", "## a", "## a\n", "head\n## a\nx\n\n## b\ny", "x\n\n## a\n## b\n\n\n",
             "## \n", "#  x\n## a", "a\r\n## b\r\nc\r\n", "## a\n##b\n## c", "### a\n## b\n"]
    rng = random.Random(15)
    pieces = ["## ", "\n", "a", "#", " ", "b\n", "\r", "##", "é"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(16))) for _ in range(4000)]
    for sample in texts:
        assert monthview._split(sample) == _split_by_lines(sample), repr(sample)
        # and of its UTF-8 bytes (a master log appended to is spliced as the file's bytes)
        header, sections = _split_by_lines(sample)
        assert monthview._split(sample.encode()) == (
            header.encode(), {name: part.encode() for name, part in sections.items()}), repr(sample)


def test_a_master_log_just_kept_is_encoded_once_and_any_other_text_as_ever(tmp_path: Path) -> None:
    from sessionlog_git.pipeline import monthview

    text = "# Session log\n\n## ada\n\n### 2024-06-30 — a day\n" * 1000
    monthview._remember(tmp_path / "m.json", [], "", text, {"key": ""})
    kept = monthview.utf8(text)
    assert kept == text.encode("utf-8") and monthview.utf8(text) is kept
    other = "".join(["# Session log\n", text[len("# Session log\n"):]])  # equal, not the same
    assert other == text and other is not text
    assert monthview.utf8(other) == kept and monthview.utf8(other) is not kept
    assert monthview.utf8("é") == "é".encode()
    saved = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert saved["renders"][-1]["digest"] == hashlib.sha256(kept).hexdigest()


def test_a_commit_with_a_new_day_creates_no_dataclass(native_repo: Repo) -> None:
    """The records on a commit's path are plain classes: a dataclass compiles its generated
    methods at every hook process's start. A real commit with a day pending, through the
    installed hook, consolidates the day without importing `dataclasses` (the measure can
    see it: the same commit does load jinja2 and re2, test_idle)."""
    repo = native_repo
    repo.log("2026-11-25T09:00:00+01:00", "Work on the parser", "Decision: keep the cache",
             "Blocker: the tokenizer drops tabs")
    repo.append("app.py", "x = 1\n")
    repo.git("add", "app.py")
    out = repo.git("commit", "-m", "day", env={"PYTHONPROFILEIMPORTTIME": "1"})
    names = {m[1].split(".")[0] for m in re.finditer(
        r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", out.stderr, re.MULTILINE)}
    assert {"sessionlog_git", "jinja2", "re2"} <= names, "the hook did a day's work"
    assert "dataclasses" not in names
    committed = repo.head_files()
    assert any(f.startswith("logs/archive/2026-11/") for f in committed), committed
    assert "app.py" in committed and repo.pending() == [] and repo.porcelain() == []


def test_the_hook_paths_records_compare_and_hash_as_their_dataclasses_did() -> None:
    """Plain classes with the dataclasses' semantics: equal by the fields they compared (not
    `line`, `day`, `at` or a finding's digest), the frozen ones hashed by them, the mutable
    ones unhashable, a decision equal only to itself; keywords and defaults as before."""
    from datetime import date

    from sessionlog_git.config import Config, ProjectRoute
    from sessionlog_git.logs.entries import Bullet, Entry, TempLog
    from sessionlog_git.logs.lifecycle import Decision
    from sessionlog_git.logs.model import Blocker, Record, StatusState
    from sessionlog_git.logs.redact import Finding, Redacted
    from sessionlog_git.logs.secretscan import Hit
    from sessionlog_git.pipeline.journal import Intent, LogIntent
    from sessionlog_git.workspace import Workspace

    a, b = Bullet("decision", "Decision: x", 3), Bullet("decision", "Decision: x", 9)
    assert a == b and hash(a) == hash(b) and a != Bullet("note", "Decision: x", 3)
    assert len({a, b, Bullet("decision", "Decision: y")}) == 2 and Bullet("k", "t").line == 0
    e1 = Entry("09:00", "T", [a], {"k": "v"}, line=1, day=date(2024, 6, 1))
    e2 = Entry(time="09:00", title="T", bullets=[b], meta={"k": "v"}, line=7)
    assert e1 == e2 and e1 != Entry("09:00", "T", [a], {"k": "v"}, heading="## 09:00 T")
    assert Entry("1", "t").bullets is not Entry("1", "t").bullets  # a fresh list each
    with pytest.raises(TypeError):
        hash(e1)
    r1, r2 = Record(e1, "p", "u", "s"), Record(e2, "p", "u", "s")
    assert r1 == r2 and r1 != Record(e1, "p", "u", "t")
    assert Blocker(r1, a) == Blocker(r2, b) and Blocker(r1, a) != Blocker(r1, a, r2)
    assert TempLog() == TempLog() and TempLog(entries=[e1]) == TempLog(entries=[e2])
    assert StatusState().book is not StatusState().book
    d = Decision(r1, a)
    assert d == d and d != Decision(r1, a) and len({d, Decision(r1, a)}) == 2
    assert Finding(3, "aws", "d1") == Finding(3, "aws", "d2") and hash(Finding(3, "aws")) == hash(
        Finding(3, "aws", "x"))
    assert Redacted("t") == Redacted("t", []) and Redacted("t").findings is not Redacted("t").findings
    assert Hit(1, 2, "k") == Hit(1, 2, "k") and Hit(1, 2, "k") != Hit(1, 3, "k")
    cfg = Config(Path("/r"), "p", projects=(ProjectRoute("a", ("x/",)),))
    moved = cfg.replace(top=Path("/s"))
    assert moved.top == Path("/s") and moved.replace(top=Path("/r")) == cfg != moved
    assert hash(cfg) == hash(Config(Path("/r"), "p", projects=(ProjectRoute("a", ("x/",)),)))
    assert Workspace(Path("/r"), cfg) == Workspace(Path("/r"), moved.replace(top=Path("/r")))
    with pytest.raises(TypeError):
        cfg.replace(nothing=1)
    log = LogIntent("p.md", 1, "d", ["h"], None, None, "proj", "2024-06")
    assert list(Intent(logs=[log]).to_json()["logs"][0]) == [
        "pending", "size", "digest", "header", "archive", "archive_digest", "project", "month"]
    assert LogIntent(**log.to_json()) == log
