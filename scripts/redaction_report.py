#!/usr/bin/env python3
"""Recall on the secret corpora and lines altered in the clean corpora, for README.

Usage: .venv/bin/python scripts/redaction_report.py   (from a checkout, with the package installed)
       .venv/bin/python scripts/redaction_report.py --engine /tmp/old_redact.py   (another redact.py)

Prints one table: the original corpus (tests/secret_corpus.py), the realistic corpus
(tests/leak_corpus.py, each shape written as a bullet, a title, in a code fence, URL-encoded
in a query string and wrapped across two lines; the clean corpus of tests/leak_corpus_clean.py)
and the held-out part (tests/leak_corpus_heldout.py), which the rules were not tuned against.
Exits 1 when a goal tests/test_redaction.py asserts is not met. Misses go to stderr.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import leak_corpus
import leak_corpus_heldout
from leak_corpus_clean import CLEAN_LINES
from secret_corpus import CLEAN, SECRETS

from sessionlog_git.logs.redact import redact as current

redact = current

GOALS = {"forms": 0.97, "url": 0.80, "wrapped": 0.50, "clean": 0.005}


def _cell(pair: tuple[int, int], what: str) -> str:
    caught, total = pair
    return f"{caught} of {total} {what} ({caught / total:.1%})" if total else "—"


def own_text() -> tuple[dict[str, int], list[str]]:
    """Real text that talks about keys all the time: README, CHANGELOG, the package, templates and
    tests (not the rules themselves nor the redaction corpora and tests, which hold secrets on purpose)."""
    root = Path(__file__).resolve().parent.parent
    skip = ("secretscan.py", "secret_corpus.py")
    files = [root / "README.md", root / "CHANGELOG.md"]
    files += sorted(p for p in (root / "sessionlog_git").rglob("*.py") if p.name not in skip)
    files += sorted((root / "templates").rglob("*.j2"))
    files += sorted(p for p in (root / "tests").glob("test_*.py") if "redact" not in p.name)
    lines: dict[str, int] = {}
    altered: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        before, after = text.split("\n"), redact(text).text.split("\n")
        lines[str(path.relative_to(root))] = len(before)
        if len(before) != len(after):
            altered += [f"{path}: lines swallowed"] * len(before)
            continue
        altered += [f"{path}: {a}" for a, b in zip(before, after, strict=True) if a != b]
    return lines, altered


def _load(path: str) -> None:
    """Measure another engine: a redact.py saved from an older commit, e.g.
    `git show 8abea83:sessionlog_git/redact.py > /tmp/old_redact.py`."""
    global redact
    import importlib.util

    spec = importlib.util.spec_from_file_location("other_redact", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["other_redact"] = module
    spec.loader.exec_module(module)
    redact = module.redact


def main() -> int:
    if sys.argv[1:2] == ["--engine"]:
        _load(sys.argv[2])
    import time

    line = "- " + "abcdefghij_-" * 5460 + "\n"
    started = time.process_time()
    redact(line)
    slow = time.process_time() - started
    caught = sum(1 for _, line in SECRETS if redact(line).count)
    flagged = [line for line in CLEAN if redact(line).count]
    main_figures = leak_corpus.measure(redact, leak_corpus.SHAPES, CLEAN_LINES)
    held = leak_corpus.measure(redact, leak_corpus_heldout.SHAPES, leak_corpus_heldout.CLEAN_LINES)
    print("| corpus | bullets, titles, fences | URL-encoded | wrapped | clean lines altered |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| original ({len(SECRETS)} shapes, tests/secret_corpus.py) | "
          f"{_cell((caught, len(SECRETS)), 'caught')} | — | — | "
          f"{_cell((len(flagged), len(CLEAN)), 'lines')} |")
    for name, f, shapes in (
        ("realistic", main_figures, leak_corpus.SHAPES),
        ("held-out, not tuned against", held, leak_corpus_heldout.SHAPES),
    ):
        print(f"| {name} ({len(shapes)} shapes) | {_cell(f.forms, 'caught')} | {_cell(f.url, 'caught')} | "
              f"{_cell(f.wrapped, 'caught')} | {_cell(f.clean, 'lines')} |")
    own, own_altered = own_text()
    print(f"| this repository's own docs, code and tests ({len(own)} files) | — | — | — | "
          f"{_cell((len(own_altered), sum(n for n in own.values())), 'lines')} |")
    print(f"\none 64 KB line with no digits: {slow:.2f} s of CPU time")
    print("goals (realistic corpus): ≥ 97% bullets/titles/fences, ≥ 80% URL-encoded, ≥ 50% wrapped, "
          "≤ 0.5% clean lines altered")
    for miss in main_figures.misses:
        print(f"  realistic: {miss}", file=sys.stderr)
    for miss in held.misses:
        print(f"  held-out: {miss}", file=sys.stderr)
    for line in own_altered:
        print(f"  own text altered: {line}", file=sys.stderr)
    f = main_figures
    met = (f.rate(f.forms) >= GOALS["forms"] and f.rate(f.url) >= GOALS["url"]
           and f.rate(f.wrapped) >= GOALS["wrapped"] and f.clean[0] / f.clean[1] <= GOALS["clean"]
           and caught == len(SECRETS) and not flagged)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
