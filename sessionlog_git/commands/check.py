"""`sessionlog check [--fix]`: for CI and reviews.

Findings: a generated view (master log, status file) that differs from a fresh render of the
archive (`consolidate.rebuild`), or is missing; a pending entry older than HEAD (reasoning
that should have gone into a commit). Exit codes: 0 no findings, 1 findings, 2 usage (a bad
command line, or not inside a git work tree).
"""
from __future__ import annotations

import sys

from sessionlog_git import gitops, workspace
from sessionlog_git.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from sessionlog_git.logs import layout
from sessionlog_git.pipeline import checks


def check(*, fix: bool = False, rev: str | None = None) -> int:
    if rev:
        from sessionlog_git.commands.check_rev import check_rev

        return check_rev(rev=rev, fix=fix)
    try:
        top = gitops.toplevel()
    except gitops.GitError as exc:
        print(f"sessionlog check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ws = workspace.at(top)
    logs_dir = ws.config.logs_dir
    problems, differ, count = checks.worktree_mismatches(ws, keep=fix)
    if fix and problems:
        from sessionlog_git.base.fsutil import atomic_write_text

        fixed = []
        for rel, text in sorted(differ.items()):
            path = top / rel
            try:
                if path.read_text(encoding="utf-8") == text:
                    continue
            except (OSError, UnicodeDecodeError):
                pass
            atomic_write_text(path, text)
            fixed.append(rel)
        gitops.stage(top, fixed)
        for rel in fixed:
            print(f"sessionlog check: re-rendered and staged {rel}")
        problems, differ, count = checks.worktree_mismatches(ws, keep=False)
    head = gitops.run("rev-parse", "-q", "--verify", "HEAD^{commit}", cwd=top, check=False).strip()
    stale: list[checks.StaleEntry] = []
    if head:
        stale = checks.pending_older_than(ws, checks.commit_time(top, head))
    from sessionlog_git.pipeline.archivecheck import archived_twice

    twice = archived_twice(ws)
    from sessionlog_git.pipeline.packing import damaged

    broken = damaged(ws)
    findings = len(problems) + len(stale) + len(twice) + len(broken)
    if not findings:
        print(
            f"sessionlog check: ok: {count} generated file{'s' if count != 1 else ''} "
            f"match a fresh render of {layout.archive_prefix(logs_dir)}; every pack reads; "
            "no entry is archived twice; "
            "no pending entry is older than HEAD"
        )
        return EXIT_OK
    print(f"sessionlog check: {findings} finding{'s' if findings != 1 else ''}")
    for problem in problems:
        print(f"  {problem}")
    if problems:
        print(
            f"  Fix: `sessionlog check --fix` re-renders {'it' if len(problems) == 1 else 'them'} "
            f"from {layout.archive_prefix(logs_dir)} and stages the result; then commit "
            f"(`git commit -m \"Re-render session logs\" -- {logs_dir}`)."
        )
    for finding in broken:
        print(f"  {finding}")
    for finding in twice:
        print(f"  {finding}")
    if twice:
        print("  Fix: delete the repeated entry from one of the two files (or the file that holds "
              "only repeats), then commit; the views already show each entry once.")
    if stale:
        short = head[:7]
        print(f"  {len(stale)} pending entr{'y is' if len(stale) == 1 else 'ies are'} older than "
              f"HEAD ({short}), so {'its' if len(stale) == 1 else 'their'} reasoning is not in "
              "the history:")
        for entry in stale:
            print(f"    {entry.describe()}")
        print(f"  Fix: sessionlog consolidate && git commit -m \"Session logs\" -- {logs_dir}")
    return EXIT_FAILED
