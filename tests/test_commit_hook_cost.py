"""What the commit hook's process pays for one new day, piece by piece: each shortcut gives
exactly what the longer way gave (the speed itself is scripts/bench.py's)."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from conftest import PYTHON, ROOT

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
