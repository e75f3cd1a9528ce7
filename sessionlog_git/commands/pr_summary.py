"""`sessionlog pr-summary --base REV [--head REV] [--output FILE]`: a pull request's why.

Markdown for a CI job summary (or a review comment): what the archive files the pull request
adds record, by author (see `prsummary`). `--output` appends, as `$GITHUB_STEP_SUMMARY`
expects (several steps share it). Exit codes: 0 written, 2 usage (a revision that is not a
commit here, no common history, not inside a git repository).
"""
from __future__ import annotations

import sys
from pathlib import Path

from sessionlog_git import gitops
from sessionlog_git.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from sessionlog_git.insight import prsummary

# GitHub refuses a step summary over 1 MiB; stay well under it.
LIMIT = 900_000


def pr_summary(*, base: str, head: str = "HEAD", output: str | None = None) -> int:
    try:
        top = gitops.toplevel()
    except gitops.GitError as exc:
        print(f"sessionlog pr-summary: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = clip(prsummary.markdown(top, base, head))
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(output)
    try:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"sessionlog pr-summary: {target}: cannot append ({exc.strerror}). Fix: give a "
              "writable file to --output.", file=sys.stderr)
        return EXIT_FAILED
    print(f"sessionlog pr-summary: appended to {target}")
    return EXIT_OK


def clip(text: str, limit: int = LIMIT) -> str:
    """At most `limit` characters, cut at a line, saying so."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut + 1] + (
        "\n_(cut here: the summary is longer than a job summary may be; run "
        "`sessionlog pr-summary` locally for all of it.)_\n"
    )
