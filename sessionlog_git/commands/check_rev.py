"""`sessionlog check --rev REV`: the check for a committed revision (CI on a pull request's head).

The commit's generated views (master logs, status files) must equal a fresh render of the
archive committed with them, with the config committed with them. Everything is read from
git objects: the revision need not be checked out, and pending logs (there are none in CI)
play no part. Exit codes as `sessionlog check`: 0 no findings, 1 findings, 2 usage.
"""
from __future__ import annotations

import sys

from sessionlog_git import gitops
from sessionlog_git.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from sessionlog_git.pipeline import revision, treeviews


def check_rev(*, rev: str, fix: bool = False) -> int:
    if fix:
        print("sessionlog check: --fix re-renders files in the work tree, --rev checks a commit "
              "as committed. Fix: check the branch out and run `sessionlog check --fix` there.",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        top = gitops.toplevel()
    except gitops.GitError as exc:
        print(f"sessionlog check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sha = revision.commit(top, rev, "--rev")
    ws = revision.workspace_at(top, sha)
    logs_dir = ws.config.logs_dir
    short = sha[:7]
    expected = treeviews.render_rev(ws, sha)
    problems = treeviews.mismatches(ws.top, sha, expected)
    if not problems:
        count = len(expected)
        print(
            f"sessionlog check: ok: {count} generated file{'s' if count != 1 else ''} in {short} "
            f"match a fresh render of its {logs_dir}/archive"
        )
        return EXIT_OK
    print(f"sessionlog check: {len(problems)} finding{'s' if len(problems) != 1 else ''} in {short}")
    for problem in problems:
        print(f"  {problem}")
    print(
        f"  Fix: on that commit's branch run `sessionlog check --fix`, which re-renders "
        f"{'it' if len(problems) == 1 else 'them'} from {logs_dir}/archive and stages the result; "
        f"then `git commit -m \"Re-render session logs\" -- {logs_dir}` and push."
    )
    return EXIT_FAILED
