#!/usr/bin/env python3
"""Recall on the secret corpus and false positives on the clean corpus, for README.

Usage: python scripts/redaction_report.py   (from a checkout, with the package installed)
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from secret_corpus import CLEAN, SECRETS

from sessionlog_git.logs.redact import redact


def main() -> int:
    caught = sum(1 for _, line in SECRETS if redact(line).count)
    flagged = [line for line in CLEAN if redact(line).count]
    print("| corpus | lines | result |")
    print("| --- | --- | --- |")
    print(f"| secret shapes | {len(SECRETS)} | {caught} caught (recall {caught / len(SECRETS):.0%}) |")
    rate = len(flagged) / len(CLEAN)
    print(f"| clean log lines | {len(CLEAN)} | {len(flagged)} flagged (false positives {rate:.1%}) |")
    for line in flagged:
        print(f"  flagged: {line}", file=sys.stderr)
    return 0 if caught == len(SECRETS) and rate <= 0.01 else 1


if __name__ == "__main__":
    raise SystemExit(main())
